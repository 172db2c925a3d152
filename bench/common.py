"""What the benchmarks share: timing with the GPU synchronised, and the plain path they compare against."""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import torch
import torch.nn.functional as F

T = TypeVar("T")


def timed(fn: Callable[[], T], runs: int, device: torch.device | None = None) -> tuple[T, float]:
    """The last result and the median seconds of `runs` calls (GPU work included)."""
    times, result = [], None
    for _ in range(runs):
        if device is not None and device.type == "cuda":
            torch.cuda.synchronize(device)
        started = time.perf_counter()
        result = fn()
        if device is not None and device.type == "cuda":
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - started)
    return result, statistics.median(times)


def plain_forward(model, rgb: torch.Tensor) -> torch.Tensor:
    """The plain fp32 eager path in upstream's order of work: 100 full-resolution query maps,
    then the 1x1 head on all 103 channels (no folding, no autocast, no channels-last)."""
    with torch.inference_mode():
        x = (rgb - model.mean) / model.std
        return F.conv2d(torch.cat([model.query_maps(rgb), x], dim=1), model.head.weight, model.head.bias)


def reset_peak_rss() -> None:
    """Start the process's peak resident memory (Linux VmHWM) again from its current size."""
    Path("/proc/self/clear_refs").write_text("5")


def peak_rss_gb() -> float:
    """Peak resident memory since the start or the last `reset_peak_rss`."""
    return int(re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text()).group(1)) / 2**20


def write_json(path: Path | None, figures: object) -> None:
    """Write a benchmark's figures where `--json` asked for them (nothing when it did not)."""
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(figures, indent=1))
