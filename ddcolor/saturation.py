"""How vivid the result looks: a and b scaled by one factor, L kept.

A post-step like the reference transfer and the hints: `(colorized, ...) -> colorized`. Colors
pushed outside what RGB can show are desaturated back by `fit_to_gamut` instead of clipped, so
a saturated dark pixel keeps its lightness.
"""

from __future__ import annotations

import numpy as np

from ddcolor.checks import require_range
from ddcolor.lab import AB_MAX, AB_MIN, fit_to_gamut, to_bgr, to_lab
from ddcolor.parallel import map_bands

MIN_SATURATION, MAX_SATURATION = 0.0, 2.0


def check_saturation(amount: float) -> float:
    return require_range("saturation", amount, MIN_SATURATION, MAX_SATURATION)


def saturate(colorized_bgr: np.ndarray, amount: float) -> np.ndarray:
    """uint8 BGR with a, b multiplied by `amount`: 0 gives gray, 1 the input unchanged, 2 twice the chroma."""
    amount = check_saturation(amount)
    if amount == 1.0:
        return colorized_bgr.copy()
    out = np.empty_like(colorized_bgr)

    def band(rows: slice) -> None:
        lab = to_lab(colorized_bgr[rows])
        ab = lab[:, :, 1:]
        ab *= np.float32(amount)
        np.clip(ab, AB_MIN, AB_MAX, out=ab)
        to_bgr(fit_to_gamut(lab), out=out[rows])

    map_bands(colorized_bgr.shape[0], band)
    return out
