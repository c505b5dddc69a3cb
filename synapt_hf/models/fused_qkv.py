"""VideoMAE self-attention with one fused query/key/value projection, saved as the stock three.

transformers' `VideoMAESelfAttention` projects the tokens three times (``query``, ``key`` and ``value``,
three matrix products of width ``hidden_size``). `use_fused_qkv(model)` gives every such module of `model`
(the encoder's and, in `VideoMAEForPreTraining`, the decoder's) one ``qkv_weight`` parameter of shape
(3 * hidden, hidden), the three weights stacked in that order, so one matrix product of width
3 * hidden computes all three. VideoMAE's key projection has no bias while query and value have one when
``config.qv_bias``: the module keeps ``q_bias`` and ``v_bias`` parameters and concatenates them around a
constant zero block (a non-persistent buffer), so the key bias stays exactly zero and gets no gradient.
The attention itself (eager or SDPA, the scale, the dropout) is transformers' own, on the split outputs:
the same values and gradients as the stock module up to float rounding (tested).

The module's state dict keeps the stock names and shapes: a hook splits ``qkv_weight`` into copies named
``query.weight``, ``key.weight`` and ``value.weight`` (and the biases into ``query.bias`` and
``value.bias``) whenever ``state_dict()`` is called, and a load hook stacks stock keys back into the fused
parameters. So `save_pretrained`, accelerate's checkpoints and exported folders hold a stock
`VideoMAEForVideoClassification` / `VideoMAEForPreTraining`, loadable anywhere without this module, and a
stock state dict loads into a fused model. The optimizer sees the fused parameters, so its state (in
a checkpoint) belongs to a fused run. Call it after the weights are loaded and before the optimizer is
built.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from transformers.models.videomae.modeling_videomae import (
    ALL_ATTENTION_FUNCTIONS,
    VideoMAESelfAttention,
    eager_attention_forward,
)

_PARTS = ("query", "key", "value")
_ZERO_KEY_BIAS = "_synapt_zero_key_bias"


def use_fused_qkv(model: nn.Module) -> nn.Module:
    """Fuse the query/key/value projections of every `VideoMAESelfAttention` in `model` (see the module
    docstring); returns `model`. Idempotent. A model without VideoMAE attention is a `ValueError`."""
    found = 0
    for module in model.modules():
        if isinstance(module, VideoMAESelfAttention):
            found += 1
            if not is_fused(module):
                _fuse(module)
    if not found:
        raise ValueError(f"{type(model).__name__} has no VideoMAE self-attention to fuse")
    return model


def is_fused(module: nn.Module) -> bool:
    """Whether `module` (a `VideoMAESelfAttention`) runs the fused projection."""
    return "qkv_weight" in module._parameters


def _fuse(module: VideoMAESelfAttention) -> None:
    query, key, value = (getattr(module, part) for part in _PARTS)
    if key.bias is not None:
        raise ValueError("VideoMAE's key projection has no bias; this module has one and cannot be fused")
    with torch.no_grad():
        weight = torch.cat([query.weight, key.weight, value.weight], dim=0)
    for part in _PARTS:
        delattr(module, part)
    module.qkv_weight = nn.Parameter(weight, requires_grad=query.weight.requires_grad)
    if query.bias is not None:
        module.q_bias = nn.Parameter(query.bias.detach().clone(), requires_grad=query.bias.requires_grad)
        module.v_bias = nn.Parameter(value.bias.detach().clone(), requires_grad=value.bias.requires_grad)
        module.register_buffer(_ZERO_KEY_BIAS, torch.zeros_like(query.bias.detach()), persistent=False)
    module.forward = types.MethodType(_fused_forward, module)
    module.register_state_dict_post_hook(_save_stock_keys)
    module.register_load_state_dict_pre_hook(_load_stock_keys)


def _fused_bias(module: nn.Module) -> torch.Tensor | None:
    if "q_bias" not in module._parameters:
        return None
    zero = getattr(module, _ZERO_KEY_BIAS).to(module.q_bias.dtype)
    return torch.cat([module.q_bias, zero, module.v_bias])


def _fused_forward(
    self: VideoMAESelfAttention, hidden_states: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor | None]:
    leading = hidden_states.shape[:-1]
    qkv = F.linear(hidden_states, self.qkv_weight, _fused_bias(self))
    # (..., tokens, 3, heads, head size) -> 3 x (..., heads, tokens, head size), views of one tensor
    qkv = qkv.view(*leading, 3, -1, self.attention_head_size).movedim(-3, 0).transpose(-3, -2)
    queries, keys, values = qkv.unbind(0)
    attention: Callable = ALL_ATTENTION_FUNCTIONS.get_interface(
        self.config._attn_implementation, eager_attention_forward
    )
    context, probabilities = attention(
        self,
        queries,
        keys,
        values,
        None,
        is_causal=self.is_causal,
        scaling=self.scaling,
        dropout=0.0 if not self.training else self.dropout_prob,
    )
    return context.reshape(*context.shape[:-2], self.all_head_size), probabilities


def _save_stock_keys(module: nn.Module, state_dict: dict[str, Any], prefix: str, local_metadata: Any) -> None:
    """Replace the fused entries of `state_dict` by the stock ones (copies: no two keys share memory, as
    safetensors requires)."""
    weight = state_dict.pop(prefix + "qkv_weight", None)
    if weight is None:
        return
    for part, piece in zip(_PARTS, weight.chunk(3, dim=0), strict=True):
        state_dict[f"{prefix}{part}.weight"] = piece.clone()
    for part, name in (("query", "q_bias"), ("value", "v_bias")):
        bias = state_dict.pop(prefix + name, None)
        if bias is not None:
            state_dict[f"{prefix}{part}.bias"] = bias.clone()


def _load_stock_keys(
    module: nn.Module,
    state_dict: dict[str, Any],
    prefix: str,
    local_metadata: Any,
    strict: bool,
    missing_keys: list[str],
    unexpected_keys: list[str],
    error_msgs: list[str],
) -> None:
    """Stack stock query/key/value entries of `state_dict` into the fused names (in place), so a stock
    state dict loads into the fused module; entries already fused are left as they are."""
    names = [f"{prefix}{part}.weight" for part in _PARTS]
    if not all(name in state_dict for name in names):
        return
    state_dict[prefix + "qkv_weight"] = torch.cat([state_dict.pop(name) for name in names], dim=0)
    key_bias = state_dict.pop(f"{prefix}key.bias", None)
    if key_bias is not None and bool(torch.any(key_bias != 0)):
        error_msgs.append(f"{prefix}key.bias: VideoMAE's key projection has no bias; this one is not zero")
    for part, name in (("query", "q_bias"), ("value", "v_bias")):
        bias = state_dict.pop(f"{prefix}{part}.bias", None)
        if bias is not None:
            state_dict[prefix + name] = bias
