"""Optimizer parameter groups: no weight decay on norms/biases/embeddings, layer-wise learning-rate decay.

With decay ``d`` and ``L`` encoder layers, the patch/position embeddings get ``lr * d ** (L + 1)``, layer
``i`` gets ``lr * d ** (L - i)`` and everything after the encoder (final norm, head) gets ``lr``: the
fine-tuning recipe of BEiT/VideoMAE. ``d = 1`` gives one learning rate for all.
"""

from __future__ import annotations

import re

from torch import nn

_LAYER = re.compile(r"\.encoder\.layer\.(\d+)\.")
_NO_DECAY_HINTS = ("bias", "norm", "position_embeddings", "cls_token", "time_embeddings", "mask_token")


def layer_id(name: str, num_layers: int) -> int:
    """0 for embeddings, i + 1 for encoder layer i, num_layers + 1 for everything after the encoder."""
    match = _LAYER.search(name)
    if match:
        return int(match.group(1)) + 1
    if ".embeddings." in name or name.endswith(("cls_token", "position_embeddings", "time_embeddings")):
        return 0
    return num_layers + 1


def parameter_groups(
    model: nn.Module, learning_rate: float, weight_decay: float, layer_decay: float = 1.0, num_layers: int = 0
) -> list[dict]:
    """AdamW groups keyed by (layer, decay) with ``lr_scale`` recorded; only trainable parameters."""
    groups: dict[tuple[int, bool], dict] = {}
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        no_decay = parameter.ndim <= 1 or any(hint in name for hint in _NO_DECAY_HINTS)
        layer = layer_id(name, num_layers) if layer_decay < 1.0 else num_layers + 1
        scale = layer_decay ** (num_layers + 1 - layer)
        key = (layer, no_decay)
        if key not in groups:
            groups[key] = {
                "params": [],
                "weight_decay": 0.0 if no_decay else weight_decay,
                "lr": learning_rate * scale,
                "lr_scale": scale,
            }
        groups[key]["params"].append(parameter)
    return [groups[key] for key in sorted(groups)]
