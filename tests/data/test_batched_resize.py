"""Batched crop + resize + flip (two matrix products) against PyTorch's per-clip antialiased resize."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from synapt_hf.data.batched_resize import crop_resize_flip, resize_weights
from synapt_hf.data.transforms import ClipTransform


@pytest.mark.parametrize(
    ("length", "out"), [(224, 224), (112, 224), (150, 224), (298, 224), (400, 112), (13, 7), (7, 13)]
)
def test_resize_weights_are_pytorchs_antialiased_bilinear(length, out):
    values = torch.rand(5, length) * 255
    expected = F.interpolate(
        values[None, :, None, :], size=(1, out), mode="bilinear", align_corners=False, antialias=True
    )[0, :, 0, :]
    got = values @ resize_weights(length, out).T
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-4)
    sums = resize_weights(length, out).sum(dim=1)
    torch.testing.assert_close(sums, torch.ones_like(sums), rtol=0, atol=1e-6)  # a weighted mean


def test_a_crop_is_columns_of_the_full_width_matrix():
    inside = resize_weights(40, 32)
    placed = resize_weights(40, 32, offset=7, full=60)
    assert placed.shape == (32, 60)
    torch.testing.assert_close(placed[:, 7:47], inside, rtol=0, atol=0)
    assert not placed[:, :7].any() and not placed[:, 47:].any()


def test_crop_resize_flip_matches_interpolate_clip_by_clip():
    clips = torch.from_numpy(np.random.default_rng(0).integers(0, 256, (4, 3, 40, 50, 3), dtype=np.uint8))
    boxes = [(0, 0, 40, 50), (5, 9, 20, 30), (2, 1, 38, 44), (10, 10, 16, 16)]
    flips = [False, True, False, True]
    got = crop_resize_flip(clips, boxes, flips, (16, 24))
    assert got.shape == (4, 3, 3, 16, 24)
    for clip, (top, left, h, w), flip, out in zip(clips, boxes, flips, got, strict=True):
        crop = clip.permute(0, 3, 1, 2).float()[..., top : top + h, left : left + w]
        expected = F.interpolate(crop, size=(16, 24), mode="bilinear", align_corners=False, antialias=True)
        torch.testing.assert_close(out, expected.flip(-1) if flip else expected, rtol=0, atol=2e-4)


def test_batched_augmentation_draws_the_per_clip_boxes_and_flips(same_pixels_up_to_rounding):
    rng = np.random.default_rng(3)
    clips = torch.from_numpy(rng.integers(0, 256, (16, 4, 48, 64, 3), dtype=np.uint8))
    transform = ClipTransform(resize=None, crop=(32, 32), train=True, scale=(0.2, 1.0))
    seeds = range(100, 116)
    batch = transform.augment_clips(clips, [torch.Generator().manual_seed(s) for s in seeds])
    per_clip = torch.stack(
        [
            transform(clip, generator=torch.Generator().manual_seed(s))
            for clip, s in zip(clips, seeds, strict=True)
        ]
    )
    same_pixels_up_to_rounding(batch, per_clip)
    generators = [torch.Generator().manual_seed(s) for s in seeds[:3]]
    same_pixels_up_to_rounding(transform.augment_clips(list(clips[:3]), generators), per_clip[:3])
    mixed = [clips[0], clips[1], clips[2, :, :40]]  # different sizes: resized clip by clip
    generators = [torch.Generator().manual_seed(s) for s in seeds[:3]]
    torch.testing.assert_close(
        transform.augment_clips(mixed, generators)[:2], per_clip[:2], rtol=0, atol=1e-6
    )


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_batched_augmentation_matches_the_cpu(same_pixels_up_to_rounding):
    clips = torch.from_numpy(np.random.default_rng(5).integers(0, 256, (20, 4, 40, 40, 3), dtype=np.uint8))
    transform = ClipTransform(resize=None, crop=(40, 40), train=True, scale=(0.25, 1.0))
    cpu = transform.augment_clips(clips, [torch.Generator().manual_seed(s) for s in range(20)])
    gpu = transform.augment_clips(clips.cuda(), [torch.Generator().manual_seed(s) for s in range(20)])
    # each device computes the resize weights itself in float32 (division, sums in its own order): on an H100
    # 0.28 % of the values rounded to the neighbouring grey level (2026-11-27), never further apart
    same_pixels_up_to_rounding(gpu.cpu(), cpu, fraction=1e-2)
