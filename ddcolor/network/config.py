"""One small, frozen description per released DDColor variant.

Both variants share everything after the encoder; only the ConvNeXt size differs. The values
are the ones the official Cog predictor builds, so the released checkpoints fit them exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from ddcolor.checks import require_choice


@dataclass(frozen=True)
class DDColorConfig:
    name: str
    encoder: str  # timm model name of the ConvNeXt backbone
    encoder_dims: tuple[int, int, int, int]  # channels at strides 4, 8, 16, 32
    decoder_width: int = 512  # `nf` upstream: width of the two deeper pixel-decoder blocks
    hidden_dim: int = 256  # color-decoder width, also the full-resolution embedding width
    num_queries: int = 100
    num_scales: int = 3
    num_decoder_layers: int = 9
    num_heads: int = 8
    ffn_dim: int = 2048
    num_output_channels: int = 2  # a and b of CIE Lab


LARGE = DDColorConfig(name="large", encoder="convnext_large", encoder_dims=(192, 384, 768, 1536))
TINY = DDColorConfig(name="tiny", encoder="convnext_tiny", encoder_dims=(96, 192, 384, 768))

CONFIGS: dict[str, DDColorConfig] = {config.name: config for config in (LARGE, TINY)}
MODEL_SIZES: tuple[str, ...] = tuple(CONFIGS)


def get_config(model_size: str) -> DDColorConfig:
    require_choice("model_size", model_size, MODEL_SIZES)
    return CONFIGS[model_size]
