"""Lab conversions of uint8 BGR photos, computed as the official pipeline computes them.

OpenCV's float conversion (sRGB, D65, L in [0, 100]) on values scaled to [0, 1]. The pipeline,
the reference transfer and the benchmarks all go through these, so they agree with each other
and with upstream.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np

from ddcolor.parallel import map_bands

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


# Linear sRGB (D65) to CIE XYZ over the white point, as OpenCV's Lab conversion takes them, for B, G, R in that
# order. The lightness of linear RGB is its Y, whose row sums to 1: a gray of one Y has that Y's lightness.
_BGR_TO_XYZ = np.array(
    [[0.180423, 0.357580, 0.412453], [0.072169, 0.715160, 0.212671], [0.950227, 0.119193, 0.019334]], np.float32
) / np.array([[0.950456], [1.0], [1.088754]], np.float32)
_XYZ_TO_BGR = np.linalg.inv(_BGR_TO_XYZ).astype(np.float32)


def linear_light(encoded: np.ndarray) -> np.ndarray:
    """sRGB values in [0, 1] -> linear light (the sRGB transfer curve undone), in their own float type."""
    return np.where(encoded <= 0.04045, encoded / 12.92, ((encoded + 0.055) / 1.055) ** 2.4)


def _encoded(linear: np.ndarray) -> np.ndarray:
    """Linear light in [0, 1] -> sRGB values."""
    return np.where(linear <= 0.0031308, linear * 12.92, 1.055 * np.maximum(linear, 0.0031308) ** (1 / 2.4) - 0.055)


@functools.cache
def _linear_of_16_bits() -> np.ndarray:
    return linear_light(np.arange(65536, dtype=np.float64) / 65535).astype(np.float32)


def _f(t: np.ndarray) -> np.ndarray:
    return np.where(t > 0.008856, np.cbrt(t), 7.787 * t + 16 / 116).astype(np.float32)


def _f_inverse(f: np.ndarray) -> np.ndarray:
    return np.where(f > 0.206893, f**3, (f - 16 / 116) / 7.787).astype(np.float32)


def with_lightness_of(colorized: np.ndarray, deep: np.ndarray) -> np.ndarray:
    """The a, b of `colorized` (uint8 BGR) on the lightness of `deep`, the same photo at 16 bits (uint16 gray or
    BGR): uint16 BGR.

    The model and every post-step see an 8-bit copy; a scan made at 16 bits keeps its finer tones (shadows
    without banding) only if the result is joined to its own lightness again at the end. Computed with the
    exact formulas rather than OpenCV's float conversions, whose round trip is only good to about 0.2 L: here
    L is kept to the 16-bit rounding. A color RGB cannot show at that lightness moves toward the gray of the
    same luminance in linear light until it can, which keeps L exactly and the hue nearly. In bands of rows
    on all cores."""
    out = np.empty((*deep.shape[:2], 3), np.uint16)
    linear_of_8_bits = linear_light(np.arange(256, dtype=np.float64) / 255).astype(np.float32)

    def band(rows: slice) -> None:
        f = _f(cv2.transform(cv2.LUT(colorized[rows], linear_of_8_bits), _BGR_TO_XYZ))
        tones = _linear_of_16_bits()[deep[rows]]
        luminance = tones if tones.ndim == 2 else cv2.transform(tones, _BGR_TO_XYZ[1:2])
        fy = _f(luminance)
        xyz = _f_inverse(cv2.merge((fy + f[:, :, 0] - f[:, :, 1], fy, fy - f[:, :, 1] + f[:, :, 2])))
        bgr = cv2.transform(xyz, _XYZ_TO_BGR)
        outside = np.flatnonzero(((bgr < 0) | (bgr > 1)).any(axis=-1))
        if outside.size:  # toward the gray of the same luminance, as far as RGB asks
            colors, gray = bgr.reshape(-1, 3)[outside], luminance.reshape(-1)[outside, None]
            off = colors - gray
            with np.errstate(divide="ignore", invalid="ignore"):
                room = np.where(off > 0, (1 - gray) / off, np.where(off < 0, -gray / off, np.inf))
            bgr.reshape(-1, 3)[outside] = gray + off * np.clip(room.min(axis=-1, keepdims=True), 0, 1)
        out[rows] = np.clip(_encoded(bgr) * 65535 + 0.5, 0, 65535)

    map_bands(deep.shape[0], band)
    return out


@functools.cache
def gray_lightness() -> np.ndarray:
    """Lab L of each gray level (256 float32), from the same conversion as color photos get."""
    levels = np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2)
    return np.ascontiguousarray(to_lab(levels)[0, :, 0])


# The table of the most vivid colors RGB shows (`_most_vivid`): L every 0.5, hue every degree. A color in gamut
# comes back from OpenCV's float round trip within about 0.2 of itself (its conversions are approximate), so
# within GAMUT_ROUND_TRIP counts as shown; the table's chroma is taken at GAMUT_MARGIN, so that reading it
# between its grid points stays inside.
GAMUT_L_STEP, GAMUT_HUES = 0.5, 360
GAMUT_ROUND_TRIP, GAMUT_MARGIN = 0.3, 0.995


def _round_trip_error(lab: np.ndarray, channels: slice = slice(None)) -> np.ndarray:
    """Per pixel of (..., 3) float32 Lab, how far the color RGB shows for it lies from it (the largest difference
    over `channels`: L, a and b, or only some)."""
    shown = cv2.cvtColor(cv2.cvtColor(lab, cv2.COLOR_Lab2BGR), cv2.COLOR_BGR2Lab)
    return np.abs(shown[..., channels] - lab[..., channels]).max(axis=-1)


@functools.cache
def _most_vivid() -> np.ndarray:
    """(L, hue) the largest chroma RGB shows at each lightness and hue of the grid (bisection, 24 rounds;
    about 0.15 s once); the last column repeats hue 0, so that hue wraps."""
    lightness = np.arange(0.0, 100.0 + GAMUT_L_STEP, GAMUT_L_STEP, dtype=np.float32)
    hue = (2 * np.pi * np.arange(GAMUT_HUES) / GAMUT_HUES).astype(np.float32)
    grid_l, grid_hue = np.meshgrid(lightness, hue, indexing="ij")
    low, high = np.zeros(grid_l.shape, np.float32), np.full(grid_l.shape, 200.0, np.float32)
    for _ in range(24):
        mid = (low + high) / 2
        shown = _round_trip_error(np.stack((grid_l, mid * np.cos(grid_hue), mid * np.sin(grid_hue)), axis=2))
        inside = shown <= GAMUT_ROUND_TRIP
        low, high = np.where(inside, mid, low), np.where(inside, high, mid)
    return np.concatenate((low, low[:, :1]), axis=1)


def fit_to_gamut(lab: np.ndarray, *, tolerance: float = 0.5) -> np.ndarray:
    """Colors whose lightness RGB would change by more than `tolerance` brought to the most vivid color it
    shows at their lightness and hue.

    A dark pixel given a vivid color would otherwise be clipped in RGB: brighter or darker than the
    target. Shrinking its a, b to the gamut's edge keeps its L and hue, and takes no more chroma than RGB
    asks (the edge is read from `_most_vivid`; before, the chroma shrank by steps of 0.7, which took up to
    30% more than needed and left some colors 2 units of L off). Colors whose L RGB keeps are left to its
    clipping, which changes only their a, b, and on vivid photos lands nearer their true colors than
    shrinking them at one hue did (held-out coffee, CIEDE2000 1.56 against 1.86 on one pair).
    """
    lab = np.array(lab, order="C")  # a copy, contiguous
    flat = lab.reshape(-1, 3)
    candidates = np.flatnonzero(_round_trip_error(lab, slice(0, 1)) > tolerance)
    if candidates.size == 0:
        return lab
    pixels = flat[candidates]
    flat[candidates, 1:] = shrunk_to_gamut(pixels[:, 0], pixels[:, 1:])
    return lab


def shrunk_to_gamut(lightness: np.ndarray, ab: np.ndarray) -> np.ndarray:
    """Colors `ab` (N, 2) shrunk at their hue to the most vivid chroma RGB shows at `lightness` (N), where they
    have more; the others as they are."""
    chroma = np.hypot(ab[:, 0], ab[:, 1])
    vivid = most_vivid_chroma(lightness, ab[:, 0], ab[:, 1])
    return ab * np.minimum(1.0, vivid / np.maximum(chroma, 1e-6))[:, None]


def most_vivid_chroma(lightness: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The largest chroma RGB shows at each `lightness` and at the hue of (`a`, `b`), read between the grid
    points of `_most_vivid` (and taken at GAMUT_MARGIN, so a color given it stays inside)."""
    table = _most_vivid()
    rows = np.clip(lightness / GAMUT_L_STEP, 0.0, table.shape[0] - 1.0001)
    columns = np.arctan2(b, a) % (2 * np.pi) * (GAMUT_HUES / (2 * np.pi))
    row, column = rows.astype(np.int64), np.minimum(columns.astype(np.int64), GAMUT_HUES - 1)
    down, across = rows - row, columns - column
    vivid = (1 - down) * ((1 - across) * table[row, column] + across * table[row, column + 1]) + down * (
        (1 - across) * table[row + 1, column] + across * table[row + 1, column + 1]
    )
    return GAMUT_MARGIN * vivid


def part_way_to(shown: np.ndarray, before_ab: np.ndarray, strength: float) -> np.ndarray:
    """Lab whose a, b lie `strength` of the way from `before_ab` to those of `shown` (a full-strength result
    already fitted to the gamut), fitted again. A slider that blended toward the colors asked for instead
    changed a dark photo nearly nothing: the fit took most of the way back at every strength. Both
    arguments are changed in place."""
    before_ab += np.float32(strength) * (shown[:, :, 1:] - before_ab)
    shown[:, :, 1:] = before_ab
    return fit_to_gamut(shown)
