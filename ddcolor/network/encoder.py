"""ConvNeXt encoder that returns the four normalised stage outputs the decoders consume.

The backbone is timm's ConvNeXt; upstream adds one channels-first LayerNorm per stage
(`norm0`..`norm3`) and reads their outputs through forward hooks. Here they are returned from
`forward`, so nothing is stored on the module and concurrent calls cannot see each other's
features.
"""

from __future__ import annotations

import timm
import torch
from timm.layers import LayerNorm2d
from torch import nn


class ConvNeXtEncoder(nn.Module):
    def __init__(self, *, timm_name: str, dims: tuple[int, int, int, int]) -> None:
        super().__init__()
        # num_classes=0 drops the classifier; head.norm stays because released files carry it.
        self.convnext = timm.create_model(timm_name, pretrained=False, num_classes=0)
        self.stage_norms = nn.ModuleList(LayerNorm2d(dim, eps=1e-6) for dim in dims)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = self.convnext.stem(x)
        features = []
        for stage, norm in zip(self.convnext.stages, self.stage_norms, strict=True):
            x = stage(x)
            features.append(norm(x))
        return features
