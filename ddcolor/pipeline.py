"""Colorizing photos with a DDColor model: Lab pre- and post-processing, batching, devices.

The model sees only luminance: the photo is resized to a square working size, reduced to its
L channel and shown to the network as gray RGB. The predicted a and b are brought back to the
full size and joined with the full-resolution L, so the output keeps every detail of the input.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ddcolor.checkpoint import load_model
from ddcolor.images import Photo
from ddcolor.transfer import to_bgr, transfer_from_lab, unit_float, validate_transfer

UPSAMPLE_MODES = ("nearest", "bilinear", "bicubic")
DEFAULT_UPSAMPLE = "bicubic"  # best of the modes in bench/color_quality.py; "nearest" = parity
DEFAULT_INPUT_SIZE = 512
INPUT_SIZE_MULTIPLE = 32
AB_RANGE = (-128.0, 127.0)
PRECISIONS = ("fp32", "bf16")
COMPILE_ENV = "DDCOLOR_COMPILE"  # "1": torch.compile the model (pays off only for long-running servers)

log = logging.getLogger(__name__)


class DeviceOutOfMemoryError(RuntimeError):
    """The GPU had no room for this batch; the message says what to change. The next call works."""


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
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    return precision


def round_input_size(size: int) -> int:
    """Nearest working size the network accepts (a positive multiple of 32)."""
    return max(INPUT_SIZE_MULTIPLE, round(size / INPUT_SIZE_MULTIPLE) * INPUT_SIZE_MULTIPLE)


def _check_input_size(size: int) -> int:
    if size <= 0 or size % INPUT_SIZE_MULTIPLE:
        raise ValueError(f"input_size must be a positive multiple of 32, got {size}")
    return size


def as_bgr(image: np.ndarray) -> np.ndarray:
    """Accept uint8 BGR (H, W, 3) or gray (H, W) / (H, W, 1); refuse anything else clearly."""
    if not isinstance(image, np.ndarray):
        raise ValueError(f"expected an image as a numpy array, got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {image.dtype}")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected a BGR image of shape (H, W, 3), got {image.shape}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError("the image is empty (zero width or height)")
    return image


def luminance_and_model_input(image_bgr: np.ndarray, input_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Full-size Lab L (H, W) and the gray RGB model input (3, S, S), both float32.

    Same operations as the official pipeline: float BGR in [0, 1], bilinear resize of the
    colour image to S x S, its L as (L, 0, 0) converted back to RGB.
    """
    image = unit_float(image_bgr)
    full_l = cv2.extractChannel(cv2.cvtColor(image, cv2.COLOR_BGR2Lab), 0)
    small = cv2.resize(image, (input_size, input_size))
    small_lab = cv2.cvtColor(small, cv2.COLOR_BGR2Lab)
    small_lab[:, :, 1:] = 0
    gray_rgb = cv2.cvtColor(small_lab, cv2.COLOR_LAB2RGB)
    return full_l, np.ascontiguousarray(gray_rgb.transpose(2, 0, 1))


def _check_upsample(mode: str) -> str:
    if mode not in UPSAMPLE_MODES:
        raise ValueError(f"unknown upsample mode {mode!r}; choose one of {', '.join(UPSAMPLE_MODES)}")
    return mode


_INTERPOLATIONS = {"bilinear": cv2.INTER_LINEAR, "bicubic": cv2.INTER_CUBIC}


def upsample_ab(ab: np.ndarray, size: tuple[int, int], mode: str) -> np.ndarray:
    """(2, S, S) -> (2, H, W) float32. `nearest` is upstream's legacy nearest, unclamped (parity).

    The smooth modes use OpenCV (half-pixel centres, cubic a = -0.75, like torch's
    `align_corners=False`), about ten times faster than `F.interpolate` at 12 MP, and clamp a, b
    to the valid range: cubic overshoot would otherwise reach colors Lab cannot hold.
    """
    if _check_upsample(mode) == "nearest":
        return F.interpolate(torch.from_numpy(np.ascontiguousarray(ab))[None], size=size)[0].numpy()
    height, width = size
    planes = np.empty((2, height, width), np.float32)
    for plane, out in zip(ab, planes, strict=True):
        cv2.resize(np.ascontiguousarray(plane), (width, height), dst=out, interpolation=_INTERPOLATIONS[mode])
    return np.clip(planes, *AB_RANGE, out=planes)


def lab_to_bgr(full_l: np.ndarray, ab: np.ndarray) -> np.ndarray:
    """Join L (H, W) with a, b planes (2, H, W) into uint8 BGR, rounded as upstream does."""
    return to_bgr(cv2.merge((full_l, ab[0], ab[1])))


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
        self.input_size = _check_input_size(input_size)
        model = model.to(self.device).eval()
        if self.device.type == "cuda":
            # Convolutions run fastest channels-last on tensor cores; cuDNN picks the fastest
            # algorithm per input shape (the first call at a size pays for it: see `warm_up`).
            model = model.to(memory_format=torch.channels_last)
            torch.backends.cudnn.benchmark = True
        if compile_model is None:
            compile_model = os.environ.get(COMPILE_ENV) == "1"
        self.compiled = compile_model
        self.model = torch.compile(model) if compile_model else model

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
                self.predict_ab(torch.zeros(batch, 3, _check_input_size(size), size))
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        return time.perf_counter() - started

    def predict_ab(self, model_input: torch.Tensor) -> torch.Tensor:
        """Raw model ab for a batch of gray RGB inputs, as float32 on the CPU.

        A GPU out-of-memory error becomes `DeviceOutOfMemoryError`, after the memory it held
        is released, so the next call starts clean.
        """
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
        if self.device.type == "cuda":
            torch.cuda.empty_cache()
        batch, height = model_input.shape[0], model_input.shape[2]
        raise DeviceOutOfMemoryError(
            f"the {self.device.type.upper()} ran out of memory colorizing {batch} image(s) at input_size "
            f"{height}; try a smaller input_size (or fewer images at once)"
        )

    def colorize(self, image_bgr: np.ndarray, **options) -> np.ndarray:
        """uint8 BGR (or gray) in, uint8 BGR of the same size out; options as `colorize_batch`."""
        return self.colorize_batch([image_bgr], **options)[0]

    def colorize_photo(self, photo: Photo, **options) -> Photo:
        """Colorize a decoded `Photo`, keeping its alpha plane."""
        return Photo(self.colorize(photo.bgr, **options), photo.alpha)

    def colorize_batch(
        self,
        images_bgr: Iterable[np.ndarray],
        *,
        batch_size: int = 4,
        upsample: str | None = None,
        input_size: int | None = None,
        reference: np.ndarray | None = None,
        reference_method: str = "exemplar",
        reference_strength: float = 1.0,
    ) -> list[np.ndarray]:
        """Colorize many photos, `batch_size` at a time through the model; sizes may differ.

        With a `reference` (uint8 BGR color photo), its colors are carried onto each result by
        `ddcolor.transfer.transfer_colors` with the given method and strength.
        """
        upsample = _check_upsample(upsample or DEFAULT_UPSAMPLE)
        size = _check_input_size(input_size or self.input_size)
        images = [as_bgr(image) for image in images_bgr]
        reference_lab = None
        if reference is not None:
            reference_lab = validate_transfer(as_bgr(reference), method=reference_method, strength=reference_strength)
        results: list[np.ndarray] = []
        for start in range(0, len(images), max(1, batch_size)):
            chunk = images[start : start + max(1, batch_size)]
            prepared = [luminance_and_model_input(image, size) for image in chunk]
            batch = torch.from_numpy(np.stack([model_input for _, model_input in prepared]))
            ab_small = self.predict_ab(batch)
            for (full_l, _), ab in zip(prepared, ab_small, strict=True):
                results.append(lab_to_bgr(full_l, upsample_ab(ab.numpy(), full_l.shape[:2], upsample)))
        if reference_lab is not None:
            results = [
                transfer_from_lab(result, reference_lab, method=reference_method, strength=reference_strength)
                for result in results
            ]
        return results
