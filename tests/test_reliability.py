"""Short runs of the soak and of both fuzzers, so CI catches what the long runs would.

The long runs are `bench/soak.py`, `fuzz/decode_image.py` and `fuzz/http_api.py` (README).
"""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT
from http_api import good_prediction_succeeds, run_schemathesis, status_counts
from soak import run_soak, schedule


def test_a_short_soak_keeps_answering_and_leaves_nothing_behind(cog_server):
    report = run_soak(cog_server, schedule(30, seed=1))
    assert report.good >= 15 and report.bad >= 3
    assert report.good_failed == []
    assert report.bad_not_clean == []
    assert report.files_left == []


def test_fuzzing_the_decoder_finds_nothing(tmp_path):
    command = [sys.executable, "fuzz/decode_image.py", "--runs", "3000", "--artifacts", str(tmp_path)]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Done 3000 runs" in run.stderr
    assert list(tmp_path.iterdir()) == []  # no crash or timeout inputs saved


def test_fuzzing_the_http_api_finds_no_server_error(cog_server, tmp_path):
    report = tmp_path / "schemathesis.ndjson"
    code = run_schemathesis(cog_server.url, max_examples=5, seed=1, request_timeout=60, report=report)
    statuses = status_counts(report)
    assert code == 0
    assert sum(statuses.values()) > 50 and not any(status >= 500 for status in statuses)
    assert cog_server.wait_for(("READY",), timeout=60)["status"] == "READY"
    assert good_prediction_succeeds(cog_server)
