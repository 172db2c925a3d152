"""Full-resolution work split into bands of rows, run on all cores.

OpenCV, numpy and the compressors release the GIL, so threads are enough; small bands also
keep each step's temporaries in the CPU cache instead of allocating photo-sized arrays.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


BAND_ROWS = 64  # fastest of 32-256 for the Lab work at 12 MP on this project's machine


def map_bands(height: int, work: Callable[[slice], T], band_rows: int = BAND_ROWS) -> list[T]:
    """`work(rows)` for consecutive row slices covering `height`, results in order."""
    bands = [slice(start, min(start + band_rows, height)) for start in range(0, height, band_rows)]
    if len(bands) <= 1:
        return [work(rows) for rows in bands]
    with ThreadPoolExecutor(max_workers=min(len(bands), os.cpu_count() or 1)) as pool:
        return list(pool.map(work, bands))


def run_together(*calls: Callable[[], T]) -> list[T]:
    """Independent calls run at once on threads (numpy and OpenCV release the GIL); results in order."""
    if len(calls) <= 1:
        return [call() for call in calls]
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(call) for call in calls]
        return [future.result() for future in futures]
