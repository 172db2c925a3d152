"""One transfer from start to finish: each method's new a, b, the per-pixel blend of region
matches with the palette, strength, gamut fit and the final BGR, and the one log line that says
what the reference did to the photo.

`exemplar` and `palette` work on reduced copies; their change of a and b is brought to full
resolution by a guided filter fitted at the reduced size and applied with the full-resolution
L, a and b as guide (He and Sun's fast guided filter), so colour follows the edges of the target
instead of bleeding across them, and neighbours of one lightness but different colours keep
different changes. (With L alone as guide, a colored target's red and blue parts of one
lightness took one mixed change, and its palette came out closer to the target's than wanted.)
`reinhard` is one affine map, applied at full size directly.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

import numpy as np

from ddcolor.checks import require_bgr, require_choice, require_range
from ddcolor.guided import EnlargedModel, guided_coefficients
from ddcolor.lab import AB_MAX, AB_MIN, fit_to_gamut, part_way_to, to_bgr, to_lab
from ddcolor.parallel import map_bands
from ddcolor.transfer.matching import Matches, match_colors, matching_features
from ddcolor.transfer.own_colors import (
    CARRIED_SHARE_FROM_FULL,
    IDENTITY,
    ColorMap,
    carried_onto_palette,
    fit_color_map,
    palette_share,
)
from ddcolor.transfer.palette import ChromaMap, palette_ab
from ddcolor.transfer.reference import (
    MOSTLY_COLORLESS,
    check_reference,
    evenly_sampled,
    resize_to_pixels,
)
from ddcolor.transfer.reinhard import reinhard_ab

TRANSFER_METHODS = ("exemplar", "palette", "reinhard")
# Working resolution of the target and of the reference (about 126 x 126). Both get the same number of
# pixels, so two views of one field show its regions at one scale: the matching's descriptors are not
# scale-invariant. (At 22 000 and 12 000 before, same-size views were matched across a 1.35x change of
# scale; on the tuning part exemplar / reinhard went 0.34 -> 0.29 at the same matching cost.)
WORK_PIXELS = 16_000
# A larger reference is shrunk first (the work reads 16 000 of its pixels and 20 000 samples): 8000 x 6000 took
# 2.5 s and 0.8 GB to check.
MOST_REFERENCE_PIXELS = 4_000_000
# Guided filter of the change, at working size; its guide is Lab / 100. Its radius is the palette's
# where the palette made the change: that smooths colour variations of a texture's scale (stripes of
# one region would take the reference's colours lightness by lightness, in stripes). Where the matches
# or the own-colors map made it, the colours are the reference's own at that place, and the smaller
# radius keeps their detail: with 2 there as well, a gray stereo view came back at 3.87 against 3.45
# (CIEDE2000; tuning and held-out parts: 1.94 -> 1.93 and 1.73 -> 1.71). Radius 0 there lost as many
# pairs as it gained. The two models are mixed per pixel by the share the matches made.
PALETTE_RADIUS, MATCH_RADIUS, SMOOTH_EPS = 2, 1, 1e-4
# Pixels (evenly spread) of the full-size reference whose chroma the palette aims at, and of the enlarged
# photo that the chroma map keeping the palette is fitted on.
CHROMA_SAMPLES = 20_000
CHROMA_SMOOTHING = 2.0  # chroma units the enlarged chromas are blurred by before the map is made (`ChromaMap`)
# A pixel whose new colors the gamut fit takes more than this share of the chroma from counts as one RGB cannot
# show at its lightness; from this share of the photo on, the log line says that the photo changes less there
# (with the gamut fit of session 23: a dark photo given a vivid card or gradient, 58-84% of the jellyfish of the
# twenty-first unseen set, 45-48% with the color wheel; a scene with a black surround, retina, 5-24%, whose
# palette the surround hardly keeps from the reference's).
GAMUT_CHROMA_CUT, GAMUT_LOG_SHARE = 0.25, 0.5
GAMUT_ROW_STEP = 4  # the share is counted on every 4th row: 10-15 ms at 12 MP, a fourth of counting them all

log = logging.getLogger("ddcolor.transfer")


class Reduced(NamedTuple):
    """A transfer at the working size."""

    target: np.ndarray  # the reduced target in Lab
    ab: np.ndarray  # its new a, b
    matched: float  # the share of it matched region by region (mean confidence)
    mapped: float  # the share of the result that the map of its own colors makes (mean trust)
    color_map: ColorMap  # the map the new a, b are taken relative to
    from_matches: np.ndarray  # per pixel, the share of its new a, b that the matches and the map made


def reduced_ab(target_lab: np.ndarray, reference_lab: np.ndarray, method: str) -> Reduced:
    """The transfer at the working size.

    Exemplar: each pixel's region match, weighted by its confidence, and the palette transfer
    for the rest; so an unrelated reference still moves the palette and a same-scene one gives
    region-level colours. Where the matches are the target's own colors under one affine map
    (a faded or tinted target), the photo takes its colors through that map instead, in the share
    that the map is trusted (`own_colors`), the more where its matches are not mutual. Palette: the
    palette transfer alone.
    """
    small_target = resize_to_pixels(target_lab, WORK_PIXELS)
    small_reference = resize_to_pixels(reference_lab, WORK_PIXELS)
    reference_colors = evenly_sampled(reference_lab[:, :, 1:], CHROMA_SAMPLES)
    new_ab = palette_ab(small_target, small_reference, reference_colors.astype(np.float64))
    if method == "palette":
        return Reduced(small_target, new_ab, 0.0, 0.0, IDENTITY, np.zeros(small_target.shape[:2], np.float32))
    matches = match_colors(*matching_features(small_target, small_reference), small_reference)
    new_ab += matches.confidence[:, :, None] * (matches.ab - new_ab)
    guarded = fit_color_map(small_target, matches.ab, matches.confidence, matches.mutual)
    color_map = carried_onto_palette(_more_trusted_fit(guarded, small_target, matches), small_target, small_reference)
    mapped_ab, trust = _through_map(new_ab, small_target, color_map, matches.mutual)
    if (
        color_map is not guarded
        and palette_share(mapped_ab, small_target, small_reference) > CARRIED_SHARE_FROM_FULL[0]
    ):
        # A trust raised past the guarded fit's would take the result away from the reference's palette.
        color_map = guarded
        mapped_ab, trust = _through_map(new_ab, small_target, color_map, matches.mutual)
    from_matches = 1.0 - (1.0 - matches.confidence) * (1.0 - trust)
    return Reduced(
        small_target, mapped_ab, float(matches.confidence.mean()), float(trust.mean()), color_map, from_matches
    )


def _more_trusted_fit(guarded: ColorMap, target_lab: np.ndarray, matches: Matches) -> ColorMap:
    """The map of the target's own colors fitted on the matches' confidences before the crowding guard, where
    it is trusted more than `guarded` (fitted on their confidences); else `guarded`.

    The guard keeps look-alikes from laying the colors of a few textures of the reference over the photo. A
    view of the scene lit another way crowds too: the left half of a portrait lit from the left, its forehead
    brighter than any of the other half's, matches the few brightest pixels there, and its map lost the
    confidence it is fitted with (the twenty-fifth unseen set's man in a blue shirt, desaturated: 9.67
    against 9.24 with no transfer; fitted before the guard, 3.07). Like a trust raised by the palette, it
    is kept only where the result stays near the reference's palette (`reduced_ab`): look-alikes of related
    photos (burgers with a calzone, a fume hood with a lighthouse) also fit maps that keep their spread.
    """
    unguarded = fit_color_map(target_lab, matches.ab, matches.uncrowded_confidence, matches.mutual)
    return unguarded if unguarded.trust > guarded.trust else guarded


def _through_map(
    new_ab: np.ndarray, target_lab: np.ndarray, color_map: ColorMap, mutual: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`new_ab` with the share each pixel trusts the map taken by the target's colors through the whole map,
    and that share. (Moving the colors only `trust` of the way along the map, as before, left a share
    trust x (1 - trust) of the spoiled colors in the result: tuning 1.69 -> 1.59 at the working size.)"""
    trust = color_map.local_trust(mutual)
    return new_ab + trust[:, :, None] * (color_map.apply(target_lab, trust=1.0) - new_ab), trust


def enlarged_ab(target_lab: np.ndarray, reduced: Reduced) -> np.ndarray:
    """Full-resolution new a, b from the change made at the reduced size.

    The change, relative to the target's own colors through `color_map` (applied at full
    resolution, so their detail is kept), is modelled locally as linear in L, a and b (which also
    smooths it within regions of similar color), and that model is applied to the full-resolution
    Lab. The model is fitted over a smaller neighbourhood where the matches made the change than
    where the palette did (MATCH_RADIUS, PALETTE_RADIUS), mixed pixel by pixel. Where the palette
    made the colors, one increasing map of chroma (`ChromaMap`) then gives the enlarged colors back
    the chroma made at the reduced size: the model's windows mix neighbouring regions' colors, and
    the photo drifted from the reference's palette (on unrelated references, the sliced Wasserstein
    share rose by 0.05 on average from the working size; see bench/color_quality.md). Hue stays the model's: a map of
    a and b together brought back, with the palette's colors, its stray ones that the windows had
    smoothed away (a red stripe in a blue region). The matches' colors are left as the model gives
    them: their detail is the target's own.
    """
    height, width = target_lab.shape[:2]
    color_map = reduced.color_map
    change = (reduced.ab - color_map.apply(reduced.target)).astype(np.float32)
    guide = reduced.target / np.float32(100)
    slopes, offsets = guided_coefficients(guide, change, PALETTE_RADIUS, SMOOTH_EPS)
    if reduced.from_matches.any():
        match_slopes, match_offsets = guided_coefficients(guide, change, MATCH_RADIUS, SMOOTH_EPS)
        share = reduced.from_matches[:, :, None].astype(np.float32)
        slopes += share * (match_slopes - slopes)
        offsets += share * (match_offsets - offsets)
    model = EnlargedModel(slopes, offsets, height, width)
    new_ab = np.empty((height, width, 2), np.float32)

    def apply(rows: slice) -> None:  # band by band, so the temporaries stay small
        part = target_lab[rows]
        new_ab[rows] = color_map.apply(part) + model.change(rows, part / np.float32(100))

    map_bands(height, apply)
    palette_made = (1.0 - reduced.from_matches)[:, :, None].astype(np.float32)
    if palette_made.any():
        sample = evenly_sampled(new_ab, CHROMA_SAMPLES)
        chroma = ChromaMap(sample, reduced.ab.reshape(-1, 2), smoothing=CHROMA_SMOOTHING)
        everywhere = bool(palette_made.min() == 1.0)  # the palette alone: no weights to enlarge

        def keep_palette(rows: slice) -> None:
            part = new_ab[rows]
            gain = chroma.gain(part)[:, :, None].astype(np.float32)
            part *= gain if everywhere else 1.0 + model.enlarge(palette_made, rows) * (gain - 1.0)

        map_bands(height, keep_palette)
    return new_ab


def new_ab_for(target_lab: np.ndarray, reference_lab: np.ndarray, method: str) -> tuple[np.ndarray, str]:
    """The target's a, b at full strength for `method`, and the log line saying what happened."""
    if method == "reinhard":
        return (
            reinhard_ab(target_lab, reference_lab),
            "reference (reinhard): the photo's colors took the reference's mean and spread of a and b",
        )
    reduced = reduced_ab(target_lab, reference_lab, method)
    matched, mapped = reduced.matched, reduced.mapped
    if method == "palette":
        said = "reference (palette): the whole photo took the reference's palette, lightness by lightness"
    else:
        own = f"; the photo's own colors were mapped onto the matches ({mapped:.0%})"
        said = (
            f"reference: {matched:.0%} of the photo matched region by region; the rest took the reference's palette"
            + (own if mapped else "")
        )
    return enlarged_ab(target_lab, reduced), said


def validate_transfer(reference_bgr: np.ndarray, *, method: str, strength: float) -> np.ndarray:
    """Check the arguments before any expensive work; returns the reference in float Lab."""
    require_choice("method", method, TRANSFER_METHODS)
    require_range("strength", strength, 0.0, 1.0)
    require_bgr("reference", reference_bgr)
    reference_lab = to_lab(resize_to_pixels(reference_bgr, MOST_REFERENCE_PIXELS))
    colorless = check_reference(reference_lab)
    if colorless >= MOSTLY_COLORLESS and strength > 0.0:
        log.info(
            f"reference: {colorless:.0%} of it is nearly colorless, so the colors it brings are mostly gray; "
            "a more colorful reference brings more color"
        )
    return reference_lab


def transfer_colors(
    target_bgr: np.ndarray, reference_bgr: np.ndarray, method: str = "exemplar", strength: float = 1.0
) -> np.ndarray:
    """Recolor `target_bgr` (uint8 BGR) from `reference_bgr`; the target's L is kept exactly.

    `strength` blends from the target as it is (0) to the full transfer (1).
    """
    reference_lab = validate_transfer(reference_bgr, method=method, strength=strength)
    return transfer_from_lab(target_bgr, reference_lab, method=method, strength=strength)


def transfer_from_lab(target_bgr: np.ndarray, reference_lab: np.ndarray, *, method: str, strength: float) -> np.ndarray:
    """`transfer_colors` with a reference already checked and in Lab (by `validate_transfer`),
    so a batch converts its reference once.

    A `strength` under 1 takes the photo that share of the way to what full strength shows, after the
    gamut fit, not to the colors asked for: where RGB cannot show those (a dark photo, a vivid reference),
    the fit took most of the way back at every strength, and the slider changed nearly nothing between
    0.25 and 1 (a cat at 12% of its lightness with a red-blue card: mean a, b change 18.2, 20.1, 20.2 and
    20.3 at 0.25, 0.5, 0.75 and 1; now 5.1, 10.2, 15.3 and 20.3)."""
    require_bgr("target", target_bgr)
    if strength == 0.0:
        log.info("reference: strength 0, the photo's colors are left as they are")
        return target_bgr.copy()
    target_lab = to_lab(target_bgr)
    new_ab, said = new_ab_for(target_lab, reference_lab, method)
    out = np.empty_like(target_bgr)

    def finish(rows: slice) -> tuple[int, int]:
        lab = target_lab[rows]  # ours to change: made by to_lab above
        before = lab[:, :, 1:].copy() if strength < 1.0 else None
        np.clip(new_ab[rows], AB_MIN, AB_MAX, out=lab[:, :, 1:])
        sampled = lab[::GAMUT_ROW_STEP]
        wanted = sampled[:, :, 1] ** 2 + sampled[:, :, 2] ** 2  # squared chromas, on every few rows
        shown = fit_to_gamut(lab)  # what full strength shows
        kept = shown[::GAMUT_ROW_STEP, :, 1] ** 2 + shown[::GAMUT_ROW_STEP, :, 2] ** 2
        if before is not None:
            shown = part_way_to(shown, before, strength)
        to_bgr(shown, out=out[rows])
        return int(np.count_nonzero(kept < (1.0 - GAMUT_CHROMA_CUT) ** 2 * wanted)), wanted.size

    cut_pixels, sampled_pixels = np.sum(map_bands(target_lab.shape[0], finish), axis=0)
    cut = cut_pixels / sampled_pixels
    gamut = f"; RGB cannot show those colors at the lightness of {cut:.0%} of the photo, so it changes less there"
    at_strength = f" (at strength {strength:g}: that share of the way)" if strength < 1.0 else ""
    log.info(said + at_strength + (gamut if cut >= GAMUT_LOG_SHARE else ""))
    return out
