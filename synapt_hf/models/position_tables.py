"""VideoMAE's fixed sin-cos position tables kept on the model's device.

transformers stores them as plain tensor attributes (``VideoMAEEmbeddings.position_embeddings``, and the
decoder's ``VideoMAEForPreTraining.position_embeddings``), so ``model.to("cuda")`` leaves them in host
memory and every forward copies them to the GPU (``.to(device, copy=True)``). A copy from pageable host
memory makes the host wait until the GPU has finished all the work queued before it: once per supervised
step (4.8 MB for VideoMAE-Base), so the host cannot queue the next step while the GPU runs this one.

`keep_position_tables_on_device(model)` re-registers each table as a non-persistent buffer: it moves
with ``model.to()``, the stock forward's copy becomes a copy on the device, and the table stays out of
the state dict, so `save_pretrained` writes what it wrote before and checkpoints load as before.
"""

from __future__ import annotations

import torch
from torch import nn
from transformers import VideoMAEForPreTraining
from transformers.models.videomae.modeling_videomae import VideoMAEEmbeddings

_NAME = "position_embeddings"


def keep_position_tables_on_device(model: nn.Module) -> nn.Module:
    """Make every VideoMAE position table of `model` a non-persistent buffer (see above); returns `model`.
    Idempotent; models without such tables are returned unchanged."""
    for module in model.modules():
        if not isinstance(module, (VideoMAEEmbeddings, VideoMAEForPreTraining)) or _NAME in module._buffers:
            continue
        table = module.__dict__.get(_NAME)
        if not isinstance(table, torch.Tensor):
            continue
        delattr(module, _NAME)
        module.register_buffer(_NAME, table.detach().to(_device_of(module)), persistent=False)
    return model


def _device_of(module: nn.Module) -> torch.device:
    parameter = next(module.parameters(), None)
    return parameter.device if parameter is not None else torch.device("cpu")
