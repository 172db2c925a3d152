"""Colorizing photos with a DDColor model: Lab pre- and post-processing, batching, devices.

The model sees only luminance: the photo is resized to a square working size, reduced to its
L channel and shown to the network as gray RGB. The predicted a and b are brought back to the
full size and joined with the full-resolution L, so the output keeps every detail of the input.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import cv2
import numpy as np
import torch
from torch import nn

from ddcolor.checkpoint import load_model
from ddcolor.checks import require_choice
from ddcolor.hints import apply_hints, check_hints
from ddcolor.images import Photo
from ddcolor.lab import fit_to_gamut, gray_lightness, to_bgr, to_lab, with_lightness_of
from ddcolor.parallel import map_bands
from ddcolor.resample import check_upsample, resize_unit_float, upsample_ab
from ddcolor.saturation import check_saturation, saturate
from ddcolor.transfer import transfer_from_lab, validate_transfer

DEFAULT_UPSAMPLE = "bicubic"  # best of the modes in bench/color_quality.py; "nearest" = parity
DEFAULT_INPUT_SIZE = 512
# What the predictors and the command line accept: below, colors wash out; above, memory and time
# grow with the square for little gain. The library itself takes any multiple of 32.
MIN_INPUT_SIZE, MAX_INPUT_SIZE = 256, 1024
INPUT_SIZE_MULTIPLE = 32
PRECISIONS = ("fp32", "bf16")
COMPILE_ENV = "DDCOLOR_COMPILE"  # "1": torch.compile the model (pays off only for long-running servers)


class DeviceOutOfMemoryError(RuntimeError):
    """The GPU had no room for this batch; the message says what to change. The next call works."""


log = logging.getLogger(__name__)

MODEL_THREAD_NAME = "ddcolor-model"


@functools.cache
def model_thread() -> ThreadPoolExecutor:
    """The one thread that runs every model call in this process.

    PyTorch keeps cuDNN's chosen algorithms per thread (its benchmark cache is thread-local), and
    Cog runs `setup()` on the main thread but each prediction on a thread of its own choosing.
    Called from those threads, `warm_up` would warm nothing, every new request thread would pay
    the algorithm search again, and the same photo could come back one level different from one
    request to the next (seen on an H100)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix=MODEL_THREAD_NAME)


CANCEL_CHECK_SECONDS = 0.05


class CallAbandoned(Exception):
    """Raised inside a model call whose caller has stopped waiting for it (a cancelled prediction)."""


Result = TypeVar("Result")


def wait_for(future: Future[Result], abandoned: threading.Event | None = None) -> Result:
    """The future's result, waited for in short steps, so that a cancelled request returns at once.

    Cog cancels a prediction by raising an exception in the thread that runs it, which Python delivers
    only between steps of Python code: a thread blocked in one long wait would hear it only when the
    model call ended (15 s for the large model at 1024 on this CPU). A call not yet started is dropped;
    one under way is told through `abandoned`, and stops at its next block (`Colorizer`)."""
    try:
        while not future.done():
            wait([future], timeout=CANCEL_CHECK_SECONDS)
        return future.result()
    except BaseException:
        future.cancel()
        if abandoned is not None:
            abandoned.set()
        raise


def stopping_points(model: nn.Module) -> list[nn.Module]:
    """The network's blocks (ConvNeXt's, the pixel decoder's, the color decoder's layers): between them
    a model call can stop early, none of them long (the longest, at 1024 on a 2-core CPU, well under a
    second)."""
    return [module for module in model.modules() if type(module).__name__.endswith(("Block", "Layer"))]


def resolve_device(device: str | torch.device | None) -> torch.device:
    """`None` means the GPU when there is one."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def default_precision(device: torch.device) -> str:
    """bf16 on the GPU (fp16 overflows in DDColor; bf16 keeps fp32's range), fp32 elsewhere.

    This machine class's CPUs have no bf16 units, so there it would only add conversions.
    """
    return "bf16" if device.type == "cuda" else "fp32"


def _check_precision(precision: str) -> str:
    require_choice("precision", precision, PRECISIONS)
    return precision


def round_input_size(size: int) -> int:
    """Nearest working size the network accepts (a positive multiple of 32), halfway up, as people round
    (Python's `round` takes halves to even: 272 would go down to 256 and 304 up to 320)."""
    return max(INPUT_SIZE_MULTIPLE, (size + INPUT_SIZE_MULTIPLE // 2) // INPUT_SIZE_MULTIPLE * INPUT_SIZE_MULTIPLE)


def check_input_size(size: int) -> int:
    if size <= 0 or size % INPUT_SIZE_MULTIPLE:
        raise ValueError(f"input_size must be a positive multiple of 32, got {size}")
    return size


def as_pixels(image: np.ndarray) -> np.ndarray:
    """Accept uint8 gray (H, W) / (H, W, 1) or BGR (H, W, 3); refuse anything else clearly.

    Gray stays gray: a black-and-white photo's lightness then comes from a 256-entry table.
    """
    if not isinstance(image, np.ndarray):
        raise ValueError(f"expected an image as a numpy array, got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {image.dtype}")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
        raise ValueError(f"expected a BGR image of shape (H, W, 3) or a gray one (H, W), got {image.shape}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError("the image is empty (zero width or height)")
    return np.ascontiguousarray(image)


def as_bgr(image: np.ndarray) -> np.ndarray:
    """`as_pixels`, with gray made BGR (for the reference, whose colors are what matters)."""
    image = as_pixels(image)
    return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image


def model_input(image: np.ndarray, input_size: int) -> np.ndarray:
    """Gray RGB model input (3, S, S) float32 for a uint8 gray or BGR photo.

    Same operations as the official pipeline: float BGR in [0, 1], bilinear resize to S x S,
    its Lab L as (L, 0, 0) converted back to RGB.
    """
    small = resize_unit_float(image, input_size)
    if small.ndim == 2:
        small = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
    small_lab = cv2.cvtColor(small, cv2.COLOR_BGR2Lab)
    small_lab[:, :, 1:] = 0
    return np.ascontiguousarray(cv2.cvtColor(small_lab, cv2.COLOR_LAB2RGB).transpose(2, 0, 1))


def photo_lightness(image: np.ndarray) -> np.ndarray:
    """Lab L (float32) of uint8 gray (from the gray table) or BGR pixels: what every result keeps."""
    return cv2.LUT(image, gray_lightness()) if image.ndim == 2 else to_lab(image)[:, :, 0]


def compose(image: np.ndarray, ab: np.ndarray, *, parity: bool = False) -> np.ndarray:
    """Join the photo's own full-resolution L with upsampled a, b (2, H, W) into uint8 BGR, L kept.

    A vivid a, b at a dark or bright pixel lies outside what RGB shows at its lightness: clipped in RGB
    (as upstream does) it came back up to 9 L off (a dark print given its true colors: 23% of its pixels
    more than 3 off); such colors are brought to the gamut's edge at their lightness and hue instead
    (`fit_to_gamut`), so the photo's lightness survives, as every post-step keeps it. `parity`: clipped,
    as upstream does (the `nearest` mode, which reproduces the official pipeline bit for bit).

    Works in bands of rows on all cores, so no photo-sized float Lab image is made: with the
    sparse resize and the gray table, the pre- and post-processing of a 12 MP gray photo went
    from 0.36-0.49 s to about 0.12 s here (bench/request_speed.py); the gamut fit adds about 0.1 s.
    """
    height, width = image.shape[:2]
    out = np.empty((height, width, 3), np.uint8)

    def band(rows: slice) -> None:
        lab = cv2.merge((photo_lightness(image[rows]), ab[0, rows], ab[1, rows]))
        to_bgr(lab if parity else fit_to_gamut(lab), out=out[rows])

    map_bands(height, band)
    return out


def relit(image: np.ndarray, colorized: np.ndarray) -> np.ndarray:
    """The a, b of `colorized` (uint8 BGR) joined again to the photo's own L (uint8 gray or BGR `image`), as
    `compose` joins the model's: each post-step rounds to 8-bit BGR, and a reference, hints and saturation
    in a row took L up to 1.6 from the photo's (0.33 after the model alone)."""
    out = np.empty_like(colorized)

    def band(rows: slice) -> None:
        lab = to_lab(colorized[rows])
        lab[:, :, 0] = photo_lightness(image[rows])
        to_bgr(fit_to_gamut(lab), out=out[rows])

    map_bands(image.shape[0], band)
    return out


@dataclass(frozen=True)
class PostSteps:
    """What is done to a colorized photo after the model, in this one order: reference
    transfer, then hints, then saturation. Each step is `(colorized, ...) -> colorized` with L
    kept; `prepare` checks every argument before any model work is spent."""

    reference_lab: np.ndarray | None = None
    reference_method: str = "exemplar"
    reference_strength: float = 1.0
    saturation: float = 1.0

    @classmethod
    def prepare(
        cls,
        *,
        reference: np.ndarray | None = None,
        reference_method: str = "exemplar",
        reference_strength: float = 1.0,
        saturation: float = 1.0,
    ) -> PostSteps:
        reference_lab = None
        saturation = check_saturation(saturation)
        if reference is not None:
            reference_lab = validate_transfer(as_bgr(reference), method=reference_method, strength=reference_strength)
            if reference_strength == 0.0:  # not even a round trip through it: the photo's colors, exactly
                log.info("reference: strength 0, the photo's colors are left as they are")
                reference_lab = None
            elif saturation == 0.0:
                log.info("reference: saturation 0 makes the result black and white, so its colors do not show")
                reference_lab = None
        return cls(reference_lab, reference_method, reference_strength, saturation)

    def apply(self, colorized: np.ndarray, hints: np.ndarray | None = None) -> np.ndarray:
        """uint8 BGR in, uint8 BGR out; `hints` is this photo's BGRA stroke overlay, if any."""
        if hints is not None and self.saturation == 0.0:
            log.info("hints: saturation 0 makes the result black and white, so the strokes' colors do not show")
            hints = None
        if self.reference_lab is not None:
            colorized = transfer_from_lab(
                colorized, self.reference_lab, method=self.reference_method, strength=self.reference_strength
            )
        if hints is not None:
            colorized = apply_hints(colorized, hints)
        if self.saturation != 1.0:
            colorized = saturate(colorized, self.saturation)
        return colorized


class Colorizer:
    """A DDColor model on a device plus the pipeline around it.

    `self.model` is looked up at every call, so a test (or a faster variant of the network) can
    be swapped in after construction.
    """

    def __init__(
        self,
        model: nn.Module,
        *,
        input_size: int = DEFAULT_INPUT_SIZE,
        device: str | torch.device | None = None,
        precision: str | None = None,
        compile_model: bool | None = None,
    ) -> None:
        self.device = resolve_device(device)
        self.precision = _check_precision(precision or default_precision(self.device))
        self.input_size = check_input_size(input_size)
        tensors = itertools.chain(model.parameters(), model.buffers())
        if any(tensor.device != self.device for tensor in tensors):  # `to` walks every tensor: skip it when done
            model = model.to(self.device)
        model = model.eval()
        if self.device.type == "cuda":
            # Convolutions run fastest channels-last on tensor cores; cuDNN picks the fastest
            # algorithm per input shape (the first call at a size pays for it: see `warm_up`).
            model = model.to(memory_format=torch.channels_last)
            torch.backends.cudnn.benchmark = True
        if compile_model is None:
            compile_model = os.environ.get(COMPILE_ENV) == "1"
        self.compiled = compile_model
        self._abandoned: threading.Event | None = None  # the running call's, on the model thread
        if not compile_model:  # a compiled graph would have to trace the check; it runs on a GPU, briefly
            for block in stopping_points(model):
                block.register_forward_pre_hook(self._stop_if_abandoned)
        self.model = torch.compile(model) if compile_model else model

    def _stop_if_abandoned(self, module: nn.Module, inputs: tuple) -> None:
        if self._abandoned is not None and self._abandoned.is_set():
            raise CallAbandoned("the caller stopped waiting for this model call")

    @classmethod
    def from_checkpoint(
        cls,
        path: str | Path,
        *,
        model_size: str = "large",
        input_size: int = DEFAULT_INPUT_SIZE,
        device: str | torch.device | None = None,
        precision: str | None = None,
        use_cache: bool = True,
    ) -> Colorizer:
        target = resolve_device(device)
        model = load_model(Path(path), model_size=model_size, device=target, use_cache=use_cache)
        return cls(model, input_size=input_size, device=target, precision=precision)

    def warm_up(self, input_sizes: Iterable[int] | None = None, batch_sizes: Iterable[int] = (1,)) -> float:
        """Run the model once per shape so that the first real request does not pay for cuDNN's
        algorithm search (or compilation); returns the seconds spent. Nothing to do on the CPU
        unless the model is compiled."""
        if self.device.type != "cuda" and not self.compiled:
            return 0.0
        started = time.perf_counter()
        for size in input_sizes or (self.input_size,):
            for batch in batch_sizes:
                self.predict_ab(torch.zeros(batch, 3, check_input_size(size), size))
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            # cuDNN's search tried workspaces up to the whole card (133 GB on an H200); the
            # allocator would keep them reserved for good, out of reach of any other process.
            torch.cuda.empty_cache()
        return time.perf_counter() - started

    def working_ab(self, images: Sequence[np.ndarray], input_size: int) -> list[np.ndarray]:
        """The model's a, b (2, S, S) float32 for uint8 BGR or gray photos, in one batch at `input_size`."""
        batch = torch.from_numpy(np.stack([model_input(image, input_size) for image in images]))
        return [ab.numpy() for ab in self.predict_ab(batch)]

    def predict_ab(self, model_input: torch.Tensor) -> torch.Tensor:
        """Raw model ab for a batch of gray RGB inputs, as float32 on the CPU, computed on
        `model_thread()` whichever thread asks.

        A GPU out-of-memory error becomes `DeviceOutOfMemoryError`, after the memory it held
        is released, so the next call starts clean.
        """
        if threading.current_thread().name.startswith(MODEL_THREAD_NAME):  # already on it
            return self._predict_ab_here(model_input)
        abandoned = threading.Event()
        return wait_for(model_thread().submit(self._predict_ab_here, model_input, abandoned), abandoned)

    def _predict_ab_here(self, model_input: torch.Tensor, abandoned: threading.Event | None = None) -> torch.Tensor:
        self._abandoned = abandoned
        try:
            with (
                torch.inference_mode(),
                torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.precision == "bf16"),
            ):
                x = model_input.to(self.device, non_blocking=True)
                if self.device.type == "cuda":
                    x = x.contiguous(memory_format=torch.channels_last)
                return self.model(x).float().cpu()
        except torch.OutOfMemoryError:
            pass  # handled below, outside the except block, so its frames (and tensors) are freed
        finally:
            self._abandoned = None
        if self.device.type == "cuda":
            torch.cuda.empty_cache()
        batch, height = model_input.shape[0], model_input.shape[2]
        raise DeviceOutOfMemoryError(
            f"the {self.device.type.upper()} ran out of memory colorizing {batch} image(s) at input_size "
            f"{height}; try a smaller input_size (or fewer images at once)"
        )

    def colorize(self, image: np.ndarray, *, hints: np.ndarray | None = None, **options) -> np.ndarray:
        """uint8 BGR or gray in, uint8 BGR of the same size out; options as `colorize_batch`.

        `hints`: a uint8 BGRA overlay the size of the photo (`ddcolor.hints.apply_hints`).
        """
        return self.colorize_batch([image], hints=None if hints is None else [hints], **options)[0]

    def colorize_photo(self, photo: Photo, *, sixteen_bits: bool = True, **options) -> Photo:
        """Colorize a decoded `Photo`, keeping its alpha plane, color profile, EXIF and XMP, and a 16-bit photo's
        finer tones (`deep`: the result's colors on its own 16-bit lightness) unless `sixteen_bits` is false
        (a JPEG or WebP result holds 8: 0.4-0.8 s saved at 12 MP)."""
        colorized = self.colorize(photo.pixels, **options)
        deep = None if photo.deep is None or not sixteen_bits else with_lightness_of(colorized, photo.deep)
        return replace(photo, pixels=colorized, deep=deep)

    def colorize_batch(
        self,
        images: Iterable[np.ndarray],
        *,
        batch_size: int = 4,
        upsample: str | None = None,
        input_size: int | None = None,
        reference: np.ndarray | None = None,
        reference_method: str = "exemplar",
        reference_strength: float = 1.0,
        hints: Sequence[np.ndarray | None] | None = None,
        saturation: float = 1.0,
    ) -> list[np.ndarray]:
        """Colorize many uint8 BGR or gray photos, `batch_size` at a time through the model; sizes may differ.

        Then the post-steps (`PostSteps`): with a `reference` (uint8 BGR color photo), its colors
        are carried onto each result by `ddcolor.transfer.transfer_colors` with the given method
        and strength; `hints` (one BGRA overlay or None per photo) recolor the painted regions;
        `saturation` scales a and b (0 gray, 1 unchanged, 2 twice as vivid).
        """
        upsample = check_upsample(upsample or DEFAULT_UPSAMPLE)
        size = check_input_size(input_size or self.input_size)
        images = [as_pixels(image) for image in images]
        hints = list(hints) if hints is not None else [None] * len(images)
        if len(hints) != len(images):
            raise ValueError(f"got {len(hints)} hint overlays for {len(images)} photos")
        for image, hint in zip(images, hints, strict=True):
            if hint is not None:
                check_hints(hint, image.shape)
        steps = PostSteps.prepare(
            reference=reference,
            reference_method=reference_method,
            reference_strength=reference_strength,
            saturation=saturation,
        )
        results: list[np.ndarray] = []
        for start in range(0, len(images), max(1, batch_size)):
            chunk = images[start : start + max(1, batch_size)]
            for image, ab in zip(chunk, self.working_ab(chunk, size), strict=True):
                full_ab = upsample_ab(ab, image.shape[:2], upsample)
                results.append(compose(image, full_ab, parity=upsample == "nearest"))
        finished = []
        for image, result, hint in zip(images, results, hints, strict=True):
            steps_done = steps.apply(result, hint)
            finished.append(result if steps_done is result else relit(image, steps_done))
        return finished
