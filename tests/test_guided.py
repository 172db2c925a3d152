"""Bringing a change made on a reduced copy up to full resolution (ddcolor/guided.py)."""

import cv2
import numpy as np

from ddcolor.guided import EnlargedModel, guided_coefficients


def enlarged(guide_small: np.ndarray, change_small: np.ndarray, guide_full: np.ndarray) -> np.ndarray:
    height, width = guide_full.shape[:2]
    model = EnlargedModel(*guided_coefficients(guide_small, change_small, 2, 1e-4), height, width)
    return model.change(slice(0, height), guide_full.reshape(height, width, -1))


def test_a_change_that_follows_color_not_lightness_survives_with_a_color_guide():
    # Stripes of one lightness, alternately reddish and greenish; the change depends on the color only.
    small = np.zeros((32, 32, 3), np.float32)
    small[:, :, 0] = 0.5
    small[:, ::2, 1], small[:, 1::2, 1] = 0.3, -0.3
    full = cv2.resize(small, (64, 64), interpolation=cv2.INTER_NEAREST)
    change_small = np.repeat(10 * small[:, :, 1:2], 2, axis=2)
    wanted = 10 * full[:, :, 1]

    with_color = enlarged(small, change_small, full)
    lightness_only = enlarged(np.ascontiguousarray(small[:, :, 0]), change_small, full[:, :, :1])

    assert np.abs(with_color[:, :, 0] - wanted).max() < 0.1
    assert np.abs(lightness_only[:, :, 0] - wanted).mean() > 2.5  # one lightness: the stripes get one mixed change


def test_a_lightness_guide_still_follows_lightness_edges():
    small = np.full((32, 32), 0.2, np.float32)
    small[:, 16:] = 0.8
    change = np.where(small > 0.5, 5.0, -5.0).astype(np.float32)[:, :, None]
    full = cv2.resize(small, (128, 128), interpolation=cv2.INTER_NEAREST)

    error = np.abs(enlarged(small, change, full[:, :, None])[:, :, 0] - np.where(full > 0.5, 5.0, -5.0))
    plain = np.abs(cv2.resize(change, (128, 128), interpolation=cv2.INTER_LINEAR) - np.where(full > 0.5, 5.0, -5.0))

    assert error.max() < 1.0  # a step of 10 stays a step: only a little softening right at the edge
    assert error.mean() < 0.3 * plain.mean()  # plain bilinear enlarging blurs it over more pixels
