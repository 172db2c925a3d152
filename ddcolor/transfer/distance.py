"""How far apart two photos' palettes are: the sliced Wasserstein distance between their a, b
distributions. The benchmark and the tests measure the palette transfer with it."""

from __future__ import annotations

import numpy as np

SAMPLES = 20_000
DIRECTIONS = 64
QUANTILES = 256


def _ab_sample(lab: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    ab = lab[:, :, 1:].reshape(-1, 2).astype(np.float64)
    return ab if len(ab) <= SAMPLES else ab[rng.choice(len(ab), SAMPLES, replace=False)]


def sliced_wasserstein_ab(lab_a: np.ndarray, lab_b: np.ndarray) -> float:
    """Mean over evenly spread directions of the 1-D Wasserstein-1 distance of the projected a, b (Lab units)."""
    rng = np.random.default_rng(0)
    first, second = _ab_sample(lab_a, rng), _ab_sample(lab_b, rng)
    angles = np.pi * np.arange(DIRECTIONS) / DIRECTIONS
    directions = np.stack((np.cos(angles), np.sin(angles)))
    levels = (np.arange(QUANTILES) + 0.5) / QUANTILES
    q_first = np.quantile(first @ directions, levels, axis=0)
    q_second = np.quantile(second @ directions, levels, axis=0)
    return float(np.abs(q_first - q_second).mean())
