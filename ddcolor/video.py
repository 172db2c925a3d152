"""Colorizing a video file: decode, colorize in batches, stabilize over time, encode; audio kept.

The video streams through: frames are decoded with PyAV (FFmpeg), sent through the model a batch
at a time, and encoded as soon as they are done, so memory depends on the frame size and the
batch, not on the video's length. Each frame keeps its own lightness at full resolution (only
a and b change), its timestamp, and the stream's rate, size and rotation; the audio packets are
copied as they are unless the output container cannot hold that codec.
"""

from __future__ import annotations

import contextlib
import logging
import os
import struct
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import av.logging
import cv2
import numpy as np

from ddcolor.checks import require_choice
from ddcolor.lab import to_lab
from ddcolor.pipeline import DEFAULT_UPSAMPLE, Colorizer, PostSteps, check_input_size, compose
from ddcolor.resample import upsample_ab
from ddcolor.stabilize import Motion, TemporalStabilizer, measure_motion
from ddcolor.transfer.blending import log as transfer_log

log = logging.getLogger("ddcolor")

VIDEO_FORMATS = ("mp4", "webm")
VIDEO_CODECS = {"mp4": "libx264", "webm": "libvpx-vp9"}
VIDEO_OPTIONS = {
    "libx264": {"crf": "18", "preset": "medium"},
    "libvpx-vp9": {"crf": "30", "b": "0", "deadline": "good", "cpu-used": "4", "row-mt": "1"},
}
# Audio codecs each container holds as they are; anything else is re-encoded to the first choice.
AUDIO_COPYABLE = {"mp4": ("aac", "mp3", "alac", "ac3", "eac3", "opus", "flac"), "webm": ("opus", "vorbis")}
AUDIO_ENCODERS = {"mp4": ("aac", 48_000), "webm": ("libopus", 48_000)}
AUDIO_GAP_SECONDS = 0.02  # a hole in re-encoded sound longer than this is kept, as silence
DEFAULT_BATCH_SIZE = 4
# Tags that describe the file's own making (its brand, muxer, length, mkvmerge's statistics of its
# streams, a timecode track's start), written anew or wrong for the result: not carried over.
FORMAT_TAGS = {"major_brand", "minor_version", "compatible_brands", "encoder", "duration", "handler_name", "vendor_id"}
FORMAT_TAGS |= {"bps", "number_of_frames", "number_of_bytes", "timecode"}
# A video is taken for cut short only when it is this far short of what its file declares, in frames
# and in time: declared counts and lengths are often a frame or two off (rounding, the last frame's
# duration), and a long variable-rate video's by a few percent.
MISSING_FRAMES_ALLOWED = 2
MISSING_SHARE_ALLOWED = 0.05
MAX_MOTION_WORKERS = 8  # at most; no more work at once than a batch has frames (DEFAULT_BATCH_SIZE 4)

Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class VideoLimits:
    """The most a caller accepts (None: no limit); exceeded limits raise ValueError before the work."""

    max_seconds: float | None = None
    max_frames: int | None = None
    max_pixels: int | None = None  # width x height of one frame


@dataclass
class VideoReport:
    """What was done, for logs and checks."""

    frames: int = 0
    fps: float = 0.0
    width: int = 0
    height: int = 0
    rotation: int = 0
    seconds: float = 0.0  # wall-clock time spent
    audio: str = "none"  # "none", "copied (aac)", "re-encoded aac -> opus"; one per track, joined by ", "
    padded: bool = False  # odd size padded by one pixel for yuv420p H.264
    scene_cuts: list[int] = field(default_factory=list)
    output_format: str = "mp4"


def _starts_like_a_video(source: Path) -> bool:
    """Whether the file begins as MP4/MOV, Matroska/WebM or AVI do: one that FFmpeg cannot open
    is then damaged (an MP4 cut before its index at the end, say), not something else."""
    try:
        with source.open("rb") as file:
            head = file.read(12)
    except OSError:
        return False
    return head[4:8] == b"ftyp" or head.startswith(b"\x1a\x45\xdf\xa3") or (head[:4], head[8:12]) == (b"RIFF", b"AVI ")


def _open_input(source: Path) -> av.container.InputContainer:
    """Messages say "the video file", as the photo's say "the image": the path a server was given
    is its own temporary file, and the command line names the user's file itself. FFmpeg's errors
    name the path too, so only their reason (`strerror`) is kept."""
    try:
        container = av.open(str(source))
    except av.FFmpegError as error:
        if _starts_like_a_video(source):
            raise ValueError(
                f"the video file is damaged or truncated: its header cannot be read ({error.strerror})"
            ) from None
        raise ValueError(f"the video file cannot be read as a video ({error.strerror})") from None
    if all(stream.disposition & av.stream.Disposition.attached_pic for stream in container.streams.video):
        container.close()  # no video at all, or only a song's cover picture
        raise ValueError("the video file has no video stream (is it an audio file or an image?)")
    if container.format.name == "image2" or container.format.name.endswith("_pipe"):  # FFmpeg's still-image readers
        kind = container.format.name.removesuffix("_pipe").upper()
        container.close()
        raise ValueError(f"the video file is a picture ({kind}), not a video; colorize it as a photo")
    if _video_stream(container).codec_context is None:
        container.close()
        raise ValueError(
            "the video file's codec cannot be decoded here (FFmpeg has no decoder for it); "
            "convert it to H.264 (MP4) or VP9 (WebM) first"
        )
    return container


def _video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream:
    """The film: the first video stream that is not a cover picture (checked to exist by `_open_input`)."""
    return next(s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic)


def _stream_seconds(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, *, video_only: bool = False
) -> float | None:
    """The video's length as its file declares it: the stream's, else the file's. `video_only`: the file's
    only where the video is all it holds (a WebM's length is that of its longest track, sound included)."""
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None and (not video_only or len(container.streams) == 1):
        return container.duration / av.time_base
    return None


def check_complete(container: av.container.InputContainer, frames: int, reached_seconds: float | None) -> None:
    """Refuse a video whose frames stop clearly short of what its file declares (a cut upload or
    download of an MP4 with its index at the front, or of a WebM): FFmpeg decodes what is there and
    raises nothing. `reached_seconds`: where the last decoded frame ends, from the first one's start.

    Both the count and the time must fall short: an MP4 trimmed by its edit list counts the frames
    it hides, and a variable-rate video's count from its length and mean rate is an estimate, but
    both reach their declared end."""
    stream = _video_stream(container)
    seconds = _stream_seconds(container, stream, video_only=True)
    rate = float(_frame_rate(stream))
    declared = stream.frames or (round(seconds * rate) if seconds is not None else 0)
    allowed = max(MISSING_FRAMES_ALLOWED, MISSING_SHARE_ALLOWED * declared)
    if not declared or frames >= declared - allowed:
        return
    if seconds is not None and reached_seconds is not None and reached_seconds >= seconds - allowed / rate:
        return
    raise ValueError(f"the video file is truncated or damaged: only {frames} of its {declared} frames could be read")


@contextlib.contextmanager
def _ffmpeg_errors() -> Iterator[list[str]]:
    """FFmpeg's error lines while the block runs in this thread (filled in at its end): a file cut
    short raises nothing, FFmpeg only logs it ("File ended prematurely"). PyAV passes FFmpeg's logs
    on only once a level is set, and skips a line the same as the one before (the last video's),
    so for the block a level is set where none was and every line is kept; both are put back."""
    errors: list[str] = []
    level, skip_repeated = av.logging.get_level(), av.logging.get_skip_repeated()
    if level is None:
        av.logging.set_level(av.logging.ERROR)
    av.logging.set_skip_repeated(False)
    try:
        with av.logging.Capture() as captured:
            yield errors
    finally:
        av.logging.set_level(level)
        av.logging.set_skip_repeated(skip_repeated)
    errors.extend(dict.fromkeys(line.strip() for severity, _, line in captured if severity <= av.logging.ERROR))


def check_limits(container: av.container.InputContainer, limits: VideoLimits) -> None:
    """Refuse a video over the limits from its header, before decoding anything."""
    stream = _video_stream(container)
    width, height = stream.codec_context.width, stream.codec_context.height
    if limits.max_pixels is not None and width * height > limits.max_pixels:
        raise ValueError(
            f"the video is {width}x{height}, over the limit of {limits.max_pixels / 1e6:.1f} megapixels per frame; "
            "scale it down first"
        )
    seconds = _stream_seconds(container, stream)
    if limits.max_seconds is not None and seconds is not None and seconds > limits.max_seconds:
        raise ValueError(f"the video lasts {seconds:.1f} s, over the limit of {limits.max_seconds:g} s; cut it first")
    if limits.max_frames is not None and stream.frames and stream.frames > limits.max_frames:
        raise ValueError(f"the video has {stream.frames} frames, over the limit of {limits.max_frames}; cut it first")


def _carried_tags(tags: dict[str, str]) -> dict[str, str]:
    """A file's or stream's tags worth keeping (title, creation time, location, language ...), as for a
    photo's EXIF: all but those of the file's own making, and no undetermined language."""
    return {
        key: value
        for key, value in tags.items()
        if key.lower().split("-")[0] not in FORMAT_TAGS  # mkvmerge's are also named with a language: BPS-eng
        and not key.lower().startswith("_statistics_")
        and not (key == "language" and value == "und")
    }


# FFmpeg's color matrices (AVColorSpace, as frames and codecs are tagged) and the conversion swscale has for each.
_UNSPECIFIED = 2
_MATRIX_CONVERSIONS = {1: "itu709", 4: "fcc", 5: "itu601", 6: "itu601", 7: "smpte240m", 9: "bt2020", 10: "bt2020"}
_BT709, _SMPTE170M, _LIMITED_RANGE = 1, 6, 1
_HDR_TRANSFERS = {16: "PQ (HDR10)", 18: "HLG"}


def _matrix(frame: av.VideoFrame) -> int:
    """The color matrix of `frame`'s YUV: its tag, or for an untagged one what players take (BT.709 for HD sizes,
    BT.601 below), so that its lightness is read as people see it."""
    if frame.colorspace in _MATRIX_CONVERSIONS:
        return frame.colorspace
    return _BT709 if frame.width >= 1280 or frame.height > 576 else _SMPTE170M


def _bgr(frame: av.VideoFrame) -> np.ndarray:
    """A decoded frame as uint8 BGR, converted by its own matrix (swscale takes BT.601 for any untagged one)."""
    return frame.to_ndarray(format="bgr24", src_colorspace=_MATRIX_CONVERSIONS[_matrix(frame)])


def _frame_rate(stream: av.video.stream.VideoStream) -> Fraction:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    return Fraction(rate) if rate else Fraction(25)


# FFmpeg's usual layouts by number of channels, for sound whose file names none ("1 channels": PCM in
# Matroska), which encoders refuse; other counts are mixed to stereo.
_USUAL_LAYOUTS = {1: "mono", 2: "stereo", 6: "5.1", 8: "7.1"}


def _encodable_layout(layout: av.AudioLayout | None) -> str:
    if layout is None:
        return "stereo"
    if layout.name.endswith(" channels"):
        return _USUAL_LAYOUTS.get(layout.nb_channels, "stereo")
    return layout.name


class _AudioTrack:
    """One audio track of the output: its packets copied, or re-encoded where the container cannot hold
    the codec."""

    def __init__(
        self, container: av.container.OutputContainer, output_format: str, source: av.audio.stream.AudioStream
    ) -> None:
        self.container = container
        name = source.codec_context.name
        self.resampler: av.audio.resampler.AudioResampler | None = None
        if name in AUDIO_COPYABLE[output_format]:
            self.stream = container.add_stream_from_template(source)
            self.note = f"copied ({name})"
        else:
            encoder, rate = AUDIO_ENCODERS[output_format]
            self.stream = container.add_stream(encoder, rate=rate)
            layout = _encodable_layout(source.codec_context.layout)
            self.stream.layout = layout
            self.resampler = av.AudioResampler(format=self.stream.codec_context.format.name, layout=layout, rate=rate)
            self.note = f"re-encoded {name} -> {encoder.removeprefix('lib')}"
            log.info("audio %s: %s cannot hold %s", self.note, output_format.upper(), name)
        self.stream.metadata.update(_carried_tags(source.metadata))  # its language, its title
        self.packets = 0
        self.next_sample: int | None = None  # the time of the next re-encoded sample, in samples

    def add(self, packet: av.Packet) -> None:
        self.packets += packet.size > 0  # not the demuxer's empty flush packet, which every track gets
        if self.resampler is None:
            if packet.dts is not None:  # None: a demuxer's empty flush packet
                packet.stream = self.stream
                self.container.mux(packet)
            return
        for frame in packet.decode():
            self._encode(frame)

    def _encode(self, frame: av.AudioFrame | None) -> None:
        """Re-encoded sound starts where the source's starts and keeps its gaps (as silence): numbered from 0,
        a camera MOV's sound that begins 0.3 s in came 0.28 s early, out of step with the picture."""
        rate = self.stream.codec_context.sample_rate
        if frame is not None and frame.time is not None:
            start = round(frame.time * rate)
            if self.next_sample is None:
                self.next_sample = start
            elif start - self.next_sample > AUDIO_GAP_SECONDS * rate:
                while self.next_sample < start:  # a second at a time
                    self._send(self._silence(min(start - self.next_sample, rate)))
        for resampled in self.resampler.resample(frame):
            self._send(resampled)
        if frame is None:
            self.container.mux(self.stream.encode(None))

    def _send(self, frame: av.AudioFrame) -> None:
        """Encode `frame` at the next sample's time (the encoder takes only contiguous times)."""
        rate = self.stream.codec_context.sample_rate
        frame.pts, frame.time_base, frame.sample_rate = self.next_sample or 0, Fraction(1, rate), rate
        self.next_sample = (self.next_sample or 0) + frame.samples
        self.container.mux(self.stream.encode(frame))

    def _silence(self, samples: int) -> av.AudioFrame:
        context = self.stream.codec_context
        silence = av.AudioFrame(format=context.format.name, layout=context.layout.name, samples=samples)
        for plane in silence.planes:
            plane.update(bytes(plane.buffer_size))
        return silence

    def close(self) -> None:
        if self.resampler is not None:
            self._encode(None)


_STREAM_KINDS = {"subtitle": "subtitle track", "attachment": "attached file", "video": "other video stream"}


def _say_what_is_left_out(source: av.container.InputContainer, film: av.video.stream.VideoStream) -> None:
    """The result holds the film and its sound (and chapters): subtitles, attached files (a Matroska's fonts)
    and other pictures the file has are said to be left out, in one line. Data streams are of the file's own
    making (a timecode, MP4's chapter track, a camera's telemetry), as its muxer's tags are."""
    kinds = [
        _STREAM_KINDS.get(stream.type, f"{stream.type} stream")
        for stream in source.streams
        if stream.type not in ("audio", "data") and stream != film
    ]
    if kinds:
        counted = ", ".join(
            f"{kinds.count(kind)} {kind}{'s' * (kinds.count(kind) > 1)}" for kind in dict.fromkeys(kinds)
        )
        log.warning("left out of the result: %s (it holds the film, its sound and its chapters)", counted)


class _Output:
    """The output container: a video stream set up from the first frame, and every audio track."""

    def __init__(self, destination: Path, output_format: str, source: av.container.InputContainer) -> None:
        tags = _carried_tags(source.metadata)
        # An iPhone's place, camera and date are QuickTime keys (com.apple.quicktime.*), which MP4's muxer drops
        # unless it writes every tag as such a key.
        apple_keys = output_format == "mp4" and any(key.startswith("com.apple.") for key in tags)
        self.container = av.open(
            str(destination), "w", format=output_format, options={"movflags": "use_metadata_tags"} if apple_keys else {}
        )
        self.container.metadata.update(tags)  # title, date, place, comment ...
        try:
            self.container.set_chapters(source.chapters())
        except (ValueError, TypeError, av.FFmpegError) as error:  # never worth losing the film over
            log.warning("its chapters could not be kept (%s)", error)
        self.format = output_format
        self.source_video = _video_stream(source)
        _say_what_is_left_out(source, self.source_video)
        self.source_audio_tracks = [track for track in source.streams.audio if track.codec_context is not None]
        if unread := len(source.streams.audio) - len(self.source_audio_tracks):
            log.warning("%d audio track(s) in a codec FFmpeg cannot read here: left out", unread)
        self.video: av.video.stream.VideoStream | None = None
        self.audio: dict[int, _AudioTrack] = {}  # by the source stream's index
        self.waiting_audio: list[av.Packet] = []
        self.pad = (0, 0)
        self.last_pts: int | None = None
        self.matrix = _SMPTE170M

    @property
    def audio_note(self) -> str:
        heard = [track.note for track in self.audio.values() if track.packets]  # the muxer drops an empty track
        return ", ".join(heard) or "none"

    def start(self, first: av.VideoFrame) -> None:
        """Add the streams (all must exist before anything is written); rotation is known from the first frame."""
        codec = VIDEO_CODECS[self.format]
        width, height = first.width, first.height
        if codec == "libx264":  # yuv420p H.264 needs even sizes: repeat the last row / column
            self.pad = (height % 2, width % 2)
            if any(self.pad):
                log.info(
                    "odd size %dx%d: padded to %dx%d (edge pixels repeated), as H.264 in yuv420p needs even sizes",
                    width,
                    height,
                    width + self.pad[1],
                    height + self.pad[0],
                )
        video = self.container.add_stream(codec, rate=_frame_rate(self.source_video), options=VIDEO_OPTIONS[codec])
        video.width, video.height = width + self.pad[1], height + self.pad[0]
        video.pix_fmt = "yuv420p"
        video.time_base = self.source_video.time_base
        video.codec_context.time_base = self.source_video.time_base
        if self.source_video.sample_aspect_ratio:
            video.codec_context.sample_aspect_ratio = self.source_video.sample_aspect_ratio
        shown_as = first.side_data.get(av.sidedata.sidedata.Type.DISPLAYMATRIX)
        if shown_as is not None:  # the whole matrix: a front camera's mirror too, which the angle alone loses
            video.set_display_matrix(struct.unpack("<9i", bytes(shown_as)))
        elif first.rotation:
            video.set_display_rotation(first.rotation)
        # Written with the matrix it was read by and tagged so (untagged, an HD result read as BT.709 by players
        # was 2.6 L off on average), with the film's primaries and transfer where it names them.
        self.matrix = _matrix(first)
        context = video.codec_context
        context.colorspace, context.color_range = self.matrix, _LIMITED_RANGE
        if first.color_primaries != _UNSPECIFIED:
            context.color_primaries = first.color_primaries
        if first.color_trc != _UNSPECIFIED:
            context.color_trc = first.color_trc
        if first.interlaced_frame:
            log.warning("the video is interlaced: written as progressive frames, combed where things move")
        if self.format == "webm" and video.codec_context.sample_aspect_ratio not in (None, 0, 1):
            log.warning(
                "its pixels are not square (aspect %s): WebM here shows them square, MP4 keeps them",
                video.codec_context.sample_aspect_ratio,
            )
        deepest = max(component.bits for component in first.format.components)
        if deepest > 8 or first.color_trc in _HDR_TRANSFERS:
            log.info(
                "the video is %d-bit%s: written at 8 bits (yuv420p), with its color tags",
                deepest,
                f" {_HDR_TRANSFERS[first.color_trc]}" if first.color_trc in _HDR_TRANSFERS else "",
            )
        video.metadata.update(_carried_tags(self.source_video.metadata))
        self.video = video
        self.audio = {
            source.index: _AudioTrack(self.container, self.format, source) for source in self.source_audio_tracks
        }
        for packet in self.waiting_audio:
            self.add_audio(packet)
        self.waiting_audio.clear()

    def add_audio(self, packet: av.Packet) -> None:
        if self.video is None:
            self.waiting_audio.append(packet)
        else:
            self.audio[packet.stream.index].add(packet)

    def add_video(self, bgr: np.ndarray, source: av.VideoFrame) -> None:
        if any(self.pad):
            bgr = cv2.copyMakeBorder(bgr, 0, self.pad[0], 0, self.pad[1], cv2.BORDER_REPLICATE)
        frame = av.VideoFrame.from_ndarray(bgr, format="bgr24").reformat(
            format="yuv420p", dst_colorspace=_MATRIX_CONVERSIONS[self.matrix], dst_color_range="MPEG"
        )
        pts = source.pts
        if pts is not None and self.last_pts is not None and pts <= self.last_pts:
            pts = self.last_pts + 1  # a repeated time (a damaged or re-cut file): the muxer needs rising times
        frame.pts, frame.time_base = pts, source.time_base
        self.last_pts = pts if pts is not None else self.last_pts
        self.container.mux(self.video.encode(frame))

    def close(self) -> None:
        try:
            if self.video is not None:
                self.container.mux(self.video.encode(None))
                for track in self.audio.values():
                    track.close()
        finally:
            self.container.close()  # the file is let go even when the last packets fail


@contextlib.contextmanager
def _silenced(logger: logging.Logger, silence: bool) -> Iterator[None]:
    """Keep `logger` quiet while `silence`: a video would log the same line once per frame."""
    was_disabled = logger.disabled
    logger.disabled = was_disabled or silence
    try:
        yield
    finally:
        logger.disabled = was_disabled


def motion_workers() -> int:
    """Threads that measure motion ahead: the cores left beside the one that decodes and encodes."""
    return max(1, min(MAX_MOTION_WORKERS, (os.cpu_count() or 1) - 1))


class _FrameColorizer:
    """Model batches -> (reference) -> stabilization -> full-resolution frames, in order.

    The reference and the stabilizer go frame after frame in one worker thread, while this thread
    brings the frames already done to full size (and the caller encodes them): with a fast model
    (a GPU) the stabilizer would otherwise add its whole time to every frame. The motion the
    stabilizer needs (two optical flows per frame, most of its time) depends on the grays alone,
    so it is measured for the whole batch at once, in parallel, while the model runs.
    """

    def __init__(
        self, colorizer: Colorizer, size: int, steps: PostSteps, stabilizer: TemporalStabilizer | None
    ) -> None:
        self.colorizer, self.size, self.steps, self.stabilizer = colorizer, size, steps, stabilizer
        self.frames_done = 0
        self.previous_gray: np.ndarray | None = None
        self.steps_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ddcolor-video-steps")
        self.motion_pool = (
            ThreadPoolExecutor(max_workers=motion_workers(), thread_name_prefix="ddcolor-video-motion")
            if stabilizer is not None
            else None
        )

    def close(self) -> None:
        """Stop the work not yet begun (after a failed encode, say) and end the threads."""
        for pool in (self.steps_worker, self.motion_pool):
            if pool is not None:
                pool.shutdown(cancel_futures=True)

    def __call__(self, frames: list[np.ndarray]) -> Iterator[np.ndarray]:
        if self.steps.reference_lab is None and self.stabilizer is None:
            for frame, ab in zip(frames, self._predict(frames), strict=True):
                yield compose(frame, upsample_ab(ab, frame.shape[:2], DEFAULT_UPSAMPLE))
            return
        smalls = [cv2.resize(frame, (self.size, self.size), interpolation=cv2.INTER_AREA) for frame in frames]
        motions: list[tuple[np.ndarray, Future[Motion]] | None] = [None] * len(frames)
        if self.motion_pool is not None:
            for index, small in enumerate(smalls):
                gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
                motions[index] = gray, self.motion_pool.submit(measure_motion, self.previous_gray, gray)
                self.previous_gray = gray
        steady = [
            self.steps_worker.submit(self._steps, small, ab, motion)
            for small, ab, motion in zip(smalls, self._predict(frames), motions, strict=True)
        ]
        for frame, future in zip(frames, steady, strict=True):
            yield compose(frame, upsample_ab(future.result(), frame.shape[:2], DEFAULT_UPSAMPLE))

    def _predict(self, frames: list[np.ndarray]) -> list[np.ndarray]:
        return self.colorizer.working_ab(frames, self.size)

    def _steps(self, small: np.ndarray, ab: np.ndarray, motion: tuple[np.ndarray, Future[Motion]] | None) -> np.ndarray:
        """The reference and the stabilizer (given the frame's gray and its motion) at the working
        size, for frames in order."""
        if self.steps.reference_lab is not None:
            with _silenced(transfer_log, self.frames_done > 0):  # the transfer's line once, not per frame
                recolored = self.steps.apply(compose(small, ab))
            ab = np.ascontiguousarray(to_lab(recolored).transpose(2, 0, 1)[1:])
        if self.stabilizer is not None and motion is not None:
            gray, measured = motion
            ab = self.stabilizer(gray, ab, measured.result())
        self.frames_done += 1
        return ab


class _Decoded:
    """Video frames in order, audio packets sent to the output on the way; counts how many frames
    came and how far in time they reached, for `check_complete`."""

    def __init__(self, container: av.container.InputContainer, output: _Output) -> None:
        self.container, self.output = container, output
        self.stream = output.source_video
        self.frames = 0
        self.first_seconds: float | None = None
        self.reached_seconds: float | None = None  # where the last frame ends, from the first one's start

    def __iter__(self) -> Iterator[av.VideoFrame]:
        streams = [self.stream, *self.output.source_audio_tracks]
        try:
            for packet in self.container.demux(*streams):
                if packet.stream.type == "audio":
                    self.output.add_audio(packet)
                    continue
                for frame in packet.decode():
                    self.frames += 1
                    self._reach(frame)
                    yield frame
        except av.FFmpegError as error:
            raise ValueError(
                f"the video file is damaged or truncated after frame {self.frames} ({error.strerror})"
            ) from None

    def _reach(self, frame: av.VideoFrame) -> None:
        if frame.time is None:
            return
        self.first_seconds = frame.time if self.first_seconds is None else self.first_seconds
        lasts = float(frame.duration * frame.time_base) if frame.duration else 1 / float(_frame_rate(self.stream))
        self.reached_seconds = max(self.reached_seconds or 0.0, frame.time + lasts - self.first_seconds)


def colorize_video(
    colorizer: Colorizer,
    source: str | Path,
    destination: str | Path,
    *,
    stabilize: bool = True,
    reference: np.ndarray | None = None,
    reference_method: str = "exemplar",
    reference_strength: float = 1.0,
    input_size: int | None = None,
    output_format: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    limits: VideoLimits | None = None,
    progress: Progress | None = None,
) -> VideoReport:
    """Colorize the video at `source` into `destination` (paths); returns a `VideoReport`.

    `reference`: a uint8 BGR color photo whose colors steer every frame (as for photos).
    `output_format`: "mp4" (H.264) or "webm" (VP9); by default from the destination's suffix,
    else mp4. `progress(done, total)` is called after each frame (`total` None when unknown).
    """
    started = time.perf_counter()
    source, destination = Path(source), Path(destination)
    output_format = output_format or (destination.suffix.lstrip(".").lower() or "mp4")
    require_choice("output_format", output_format, VIDEO_FORMATS)
    size = check_input_size(input_size or colorizer.input_size)
    steps = PostSteps.prepare(
        reference=reference, reference_method=reference_method, reference_strength=reference_strength
    )
    container = _open_input(source)
    frame_colorizer = _FrameColorizer(colorizer, size, steps, TemporalStabilizer() if stabilize else None)
    try:
        check_limits(container, limits or VideoLimits())
        return _run(
            container,
            destination,
            output_format,
            frame_colorizer,
            max(1, batch_size),
            limits or VideoLimits(),
            progress,
            started,
        )
    except BaseException:
        destination.unlink(missing_ok=True)  # no half-written video left behind
        raise
    finally:
        frame_colorizer.close()
        container.close()


def _run(
    container: av.container.InputContainer,
    destination: Path,
    output_format: str,
    colorize: _FrameColorizer,
    batch_size: int,
    limits: VideoLimits,
    progress: Progress | None,
    started: float,
) -> VideoReport:
    stream = _video_stream(container)
    stream.thread_type = "AUTO"
    total = stream.frames or None
    report = VideoReport(fps=float(_frame_rate(stream)), output_format=output_format)
    output = _Output(destination, output_format, container)
    pending: list[tuple[np.ndarray, av.VideoFrame]] = []

    def flush() -> None:
        for (_, frame), colorized in zip(pending, colorize([bgr for bgr, _ in pending]), strict=True):
            output.add_video(colorized, frame)
            report.frames += 1
            if progress is not None:
                progress(report.frames, total)
        pending.clear()

    decoded = _Decoded(container, output)
    try:
        with _ffmpeg_errors() as ffmpeg_errors:
            for frame in decoded:
                if output.video is None:
                    output.start(frame)
                    report.width, report.height, report.rotation = frame.width, frame.height, frame.rotation
                    log.info(
                        "colorizing %s frames of %dx%d at %.3g fps%s",
                        total or "an unknown number of",
                        frame.width,
                        frame.height,
                        report.fps,
                        ", stabilized" if colorize.stabilizer else "",
                    )
                if limits.max_frames is not None and report.frames + len(pending) >= limits.max_frames:
                    raise ValueError(f"the video has more than {limits.max_frames} frames, the limit; cut it first")
                if limits.max_seconds is not None and frame.time is not None and frame.time > limits.max_seconds:
                    raise ValueError(f"the video lasts over {limits.max_seconds:g} s, the limit; cut it first")
                pending.append((_bgr(frame), frame))
                if len(pending) >= batch_size:
                    flush()
            if pending:
                flush()
        check_complete(container, decoded.frames, decoded.reached_seconds)
        if report.frames == 0:
            raise ValueError("the video has no frame that could be decoded")
    finally:
        output.close()
    if ffmpeg_errors:
        log.warning(
            "FFmpeg reported: %s; the video may be truncated or damaged (its %d readable frames are colorized)",
            "; ".join(ffmpeg_errors),
            report.frames,
        )
    report.audio, report.padded = output.audio_note, any(output.pad)
    report.scene_cuts = list(colorize.stabilizer.cuts) if colorize.stabilizer else []
    report.seconds = time.perf_counter() - started
    log.info(
        "colorized %d frames in %.1f s (%.1f frames/s); audio %s%s",
        report.frames,
        report.seconds,
        report.frames / max(report.seconds, 1e-9),
        report.audio,
        f"; scene cuts at frames {report.scene_cuts}" if report.scene_cuts else "",
    )
    return report
