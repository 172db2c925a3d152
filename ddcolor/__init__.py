"""DDColor photo colorization: the network, its checkpoints and the pipeline around it.

Public API: `Colorizer` (load a checkpoint, colorize BGR images) and `transfer_colors`
(steer colors with a reference photo). Importing this package does no work.
"""

from ddcolor.pipeline import Colorizer
from ddcolor.transfer import transfer_colors

__all__ = ["Colorizer", "transfer_colors"]
