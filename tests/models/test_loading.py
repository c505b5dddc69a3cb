"""Presets, checkpoints and head replacement; drop path; the linear-probe head folds into a stock Linear."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoModelForVideoClassification

from synapt_hf.errors import SynaptError
from synapt_hf.models.linear_probe import attach_probe_head, fold_probe_head
from synapt_hf.models.loading import check_geometry, load_classifier, load_pretraining_model, resolve_model
from synapt_hf.models.presets import PRESETS, preset_config
from synapt_hf.training.optim import parameter_groups

SMALL = {
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "image_size": 32,
}


def test_presets_match_the_published_sizes() -> None:
    base = preset_config("videomae-base")
    assert (base.hidden_size, base.num_hidden_layers, base.num_frames, base.image_size) == (768, 12, 16, 224)
    large = preset_config("videomae-large")
    assert (large.hidden_size, large.num_hidden_layers, large.num_attention_heads) == (1024, 24, 16)
    timesformer = preset_config("timesformer-base")
    assert timesformer.model_type == "timesformer" and timesformer.num_frames == 8
    tiny = preset_config("videomae-tiny")
    assert (
        tiny.image_size <= 112
        and tiny.num_hidden_layers <= 4
        and tiny.use_mean_pooling
        and tiny.norm_pix_loss
    )
    assert set(PRESETS) >= {
        "videomae-tiny",
        "videomae-small",
        "videomae-base",
        "videomae-large",
        "timesformer-tiny",
        "timesformer-base",
    }


def test_unknown_preset_and_override_are_clear_errors() -> None:
    with pytest.raises(SynaptError, match=r"unknown model 'videomae-huge'.*videomae-tiny"):
        resolve_model("videomae-huge")
    with pytest.raises(SynaptError, match="unknown VideoMAEConfig field"):
        preset_config("videomae-tiny", {"hidden_sise": 8})


def test_head_is_replaced_only_when_asked(tmp_path: Path) -> None:
    checkpoint = tmp_path / "ckpt"
    load_classifier("videomae-tiny", ["a", "b", "c"], overrides=SMALL).save_pretrained(checkpoint)
    with pytest.raises(SynaptError, match=r"3 labels \(a, b, c\).*data has 2.*--ignore-mismatched-sizes"):
        load_classifier(str(checkpoint), ["x", "y"])
    model = load_classifier(str(checkpoint), ["x", "y"], ignore_mismatched_sizes=True)
    assert model.config.id2label == {0: "x", 1: "y"} and model.config.label2id == {"x": 0, "y": 1}
    assert model.classifier.out_features == 2
    saved = load_file(checkpoint / "model.safetensors")
    state = model.state_dict()
    shared = [k for k in saved if k.startswith("videomae.") and k in state]
    assert len(shared) > 10 and all(torch.equal(saved[k], state[k]) for k in shared)
    same = load_classifier(str(checkpoint), ["a", "b", "c"])  # same labels: the trained head is kept
    assert torch.equal(same.classifier.weight, saved["classifier.weight"])


def test_frames_and_size_are_checked_against_the_checkpoint(tmp_path: Path) -> None:
    source = resolve_model("videomae-tiny")
    check_geometry(source.config, 8, 64, "videomae-tiny")
    with pytest.raises(SynaptError, match="expects 8-frame clips but --num-frames 16"):
        check_geometry(source.config, 16, None, "videomae-tiny")
    with pytest.raises(SynaptError, match="expects 64 px frames but --image-size 112"):
        check_geometry(source.config, None, 112, "videomae-tiny")


def test_mae_checkpoint_gives_its_encoder_to_a_classifier(tmp_path: Path) -> None:
    mae = load_pretraining_model("videomae-tiny", overrides=SMALL)
    mae.save_pretrained(tmp_path / "mae")
    classifier = load_classifier(str(tmp_path / "mae"), ["a", "b"])
    assert torch.equal(
        classifier.videomae.encoder.layer[1].output.dense.weight,
        mae.videomae.encoder.layer[1].output.dense.weight,
    )
    with pytest.raises(SynaptError, match="MAE pretraining needs a VideoMAE"):
        load_pretraining_model("timesformer-tiny")


def test_drop_path_is_stochastic_in_training_only_and_keeps_config_stock(tmp_path: Path) -> None:
    for name in ("videomae-tiny", "timesformer-tiny"):
        model = load_classifier(name, ["a", "b"], overrides=SMALL, drop_path_rate=0.5)
        pixels = torch.randn(4, 8, 3, 32, 32)
        model.train()
        torch.manual_seed(0)
        first = model(pixel_values=pixels).logits
        second = model(pixel_values=pixels).logits
        assert not torch.allclose(first, second), name
        model.eval()
        assert torch.equal(model(pixel_values=pixels).logits, model(pixel_values=pixels).logits)
        model.save_pretrained(tmp_path / name)
        AutoModelForVideoClassification.from_pretrained(tmp_path / name)  # loads with stock code


def test_timesformer_sdpa_is_the_projects_attention_and_eager_the_stock_one(tmp_path: Path) -> None:
    sdpa = load_classifier("timesformer-tiny", ["a", "b"], overrides=SMALL)  # attn_implementation="sdpa"
    eager = load_classifier("timesformer-tiny", ["a", "b"], overrides=SMALL, attn_implementation="eager")
    eager.load_state_dict(sdpa.state_dict())
    sdpa_forwards = {
        m.forward.__func__ for m in sdpa.modules() if type(m).__name__ == "TimesformerSelfAttention"
    }
    assert {f.__module__ for f in sdpa_forwards} == {"synapt_hf.models.timesformer_sdpa"}
    assert all("forward" not in vars(m) for m in eager.modules())  # the stock forward everywhere
    pixels = torch.randn(2, 8, 3, 32, 32)
    sdpa.eval(), eager.eval()
    torch.testing.assert_close(sdpa(pixel_values=pixels).logits, eager(pixel_values=pixels).logits)
    sdpa.save_pretrained(tmp_path)
    assert "attn_implementation" not in (tmp_path / "config.json").read_text()


def test_probe_head_folds_into_an_equivalent_linear_layer(tmp_path: Path) -> None:
    model = load_classifier("videomae-tiny", ["a", "b", "c"], overrides=SMALL)
    head = attach_probe_head(model)
    assert all(p.requires_grad for p in head)
    assert not any(p.requires_grad for n, p in model.named_parameters() if not n.startswith("classifier."))
    model.train()
    with torch.no_grad():
        for _ in range(3):  # accumulate running statistics
            model(pixel_values=torch.randn(6, 8, 3, 32, 32) * 2 + 1)
        model.classifier.linear.weight.normal_()
    model.eval()
    pixels = torch.randn(2, 8, 3, 32, 32)
    with torch.no_grad():
        expected = model(pixel_values=pixels).logits
        fold_probe_head(model)
        folded = model(pixel_values=pixels).logits
    assert isinstance(model.classifier, torch.nn.Linear)
    torch.testing.assert_close(folded, expected, rtol=1e-4, atol=1e-5)
    model.save_pretrained(tmp_path / "probe")
    reloaded = AutoModelForVideoClassification.from_pretrained(tmp_path / "probe").eval()
    with torch.no_grad():
        torch.testing.assert_close(reloaded(pixel_values=pixels).logits, expected, rtol=1e-4, atol=1e-5)


def test_layer_wise_learning_rate_decay() -> None:
    model = load_classifier("videomae-tiny", ["a", "b"], overrides=SMALL)
    groups = parameter_groups(model, learning_rate=1.0, weight_decay=0.05, layer_decay=0.5, num_layers=2)
    lr_of = {id(p): g["lr"] for g in groups for p in g["params"]}
    decay_of = {id(p): g["weight_decay"] for g in groups for p in g["params"]}
    named = dict(model.named_parameters())
    assert lr_of[id(named["videomae.embeddings.patch_embeddings.projection.weight"])] == 0.125
    assert lr_of[id(named["videomae.encoder.layer.0.output.dense.weight"])] == 0.25
    assert lr_of[id(named["videomae.encoder.layer.1.output.dense.weight"])] == 0.5
    assert lr_of[id(named["classifier.weight"])] == 1.0
    assert decay_of[id(named["classifier.weight"])] == 0.05 and decay_of[id(named["classifier.bias"])] == 0.0
    assert decay_of[id(named["videomae.encoder.layer.0.layernorm_before.weight"])] == 0.0
    assert len({id(p) for g in groups for p in g["params"]}) == len(named)
