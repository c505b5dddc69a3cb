"""Resuming checks the checkpoint's recorded settings (run_settings.json) against the new run.

One tiny online-generator run (3 steps, a checkpoint at step 2) is made once; each test copies its
``checkpoint-2`` into a fresh output folder and resumes from there with other settings.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import fields
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from synapt_hf.errors import SynaptError
from synapt_hf.training import train
from synapt_hf.training.config import TrainConfig
from synapt_hf.training.run_settings import NOT_COMPARED, RUN_SETTINGS, differences, run_settings

ONLINE = {  # the streamed generator: 3 classes x 2 clips = 3 batches of 2 per epoch
    "synthetic_classes": 3,
    "synthetic_train_clips": 2,
    "synthetic_eval_clips": 1,
    "max_steps": 3,
    "checkpointing_steps": 2,
}


@pytest.fixture(scope="module")
def straight_run(tmp_path_factory: pytest.TempPathFactory, tiny_options) -> Path:
    """A finished 3-step run with checkpoint-2 (and the final checkpoint-3)."""
    out = tmp_path_factory.mktemp("resume-settings") / "straight"
    results = train(tiny_options(out, None, **ONLINE))
    assert results["global_step"] == 3
    assert sorted(p.name for p in out.glob("checkpoint-*")) == ["checkpoint-2", "checkpoint-3"]
    return out


def _copy_checkpoint(straight_run: Path, tmp_path: Path) -> Path:
    """A new output folder holding only a copy of the straight run's checkpoint-2."""
    out = tmp_path / "resumed"
    out.mkdir()
    shutil.copytree(straight_run / "checkpoint-2", out / "checkpoint-2")
    return out


def test_every_checkpoint_records_the_settings(straight_run: Path) -> None:
    for checkpoint in ("checkpoint-2", "checkpoint-3"):
        payload = json.loads((straight_run / checkpoint / RUN_SETTINGS).read_text())
        settings = payload["settings"]
        assert settings["learning_rate"] == 1e-3 and settings["per_device_train_batch_size"] == 2
        assert settings["num_processes"] == 1 and settings["synthetic_classes"] == 3
        assert settings["model_overrides"]["hidden_size"] == 32  # parsed, not the JSON text
        assert "output_dir" not in settings and "checkpointing_steps" not in settings
    assert not list(straight_run.glob("*.tmp"))


def test_the_not_compared_list_names_real_fields() -> None:
    names = {f.name for f in fields(TrainConfig)}
    assert names >= NOT_COMPARED, sorted(NOT_COMPARED - names)
    for compared in ("learning_rate", "per_device_train_batch_size", "seed", "max_steps", "model", "dataset"):
        assert compared not in NOT_COMPARED


def test_fields_recorded_on_one_side_count_only_when_not_default() -> None:
    new = run_settings(TrainConfig(max_steps=3), num_processes=1, mixed_precision="no")
    old = {k: v for k, v in new.items() if k not in ("sampling_rate", "weight_decay")}  # "older" record
    assert differences(old, new) == {}  # the missing fields hold their defaults in the new run
    changed = run_settings(TrainConfig(max_steps=3, sampling_rate=4), num_processes=2, mixed_precision="no")
    assert differences(old, changed) == {"num_processes": (1, 2), "sampling_rate": ("<not recorded>", 4)}
    assert differences(new, {**new, "num_epochs": None, "learning_rate": 0.001}) == {}  # 1e-3 round-trips


def test_the_checkpoint_format_of_the_launch_is_compared() -> None:
    ddp = run_settings(TrainConfig(max_steps=3), num_processes=2, mixed_precision="no")
    fsdp = run_settings(TrainConfig(max_steps=3), num_processes=2, mixed_precision="no", sharding="fsdp")
    assert differences(ddp, fsdp) == {"sharding": ("none", "fsdp")}
    older = {k: v for k, v in ddp.items() if k != "sharding"}  # written before the launch was recorded
    assert differences(older, ddp) == {}
    assert differences(older, fsdp) == {"sharding": ("<not recorded>", "fsdp")}


@pytest.mark.parametrize(
    ("change", "shown"),
    [
        ({"learning_rate": 5e-4}, "learning_rate: 0.001 -> 0.0005"),
        ({"per_device_train_batch_size": 1}, "per_device_train_batch_size: 2 -> 1"),
        ({"synthetic_seed": 3, "max_steps": 4}, "max_steps: 3 -> 4; synthetic_seed: 0 -> 3"),
    ],
)
def test_resume_with_other_settings_is_refused_before_any_work(
    straight_run: Path, tmp_path: Path, tiny_options, change: dict, shown: str
) -> None:
    out = _copy_checkpoint(straight_run, tmp_path)
    options = tiny_options(out, None, **{**ONLINE, **change, "resume_from_checkpoint": "latest"})
    with pytest.raises(SynaptError) as caught:
        train(options)
    message = str(caught.value)
    assert str(out / "checkpoint-2") in message and shown in message
    assert "same settings" in message and "--output-dir" in message and "--resume-ignore-settings" in message
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint-2"]  # nothing trained, nothing written


def test_resume_with_only_allowed_changes_continues_the_same_run(
    straight_run: Path, tmp_path: Path, tiny_options
) -> None:
    out = _copy_checkpoint(straight_run, tmp_path)
    allowed = {
        "checkpointing_steps": 5,
        "checkpoints_total_limit": 1,
        "logging_steps": 2,
        "max_train_minutes": 30.0,
        "per_device_eval_batch_size": 3,
        "eval_every_epoch": False,
        "attn_implementation": "eager",
    }
    results = train(tiny_options(out, None, **{**ONLINE, **allowed, "resume_from_checkpoint": "latest"}))
    assert results["global_step"] == 3
    a, b = load_file(straight_run / "model.safetensors"), load_file(out / "model.safetensors")
    for key in a:  # the same weights as the straight run: the changes did not alter training
        torch.testing.assert_close(a[key], b[key], rtol=1e-5, atol=1e-6, msg=key)


def test_resume_ignore_settings_only_warns(
    straight_run: Path, tmp_path: Path, tiny_options, caplog: pytest.LogCaptureFixture
) -> None:
    out = _copy_checkpoint(straight_run, tmp_path)
    options = {**ONLINE, "learning_rate": 5e-4, "resume_from_checkpoint": "latest"}
    with caplog.at_level(logging.WARNING, logger="synapt_hf.training.run_settings"):
        results = train(tiny_options(out, None, resume_ignore_settings=True, **options))
    assert results["global_step"] == 3
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("--resume-ignore-settings" in w and "learning_rate: 0.001 -> 0.0005" in w for w in warnings)
    saved = json.loads((out / "checkpoint-3" / RUN_SETTINGS).read_text())["settings"]
    assert saved["learning_rate"] == 5e-4  # the new checkpoint records what the new run used


def test_a_checkpoint_without_settings_resumes_with_a_warning(
    straight_run: Path, tmp_path: Path, tiny_options, caplog: pytest.LogCaptureFixture
) -> None:
    out = _copy_checkpoint(straight_run, tmp_path)
    (out / "checkpoint-2" / RUN_SETTINGS).unlink()  # as written before the settings were recorded
    with caplog.at_level(logging.WARNING, logger="synapt_hf.training.run_settings"):
        results = train(tiny_options(out, None, **ONLINE, resume_from_checkpoint="latest"))
    assert results["global_step"] == 3
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and RUN_SETTINGS in warnings[0] and "checkpoint-2" in warnings[0]
    assert "\n" not in warnings[0]
