"""Lab conversions of uint8 BGR photos, computed as the official pipeline computes them.

OpenCV's float conversion (sRGB, D65, L in [0, 100]) on values scaled to [0, 1]. The pipeline,
the reference transfer and the benchmarks all go through these, so they agree with each other
and with upstream.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np

AB_MIN, AB_MAX = -128.0, 127.0  # the a, b range of 8-bit Lab; wider values are clamped where colors are made


@functools.cache
def _unit_table() -> np.ndarray:
    return np.arange(256, dtype=np.float32) / np.float32(255)


def unit_float(image: np.ndarray) -> np.ndarray:
    """uint8 as float32 in [0, 1], equal to upstream's division, in one parallel table lookup."""
    return cv2.LUT(image, _unit_table())


def to_lab(image_bgr: np.ndarray) -> np.ndarray:
    """uint8 BGR -> float32 Lab (L in [0, 100])."""
    return cv2.cvtColor(unit_float(image_bgr), cv2.COLOR_BGR2Lab)


def to_bgr(lab: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """float32 Lab -> uint8 BGR, written into `out` when given. OpenCV clamps BGR to [0, 1];
    `convertScaleAbs` rounds half to even like numpy's `round`, so this equals
    `(bgr * 255).round().astype(uint8)`, faster."""
    return cv2.convertScaleAbs(cv2.cvtColor(lab, cv2.COLOR_Lab2BGR), dst=out, alpha=255.0)


@functools.cache
def gray_lightness() -> np.ndarray:
    """Lab L of each gray level (256 float32), from the same conversion as color photos get."""
    levels = np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2)
    return np.ascontiguousarray(to_lab(levels)[0, :, 0])


def fit_to_gamut(lab: np.ndarray, *, tolerance: float = 0.5, rounds: int = 6) -> np.ndarray:
    """Desaturate the colors that RGB cannot show, so clipping does not change their lightness.

    A dark pixel given a vivid color would otherwise come out brighter or darker than the
    target; shrinking its a, b keeps its L and hue instead.
    """
    lab = np.array(lab, order="C")  # a copy, contiguous
    flat = lab.reshape(-1, 3)

    def outside(pixels: np.ndarray) -> np.ndarray:
        shown = cv2.cvtColor(cv2.cvtColor(pixels, cv2.COLOR_Lab2BGR), cv2.COLOR_BGR2Lab)
        return np.abs(shown[..., 0] - pixels[..., 0]).reshape(-1) > tolerance

    candidates = np.flatnonzero(outside(lab))
    for round_ in range(rounds):
        if candidates.size == 0:
            break
        flat[candidates, 1:] *= 0.7
        if round_ < rounds - 1:  # re-check only the pixels still moving, as an N x 1 image
            candidates = candidates[outside(flat[candidates][:, None, :])]
    return lab
