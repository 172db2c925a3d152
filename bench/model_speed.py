"""Forward time, load time and peak memory of the large and tiny models on this machine.

Uses synthetic checkpoints in the official format (same shapes and cost as the real ones),
built from the key manifests in ../shared/reference. Each model is measured in its own process
so peak RSS belongs to that model alone.

    .venv/bin/python bench/model_speed.py [--sizes tiny large] [--input-size 512] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def measure(size: str, input_size: int, runs: int, workdir: Path) -> dict:
    import torch

    from ddcolor.checkpoint import cache_path_for, load_model
    from ddcolor.pipeline import resolve_device
    from ddcolor.synthetic import write_synthetic_checkpoint

    device = resolve_device(None)
    path = write_synthetic_checkpoint(workdir, size)
    cache_path_for(path).unlink(missing_ok=True)

    started = time.perf_counter()
    load_model(path, model_size=size, device=device, use_cache=False)
    load_pth = time.perf_counter() - started
    load_model(path, model_size=size, device=device)  # writes the cache
    started = time.perf_counter()
    model = load_model(path, model_size=size, device=device)
    load_cache = time.perf_counter() - started

    x = torch.rand(1, 3, input_size, input_size, device=device)
    times = []
    with torch.inference_mode():
        model(x)  # warm-up
        for _ in range(runs):
            if device.type == "cuda":
                torch.cuda.synchronize()
            started = time.perf_counter()
            model(x)
            if device.type == "cuda":
                torch.cuda.synchronize()
            times.append(time.perf_counter() - started)
    return {
        "size": size,
        "device": str(device),
        "threads": torch.get_num_threads(),
        "input_size": input_size,
        "forward_median_s": statistics.median(times),
        "load_pth_s": load_pth,
        "load_safetensors_s": load_cache,
        "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
        "peak_gpu_gb": torch.cuda.max_memory_allocated() / 2**30 if device.type == "cuda" else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["tiny", "large"])
    parser.add_argument("--input-size", type=int, default=512)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, help="keep synthetic checkpoints here between runs")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="ddcolor-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if args.one:
        print(json.dumps(measure(args.one, args.input_size, args.runs, workdir)))
        return
    rows = []
    for size in args.sizes:
        command = [sys.executable, __file__, "--one", size, "--input-size", str(args.input_size)]
        command += ["--runs", str(args.runs), "--workdir", str(workdir)]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(
        f"| model | device | threads | forward {args.input_size}px (median) | load .pth | load safetensors | "
        "cache speed-up | peak RSS |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['size']} | {r['device']} | {r['threads']} | {r['forward_median_s']:.2f} s | "
            f"{r['load_pth_s']:.2f} s | "
            f"{r['load_safetensors_s']:.2f} s | {r['load_pth_s'] / r['load_safetensors_s']:.1f}x | "
            f"{r['peak_rss_gb']:.2f} GB |"
        )


if __name__ == "__main__":
    main()
