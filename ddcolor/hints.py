"""Color hints: a few painted strokes recolor the regions they sit in, L kept exactly.

A post-step like the reference transfer and saturation: `(colorized, hints) -> colorized`.
What spreads is each stroke's *correction*, painted ab minus the automatic ab under it, never
the painted color itself: a region a stroke does not reach keeps the automatic colors, so a
few strokes fix what the model got wrong instead of repainting the whole photo.

The correction spreads two ways, both at a reduced working size:
- in the image, with OpenCV's fast global smoother guided by the automatic result's Lab, so it
  fills the stroke's region and stops at edges of lightness and of color (an automatic
  colorizer is usually wrong per object, and its object boundaries show in its a, b), scaled
  down where the photo is darker than the stroke;
- in color space, to pixels the automatic result colored like the stroke's pixels (a splat on
  an a-b grid, blurred and read back per pixel), because the same wrong color elsewhere is
  usually the same mistake; but not to a color much of the photo shares (its overall tone).
Each way carries a confidence that falls to 0 away from the strokes (in the image, or in a-b),
so untouched regions keep their colors. The working-size correction is applied at full
resolution through a guided filter's local linear model in the full-resolution L (as
`ddcolor.transfer` does), and the painted pixels themselves take the painted a, b.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

from ddcolor.checks import require_range
from ddcolor.guided import EnlargedModel, guided_coefficients
from ddcolor.images import Photo
from ddcolor.lab import AB_MAX, AB_MIN, fit_to_gamut, part_way_to, to_bgr, to_lab
from ddcolor.parallel import map_bands

log = logging.getLogger("ddcolor")

WORK_PIXELS = 250_000  # the correction is solved at about this size; finer detail comes from the full-res L
SMOOTH_LAMBDA = 3000.0  # fast global smoother's reach: about sqrt(lambda) working pixels in a flat region
SMOOTH_SIGMA = 4.0  # guide difference at which the spread is blocked
GUIDE_L_SCALE, GUIDE_AB_SCALE = 2.55, 2.0  # guide units per Lab unit (L as in 8-bit Lab): either kind of edge stops it
SPATIAL_REACH = 1.0  # smoother response x lambda at which the image confidence reaches 1 - 1/e
AB_BIN = 4.0  # a-b grid cell for the color-space spread
AB_SIGMA = 5.0  # a-b distance over which pixels count as colored "the same way"
COLOR_REACH = 4.0  # stroke pixels (working size) of one color at which the color confidence reaches 1 - 1/e
COLOR_WEIGHT = 0.3  # how far the color-space spread is trusted against the image spread
COMMON_TONE = (0.05, 0.15)  # share of the photo colored like a pixel at which its color-space spread fades, and stops
GRAY_CHROMA = 10.0  # automatic chroma below which a color is no decision of the model: not spread in color space
SAME_COLOR = 2.0  # a, b correction below which a stroke asks for no change (a stroke on a right color, uint8 noise)
GUIDE_RADIUS, GUIDE_EPS = 2, 1e-4  # the full-resolution model of the correction, L scaled to [0, 1]
STROKE_DIFFERENCE = 12.0  # a, b distance from the photo that makes a pixel of a painted copy a stroke
LIGHTNESS_ONLY_DIFFERENCE = 20.0  # L distance of a painted copy's pixel, no stroke, that a gray brush made
LIGHTNESS_ONLY_SHARE = 0.001  # the share of such pixels that a line tells of (re-encoding moves L by a few)
UNSHOWN_DISTANCE = 10.0  # a, b distance from the painted color at which a painted pixel counts as unshown
ASPECT_TOLERANCE = 0.01  # relative aspect-ratio difference still scaled


def check_strength(strength: float) -> float:
    return require_range("hint strength", strength, 0.0, 1.0)


def check_hints(hints_bgra: np.ndarray, shape: tuple[int, ...]) -> None:
    """Refuse an overlay that is not uint8 BGRA the size of the photo of `shape` (H, W, ...)."""
    if not isinstance(hints_bgra, np.ndarray) or hints_bgra.dtype != np.uint8:
        raise ValueError("hints must be a uint8 BGRA image of shape (H, W, 4)")
    if hints_bgra.ndim != 3 or hints_bgra.shape[2] != 4:
        raise ValueError(f"hints must be a BGRA image of shape (H, W, 4), got {hints_bgra.shape}")
    if hints_bgra.shape[:2] != tuple(shape[:2]):
        (hh, hw), (ph, pw) = hints_bgra.shape[:2], shape[:2]
        raise ValueError(f"the hints are {hw}x{hh} but the photo is {pw}x{ph}; they must be the same size")


def _working_size(height: int, width: int) -> tuple[int, int]:
    scale = min(1.0, (WORK_PIXELS / (height * width)) ** 0.5)
    return max(1, round(height * scale)), max(1, round(width * scale))


def _colorfulness(ab: np.ndarray) -> np.ndarray:
    """0 for grays (no color decision of the model), rising to 1 at GRAY_CHROMA."""
    return np.clip(np.hypot(ab[..., 0], ab[..., 1]) / GRAY_CHROMA - 0.5, 0.0, 1.0)


def _ab_lookup(points_ab: np.ndarray, columns: np.ndarray, small_ab: np.ndarray) -> np.ndarray:
    """`columns` (N, k) of points at a, b `points_ab` (N, 2), summed over a Gaussian of AB_SIGMA in a-b and
    read back at each working pixel's a, b (h, w, k); a point counts 1 at its own color."""
    bins = int(np.ceil((AB_MAX - AB_MIN) / AB_BIN)) + 1
    cells = np.clip(np.rint((points_ab - AB_MIN) / AB_BIN).astype(np.int64), 0, bins - 1)
    flat = cells[:, 0] * bins + cells[:, 1]
    grid = np.stack([np.bincount(flat, column, bins * bins) for column in columns.T], axis=1)
    grid = grid.reshape(bins, bins, -1).astype(np.float32)
    grid = cv2.GaussianBlur(grid, (0, 0), AB_SIGMA / AB_BIN) * np.float32(2 * np.pi * (AB_SIGMA / AB_BIN) ** 2)
    coords = (small_ab - AB_MIN) / AB_BIN
    sliced = cv2.remap(grid, coords[:, :, 1], coords[:, :, 0], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return sliced.reshape(*small_ab.shape[:2], -1)


def _color_spread(
    stroke_ab: np.ndarray, weights: np.ndarray, change: np.ndarray, small_ab: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The correction of stroke pixels carried to working pixels of a similar automatic a, b.

    Returns the mean correction (h, w, 2) and its confidence (h, w) in [0, 1]. A color much of the photo
    shares is its overall tone (a muted result is brown all over), not one object's mistake: there the
    confidence fades out, so one stroke on it does not tint the whole photo.
    """
    weights = weights * _colorfulness(stroke_ab)  # grays neither give nor take color-space corrections
    sliced = _ab_lookup(stroke_ab, np.column_stack((weights, weights * change[:, 0], weights * change[:, 1])), small_ab)
    weight = sliced[:, :, 0]
    mean = sliced[:, :, 1:] / np.maximum(weight, 1e-6)[:, :, None]
    pixels = small_ab.reshape(-1, 2)
    share = _ab_lookup(pixels, np.ones((len(pixels), 1), np.float32), small_ab)[:, :, 0] / len(pixels)
    fade, stop = COMMON_TONE
    specific = np.clip((stop - share) / (stop - fade), 0.0, 1.0)
    return mean, (1.0 - np.exp(-weight / COLOR_REACH)) * _colorfulness(small_ab) * specific


def _correction(
    colorized_bgr: np.ndarray, ys: np.ndarray, xs: np.ndarray, alpha: np.ndarray, change: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The working-size correction field (h, w, 2) for stroke pixels at (ys, xs) with opacity `alpha`
    and correction `change` (N, 2), and the working size's Lab."""
    height, width = colorized_bgr.shape[:2]
    h, w = _working_size(height, width)
    small_bgr = cv2.resize(colorized_bgr, (w, h), interpolation=cv2.INTER_AREA)
    small_lab = to_lab(small_bgr)
    cell = np.minimum(ys * h // height, h - 1) * w + np.minimum(xs * w // width, w - 1)
    coverage = np.float32(h * w / (height * width))  # a full working pixel is 1
    stroke_l = small_lab[:, :, 0].reshape(-1)[cell].astype(np.float64)
    channels = (np.ones_like(alpha), *change.T, stroke_l)
    sums = np.stack([np.bincount(cell, alpha * c, h * w) for c in channels], axis=1)
    sums = (sums * coverage).astype(np.float32).reshape(h, w, 4)

    # Guided by the automatic result's Lab: its object boundaries show in its a, b, and in L.
    guide = cv2.convertScaleAbs(small_lab * np.float32([GUIDE_L_SCALE, GUIDE_AB_SCALE, GUIDE_AB_SCALE]) + [0, 128, 128])
    spread = cv2.ximgproc.fastGlobalSmootherFilter(guide, sums, SMOOTH_LAMBDA, SMOOTH_SIGMA)
    reach = np.maximum(spread[:, :, 0], 0.0)
    image_change = spread[:, :, 1:3] / np.maximum(reach, 1e-9)[:, :, None]
    # A darker shade of a surface has proportionally less chroma: scale the correction down where
    # the photo is darker than the strokes it came from (shadows, black surroundings).
    stroke_lightness = spread[:, :, 3] / np.maximum(reach, 1e-9)
    image_change *= np.clip(small_lab[:, :, :1] / np.maximum(stroke_lightness, 1.0)[:, :, None], 0.0, 1.0)
    image_confidence = 1.0 - np.exp(-reach * SMOOTH_LAMBDA / SPATIAL_REACH)

    stroke_auto = small_lab[:, :, 1:].reshape(-1, 2)[cell]
    color_change, color_confidence = _color_spread(stroke_auto, alpha * coverage, change, small_lab[:, :, 1:])
    color_confidence *= COLOR_WEIGHT

    total = image_confidence + color_confidence
    mean = (image_confidence[:, :, None] * image_change + color_confidence[:, :, None] * color_change) / np.maximum(
        total, 1e-9
    )[:, :, None]
    confidence = 1.0 - (1.0 - image_confidence) * (1.0 - color_confidence)
    return (mean * confidence[:, :, None]).astype(np.float32), small_lab


def apply_hints(colorized_bgr: np.ndarray, hints_bgra: np.ndarray, *, strength: float = 1.0) -> np.ndarray:
    """Recolor `colorized_bgr` (uint8 BGR) from painted strokes; returns uint8 BGR of the same size.

    `hints_bgra` is a uint8 (H, W, 4) overlay: where alpha > 0 the user painted that color, with
    alpha as its opacity. Only a and b change. `strength` takes the photo that share of the way to
    the full-strength result as RGB shows it (`lab.part_way_to`), from 0 (none) to 1 (painted pixels
    take the painted a, b). No strokes: an unchanged copy.
    """
    if not isinstance(colorized_bgr, np.ndarray) or colorized_bgr.dtype != np.uint8 or colorized_bgr.ndim != 3:
        raise ValueError("the colorized photo must be a uint8 BGR image of shape (H, W, 3)")
    if colorized_bgr.shape[2] != 3 or 0 in colorized_bgr.shape:
        raise ValueError(f"the colorized photo must be a non-empty BGR image (H, W, 3), got {colorized_bgr.shape}")
    check_hints(hints_bgra, colorized_bgr.shape)
    strength = check_strength(strength)
    points = cv2.findNonZero(np.ascontiguousarray(hints_bgra[:, :, 3]))
    if points is None:
        log.info(
            "hints: no strokes (a transparent layer with nothing painted, or a painted copy that does not differ "
            "from the photo in color anywhere); colors unchanged"
        )
        return colorized_bgr.copy()
    if strength == 0.0:
        return colorized_bgr.copy()
    points = points.reshape(-1, 2).astype(np.int64)
    order = np.lexsort((points[:, 0], points[:, 1]))  # row-major, so each band's strokes are a slice
    xs, ys = points[order, 0], points[order, 1]
    alpha = hints_bgra[ys, xs, 3].astype(np.float64) / 255.0
    painted_ab = to_lab(np.ascontiguousarray(hints_bgra[ys, xs, :3])[:, None])[:, 0, 1:]
    auto_ab = to_lab(np.ascontiguousarray(colorized_bgr[ys, xs])[:, None])[:, 0, 1:]
    change = (painted_ab - auto_ab).astype(np.float64)
    size = np.maximum(np.hypot(change[:, 0], change[:, 1]), 1e-9)
    spread = change * np.maximum(0.0, 1.0 - SAME_COLOR / size)[:, None]  # small corrections are no request
    # Opacity is how far of the way to the painted color a stroke asks for, in its region as on itself: the
    # correction was an opacity-weighted mean, so a stroke at alpha 1 of 255 still repainted its region.
    spread *= alpha[:, None]
    change, small_lab = _correction(colorized_bgr, ys, xs, alpha, spread)

    # The correction as a local linear function of L, fitted at working size, applied to the full-res L.
    height, width = colorized_bgr.shape[:2]
    model = EnlargedModel(
        *guided_coefficients(small_lab[:, :, 0] / np.float32(100), change, GUIDE_RADIUS, GUIDE_EPS),
        height,
        width,
    )
    out = np.empty_like(colorized_bgr)
    weight = alpha.astype(np.float32)[:, None]

    def band(rows: slice) -> None:  # the full-strength change, then `strength` of the way to what it shows
        lab = to_lab(colorized_bgr[rows])
        before = lab[:, :, 1:].copy() if strength < 1.0 else None
        ab = lab[:, :, 1:]
        ab += model.change(rows, lab[:, :, :1] / np.float32(100))
        first, last = np.searchsorted(ys, (rows.start, rows.stop))
        if last > first:  # painted pixels: the painted a, b, by their opacity
            py, px = ys[first:last] - rows.start, xs[first:last]
            ab[py, px] += weight[first:last] * (painted_ab[first:last] - ab[py, px])
        np.clip(ab, AB_MIN, AB_MAX, out=ab)
        shown = fit_to_gamut(lab)
        to_bgr(shown if before is None else part_way_to(shown, before, strength), out=out[rows])

    map_bands(height, band)
    if strength == 1.0:
        opaque = alpha == 1.0
        _report_unshown(out[ys[opaque], xs[opaque]], painted_ab[opaque])
    return out


def _report_unshown(result_pixels: np.ndarray, painted_ab: np.ndarray) -> None:
    """One log line when many fully opaque painted pixels could not show their color (too dark or
    too light for it in RGB), so the person knows why a stroke looks paler than painted."""
    if len(result_pixels) == 0:
        return
    shown = to_lab(np.ascontiguousarray(result_pixels)[:, None])[:, 0, 1:]
    paler = np.hypot(*(shown - painted_ab).T) > UNSHOWN_DISTANCE
    if paler.mean() > 0.1:
        log.info(
            "hints: %.0f%% of the painted pixels are too dark or too light to show their painted color; "
            "they got the nearest color RGB can show at their lightness",
            100 * paler.mean(),
        )


def _same_aspect(size: tuple[int, int], other: tuple[int, int]) -> bool:
    return abs(size[0] * other[1] - size[1] * other[0]) <= ASPECT_TOLERANCE * size[1] * other[0]


def _scale_overlay(bgra: np.ndarray, width: int, height: int) -> np.ndarray:
    """Resize keeping stroke colors pure: nearest when enlarging; when shrinking, area-averaged
    opacity and opacity-weighted colors (no blending with the transparent pixels' color)."""
    if bgra.shape[1] <= width:
        return cv2.resize(bgra, (width, height), interpolation=cv2.INTER_NEAREST)
    alpha = bgra[:, :, 3:].astype(np.float32)
    premultiplied = np.concatenate((bgra[:, :, :3] * alpha, alpha), axis=2)
    shrunk = cv2.resize(premultiplied, (width, height), interpolation=cv2.INTER_AREA)
    opacity = shrunk[:, :, 3:]
    colors = shrunk[:, :, :3] / np.maximum(opacity, 1e-6)
    return np.clip(np.concatenate((colors, opacity), axis=2) + 0.5, 0, 255).astype(np.uint8)


def hints_overlay(hints_photo: Photo, photo: Photo) -> np.ndarray:
    """The uint8 BGRA stroke overlay, at the photo's size, from a hints file as people make it.

    A file with transparency is the strokes themselves (transparent = no hint). An opaque file
    is a copy of the photo with strokes painted on it: the strokes are its pixels whose a, b
    differ clearly from the photo's (so JPEG noise and re-encoding are not strokes). Another
    size of the same aspect ratio is scaled; any other size is refused.
    """
    (width, height), (hints_width, hints_height) = photo.size, hints_photo.size
    if not _same_aspect((hints_width, hints_height), (width, height)):
        raise ValueError(
            f"the hints image is {hints_width}x{hints_height} but the photo is {width}x{height}; "
            "give hints of the photo's size or of the same aspect ratio"
        )
    if hints_photo.alpha is not None:
        overlay = np.dstack((hints_photo.bgr, hints_photo.alpha))
        if (hints_width, hints_height) != (width, height):
            log.info("hints: scaling the %dx%d hints to the photo's %dx%d", hints_width, hints_height, width, height)
            overlay = _scale_overlay(overlay, width, height)
        return _said_if_hidden(overlay, photo)
    painted = hints_photo.bgr
    if (hints_width, hints_height) != (width, height):
        log.info("hints: scaling the %dx%d painted copy to the photo's %dx%d", hints_width, hints_height, width, height)
        shrink = hints_width > width
        painted = cv2.resize(painted, (width, height), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
    overlay = np.zeros((height, width, 4), np.uint8)
    overlay[:, :, :3] = painted
    original = photo.bgr

    def band(rows: slice) -> int:
        difference = to_lab(painted[rows]) - to_lab(original[rows])
        strokes = np.hypot(difference[:, :, 1], difference[:, :, 2]) > STROKE_DIFFERENCE
        overlay[rows, :, 3] = strokes * np.uint8(255)
        return int(np.count_nonzero((np.abs(difference[:, :, 0]) > LIGHTNESS_ONLY_DIFFERENCE) & ~strokes))

    lightness_only = sum(map_bands(height, band)) / (height * width)
    if lightness_only >= LIGHTNESS_ONLY_SHARE:  # gray strokes: a copy's strokes are told by their color
        log.info(
            "hints: %.1f%% of the painted copy differs from the photo in lightness only (gray strokes?); on a "
            "copy, strokes are told from the photo by their color, so those are no hints: paint gray strokes "
            "on a transparent layer instead",
            100 * lightness_only,
        )
    return _said_if_hidden(overlay, photo)  # with no strokes, `apply_hints` says so


def _said_if_hidden(overlay: np.ndarray, photo: Photo) -> np.ndarray:
    """One line when most strokes lie on the photo's transparent parts, where no color shows."""
    painted = overlay[:, :, 3] > 0
    if photo.alpha is not None and painted.any():
        hidden = np.count_nonzero(painted & (photo.alpha == 0)) / np.count_nonzero(painted)
        if hidden >= 0.5:
            log.info(
                "hints: %.0f%% of the strokes lie on transparent parts of the photo, where no color shows", 100 * hidden
            )
    return overlay
