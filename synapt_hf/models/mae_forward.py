"""VideoMAE pretraining forward without device-to-host synchronisation.

transformers' `VideoMAEForPreTraining.forward` selects the visible and the masked tokens with boolean
indexing (``tokens[~bool_masked_pos]``), four times per step, and copies its position tables and the
ImageNet mean/std from host memory every step. Each of those waits for the GPU to finish all queued work,
so the host can never queue a step ahead, and with 90 % of the tokens masked the encoder's kernels are
short enough for the step to be bound by kernel launches. With tube masking every clip hides the same
number of tokens, so the positions can be taken by a stable sort of the mask and gathered with static
shapes instead, and the constants kept on the device as
non-persistent buffers: they move with ``model.to()``, stay out of the saved weights, and are inputs of
a compiled graph rather than tensors it creates. On an H100 this step runs 1.5-1.7x the stock one
(docs/benchmarks.md), and it replays as CUDA graphs (``--torch-compile-mode reduce-overhead``; the CUDA
test passed on an H100).

`use_sync_free_forward(model)` gives one model that forward: called with ``num_masked=`` it computes the
same loss and logits as the stock forward (the same operations on the same values, in the same token
order; tested), and without it (as stock callers do) it runs the stock forward. The model stays a stock
`VideoMAEForPreTraining`: it saves, loads and wraps (DDP, FSDP, torch.compile) as before.
"""

from __future__ import annotations

import types
from typing import Any

import torch
import torch.nn.functional as F
from transformers import VideoMAEForPreTraining
from transformers.models.videomae.modeling_videomae import VideoMAEForPreTrainingOutput
from transformers.utils.constants import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD

from synapt_hf.models.position_tables import keep_position_tables_on_device

# the stock forward's un-normalisation constants, as (1, 1, 3, 1, 1) float32 tables
_MEAN = torch.tensor(IMAGENET_DEFAULT_MEAN)[None, None, :, None, None]
_STD = torch.tensor(IMAGENET_DEFAULT_STD)[None, None, :, None, None]
_BUFFER = "_synapt_"  # prefix of the mean/std tables' buffer names


def use_sync_free_forward(model: VideoMAEForPreTraining) -> VideoMAEForPreTraining:
    """Give `model` the sync-free forward (see the module docstring); returns `model`."""
    model.forward = types.MethodType(_forward, model)
    # the encoder's and the decoder's position tables, as device buffers (models/position_tables.py)
    keep_position_tables_on_device(model)
    device = next(model.parameters()).device
    for name, table in {"pixel_mean": _MEAN, "pixel_std": _STD}.items():
        model.register_buffer(_BUFFER + name, table.to(device), persistent=False)
    return model


def split_positions(bool_masked_pos: torch.Tensor, num_masked: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(visible, masked) token positions of each row, each in increasing order (the order boolean indexing
    gives), for masks that hide exactly `num_masked` tokens per row: no host synchronisation."""
    order = torch.argsort(bool_masked_pos.to(torch.int8), dim=1, stable=True)
    visible = bool_masked_pos.shape[1] - num_masked
    return order[:, :visible], order[:, visible:]


def take(tokens: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """``tokens[b, positions[b]]`` for every row: (B, N, C) and (B, K) -> (B, K, C)."""
    return torch.gather(tokens, 1, positions.unsqueeze(-1).expand(-1, -1, tokens.shape[-1]))


def _forward(
    self: VideoMAEForPreTraining,
    pixel_values: torch.Tensor,
    bool_masked_pos: torch.Tensor,
    num_masked: int | None = None,
    **kwargs: Any,
) -> VideoMAEForPreTrainingOutput:
    if num_masked is None or kwargs or self.config.num_channels != 3:
        return type(self).forward(self, pixel_values, bool_masked_pos=bool_masked_pos, **kwargs)
    visible, masked = split_positions(bool_masked_pos, num_masked)
    embeddings = self.videomae.embeddings
    tokens = embeddings.patch_embeddings(pixel_values)
    tokens = tokens + embeddings.position_embeddings.to(tokens.dtype)
    hidden = self.videomae.encoder(take(tokens, visible)).last_hidden_state
    if self.videomae.layernorm is not None:
        hidden = self.videomae.layernorm(hidden)
    hidden = self.encoder_to_decoder(hidden)
    positions = self.position_embeddings.to(pixel_values.dtype).expand(pixel_values.shape[0], -1, -1)
    sequence = torch.cat(
        [hidden + take(positions, visible), self.mask_token + take(positions, masked)], dim=1
    )
    logits = self.decoder(sequence, num_masked).logits
    with torch.no_grad():
        labels = take(_patch_targets(self, pixel_values), masked)
    return VideoMAEForPreTrainingOutput(loss=F.mse_loss(logits, labels), logits=logits)


def _constant(model: Any, name: str, like: torch.Tensor) -> torch.Tensor:
    """The constant table `name` (a buffer on the model's device) in `like`'s dtype."""
    return getattr(model, _BUFFER + name).to(like.dtype)


def _patch_targets(model: VideoMAEForPreTraining, pixel_values: torch.Tensor) -> torch.Tensor:
    """The reconstruction target of every token (B, N, tubelet * patch * patch * 3): the clip in [0, 1],
    cut into tubelet patches (pixel order: time, row, column, channel), each normalised by its own mean and
    (unbiased) standard deviation when ``norm_pix_loss``; what the stock forward computes."""
    config = model.config
    mean = _constant(model, "pixel_mean", pixel_values)
    std = _constant(model, "pixel_std", pixel_values)
    frames = pixel_values * std + mean
    batch, time, channels, height, width = frames.shape
    tubelet, patch = config.tubelet_size, config.patch_size
    grid = (time // tubelet, height // patch, width // patch)
    frames = frames.view(batch, grid[0], tubelet, channels, grid[1], patch, grid[2], patch)
    frames = frames.permute(0, 1, 4, 6, 2, 5, 7, 3).contiguous()
    tokens = grid[0] * grid[1] * grid[2]
    if not config.norm_pix_loss:
        return frames.view(batch, tokens, tubelet * patch * patch * channels)
    frames = frames.view(batch, tokens, tubelet * patch * patch, channels)
    spread = frames.var(dim=-2, unbiased=True, keepdim=True).sqrt() + 1e-6
    normalised = (frames - frames.mean(dim=-2, keepdim=True)) / spread
    return normalised.view(batch, tokens, tubelet * patch * patch * channels)
