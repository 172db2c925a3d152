"""The DDColor network: ConvNeXt encoder, pixel decoder, color decoder and a 1x1 head."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from unittest import mock

import timm.models.convnext
import torch
import torch.nn.functional as F
from torch import nn

from ddcolor.network.color_decoder import MultiScaleColorDecoder
from ddcolor.network.config import DDColorConfig
from ddcolor.network.encoder import ConvNeXtEncoder
from ddcolor.network.pixel_decoder import PixelDecoder

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# What layers call to fill their weights at construction (torch's reset_parameters, timm).
_WEIGHT_FILLS = (
    "uniform_",
    "normal_",
    "trunc_normal_",
    "constant_",
    "zeros_",
    "ones_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "xavier_uniform_",
    "xavier_normal_",
)


@contextlib.contextmanager
def skipping_weight_init() -> Iterator[None]:
    """Build layers without filling their weights, for a model that a checkpoint fills next.

    The fills (timm's truncated normals for ConvNeXt, torch's uniform fills for every conv and
    linear layer) cost time even on the meta device, where they produce nothing: 0.2 s and then
    0.03 s of a cold start (both models) before each was skipped.
    """
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(timm.models.convnext, "_init_weights", lambda *args, **kwargs: None))
        for name in _WEIGHT_FILLS:
            stack.enter_context(mock.patch.object(torch.nn.init, name, lambda tensor, *args, **kwargs: tensor))
        yield


class DDColor(nn.Module):
    """(N, 3, H, W) RGB in [0, 1] -> (N, 2, H, W) raw Lab a and b (not clamped).

    H and W must be multiples of 32 (the encoder's deepest stride). The forward keeps no state
    between calls, so one instance can serve several threads and any batch size.
    """

    def __init__(self, *, config: DDColorConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = ConvNeXtEncoder(timm_name=config.encoder, dims=config.encoder_dims)
        self.pixel_decoder = PixelDecoder(
            encoder_dims=config.encoder_dims, width=config.decoder_width, embed_dim=config.hidden_dim
        )
        width = config.decoder_width
        self.color_decoder = MultiScaleColorDecoder(
            in_channels=(width, width, width // 2)[: config.num_scales],
            dim=config.hidden_dim,
            num_queries=config.num_queries,
            num_layers=config.num_decoder_layers,
            num_heads=config.num_heads,
            ffn_dim=config.ffn_dim,
        )
        self.head = nn.Conv2d(config.num_queries + 3, config.num_output_channels, kernel_size=1)
        # Stored in the released checkpoints, so they are buffers that load with the weights.
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))

    def forward(self, rgb: torch.Tensor) -> torch.Tensor:
        height, width = rgb.shape[-2:]
        if height % 32 or width % 32:
            raise ValueError(f"DDColor needs H and W divisible by 32, got {height}x{width}")
        x = (rgb - self.mean) / self.std
        scales, pixel_embedding = self.pixel_decoder(self.encoder(x))
        colors = self.color_decoder(scales)  # (N, queries, C)
        # The 1x1 head is linear in the query maps, so fold it into the queries first: two
        # maps are computed at full resolution instead of 100 (same result up to float rounding).
        num_queries = colors.shape[1]
        query_weights = self.head.weight[:, :num_queries, 0, 0]  # (2, queries)
        ab = pixel_embedding.project(torch.einsum("oq,nqc->noc", query_weights, colors))
        image_weights = self.head.weight[:, num_queries:]
        return ab + F.conv2d(x, image_weights, self.head.bias)

    def query_maps(self, rgb: torch.Tensor) -> torch.Tensor:
        """(N, queries, H, W) maps before the head, as upstream computes them (for inspection)."""
        x = (rgb - self.mean) / self.std
        scales, pixel_embedding = self.pixel_decoder(self.encoder(x))
        return torch.einsum("nqc,nchw->nqhw", self.color_decoder(scales), pixel_embedding.full())
