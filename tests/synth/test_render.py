from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch

from synapt_hf.errors import SynaptError
from synapt_hf.synth import render
from synapt_hf.synth.actions import ACTION_NAMES
from synapt_hf.synth.clips import render_clips, render_samples, sample_clip
from synapt_hf.synth.config import GeneratorConfig


def test_same_seed_same_pixels_and_batching_does_not_matter(tiny_config):
    batched, samples = render_clips(tiny_config, range(5), batch_size=5)
    again, _ = render_clips(tiny_config, range(5), batch_size=5)
    single = torch.cat([render_clips(tiny_config, [i], batch_size=1)[0] for i in range(5)])
    shifted, _ = render_clips(tiny_config, range(3, 8), batch_size=2)
    assert batched.dtype == torch.uint8 and batched.shape == (5, 6, 48, 48, 3)
    assert torch.equal(batched, again)
    assert torch.equal(batched, single)
    assert torch.equal(batched[3:], shifted[:2])
    other_seed, _ = render_clips(GeneratorConfig.from_dict({**tiny_config.to_dict(), "seed": 8}), range(5))
    assert not torch.equal(batched, other_seed)
    assert [s.index for s in samples] == list(range(5))


def test_every_class_shows_a_moving_person_in_every_frame():
    config = GeneratorConfig.create("all", frames=8, size=64, seed=3, camera_motion=False)
    n = config.num_classes
    samples = [sample_clip(config, "train", i) for i in range(n)]  # one block = every class once
    assert sorted(s.label for s in samples) == list(range(n))
    frames, masks = render_samples(config, samples, return_mask=True)
    fraction = masks.float().mean(dim=(2, 3))  # (clips, frames)
    for sample, clip_fraction, clip in zip(samples, fraction, frames, strict=True):
        name = config.classes[sample.label]
        assert clip_fraction.min() > 0.01, f"{name}: person not visible in some frame"
        assert clip_fraction.max() < 0.5, f"{name}: person fills too much of the frame"
        diff = (clip[1:].int() - clip[:1].int()).abs().amax(-1)
        assert (diff > 12).sum() >= 8, f"{name}: no visible motion"


def test_mirrored_and_plain_variants_differ(tiny_config):
    index = next(i for i in range(30) if sample_clip(tiny_config, "train", i).label == 2)  # waving_one_hand
    plain = render_samples(tiny_config, [sample_clip(tiny_config, "train", index, mirrored=False)])
    mirrored = render_samples(tiny_config, [sample_clip(tiny_config, "train", index, mirrored=True)])
    assert (plain.int() - mirrored.int()).abs().amax(-1).gt(30).sum() > 20


def test_correlated_scene_bias_ties_backgrounds_to_classes():
    config = GeneratorConfig.create(5, frames=2, size=32, scene_bias="correlated")
    kinds = {}
    for i in range(20):
        sample = sample_clip(config, "train", i)
        kinds.setdefault(sample.label, set()).add(sample.metadata["background"])
    assert all(len(v) == 1 for v in kinds.values()) and len({next(iter(v)) for v in kinds.values()}) == 5
    independent = GeneratorConfig.create(5, frames=2, size=32)
    assert len({sample_clip(independent, "train", i).metadata["background"] for i in range(20)}) > 2


def test_antialiasing_and_sizes():
    config = GeneratorConfig.create(2, frames=2, size=32, antialias=True)
    frames, _ = render_clips(config, range(2))
    assert frames.shape == (2, 2, 32, 32, 3)
    with pytest.raises(SynaptError, match="even"):
        GeneratorConfig.create(2, size=33)
    with pytest.raises(SynaptError, match="frames"):
        GeneratorConfig.create(2, frames=0)
    with pytest.raises(SynaptError, match="scene_bias"):
        GeneratorConfig.create(2, scene_bias="sometimes")
    assert len(ACTION_NAMES) >= 30


def test_fused_kernels_render_the_eager_pixels_whatever_the_batch(monkeypatch):
    # Moving and static cameras, shadows on: every kernel is exercised (compiled once, ~30-60 s cold).
    config = GeneratorConfig.create(10, frames=4, size=48, seed=3)
    samples = [sample_clip(config, "train", i) for i in range(6)]
    assert {s.metadata["camera"]["pan_deg"] != 0.0 for s in samples} == {True, False}
    eager, eager_masks = render_samples(config, samples, return_mask=True, fused=False)
    fused, fused_masks = render_samples(config, samples, return_mask=True, fused=True)
    differing = (eager.int() - fused.int()).abs().amax(-1).gt(1).float().mean()
    assert differing < 0.001 and (eager_masks != fused_masks).float().mean() < 0.001
    # Batch composition never changes a fused clip; the environment switch selects the fused kernels.
    monkeypatch.setenv(render.FUSED_ENV, "1")
    assert render.fused_default()
    alone = torch.cat([render_samples(config, [s]) for s in samples[3:5]])
    assert torch.equal(alone, fused[3:5])
    monkeypatch.setenv(render.FUSED_ENV, "maybe")
    with pytest.raises(SynaptError, match="SYNAPT_FUSED_RENDER: must be 0, 1 or auto"):
        render_samples(config, samples[:1])


def test_fused_kernels_render_the_eager_natural_preset():
    # Occluders (textured, moving, in front of and behind the person), textured clothing, shake and pans;
    # 2x2 supersampling.
    config = GeneratorConfig.create(10, frames=4, size=48, seed=6, preset="natural", antialias=True)
    samples = [sample_clip(config, "train", i) for i in range(4)]
    assert all(s.scene.occluders[..., 12].any() and len(s.scene.clothing_textures) for s in samples)
    eager, eager_masks = render_samples(config, samples, return_mask=True, fused=False)
    fused, fused_masks = render_samples(config, samples, return_mask=True, fused=True)
    differing = (eager.int() - fused.int()).abs().amax(-1).gt(1).float().mean()
    assert differing < 0.001 and (eager_masks != fused_masks).float().mean() < 0.001


def test_fused_kernels_are_the_default_on_cuda_only(monkeypatch):
    monkeypatch.delenv(render.FUSED_ENV, raising=False)
    assert render.fused_choice("cuda") == "auto" and render.fused_default("cuda")
    assert render.fused_choice("cpu") == "off" and not render.fused_default("cpu")
    monkeypatch.setenv(render.FUSED_ENV, "0")
    assert not render.fused_default("cuda")
    monkeypatch.setenv(render.FUSED_ENV, "auto")
    assert render.fused_default("cpu")


def _preview_without_a_compiler(tmp_path, choice: str) -> subprocess.CompletedProcess:
    """`synapt preview` in a fresh process and inductor cache, with a C++ compiler that does not exist (the
    real build fails), under ``SYNAPT_FUSED_RENDER=choice``."""
    script = """
import torch._inductor.config as inductor
inductor.cpp.cxx = (None, "/nonexistent/g++")
from synapt_hf.cli import main
raise SystemExit(main(["preview", "--classes", "2", "--clips-per-class", "1", "--frames", "2", "--size", "32", "--out", "OUT"]))
""".replace("OUT", str(tmp_path / f"preview-{choice}"))
    env = {**os.environ, "SYNAPT_FUSED_RENDER": choice, "TORCHINDUCTOR_CACHE_DIR": str(tmp_path / "cache")}
    return subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )


def test_fused_renderer_without_a_compiler_is_a_one_line_error(tmp_path):
    done = _preview_without_a_compiler(tmp_path, "1")
    assert done.returncode == 2, done.stderr[-2000:]
    assert "synapt preview: error: fused renderer" in done.stderr
    assert "torch.compile could not build" in done.stderr and "SYNAPT_FUSED_RENDER=0" in done.stderr
    assert "Traceback" not in done.stderr


def test_automatic_fused_renderer_without_a_compiler_falls_back_to_eager(tmp_path):
    done = _preview_without_a_compiler(tmp_path, "auto")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stderr.count("rendering with the eager kernels instead") == 1  # warned once
    assert (tmp_path / "preview-auto" / "contact_sheet.png").is_file()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_fused_renders_what_the_cpu_renders(tiny_config):
    samples = [sample_clip(tiny_config, "train", i) for i in range(4)]
    cpu = render_samples(tiny_config, samples, fused=False)
    gpu = render_samples(tiny_config, samples, device="cuda", fused=True).cpu()
    differing = (cpu.int() - gpu.int()).abs().amax(-1).gt(3).float().mean()
    assert differing < 0.002


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_renders_what_the_cpu_renders(tiny_config):
    samples = [sample_clip(tiny_config, "train", i) for i in range(4)]
    cpu = render_samples(tiny_config, samples)
    gpu = render_samples(tiny_config, samples, device="cuda").cpu()
    differing = (cpu.int() - gpu.int()).abs().amax(-1).gt(3).float().mean()
    assert differing < 0.002
