"""Textured clothing of the natural presets: natural textures around the clothing colours, fixed to the body."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch

from synapt_hf.synth.actions import ACTIONS_BY_NAME, pose_sequence
from synapt_hf.synth.body import CLOTHING_SLOTS, PART_NAMES, PART_SLOT, BodyShape
from synapt_hf.synth.clips import clip_rng, render_samples, sample_clip
from synapt_hf.synth.config import GeneratorConfig
from synapt_hf.synth.motion import Variation
from synapt_hf.synth.presets import NATURAL_TEXTURE_KINDS, PRESETS, ScenePreset
from synapt_hf.synth.render import render_batch, stack_scenes
from synapt_hf.synth.scene import (
    CLOTHING_FABRICS,
    CLOTHING_TEXTURE_SIZE,
    CLOTHING_TEXTURE_SLOTS,
    PART_CLOTHING_TEXTURE,
    build_scene,
    sample_clothing,
    sample_clothing_textures,
    sample_scene,
)

CLASSES = "walking,jumping_jack,waving_one_hand,squatting"


def _ambient_only(config: GeneratorConfig, indices) -> tuple[list, torch.Tensor, torch.Tensor]:
    """Clips rendered without direct light and shirt stripes: a flat part shows one colour exactly."""
    samples = [sample_clip(config, "train", i) for i in indices]
    for sample in samples:
        sample.scene.light_rgb[:] = 0.0
        sample.scene.stripe_amp[:] = 0.0
    frames, masks = render_samples(config, samples, return_mask=True)
    return samples, frames, masks


def _body_colours(frames: torch.Tensor, masks: torch.Tensor) -> list[int]:
    """Number of distinct colours on the visible body, per clip."""
    return [len(torch.unique(clip[mask], dim=0)) for clip, mask in zip(frames, masks, strict=True)]


def test_natural_clothing_is_textured_and_the_other_presets_stay_flat():
    natural = GeneratorConfig.create(CLASSES, frames=3, size=64, seed=4, preset="natural-static")
    samples, frames, masks = _ambient_only(natural, range(4))
    assert all(s.scene.clothing_textures.shape == (4, 32, 32, 3) for s in samples)
    assert min(_body_colours(frames, masks)) > 40, _body_colours(frames, masks)
    for preset in ("default", "side-view", "easy"):
        config = GeneratorConfig.create(CLASSES, frames=3, size=64, seed=4, preset=preset)
        flat_samples, flat, flat_masks = _ambient_only(config, range(4))
        assert all(s.scene.clothing_textures.shape[0] == 0 for s in flat_samples)
        # One colour per clothing slot (skin, hair, shirt, sleeves, pants, shoes) at most.
        assert max(_body_colours(flat, flat_masks)) <= len(CLOTHING_SLOTS), preset
        assert "clothing" not in json.loads(flat_samples[0].metadata["scene"])


def test_textures_change_only_the_clothing_pixels(monkeypatch):
    # The same preset with flat clothing draws the same clip stream: backgrounds, occluders, bodies and
    # colours are identical; only the clothed parts' pixels differ.
    flat = dataclasses.replace(PRESETS["natural"], name="natural-flat", clothing_kinds=())
    monkeypatch.setitem(PRESETS, "natural-flat", flat)
    textured = GeneratorConfig.create(CLASSES, frames=3, size=48, seed=8, preset="natural")
    plain = GeneratorConfig.create(CLASSES, frames=3, size=48, seed=8, preset="natural-flat")
    a = [sample_clip(textured, "train", i) for i in range(4)]
    b = [sample_clip(plain, "train", i) for i in range(4)]
    for x, y in zip(a, b, strict=True):
        for name in ("seg_a", "albedo", "textures", "occluders", "occluder_textures", "focal_px"):
            np.testing.assert_array_equal(getattr(x.scene, name), getattr(y.scene, name))
        scene_a, scene_b = json.loads(x.metadata["scene"]), json.loads(y.metadata["scene"])
        assert set(scene_a.pop("clothing")) == set(CLOTHING_FABRICS)
        assert scene_a == {**scene_b, "preset": "natural"}
    frames_a, masks_a = render_samples(textured, a, return_mask=True)
    frames_b, masks_b = render_samples(plain, b, return_mask=True)
    assert torch.equal(masks_a, masks_b)
    differs = (frames_a != frames_b).any(-1)
    assert not differs[~masks_a].any()
    assert differs[masks_a].float().mean() > 0.3


def test_clothing_textures_centre_on_the_clothing_colours():
    for seed in range(6):
        rng = np.random.default_rng(seed)
        albedo, _, _ = sample_clothing(rng)
        radii = BodyShape().radii()
        kinds = tuple(NATURAL_TEXTURE_KINDS[(seed + k) % 2] for k in range(3))
        textures, uv = sample_clothing_textures(rng, kinds, albedo, radii)
        assert textures.shape == (4, CLOTHING_TEXTURE_SIZE, CLOTHING_TEXTURE_SIZE, 3)
        assert textures.dtype == np.float32 and textures.min() >= 0.0 and textures.max() <= 1.0
        for slot in ("shirt", "pants", "shoes"):
            texture = textures[CLOTHING_TEXTURE_SLOTS.index(slot)]
            part = PART_SLOT.tolist().index(CLOTHING_SLOTS.index(slot))
            assert texture.std(axis=(0, 1)).max() > 0.02  # not flat
            np.testing.assert_allclose(np.median(texture, axis=(0, 1)), albedo[part], atol=0.2)
        sleeve = textures[CLOTHING_TEXTURE_SLOTS.index("sleeve")]
        arm = PART_NAMES.index("l_upper_arm")
        if np.array_equal(albedo[arm], albedo[PART_NAMES.index("upper_torso")]):  # long sleeves
            np.testing.assert_array_equal(sleeve, textures[CLOTHING_TEXTURE_SLOTS.index("shirt")])
        else:  # short sleeves: the arm's skin, flat
            assert np.all(sleeve == albedo[arm])
        # Whole repeats around every part, square texels (repeats per metre along = around / circumference).
        assert np.all(uv[:, 0] >= 1) and np.all(uv[:, 0] == np.round(uv[:, 0]))
        np.testing.assert_allclose(uv[:, 1], uv[:, 0] / (2 * np.pi * radii), rtol=1e-6)
        assert np.all((uv[:, 2:] >= 0) & (uv[:, 2:] < 1))
    textured = [PART_NAMES[p] for p in np.flatnonzero(PART_CLOTHING_TEXTURE >= 0)]
    assert "upper_torso" in textured and "l_foot" in textured and "face" not in textured


def _turned():
    """A natural-static jumping-jack clip built twice: as sampled, and with the world (body, camera, light)
    turned a quarter about the vertical axis. Returns both scenes and their renders + body masks."""
    config = GeneratorConfig.create(CLASSES, frames=3, size=64, seed=5, preset="natural-static")
    rng = clip_rng(5, "train", 0)
    action = ACTIONS_BY_NAME["jumping_jack"]
    body = BodyShape.sample(rng)
    joints = pose_sequence(action, body, Variation.sample(rng, action.cycles, 0.0), config.frames)
    params = sample_scene(rng, 1, "independent", False, "natural-static", action)
    params = dataclasses.replace(params, occluders=(), occluder_slots=0)
    quarter = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0]])  # x' = z, z' = -x
    turned = dataclasses.replace(params, azimuth_deg=params.azimuth_deg + 90.0,
                                 light_azimuth_deg=params.light_azimuth_deg + 90.0)  # fmt: skip
    scenes = [
        build_scene(joints, body, params, np.random.default_rng(1), 1, "independent", config.size),
        build_scene(
            joints @ quarter.T, body, turned, np.random.default_rng(1), 1, "independent", config.size
        ),
    ]
    return config, scenes


def test_clothing_texture_turns_with_the_body():
    config, (scene, turned) = _turned()
    # Same camera-space view of the body: the texture frame is the body's, not the world's.
    np.testing.assert_allclose(turned.seg_a, scene.seg_a, atol=1e-4)
    np.testing.assert_allclose(turned.clothing_frame, scene.clothing_frame, atol=1e-4)
    frames, masks = render_batch(stack_scenes([scene, turned]), config.size, return_mask=True, fused=False)
    both = masks[0] & masks[1]
    assert both.sum() > 300 and (masks[0] ^ masks[1]).sum() < 0.01 * both.sum()
    diff = (frames[0].int() - frames[1].int()).abs().amax(-1)
    assert (diff[both] > 2).float().mean() < 0.01
    # The check can fail: the same scene with its textures turned a quarter around each part differs.
    spun = dataclasses.replace(turned, clothing_uv=turned.clothing_uv.copy())
    spun.clothing_uv[:, 2] += 0.25
    spun_frames = render_batch(stack_scenes([spun]), config.size, fused=False)
    assert ((spun_frames[0].int() - frames[0].int()).abs().amax(-1)[both] > 2).float().mean() > 0.2


def test_clothing_kinds_must_be_natural():
    with pytest.raises(ValueError, match="clothing kinds"):
        ScenePreset("bad", "stripy clothes", clothing_kinds=("stripes",))
    assert (
        PRESETS["natural"].clothing_kinds == PRESETS["natural-static"].clothing_kinds == NATURAL_TEXTURE_KINDS
    )
    assert all(not PRESETS[name].clothing_kinds for name in ("default", "side-view", "easy"))
    assert PRESETS["natural"].to_dict()["clothing_kinds"] == list(NATURAL_TEXTURE_KINDS)
