"""The network and pipeline reproduce the official implementation on the shared goldens."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from conftest import reference_file
from ddcolor import Colorizer


@pytest.mark.parametrize("size", ["tiny", "large"])
def test_synthetic_weights_match_the_reference_fill(size, official_state):
    expected = json.loads(reference_file("weight_fill_checks.json").read_text())[size]
    state = official_state(size)
    total = sum(float(t.double().sum()) for t in state.values() if t.dtype == torch.float32)
    assert total == pytest.approx(expected["sum_of_all_float_entries"], abs=1e-2)
    for name, first3 in expected["first3"].items():
        np.testing.assert_allclose(state[name].flatten()[:3].numpy(), first3, atol=1e-7)


@pytest.mark.parametrize("size", ["tiny", "large"])
def test_model_matches_official_golden(size, request):
    checkpoint = request.getfixturevalue(f"{size}_checkpoint")
    golden = np.load(reference_file(f"golden_model_{size}_64.npz"))
    colorizer = Colorizer.from_checkpoint(checkpoint, model_size=size, input_size=64, device="cpu")
    model = colorizer.model
    x = torch.from_numpy(golden["x"])
    with torch.inference_mode():
        features = model.encoder((x - model.mean) / model.std)
        query_maps = model.query_maps(x)
        y = model(x)
    for index, feature in enumerate(features):
        np.testing.assert_allclose(feature.numpy(), golden[f"feat_norm{index}"], atol=1e-4, rtol=1e-4)
    np.testing.assert_allclose(query_maps[:, :8].numpy(), golden["decoder_out_q0_7"], atol=1e-4, rtol=1e-4)
    assert y.shape == (1, 2, 64, 64)
    assert np.abs(y.numpy() - golden["y"]).max() <= 1e-4


def test_pipeline_nearest_mode_reproduces_official_output(tiny_colorizer, golden_pipeline):
    out = tiny_colorizer.colorize(golden_pipeline["input_bgr"], upsample="nearest")
    assert out.shape == golden_pipeline["output_bgr"].shape and out.dtype == np.uint8
    diff = np.abs(out.astype(int) - golden_pipeline["output_bgr"].astype(int))
    assert diff.max() <= 1
    assert (diff > 0).mean() <= 0.005


def test_smooth_upsampling_is_not_parity_mode(tiny_colorizer, golden_pipeline):
    """Guards the parity test's tolerance: a different upsampling must be caught by it."""
    out = tiny_colorizer.colorize(golden_pipeline["input_bgr"], upsample="bilinear")
    diff = np.abs(out.astype(int) - golden_pipeline["output_bgr"].astype(int))
    assert (diff > 0).mean() > 0.005
