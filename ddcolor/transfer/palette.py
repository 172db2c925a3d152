"""The reference's palette carried onto the target, conditioned on lightness and surroundings.

Iterative distribution transfer (Pitié, Kokaram and Dahyot, 2005): the target's pixels, as
points, are moved until their distribution is the reference's. Each round picks a random
orthonormal basis, projects both point sets on its axes and moves every target point, along
each axis, to the reference's value at the same quantile (a first round matches lightness
alone). A point is a pixel's L, a and b and two descriptors of the region around it: its
lightness and its contrast, averaged over a large part of the photo but not across strong
edges, so each is nearly constant within a region. L takes part, so dark parts of the target
take the reference's dark colours; the descriptors take part, so pixels of one colour in
different regions may take different colours of the reference (on a gray or nearly one-coloured
photo, L alone would give every pixel of a lightness one colour, the mean of the reference's
colours there, and the reference's spread of hues would be lost). The less colour the target has
of its own, the more the descriptors weigh: a coloured photo's own colours already tell its
regions apart. Only the change of a and b is kept: the target's lightness never changes.

The matching runs on reduced copies. Its result per pixel is noisy (each point moves on its
own), so it becomes a smooth function of the points: the changes of a and b are averaged on a
coarse grid over (L, a, b, descriptors) with a Gaussian (normalized convolution), and every
pixel reads its change from that grid. Pixels of one colour in like regions get one colour, so
there is no grain, and a region's colour changes only where its colour or its descriptors do.

That averaging mixes: where the points of one cell went to unlike colours (red and green, or a
reference's grays and its vivid colours), the mean is grayer than any of them, and the result
would lose the reference's vividness (a colour wheel's ring came out at a third of its chroma)
or blur its grays and vivid parts into one middling chroma. So the smooth colours' chroma is
then given the reference's own chroma distribution, by one increasing map of chroma (quantile to
quantile), its gain then averaged on the grid like the change; hue stays the smooth one, so the
result stays smooth. (Not the distribution the transport reached: its few rounds leave every
point a little off, so a reference gray in most of its pixels reaches small chromas all over, and
a gray photo came back faintly tinted everywhere, farther from the reference than before.)

Lightness rank alone can hand a pixel a colour RGB cannot show at its lightness (a bright photo
given a colour wheel's blues), and the gamut fit then takes most of its chroma: the palette was
right before the fit and far from the reference's after it. So the transport is run twice, once
as above and once with every round ending by bringing each point's a, b within what RGB shows at
its own lightness (the next rounds make up for the chroma lost with the points that can show
it), and the palette is the one whose colors, as RGB shows them, lie nearer the reference's.
Neither alone will do: kept within the gamut, a gray photo given a red and blue card took purple
between the two, farther from the card than by rank.
"""

from __future__ import annotations

import cv2
import numpy as np

from ddcolor.lab import fit_to_gamut, shrunk_to_gamut, to_bgr, to_lab
from ddcolor.parallel import run_together
from ddcolor.transfer.distance import sliced_wasserstein
from ddcolor.transfer.reference import own_chroma

ROUNDS = 12
L_WEIGHT = 1.0  # scale of L against a and b in the matching: how strongly colours follow lightness
# Scale of the descriptors against a and b (both in L units): how strongly colours follow the region.
REGION_WEIGHTS = (2.0, 2.0)  # (lightness around, contrast around)
REGION_SCALE = 0.08  # spatial sigma of the region averages, as a share of the photo's side (sqrt of its pixels)
REGION_EDGE = 10.0  # L difference over which the region averages stop (domain transform's range sigma)
CONTRAST_SCALE = 0.03  # sigma of the local contrast (standard deviation of L), as a share of the side
GRID_L_STEP, GRID_AB_STEP = 100.0 / 16, 4.0  # grid cell sizes in L and in a, b (Lab units)
GRID_REGION = 12  # grid cells over each descriptor's range in the target, at most (see MAX_CELLS)
MAX_CELLS = 600_000  # bound of the grid (time and memory): fewer descriptor cells for a wide palette
GRID_SIGMA = 0.5  # grid cells; the Gaussian is cut at 2 sigma
# A target's own colors already tell its regions apart: the descriptors' weights fall from full on a
# gray target to none at this 90th-percentile chroma (a colored photo keeps its own color structure).
OWN_CHROMA_FULL = 30.0
SEED = 11  # the random bases are fixed, so a photo always gets the same colours
# Nearly gray smooth colours have a hue that means little: their chroma is raised at most this many times.
CHROMA_GAIN_MAX = 3.0
CHROMA_QUANTILES = 101  # points of the increasing chroma map
# The two transports (with and without the gamut in each round) are told apart by the sliced Wasserstein distance
# of what RGB shows of each to the reference's colors, on this many of each and along this many directions.
CHOICE_SAMPLES, CHOICE_DIRECTIONS = 4_000, 16
# The weights, scales, grid and rounds were tuned on bench/color_quality.py's tuning part. ROUNDS was 8
# (as good as 12 on the unrelated pairs) until the held-out part showed the palette's same-scene figures
# worse than before; the tuning part showed it too (hue 120: 10.57 against 10.17 with 12 rounds before
# this module's descriptors), and 12 rounds gave 10.35, so 12 it is again.
# GRID_AB_STEP was 8: pixels of one colour in one cell take one change, so where the reference has two
# colours for them they got the mix. At 4 the tuning part's unrelated pairs went 38 -> 39 of 40 within
# share 0.5 (mean share 0.243 -> 0.230), with the same-scene figures unchanged.


def _match_quantiles(source: np.ndarray, target_sorted: np.ndarray) -> np.ndarray:
    """Each value of `source` replaced by the value of `target_sorted` at the same quantile.

    Equal values keep their order in `source` (a stable sort): `transport` orders the points by
    lightness, so a gray photo's equal a and b are told apart by lightness, not by position.
    """
    order = np.argsort(source, kind="stable")
    quantiles = (np.arange(source.size) + 0.5) / source.size
    grid = (np.arange(target_sorted.size) + 0.5) / target_sorted.size
    out = np.empty_like(source)
    out[order] = np.interp(quantiles, grid, target_sorted)
    return out


def _random_rotation(rng: np.random.Generator, dims: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(dims, dims)))
    return q * np.sign(np.diag(r))


def transport(source: np.ndarray, target: np.ndarray, shown_lightness: np.ndarray | None = None) -> np.ndarray:
    """Points `source` (N, D) moved so that their distribution becomes that of `target` (M, D);
    column 0 (lightness) is matched alone first.

    With `shown_lightness` (N: the L each point will be shown at), columns 1 and 2 are a and b, and every
    round ends by bringing them within what RGB shows at that L: the next rounds then make up for the
    chroma a point could not keep with the points that can show it."""
    rng = np.random.default_rng(SEED)
    by_lightness = np.argsort(source[:, 0], kind="stable")
    moved = source[by_lightness].astype(np.float64)
    goal = target.astype(np.float64)
    moved[:, 0] = _match_quantiles(moved[:, 0], np.sort(goal[:, 0]))
    shown_at = None if shown_lightness is None else shown_lightness[by_lightness]
    dims = source.shape[1]
    for _ in range(ROUNDS):
        basis = _random_rotation(rng, dims)
        projected, goal_projected = moved @ basis, goal @ basis
        for axis in range(dims):
            wanted = _match_quantiles(projected[:, axis], np.sort(goal_projected[:, axis]))
            moved += np.outer(wanted - projected[:, axis], basis[:, axis])
        if shown_at is not None:
            moved[:, 1:3] = shrunk_to_gamut(shown_at, moved[:, 1:3])
    out = np.empty_like(moved)
    out[by_lightness] = moved
    return out


def region_descriptors(lightness: np.ndarray) -> np.ndarray:
    """(H, W, 2) the lightness and the contrast around each pixel, averaged within its region.

    Scales are shares of the photo's side, so a target and a reference of different sizes are
    described alike; the averaging is edge-aware (a domain transform filter guided by L), so the
    descriptors change at the photo's edges rather than in halos around them.
    """
    side = float(np.sqrt(lightness.size))
    sigma = CONTRAST_SCALE * side
    mean = cv2.GaussianBlur(lightness, (0, 0), sigma)
    square = cv2.GaussianBlur(lightness * lightness, (0, 0), sigma)
    contrast = np.sqrt(np.maximum(square - mean * mean, 0.0))
    raw = np.ascontiguousarray(np.stack((lightness, contrast), axis=2))
    averaged = cv2.ximgproc.dtFilter(lightness, raw, REGION_SCALE * side, REGION_EDGE, mode=cv2.ximgproc.DTF_RF)
    return averaged.reshape(*lightness.shape, 2)


class _Grid:
    """A coarse regular grid over the span the points occupy: fixed cell sizes in L, a and b, and
    up to GRID_REGION cells over each descriptor's range. Each point spreads over its 2^D
    surrounding nodes with multilinear weights (`index`, `weight`: corner-major, then point)."""

    def __init__(self, points: np.ndarray) -> None:
        dims = points.shape[1]
        reach = int(np.ceil(2 * GRID_SIGMA))  # nodes beyond the points that the blur reaches
        step = np.array([GRID_L_STEP, GRID_AB_STEP, GRID_AB_STEP])
        first = np.floor(points[:, :3].min(0) / step) - reach
        cells = (np.ceil(points[:, :3].max(0) / step) + reach - first + 1).astype(np.int64)
        region_cells = int(np.clip((MAX_CELLS / np.prod(cells)) ** (1 / max(dims - 3, 1)), 2, GRID_REGION))
        low, high = points[:, 3:].min(0), points[:, 3:].max(0)
        step = np.concatenate((step, np.maximum(high - low, 1e-3) / (region_cells - 1)))
        low = np.concatenate((first * step[:3], low))
        self.shape = (*(int(c) for c in cells), *([region_cells] * (dims - 3)))
        coords = np.clip((points - low) / step, 0.0, np.array(self.shape) - 1 - 1e-6)
        base = np.floor(coords).astype(np.int64)
        frac = coords - base
        strides = np.cumprod((1, *self.shape[::-1]))[-2::-1]
        index, weight = (base @ strides)[None], np.ones((1, len(points)))
        for axis in range(dims):  # the corners, doubled axis by axis
            index = np.concatenate((index, index + strides[axis]))
            weight = np.concatenate((weight * (1 - frac[:, axis]), weight * frac[:, axis]))
        self.index, self.weight = index.reshape(-1), weight.reshape(-1)

    def splat(self, values: np.ndarray) -> np.ndarray:
        """The grid of `values` (one per point) spread over the nodes."""
        repeated = np.tile(values, self.index.size // values.size)
        return np.bincount(self.index, self.weight * repeated, int(np.prod(self.shape))).reshape(self.shape)

    def read(self, grid: np.ndarray) -> np.ndarray:
        """(N, C) multilinear interpolation at each point of `grid` (*shape, C)."""
        channels = grid.shape[-1]
        weighted = self.weight[:, None] * grid.reshape(-1, channels)[self.index]
        return weighted.reshape(2 ** len(self.shape), -1, channels).sum(0)


def _blur(grid: np.ndarray) -> np.ndarray:
    """Gaussian blur (sigma GRID_SIGMA cells) of a grid of channels (last axis) along every other
    axis, zero outside: each axis in turn is brought to the front and filtered as an image's rows."""
    radius = int(np.ceil(2 * GRID_SIGMA))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / GRID_SIGMA) ** 2).astype(np.float32)
    taps /= taps.sum()
    grid = np.ascontiguousarray(grid, dtype=np.float32)
    axes = grid.ndim - 1
    for _ in range(axes):
        rows = grid.reshape(grid.shape[0], -1, grid.shape[-1])
        filtered = cv2.sepFilter2D(rows, -1, np.ones(1, np.float32), taps, borderType=cv2.BORDER_CONSTANT)
        grid = np.ascontiguousarray(np.moveaxis(filtered.reshape(grid.shape), 0, axes - 1))
    return grid


def smooth_values(grid: _Grid, values: np.ndarray) -> np.ndarray:
    """`values` (N, C) of the grid's points (N, D: L, a, b, descriptors) as a smooth function of
    them, read at each point."""
    count = grid.splat(np.ones(len(values)))
    sums = _blur(np.stack([count] + [grid.splat(c) for c in values.T], axis=-1))
    means = sums[..., 1:] / np.maximum(sums[..., :1], 1e-9)
    return grid.read(means)


class ChromaMap:
    """One increasing map of chroma, quantile to quantile, from the chroma distribution of some colors
    (N, 2) onto that of others (M, 2: any number); applied as a gain, so each color keeps its hue.

    Where many source colors share nearly one chroma (a flat region) and the wanted ones spread, the
    map is steep there and would make the region's slight changes of chroma visible; `smoothing`
    (chroma units) blurs the source's chromas by that much (Gaussian noise, drawn alike every time)
    before their quantiles are taken, which widens such a spike and bounds the map's slope on it.
    """

    def __init__(self, source_ab: np.ndarray, wanted_ab: np.ndarray, smoothing: float = 0.0) -> None:
        levels = np.linspace(0.0, 100.0, CHROMA_QUANTILES)
        chroma = np.hypot(source_ab[:, 0], source_ab[:, 1])
        if smoothing > 0.0:
            chroma = chroma + np.random.default_rng(SEED).normal(0.0, smoothing, chroma.size)
        self.source = np.percentile(chroma, levels)
        self.wanted = np.percentile(np.hypot(wanted_ab[:, 0], wanted_ab[:, 1]), levels)

    def gain(self, ab: np.ndarray) -> np.ndarray:
        """The factor for each color of `ab` (..., 2), shape (...): at most CHROMA_GAIN_MAX."""
        chroma = np.hypot(ab[..., 0], ab[..., 1])
        mapped = np.interp(chroma, self.source, self.wanted)
        return np.minimum(mapped / np.maximum(chroma, 1e-6), CHROMA_GAIN_MAX)


def restore_chroma(grid: _Grid, ab: np.ndarray, wanted_ab: np.ndarray) -> np.ndarray:
    """`ab` (N, 2) of the grid's points with its chroma mapped, quantile to quantile, onto the
    chroma distribution of `wanted_ab` (M, 2: any number of colours); each colour keeps its hue.

    The gain is made a smooth function of the points, as the change is: where the wanted chromas
    are a few exact values (a card's) and the smooth ones close together, the map has steep steps,
    and a region's slight changes of chroma would become visible unevenness.
    """
    return ab * smooth_values(grid, ChromaMap(ab, wanted_ab).gain(ab)[:, None])


def palette_ab(
    target_lab: np.ndarray, reference_lab: np.ndarray, reference_colors: np.ndarray | None = None
) -> np.ndarray:
    """(H, W, 2) ab of the (reduced) target carrying the (reduced) reference's palette, lightness by lightness
    and region by region. Its chroma is aimed at that of `reference_colors` (N, 2: a, b of the full-size
    reference, where its small vivid details are not yet averaged away; the reduced one's when not given)."""
    shape = target_lab.shape[:2]
    colorless = float(np.clip(1.0 - own_chroma(target_lab) / OWN_CHROMA_FULL, 0.0, 1.0))

    def points(lab: np.ndarray) -> np.ndarray:
        if colorless == 0.0:  # a colourful target: L, a and b alone, in the transport and the grid
            return lab.reshape(-1, 3).astype(np.float64)
        descriptors = region_descriptors(np.ascontiguousarray(lab[:, :, 0], dtype=np.float32))
        return np.concatenate((lab, descriptors), axis=2).reshape(-1, 5).astype(np.float64)

    source = points(target_lab)
    weight = np.array([L_WEIGHT, 1.0, 1.0, *(colorless * np.array(REGION_WEIGHTS))])[: source.shape[1]]
    goal = points(reference_lab) * weight
    grid = _Grid(source)
    wanted = reference_lab[:, :, 1:].reshape(-1, 2) if reference_colors is None else reference_colors
    lightness = source[:, 0]
    every = max(1, len(wanted) // CHOICE_SAMPLES)
    step = max(1, len(source) // CHOICE_SAMPLES)

    def candidate(shown_lightness: np.ndarray | None) -> tuple[float, np.ndarray]:
        """(how far RGB shows it from the reference's colors, the palette)"""
        moved = transport(source * weight, goal, shown_lightness)
        smoothed = source[:, 1:3] + smooth_values(grid, moved[:, 1:3] - source[:, 1:3])
        ab = restore_chroma(grid, smoothed, wanted)
        shown = _shown_ab(lightness[::step], ab[::step])
        return sliced_wasserstein(shown, wanted[::every], directions=CHOICE_DIRECTIONS), ab

    candidates = run_together(lambda: candidate(None), lambda: candidate(lightness))  # independent: on two threads
    nearest = min(candidates, key=lambda candidate: candidate[0])[1]  # the first on a tie
    return nearest.reshape(*shape, 2).astype(np.float32)


def _shown_ab(lightness: np.ndarray, ab: np.ndarray) -> np.ndarray:
    """(N, 2) the a, b that RGB shows for colors (N, 2) at `lightness` (N), after the gamut fit the result gets."""
    lab = np.concatenate((lightness[:, None], ab), axis=1).astype(np.float32)[None]
    return to_lab(to_bgr(fit_to_gamut(lab)))[0, :, 1:].astype(np.float64)
