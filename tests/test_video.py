"""Video: streaming colorization keeps the stream's shape and audio, stabilization removes flicker
without crossing cuts, bad files fail clearly; the command line and the Cog predictor around it."""

from __future__ import annotations

import logging
import statistics
import struct
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
import torch
from torch import nn

from cog_server import data_url, decode_data_url
from conftest import gradient_photo
from ddcolor import video
from ddcolor.cli import main
from ddcolor.pipeline import Colorizer
from ddcolor.stabilize import TemporalStabilizer, measure_motion
from ddcolor.video import VideoLimits, colorize_video
from video_clips import Shot, audio_samples, read_frames, write_video
from video_quality import Clip, TruthModel, ab_distances, warping_error

WIDTH, HEIGHT = 64, 48


def pan(frames: int, seed: int = 0) -> Shot:
    return Shot(gradient_photo(160, 200, seed), frames, (10.0, 10.0), (1.5, 0.5))


def gray_frames(shot: Shot, width: int = WIDTH, height: int = HEIGHT) -> list[np.ndarray]:
    return [cv2.cvtColor(shot.frame(t, width, height), cv2.COLOR_BGR2GRAY) for t in range(shot.frames)]


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return write_video(tmp_path_factory.mktemp("video") / "pan.mp4", gray_frames(pan(12)), rate=24, audio="aac")


def stream_facts(path) -> dict:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = list(container.decode(video=0))
        return {
            "frames": len(frames),
            "size": (frames[0].width, frames[0].height),
            "rate": stream.average_rate,
            "times": [round(float(f.time), 3) for f in frames],
            "rotation": frames[0].rotation,
            "codec": stream.codec_context.name,
            "audio": container.streams.audio[0].codec_context.name if container.streams.audio else None,
        }


def test_mp4_keeps_frames_rate_timestamps_size_and_copies_the_audio(clip, tmp_path, tiny_colorizer):
    report = colorize_video(tiny_colorizer, clip, tmp_path / "out.mp4")
    before, after = stream_facts(clip), stream_facts(tmp_path / "out.mp4")
    assert after["codec"] == "h264" and after["audio"] == "aac" and report.audio == "copied (aac)"
    for key in ("frames", "size", "rate", "times"):
        assert after[key] == before[key], key
    assert audio_samples(tmp_path / "out.mp4") == audio_samples(clip) > 0
    assert report.frames == 12 and (report.width, report.height) == (WIDTH, HEIGHT)
    colored = read_frames(tmp_path / "out.mp4")[5]
    assert np.abs(colored.astype(int) - colored.mean(axis=2, keepdims=True)).mean() > 1  # not gray any more


def tagged_copy(source, destination, tags: dict[str, str], audio_language: str):
    """The video's packets as they are, in a file that carries `tags` and the audio track's language."""
    with av.open(str(source)) as original, av.open(str(destination), "w") as copy:
        copy.metadata.update(tags)
        streams = {stream.index: copy.add_stream_from_template(stream) for stream in original.streams}
        for stream in streams.values():
            stream.metadata["BPS-eng"] = "9999999"  # mkvmerge's statistics, true of this encoding only
        for stream in original.streams.audio:
            streams[stream.index].metadata["language"] = audio_language
        for packet in original.demux():
            if packet.dts is not None:
                packet.stream = streams[packet.stream.index]
                copy.mux(packet)
    return destination


@pytest.mark.parametrize("output_format", ["mp4", "webm"])
def test_the_films_title_date_place_and_audio_language_are_kept(clip, tmp_path, tiny_colorizer, output_format):
    tags = {"title": "Wedding, June 1962", "comment": "grandpa's reel 3", "location": "+48.8584+002.2945/"}
    of_its_making = {"timecode": "01:00:00:00", "_STATISTICS_WRITING_APP": "mkvmerge v80"}  # true of the source only
    source = tagged_copy(
        clip, tmp_path / "tagged.mkv", tags | of_its_making | {"creation_time": "2001-06-02T14:00:00Z"}, "fra"
    )
    colorize_video(tiny_colorizer, source, tmp_path / f"out.{output_format}", input_size=64)
    with av.open(str(tmp_path / f"out.{output_format}")) as result:
        kept = {key.lower(): value for key, value in result.metadata.items()}
        assert tags.items() <= kept.items() and kept["creation_time"].startswith("2001-06-02T14:00:00")
        assert not {"timecode", "_statistics_writing_app"} & kept.keys()
        assert [stream.type for stream in result.streams] == ["video", "audio"]  # no timecode track
        assert not any(key.lower().startswith("bps") for stream in result.streams for key in stream.metadata)
        assert result.streams.audio[0].metadata["language"] == "fra"


def with_two_audio_tracks(source, destination):
    """The video with its audio track twice, as an English and a French track (a film and its dub)."""
    with av.open(str(source)) as original, av.open(str(destination), "w") as copy:
        video = copy.add_stream_from_template(original.streams.video[0])
        tracks = [copy.add_stream_from_template(original.streams.audio[0]) for _ in range(2)]
        for track, language in zip(tracks, ("eng", "fra"), strict=True):
            track.metadata["language"] = language
        for packet in original.demux():
            if packet.dts is None:
                continue
            for stream in [video] if packet.stream.type == "video" else tracks:
                twin = av.Packet(bytes(packet))
                twin.pts, twin.dts, twin.time_base, twin.stream = packet.pts, packet.dts, packet.time_base, stream
                twin.is_keyframe = packet.is_keyframe
                copy.mux(twin)
    return destination


@pytest.mark.parametrize("output_format", ["mp4", "webm"])
def test_every_audio_track_is_kept_with_its_language(clip, tmp_path, tiny_colorizer, output_format):
    source = with_two_audio_tracks(clip, tmp_path / "dubbed.mp4")
    report = colorize_video(tiny_colorizer, source, tmp_path / f"out.{output_format}", input_size=64)
    output = tmp_path / f"out.{output_format}"
    with av.open(str(output)) as result:
        assert [track.metadata.get("language") for track in result.streams.audio] == ["eng", "fra"]
    assert report.audio == ", ".join(["copied (aac)" if output_format == "mp4" else "re-encoded aac -> opus"] * 2)
    for track in range(2):  # each as long as the video (12 frames at 24 fps)
        with av.open(str(output)) as result:
            samples = sum(frame.samples for frame in result.decode(audio=track))
        assert samples == pytest.approx(48_000 * 12 / 24, rel=0.1)


def camera_clip(path, sound: list[tuple[float, float]]) -> Path:
    """A MOV or MKV as cameras and digitizers make them: 15 frames at 25 fps and PCM sound (which MP4 cannot
    hold) in the (start, seconds) spans of `sound`, none elsewhere."""
    with av.open(str(path), "w") as movie:
        picture = movie.add_stream("libx264", rate=25)
        picture.width, picture.height, picture.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        track = movie.add_stream("pcm_s16le", rate=48_000)
        track.layout = "mono"
        for image in gray_frames(pan(15)):
            movie.mux(picture.encode(av.VideoFrame.from_ndarray(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), "bgr24")))
        movie.mux(picture.encode(None))
        for start, seconds in sound:
            for first in range(0, round(seconds * 48_000), 1200):
                tone = (8000 * np.sin(2 * np.pi * 440 * (np.arange(1200) + first) / 48_000)).astype(np.int16)
                chunk = av.AudioFrame.from_ndarray(tone[None], format="s16", layout="mono")
                chunk.sample_rate, chunk.pts, chunk.time_base = (
                    48_000,
                    round(start * 48_000) + first,
                    Fraction(1, 48_000),
                )
                movie.mux(track.encode(chunk))
        movie.mux(track.encode(None))
    return path


def sound_spans(path) -> list[tuple[float, float]]:
    """Where a file's first audio track is loud, in seconds (per decoded frame)."""
    spans: list[list[float]] = []
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            loud = np.abs(frame.to_ndarray().astype(np.float32)).mean() > (0.01 if frame.format.is_planar else 100)
            end = float(frame.time) + frame.samples / frame.sample_rate
            if loud and spans and float(frame.time) - spans[-1][1] < 0.005:
                spans[-1][1] = end
            elif loud:
                spans.append([float(frame.time), end])
    return [(round(start, 2), round(end, 2)) for start, end in spans]


@pytest.mark.parametrize("output_format", ["mp4", "webm"])
def test_re_encoded_sound_keeps_its_place_beside_the_picture(tmp_path, tiny_colorizer, output_format):
    """Sound that starts 0.3 s in, or has a hole, stays in step with the picture when it must be re-encoded
    (numbered from 0, it came 0.28 s early and the hole was closed up)."""
    late = camera_clip(tmp_path / "late.mov", [(0.3, 0.3)])
    holed = camera_clip(tmp_path / "holed.mkv", [(0.0, 0.2), (0.4, 0.2)])  # MOV's muxer closes holes
    assert sound_spans(late) == [(0.3, 0.6)] and sound_spans(holed) == [(0.0, 0.2), (0.4, 0.6)]
    for source in (late, holed):
        output = tmp_path / f"{source.stem}.{output_format}"
        report = colorize_video(tiny_colorizer, source, output, input_size=64)
        assert report.audio.startswith("re-encoded pcm_s16le")
        for (start, end), (kept_start, kept_end) in zip(sound_spans(source), sound_spans(output), strict=True):
            assert abs(kept_start - start) <= 0.03 and abs(kept_end - end) <= 0.03


class VividColors(nn.Module):
    """A model whose colors are vivid and vary across the frame: how a color matrix reads them shows in L."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        height, width = x.shape[2:]
        ys, xs = torch.meshgrid(torch.linspace(-1, 1, height), torch.linspace(-1, 1, width), indexing="ij")
        return (45 * torch.stack((torch.sin(3 * xs), torch.cos(3 * ys))))[None].expand(x.shape[0], 2, height, width)


def clip_in_matrix(path, size: tuple[int, int], matrix: int | None) -> Path:
    """Three frames converted to YUV by the BT.709 (1) or BT.601 (6) matrix, tagged so, or untagged (None)."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25, options={"crf": "10"})
        stream.width, stream.height, stream.pix_fmt = *size, "yuv420p"
        if matrix is not None:
            stream.codec_context.colorspace, stream.codec_context.color_range = matrix, 1
        for t in range(3):
            frame = av.VideoFrame.from_ndarray(pan(3).frame(t, *size), format="bgr24").reformat(
                format="yuv420p", dst_colorspace="itu709" if matrix == 1 else "itu601", dst_color_range="MPEG"
            )
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


@pytest.mark.parametrize(
    ("size", "tag", "read_as"),
    [((96, 64), 1, 1), ((96, 64), None, 6), ((1280, 720), None, 1)],  # untagged: players take HD as BT.709
)
def test_the_result_keeps_the_lightness_people_see_and_says_its_color_matrix(tmp_path, size, tag, read_as):
    """Untagged and converted by BT.601, an HD result was shown by players through BT.709: 2.6 L off on
    average with vivid colors. It is now converted by the matrix the film is read by, and tagged so."""
    source = clip_in_matrix(tmp_path / "film.mp4", size, tag)
    colorizer = Colorizer(VividColors(), input_size=64, device="cpu")
    colorize_video(colorizer, source, tmp_path / "out.mp4", stabilize=False)
    conversion = {1: "itu709", 6: "itu601"}[read_as]
    with av.open(str(source)) as film, av.open(str(tmp_path / "out.mp4")) as result:
        seen = [frame.to_ndarray(format="bgr24", src_colorspace=conversion) for frame in film.decode(video=0)]
        written = list(result.decode(video=0))
        shown = [frame.to_ndarray(format="bgr24", src_colorspace=conversion) for frame in written]
    assert (written[0].colorspace, written[0].color_range) == (read_as, 1)
    lightness = [cv2.cvtColor(frame, cv2.COLOR_BGR2Lab)[:, :, 0].astype(float) * 100 / 255 for frame in seen + shown]
    assert np.mean([np.abs(a - b).mean() for a, b in zip(lightness[:3], lightness[3:], strict=True)]) < 1.2
    assert np.hypot(*cv2.cvtColor(shown[0], cv2.COLOR_BGR2Lab)[:, :, 1:].astype(float).T - 128).mean() > 20


def film_with_chapters_and_subtitles(path) -> Path:
    """A Matroska film as archives keep them: chapters, an English subtitle track and an attached font."""
    with av.open(str(path), "w") as film:
        picture = film.add_stream("libx264", rate=25)
        picture.width, picture.height, picture.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        subtitles = film.add_mux_stream("subrip")
        subtitles.time_base, subtitles.metadata["language"] = Fraction(1, 1000), "eng"
        film.add_attachment("DejaVuSans.ttf", "application/x-truetype-font", b"\x00\x01\x00\x00font" * 20)
        film.set_chapters(
            [
                {"id": 1, "start": 0, "end": 200, "time_base": Fraction(1, 1000), "metadata": {"title": "Wedding"}},
                {"id": 2, "start": 200, "end": 400, "time_base": Fraction(1, 1000), "metadata": {"title": "Party"}},
            ]
        )
        for image in gray_frames(pan(10)):
            film.mux(picture.encode(av.VideoFrame.from_ndarray(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), "bgr24")))
        film.mux(picture.encode(None))
        line = av.Packet(b"Happy birthday")
        line.stream, line.pts, line.dts, line.duration, line.time_base = subtitles, 100, 100, 300, Fraction(1, 1000)
        film.mux(line)
    return path


@pytest.mark.parametrize("output_format", ["mp4", "webm"])
def test_chapters_are_kept_and_what_the_result_cannot_hold_is_said(tmp_path, tiny_colorizer, output_format, caplog):
    source = film_with_chapters_and_subtitles(tmp_path / "archive.mkv")
    with caplog.at_level(logging.WARNING, logger="ddcolor"):
        colorize_video(tiny_colorizer, source, tmp_path / f"out.{output_format}", input_size=64)
    with av.open(str(tmp_path / f"out.{output_format}")) as result:
        chapters = [(float(c["start"] * c["time_base"]), c["metadata"]["title"]) for c in result.chapters()]
    assert chapters == [(0.0, "Wedding"), (0.2, "Party")]
    assert "left out of the result: 1 subtitle track, 1 attached file" in caplog.text


def test_an_iphones_place_and_camera_are_kept_in_mp4(clip, tmp_path, tiny_colorizer):
    """iPhones keep them as QuickTime keys, which MP4's muxer writes only when asked to write every tag so."""
    keys = {
        "com.apple.quicktime.location.ISO6709": "+47.5596+009.4732+398.000/",
        "com.apple.quicktime.model": "iPhone 15",
    }
    source = tmp_path / "IMG_0042.mov"
    with av.open(str(clip)) as original, av.open(str(source), "w", options={"movflags": "use_metadata_tags"}) as copy:
        copy.metadata.update(keys)
        streams = {stream.index: copy.add_stream_from_template(stream) for stream in original.streams}
        for packet in original.demux():
            if packet.dts is not None:
                packet.stream = streams[packet.stream.index]
                copy.mux(packet)
    colorize_video(tiny_colorizer, source, tmp_path / "out.mp4", input_size=64)
    with av.open(str(tmp_path / "out.mp4")) as result:
        assert {key: result.metadata.get(key) for key in keys} == keys


def test_an_empty_audio_track_is_not_reported_as_kept(clip, tmp_path, tiny_colorizer):
    """MP4's muxer drops a track with no packets; the report says what the result holds."""
    source = tmp_path / "with an empty track.mkv"
    with av.open(str(clip)) as original, av.open(str(source), "w") as copy:
        streams = {stream.index: copy.add_stream_from_template(stream) for stream in original.streams}
        empty = copy.add_stream("aac", rate=48_000)
        empty.layout = "stereo"
        for packet in original.demux():
            if packet.dts is not None:
                packet.stream = streams[packet.stream.index]
                copy.mux(packet)
    report = colorize_video(tiny_colorizer, source, tmp_path / "out.mp4", input_size=64)
    with av.open(str(tmp_path / "out.mp4")) as result:
        assert len(result.streams.audio) == 1
    assert report.audio == "copied (aac)"


def test_an_audio_track_in_a_codec_ffmpeg_cannot_read_is_left_out_and_said(tmp_path, tiny_colorizer, caplog):
    whole = write_video(tmp_path / "whole.mkv", gray_frames(pan(6)), audio="aac").read_bytes()
    (tmp_path / "odd sound.mkv").write_bytes(whole.replace(b"A_AAC", b"A_ZZZ"))  # Matroska's codec id, renamed
    with caplog.at_level(logging.WARNING, logger="ddcolor"):
        report = colorize_video(tiny_colorizer, tmp_path / "odd sound.mkv", tmp_path / "out.mp4", input_size=64)
    assert report.frames == 6 and report.audio == "none"
    assert "1 audio track(s) in a codec FFmpeg cannot read here: left out" in caplog.text


def mp4_boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(kind, start, end) of the ISO media boxes between `start` and `end`."""
    boxes = []
    while start < end:
        size, kind = struct.unpack(">I4s", data[start : start + 8])
        boxes.append((kind, start, start + size))
        start += size
    return boxes


def with_a_cover_first(film, destination):
    """The film in an MP4 whose first video stream is a cover picture, as some tools write it. FFmpeg keeps a
    cover in the metadata box (`udta`), after the tracks; moved before them, it is read as stream 0."""
    with av.open(str(film)) as original, av.open(str(destination), "w") as copy:
        video = copy.add_stream_from_template(original.streams.video[0])
        cover = copy.add_stream("mjpeg", rate=1)
        cover.width, cover.height, cover.pix_fmt = 32, 32, "yuvj420p"
        cover.disposition = av.stream.Disposition.attached_pic
        picture = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="bgr24")
        copy.mux(cover.encode(picture.reformat(format="yuvj420p")))
        copy.mux(cover.encode(None))
        for packet in original.demux(video=0):
            if packet.dts is not None:
                packet.stream = video
                copy.mux(packet)
    data = destination.read_bytes()
    _, start, end = next(box for box in mp4_boxes(data, 0, len(data)) if box[0] == b"moov")
    children = mp4_boxes(data, start + 8, end)
    ordered = sorted(children, key=lambda box: {b"mvhd": 0, b"udta": 1}.get(box[0], 2))
    destination.write_bytes(data[: start + 8] + b"".join(data[s:e] for _, s, e in ordered) + data[end:])
    return destination


def test_a_film_whose_first_video_stream_is_its_cover_picture_is_colorized_whole(tmp_path, tiny_colorizer):
    film = with_a_cover_first(write_video(tmp_path / "film.mp4", gray_frames(pan(6)), audio=None), tmp_path / "c.mp4")
    with av.open(str(film)) as container:
        assert container.streams.video[0].disposition & av.stream.Disposition.attached_pic
    report = colorize_video(tiny_colorizer, film, tmp_path / "out.mp4", input_size=64)
    assert report.frames == 6 and (report.width, report.height) == (WIDTH, HEIGHT)


def test_webm_gets_vp9_and_the_aac_track_re_encoded_to_opus_of_the_same_length(clip, tmp_path, tiny_colorizer):
    report = colorize_video(tiny_colorizer, clip, tmp_path / "out.webm", stabilize=False)
    after = stream_facts(tmp_path / "out.webm")
    assert after["codec"] == "vp9" and after["audio"] == "opus" and report.audio == "re-encoded aac -> opus"
    assert after["frames"] == 12 and after["size"] == (WIDTH, HEIGHT)
    assert abs(audio_samples(tmp_path / "out.webm") - audio_samples(clip)) <= 960  # one Opus frame at most


def test_odd_sizes_are_padded_for_h264_and_kept_in_webm(tmp_path, tiny_colorizer):
    source = write_video(tmp_path / "odd.webm", gray_frames(pan(4), 63, 47), audio=None)
    mp4 = colorize_video(tiny_colorizer, source, tmp_path / "odd.mp4")
    assert mp4.padded and stream_facts(tmp_path / "odd.mp4")["size"] == (64, 48)
    webm = colorize_video(tiny_colorizer, source, tmp_path / "out.webm")
    assert not webm.padded and stream_facts(tmp_path / "out.webm")["size"] == (63, 47)


def test_rotation_is_kept(tmp_path, tiny_colorizer):
    source = write_video(tmp_path / "rotated.mp4", gray_frames(pan(3)), rotation=90, audio=None)
    report = colorize_video(tiny_colorizer, source, tmp_path / "out.mp4")
    assert report.rotation == 90 and stream_facts(tmp_path / "out.mp4")["rotation"] == 90


def display_matrix(path) -> tuple[int, ...]:
    with av.open(str(path)) as container:
        shown_as = next(container.decode(video=0)).side_data.get(av.sidedata.sidedata.Type.DISPLAYMATRIX)
        return struct.unpack("<9i", bytes(shown_as))


def test_a_front_cameras_mirror_is_kept_with_its_turn(tmp_path, tiny_colorizer):
    """The turn alone (90 degrees) lost the mirror some phones' front cameras and editors write beside it."""
    source = tmp_path / "selfie.mp4"
    with av.open(str(source), "w") as film:
        stream = film.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.set_display_rotation(90, hflip=True)
        for image in gray_frames(pan(3)):
            film.mux(stream.encode(av.VideoFrame.from_ndarray(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR), "bgr24")))
        film.mux(stream.encode(None))
    colorize_video(tiny_colorizer, source, tmp_path / "out.mp4", input_size=64)
    assert (
        display_matrix(tmp_path / "out.mp4")
        == display_matrix(source)
        != display_matrix(write_video(tmp_path / "turned.mp4", gray_frames(pan(1)), rotation=90, audio=None))
    )


def flicker_run(tmp_path, shots: list[Shot], stabilize: bool, spoil: str | None = "all"):
    color = [shot.frame(t, WIDTH, HEIGHT) for shot in shots for t in range(shot.frames)]
    source = tmp_path / "clip.mp4"
    if not source.exists():
        write_video(source, [cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in color], audio=None)
    out = tmp_path / f"{spoil}-{stabilize}.mp4"
    colorizer = Colorizer(TruthModel(color, 64, spoil, seed=3), input_size=64, device="cpu")
    report = colorize_video(colorizer, source, out, stabilize=stabilize)
    return read_frames(out), report


def test_stabilizing_a_flickering_colorizer_cuts_warping_error_and_stays_near_its_true_colors(tmp_path):
    shot = pan(16)
    one_shot = Clip("pan", [shot], [None] * 16, tmp_path / "clip.mp4")

    truth, _ = flicker_run(tmp_path, [shot], stabilize=False, spoil=None)
    per_frame, _ = flicker_run(tmp_path, [shot], stabilize=False)
    stable, _ = flicker_run(tmp_path, [shot], stabilize=True)
    assert warping_error(one_shot, stable) < 0.3 * warping_error(one_shot, per_frame)
    distance = statistics.mean(ab_distances(stable, truth))
    assert distance < 0.75 * statistics.mean(ab_distances(per_frame, truth))


def test_no_color_crosses_a_cut(tmp_path):
    shots = [pan(8, seed=0), Shot(cv2.flip(gradient_photo(160, 200, 5), 0) // 2, 8, (30.0, 5.0), (-1.0, 1.0))]
    truth, _ = flicker_run(tmp_path, shots, stabilize=False, spoil=None)
    per_frame, _ = flicker_run(tmp_path, shots, stabilize=False)
    stable, report = flicker_run(tmp_path, shots, stabilize=True)
    assert report.scene_cuts == [8]
    after_cut = slice(8, 12)
    assert statistics.mean(ab_distances(stable[after_cut], truth[after_cut])) <= statistics.mean(
        ab_distances(per_frame[after_cut], truth[after_cut])
    )


def test_the_stabilizer_returns_the_prediction_itself_at_a_cut():
    stabilizer = TemporalStabilizer()
    bright, dark = np.full((32, 32), 200, np.uint8), np.full((32, 32), 30, np.uint8)
    rng = np.random.default_rng(0)
    for _ in range(3):
        stabilizer(bright, rng.normal(0, 20, (2, 32, 32)).astype(np.float32))
    new_scene = rng.normal(0, 20, (2, 32, 32)).astype(np.float32)
    assert np.array_equal(stabilizer(dark, new_scene), new_scene) and stabilizer.cuts == [3]


def test_motion_measured_ahead_in_parallel_gives_the_same_colors_as_in_place():
    shot = pan(10)
    grays = gray_frames(shot, 96, 72) + [gray // 3 for gray in gray_frames(pan(4, seed=7), 96, 72)]  # a cut at 10
    rng = np.random.default_rng(1)
    predictions = [rng.normal(0, 20, (2, 72, 96)).astype(np.float32) for _ in grays]
    in_place = TemporalStabilizer()
    expected = [in_place(gray, ab) for gray, ab in zip(grays, predictions, strict=True)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        motions = list(pool.map(measure_motion, [None, *grays[:-1]], grays))
    ahead = TemporalStabilizer()
    results = [ahead(gray, ab, motion) for gray, ab, motion in zip(grays, predictions, motions, strict=True)]
    assert all(np.array_equal(a, b) for a, b in zip(results, expected, strict=True))
    assert ahead.cuts == in_place.cuts == [10]
    assert not np.allclose(results[5], predictions[5], atol=1.0)  # colors were carried along the motion


def bad_file(tmp_path, kind: str):
    path = tmp_path / f"{kind}.mp4"
    if kind == "not a video":
        path.write_bytes(b"just some text, not a film" * 20)
    elif kind == "no video stream":
        with av.open(str(path), "w") as container:
            sound = container.add_stream("aac", rate=48_000)
            tone = np.zeros((1, 48_000), np.float32)
            frame = av.AudioFrame.from_ndarray(tone, "fltp", "mono")
            frame.sample_rate = 48_000
            container.mux(sound.encode(frame))
            container.mux(sound.encode(None))
    elif kind == "truncated":
        whole = write_video(tmp_path / "whole.mp4", gray_frames(pan(12)), audio=None).read_bytes()
        path.write_bytes(whole[: len(whole) // 2])
    elif kind == "unknown codec":  # an H.264 MP4 whose codec is named as none this FFmpeg has
        whole = write_video(tmp_path / "whole.mp4", gray_frames(pan(6)), audio=None).read_bytes()
        path.write_bytes(whole.replace(b"avc1", b"zzzz"))
    elif kind == "song with its cover":  # an audio file whose only picture is its cover
        with av.open(str(path), "w", format="mp4") as container:
            cover = container.add_stream("mjpeg", rate=1)
            cover.width, cover.height, cover.pix_fmt = 32, 32, "yuvj420p"
            cover.disposition = av.stream.Disposition.attached_pic
            sound = container.add_stream("aac", rate=48_000)
            picture = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="bgr24")
            container.mux(cover.encode(picture.reformat(format="yuvj420p")))
            container.mux(cover.encode(None))
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 48_000), np.float32), "fltp", "mono")
            frame.sample_rate = 48_000
            container.mux(sound.encode(frame))
            container.mux(sound.encode(None))
    elif kind == "still picture":
        path.write_bytes(cv2.imencode(".png", gradient_photo(40, 50))[1].tobytes())
    return path


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("not a video", "cannot be read as a video"),
        ("no video stream", "has no video stream"),
        ("truncated", "is damaged or truncated: its header cannot be read"),
        ("unknown codec", "codec cannot be decoded here"),
        ("still picture", r"is a picture \(PNG\), not a video"),
        ("song with its cover", "has no video stream"),
    ],
)
def test_bad_files_fail_with_a_clear_message_naming_no_path_and_leave_nothing_behind(
    tmp_path, tiny_colorizer, kind, message
):
    source = bad_file(tmp_path, kind)
    with pytest.raises(ValueError, match=f"^the video file('s)? {message}") as failure:
        colorize_video(tiny_colorizer, source, tmp_path / "out.mp4")
    # The server's temporary file means nothing to the person who sent the video.
    assert source.name not in str(failure.value) and str(tmp_path) not in str(failure.value)
    assert not (tmp_path / "out.mp4").exists()


def test_frames_sharing_a_time_are_written_with_rising_times(tmp_path, tiny_colorizer):
    """A damaged or re-cut file can give two frames one time; MP4's muxer takes only rising times."""
    source = tmp_path / "repeated.mkv"
    with av.open(str(source), "w") as container:
        stream = container.add_stream("ffv1", rate=25)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.time_base = Fraction(1, 1000)
        for index, (time, gray) in enumerate(zip((0, 40, 40, 80, 120), gray_frames(pan(5)), strict=True)):
            frame = av.VideoFrame.from_ndarray(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), format="bgr24")
            frame.pts, frame.time_base = time, Fraction(1, 1000)
            container.mux(stream.encode(frame))
            assert index < 5
        container.mux(stream.encode(None))
    report = colorize_video(tiny_colorizer, source, tmp_path / "out.mp4", input_size=64)
    facts = stream_facts(tmp_path / "out.mp4")
    assert report.frames == facts["frames"] == 5
    assert facts["times"] == sorted(set(facts["times"]))  # rising, none dropped


def cut_short(path, share: float):
    """The first `share` of a file's bytes, as an interrupted upload or download leaves it."""
    data = path.read_bytes()
    cut = path.with_name(f"cut-{path.name}")
    cut.write_bytes(data[: int(len(data) * share)])
    return cut


@pytest.mark.parametrize(("name", "audio"), [("faststart.mp4", "aac"), ("silent.webm", None)])
def test_a_video_cut_short_fails_saying_how_many_of_its_frames_could_be_read(tmp_path, tiny_colorizer, name, audio):
    whole = write_video(tmp_path / name, gray_frames(pan(24)), audio=audio, faststart=name.endswith(".mp4"))
    cut = cut_short(whole, 0.6)  # the MP4's index is at the front and the WebM's length in its header: both open
    readable = len(read_frames(cut))
    assert 0 < readable < 20
    with pytest.raises(ValueError, match=f"truncated or damaged: only {readable} of its 24 frames could be read"):
        colorize_video(tiny_colorizer, cut, tmp_path / "out.mp4")
    assert not (tmp_path / "out.mp4").exists()


def hide_first_frames(source, destination, hidden: int):
    """A copy whose timestamps start `hidden` frames before zero: the MP4 muxer writes an edit list
    that hides them, as an editor that trims a video without re-encoding it does."""
    with av.open(str(source)) as original, av.open(str(destination), "w") as copy:
        video = original.streams.video[0]
        stream = copy.add_stream_from_template(video)
        shift = round(hidden / video.average_rate / video.time_base)
        for packet in original.demux(video):
            if packet.dts is not None:
                packet.pts, packet.dts, packet.stream = packet.pts - shift, packet.dts - shift, stream
                copy.mux(packet)
    return destination


def test_an_mp4_trimmed_by_its_edit_list_is_not_taken_for_a_cut_one(tmp_path, tiny_colorizer):
    whole = write_video(tmp_path / "whole.mp4", gray_frames(pan(24)), audio=None)
    trimmed = hide_first_frames(whole, tmp_path / "trimmed.mp4", hidden=6)
    with av.open(str(trimmed)) as container:
        counted = container.streams.video[0].frames  # the hidden frames are still in its count
    shown = len(read_frames(trimmed))
    assert shown < counted - 2
    assert colorize_video(tiny_colorizer, trimmed, tmp_path / "out.mp4").frames == shown
    assert stream_facts(tmp_path / "out.mp4")["frames"] == shown


def test_a_cut_webm_with_sound_declares_no_frame_count_so_it_is_colorized_and_ffmpeg_s_complaint_logged(
    tmp_path, tiny_colorizer, caplog
):
    whole = write_video(tmp_path / "sound.webm", gray_frames(pan(24)), audio="libopus")
    cut = cut_short(whole, 0.6)  # its length in the header is the sound's as much as the video's
    with caplog.at_level("WARNING", logger="ddcolor"):
        report = colorize_video(tiny_colorizer, cut, tmp_path / "out.webm")
    assert report.frames == len(read_frames(cut)) == stream_facts(tmp_path / "out.webm")["frames"]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "may be truncated or damaged" in warnings[0] and "ended prematurely" in warnings[0]


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (VideoLimits(max_frames=5), "12 frames, over the limit of 5"),
        (VideoLimits(max_seconds=0.2), "over the limit of 0.2 s"),
        (VideoLimits(max_pixels=1000), "64x48, over the limit"),
    ],
)
def test_videos_over_the_limits_are_refused(clip, tmp_path, tiny_colorizer, limits, message):
    with pytest.raises(ValueError, match=message):
        colorize_video(tiny_colorizer, clip, tmp_path / "out.mp4", limits=limits)


def test_colorize_video_command_writes_each_video_with_a_frame_progress_bar(
    clip, tmp_path, weights_dir, monkeypatch, capsys, caplog
):
    monkeypatch.setenv("DDCOLOR_WEIGHTS_DIR", str(weights_dir))
    options = ["--output", str(tmp_path / "out"), "--model-size", "tiny", "--input-size", "256"]
    reference = tmp_path / "color.png"
    cv2.imwrite(str(reference), gradient_photo(40, 50, 2))
    options += ["--reference", str(reference), "--reference-method", "reinhard"]
    bad = bad_file(tmp_path, "not a video")
    with caplog.at_level(logging.INFO, logger="ddcolor"):
        assert main(["colorize-video", str(clip), str(bad), *options, "--format", "webm", "--no-stabilize"]) == 1
    assert "reference (reinhard): the photo's colors took" in caplog.text  # the method reaches every frame
    assert stream_facts(tmp_path / "out" / "pan.webm")["frames"] == 12  # a bad file does not stop the others
    err = capsys.readouterr().err
    assert "12/12" in err  # tqdm counts frames
    assert f"{bad}: the video file cannot be read as a video" in err  # the CLI names the file


def test_an_unexpected_fault_with_one_video_does_not_lose_the_others(clip, tmp_path, weights_dir, monkeypatch, capsys):
    monkeypatch.setenv("DDCOLOR_WEIGHTS_DIR", str(weights_dir))
    first = tmp_path / "first.mp4"
    first.write_bytes(clip.read_bytes())
    real = video.colorize_video

    def fail_the_first(colorizer, source, destination, **options):
        if source.name == "first.mp4":
            raise RuntimeError("something no one foresaw")
        return real(colorizer, source, destination, **options)

    monkeypatch.setattr(video, "colorize_video", fail_the_first)
    options = ["--output", str(tmp_path / "out"), "--model-size", "tiny", "--input-size", "256", "--no-stabilize"]
    assert main(["colorize-video", str(first), str(clip), *options]) == 1
    assert stream_facts(tmp_path / "out" / "pan.mp4")["frames"] == 12
    assert "first.mp4: unexpected error, please report it: RuntimeError" in capsys.readouterr().err


def output_video(reply, tmp_path):
    assert reply.status == 200, reply.body
    assert reply.body["status"] == "succeeded", reply.body.get("error")
    mime, data = decode_data_url(reply.body["output"])
    path = tmp_path / ("out.webm" if "webm" in mime else "out.mp4")
    path.write_bytes(data)
    return mime, path


def test_predictor_through_the_cog_server(cog_video_server, clip, tmp_path):
    video = data_url(clip.read_bytes(), "video/mp4")
    reply = cog_video_server.predict({"video": video, "model_size": "tiny", "input_size": 256})
    mime, path = output_video(reply, tmp_path)
    assert mime == "video/mp4" and stream_facts(path)["frames"] == 12 and audio_samples(path) == audio_samples(clip)
    assert "frame 12 of 12" in reply.body["logs"]

    reference = data_url(cv2.imencode(".png", gradient_photo(40, 50, 2))[1].tobytes(), "image/png")
    reply = cog_video_server.predict(
        {
            "video": video,
            "reference": reference,
            "reference_method": "reinhard",
            "model_size": "tiny",
            "input_size": 256,
            "output_format": "webm",
        }
    )
    mime, path = output_video(reply, tmp_path)
    assert mime == "video/webm" and stream_facts(path)["frames"] == 12
    assert "reference (reinhard): the photo's colors took the reference's mean and spread" in reply.body["logs"]


def test_predictor_refuses_bad_input_and_keeps_serving(cog_video_server, clip):
    reply = cog_video_server.predict({"video": data_url(b"not a film at all" * 50), "model_size": "tiny"})
    assert reply.body["status"] == "failed"
    assert "ValueError: the video file cannot be read as a video" in reply.body["error"]
    assert "tmp" not in reply.body["error"]  # nothing of the server's temporary file
    assert cog_video_server.predict({"video": data_url(clip.read_bytes()), "output_format": "avi"}).status == 422
    assert cog_video_server.predict({"video": data_url(clip.read_bytes()), "reference_strength": 1.5}).status == 422
    reply = cog_video_server.predict({"video": data_url(clip.read_bytes()), "model_size": "tiny", "variant": "paper"})
    assert reply.body["status"] == "failed" and "only for the large model" in reply.body["error"]
    assert cog_video_server.wait_for(("READY",), timeout=10)["status"] == "READY"


def test_a_reference_steers_every_frame_and_its_log_line_comes_once(clip, tmp_path, tiny_colorizer, caplog):
    reference = cv2.resize(gradient_photo(40, 40, seed=3), (64, 64))
    colorize_video(tiny_colorizer, clip, tmp_path / "plain.mp4", stabilize=False)
    plain = read_frames(tmp_path / "plain.mp4")
    with caplog.at_level("INFO", logger="ddcolor"):
        colorize_video(tiny_colorizer, clip, tmp_path / "ref.mp4", stabilize=False, reference=reference)
    steered = read_frames(tmp_path / "ref.mp4")
    assert all(np.abs(a.astype(int) - b).mean() > 1 for a, b in zip(plain, steered, strict=True))
    assert sum(r.name == "ddcolor.transfer" for r in caplog.records) == 1
