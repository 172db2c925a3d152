"""Model throughput and latency per batch size and precision, load times and peak memory.

For each model (large, tiny) at 512: the pipeline's model call (`Colorizer.predict_ab`: the
folded forward, and on a GPU bf16 autocast, channels-last and cuDNN autotuning) against the
plain fp32 eager path (upstream's order of work, no autocast, default memory format) with the
same weights in the same run. Also the load time from the `.pth` and from the safetensors cache
(both memory-mapped: the weights are read on first use), and peak memory while serving (RSS;
GPU memory on a GPU, apart from the warm-up, whose cuDNN autotuning tries large workspaces),
loading excluded. Each model runs in its own process, so peak memory belongs to that model alone.
Synthetic checkpoints of the real size (from ../shared/reference).

    .venv/bin/python bench/model_speed.py [--sizes tiny large] [--batches 1 4 16]
        [--precisions fp32 bf16] [--runs 5] [--json bench/results/model_speed.json]

Defaults: batches 1 4 16 and precisions fp32 bf16 on a GPU; batches 1 2 and fp32 on the CPU
(this machine class has no bf16 units).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from common import write_json  # noqa: E402


def measure(size: str, *, input_size: int, batches: list[int], precisions: list[str], runs: int, workdir: Path):
    import torch

    from common import peak_rss_gb, plain_forward, reset_peak_rss, timed
    from ddcolor.checkpoint import cache_path_for, load_model
    from ddcolor.pipeline import Colorizer, resolve_device
    from ddcolor.synthetic import write_synthetic_checkpoint

    device = resolve_device(None)
    path = write_synthetic_checkpoint(workdir, size)
    cache_path_for(path).unlink(missing_ok=True)
    started = time.perf_counter()
    load_model(path, model_size=size, device=device, use_cache=False)
    load_pth = time.perf_counter() - started
    load_model(path, model_size=size, device=device)  # writes the cache
    started = time.perf_counter()
    plain_model = load_model(path, model_size=size, device=device)
    load_cache = time.perf_counter() - started

    inputs = {batch: torch.rand(batch, 3, input_size, input_size) for batch in batches}
    plain = {}
    for batch, x in inputs.items():
        on_device = x.to(device)
        plain_forward(plain_model, on_device)  # warm-up
        run = lambda on_device=on_device, model=plain_model: plain_forward(model, on_device).cpu()  # noqa: E731
        _, plain[batch] = timed(run, runs, device)
    del plain_model, on_device, run  # peak memory below is that of one model
    reset_peak_rss()
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)

    rows, warm_up_peak, serving_peak = [], 0.0, 0.0
    for precision in precisions:
        colorizer = Colorizer(load_model(path, model_size=size, device=device), device=device, precision=precision)
        colorizer.warm_up(batch_sizes=batches)
        if device.type == "cuda":  # cuDNN autotuning tries algorithms with large workspaces, once per shape
            warm_up_peak = max(warm_up_peak, torch.cuda.max_memory_allocated(device) / 2**30)
            torch.cuda.reset_peak_memory_stats(device)
        for batch, x in inputs.items():
            colorizer.predict_ab(x)  # the first call at a shape builds oneDNN's kernels on the CPU
            _, fast = timed(lambda x=x, colorizer=colorizer: colorizer.predict_ab(x), runs, device)
            rows.append(
                {
                    "model": size,
                    "device": str(device),
                    "batch": batch,
                    "precision": precision,
                    "latency_s": fast,
                    "images_per_s": batch / fast,
                    "plain_fp32_latency_s": plain[batch],
                    "ratio_to_plain": fast / plain[batch],
                }
            )
        if device.type == "cuda":
            serving_peak = max(serving_peak, torch.cuda.max_memory_allocated(device) / 2**30)
            torch.cuda.reset_peak_memory_stats(device)
        del colorizer
    return {
        "model": size,
        "device": str(device),
        "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
        "threads": torch.get_num_threads(),
        "input_size": input_size,
        "load_pth_s": load_pth,
        "load_safetensors_s": load_cache,
        "peak_rss_gb": peak_rss_gb(),
        "peak_gpu_gb": serving_peak if device.type == "cuda" else None,
        "warm_up_peak_gpu_gb": warm_up_peak if device.type == "cuda" else None,
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["tiny", "large"])
    parser.add_argument("--input-size", type=int, default=512)
    parser.add_argument("--batches", nargs="+", type=int)
    parser.add_argument("--precisions", nargs="+", choices=["fp32", "bf16"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path, help="keep synthetic checkpoints here between runs")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    import torch

    on_gpu = torch.cuda.is_available()
    batches = args.batches or ([1, 4, 16] if on_gpu else [1, 2])
    precisions = args.precisions or (["fp32", "bf16"] if on_gpu else ["fp32"])
    workdir = args.workdir or Path(tempfile.gettempdir()) / "ddcolor-bench"
    workdir.mkdir(parents=True, exist_ok=True)
    if args.one:
        result = measure(
            args.one,
            input_size=args.input_size,
            batches=batches,
            precisions=precisions,
            runs=args.runs,
            workdir=workdir,
        )
        print(json.dumps(result))
        return
    results = []
    for size in args.sizes:
        command = [sys.executable, __file__, "--one", size, "--input-size", str(args.input_size)]
        command += ["--runs", str(args.runs), "--workdir", str(workdir)]
        command += ["--batches", *map(str, batches), "--precisions", *precisions]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))

    first = results[0]
    print(f"device: {first['gpu'] or 'cpu'}, torch threads: {first['threads']}, input {args.input_size}px\n")
    print("| model | batch | precision | latency | images/s | plain fp32 eager | ratio to plain |")
    print("|---|---|---|---|---|---|---|")
    for result in results:
        for r in result["rows"]:
            print(
                f"| {r['model']} | {r['batch']} | {r['precision']} | {r['latency_s'] * 1000:.1f} ms | "
                f"{r['images_per_s']:.1f} | {r['plain_fp32_latency_s'] * 1000:.1f} ms | {r['ratio_to_plain']:.2f} |"
            )
    print("\n| model | load .pth | load safetensors | cache / .pth | peak RSS | peak GPU memory | in warm-up |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        gpu = [f"{r[key]:.2f} GB" if r[key] is not None else "-" for key in ("peak_gpu_gb", "warm_up_peak_gpu_gb")]
        print(
            f"| {r['model']} | {r['load_pth_s']:.2f} s | {r['load_safetensors_s']:.2f} s | "
            f"{r['load_safetensors_s'] / r['load_pth_s']:.2f} | {r['peak_rss_gb']:.2f} GB | {gpu[0]} | {gpu[1]} |"
        )
    write_json(args.json, results)


if __name__ == "__main__":
    main()
