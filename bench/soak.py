"""Soak: many predictions through the real Cog server, checking that nothing leaks.

Starts Cog's HTTP server (coglet) around `predict.py` with synthetic weights, sends a fixed,
seeded mix of good photos and bad files (the nasty corpus in `tests/corpus`, plus bad
references) in two identical passes, and reports: good ones that failed, bad ones that did not
fail cleanly, the growth of the server processes' resident memory over the second pass, and the
files left in the server's temp folder beyond the last output.

    .venv/bin/python bench/soak.py [--predictions 200] [--json bench/results/soak.json]

Exits 1 when a check fails: a good input failed, a bad one succeeded or failed without a clear
message, memory grew by 5% or more in the second pass, or files were left behind.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
sys.path[:0] = [str(ROOT), str(TESTS)]

from cog_server import CogServer, data_url  # noqa: E402
from common import write_json  # noqa: E402
from conftest import gradient_photo  # noqa: E402
from ddcolor.network import MODEL_SIZES  # noqa: E402
from ddcolor.synthetic import write_synthetic_checkpoint  # noqa: E402

CORPUS = TESTS / "corpus"
MAX_RSS_GROWTH = 0.05  # over the second pass (see `schedule`)


@dataclass
class Case:
    name: str
    inputs: dict
    should_succeed: bool
    message: str = ""  # part of the error a bad input must give


@dataclass
class SoakReport:
    predictions: int = 0
    good: int = 0
    bad: int = 0
    good_failed: list[str] = field(default_factory=list)
    bad_not_clean: list[str] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    files_left: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def first_pass_end(self) -> int:
        """Predictions in the first pass (`schedule`), after which memory is compared."""
        return (self.predictions + 1) // 2

    @property
    def rss_growth(self) -> float:
        return self.rss_mb[-1] / self.rss_mb[self.first_pass_end - 1] - 1.0

    @property
    def passed(self) -> bool:
        return not (self.good_failed or self.bad_not_clean or self.files_left) and self.rss_growth < MAX_RSS_GROWTH


def _encode(image: np.ndarray, ext: str) -> bytes:
    ok, data = cv2.imencode(ext, image)
    assert ok
    return data.tobytes()


def corpus_cases() -> list[Case]:
    expected = json.loads((CORPUS / "expected.json").read_text())
    cases = []
    for name, outcome in sorted(expected.items()):
        if not (CORPUS / name).is_file():
            continue  # a dangling link has no bytes to upload
        inputs = {"image": data_url((CORPUS / name).read_bytes())}
        cases.append(Case(f"corpus/{name}", inputs, outcome[0] == "ok", "" if outcome[0] == "ok" else outcome[1]))
    return cases


def random_good_case(rng: random.Random, index: int) -> Case:
    """A small photo in a random format and size, sometimes with alpha or a reference."""
    height, width = rng.randint(16, 320), rng.randint(16, 320)
    photo = gradient_photo(height, width, seed=index % 7)
    gray = cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY)
    ext = rng.choice([".jpg", ".png", ".webp"])
    image = gray if ext == ".jpg" or rng.random() < 0.5 else cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    if ext == ".png" and rng.random() < 0.3:
        image = np.dstack((cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), np.full_like(gray, 128)))
    inputs = {
        "image": data_url(_encode(image, ext)),
        "output_format": rng.choice(["png", "jpg", "webp"]),
        "input_size": rng.choice([256, 288]),
    }
    if rng.random() < 0.3:
        inputs["reference"] = data_url(_encode(gradient_photo(rng.randint(24, 200), rng.randint(24, 200), 3), ".png"))
        inputs["reference_method"] = rng.choice(["exemplar", "reinhard"])
        inputs["reference_strength"] = round(rng.random(), 2)
    return Case(f"good/{ext[1:]}-{width}x{height}", inputs, True)


def bad_reference_cases() -> list[Case]:
    gray = data_url(_encode(cv2.cvtColor(gradient_photo(60, 80), cv2.COLOR_BGR2GRAY), ".jpg"))
    return [
        Case("bad/gray reference", {"image": gray, "reference": gray}, False, "reference is not a color photo"),
        Case("bad/text reference", {"image": gray, "reference": data_url(b"not a photo")}, False, "reference"),
    ]


def schedule(count: int, seed: int = 0) -> list[Case]:
    """One case in three from the corpus or a bad reference, the rest random good photos; the
    second half repeats the first.

    A server's allocators and caches grow until it has served its most demanding request, and
    stay there. A second pass over the same requests tells that apart from a leak: a leak grows
    again, a high-water mark does not.
    """
    rng = random.Random(seed)
    fixed = corpus_cases() + bad_reference_cases()
    rng.shuffle(fixed)
    cases = []
    for index in range((count + 1) // 2):
        case = fixed[(index // 3) % len(fixed)] if index % 3 == 2 else random_good_case(rng, index)
        inputs = {"model_size": "tiny", "input_size": 256, **case.inputs}
        cases.append(Case(case.name, inputs, case.should_succeed, case.message))
    return (cases + cases)[:count]


def process_tree_rss_mb(root_pid: int) -> float:
    """Resident memory of a process and all its descendants (the server and its worker)."""
    parents: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        parents[int(status.parent.name)] = int(fields["PPid"])
    tree, changed = {root_pid}, True
    while changed:
        grown = tree | {pid for pid, parent in parents.items() if parent in tree}
        changed, tree = grown != tree, grown
    total_kb = 0
    for pid in tree:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


def run_soak(server: CogServer, cases: list[Case], *, progress: bool = False) -> SoakReport:
    report = SoakReport()
    started = time.perf_counter()
    for number, case in enumerate(cases, 1):
        reply = server.predict(case.inputs)
        body = reply.body if isinstance(reply.body, dict) else {}
        succeeded = reply.status == 200 and body.get("status") == "succeeded"
        report.predictions += 1
        if case.should_succeed:
            report.good += 1
            if not succeeded:
                report.good_failed.append(f"{case.name}: {reply.status} {str(body.get('error', reply.body))[:200]}")
        else:
            report.bad += 1
            error = str(body.get("error") or "")
            clean = body.get("status") == "failed" and case.message in error and "Traceback" not in error
            if not clean:
                report.bad_not_clean.append(f"{case.name}: {reply.status} {str(reply.body)[:200]}")
        report.rss_mb.append(process_tree_rss_mb(server.process.pid))
        if progress and number % 20 == 0:
            print(f"  {number} predictions, server RSS {report.rss_mb[-1]:.0f} MB", flush=True)
    report.seconds = time.perf_counter() - started
    temp = server.workdir / "tmp"
    outputs = sorted(temp.glob("ddcolor-outputs-*/*"))
    report.files_left = [str(p.relative_to(temp)) for p in temp.rglob("*") if p.is_file() and p not in outputs[-1:]]
    if len(outputs) != 1:
        report.files_left += [f"{len(outputs)} outputs where the last one only should remain"]
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--predictions", type=int, default=200)
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args()
    if args.predictions < 2:
        parser.error("--predictions must be at least 2 (two passes)")

    with tempfile.TemporaryDirectory(prefix="ddcolor-soak-") as scratch:
        scratch = Path(scratch)
        print("building synthetic weights...", flush=True)
        weights = (scratch / "weights").resolve()
        for size in MODEL_SIZES:
            write_synthetic_checkpoint(weights, size)
        cases = schedule(args.predictions)
        (scratch / "server").mkdir()
        server = CogServer(scratch / "server", weights)
        try:
            server.wait_for(("READY",), timeout=600)
            print(f"server ready; sending {args.predictions} predictions", flush=True)
            report = run_soak(server, cases, progress=True)
        finally:
            server.stop()

    print(f"\npredictions: {report.predictions} in {report.seconds:.0f} s")
    print(f"good inputs: {report.good}, failed: {len(report.good_failed)}")
    print(f"bad inputs: {report.bad}, not failed cleanly: {len(report.bad_not_clean)}")
    print(
        f"server RSS: {report.rss_mb[report.first_pass_end - 1]:.0f} MB after the first pass "
        f"({report.first_pass_end} predictions), {report.rss_mb[-1]:.0f} MB after the second: "
        f"growth {report.rss_growth:+.2%} (limit {MAX_RSS_GROWTH:.0%})"
    )
    print(f"files left beyond the last output: {len(report.files_left)}")
    for line in report.good_failed + report.bad_not_clean + report.files_left:
        print("  -", line)
    write_json(args.json, {**asdict(report), "rss_growth": report.rss_growth})
    print("PASS" if report.passed else "FAIL")
    sys.exit(0 if report.passed else 1)


if __name__ == "__main__":
    main()
