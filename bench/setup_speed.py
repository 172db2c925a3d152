"""Cold start: how long a fresh process takes to load both models, from `.pth` or the cache.

Each run is a new Python process (as a new Replicate container is), timed in three parts: the
imports, loading both models (large and tiny) from the official `.pth` files (unpickle, fold
spectral norm, rename keys) or from the safetensors cache beside them (memory-mapped, already
folded), and `predict.Predictor().setup()` as Cog calls it (cache plus warm-up on a GPU).
Synthetic checkpoints of the real size are built first; the files sit in the page cache, as
they do after the first start of a container.

    .venv/bin/python bench/setup_speed.py [--runs 3] [--json bench/results/setup_speed.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import write_json  # noqa: E402
from ddcolor.checkpoint import load_package_state  # noqa: E402
from ddcolor.network import MODEL_SIZES  # noqa: E402
from ddcolor.synthetic import write_synthetic_checkpoint  # noqa: E402

# Runs in the fresh process: prints one JSON line of timings.
CHILD = """
import json, resource, sys, time
started = time.perf_counter()
import torch
from ddcolor.network import MODEL_SIZES
from ddcolor.pipeline import Colorizer
from ddcolor.weights import checkpoint_path
imported = time.perf_counter()
if sys.argv[1] == "predict.py setup()":
    import predict
    imported = time.perf_counter()
    predict.Predictor().setup()
else:
    for size in MODEL_SIZES:
        path = checkpoint_path(size)
        Colorizer.from_checkpoint(path, model_size=size, device=None, use_cache=sys.argv[1] == "safetensors cache")
if torch.cuda.is_available():
    torch.cuda.synchronize()
done = time.perf_counter()
print(json.dumps({"import_s": imported - started, "setup_s": done - imported,
                  "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}))
"""
SOURCES = (".pth files", "safetensors cache", "predict.py setup()")


def cold_run(source: str, weights: Path) -> dict:
    env = {**os.environ, "DDCOLOR_WEIGHTS_DIR": str(weights), "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    run = subprocess.run(
        [sys.executable, "-c", CHILD, source], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "ddcolor-bench")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    for size in MODEL_SIZES:
        load_package_state(write_synthetic_checkpoint(args.workdir, size))  # writes the cache once

    runs: dict[str, list[dict]] = {source: [] for source in SOURCES}
    for _ in range(args.runs):  # interleaved, so drift in the machine hits every source alike
        for source in SOURCES:
            runs[source].append(cold_run(source, args.workdir))
    rows = {
        source: {key: statistics.median(r[key] for r in results) for key in results[0]}
        for source, results in runs.items()
    }
    print(f"Cold process, both models ({' + '.join(MODEL_SIZES)}), median of {args.runs}\n")
    print("| loaded from | imports | load both models | peak RSS |")
    print("|---|---|---|---|")
    for source, row in rows.items():
        print(f"| {source} | {row['import_s']:.2f} s | {row['setup_s']:.2f} s | {row['peak_rss_gb']:.2f} GB |")
    ratio = rows["safetensors cache"]["setup_s"] / rows[".pth files"]["setup_s"]
    print(f"\nsafetensors cache / .pth files: {ratio:.2f} (target <= 0.5)")
    write_json(args.json, {"rows": rows, "cache_to_pth_ratio": ratio})


if __name__ == "__main__":
    main()
