"""Linear probing head: BatchNorm without affine + Linear on frozen features, folded to a stock Linear.

During training the classifier is ``ProbeHead`` (BatchNorm1d(affine=False) then Linear) and every other
parameter is frozen. For saving, `fold_probe_head` rewrites it as one ``nn.Linear`` with
``W' = W / sqrt(var + eps)`` and ``b' = b - W' @ mean``, which computes exactly the eval-mode output,
so the saved model is a plain stock classifier that ``from_pretrained`` loads with no custom code.
Features: VideoMAE mean-pools the tokens and applies its (frozen) ``fc_norm``; TimeSformer uses its
CLS token after the final LayerNorm, as the stock classifiers do.
"""

from __future__ import annotations

import torch
from torch import nn
from transformers import PreTrainedModel


class ProbeHead(nn.Module):
    """BatchNorm1d(affine=False) followed by a Linear layer."""

    def __init__(self, in_features: int, num_labels: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.norm = nn.BatchNorm1d(in_features, affine=False, eps=eps)
        self.linear = nn.Linear(in_features, num_labels)
        nn.init.trunc_normal_(self.linear.weight, std=0.01)
        nn.init.zeros_(self.linear.bias)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.linear(self.norm(features))


def attach_probe_head(model: PreTrainedModel) -> list[nn.Parameter]:
    """Freeze `model` and replace its classifier by a `ProbeHead`; returns the head's (trainable) parameters."""
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    head = ProbeHead(model.config.hidden_size, model.config.num_labels)
    model.classifier = head
    return list(head.parameters())


def probe_train_mode(model: nn.Module) -> None:
    """Backbone in eval mode (no dropout, frozen statistics), only the probe head in train mode."""
    model.eval()
    model.classifier.train()


def fold_probe_head(model: PreTrainedModel) -> None:
    """Replace a `ProbeHead` by the equivalent ``nn.Linear`` (eval-mode BatchNorm folded in), in place."""
    head = model.classifier
    if not isinstance(head, ProbeHead):
        return
    with torch.no_grad():
        scale = torch.rsqrt(head.norm.running_var.float() + head.norm.eps)
        weight = head.linear.weight.float() * scale[None, :]
        bias = head.linear.bias.float() - weight @ head.norm.running_mean.float()
        folded = nn.Linear(weight.shape[1], weight.shape[0]).to(head.linear.weight.device)
        folded.weight.copy_(weight)
        folded.bias.copy_(bias)
    model.classifier = folded
