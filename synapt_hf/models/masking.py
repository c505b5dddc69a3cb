"""Tube masking for VideoMAE pretraining: one random spatial mask repeated over every temporal slice.

VideoMAE embeds a clip with a Conv3d of kernel (tubelet, patch, patch) and flattens the output in
(time, height, width) order, so token ``t * S + s`` is spatial position ``s`` of tubelet ``t``, where
``S = (image_size / patch_size) ** 2``. Masking the same ``s`` for every ``t`` hides whole tubes, which
stops the model from copying a patch from its neighbour in time (Tong et al., 2022).
"""

from __future__ import annotations

import math

import torch

from synapt_hf.device_copy import to_device
from synapt_hf.errors import SynaptError


def token_grid(num_frames: int, image_size: int, patch_size: int, tubelet_size: int) -> tuple[int, int]:
    """(temporal slices, spatial patches per slice) of a VideoMAE token sequence."""
    if num_frames % tubelet_size:
        raise SynaptError(f"num_frames ({num_frames}) must be a multiple of tubelet_size ({tubelet_size})")
    if image_size % patch_size:
        raise SynaptError(f"image_size ({image_size}) must be a multiple of patch_size ({patch_size})")
    return num_frames // tubelet_size, (image_size // patch_size) ** 2


def num_masked_patches(spatial_patches: int, mask_ratio: float) -> int:
    """How many spatial positions a mask hides: ``int(ratio * S)``, at least one and at most S-1."""
    if not 0.0 < mask_ratio < 1.0:
        raise SynaptError(f"mask_ratio must be in (0, 1), got {mask_ratio}")
    return min(max(math.floor(mask_ratio * spatial_patches), 1), spatial_patches - 1)


def tube_mask(
    batch_size: int,
    temporal_slices: int,
    spatial_patches: int,
    mask_ratio: float = 0.9,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Bool (batch, T' * S) mask, True = hidden; each row hides the same count, repeated over time."""
    masked = num_masked_patches(spatial_patches, mask_ratio)
    scores = torch.rand(batch_size, spatial_patches, generator=generator)
    hidden_positions = scores.argsort(dim=1)[:, :masked]
    spatial = torch.zeros(batch_size, spatial_patches, dtype=torch.bool)
    spatial.scatter_(1, hidden_positions, True)
    if device is not None:
        spatial = to_device(spatial, device)
    return spatial.unsqueeze(1).expand(batch_size, temporal_slices, spatial_patches).reshape(batch_size, -1)


def masked_token_count(config, mask_ratio: float) -> int:
    """How many tokens `tube_mask_for_config` hides in every row: the hidden spatial positions times the
    temporal slices (the same for every clip, which `models.mae_forward` relies on)."""
    slices, patches = token_grid(config.num_frames, config.image_size, config.patch_size, config.tubelet_size)
    return slices * num_masked_patches(patches, mask_ratio)


def tube_mask_for_config(
    config, batch_size: int, mask_ratio: float, generator: torch.Generator | None = None, device=None
) -> torch.Tensor:
    """`tube_mask` sized from a VideoMAE config (num_frames, image_size, patch_size, tubelet_size)."""
    slices, patches = token_grid(config.num_frames, config.image_size, config.patch_size, config.tubelet_size)
    return tube_mask(batch_size, slices, patches, mask_ratio, generator, device)
