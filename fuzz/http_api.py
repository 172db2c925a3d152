"""Fuzz the HTTP surface: schemathesis against the running Cog server's own `/openapi.json`.

Starts Cog's HTTP server around `predict.py` with synthetic weights, lets schemathesis send a
bounded number of generated requests to every operation the server documents, then checks that
the server is still READY and that a good prediction still succeeds.

    .venv/bin/python fuzz/http_api.py [--max-examples 50] [--seed 0]

A finding is any 5xx answer or a request that hangs past `--request-timeout`. Exits 0 when there
is none and the server is healthy afterwards.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from cog_server import CogServer, data_url  # noqa: E402
from conftest import gradient_photo  # noqa: E402
from ddcolor.network import MODEL_SIZES  # noqa: E402
from ddcolor.synthetic import write_synthetic_checkpoint  # noqa: E402


def run_schemathesis(url: str, *, max_examples: int, seed: int, request_timeout: float, report: Path) -> int:
    command = [
        str(Path(sys.executable).parent / "st"),
        "run",
        f"{url}/openapi.json",
        "--checks",
        "not_a_server_error",
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--workers",
        "1",
        "--request-timeout",
        str(request_timeout),
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
        "--generation-database",
        "none",
        "--no-color",
    ]
    print("$", " ".join(command), flush=True)
    return subprocess.run(command, check=False).returncode


def status_counts(report: Path) -> dict[int, int]:
    """How many answers schemathesis got with each HTTP status, from its event log."""
    counts: Counter[int] = Counter()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("status_code"), int):
                counts[node["status_code"]] += 1
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for line in report.read_text().splitlines() if report.is_file() else []:
        walk(json.loads(line))
    return dict(sorted(counts.items()))


def good_prediction_succeeds(server: CogServer) -> bool:
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(gradient_photo(80, 120), cv2.COLOR_BGR2GRAY))
    reply = server.predict({"image": data_url(jpeg.tobytes()), "model_size": "tiny", "input_size": 256})
    return ok and reply.status == 200 and reply.body.get("status") == "succeeded"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=50, help="generated requests per operation and phase")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--request-timeout", type=float, default=120.0, help="seconds before a request counts as hung")
    parser.add_argument("--json", type=Path, help="also write the summary here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ddcolor-http-fuzz-") as scratch:
        scratch = Path(scratch)
        weights = (scratch / "weights").resolve()
        for size in MODEL_SIZES:
            write_synthetic_checkpoint(weights, size)
        (scratch / "server").mkdir()
        server = CogServer(scratch / "server", weights)
        try:
            server.wait_for(("READY",), timeout=600)
            report = scratch / "schemathesis.ndjson"
            code = run_schemathesis(
                server.url,
                max_examples=args.max_examples,
                seed=args.seed,
                request_timeout=args.request_timeout,
                report=report,
            )
            statuses = status_counts(report)
            status = server.wait_for(("READY",), timeout=args.request_timeout)["status"]
            still_works = good_prediction_succeeds(server)
        finally:
            server.stop()

    summary = {
        "requests": sum(statuses.values()),
        "statuses": statuses,
        "schemathesis_exit_code": code,
        "status_after": status,
        "good_prediction_after": still_works,
    }
    print(f"\nschemathesis: {summary['requests']} answers by status {statuses}; exit code {code} (0: no 5xx, no hang)")
    print(f"server afterwards: {status}; a good prediction {'succeeds' if still_works else 'FAILS'}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=1))
    passed = code == 0 and status == "READY" and still_works
    print("PASS" if passed else "FAIL")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
