"""Small synthetic videos for the video benchmark and tests: camera moves over photos, cuts, audio.

A clip is a sequence of views of photos under known affine camera motion (pan and zoom), so the
true motion between frames is known exactly: the benchmark measures warping error with it
instead of with an estimated flow (which would share the stabilizer's mistakes).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np


@dataclass(frozen=True)
class Shot:
    """A camera move over one photo: per frame, source = zoom * pixel + offset."""

    photo: np.ndarray  # uint8 BGR, larger than the frame
    frames: int
    start: tuple[float, float]  # offset (x, y) in photo pixels at the first frame
    velocity: tuple[float, float]  # photo pixels per frame
    zoom: float = 1.0  # photo pixels per frame pixel at the first frame
    zoom_rate: float = 0.0  # change of zoom per frame

    def mapping(self, t: int) -> tuple[float, float, float]:
        """(zoom, offset x, offset y) of frame t."""
        return (
            self.zoom + self.zoom_rate * t,
            self.start[0] + self.velocity[0] * t,
            self.start[1] + self.velocity[1] * t,
        )

    def frame(self, t: int, width: int, height: int) -> np.ndarray:
        zoom, ox, oy = self.mapping(t)
        matrix = np.array([[zoom, 0, ox], [0, zoom, oy]], np.float64)
        return cv2.warpAffine(
            self.photo,
            matrix,
            (width, height),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REFLECT,
        )

    def next_to_this(self, t: int, width: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Where each pixel of frame t is in frame t + 1 (x, y maps) and whether it is inside it."""
        z0, x0, y0 = self.mapping(t)
        z1, x1, y1 = self.mapping(t + 1)
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
        map_x = ((z0 * xs + x0) - x1) / z1
        map_y = ((z0 * ys + y0) - y1) / z1
        valid = (map_x >= 0) & (map_x <= width - 1) & (map_y >= 0) & (map_y <= height - 1)
        return map_x.astype(np.float32), map_y.astype(np.float32), valid


def write_video(
    path: Path,
    frames: Iterable[np.ndarray],
    *,
    rate: Fraction | int = 24,
    audio: str | None = "aac",
    rotation: int = 0,
    codec: str | None = None,
    lossless: bool = False,
    faststart: bool = False,
) -> Path:
    """Encode uint8 BGR (or gray) frames; with `audio` (an encoder name), a sine tone as long as the video.

    `faststart`: an MP4's index (moov) before the frames, as made for the web: a cut file still opens.
    """
    path = Path(path)
    container = av.open(str(path), "w", options={"movflags": "+faststart"} if faststart else None)
    codec = codec or ("libvpx-vp9" if path.suffix == ".webm" else "libx264")
    options = {"qp": "0"} if lossless and codec == "libx264" else {}
    stream = None
    count = 0
    for image in frames:
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        if stream is None:
            stream = container.add_stream(codec, rate=rate, options=options)
            stream.height, stream.width = image.shape[:2]
            stream.pix_fmt = "yuv444p" if lossless else "yuv420p"
            if rotation:
                stream.set_display_rotation(rotation)
            sound = container.add_stream(audio, rate=48_000) if audio else None
            if sound is not None:
                sound.layout = "stereo"
        container.mux(stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="bgr24")))
        count += 1
    container.mux(stream.encode(None))
    if sound is not None:
        samples = int(48_000 * count / Fraction(rate))
        tone = (0.2 * np.sin(2 * np.pi * 440 * np.arange(samples) / 48_000)).astype(np.float32)
        tone = np.stack([tone, tone])
        for start in range(0, samples, 960):
            chunk = av.AudioFrame.from_ndarray(np.ascontiguousarray(tone[:, start : start + 960]), "fltp", "stereo")
            chunk.sample_rate, chunk.pts = 48_000, start
            container.mux(sound.encode(chunk))
        container.mux(sound.encode(None))
    container.close()
    return path


def read_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="bgr24") for frame in container.decode(video=0)]


def audio_samples(path: Path) -> int:
    """Decoded audio samples per channel (0 without audio)."""
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return 0
        return sum(frame.samples for frame in container.decode(audio=0))
