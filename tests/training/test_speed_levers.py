"""`train()` with the speed levers (--fused-qkv, --param-dtype bf16): stock exports, resumable checkpoints."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from transformers import VideoMAEForVideoClassification

from synapt_hf.errors import SynaptError
from synapt_hf.training import train
from synapt_hf.training.config import TrainConfig

RESUMABLE = {"max_steps": 6, "checkpointing_steps": 3, "eval_every_epoch": False}


def _straight_and_resumed(tmp_path: Path, tiny_options, tiny_dataset: Path, **options) -> tuple[Path, Path]:
    """A 6-step run with checkpoints at 3 and 6, and a run resumed from its checkpoint-3."""
    straight = tmp_path / "straight"
    train(tiny_options(straight, tiny_dataset, **RESUMABLE, **options))
    resumed = tmp_path / "resumed"
    resumed.mkdir()
    shutil.copytree(straight / "checkpoint-3", resumed / "checkpoint-3")
    results = train(
        tiny_options(resumed, tiny_dataset, resume_from_checkpoint="latest", **RESUMABLE, **options)
    )
    assert results["global_step"] == 6
    return straight, resumed


def _assert_same_weights(a: dict, b: dict, atol: float = 1e-6) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert a[key].dtype == b[key].dtype, key
        torch.testing.assert_close(a[key], b[key], rtol=1e-5, atol=atol, msg=key)


def _stock_keys(folder: Path) -> dict:
    weights = load_file(folder / "model.safetensors")
    assert not any("qkv" in key for key in weights), "fused names in a saved file"
    return weights


def test_fused_qkv_trains_resumes_and_exports_stock_weights(
    tmp_path: Path, tiny_dataset: Path, tiny_options, weizmann_clip: Path
) -> None:
    straight, resumed = _straight_and_resumed(tmp_path, tiny_options, tiny_dataset, fused_qkv=True)
    _assert_same_weights(_stock_keys(straight), _stock_keys(resumed))
    _stock_keys(straight / "checkpoint-3")  # checkpoints hold stock names too
    plain = tmp_path / "plain"
    train(tiny_options(plain, tiny_dataset, **RESUMABLE))
    exported, unfused = _stock_keys(straight), load_file(plain / "model.safetensors")
    _assert_same_weights(exported, unfused, atol=1e-4)  # the same training, up to float rounding
    model = VideoMAEForVideoClassification.from_pretrained(straight).eval()
    reference = VideoMAEForVideoClassification.from_pretrained(plain).eval()
    pixels = torch.randn(2, 8, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        torch.testing.assert_close(model(pixels).logits, reference(pixels).logits, rtol=0, atol=1e-3)


def test_fused_qkv_mae_run_exports_a_stock_pretraining_model(
    tmp_path: Path, tiny_dataset: Path, tiny_options, tiny_mae_overrides: dict
) -> None:
    import json

    from transformers import VideoMAEForPreTraining

    out = tmp_path / "mae"
    options = {"mode": "mae", "model_overrides": json.dumps(tiny_mae_overrides), "fused_qkv": True}
    results = train(tiny_options(out, tiny_dataset, **options))
    assert results["global_step"] == 4 and results["eval_loss"] is not None
    _stock_keys(out)
    _, info = VideoMAEForPreTraining.from_pretrained(out, output_loading_info=True)
    assert not any(info[kind] for kind in ("missing_keys", "unexpected_keys", "mismatched_keys")), info


def test_bf16_parameters_train_like_fp32_and_export_fp32_stock_weights(
    tmp_path: Path, tiny_dataset: Path, tiny_options
) -> None:
    options = {"max_steps": 8, "learning_rate": 1e-3, "eval_every_epoch": False}
    reference = train(tiny_options(tmp_path / "fp32", tiny_dataset, **options))
    low = train(tiny_options(tmp_path / "bf16", tiny_dataset, param_dtype="bf16", **options))
    assert low["mixed_precision"] == "no"  # no autocast: the model itself is bf16
    assert torch.isfinite(torch.tensor(low["train_loss"]))
    assert abs(low["train_loss"] - reference["train_loss"]) <= 0.1 * reference["train_loss"]
    exported = load_file(tmp_path / "bf16" / "model.safetensors")
    fp32 = load_file(tmp_path / "fp32" / "model.safetensors")
    assert exported.keys() == fp32.keys()
    assert all(value.dtype == torch.float32 for value in exported.values())
    for key in exported:  # the fp32 masters, not bf16 roundings: close to the fp32 run, not bf16 coarse
        torch.testing.assert_close(exported[key], fp32[key], rtol=0, atol=2e-2, msg=key)
    rounded = sum(torch.equal(v, v.bfloat16().float()) for k, v in exported.items() if v.numel() > 64)
    assert rounded == 0, "exported weights are bf16 roundings, not the fp32 master weights"
    model = VideoMAEForVideoClassification.from_pretrained(tmp_path / "bf16")
    assert next(model.parameters()).dtype == torch.float32


def test_bf16_parameters_resume_from_their_fp32_masters(tmp_path: Path, tiny_dataset: Path, tiny_options):
    straight, resumed = _straight_and_resumed(
        tmp_path, tiny_options, tiny_dataset, param_dtype="bf16", fused_qkv=True
    )
    _assert_same_weights(_stock_keys(straight), _stock_keys(resumed), atol=1e-5)


def test_bf16_parameters_refuse_autocast_and_linear_probe():
    with pytest.raises(SynaptError, match="--param-dtype bf16 computes in bf16 without autocast"):
        TrainConfig(param_dtype="bf16", mixed_precision="bf16")
    with pytest.raises(SynaptError, match="linear-probe"):
        TrainConfig(param_dtype="bf16", protocol="linear-probe")
    with pytest.raises(SynaptError, match="--param-dtype must be one of fp32, bf16"):
        TrainConfig(param_dtype="fp16")


def test_fused_qkv_refuses_timesformer(tmp_path: Path, tiny_dataset: Path, tiny_options):
    with pytest.raises(SynaptError, match="--fused-qkv: timesformer-tiny is a timesformer model"):
        train(tiny_options(tmp_path / "t", tiny_dataset, model="timesformer-tiny", fused_qkv=True))
