"""Keeping freed memory in the process, for a server that colorizes one photo after another.

By default glibc hands every allocation above 32 MB (a 12 MP photo's planes, the network's
activations) straight back to the system when it is freed, and the next request then pays for
the kernel to map and zero those pages again. At 12 MP on this project's machine that cost about
20% of the model's time and a quarter of the post-processing (bench/request_speed.py,
bench/model_speed.py). Keeping freed memory costs resident memory: the process stays at its
largest request's peak.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys

# mallopt parameters, from glibc's malloc.h
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
KEEP_UP_TO = 2**31 - 1  # free memory kept at the top of the heap before any is returned (an int)

log = logging.getLogger(__name__)


def keep_freed_memory() -> bool:
    """Serve every allocation from the heap and keep freed memory for reuse (glibc only).

    Returns whether the allocator was changed; elsewhere (macOS, musl) nothing happens.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    changed = mallopt(_M_MMAP_MAX, 0) == 1 and mallopt(_M_TRIM_THRESHOLD, KEEP_UP_TO) == 1
    log.debug("glibc keeps freed memory: %s", changed)
    return changed
