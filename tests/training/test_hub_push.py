"""``--push-to-hub``: the target is checked before training; the finished folder is published with its card."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synapt_hf.cli import main
from synapt_hf.errors import SynaptError
from synapt_hf.training import train


def test_the_example_flags_train_and_publish_to_the_hub(
    tmp_path: Path, tiny_dataset: Path, tiny_overrides: dict, fake_hub, capsys
) -> None:
    """transformers-style names end to end through `synapt finetune`: aliases, then the upload."""
    out = tmp_path / "run"
    options = [
        "--model_name_or_path", "videomae-tiny",
        "--model_overrides", json.dumps(tiny_overrides),
        "--dataset_name", str(tiny_dataset),
        "--output_dir", str(out),
        "--num_train_epochs", "1",
        "--lr_scheduler_type", "linear",
        "--per_device_train_batch_size", "2",
        "--max_steps", "2",
        "--report_to", "none",
        "--dataloader_num_workers", "0",
        "--push_to_hub",
        "--hub_model_id", "synapt-test/finetuned-tiny",
        "--hub_private_repo",
    ]  # fmt: skip
    assert main(["finetune", *options]) == 0
    assert "pushed to https://huggingface.co/synapt-test/finetuned-tiny" in capsys.readouterr().out
    repo = fake_hub.repos["synapt-test/finetuned-tiny"]
    assert repo.private is True
    files = fake_hub.files("synapt-test/finetuned-tiny")
    for name in ("config.json", "model.safetensors", "preprocessor_config.json", "training_args.json"):
        assert files[name] == (out / name).read_bytes(), name
    card = files["README.md"].decode("utf-8")
    assert card.startswith("---\n") and "video-classification" in card
    args = json.loads(files["training_args.json"])
    assert (args["model"], args["dataset"], args["num_epochs"], args["lr_scheduler"]) == (
        "videomae-tiny",
        str(tiny_dataset),
        1.0,
        "linear",
    )
    assert args["push_to_hub"] is True and args["hub_model_id"] == "synapt-test/finetuned-tiny"


def test_a_bad_target_stops_before_training(
    tmp_path: Path, tiny_dataset: Path, tiny_options, monkeypatch
) -> None:
    out = tmp_path / "run"
    with pytest.raises(SynaptError, match="--push-to-hub needs --hub-model-id"):
        train(tiny_options(out, tiny_dataset, push_to_hub=True))
    with pytest.raises(SynaptError, match=r"--hub-model-id: 'no-namespace' is not a Hub repo id"):
        train(tiny_options(out, tiny_dataset, push_to_hub=True, hub_model_id="no-namespace"))
    from huggingface_hub import constants

    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "no-saved-token"))
    with pytest.raises(SynaptError, match="no Hugging Face token found"):
        train(tiny_options(out, tiny_dataset, push_to_hub=True, hub_model_id="synapt-test/x"))
    assert not out.exists()  # nothing was trained or written
    # without --push-to-hub the id is not needed (and a given one is only kept in training_args.json)
    assert (
        train(tiny_options(out, tiny_dataset, max_steps=1, hub_model_id="synapt-test/x"))["top1"] is not None
    )
