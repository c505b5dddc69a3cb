"""TimeSformer attention through `torch.nn.functional.scaled_dot_product_attention`.

transformers' `TimesformerSelfAttention` only has an eager implementation: it materialises every attention
matrix (for TimeSformer-Base at 8x224, 8 x 12 heads x 197 x 197 scores per clip and layer for the
spatial attention alone), scales, soft-maxes and keeps it for the backward pass. SDPA computes the same
attention with a fused kernel (FlashAttention or memory-efficient attention on a GPU, a flash kernel on the
CPU) that never stores the matrix. `use_sdpa_attention(model)` gives every TimeSformer attention module
that forward: the same query/key/value projection and scale, the same attention dropout while training,
the same outputs up to float rounding (tested, values and gradients). Asked for the attention
probabilities (``output_attentions=True``), a module runs the stock forward, which returns them.

Only the modules' forward changes: the weights, `config.json` and `save_pretrained` output stay those of a
stock `TimesformerForVideoClassification`, so a saved model loads and runs anywhere without this module.
"""

from __future__ import annotations

import types

import torch
import torch.nn.functional as F
from torch import nn
from transformers.models.timesformer.modeling_timesformer import TimesformerSelfAttention


def use_sdpa_attention(model: nn.Module) -> nn.Module:
    """Give every `TimesformerSelfAttention` in `model` the SDPA forward; returns `model`."""
    patched = 0
    for module in model.modules():
        if isinstance(module, TimesformerSelfAttention):
            module.forward = types.MethodType(_sdpa_forward, module)
            patched += 1
    if not patched:
        raise ValueError(f"{type(model).__name__} has no TimeSformer attention to replace")
    return model


def _sdpa_forward(
    self: TimesformerSelfAttention, hidden_states: torch.Tensor, output_attentions: bool = False
) -> tuple[torch.Tensor, ...]:
    if output_attentions:
        return type(self).forward(self, hidden_states, output_attentions=True)
    batch, tokens, channels = hidden_states.shape
    heads = self.num_heads
    qkv = self.qkv(hidden_states).view(batch, tokens, 3, heads, channels // heads).permute(2, 0, 3, 1, 4)
    dropout = self.attn_drop.p if self.training else 0.0
    context = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], dropout_p=dropout, scale=self.scale)
    return (context.transpose(1, 2).reshape(batch, tokens, channels),)
