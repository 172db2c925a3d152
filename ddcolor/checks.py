"""Checking a caller's arguments, with messages a person reads: one rule for every number and choice.

The library checks what it is given (a caller may be a script, not the HTTP schema), and the Cog
predictors check again with the same functions, so a bad value says the same thing everywhere.
"""

from __future__ import annotations

import numpy as np


def require_choice(name: str, value: object, choices: tuple) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(str, choices))}, got {value!r}")


def require_range(name: str, value: float, low: float, high: float) -> float:
    """`value` as a float when it is a number (not a bool, not NaN) within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ValueError(f"{name} must be a number from {low:g} to {high:g}, got {value!r}")
    return float(value)


def require_bgr(name: str, image: object) -> None:
    """A non-empty uint8 BGR image (H, W, 3)."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"the {name} must be a uint8 BGR image of shape (H, W, 3)")
    if 0 in image.shape:
        raise ValueError(f"the {name} image is empty")
