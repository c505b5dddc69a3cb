"""Moving occluders and camera shake of the natural presets: they move, cover the person, stay deterministic."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import torch

from synapt_hf.synth.clips import render_clips, render_samples, sample_clip
from synapt_hf.synth.config import GeneratorConfig
from synapt_hf.synth.occluders import OCCLUDER_FIELDS, sample_occluders


def _without_occluders(sample):
    rows = sample.scene.occluders.copy()
    rows[..., 12] = 0.0  # every slot inactive
    return dataclasses.replace(sample, scene=dataclasses.replace(sample.scene, occluders=rows))


def test_no_occluders_draw_nothing():
    rng = np.random.default_rng(0)
    assert sample_occluders(rng, (0, 0), ("one_over_f",)) == ()
    assert rng.random() == np.random.default_rng(0).random()


def test_occluders_move_and_cover_the_person():
    config = GeneratorConfig.create(6, frames=6, size=48, seed=4, preset="natural-static", shadows=False)
    samples = [sample_clip(config, "train", i) for i in range(6)]
    for sample in samples:
        scene = json.loads(sample.metadata["scene"])
        assert 1 <= len(scene["occluders"]) <= 4 and scene["shake_deg"] == 0.0
        assert sample.scene.occluders.shape == (6, 4, OCCLUDER_FIELDS) and sample.scene.static_camera
    frames, masks = render_samples(config, samples, return_mask=True)
    plain, plain_masks = render_samples(config, [_without_occluders(s) for s in samples], return_mask=True)
    # A still camera, no shadows: without occluders nothing but the person changes between frames ...
    outside = ~(masks | masks[:, :1])[..., None].expand_as(frames)
    plain_outside = ~(plain_masks | plain_masks[:, :1])[..., None].expand_as(plain)
    plain_change = (plain.int() - plain[:, :1].int()).abs()
    assert plain_change[plain_outside].max() == 0
    # ... with them, pixels away from the person change in every clip (the occluders move).
    change = (frames.int() - frames[:, :1].int()).abs().amax(-1)
    moved = (change * outside[..., 0]).gt(12).flatten(1).sum(1)
    assert moved.min() >= 20, moved
    # Occluders in front of the person hide parts of it; those behind never do.
    hidden = (plain_masks & ~masks).flatten(1).sum(1)
    assert (masks & ~plain_masks).sum() == 0
    fronts = [any(o["front"] for o in json.loads(s.metadata["scene"])["occluders"]) for s in samples]
    assert all(h == 0 for h, front in zip(hidden.tolist(), fronts, strict=True) if not front)
    assert hidden.sum() > 0


def test_natural_preset_is_deterministic_and_shakes_the_camera():
    config = GeneratorConfig.create(6, frames=4, size=32, seed=1, preset="natural")
    frames, samples = render_clips(config, range(6), batch_size=3)
    again, _ = render_clips(config, [4, 1], batch_size=1)
    assert torch.equal(again, frames[[4, 1]])
    scenes = [json.loads(s.metadata["scene"]) for s in samples]
    assert all(s["preset"] == "natural" and 0.0 <= s["shake_deg"] <= 1.5 for s in scenes)
    assert all(s.metadata["background"] in ("dead_leaves", "one_over_f") for s in samples)
    shaken = [s for s, info in zip(samples, scenes, strict=True) if info["shake_deg"] > 0.05]
    assert shaken and not any(s.scene.static_camera for s in shaken)
    # The shake turns the camera frame by frame: the light direction in camera space changes.
    assert all(np.ptp(s.scene.light_cam, axis=0).max() > 1e-4 for s in shaken)
