"""Natural-statistics textures: 1/f spectra, dead leaves with power-law leaves, random colour statistics."""

from __future__ import annotations

import numpy as np
import pytest

from synapt_hf.synth.natural import (
    LEAF_RADIUS,
    colour_mixing,
    dead_leaves_planes,
    leaf_radii,
    one_over_f_planes,
    radial_power_slope,
    spectral_noise,
)
from synapt_hf.synth.presets import NATURAL_TEXTURE_KINDS, Palette
from synapt_hf.synth.scene import procedural_texture

MEAN = np.array([0.5, 0.45, 0.4])


@pytest.mark.parametrize("alpha", [1.0, 1.75, 2.5])
def test_spectral_noise_has_the_requested_power_law(alpha):
    noise = spectral_noise(np.random.default_rng(3), 128, alpha, channels=4)
    assert noise.shape == (4, 128, 128)
    np.testing.assert_allclose(noise.mean(axis=(1, 2)), 0.0, atol=1e-9)
    np.testing.assert_allclose(noise.std(axis=(1, 2)), 1.0, rtol=1e-9)
    slopes = [radial_power_slope(channel) for channel in noise]
    assert np.mean(slopes) == pytest.approx(-2 * alpha, abs=0.2), slopes


@pytest.mark.parametrize("alpha", [1.0, 1.5, 2.0])
def test_one_over_f_texture_keeps_the_slope_in_every_colour_channel(alpha):
    planes = one_over_f_planes(np.random.default_rng(5), MEAN, 128, alpha=alpha)
    assert planes.dtype == np.float32 and planes.shape == (3, 128, 128)
    assert planes.min() >= 0.0 and planes.max() <= 1.0
    for channel in planes:
        assert radial_power_slope(channel) == pytest.approx(-2 * alpha, abs=0.35)
    # The colour mixing correlates the channels (luminance dominates), around the requested mean.
    correlation = np.corrcoef(planes.reshape(3, -1))
    assert np.abs(correlation[np.triu_indices(3, 1)]).max() > 0.3
    np.testing.assert_allclose(planes.mean(axis=(1, 2)), MEAN, atol=0.12)


def test_the_1_over_f_kind_draws_its_exponent_from_the_range():
    # After the renderer's grain (white noise) the mid-band slope still lies between -2 * 1 and -2 * 2.5.
    slopes = [radial_power_slope(procedural_texture(np.random.default_rng(s), "one_over_f").mean(-1), 4, 16)
              for s in range(16)]  # fmt: skip
    assert min(slopes) > -5.4 and max(slopes) < -1.5 and max(slopes) - min(slopes) > 0.8, slopes


def test_colour_mixing_is_luminance_led():
    for seed in range(20):
        mixing = colour_mixing(np.random.default_rng(seed), (0.1, 0.3))
        norms = np.linalg.norm(mixing, axis=0)
        assert 0.1 <= norms[0] <= 0.3 and np.all(norms[1:] <= 0.6 * norms[0] + 1e-12)
        np.testing.assert_allclose(mixing.T @ mixing, np.diag(norms**2), atol=1e-12)  # orthogonal columns
        cosine = mixing[:, 0].sum() / (np.sqrt(3.0) * norms[0])
        assert cosine > 0.8  # the leading direction is near grey (and brightens)


def test_leaf_radii_follow_the_power_law():
    radii = leaf_radii(np.random.default_rng(0), 200_000, *LEAF_RADIUS)
    assert LEAF_RADIUS[0] <= radii.min() and radii.max() <= LEAF_RADIUS[1]
    edges = np.geomspace(*LEAF_RADIUS, 12)
    density = np.histogram(radii, edges)[0] / np.diff(edges)
    centres = np.sqrt(edges[1:] * edges[:-1])
    assert np.polyfit(np.log(centres), np.log(density), 1)[0] == pytest.approx(-3.0, abs=0.1)


def test_dead_leaves_have_many_occluding_regions_at_many_scales():
    for seed in range(4):
        planes = dead_leaves_planes(np.random.default_rng(seed), MEAN, 128)
        assert planes.dtype == np.float32 and planes.shape == (3, 128, 128)
        colours, counts = np.unique(planes.reshape(3, -1).T, axis=0, return_counts=True)
        assert len(colours) > 200  # many distinct flat regions
        assert counts.max() < 0.25 * counts.sum()  # none dominates
        assert (counts >= 200).sum() >= 5 and (counts <= 10).sum() >= 50  # large and small leaves
        # Flat regions with sharp edges: most neighbouring texels are equal.
        same = np.all(planes[:, :, 1:] == planes[:, :, :-1], axis=0).mean()
        assert 0.6 < same < 0.98
        assert -2.6 < radial_power_slope(planes.mean(0)) < -1.4  # occlusion gives a near 1/f^2 spectrum


@pytest.mark.parametrize("kind", NATURAL_TEXTURE_KINDS)
def test_natural_kinds_are_deterministic_textures(kind):
    first = procedural_texture(np.random.default_rng(9), kind, palette=Palette(value=(0.4, 0.6)))
    again = procedural_texture(np.random.default_rng(9), kind, palette=Palette(value=(0.4, 0.6)))
    other = procedural_texture(np.random.default_rng(10), kind, palette=Palette(value=(0.4, 0.6)))
    assert first.shape == (128, 128, 3) and first.dtype == np.float32 and first.flags.c_contiguous
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert first.min() >= 0.0 and first.max() <= 1.0 and first.std() > 0.03
    low = procedural_texture(np.random.default_rng(9), kind, palette=Palette(value=(0.4, 0.6)), contrast=0.3)
    assert low.std(axis=(0, 1)).mean() < 0.6 * first.std(axis=(0, 1)).mean()
