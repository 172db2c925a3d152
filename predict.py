"""Cog predictor: DDColor photo colorization behind Replicate's HTTP API.

Thin on purpose: check the inputs, call `ddcolor`, write the result. All imaging is in the
library, which the command line shares.
"""

from __future__ import annotations

import logging
import tempfile
import time
from typing import Any

from cog import BasePredictor, Input, Path

from ddcolor.checks import require_choice, require_range
from ddcolor.hints import read_hints
from ddcolor.images import OUTPUT_FORMATS, check_output_size, read_image, read_reference, write_image
from ddcolor.network import MODEL_SIZES
from ddcolor.pipeline import DEFAULT_INPUT_SIZE, MAX_INPUT_SIZE, MIN_INPUT_SIZE, round_input_size
from ddcolor.saturation import MAX_SATURATION, MIN_SATURATION
from ddcolor.serving import ColorizerPool, fresh_output_path, show_library_logs
from ddcolor.transfer import TRANSFER_METHODS
from ddcolor.weights import DEFAULT_VARIANT, VARIANTS, checkpoint_for

log = logging.getLogger("ddcolor")


def model_size_input() -> Any:
    return Input(
        description="large: best quality (ConvNeXt-L). tiny: about twice as fast (ConvNeXt-T).",
        choices=list(MODEL_SIZES),
        default="large",
    )


def input_size_input(what: str) -> Any:
    return Input(
        description=f"Resolution the model works at, rounded to a multiple of 32. The output always has the "
        f"{what}'s full size; higher values can add color detail but cost time.",
        ge=MIN_INPUT_SIZE,
        le=MAX_INPUT_SIZE,
        default=DEFAULT_INPUT_SIZE,
    )


def variant_input() -> Any:
    return Input(
        description="Which training of the large model colorizes: modelscope (default, best on photos "
        "outside ImageNet), artistic (trained on more, artistic images without the colorfulness loss: fewer "
        "odd color blotches), paper (the model of the paper). The tiny model has only modelscope.",
        choices=list(VARIANTS),
        default=DEFAULT_VARIANT,
    )


def reference_method_input() -> Any:
    return Input(
        description="How the reference steers colors: exemplar carries colors region by region where parts "
        "match and the reference's palette elsewhere (the logs say how much matched); palette carries its "
        "colors lightness by lightness; reinhard shifts the whole palette's mean and spread.",
        choices=list(TRANSFER_METHODS),
        default="exemplar",
    )


def reference_strength_input() -> Any:
    return Input(
        description="How strongly the reference's colors are applied, from 0 (ignored) to 1 (fully).",
        ge=0.0,
        le=1.0,
        default=1.0,
    )


class Predictor(BasePredictor):
    def setup(self) -> None:
        """Load the default large and tiny models once, on the GPU when there is one (downloading
        missing weights); the artistic and paper checkpoints load on first use."""
        show_library_logs()
        self.colorizers = ColorizerPool(device=None)
        self.output_dir = Path(tempfile.mkdtemp(prefix="ddcolor-outputs-"))

    def predict(
        self,
        image: Path = Input(description="The photo to colorize: black-and-white, sepia or faded color."),
        reference: Path | None = Input(
            description="Optional color photo whose colors steer the result (any photo; one of the same scene gives "
            "region-level colors).",
            default=None,
        ),
        model_size: str = model_size_input(),
        input_size: int = input_size_input("photo"),
        output_format: str = Input(
            description="File format of the result. PNG and WebP keep transparency.",
            choices=list(OUTPUT_FORMATS),
            default="png",
        ),
        reference_method: str = reference_method_input(),
        reference_strength: float = reference_strength_input(),
        variant: str = variant_input(),
        saturation: float = Input(
            description="How vivid the colors are: 0 gives black and white, 1 the colors as made, 2 twice as "
            "vivid (lightness is kept).",
            ge=MIN_SATURATION,
            le=MAX_SATURATION,
            default=1.0,
        ),
        hints: Path | None = Input(
            description="Optional color hints: a transparent PNG/WebP of color strokes, or a copy of the photo with "
            "strokes painted on it. The painted regions take those colors, regions colored the same way "
            "(not the photo's overall tone) follow in part, the rest keeps its colors.",
            default=None,
        ),
    ) -> Path:
        require_choice("model_size", model_size, MODEL_SIZES)
        require_choice("variant", variant, VARIANTS)
        require_range("saturation", saturation, MIN_SATURATION, MAX_SATURATION)
        require_choice("output_format", output_format, OUTPUT_FORMATS)
        require_choice("reference_method", reference_method, TRANSFER_METHODS)
        require_range("input_size", input_size, MIN_INPUT_SIZE, MAX_INPUT_SIZE)
        require_range("reference_strength", reference_strength, 0.0, 1.0)

        started = time.perf_counter()
        colorizer = self.colorizers.get(model_size, variant)
        photo = read_image(image)
        check_output_size(photo.size, output_format)
        reference_bgr = read_reference(reference) if reference is not None else None
        hints_bgra = read_hints(hints, photo) if hints is not None else None
        working_size = round_input_size(int(input_size))
        result = colorizer.colorize_photo(
            photo,
            sixteen_bits=output_format == "png",
            input_size=working_size,
            reference=reference_bgr,
            reference_method=reference_method,
            reference_strength=float(reference_strength),
            saturation=float(saturation),
            hints=hints_bgra,
        )
        written = write_image(result, fresh_output_path(self.output_dir, "colorized", output_format))
        log.info(
            "colorized %d x %d with the %s model (%s) at input size %d in %.1f s",
            *photo.size,
            model_size,
            checkpoint_for(model_size, variant).file,
            working_size,
            time.perf_counter() - started,
        )
        return Path(written)
