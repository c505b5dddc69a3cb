"""Procedural textures: the plane-by-plane computation gives, bit for bit, the pixel-interleaved one."""

from __future__ import annotations

import numpy as np
import pytest

from synapt_hf.synth.scene import TEXTURE_KINDS, plane_means, procedural_texture, random_colour


def _interleaved_reference(rng: np.random.Generator, kind: str, size: int = 64) -> np.ndarray:
    """The textures as (size, size, 3) arrays computed pixel-interleaved (the layout the renderer reads)."""
    c1 = random_colour(rng).astype(np.float32)
    c2 = random_colour(rng).astype(np.float32)
    y, x = (np.mgrid[0:size, 0:size].astype(np.float32) + 0.5) / size
    if kind == "noise":

        def upsample(grid):
            g = grid.shape[0]
            coords = (np.arange(size) + 0.5) * g / size - 0.5
            i0 = np.floor(coords).astype(int)
            f = (coords - i0)[:, None]
            i0, i1 = i0 % g, (i0 + 1) % g
            rows = grid[i0] * (1 - f)[:, :, None] + grid[i1] * f[:, :, None]
            return rows[:, i0] * (1 - f)[None, :, :] + rows[:, i1] * f[None, :, :]

        coarse = upsample(rng.random((4, 4, 1), dtype=np.float32))
        fine = upsample(rng.random((16, 16, 1), dtype=np.float32))
        tex = c1 + (c2 - c1) * np.clip(0.65 * coarse + 0.35 * fine, 0, 1)
    elif kind == "gradient":
        angle = rng.uniform(0, 2 * np.pi)
        turns = np.round(np.array([np.cos(angle), np.sin(angle)]) * 2)
        turns = turns if np.any(turns) else np.array([1.0, 0.0])
        ramp = 0.5 + 0.5 * np.cos(2 * np.pi * (turns[0] * x + turns[1] * y))[..., None]
        tex = c1 + (c2 - c1) * ramp.astype(np.float32)
    elif kind == "stripes":
        freq, direction = int(rng.integers(3, 12)), int(rng.integers(0, 3))
        tex = np.where((np.mod((x, y, x + y)[direction] * freq, 1.0) < 0.5)[..., None], c1, c2)
    else:  # checkers
        cells = int(rng.integers(2, 9)) * 2
        tex = np.where(((np.floor(x * cells) + np.floor(y * cells)) % 2 == 0)[..., None], c1, c2)
    grain = rng.standard_normal((size, size, 1), dtype=np.float32) * 0.025
    return np.clip(tex + grain, 0.0, 1.0).astype(np.float32)


@pytest.mark.parametrize("kind", ["noise", "gradient", "stripes", "checkers"])
def test_textures_equal_the_pixel_interleaved_computation(kind):
    assert kind in TEXTURE_KINDS
    for seed in range(12):
        got = procedural_texture(np.random.default_rng(seed), kind, size=64)
        expected = _interleaved_reference(np.random.default_rng(seed), kind)
        assert got.dtype == np.float32 and got.shape == (64, 64, 3) and got.flags.c_contiguous
        np.testing.assert_array_equal(got, expected)


def test_plane_means_equal_numpys_mean_of_the_interleaved_textures():
    rng = np.random.default_rng(0)
    for _ in range(20):
        textures = rng.random((2, 128, 128, 3), dtype=np.float32) * np.float32(rng.uniform(0.1, 1.0))
        planes = np.ascontiguousarray(textures.transpose(0, 3, 1, 2))
        np.testing.assert_array_equal(plane_means(planes), textures.mean(axis=(1, 2)).astype(np.float32))
