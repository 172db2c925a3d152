"""Reinhard et al.'s transfer: the reference's global mean and standard deviation of a and b."""

from __future__ import annotations

import cv2
import numpy as np


def reinhard_ab(target_lab: np.ndarray, reference_lab: np.ndarray) -> np.ndarray:
    """Target ab with the reference's per-channel mean and standard deviation (one affine pass)."""
    (t_mean, t_std), (r_mean, r_std) = ([v[1:, 0] for v in cv2.meanStdDev(lab)] for lab in (target_lab, reference_lab))
    scale = np.where(t_std > 1e-6, r_std / np.maximum(t_std, 1e-6), 0.0)
    affine = np.zeros((2, 4))  # rows: a, b from (L, a, b, 1)
    affine[[0, 1], [1, 2]] = scale
    affine[:, 3] = r_mean - scale * t_mean
    return cv2.transform(target_lab, affine).reshape((*target_lab.shape[:2], 2))
