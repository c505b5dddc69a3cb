"""VideoMAE's position tables as device buffers: same outputs, same saved weights, no host copy on CUDA."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file
from transformers import (
    AutoModelForVideoClassification,
    VideoMAEForPreTraining,
    VideoMAEForVideoClassification,
)

from synapt_hf.models.loading import load_classifier, load_pretraining_model
from synapt_hf.models.position_tables import keep_position_tables_on_device

SMALL = {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 64}


def test_loaded_models_hold_their_tables_as_non_persistent_buffers():
    classifier = load_classifier("videomae-tiny", ["a", "b"], overrides=SMALL)
    assert "position_embeddings" in classifier.videomae.embeddings._buffers
    pretraining = load_pretraining_model("videomae-tiny", overrides=SMALL)
    assert {"videomae.embeddings.position_embeddings", "position_embeddings"} <= dict(
        pretraining.named_buffers()
    ).keys()
    for model, stock_class in (
        (classifier, VideoMAEForVideoClassification),
        (pretraining, VideoMAEForPreTraining),
    ):
        assert set(model.state_dict()) == set(stock_class(model.config).state_dict())


def test_outputs_and_saved_weights_are_the_stock_models(tiny_model_config, tmp_path):
    config = tiny_model_config("videomae", labels=["a", "b", "c"])
    torch.manual_seed(0)
    stock = VideoMAEForVideoClassification(config).eval()
    ours = VideoMAEForVideoClassification(config).eval()
    ours.load_state_dict(stock.state_dict())
    assert keep_position_tables_on_device(ours) is ours
    keep_position_tables_on_device(ours)  # idempotent
    pixels = torch.randn(2, config.num_frames, 3, config.image_size, config.image_size)
    torch.testing.assert_close(
        ours(pixel_values=pixels).logits, stock(pixel_values=pixels).logits, rtol=0, atol=0
    )
    ours.to(torch.float64)
    assert ours.videomae.embeddings.position_embeddings.dtype == torch.float64  # moves like a weight
    ours.to(torch.float32).save_pretrained(tmp_path / "ours")
    stock.save_pretrained(tmp_path / "stock")
    saved, expected = (
        load_file(tmp_path / "ours" / "model.safetensors"),
        load_file(tmp_path / "stock" / "model.safetensors"),
    )
    assert saved.keys() == expected.keys()
    again = AutoModelForVideoClassification.from_pretrained(tmp_path / "ours").eval()
    torch.testing.assert_close(again(pixel_values=pixels).logits, stock(pixel_values=pixels).logits)


def test_models_without_videomae_tables_are_unchanged(tiny_model_config):
    model = load_classifier("timesformer-tiny", ["a", "b"], overrides=SMALL)
    assert keep_position_tables_on_device(model) is model and not any(
        "position_embeddings" in name for name, _ in model.named_buffers()
    )


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_supervised_step_never_waits_for_the_gpu(tiny_model_config):
    config = tiny_model_config("videomae", labels=["a", "b", "c"])
    stock = VideoMAEForVideoClassification(config).cuda()
    ours = keep_position_tables_on_device(VideoMAEForVideoClassification(config)).cuda()
    pixels = torch.randn(2, config.num_frames, 3, config.image_size, config.image_size, device="cuda")
    labels = torch.tensor([0, 2], device="cuda")
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")  # any synchronising operation raises
    try:
        with pytest.raises(RuntimeError, match="synchroniz"):
            stock(pixel_values=pixels, labels=labels)  # the table's copy from host memory waits
        ours(pixel_values=pixels, labels=labels).loss.backward()
    finally:
        torch.cuda.set_sync_debug_mode("default")


def test_stock_loading_leaves_the_project_changes_out():
    classifier = load_classifier("videomae-tiny", ["a", "b"], overrides=SMALL, stock=True)
    pretraining = load_pretraining_model("videomae-tiny", overrides=SMALL, stock=True)
    timesformer = load_classifier("timesformer-tiny", ["a", "b"], overrides=SMALL, stock=True)
    for model in (classifier, pretraining):
        assert not any(name.endswith("position_embeddings") for name, _ in model.named_buffers())
    assert all("forward" not in vars(module) for module in timesformer.modules())  # eager attention
