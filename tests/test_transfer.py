"""Reference color transfer: properties every method must have, and region-by-region quality."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from skimage import data as skdata
from skimage.color import deltaE_ciede2000

from conftest import gradient_photo
from ddcolor import transfer_colors
from ddcolor.lab import to_lab
from ddcolor.transfer import TRANSFER_METHODS, coherent_weights, reinhard_ab


def photo(name: str, scale: float = 0.5) -> np.ndarray:
    bgr = cv2.cvtColor(getattr(skdata, name)(), cv2.COLOR_RGB2BGR)
    return cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def gray_version(bgr: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)


def ciede2000(a: np.ndarray, b: np.ndarray) -> float:
    return float(deltaE_ciede2000(to_lab(a), to_lab(b)).mean())


@pytest.mark.parametrize("method", TRANSFER_METHODS)
def test_lightness_is_kept(method):
    target, reference = gray_version(photo("chelsea")), photo("coffee")
    out = transfer_colors(target, reference, method=method)
    assert out.shape == target.shape and out.dtype == np.uint8
    l_diff = np.abs(to_lab(out)[:, :, 0] - to_lab(target)[:, :, 0])
    assert np.median(l_diff) < 0.5 and np.percentile(l_diff, 99) < 3  # only uint8 rounding and gamut clipping


@pytest.mark.parametrize("method", TRANSFER_METHODS)
def test_strength_zero_is_the_identity(method):
    target = photo("chelsea")
    assert np.array_equal(transfer_colors(target, photo("coffee"), method=method, strength=0.0), target)


@pytest.mark.parametrize("method", TRANSFER_METHODS)
def test_strength_blends_between_none_and_full(method):
    target, reference = photo("chelsea"), photo("coffee")
    half = ciede2000(transfer_colors(target, reference, method=method, strength=0.5), target)
    full = ciede2000(transfer_colors(target, reference, method=method, strength=1.0), target)
    assert 0 < half < full


@pytest.mark.parametrize("method", TRANSFER_METHODS)
def test_a_reference_identical_to_the_target_changes_almost_nothing(method):
    target = photo("astronaut")
    assert ciede2000(transfer_colors(target, target, method=method), target) < 3.0  # about one just-noticeable step


def test_gray_reference_is_refused_clearly():
    with pytest.raises(ValueError, match="reference is not a color photo"):
        transfer_colors(photo("chelsea"), gray_version(photo("coffee")))


@pytest.mark.parametrize(
    ("target_shape", "reference_shape"), [((1, 1), (40, 60)), ((5, 300), (300, 5)), ((97, 31), (8, 8))]
)
def test_any_size_and_aspect_ratio(target_shape, reference_shape):
    target = gradient_photo(*target_shape, seed=1)
    reference = gradient_photo(*reference_shape, seed=2)
    for method in TRANSFER_METHODS:
        assert transfer_colors(target, reference, method=method).shape == (*target_shape, 3)


def test_reinhard_matches_the_reference_statistics():
    target, reference = photo("chelsea"), photo("coffee")
    ref = to_lab(reference)
    out = reinhard_ab(to_lab(target), ref)
    out = np.concatenate([np.zeros_like(out[:, :, :1]), out], axis=2)  # statistics before gamut fitting
    for channel in (1, 2):
        assert out[:, :, channel].mean() == pytest.approx(ref[:, :, channel].mean(), abs=1.5)
        assert out[:, :, channel].std() == pytest.approx(ref[:, :, channel].std(), rel=0.1)


def test_exemplar_carries_colors_region_by_region_better_than_reinhard():
    truth = photo("astronaut")
    reference = cv2.resize(truth[:, ::-1], None, fx=0.8, fy=0.8, interpolation=cv2.INTER_AREA)
    target = gray_version(truth)
    exemplar = ciede2000(transfer_colors(target, reference, method="exemplar"), truth)
    reinhard = ciede2000(transfer_colors(target, reference, method="reinhard"), truth)
    assert exemplar < 0.5 * reinhard < ciede2000(target, truth)


def test_matches_that_agree_with_their_neighbours_win_over_scattered_ones():
    rng = np.random.default_rng(0)
    ys, xs = np.mgrid[0:40, 0:50].astype(np.float32)
    smooth = np.stack((ys, 49 - xs), axis=2)  # a mirrored correspondence
    scattered = rng.uniform(0, 50, (40, 50, 2)).astype(np.float32)
    positions = torch.from_numpy(np.stack((smooth, scattered), axis=2))
    prior = torch.tensor([0.4, 0.6]).expand(40, 50, 2)  # similarity alone prefers the scattered one
    weights = coherent_weights(positions, prior)
    assert weights.shape == (40, 50, 2) and torch.allclose(weights.sum(-1), torch.ones(40, 50))
    assert float(weights[:, :, 0].mean()) > 0.9


def test_unrelated_reference_does_not_make_things_worse():
    truth = photo("rocket")
    target = gray_version(truth)
    assert ciede2000(transfer_colors(target, photo("retina", 0.25)), truth) <= ciede2000(target, truth) + 1e-6


def test_colorizer_applies_the_reference_after_the_model(tiny_colorizer):
    image, reference = photo("chelsea", 0.25), photo("coffee", 0.25)
    plain = tiny_colorizer.colorize(image)
    steered = tiny_colorizer.colorize(image, reference=reference, reference_method="reinhard")
    assert np.array_equal(steered, transfer_colors(plain, reference, method="reinhard"))
    with pytest.raises(ValueError, match="strength"):
        tiny_colorizer.colorize(image, reference=reference, reference_strength=2.0)
