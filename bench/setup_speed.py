"""Cold start: how long a fresh process takes to load both models, from `.pth` or the cache.

Each run is a new Python process (as a new Replicate container is), timed in three parts: the
imports, loading both models (large and tiny) from the official `.pth` files (unpickle, fold
spectral norm, rename keys) or from the safetensors cache beside them (memory-mapped, already
folded), and `predict.Predictor().setup()` as Cog calls it (cache plus warm-up on a GPU).
With all four released checkpoints present, setup() as it is (the artistic and paper trainings
load on first use, timed after setup) is compared with loading all four in setup(). The model call
of the first two requests after setup() is timed too, each on a new thread as Cog runs them.
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
from ddcolor.weights import CHECKPOINTS  # noqa: E402

# Runs in the fresh process: prints one JSON line of timings.
CHILD = r"""
import json, re, sys, time
from pathlib import Path

def weights_gb(pool):  # what the loaded models hold: GPU memory on a GPU (on the CPU, mmap-ed file pages)
    return sum(t.nbytes for c in pool.colorizers.values() for t in c.model.state_dict().values()) / 2**30

def peak_rss_gb():  # this process's own peak (VmHWM starts anew at exec; ru_maxrss keeps the parent's)
    return int(re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text()).group(1)) / 2**20
started = time.perf_counter()
import torch
from ddcolor.network import MODEL_SIZES
from ddcolor.pipeline import Colorizer
from ddcolor.weights import checkpoint_path
imported = time.perf_counter()
extra = {}
after_setup = 0.0
if sys.argv[1] == "predict.py setup()":
    import predict
    imported = time.perf_counter()
    predictor = predict.Predictor()
    predictor.setup()
    setup_done = time.perf_counter()
    extra["setup_peak_rss_gb"] = peak_rss_gb()
    extra["setup_weights_gb"] = weights_gb(predictor.colorizers)
    if torch.cuda.is_available():  # what the process keeps after the warm-up (cuDNN's search reserved far more)
        extra["gpu_reserved_after_setup_gb"] = torch.cuda.memory_reserved() / 2**30
    predictor.colorizers.get("large", "artistic")
    extra["first_use_s"] = time.perf_counter() - setup_done
    predictor.colorizers.get("large", "paper")
    extra["weights_gb"] = weights_gb(predictor.colorizers)
    extra["peak_rss_gb"] = peak_rss_gb()  # the column's meaning: before any request
    # Cog runs each request on a thread of its own, not setup()'s: did the warm-up carry over to them?
    import threading
    large = predictor.colorizers.get("large", predict.DEFAULT_VARIANT)
    batch = torch.zeros(1, 3, large.input_size, large.input_size)
    for key in ("first_request_model_s", "second_request_model_s"):
        def request(key=key):
            called = time.perf_counter()
            large.predict_ab(batch)
            extra[key] = time.perf_counter() - called
        worker = threading.Thread(target=request)
        worker.start()
        worker.join()
    after_setup = time.perf_counter() - setup_done  # left out of setup_s, which is setup() alone
elif sys.argv[1] == "all four in setup()":
    from ddcolor.serving import ColorizerPool
    from ddcolor.weights import CHECKPOINTS
    extra["weights_gb"] = weights_gb(ColorizerPool(preload=tuple(CHECKPOINTS)))
else:
    for size in MODEL_SIZES:
        path = checkpoint_path(size)
        Colorizer.from_checkpoint(path, model_size=size, device=None, use_cache=sys.argv[1] == "safetensors cache")
if torch.cuda.is_available():
    torch.cuda.synchronize()
done = time.perf_counter()
print(json.dumps({"import_s": imported - started, "setup_s": done - imported - after_setup,
                  "peak_rss_gb": peak_rss_gb(), **extra}))
"""
SOURCES = (".pth files", "safetensors cache", "predict.py setup()", "all four in setup()")


def cold_run(source: str, weights: Path) -> dict:
    python_path = os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))
    env = {**os.environ, "DDCOLOR_WEIGHTS_DIR": str(weights), "PYTHONPATH": python_path, "HF_HUB_OFFLINE": "1"}
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
    for name in CHECKPOINTS:
        load_package_state(write_synthetic_checkpoint(args.workdir, name))  # writes the cache once

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
    lazy, eager = rows["predict.py setup()"], rows["all four in setup()"]
    print(
        f"\nAll four checkpoints present: setup() loads large + tiny in {lazy['setup_s']:.2f} s, holding "
        f"{lazy['setup_weights_gb']:.2f} GB of weights (peak RSS {lazy['setup_peak_rss_gb']:.2f} GB); the first "
        f"artistic request adds {lazy['first_use_s']:.2f} s ({lazy['weights_gb']:.2f} GB of weights once artistic "
        f"and paper are loaded too). Loading all four in setup(): {eager['setup_s']:.2f} s, "
        f"{eager['weights_gb']:.2f} GB of weights (peak RSS {eager['peak_rss_gb']:.2f} GB)."
    )
    print(
        f"The large model's call in the first request after setup(), on a new thread as Cog makes: "
        f"{lazy['first_request_model_s']:.3f} s; in the second, on another: {lazy['second_request_model_s']:.3f} s"
    )
    if "gpu_reserved_after_setup_gb" in lazy:
        print(
            f"GPU memory reserved by the process after setup() (warm-up included): "
            f"{lazy['gpu_reserved_after_setup_gb']:.2f} GB"
        )
    write_json(args.json, {"rows": rows, "cache_to_pth_ratio": ratio})


if __name__ == "__main__":
    main()
