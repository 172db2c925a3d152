"""How much of a reference is colorless, and reducing photos to the size the transfer works at."""

from __future__ import annotations

import cv2
import numpy as np

MIN_REFERENCE_CHROMA = 5.0  # 99th-percentile Lab chroma below this: a black-and-white photo
# A color photo with at least this share of pixels under MIN_REFERENCE_CHROMA gives the result mostly
# gray colors; a person should hear why the colors changed so little (a night sky, a faded print).
MOSTLY_COLORLESS = 0.75


def chroma(lab: np.ndarray) -> np.ndarray:
    return np.hypot(lab[:, :, 1], lab[:, :, 2])


def own_chroma(lab: np.ndarray) -> float:
    """How much color a photo has of its own: its 90th-percentile chroma (a gray photo's is about 0)."""
    return float(np.percentile(chroma(lab.astype(np.float64, copy=False)), 90))


def check_reference(reference_lab: np.ndarray) -> float:
    """A reference without colors cannot steer any: refuse it in words a person reads. Returns the
    share of its pixels with nearly no color (chroma under MIN_REFERENCE_CHROMA), from the same chroma."""
    levels = chroma(reference_lab)
    level = float(np.percentile(levels, 99))
    if level < MIN_REFERENCE_CHROMA:
        colored = float((levels >= MIN_REFERENCE_CHROMA).mean())
        raise ValueError(
            (
                "the reference is not a color photo"
                if colored < 0.001
                else f"only {colored:.1%} of the reference has color"
            )
            + f" (its 99th percentile of chroma is {level:.1f}, a color photo's is over {MIN_REFERENCE_CHROMA:g}); "
            "give a color photo whose colors should steer the result"
        )
    return float((levels < MIN_REFERENCE_CHROMA).mean())


def resize_to_pixels(image: np.ndarray, pixels: int) -> np.ndarray:
    """`image` shrunk (never enlarged) to about `pixels` pixels, at least 8 on each side; a thin strip's long
    side shrinks with it (raised to 8, a 1 x 40 000 strip kept 25 000 of its length: 12 times the work)."""
    height, width = image.shape[:2]
    scale = min(1.0, (pixels / (height * width)) ** 0.5)
    size = [round(width * scale), round(height * scale)]
    shorter = int(size[1] < size[0])
    if size[shorter] < 8:  # raised to 8, the long side takes what is left of the budget
        size[shorter], size[1 - shorter] = 8, min(max(size[1 - shorter], 8), max(8, pixels // 8))
    return cv2.resize(image, tuple(size), interpolation=cv2.INTER_AREA)


def evenly_sampled(image: np.ndarray, count: int) -> np.ndarray:
    """About `count` (at least) pixels of an (H, W, C) image, on an even grid over it, as (N, C)."""
    height, width = image.shape[:2]
    step = max(1, int((height * width / count) ** 0.5))
    return image[::step, ::step].reshape(-1, image.shape[2])
