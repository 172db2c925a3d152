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
from pathlib import Path

import cv2
import numpy as np

from ddcolor.checks import require_bgr, require_range
from ddcolor.guided import EnlargedModel, guided_coefficients
from ddcolor.images import Photo, read_image, seen_bgr
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
GRAY_STROKE_DIFFERENCE = 4.0  # the same on a copy of a black-and-white photo (re-encoding moves its a, b by < 1)
RIPPLE_REACH = 16  # pixels around a stroke where JPEG's subsampled, blockwise colors ripple (a 16x16 block)
PALE_STROKE_SHARE = 0.0005  # share of the photo a pale stroke alone covers at least (JPEG's ripples cover less)
GRAY_PHOTO_CHROMA = 2.0  # a photo whose 99th percentile of chroma is under this is black and white
HALO_SHARE = 0.5  # a stroke pixel differs by at least this share of the most its 5x5 neighbours do (JPEG halos)
TINT_SAMPLE = 100_000  # pixels sampled for the tint a whole painted copy took
TINT_SPREAD = 4.0  # a, b distance from the median within which the copy's pixels share one tint
COPY_CHECK_SIDE = 256  # longest side at which a painted copy's lightness is compared with the photo's
COPY_CORRELATION = 0.5  # correlation of a copy's lightness with the photo's below which it is no copy
FLAT_DETAIL = 1.0  # mean L gradient below which what differs is a flat background (a flattened layer)
LEFTOVER_ALPHA = 2  # opacity (of 255) at or under which a layer's pixel is an eraser's leftover, no stroke
FAINT_ALPHA = 128  # the most opaque stroke under this opacity is said to be faint
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
    require_bgr("colorized photo", colorized_bgr)
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
    is a copy of the photo with strokes painted on it (`_painted_strokes`). Colors are read as they look
    (a Display P3 file through its profile). Another size of the same aspect ratio is scaled; any other
    size, or a file that is no copy of the photo, is refused.
    """
    (width, height), (hints_width, hints_height) = photo.size, hints_photo.size
    if not _same_aspect((hints_width, hints_height), (width, height)):
        turned = _same_aspect((hints_height, hints_width), (width, height))
        raise ValueError(
            f"the hints image is {hints_width}x{hints_height} but the photo is {width}x{height}; "
            + (_turned() if turned else "give hints of the photo's size or of the same aspect ratio")
        )
    if hints_photo.alpha is not None:
        overlay = np.dstack((seen_bgr(hints_photo), hints_photo.alpha))
        overlay[:, :, 3][overlay[:, :, 3] <= LEFTOVER_ALPHA] = 0  # a soft eraser's leftovers dilute the strokes
        if (hints_width, hints_height) != (width, height):
            log.info("hints: scaling the %dx%d hints to the photo's %dx%d", hints_width, hints_height, width, height)
            overlay = _scale_overlay(overlay, width, height)
        _said_if_faint(overlay)
        return _said_if_hidden(overlay, photo)
    if hints_photo.pixels.ndim == 2:
        log.info(
            "hints: the hints image is black and white: a copy's strokes are told by their color, so it gives none"
        )
    painted = seen_bgr(hints_photo)
    if (hints_width, hints_height) != (width, height):
        log.info("hints: scaling the %dx%d painted copy to the photo's %dx%d", hints_width, hints_height, width, height)
        shrink = hints_width > width
        painted = cv2.resize(painted, (width, height), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
    overlay = np.zeros((height, width, 4), np.uint8)
    overlay[:, :, :3] = painted
    overlay[:, :, 3] = _painted_strokes(painted, seen_bgr(photo)) * np.uint8(255)
    return _said_if_hidden(overlay, photo)  # with no strokes, `apply_hints` says so


def _turned(upside_down: bool = False) -> str:
    return (
        f"{'upside down' if upside_down else 'turned by 90 degrees'}? An app may have dropped the photo's EXIF "
        "rotation: turn the hints back"
    )


def _painted_strokes(painted: np.ndarray, original: np.ndarray) -> np.ndarray:
    """Where a painted copy (BGR, the photo's size) holds strokes: pixels whose a, b differ clearly from the
    photo's, less a tint the whole copy took (an app's white balance or filter), and less the paler halo
    that JPEG's subsampled colors blur around a stroke. A copy of a black-and-white photo has no colors
    of its own, so paler strokes count there (a pale pink on a face). A file that is no copy of the photo
    (`_is_flattened_layer`) is refused."""
    height, width = original.shape[:2]
    flattened = _is_flattened_layer(painted, original)
    every = max(1, int(np.sqrt(height * width / TINT_SAMPLE)))
    photo_ab = to_lab(original[::every, ::every])[:, :, 1:].reshape(-1, 2)
    sample = to_lab(painted[::every, ::every])[:, :, 1:].reshape(-1, 2) - photo_ab
    gray = np.percentile(np.hypot(*photo_ab.T), 99) < GRAY_PHOTO_CHROMA  # scanned in color or not
    tint = np.median(sample, axis=0)
    tinted = np.hypot(*tint) >= 1.0 and np.mean(np.hypot(*(sample - tint).T) < TINT_SPREAD) >= 0.5
    if not tinted:
        tint = np.zeros(2, np.float32)
    else:
        log.info("hints: the painted copy is tinted against the photo (a %+.0f, b %+.0f); that tint is no hint", *tint)
    difference = np.empty((height, width), np.float32)
    lightness_only = np.empty((height, width), bool)

    def band(rows: slice) -> None:
        change = to_lab(painted[rows]) - to_lab(original[rows])
        difference[rows] = np.hypot(change[:, :, 1] - tint[0], change[:, :, 2] - tint[1])
        lightness_only[rows] = np.abs(change[:, :, 0]) > LIGHTNESS_ONLY_DIFFERENCE

    map_bands(height, band)
    strokes = difference > STROKE_DIFFERENCE
    # Pale strokes too, on an untinted copy (a tint clipped in bright or dark parts leaves half of it there):
    # patches mostly pale and mostly away from the ripples JPEG makes around clear strokes.
    if gray and not tinted:
        candidates = difference > GRAY_STROKE_DIFFERENCE
        _, labels, stats, _ = cv2.connectedComponentsWithStats(candidates.astype(np.uint8))
        where = np.nonzero(candidates)  # a few percent of the photo: counted there alone
        label, area = labels[where], np.maximum(stats[:, cv2.CC_STAT_AREA], 1)
        pale = np.bincount(label, difference[where], len(area)) / area <= STROKE_DIFFERENCE
        pale[0] = False
        clear = np.zeros_like(strokes, np.uint8)
        clear[where] = strokes[where] & ~pale[label]
        rippled = cv2.dilate(clear, np.ones((2 * RIPPLE_REACH + 1,) * 2, np.uint8)) > 0
        away = np.bincount(label, ~rippled[where], len(area)) / area
        pale &= (area >= PALE_STROKE_SHARE * height * width) & (away >= 0.5)
        strokes[where] |= pale[label]
    strokes &= difference >= HALO_SHARE * cv2.dilate(difference, np.ones((5, 5), np.uint8))
    # A gray brush leaves patches; a copy scaled or cropped by a pixel only thin lines along the photo's edges.
    patches = cv2.erode((lightness_only & ~strokes).astype(np.uint8), np.ones((3, 3), np.uint8))
    share = np.count_nonzero(patches) / (height * width)
    if share >= LIGHTNESS_ONLY_SHARE and not flattened:  # gray strokes: a copy's strokes are told by their color
        log.info(
            "hints: %.1f%% of the painted copy differs from the photo in lightness only (gray strokes?); on a "
            "copy, strokes are told from the photo by their color, so those are no hints: paint gray strokes "
            "on a transparent layer instead",
            100 * share,
        )
    return strokes


def _is_flattened_layer(painted: np.ndarray, original: np.ndarray) -> bool:
    """Whether a painted file is strokes on a flat background (a layer flattened on white or black, whose
    strokes are told by color as a copy's are). A file whose lightness follows the photo's nowhere and is no
    such layer is refused: another photo, or a copy turned by a lost EXIF rotation, whose strokes would land
    anywhere."""
    scale = min(1.0, COPY_CHECK_SIDE / max(original.shape[:2]))
    size = (max(1, round(original.shape[1] * scale)), max(1, round(original.shape[0] * scale)))
    copy_l, photo_l = (
        to_lab(cv2.resize(image, size, interpolation=cv2.INTER_AREA))[:, :, 0] for image in (painted, original)
    )
    differs = np.abs(copy_l - photo_l) > LIGHTNESS_ONLY_DIFFERENCE
    if differs.mean() < 0.2 or _follows(copy_l, photo_l):
        return False
    detail = np.hypot(cv2.Sobel(copy_l, cv2.CV_32F, 1, 0), cv2.Sobel(copy_l, cv2.CV_32F, 0, 1)) / 8
    if detail[differs].mean() < FLAT_DETAIL:
        return True
    turns = [
        k for k in (1, 2, 3) if np.rot90(copy_l, k).shape == photo_l.shape and _follows(np.rot90(copy_l, k), photo_l)
    ]
    raise ValueError(
        "the hints image does not look like a copy of this photo (its lightness follows the photo's nowhere): "
        + (
            _turned(upside_down=turns == [2])
            if turns
            else "give a copy of this photo with strokes painted on it, or a transparent layer of strokes"
        )
    )


def _follows(lightness: np.ndarray, other: np.ndarray) -> bool:
    with np.errstate(invalid="ignore", divide="ignore"):  # a flat image follows nothing
        return bool(np.corrcoef(lightness.ravel(), other.ravel())[0, 1] >= COPY_CORRELATION)


def _said_if_faint(overlay: np.ndarray) -> None:
    """One line when even the most opaque stroke is faint: its region moves only that share of the way."""
    most = int(overlay[:, :, 3].max())
    if 0 < most < FAINT_ALPHA:
        log.info(
            "hints: the strokes are at most %.0f%% opaque, so their regions move at most about that share of the "
            "way to the painted colors",
            100 * most / 255,
        )


def read_hints(path: str | Path, photo: Photo) -> np.ndarray:
    """A hints file (a layer of strokes or a painted copy) as the BGRA overlay for `photo`."""
    return hints_overlay(read_image(path, what="hints image"), photo)


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
