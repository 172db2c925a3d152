"""Resizing as upstream's OpenCV and torch calls do it, with less work where that is exact.

The model input's bilinear downscale reads only the pixels it weighs (two rows and two columns
per output pixel) instead of a float copy of the whole photo. The model's a, b are brought to
the photo's size by upstream's nearest (parity) or OpenCV's smooth modes.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from ddcolor.checks import require_choice
from ddcolor.lab import AB_MAX, AB_MIN, unit_float

UPSAMPLE_MODES = ("nearest", "bilinear", "bicubic")


def _linear_taps(source: int, target: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source indices and weights of OpenCV's INTER_LINEAR resize along one axis (half-pixel
    centres, clamped at the borders, positions in float32 as OpenCV computes them)."""
    position = ((np.arange(target) + 0.5) * (source / target) - 0.5).astype(np.float32)
    low = np.floor(position)
    fraction = position - low
    fraction[(low < 0) | (low >= source - 1)] = 0
    low = np.clip(low, 0, source - 1).astype(np.intp)
    return low, np.minimum(low + 1, source - 1), fraction


def resize_unit_float(image: np.ndarray, size: int) -> np.ndarray:
    """`cv2.resize(unit_float(image), (size, size))` (bilinear), reading only the pixels it uses.

    The bilinear resize looks at two rows and two columns per output pixel, so converting the
    whole photo to float first (as upstream does) is wasted work: 0.1 s at 12 MP here.
    """
    rows_low, rows_high, row_weight = _linear_taps(image.shape[0], size)
    cols_low, cols_high, col_weight = _linear_taps(image.shape[1], size)
    if image.ndim == 3:
        row_weight, col_weight = row_weight[:, None, None], col_weight[None, :, None]
    else:
        row_weight, col_weight = row_weight[:, None], col_weight[None, :]

    def blend(low: np.ndarray, high: np.ndarray, weight: np.ndarray) -> np.ndarray:
        low *= 1 - weight
        high *= weight
        return np.add(low, high, out=low)

    def across(rows: np.ndarray) -> np.ndarray:
        picked = image[rows]
        left, right = (unit_float(np.take(picked, cols, axis=1)) for cols in (cols_low, cols_high))
        return blend(left, right, col_weight)

    return blend(across(rows_low), across(rows_high), row_weight)


def check_upsample(mode: str) -> str:
    require_choice("upsample", mode, UPSAMPLE_MODES)
    return mode


_INTERPOLATIONS = {"bilinear": cv2.INTER_LINEAR, "bicubic": cv2.INTER_CUBIC}


def upsample_ab(ab: np.ndarray, size: tuple[int, int], mode: str) -> np.ndarray:
    """(2, S, S) -> (2, H, W) float32. `nearest` is upstream's legacy nearest, unclamped (parity).

    The smooth modes use OpenCV (half-pixel centres, cubic a = -0.75, like torch's
    `align_corners=False`), about four times faster than `F.interpolate` at 12 MP here (0.03
    against 0.13 s for bicubic), and clamp a, b to the valid range: cubic overshoot would
    otherwise reach colors Lab cannot hold.
    """
    if check_upsample(mode) == "nearest":
        return F.interpolate(torch.from_numpy(np.ascontiguousarray(ab))[None], size=size)[0].numpy()
    height, width = size
    planes = np.empty((2, height, width), np.float32)
    for plane, out in zip(ab, planes, strict=True):
        cv2.resize(np.ascontiguousarray(plane), (width, height), dst=out, interpolation=_INTERPOLATIONS[mode])
    return np.clip(planes, AB_MIN, AB_MAX, out=planes)
