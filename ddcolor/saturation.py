"""How vivid the result looks: a and b scaled by one factor, L kept.

A post-step like the reference transfer and the hints: `(colorized, ...) -> colorized`. Colors
pushed outside what RGB can show are desaturated back by `fit_to_gamut` instead of clipped, so
a saturated dark pixel keeps its lightness.
"""

from __future__ import annotations

import logging

import numpy as np

from ddcolor.checks import require_range
from ddcolor.lab import AB_MAX, AB_MIN, fit_to_gamut, to_bgr, to_lab
from ddcolor.parallel import map_bands

log = logging.getLogger(__name__)

MIN_SATURATION, MAX_SATURATION = 0.0, 2.0
COLORED_CHROMA = 5.0  # below this a pixel is gray to the eye, and has no vividness to gain
SHORT_OF_ASKED = 0.5  # a colored pixel that gains less than this share of the chroma asked counts as cut short
CHECK_ROW_STEP = 4  # the gain is counted on every few rows: a share needs no more


def check_saturation(amount: float) -> float:
    return require_range("saturation", amount, MIN_SATURATION, MAX_SATURATION)


def saturate(colorized_bgr: np.ndarray, amount: float) -> np.ndarray:
    """uint8 BGR with a, b multiplied by `amount`: 0 gives gray, 1 the input unchanged, 2 twice the chroma.

    Colors RGB cannot show that vivid are brought to the gamut's edge at their hue (first within Lab's
    a, b range as one, not a and b clamped apart: that turned a pure blue purpler, and duller at 2 than at
    1.5). Where that takes much of the gain asked, one log line says how much of the photo it was."""
    amount = check_saturation(amount)
    if amount == 1.0:
        return colorized_bgr.copy()
    out = np.empty_like(colorized_bgr)
    cut_short: list[tuple[int, int]] = []  # (colored pixels, of them gaining less than half) per band

    def band(rows: slice) -> None:
        lab = to_lab(colorized_bgr[rows])
        ab = lab[:, :, 1:]
        asked = amount > 1.0
        chroma = np.hypot(ab[::CHECK_ROW_STEP, :, 0], ab[::CHECK_ROW_STEP, :, 1]) if asked else None
        ab *= np.float32(amount)
        if asked and (ab.max() > AB_MAX or ab.min() < AB_MIN):
            over = np.maximum(np.maximum(ab, 0) / AB_MAX, np.minimum(ab, 0) / AB_MIN).max(axis=-1)
            ab /= np.maximum(over, 1.0)[..., None]  # within Lab's a, b range at the same hue
        to_bgr(fit_to_gamut(lab), out=out[rows])
        if asked:  # what RGB shows, fitted or clipped, against what was asked, on every few rows
            shown = to_lab(out[rows][::CHECK_ROW_STEP])
            colored = chroma >= COLORED_CHROMA
            gained = np.hypot(shown[..., 1], shown[..., 2]) - chroma
            short = gained < SHORT_OF_ASKED * (amount - 1.0) * chroma
            cut_short.append((int(colored.sum()), int((short & colored).sum())))

    map_bands(colorized_bgr.shape[0], band)
    colored, short = (sum(counts) for counts in zip(*cut_short, strict=True)) if cut_short else (0, 0)
    if colored and short / colored >= 0.1:
        log.info(
            "saturation %g: %.0f%% of the colored pixels are already near the most vivid color RGB shows at "
            "their lightness, so they gain less than half the vividness asked",
            amount,
            100 * short / colored,
        )
    return out
