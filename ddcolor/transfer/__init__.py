"""Steering colors with a reference photo: keep the target's L, carry a and b over.

Three methods, all in float Lab (`TRANSFER_METHODS`):

* `exemplar` (default): region by region where the reference has a confident match
  (`matching`), the reference's palette elsewhere, blended pixel by pixel (`blending`); a faded
  or tinted target's own colors mapped onto the matches where one map explains them (`own_colors`).
* `palette`: the reference's whole a, b distribution, conditioned on lightness (`palette`).
* `reinhard`: the reference's global mean and standard deviation of a and b (`reinhard`).
"""

from ddcolor.transfer.blending import TRANSFER_METHODS, transfer_colors, transfer_from_lab, validate_transfer
from ddcolor.transfer.matching import coherent_weights
from ddcolor.transfer.reference import MIN_REFERENCE_CHROMA, check_reference
from ddcolor.transfer.reinhard import reinhard_ab

__all__ = [
    "MIN_REFERENCE_CHROMA",
    "TRANSFER_METHODS",
    "check_reference",
    "coherent_weights",
    "reinhard_ab",
    "transfer_colors",
    "transfer_from_lab",
    "validate_transfer",
]
