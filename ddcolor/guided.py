"""A change computed on a reduced copy, brought to full resolution along the photo's own edges.

He et al.'s guided filter models the change locally as linear in the guide (here L): fitted at
a reduced size, its coefficients are enlarged and applied to the full-resolution L (He and Sun's
fast guided filter), so the result follows the full-resolution edges instead of the blocky
outline of the reduced copy. The reference transfer and the hints both bring their change up
this way.
"""

from __future__ import annotations

import cv2
import numpy as np


def guided_coefficients(
    guide: np.ndarray, source: np.ndarray, radius: int, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    """The guided filter's local linear model: `source` (H, W, C) ~ a * guide + b, smoothed."""
    size = (2 * radius + 1, 2 * radius + 1)

    def box(x: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(x, cv2.CV_32F, size, borderType=cv2.BORDER_REFLECT).reshape(x.shape)

    mean_g = box(guide)[:, :, None]
    var_g = box(guide * guide)[:, :, None] - mean_g * mean_g
    mean_s = box(source)
    cov = box(guide[:, :, None] * source) - mean_g * mean_s
    a = cov / (var_g + eps)
    b = mean_s - a * mean_g
    return box(a), box(b)


class EnlargedModel:
    """The coefficients (a, b) of `guided_coefficients` enlarged bilinearly to (height, width),
    row band by row band, so no full-size float copy of them is ever made."""

    def __init__(self, a: np.ndarray, b: np.ndarray, height: int, width: int) -> None:
        self.coefficients = np.ascontiguousarray(np.concatenate((a, b), axis=2), dtype=np.float32)
        self.channels = a.shape[2]
        small_height, small_width = a.shape[:2]
        # cv2.resize's pixel-centre mapping; remap's replicated border clamps like resize does
        self.source_x = ((np.arange(width) + 0.5) * (small_width / width) - 0.5).astype(np.float32)
        self.source_y = ((np.arange(height) + 0.5) * (small_height / height) - 0.5).astype(np.float32)

    def change(self, rows: slice, lightness: np.ndarray) -> np.ndarray:
        """The change for these rows, given their full-resolution L (rows, W, 1) in [0, 100]."""
        count, width = rows.stop - rows.start, self.source_x.size
        map_x = np.broadcast_to(self.source_x, (count, width))
        map_y = np.broadcast_to(self.source_y[rows, None], (count, width))
        model = cv2.remap(
            self.coefficients,
            np.ascontiguousarray(map_x),
            np.ascontiguousarray(map_y),
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        ).reshape(count, width, -1)
        c = self.channels
        return model[:, :, :c] * (lightness / np.float32(100)) + model[:, :, c:]
