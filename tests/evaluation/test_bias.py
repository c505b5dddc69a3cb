"""Scene-object bias: high on generated clips whose background follows the class, low when independent."""

from __future__ import annotations

import json

import pytest

from synapt_hf.cli import main
from synapt_hf.errors import SynaptError
from synapt_hf.evaluation.bias import BiasConfig, measure_bias
from synapt_hf.evaluation.bias_formula import representation_bias

STATIC_BUDGET = {
    "max_steps": 40,
    "per_device_train_batch_size": 8,
    "learning_rate": 3e-3,
    "warmup_ratio": 0.0,
    "sampling_rate": 1,
    "eval_every_epoch": False,
}


def test_static_video_bias_follows_the_scene_bias_knob(scene_bias_sets, tmp_path):
    records = {}
    for knob in ("correlated", "independent"):
        out = tmp_path / "bias" / f"{knob}.json"
        config = BiasConfig(
            data=str(scene_bias_sets[knob]),
            work_dir=str(tmp_path / knob),
            out=str(out),
            model=str(scene_bias_sets["model"]),
            train_options=STATIC_BUDGET,
        )
        records[knob] = measure_bias(config)
        saved = json.loads(out.read_text())
        assert saved["bias"] == records[knob].bias and saved["method"] == "static-video"
        assert saved["num_classes"] == 4 and saved["num_val"] == 16
    high, low = records["correlated"], records["independent"]
    assert high.bias == pytest.approx(representation_bias(high.static_accuracy, 4))
    assert high.bias > 0.6, high
    assert low.bias < 0.35, low
    assert high.bias - low.bias > 0.4


def test_image_probe_bias_and_cli(scene_bias_sets, tmp_path):
    import torch
    from transformers import ViTConfig, ViTImageProcessor, ViTModel

    torch.manual_seed(0)
    backbone = tmp_path / "vit"
    config = ViTConfig(image_size=32, patch_size=8, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                       intermediate_size=64)  # fmt: skip
    ViTModel(config).save_pretrained(backbone)
    ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(backbone)
    biases = {}
    for knob in ("correlated", "independent"):
        out = tmp_path / f"{knob}.json"
        args = [
            "bias",
            "--data",
            str(scene_bias_sets[knob]),
            "--method",
            "image-probe",
            "--backbone",
            str(backbone),
        ]
        assert main([*args, "--work-dir", str(tmp_path / knob), "--out", str(out)]) == 0
        record = json.loads(out.read_text())
        assert record["method"] == f"image-probe:{backbone}"
        biases[knob] = record["bias"]
    assert biases["correlated"] > 0.6 and biases["correlated"] - biases["independent"] > 0.4, biases


def test_temporal_gap_is_measured_on_normal_static_and_shuffled_clips(scene_bias_sets, tmp_path):
    config = BiasConfig(
        data=str(scene_bias_sets["independent"]),
        work_dir=str(tmp_path),
        model=str(scene_bias_sets["model"]),
        temporal_gap=True,
        train_options={**STATIC_BUDGET, "max_steps": 4},
    )
    record = measure_bias(config)
    gap = record.temporal_gap
    assert set(gap) == {"normal", "static", "shuffled", "gap_static", "gap_shuffled"}
    assert all(0.0 <= gap[k] <= 1.0 for k in ("normal", "static", "shuffled"))
    assert gap["gap_static"] == pytest.approx(gap["normal"] - gap["static"])
    assert gap["gap_shuffled"] == pytest.approx(gap["normal"] - gap["shuffled"])
    assert (tmp_path / "bias.json").is_file() and (tmp_path / "normal_model" / "config.json").is_file()


def test_bias_bad_input(tmp_path, scene_bias_sets):
    with pytest.raises(SynaptError, match="needs --backbone"):
        measure_bias(
            BiasConfig(data=str(scene_bias_sets["correlated"]), work_dir=str(tmp_path), method="image-probe")
        )
    with pytest.raises(SynaptError, match="set by the bias tool"):
        measure_bias(BiasConfig(data="x", work_dir=str(tmp_path), train_options={"seed": 1}))
    with pytest.raises(SynaptError, match="no such dataset"):
        measure_bias(BiasConfig(data=str(tmp_path / "missing"), work_dir=str(tmp_path)))
