"""What the Cog predictors share that is not imaging: checking inputs, log lines, output files.

Cog validates inputs against the schema over HTTP, but a predictor called directly (tests,
`cog predict` of an older schema) gets whatever it is given, so each predictor checks again with
these, and says what is wrong in words a person reads.
"""

from __future__ import annotations

import logging
import shutil
import sys
import uuid
from pathlib import Path


def require_choice(name: str, value: object, choices: tuple) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(str, choices))}, got {value!r}")


def require_range(name: str, value: float, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ValueError(f"{name} must be a number from {low} to {high}, got {value!r}")


def show_library_logs() -> None:
    """Send the library's INFO lines (what it chose, progress) to stderr, which Cog puts in the
    prediction's logs."""
    logger = logging.getLogger("ddcolor")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def fresh_output_path(folder: Path, stem: str, suffix: str) -> Path:
    """A new file name in `folder`, emptied first: the server has already sent earlier results
    (one prediction at a time), so they would only pile up."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{stem}-{uuid.uuid4().hex[:12]}.{suffix}"
