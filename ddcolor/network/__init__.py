"""The DDColor network, one module per part; `DDColor` assembles them from a variant config."""

from ddcolor.network.config import CONFIGS, LARGE, MODEL_SIZES, TINY, DDColorConfig, get_config
from ddcolor.network.ddcolor import DDColor, skipping_weight_init

__all__ = ["CONFIGS", "LARGE", "MODEL_SIZES", "TINY", "DDColor", "DDColorConfig", "get_config", "skipping_weight_init"]
