"""Scene presets: the default preset is the original generator, the others sample their own domain."""

from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np
import pytest
import torch

from synapt_hf.cli import main
from synapt_hf.data.format import load_video_dataset
from synapt_hf.errors import SynaptError
from synapt_hf.synth.clips import render_clips, render_samples, sample_clip
from synapt_hf.synth.config import GeneratorConfig
from synapt_hf.synth.presets import PRESET_NAMES, PRESETS, Palette, ScenePreset
from synapt_hf.training import data as training_data
from synapt_hf.training.config import TrainConfig

CLASSES = "walking,jumping_jack,waving_one_hand,squatting"
SIDE = PRESETS["side-view"]


def _in_azimuth_ranges(preset: ScenePreset, azimuth: float, in_place: bool = False) -> bool:
    return any(low <= azimuth <= high for low, high in preset.azimuth_ranges(in_place))


def test_default_preset_is_the_original_table_and_renders_the_original_clips():
    default = PRESETS["default"]
    # The module constants of synth/scene.py before presets existed.
    original = {
        "azimuth_deg": ((0.0, 360.0),),
        "in_place_azimuth_deg": None,
        "elevation_deg": (-5.0, 35.0),
        "focal": (1.0, 2.2),
        "fill": (0.65, 0.9),
        "pan_deg": (-8.0, 8.0),
        "dolly": (-0.15, 0.15),
        "backdrop_distance_m": (2.0, 6.0),
        "camera_motion_probability": 0.25,
        "light_elevation_deg": (30.0, 75.0),
        "light_intensity": (0.55, 0.95),
        "ambient": (0.25, 0.5),
        "temperature": (-1.0, 1.0),
        "background_kinds": ("noise", "gradient", "stripes", "checkers", "shapes"),
        "ground_kinds": ("noise", "gradient", "stripes", "checkers", "shapes"),
        "texture_contrast": (1.0, 1.0),
        "backdrop_palette": asdict(Palette(None, (0.3, 0.9), (0.3, 0.95))),
        "ground_palette": asdict(Palette(None, (0.3, 0.9), (0.3, 0.95))),
    }
    assert {k: v for k, v in asdict(default).items() if k in original} == original
    assert GeneratorConfig().preset == "default"
    # Clips 0 (moving camera) and 3 of this config, sampled and rendered before presets existed.
    config = GeneratorConfig.create(10, frames=4, size=48, seed=5)
    recorded = {
        0: ({"azimuth_deg": 26.4504, "elevation_deg": 29.3216, "focal": 1.9946, "fill": 0.6849, "pan_deg": 0.4337,
             "dolly": -0.0726, "backdrop_distance_m": 3.9671},
            {"azimuth_deg": 199.1542, "elevation_deg": 34.7818, "intensity": 0.8958, "ambient": 0.3197,
             "temperature": -0.1058}, "checkers", "stripes", "side_bending", [67.731, 67.202, 67.203, 66.886]),
        3: ({"azimuth_deg": 65.2222, "elevation_deg": -4.7108, "focal": 1.9821, "fill": 0.7325, "pan_deg": 0.0,
             "dolly": 0.0, "backdrop_distance_m": 2.9134},
            {"azimuth_deg": 43.7621, "elevation_deg": 40.3756, "intensity": 0.8914, "ambient": 0.4097,
             "temperature": -0.5531}, "gradient", "stripes", "jumping_jack", [74.258, 73.627, 73.903, 74.201]),
    }  # fmt: skip
    frames, samples = render_clips(config, list(recorded))
    for clip, sample in zip(frames, samples, strict=True):
        camera, lighting, background, ground, name, frame_means = recorded[sample.index]
        meta = sample.metadata
        assert (meta["camera"], meta["lighting"]) == (camera, lighting)
        assert (meta["background"], meta["ground"], meta["class_name"]) == (background, ground, name)
        assert clip.double().mean(dim=(1, 2, 3)).tolist() == pytest.approx(frame_means, abs=0.01)


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_every_preset_shows_a_moving_person_in_every_frame_for_every_class(preset):
    config = GeneratorConfig.create("all", frames=4, size=48, seed=2, preset=preset)
    samples = [sample_clip(config, "train", i) for i in range(config.num_classes)]  # every class once
    assert sorted(s.label for s in samples) == list(range(config.num_classes))
    frames, masks = render_samples(config, samples, return_mask=True)
    fraction = masks.float().mean(dim=(2, 3))
    # side-view frames a smaller person (fill down to 0.4): at 48 px an arms-up pose can cover ~1 %.
    least = 0.005 if preset == "side-view" else 0.01
    for sample, clip_fraction, clip, mask in zip(samples, fraction, frames, masks, strict=True):
        name = f"{preset}/{config.classes[sample.label]}/clip {sample.index}"
        assert clip_fraction.min() > least, f"{name}: person not visible in some frame"
        assert clip_fraction.max() < 0.5, f"{name}: person fills too much of the frame"
        moved = (clip[1:].int() - clip[:1].int()).abs().amax(-1).gt(12).sum()
        assert moved >= 8 and (mask[1:] != mask[:1]).sum() >= 4, f"{name}: no visible motion"
    # Again, the same clips: each preset keeps clip i a pure function of (config, split, i).
    again, _ = render_clips(config, [1, 0], batch_size=1)
    assert torch.equal(again, frames[[1, 0]])


def test_side_view_samples_only_static_side_views_on_plain_low_contrast_scenes():
    config = GeneratorConfig.create(CLASSES, frames=2, size=32, seed=4, preset="side-view")
    assert config.camera_motion  # the preset, not the flag, keeps the camera still
    samples = [sample_clip(config, "train", i) for i in range(40)]
    walking = [s.metadata["camera"]["azimuth_deg"] for s in samples if s.metadata["class_name"] == "walking"]
    in_place = [s.metadata["camera"]["azimuth_deg"] for s in samples if s.metadata["class_name"] != "walking"]
    # Walking is filmed from the side only (both sides); in-place actions from the side or the front.
    assert len(walking) == 10 and all(_in_azimuth_ranges(SIDE, a) for a in walking), walking
    assert all(70 <= a <= 110 or 250 <= a <= 290 for a in walking)
    assert any(a < 180 for a in walking) and any(a > 180 for a in walking), "both sides"
    assert all(_in_azimuth_ranges(SIDE, a, in_place=True) for a in in_place), in_place
    assert any(a <= 25 or a >= 335 for a in in_place) and any(70 <= a <= 290 for a in in_place)
    for sample in samples:
        camera = sample.metadata["camera"]
        assert 0.0 <= camera["elevation_deg"] <= 10.0 and 0.4 <= camera["fill"] <= 0.7
        assert camera["pan_deg"] == camera["dolly"] == 0.0 and sample.scene.static_camera
        assert sample.metadata["background"] in ("noise", "gradient") and sample.metadata["ground"] == "noise"
    assert not SIDE.distractors and PRESETS["default"].distractors

    # Lower texture contrast than the default preset, and a smaller person in the frame.
    default = GeneratorConfig.create(CLASSES, frames=2, size=32, seed=4)
    default_samples = [sample_clip(default, "train", i) for i in range(40)]

    def backdrop_spread(group):
        return float(np.mean([s.scene.textures[0].std(axis=(0, 1)).mean() for s in group]))

    assert backdrop_spread(samples) < 0.5 * backdrop_spread(default_samples)
    assert np.median([s.metadata["camera"]["fill"] for s in samples]) < 0.6


def test_easy_preset_samples_front_half_static_close_cameras():
    easy = PRESETS["easy"]
    config = GeneratorConfig.create(CLASSES, frames=2, size=32, seed=9, preset="easy")
    for sample in (sample_clip(config, "validation", i) for i in range(30)):
        camera = sample.metadata["camera"]
        assert _in_azimuth_ranges(easy, camera["azimuth_deg"]), camera
        assert camera["azimuth_deg"] <= 90.0 or camera["azimuth_deg"] >= 270.0
        assert 0.75 <= camera["fill"] <= 0.9 and sample.scene.static_camera
        assert sample.metadata["background"] in easy.background_kinds


def test_unknown_presets_and_bad_tables_are_refused(tmp_path, capsys):
    with pytest.raises(
        SynaptError, match="default, side-view, easy, natural, natural-static, got 'weizmann'"
    ):
        GeneratorConfig.create(2, preset="weizmann")
    with pytest.raises(SynaptError, match="synthetic-preset"):
        TrainConfig(synthetic_preset="weizmann")
    out = tmp_path / "never"
    assert main(["generate", "--preset", "kth", "--clips-per-class", "1", "--out", str(out)]) == 2
    assert "default, side-view, easy" in capsys.readouterr().err
    assert not out.exists()
    with pytest.raises(ValueError, match="reversed"):
        ScenePreset("bad", "reversed range", fill=(0.9, 0.4))
    with pytest.raises(ValueError, match="texture kinds"):
        ScenePreset("bad", "unknown kind", ground_kinds=("marble",))


def test_generate_preset_flag_is_recorded_in_the_dataset(tmp_path):
    out = tmp_path / "side"
    code = main(["generate", "--preset", "side-view", "--classes", "walking,running", "--clips-per-class", "2",
                 "--val-clips-per-class", "1", "--frames", "2", "--size", "16", "--out", str(out),
                 "--no-progress"])  # fmt: skip
    assert code == 0
    train = load_video_dataset(out)["train"]
    settings = json.loads(train.info.description.split("generator settings: ", 1)[1])
    assert settings["config"]["preset"] == "side-view"
    assert set(train["class_name"]) == {"walking", "running"}  # both travel: side views only
    assert all(_in_azimuth_ranges(SIDE, row["azimuth_deg"]) for row in train["camera"])


def test_train_config_preset_reaches_the_generator_and_the_disk_cache_key(tmp_path, monkeypatch):
    from accelerate import PartialState

    monkeypatch.setattr(training_data, "CACHE_ROOT", tmp_path)
    options = {"synthetic": "disk", "synthetic_classes": 2, "synthetic_train_clips": 1,
               "synthetic_eval_clips": 1, "sampling_rate": 1, "disable_progress_bar": True}  # fmt: skip
    assert training_data._generator_config(TrainConfig(**options), 4, 32).preset == "default"
    side = TrainConfig(**options, synthetic_preset="side-view")
    generator = training_data._generator_config(side, 4, 32)
    assert generator.preset == "side-view" and (generator.frames, generator.size) == (4, 32)

    dataset = training_data._disk_synthetic(side, 2, 16, PartialState(cpu=True))
    folder = tmp_path / "generated" / "c2-n1-v1-f2-s16-seed0-side-view"
    assert (folder / "dataset_dict.json").is_file(), sorted(
        p.name for p in (tmp_path / "generated").iterdir()
    )
    assert '"preset": "side-view"' in dataset["train"].info.description
    assert all(
        _in_azimuth_ranges(SIDE, row["azimuth_deg"], in_place=True) for row in dataset["train"]["camera"]
    )


def test_natural_preset_writes_its_scene_parameters(tmp_path):
    out = tmp_path / "natural"
    code = main(["generate", "--preset", "natural", "--classes", "walking,waving_one_hand", "--clips-per-class",
                 "1", "--val-clips-per-class", "0", "--frames", "2", "--size", "16", "--out", str(out),
                 "--no-progress"])  # fmt: skip
    assert code == 0
    train = load_video_dataset(out)["train"]
    scenes = [json.loads(row) for row in train["scene"]]
    assert [s["preset"] for s in scenes] == ["natural", "natural"]
    assert all(1 <= len(s["occluders"]) <= 4 and "velocity" in s["occluders"][0] for s in scenes)
    assert set(train["background"]) <= {"dead_leaves", "one_over_f"}
