"""Bad input fails with a clear SynaptError before training; checkpoints are atomic; NaN stops the run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import datasets
import pytest

from synapt_hf.errors import SynaptError
from synapt_hf.training import train
from synapt_hf.training.checkpoints import TrainState, list_checkpoints, resolve_resume
from synapt_hf.training.config import TrainConfig
from synapt_hf.training.loss_tracking import NonFiniteLossError


def test_unknown_preset(tmp_path: Path) -> None:
    with pytest.raises(SynaptError, match="unknown model 'videomae-giant'"):
        train({"model": "videomae-giant", "output_dir": str(tmp_path / "out")})


def test_invalid_options_are_rejected_when_the_config_is_built() -> None:
    with pytest.raises(SynaptError, match="--mode must be one of"):
        TrainConfig(mode="contrastive")
    with pytest.raises(SynaptError, match="--sdpa-kernel must be one of auto, flash, efficient, cudnn, math"):
        TrainConfig(sdpa_kernel="fa3")
    with pytest.raises(SynaptError, match="--protocol linear-probe is a supervised protocol"):
        TrainConfig(mode="mae", protocol="linear-probe")
    with pytest.raises(SynaptError, match="unknown training option"):
        TrainConfig.from_dict({"learning_rat": 1.0})


def test_dataset_without_label_column(tmp_path: Path, tiny_dataset: Path, tiny_options) -> None:
    broken = datasets.load_from_disk(str(tiny_dataset)).remove_columns("label")
    broken.save_to_disk(str(tmp_path / "broken"))
    with pytest.raises(SynaptError, match=r"lacks the column.*label"):
        train(tiny_options(tmp_path / "out", tmp_path / "broken"))
    assert not (tmp_path / "out" / "model.safetensors").exists()


def test_label_count_mismatch_explains_ignore_mismatched_sizes(
    tmp_path: Path, tiny_dataset: Path, tiny_options, tiny_overrides: dict
) -> None:
    from synapt_hf.models.loading import load_classifier

    checkpoint = tmp_path / "two-labels"
    load_classifier("videomae-tiny", ["a", "b"], overrides=tiny_overrides).save_pretrained(checkpoint)
    options = tiny_options(tmp_path / "out", tiny_dataset, model=str(checkpoint), model_overrides=None)
    with pytest.raises(SynaptError, match=r"2 labels \(a, b\) but the data has 3.*--ignore-mismatched-sizes"):
        train(options)
    results = train({**options, "ignore_mismatched_sizes": True, "max_steps": 1})
    assert results["num_classes"] == 3


def test_frames_incompatible_with_the_model(tmp_path: Path, tiny_dataset: Path, tiny_options) -> None:
    with pytest.raises(SynaptError, match="expects 8-frame clips but --num-frames 16"):
        train(tiny_options(tmp_path / "out", tiny_dataset, num_frames=16))
    with pytest.raises(SynaptError, match="expects 32 px frames but --image-size 64"):
        train(tiny_options(tmp_path / "out", tiny_dataset, image_size=64))


def test_output_dir_holding_another_run(tmp_path: Path, tiny_dataset: Path, tiny_options) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "training_args.json").write_text("{}")
    with pytest.raises(
        SynaptError, match=r"holds another run.*--resume-from-checkpoint latest.*--overwrite-output-dir"
    ):
        train(tiny_options(out, tiny_dataset))
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "thesis.txt").write_text("precious")
    with pytest.raises(SynaptError, match="not a training run folder; refusing to delete"):
        train(tiny_options(tmp_path / "notes", tiny_dataset, overwrite_output_dir=True))
    assert (tmp_path / "notes" / "thesis.txt").read_text() == "precious"


def test_nan_loss_stops_with_the_step_number(tmp_path: Path, tiny_dataset: Path, tiny_options) -> None:
    options = tiny_options(
        tmp_path / "out", tiny_dataset, learning_rate=1e30, warmup_ratio=0.0, max_grad_norm=None
    )
    options.update(checkpointing_steps=1, checkpoints_total_limit=None, logging_steps=10)
    with pytest.raises(NonFiniteLossError, match=r"loss is nan at step \d+.*--learning-rate") as raised:
        train(options)
    assert not (tmp_path / "out" / "all_results.json").exists()
    # the loss is read on the host only every few steps, yet the error names the exact step, and no
    # checkpoint holds weights that a non-finite step touched
    bad_step = int(re.search(r"at step (\d+)", str(raised.value)).group(1))
    saved = sorted(int(p.name.split("-")[1]) for p in (tmp_path / "out").glob("checkpoint-*[0-9]"))
    assert saved == list(range(1, bad_step))


def test_a_half_written_checkpoint_is_never_resumed(tmp_path: Path) -> None:
    for step in (3, 6):
        folder = tmp_path / f"checkpoint-{step}"
        folder.mkdir()
        TrainState(global_step=step).save(folder)
    (tmp_path / "checkpoint-9.tmp").mkdir()  # a crash while writing step 9
    (tmp_path / "checkpoint-12").mkdir()  # renamed but without its state file: not complete
    assert [p.name for p in list_checkpoints(tmp_path)] == ["checkpoint-3", "checkpoint-6"]
    assert resolve_resume(tmp_path, "latest") == tmp_path / "checkpoint-6"
    assert TrainState.load(tmp_path / "checkpoint-6").global_step == 6
    with pytest.raises(SynaptError, match="not a complete checkpoint"):
        resolve_resume(tmp_path, str(tmp_path / "checkpoint-12"))
    assert json.loads((tmp_path / "checkpoint-3" / "train_state.json").read_text())["global_step"] == 3


def test_synapt_cli_reports_bad_input_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from synapt_hf.cli import main

    code = main(["pretrain", "--model", "videomae-giant", "--output-dir", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("synapt pretrain: error: unknown model 'videomae-giant'")
    assert main(["finetune", "--help"]) == 0
    assert "--protocol" in capsys.readouterr().out
