"""A change computed on a reduced copy, brought to full resolution along the photo's own edges.

He et al.'s guided filter models the change locally as linear in the guide: fitted at a reduced
size, its coefficients are enlarged and applied to the full-resolution guide (He and Sun's fast
guided filter), so the result follows the full-resolution edges instead of the blocky outline of
the reduced copy. The hints bring their change up this way with L as the guide; the reference
transfer with L, a and b (a change that depends on a pixel's color, not only on its lightness).
"""

from __future__ import annotations

import cv2
import numpy as np


def guided_coefficients(
    guide: np.ndarray, source: np.ndarray, radius: int, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    """The guided filter's local linear model, smoothed: `source` (H, W, C) ~ sum_g a_g * guide_g + b.

    `guide` is (H, W) or (H, W, G); `a` comes back as (H, W, G * C), guide channel by guide channel,
    and `b` as (H, W, C). With several guide channels (He et al.'s color guide) the model tells
    apart neighbours of one lightness and different colors.
    """
    guide = guide if guide.ndim == 3 else guide[:, :, None]
    height, width, channels = guide.shape
    size = (2 * radius + 1, 2 * radius + 1)

    def box(x: np.ndarray) -> np.ndarray:  # every trailing axis taken as channels of one image
        flat = np.ascontiguousarray(x.reshape(height, width, -1), dtype=np.float32)
        return cv2.boxFilter(flat, cv2.CV_32F, size, borderType=cv2.BORDER_REFLECT).reshape(x.shape)

    mean_g, mean_s = box(guide), box(source)
    cov_gg = box(guide[:, :, :, None] * guide[:, :, None, :]) - mean_g[:, :, :, None] * mean_g[:, :, None, :]
    cov_gs = box(guide[:, :, :, None] * source[:, :, None, :]) - mean_g[:, :, :, None] * mean_s[:, :, None, :]
    if channels == 1:  # a division is all the solve is
        a = cov_gs / (cov_gg + np.float32(eps))
    else:
        a = np.linalg.solve(cov_gg + np.float32(eps) * np.eye(channels, dtype=np.float32), cov_gs)
    b = mean_s - np.einsum("hwgc,hwg->hwc", a, mean_g)
    return box(a.reshape(height, width, -1)), box(b)


class EnlargedModel:
    """The coefficients (a, b) of `guided_coefficients` enlarged bilinearly to (height, width),
    row band by row band, so no full-size float copy of them is ever made."""

    def __init__(self, a: np.ndarray, b: np.ndarray, height: int, width: int) -> None:
        channels = b.shape[2]
        # One contiguous (H, W, C) image per guide channel, and b: remap is fastest on few channels.
        self.slopes = [
            np.ascontiguousarray(a[:, :, g : g + channels], dtype=np.float32) for g in range(0, a.shape[2], channels)
        ]
        self.offset = np.ascontiguousarray(b, dtype=np.float32)
        small_height, small_width = a.shape[:2]
        # cv2.resize's pixel-centre mapping; remap's replicated border clamps like resize does
        self.source_x = ((np.arange(width) + 0.5) * (small_width / width) - 0.5).astype(np.float32)
        self.source_y = ((np.arange(height) + 0.5) * (small_height / height) - 0.5).astype(np.float32)

    def enlarge(self, small: np.ndarray, rows: slice) -> np.ndarray:
        """These rows of `small` (an image of the reduced size, (h, w, C) float32) enlarged bilinearly."""
        count, width = rows.stop - rows.start, self.source_x.size
        map_x = np.ascontiguousarray(np.broadcast_to(self.source_x, (count, width)))
        map_y = np.ascontiguousarray(np.broadcast_to(self.source_y[rows, None], (count, width)))
        enlarged = cv2.remap(small, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        return enlarged.reshape(count, width, -1)

    def change(self, rows: slice, guide: np.ndarray) -> np.ndarray:
        """The change for these rows, given their full-resolution guide (rows, W, G), scaled as in the fit."""
        out = self.enlarge(self.offset, rows)
        for g, slope in enumerate(self.slopes):
            term = self.enlarge(slope, rows)
            term *= guide[:, :, g : g + 1]
            out += term
        return out
