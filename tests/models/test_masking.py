"""Tube masking: one spatial mask per clip, repeated over every temporal slice, in VideoMAE's token order."""

from __future__ import annotations

import pytest
import torch
from transformers import VideoMAEForPreTraining

from synapt_hf.errors import SynaptError
from synapt_hf.models.masking import num_masked_patches, token_grid, tube_mask, tube_mask_for_config


def test_mask_hides_the_same_spatial_positions_in_every_slice() -> None:
    mask = tube_mask(
        3, temporal_slices=4, spatial_patches=16, mask_ratio=0.75, generator=torch.Generator().manual_seed(0)
    )
    assert mask.shape == (3, 64) and mask.dtype == torch.bool
    grid = mask.view(3, 4, 16)
    assert torch.equal(grid, grid[:, :1].expand_as(grid))  # a tube: identical over time
    assert grid[:, 0].sum(dim=1).tolist() == [12, 12, 12]
    assert not torch.equal(grid[0, 0], grid[1, 0])  # a different random mask per clip


def test_default_ratio_and_bounds() -> None:
    assert num_masked_patches(196, 0.9) == 176
    assert num_masked_patches(4, 0.9) == 3
    assert num_masked_patches(4, 0.01) == 1
    with pytest.raises(SynaptError, match="mask_ratio"):
        num_masked_patches(16, 1.0)
    with pytest.raises(SynaptError, match="tubelet_size"):
        token_grid(num_frames=7, image_size=32, patch_size=16, tubelet_size=2)


def test_mask_is_reproducible_from_a_generator() -> None:
    a = tube_mask(2, 2, 16, 0.9, torch.Generator().manual_seed(5))
    b = tube_mask(2, 2, 16, 0.9, torch.Generator().manual_seed(5))
    assert torch.equal(a, b)


def test_mask_matches_the_token_layout_of_videomae(tiny_model_config) -> None:
    """Masked tokens are exactly the tubes whose pixels the model is asked to reconstruct."""
    config = tiny_model_config("videomae", norm_pix_loss=False)
    model = VideoMAEForPreTraining(config).eval()
    mask = tube_mask_for_config(config, 1, 0.5, torch.Generator().manual_seed(1))
    assert mask.shape == (1, 2 * 4)
    slice0 = mask.view(2, 2, 2)[0]  # slice 0 as a 2x2 grid of patches

    def loss_with_painted_tube(hidden: bool) -> float:
        row, col = (slice0 if hidden else ~slice0).nonzero()[0].tolist()
        pixels = torch.zeros(1, 4, 3, 32, 32)
        pixels[:, :, :, row * 16 : (row + 1) * 16, col * 16 : (col + 1) * 16] = 5.0  # every frame
        with torch.no_grad():
            return float(model(pixel_values=pixels, bool_masked_pos=mask).loss)

    with torch.no_grad():
        plain = float(model(pixel_values=torch.zeros(1, 4, 3, 32, 32), bool_masked_pos=mask).loss)
    # a painted hidden tube is a reconstruction target in both slices; a painted visible one is not
    assert loss_with_painted_tube(hidden=True) > 3 * plain
    assert loss_with_painted_tube(hidden=False) < 1.5 * plain
