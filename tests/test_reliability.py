"""Short runs of the soak and of both fuzzers, so CI catches what the long runs would.

The long runs are `bench/soak.py`, `fuzz/decode_image.py` and `fuzz/http_api.py` (README).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT
from ddcolor.checkpoint import load_package_state
from http_api import good_prediction_succeeds, run_schemathesis, status_counts
from soak import run_soak, schedule


def test_a_short_soak_keeps_answering_and_leaves_nothing_behind(cog_server):
    report = run_soak(cog_server, schedule(30, seed=1))
    assert report.good >= 15 and report.bad >= 3
    assert report.good_failed == []
    assert report.bad_not_clean == []
    assert report.files_left == []


def test_fuzzing_the_decoder_finds_nothing_and_leaves_nothing_behind(tmp_path):
    findings, scratch = tmp_path / "findings", tmp_path / "tmp"
    scratch.mkdir()
    command = [sys.executable, "fuzz/decode_image.py", "--runs", "3000", "--artifacts", str(findings)]
    env = {**os.environ, "TMPDIR": str(scratch)}
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Done 3000 runs" in run.stderr
    assert "seed corpus: files: " in run.stderr  # the corpus photos were read as seeds
    assert list(findings.iterdir()) == []  # no crash or timeout inputs saved
    assert list(scratch.iterdir()) == []  # no temporary files left (the process ends in libFuzzer's exit())


def test_fuzzing_the_http_api_finds_no_server_error(cog_server, tmp_path):
    report = tmp_path / "schemathesis.ndjson"
    code = run_schemathesis(cog_server.url, max_examples=5, seed=1, request_timeout=60, report=report)
    statuses = status_counts(report)
    assert code == 0
    assert sum(statuses.values()) > 50 and not any(status >= 500 for status in statuses)
    assert cog_server.wait_for(("READY",), timeout=60)["status"] == "READY"
    assert good_prediction_succeeds(cog_server)


PEAK_MEMORY_SCRIPT = """
import re, sys
from pathlib import Path
import numpy as np
from ddcolor import Colorizer
megapixels, checkpoint, with_reference = float(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
colorizer = Colorizer.from_checkpoint(checkpoint, model_size="tiny", input_size=64, device="cpu")
height = int((megapixels * 1e6 * 3 / 4) ** 0.5)
rng = np.random.default_rng(0)
photo = rng.integers(0, 256, (height, height * 4 // 3, 3), dtype=np.uint8)
reference = rng.integers(0, 256, (300, 400, 3), dtype=np.uint8) if with_reference else None
colorizer.colorize(photo[:64, :64], reference=reference)  # first call: kernels and caches
def status_kb(field):
    return int(re.search(field + r":\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1))
Path("/proc/self/clear_refs").write_text("5")  # Linux: restart the peak (VmHWM) from here
before = status_kb("VmRSS")
colorizer.colorize(photo, reference=reference)
print((status_kb("VmHWM") - before) * 1024)
"""


def peak_memory_growth_bytes(megapixels: float, checkpoint, with_reference: bool) -> int:
    """How far a colorize call raises resident memory above where it started, in a new process."""
    command = [sys.executable, "-c", PEAK_MEMORY_SCRIPT, str(megapixels), str(checkpoint), str(int(with_reference))]
    # A fixed mmap threshold makes glibc return every large freed array to the system, so memory
    # left over from loading cannot hide part of the call's peak.
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536"}
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=True)
    return int(run.stdout.split()[-1])


@pytest.mark.parametrize(("with_reference", "budget"), [(False, 24), (True, 64)])
def test_memory_grows_linearly_with_the_photo_not_faster(tiny_checkpoint, with_reference, budget):
    """Above the working size, each extra pixel costs a fixed number of bytes (README: limits)."""
    load_package_state(tiny_checkpoint)  # cached first, so both processes load alike
    small, large = (peak_memory_growth_bytes(mp, tiny_checkpoint, with_reference) for mp in (2, 8))
    bytes_per_pixel = (large - small) / 6e6
    assert 0 < bytes_per_pixel < budget
