"""The reference's palette carried onto the target, conditioned on lightness.

Iterative distribution transfer (Pitié, Kokaram and Dahyot, 2005): the target's pixels, as
points (L, a, b), are moved until their distribution is the reference's. Each round picks a
random orthonormal basis, projects both point sets on its three axes and moves every target
point, along each axis, to the reference's value at the same quantile (a first round matches
lightness alone). L takes part in the matching, so dark parts of the target take the
reference's dark colours and bright parts its bright ones, but only the change of a and b is
kept: the target's lightness never changes.

The matching runs on reduced copies. Its result per pixel is noisy (each point moves on its
own), so it becomes a smooth function of colour: the changes of a and b are averaged on a
coarse (L, a, b) grid with a Gaussian (normalized convolution), and every pixel reads its
change from that grid. Pixels of equal colour then get equal colours, so there is no grain.
"""

from __future__ import annotations

import cv2
import numpy as np

ROUNDS = 12
L_WEIGHT = 1.0  # scale of L against a and b in the matching: how strongly colours follow lightness
GRID_L, GRID_AB = 17, 33  # grid cells over L in [0, 100] and over a, b in [-128, 128]
GRID_SIGMA = 0.5  # grid cells; tuned on bench/color_quality.py's tuning part
SEED = 11  # the random bases are fixed, so a photo always gets the same colours


def _match_quantiles(source: np.ndarray, target_sorted: np.ndarray, tiebreak: np.ndarray) -> np.ndarray:
    """Each value of `source` replaced by the value of `target_sorted` at the same quantile.

    Equal values are ordered by `tiebreak` (the points' lightness): a gray photo's a and b are
    all equal, and ordering them by position in the photo would couple colors to position.
    """
    order = np.lexsort((tiebreak, source))
    quantiles = (np.arange(source.size) + 0.5) / source.size
    grid = (np.arange(target_sorted.size) + 0.5) / target_sorted.size
    out = np.empty_like(source)
    out[order] = np.interp(quantiles, grid, target_sorted)
    return out


def _random_rotation(rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    return q * np.sign(np.diag(r))


def transport(source: np.ndarray, target: np.ndarray, rounds: int = ROUNDS) -> np.ndarray:
    """Points `source` (N, 3) moved so that their distribution becomes that of `target` (M, 3)."""
    rng = np.random.default_rng(SEED)
    moved = source.astype(np.float64).copy()
    goal = target.astype(np.float64)
    tiebreak = moved[:, 0].copy()
    moved[:, 0] = _match_quantiles(moved[:, 0], np.sort(goal[:, 0]), tiebreak)  # lightness first, alone
    for _ in range(rounds):
        basis = _random_rotation(rng)
        projected, goal_projected = moved @ basis, goal @ basis
        for axis in range(3):
            wanted = _match_quantiles(projected[:, axis], np.sort(goal_projected[:, axis]), tiebreak)
            moved += np.outer(wanted - projected[:, axis], basis[:, axis])
    return moved


def _grid_coordinates(lab: np.ndarray) -> np.ndarray:
    """(N, 3) continuous grid coordinates of Lab colours."""
    scale = np.array([(GRID_L - 1) / 100.0, (GRID_AB - 1) / 256.0, (GRID_AB - 1) / 256.0])
    offset = np.array([0.0, 128.0, 128.0])
    upper = np.array([GRID_L - 1, GRID_AB - 1, GRID_AB - 1], dtype=np.float64)
    return np.clip((lab + offset) * scale, 0.0, upper - 1e-6)


def _corners(coords: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Trilinear (flat cell index, weight) pairs of each point's eight surrounding grid nodes."""
    base = np.floor(coords).astype(np.int64)
    frac = coords - base
    corners = []
    for dl in (0, 1):
        for da in (0, 1):
            for db in (0, 1):
                weight = (
                    (frac[:, 0] if dl else 1 - frac[:, 0])
                    * (frac[:, 1] if da else 1 - frac[:, 1])
                    * (frac[:, 2] if db else 1 - frac[:, 2])
                )
                index = ((base[:, 0] + dl) * GRID_AB + base[:, 1] + da) * GRID_AB + base[:, 2] + db
                corners.append((index, weight))
    return corners


def _blur_grid(grid: np.ndarray) -> np.ndarray:
    """Gaussian blur of a (GRID_L, GRID_AB, GRID_AB) grid along all three axes."""
    ab_blurred = np.stack([cv2.GaussianBlur(plane, (0, 0), GRID_SIGMA) for plane in grid.astype(np.float32)])
    flat = ab_blurred.reshape(GRID_L, -1)
    size = 2 * int(np.ceil(3 * GRID_SIGMA)) + 1
    return cv2.GaussianBlur(flat, (1, size), sigmaX=0, sigmaY=GRID_SIGMA).reshape(grid.shape)


def smooth_change(colors: np.ndarray, change: np.ndarray) -> np.ndarray:
    """`change` (N, 2) of the points `colors` (N, 3 Lab) as a smooth function of colour, read back at each point."""
    corners = _corners(_grid_coordinates(colors))
    cells = GRID_L * GRID_AB * GRID_AB
    total = np.zeros(cells)
    sums = np.zeros((2, cells))
    for index, weight in corners:
        total += np.bincount(index, weight, cells)
        for channel in range(2):
            sums[channel] += np.bincount(index, weight * change[:, channel], cells)
    shape = (GRID_L, GRID_AB, GRID_AB)
    total = _blur_grid(total.reshape(shape)).reshape(-1).astype(np.float64)
    means = [_blur_grid(s.reshape(shape)).reshape(-1) / np.maximum(total, 1e-9) for s in sums]
    out = np.zeros_like(change)
    for index, weight in corners:
        for channel in range(2):
            out[:, channel] += weight * means[channel][index]
    return out


def palette_ab(target_lab: np.ndarray, reference_lab: np.ndarray) -> np.ndarray:
    """(H, W, 2) ab of the (reduced) target carrying the (reduced) reference's palette, lightness by lightness."""
    shape = target_lab.shape[:2]
    weight = np.array([L_WEIGHT, 1.0, 1.0])
    source = target_lab.reshape(-1, 3).astype(np.float64)
    moved = transport(source * weight, reference_lab.reshape(-1, 3) * weight)
    change = moved[:, 1:] - source[:, 1:]
    smoothed = smooth_change(source, change)
    return (source[:, 1:] + smoothed).reshape(*shape, 2).astype(np.float32)
