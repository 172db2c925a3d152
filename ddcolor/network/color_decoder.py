"""Query-based color decoder: 100 learned color queries attend to multi-scale image features.

Each query ends up as a 256-d color embedding; its dot product with the full-resolution pixel
embedding gives one map per query (computed in `DDColor.forward`). Post-norm transformer layers (cross-attention, then
self-attention, then a feed-forward net), memory sequence-first as in `nn.MultiheadAttention`'s
default layout, DETR-style sine positions.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def sine_position_encoding(
    height: int, width: int, *, channels: int, device: torch.device, dtype: torch.dtype
) -> torch.Tensor:
    """(channels, H, W) sine/cosine encoding of normalised row and column positions.

    The first half encodes the row, the second the column; inside each half even channels are
    sines and odd ones cosines of the same frequency. Computed in float32 in the same order of
    operations as upstream (cumulative counts divided by the last count + 1e-6, times 2 pi), so
    the values agree to the bit.
    """
    half = channels // 2
    eps, scale = 1e-6, 2 * math.pi
    rows = torch.arange(1, height + 1, dtype=torch.float32, device=device)
    cols = torch.arange(1, width + 1, dtype=torch.float32, device=device)
    rows = rows / (rows[-1:] + eps) * scale
    cols = cols / (cols[-1:] + eps) * scale
    steps = torch.arange(half, dtype=torch.float32, device=device)
    frequencies = 10000 ** (2 * (steps // 2) / half)

    def encode(positions: torch.Tensor) -> torch.Tensor:
        angles = positions[:, None] / frequencies
        return torch.stack((angles[:, 0::2].sin(), angles[:, 1::2].cos()), dim=2).flatten(1)

    row_code = encode(rows)[:, None, :].expand(height, width, half)
    col_code = encode(cols)[None, :, :].expand(height, width, half)
    return torch.cat((row_code, col_code), dim=2).permute(2, 0, 1).to(dtype)


class CrossAttentionBlock(nn.Module):
    def __init__(self, *, dim: int, num_heads: int) -> None:
        super().__init__()
        self.attn = nn.MultiheadAttention(dim, num_heads)
        self.norm = nn.LayerNorm(dim)

    def forward(
        self, queries: torch.Tensor, query_pos: torch.Tensor, memory: torch.Tensor, memory_pos: torch.Tensor
    ) -> torch.Tensor:
        attended = self.attn(queries + query_pos, memory + memory_pos, memory, need_weights=False)[0]
        return self.norm(queries + attended)


class SelfAttentionBlock(nn.Module):
    def __init__(self, *, dim: int, num_heads: int) -> None:
        super().__init__()
        self.attn = nn.MultiheadAttention(dim, num_heads)
        self.norm = nn.LayerNorm(dim)

    def forward(self, queries: torch.Tensor, query_pos: torch.Tensor) -> torch.Tensor:
        q = queries + query_pos
        attended = self.attn(q, q, queries, need_weights=False)[0]
        return self.norm(queries + attended)


class FeedForwardBlock(nn.Module):
    def __init__(self, *, dim: int, hidden_dim: int) -> None:
        super().__init__()
        self.linear1 = nn.Linear(dim, hidden_dim)
        self.linear2 = nn.Linear(hidden_dim, dim)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x + self.linear2(F.relu(self.linear1(x))))


class ColorDecoderLayer(nn.Module):
    def __init__(self, *, dim: int, num_heads: int, ffn_dim: int) -> None:
        super().__init__()
        self.cross_attn = CrossAttentionBlock(dim=dim, num_heads=num_heads)
        self.self_attn = SelfAttentionBlock(dim=dim, num_heads=num_heads)
        self.ffn = FeedForwardBlock(dim=dim, hidden_dim=ffn_dim)

    def forward(
        self, queries: torch.Tensor, query_pos: torch.Tensor, memory: torch.Tensor, memory_pos: torch.Tensor
    ) -> torch.Tensor:
        queries = self.cross_attn(queries, query_pos, memory, memory_pos)
        queries = self.self_attn(queries, query_pos)
        return self.ffn(queries)


class ColorEmbeddingMLP(nn.Module):
    """Three linear layers with ReLU between them (key names `layers.{0,1,2}`)."""

    def __init__(self, *, dim: int, depth: int = 3) -> None:
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(dim, dim) for _ in range(depth))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        *hidden, last = self.layers
        for layer in hidden:
            x = F.relu(layer(x))
        return last(x)


class MultiScaleColorDecoder(nn.Module):
    def __init__(
        self,
        *,
        in_channels: tuple[int, ...],
        dim: int,
        num_queries: int,
        num_layers: int,
        num_heads: int,
        ffn_dim: int,
    ) -> None:
        super().__init__()
        self.query_feat = nn.Embedding(num_queries, dim)
        self.query_embed = nn.Embedding(num_queries, dim)
        self.level_embed = nn.Embedding(len(in_channels), dim)
        self.input_proj = nn.ModuleList(nn.Conv2d(c, dim, kernel_size=1) for c in in_channels)
        self.layers = nn.ModuleList(
            ColorDecoderLayer(dim=dim, num_heads=num_heads, ffn_dim=ffn_dim) for _ in range(num_layers)
        )
        self.decoder_norm = nn.LayerNorm(dim)
        self.color_embed = ColorEmbeddingMLP(dim=dim)

    def _memory(self, scales: list[torch.Tensor]) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Per scale: projected features + level embedding and their positions, as (HW, N, C)."""
        memory = []
        for level, (feature, proj) in enumerate(zip(scales, self.input_proj, strict=True)):
            n, _, h, w = feature.shape
            pos = sine_position_encoding(
                h, w, channels=self.level_embed.embedding_dim, device=feature.device, dtype=feature.dtype
            )
            pos = pos.flatten(1).permute(1, 0)[:, None, :].expand(h * w, n, -1)
            src = proj(feature).flatten(2) + self.level_embed.weight[level][None, :, None]
            memory.append((src.permute(2, 0, 1), pos))
        return memory

    def forward(self, scales: list[torch.Tensor]) -> torch.Tensor:
        """Return the (N, num_queries, dim) color embeddings; dotted with the pixel embedding
        they give one map per query."""
        memory = self._memory(scales)
        batch = scales[0].shape[0]
        query_pos = self.query_embed.weight[:, None, :].expand(-1, batch, -1)
        queries = self.query_feat.weight[:, None, :].expand(-1, batch, -1)
        for index, layer in enumerate(self.layers):
            src, pos = memory[index % len(memory)]
            queries = layer(queries, query_pos, src, pos)
        return self.color_embed(self.decoder_norm(queries).transpose(0, 1))
