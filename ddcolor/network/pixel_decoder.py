"""U-Net style pixel decoder: from the stride-32 encoder map back up to full resolution.

Submodule names (`layers`, `last_shuf`, `shuf`, `bn`, `conv` and the indices inside them) are
the official checkpoint keys, so released weights load without renaming. The convolutions that
upstream wraps in spectral norm are plain convolutions here: the norm is folded into their
weights when a checkpoint is loaded (see `ddcolor.checkpoint`).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn


def blur(x: torch.Tensor) -> torch.Tensor:
    """Average each pixel with its upper-left neighbours to hide PixelShuffle's checkerboard.

    Replication-pads one row on top and one column on the left, then a 2x2 mean with stride 1,
    exactly as upstream's `ReplicationPad2d((1, 0, 1, 0))` + `AvgPool2d(2, stride=1)`.
    """
    return F.avg_pool2d(F.pad(x, (1, 0, 1, 0), mode="replicate"), kernel_size=2, stride=1)


class PixelShuffleUpsample(nn.Module):
    """1x1 conv to scale**2 times the channels, ReLU, PixelShuffle, blur."""

    def __init__(self, *, in_channels: int, out_channels: int, scale: int, batch_norm: bool) -> None:
        super().__init__()
        expanded = out_channels * scale**2
        layers: list[nn.Module] = [nn.Conv2d(in_channels, expanded, kernel_size=1, bias=not batch_norm)]
        if batch_norm:
            layers.append(nn.BatchNorm2d(expanded))
        self.conv = nn.Sequential(*layers)
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return blur(F.pixel_shuffle(self.expand(x), self.scale))

    def expand(self, x: torch.Tensor) -> torch.Tensor:
        """Everything before PixelShuffle: (N, out * scale**2, h, w)."""
        return F.relu(self.conv(x))


class UnetBlock(nn.Module):
    """Upsample by 2, concatenate the batch-normed skip feature, fuse with a 3x3 conv."""

    def __init__(self, *, in_channels: int, skip_channels: int, out_channels: int) -> None:
        super().__init__()
        self.shuf = PixelShuffleUpsample(in_channels=in_channels, out_channels=out_channels, scale=2, batch_norm=True)
        self.bn = nn.BatchNorm2d(skip_channels)
        # Index 1 is upstream's parameter-free ReLU; kept so index 2 stays the BatchNorm key.
        self.conv = nn.Sequential(
            nn.Conv2d(out_channels + skip_channels, out_channels, kernel_size=3, padding=1, bias=False),
            nn.ReLU(),
            nn.BatchNorm2d(out_channels),
        )

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        fused = F.relu(torch.cat([self.shuf(x), self.bn(skip)], dim=1))
        return self.conv(fused)


class PixelDecoder(nn.Module):
    """Returns the three block outputs (strides 16, 8, 4) and the full-resolution embedding.

    The embedding is returned before its final PixelShuffle and blur (`PixelEmbedding`): both
    are linear and per channel, so the model contracts the 256 channels with the color
    queries first and shuffles and blurs only the 2 result channels.
    """

    def __init__(self, *, encoder_dims: tuple[int, int, int, int], width: int, embed_dim: int) -> None:
        super().__init__()
        skip_dims = encoder_dims[2::-1]  # strides 16, 8, 4
        out_dims = (width, width, width // 2)
        in_dims = (encoder_dims[3], *out_dims[:-1])
        self.layers = nn.ModuleList(
            UnetBlock(in_channels=i, skip_channels=s, out_channels=o)
            for i, s, o in zip(in_dims, skip_dims, out_dims, strict=True)
        )
        self.last_shuf = PixelShuffleUpsample(
            in_channels=out_dims[-1], out_channels=embed_dim, scale=4, batch_norm=False
        )

    def forward(self, features: list[torch.Tensor]) -> tuple[list[torch.Tensor], PixelEmbedding]:
        x = features[3]
        scales = []
        for block, skip in zip(self.layers, features[2::-1], strict=True):
            x = block(x, skip)
            scales.append(x)
        return scales, PixelEmbedding(self.last_shuf.expand(x), self.last_shuf.scale)


class PixelEmbedding(NamedTuple):
    """A full-resolution (N, C, H, W) embedding kept as (N, C * scale**2, H/scale, W/scale)."""

    expanded: torch.Tensor
    scale: int

    def project(self, weights: torch.Tensor) -> torch.Tensor:
        """(N, K, C) weights -> (N, K, H, W): each output map is a weighted sum of the C channels.

        Equal to contracting the shuffled, blurred embedding, but the shuffle and the blur run
        on K channels instead of C.
        """
        n, _, h, w = self.expanded.shape
        channels, subpixels = weights.shape[2], self.scale**2
        # The decoder runs channels-last (timm's LayerNorm2d leaves it so), where channel c of
        # sub-pixel s sits at c * scale**2 + s along the last axis: this view moves no data.
        pixels = self.expanded.permute(0, 2, 3, 1).reshape(n, h * w, channels, subpixels)
        maps = torch.matmul(weights[:, None], pixels)  # (N, HW, K, scale**2)
        maps = maps.permute(0, 2, 3, 1).reshape(n, -1, h, w)
        return blur(F.pixel_shuffle(maps, self.scale))

    def full(self) -> torch.Tensor:
        """The (N, C, H, W) embedding itself, as upstream computes it."""
        return blur(F.pixel_shuffle(self.expanded, self.scale))
