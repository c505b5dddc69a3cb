"""Options: flags (dashes or underscores), a YAML/JSON config file underneath them, per-command defaults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synapt_hf.errors import SynaptError
from synapt_hf.training.arguments import parse_train_config
from synapt_hf.training.config import TrainConfig


def test_flags_override_a_yaml_config_file(tmp_path: Path) -> None:
    config_file = tmp_path / "run.yaml"
    config_file.write_text("mode: mae+supervised\nmax-steps: 50\nlearning_rate: 0.01\nmae_epochs: 2\n")
    config = parse_train_config(["--config", str(config_file), "--max_steps", "7", "--drop-path-rate", "0.2"])
    assert (config.mode, config.max_steps, config.learning_rate, config.mae_epochs) == (
        "mae+supervised",
        7,
        0.01,
        2.0,
    )
    assert config.resolved_drop_path_rate == 0.2


def test_finetune_defaults_and_protocol_dependent_values() -> None:
    finetune = parse_train_config([], defaults={"protocol": "finetune"})
    assert (
        finetune.resolved_layer_decay,
        finetune.resolved_label_smoothing,
        finetune.resolved_drop_path_rate,
    ) == (
        0.75,
        0.1,
        0.1,
    )
    pretrain = parse_train_config([])
    assert (pretrain.model, pretrain.dataset, pretrain.mode) == ("videomae-tiny", None, "supervised")
    assert (pretrain.resolved_layer_decay, pretrain.resolved_label_smoothing) == (1.0, 0.0)
    assert str(pretrain.resolved_output_dir) == "runs/supervised-videomae-tiny"


def test_saved_arguments_round_trip(tmp_path: Path) -> None:
    config = TrainConfig(model="timesformer-tiny", protocol="linear-probe", max_steps=3)
    config.save(tmp_path / "training_args.json")
    assert TrainConfig.from_dict(json.loads((tmp_path / "training_args.json").read_text())) == config


def test_bad_config_files(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("learning_rat: 1\n")
    with pytest.raises(SynaptError, match=r"unknown option.*learning_rat"):
        parse_train_config(["--config", str(tmp_path / "bad.yaml")])
    with pytest.raises(SynaptError, match="no such file"):
        parse_train_config(["--config", str(tmp_path / "missing.yaml")])
    with pytest.raises(SynaptError, match="--model-overrides must be a JSON object"):
        parse_train_config(["--model-overrides", "[1, 2]"])


def test_every_compile_mode_is_accepted_for_every_training_mode() -> None:
    # CUDA graphs (reduce-overhead, max-autotune) replay the sync-free MAE step on a GPU since
    # tests/models/test_mae_forward.py::test_cuda_graphs_replay_the_sync_free_step passed on an H100
    for mode in ("mae", "mae+supervised", "supervised"):
        for compile_mode in ("reduce-overhead", "max-autotune"):
            options = ["--mode", mode, "--torch-compile", "--torch-compile-mode", compile_mode]
            assert parse_train_config(options).torch_compile_mode == compile_mode
    with pytest.raises(SynaptError, match="torch-compile-mode"):
        parse_train_config(["--torch-compile", "--torch-compile-mode", "fastest"])
    assert parse_train_config(["--mode", "mae", "--torch-compile"]).torch_compile_mode == "default"


def test_the_transformers_example_names_are_aliases(tmp_path: Path, capsys) -> None:
    config = parse_train_config(
        [
            "--model_name_or_path", "timesformer-tiny",
            "--dataset-name", "data/x",
            "--num_train_epochs", "2",
            "--lr_scheduler_type", "linear",
            "--output_dir", "runs/x",
        ]
    )  # fmt: skip
    assert (config.model, config.dataset, config.num_epochs, config.lr_scheduler, config.output_dir) == (
        "timesformer-tiny",
        "data/x",
        2.0,
        "linear",
        "runs/x",
    )
    config_file = tmp_path / "run.yaml"
    config_file.write_text(
        "model_name_or_path: timesformer-tiny\nnum-train-epochs: 4\nlr_scheduler: linear\n"
    )
    from_file = parse_train_config(["--config", str(config_file)])
    assert (from_file.model, from_file.num_epochs, from_file.lr_scheduler) == (
        "timesformer-tiny",
        4.0,
        "linear",
    )
    # the command line wins over the file, whichever of the two names each uses
    assert parse_train_config(["--config", str(config_file), "--num_epochs", "5"]).num_epochs == 5.0
    assert (
        parse_train_config(["--config", str(config_file), "--model", "videomae-tiny"]).model
        == "videomae-tiny"
    )
    assert TrainConfig.from_dict({"num_train_epochs": 6}).num_epochs == 6.0
    from synapt_hf.cli import main

    assert main(["pretrain", "--help"]) == 0
    shown = capsys.readouterr().out
    for alias in ("--model_name_or_path", "--dataset_name", "--num_train_epochs", "--lr_scheduler_type"):
        assert alias in shown, alias


def test_an_alias_and_its_field_with_different_values_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SynaptError, match=r"--model_name_or_path timesformer-tiny and --model videomae-tiny"):
        parse_train_config(["--model", "videomae-tiny", "--model_name_or_path", "timesformer-tiny"])
    same = parse_train_config(["--num_epochs", "2", "--num_train_epochs", "2.0"])
    assert same.num_epochs == 2.0
    config_file = tmp_path / "run.yaml"
    config_file.write_text("num_train_epochs: 2\nnum_epochs: 3\n")
    with pytest.raises(
        SynaptError, match=rf"--config {config_file}: num_train_epochs \(2\) and num_epochs \(3\)"
    ):
        parse_train_config(["--config", str(config_file)])
    with pytest.raises(SynaptError, match=r"dataset_name \('a'\) and dataset \('b'\)"):
        TrainConfig.from_dict({"dataset_name": "a", "dataset": "b"})
