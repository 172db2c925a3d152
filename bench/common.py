"""What the benchmarks share: timing with the GPU synchronised, and the plain path they compare against."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
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
