"""Stochastic depth (drop path) added to a built model, leaving its config and saved weights stock.

VideoMAE (transformers has none): forward hooks on the two residual branches of each layer (the attention projection's dropout and the MLP
output's dropout, both applied before the residual add) zero a whole sample's branch with probability
``rate_l`` and rescale survivors by ``1 / (1 - rate_l)``; ``rate_l`` grows linearly from 0 to `rate`
over the layers, as in timm/VideoMAE. Hooks add no parameters, so saved weights stay stock.
TimeSformer: each layer's ``drop_path`` module is replaced by transformers' own ``TimesformerDropPath``
(its config field is typed ``int`` in transformers 5, so a float rate cannot be stored in config.json).
"""

from __future__ import annotations

import torch
from torch import nn

from synapt_hf.errors import SynaptError


def _drop_path_hook(rate: float):
    keep = 1.0 - rate

    def hook(module: nn.Module, inputs, output: torch.Tensor) -> torch.Tensor:
        if not module.training or rate <= 0.0:
            return output
        shape = (output.shape[0],) + (1,) * (output.ndim - 1)
        mask = output.new_empty(shape).bernoulli_(keep)
        return output * mask / keep

    return hook


def add_drop_path(model: nn.Module, rate: float) -> list[torch.utils.hooks.RemovableHandle]:
    """Add drop path with maximum `rate` to every VideoMAE encoder layer of `model`; returns the hooks."""
    if not 0.0 <= rate < 1.0:
        raise SynaptError(f"drop_path_rate must be in [0, 1), got {rate}")
    if model.config.model_type == "timesformer":
        _timesformer_drop_path(model, rate)
        return []
    layers = model.videomae.encoder.layer
    handles = []
    for index, layer in enumerate(layers):
        layer_rate = rate * index / max(len(layers) - 1, 1)
        if layer_rate <= 0:
            continue
        handles.append(layer.attention.output.dropout.register_forward_hook(_drop_path_hook(layer_rate)))
        handles.append(layer.output.dropout.register_forward_hook(_drop_path_hook(layer_rate)))
    return handles


def _timesformer_drop_path(model: nn.Module, rate: float) -> None:
    from transformers.models.timesformer.modeling_timesformer import TimesformerDropPath

    layers = model.timesformer.encoder.layer
    for index, layer in enumerate(layers):
        layer_rate = rate * index / max(len(layers) - 1, 1)
        layer.drop_path = TimesformerDropPath(layer_rate) if layer_rate > 0 else nn.Identity()
