"""Cog predictor: DDColor video colorization (flicker-free, audio kept) behind Replicate's HTTP API.

Thin on purpose, like predict.py: check the inputs, call `ddcolor.video`, return the file.
Serve it with its own configuration: `cog predict -f cog-video.yaml -i video=@film.mp4`.
"""

from __future__ import annotations

import logging
import tempfile
import time

from cog import BasePredictor, Input, Path

from ddcolor.checks import require_choice, require_range
from ddcolor.images import read_reference
from ddcolor.network import MODEL_SIZES
from ddcolor.pipeline import MAX_INPUT_SIZE, MIN_INPUT_SIZE, round_input_size
from ddcolor.serving import ColorizerPool, fresh_output_path, show_library_logs
from ddcolor.transfer import TRANSFER_METHODS
from ddcolor.video import VIDEO_FORMATS, VideoLimits, colorize_video
from ddcolor.weights import VARIANTS
from predict import (
    input_size_input,
    model_size_input,
    reference_method_input,
    reference_strength_input,
    variant_input,
)

LIMITS = VideoLimits(max_seconds=600.0, max_frames=18_000, max_pixels=3840 * 2160)
PROGRESS_EVERY_S = 5.0

log = logging.getLogger("ddcolor")


class ProgressLines:
    """A log line every few seconds ("frame 120 of 480, 25%"), so the logs show the work going on."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY_S or done == total:
            self.last = now
            log.info("frame %d of %s%s", done, total or "?", f", {100 * done // total}%" if total else "")


class VideoPredictor(BasePredictor):
    def setup(self) -> None:
        """Load both models once, on the GPU when there is one (downloading missing weights)."""
        show_library_logs()
        self.colorizers = ColorizerPool(device=None)
        self.output_dir = Path(tempfile.mkdtemp(prefix="ddcolor-videos-"))

    def predict(
        self,
        video: Path = Input(
            description="The video to colorize (MP4, MOV, WebM, MKV, AVI ...): black-and-white or faded. "
            f"At most {LIMITS.max_seconds:g} s, {LIMITS.max_frames} frames and 4K's area (3840x2160) a frame."
        ),
        reference: Path | None = Input(
            description="Optional color photo whose colors should steer every frame (same scene or subject works "
            "best).",
            default=None,
        ),
        model_size: str = model_size_input(),
        input_size: int = input_size_input("video"),
        stabilize: bool = Input(
            description="Remove flicker: colors follow the motion from frame to frame (reset at scene cuts). "
            "Off: every frame is colorized on its own.",
            default=True,
        ),
        output_format: str = Input(
            description="mp4: H.264, plays everywhere. webm: VP9 (audio WebM cannot hold becomes Opus).",
            choices=list(VIDEO_FORMATS),
            default="mp4",
        ),
        variant: str = variant_input(),
        reference_method: str = reference_method_input(),
        reference_strength: float = reference_strength_input(),
    ) -> Path:
        require_choice("model_size", model_size, MODEL_SIZES)
        require_choice("variant", variant, VARIANTS)
        require_choice("output_format", output_format, VIDEO_FORMATS)
        require_choice("stabilize", stabilize, (True, False))
        require_range("input_size", input_size, MIN_INPUT_SIZE, MAX_INPUT_SIZE)
        require_choice("reference_method", reference_method, TRANSFER_METHODS)
        require_range("reference_strength", reference_strength, 0.0, 1.0)

        reference_bgr = read_reference(reference) if reference is not None else None
        destination = fresh_output_path(self.output_dir, "colorized", output_format)
        colorize_video(
            self.colorizers.get(model_size, variant),
            video,
            destination,
            stabilize=stabilize,
            reference=reference_bgr,
            reference_method=reference_method,
            reference_strength=float(reference_strength),
            input_size=round_input_size(int(input_size)),
            output_format=output_format,
            limits=LIMITS,
            progress=ProgressLines(),
        )
        return Path(destination)
