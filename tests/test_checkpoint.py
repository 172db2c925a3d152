"""Loading checkpoints: official layouts accepted, anything else refused with the keys named."""

from __future__ import annotations

import logging
import os
import stat

import numpy as np
import pytest
import torch

from ddcolor import Colorizer
from ddcolor.checkpoint import CheckpointError, cache_path_for, load_model, load_package_state
from ddcolor.synthetic import write_official_checkpoint


def colorize_with(checkpoint, image, **kwargs):
    return Colorizer.from_checkpoint(checkpoint, model_size="tiny", input_size=64, device="cpu", **kwargs).colorize(
        image, upsample="nearest"
    )


def test_bare_state_dict_with_head_cls_keys_loads(tmp_path, official_state, golden_pipeline):
    state = dict(official_state("tiny"))
    state["encoder.arch.head_cls.weight"] = torch.zeros(4, 768)
    state["encoder.arch.head_cls.bias"] = torch.zeros(4)
    path = tmp_path / "pytorch_model.bin"
    torch.save(state, path)  # the per-model hub repos store a bare state dict
    out = colorize_with(path, golden_pipeline["input_bgr"])
    assert np.abs(out.astype(int) - golden_pipeline["output_bgr"].astype(int)).max() <= 1


def test_missing_key_is_named(tmp_path, official_state):
    state = dict(official_state("tiny"))
    del state["decoder.color_decoder.query_feat.weight"]
    path = write_official_checkpoint(tmp_path / "broken.pth", state)
    with pytest.raises(CheckpointError, match=r"missing: color_decoder\.query_feat\.weight"):
        load_model(path, model_size="tiny", use_cache=False)


def test_unexpected_key_is_named(tmp_path, official_state):
    state = dict(official_state("tiny"))
    state["decoder.extra.weight"] = torch.zeros(3)
    path = write_official_checkpoint(tmp_path / "extra.pth", state)
    with pytest.raises(CheckpointError, match=r"unexpected: pixel_decoder\.extra\.weight"):
        load_model(path, model_size="tiny", use_cache=False)


def test_misshapen_key_is_named_with_both_shapes(tmp_path, official_state):
    state = dict(official_state("tiny"))
    state["decoder.color_decoder.level_embed.weight"] = torch.zeros(4, 256)
    path = write_official_checkpoint(tmp_path / "shape.pth", state)
    with pytest.raises(CheckpointError, match=r"level_embed\.weight \(file \(4, 256\), model \(3, 256\)\)"):
        load_model(path, model_size="tiny", use_cache=False)


def test_tiny_file_for_large_model_says_which_model_it_holds(tiny_checkpoint):
    with pytest.raises(CheckpointError, match="holds the tiny DDColor model, but the large model was asked for"):
        load_model(tiny_checkpoint, model_size="large", use_cache=False)


def test_code_in_a_pickle_is_never_run(tmp_path):
    class Exploit:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    path = tmp_path / "evil.pth"
    torch.save({"params": Exploit()}, path)
    with pytest.raises(CheckpointError, match="cannot read checkpoint"):
        load_model(path, model_size="tiny", use_cache=False)
    assert not (tmp_path / "pwned").exists()


def test_safetensors_cache_is_written_and_gives_identical_output(tmp_path, official_state, golden_pipeline):
    path = write_official_checkpoint(tmp_path / "ddcolor_paper_tiny.pth", official_state("tiny"))
    first = colorize_with(path, golden_pipeline["input_bgr"])
    cache = cache_path_for(path)
    assert cache.is_file()
    path.unlink()  # later loads must not need the .pth (nor unpickle anything)
    assert np.array_equal(colorize_with(cache, golden_pipeline["input_bgr"]), first)


@pytest.mark.parametrize("mode", [0o644, 0o640])
def test_the_cache_is_readable_by_whoever_may_read_the_checkpoint(tmp_path, official_state, mode):
    path = write_official_checkpoint(tmp_path / "ddcolor_paper_tiny.pth", official_state("tiny"))
    path.chmod(mode)
    load_package_state(path)
    assert stat.S_IMODE(cache_path_for(path).stat().st_mode) == mode


def test_stale_cache_is_rebuilt_from_the_checkpoint(tmp_path, official_state):
    path = write_official_checkpoint(tmp_path / "ddcolor_paper_tiny.pth", official_state("tiny"))
    load_package_state(path)
    cache = cache_path_for(path)
    write_official_checkpoint(path, official_state("tiny"))  # a newer download replaces the file
    os.utime(path, ns=(cache.stat().st_mtime_ns + 10**9,) * 2)
    before = cache.stat().st_mtime_ns
    load_package_state(path)
    assert cache.stat().st_mtime_ns != before


def test_unwritable_folder_skips_the_cache_with_a_log_line(tmp_path, official_state, caplog, monkeypatch):
    path = write_official_checkpoint(tmp_path / "ddcolor_paper_tiny.pth", official_state("tiny"))

    def read_only(*args, **kwargs):
        raise PermissionError(30, "Read-only file system")

    monkeypatch.setattr("ddcolor.checkpoint.tempfile.mkstemp", read_only)
    with caplog.at_level(logging.INFO, logger="ddcolor.checkpoint"):
        model = load_model(path, model_size="tiny")
    assert not cache_path_for(path).exists()
    assert "not caching ddcolor_paper_tiny.pth" in caplog.text
    assert model.head.weight.shape == (2, 103, 1, 1)


def test_truncated_checkpoint_names_the_file_and_how_to_fetch_it_again(tmp_path, tiny_checkpoint):
    broken = tmp_path / "ddcolor_paper_tiny.pth"
    broken.write_bytes(tiny_checkpoint.read_bytes()[:100_000])
    with pytest.raises(
        CheckpointError, match=r"cannot read checkpoint .*ddcolor_paper_tiny\.pth.*python -m ddcolor download"
    ):
        load_model(broken, model_size="tiny")


def test_corrupt_safetensors_cache_is_rebuilt(tmp_path, official_state, golden_pipeline):
    path = write_official_checkpoint(tmp_path / "ddcolor_paper_tiny.pth", official_state("tiny"))
    expected = colorize_with(path, golden_pipeline["input_bgr"])
    cache = cache_path_for(path)
    cache.write_bytes(cache.read_bytes()[:5000])  # a crash or full disk left half a file
    assert np.array_equal(colorize_with(path, golden_pipeline["input_bgr"]), expected)
    assert cache.stat().st_size > 100_000_000  # rewritten whole
