"""`synapt transfer/bias` training options: --set values keep their field's type."""

from __future__ import annotations

import argparse

from synapt_hf.evaluation.cli import train_options
from synapt_hf.training.config import TrainConfig


def _args(*items: str, train_config: str | None = None) -> argparse.Namespace:
    return argparse.Namespace(
        train_config=train_config, set=list(items), max_steps=None, num_epochs=None, batch_size=None,
        learning_rate=None,
    )  # fmt: skip


def test_set_keeps_text_fields_as_text_and_parses_the_others():
    options = train_options(
        _args("mixed_precision=no", "lr_scheduler=constant", "warmup_ratio=0", "eval_every_epoch=false",
              "model_overrides=null", "dataloader-num-workers=3")
    )  # fmt: skip
    assert options == {
        "mixed_precision": "no",
        "lr_scheduler": "constant",
        "warmup_ratio": 0,
        "eval_every_epoch": False,
        "model_overrides": None,
        "dataloader_num_workers": 3,
    }


def test_yaml_no_for_mixed_precision_means_no(tmp_path):
    config_file = tmp_path / "budget.yaml"
    config_file.write_text("mixed_precision: no\nmax_steps: 5\n")
    options = train_options(_args(train_config=str(config_file)))
    assert options["mixed_precision"] is False  # what YAML 1.1 reads
    assert TrainConfig(**options).mixed_precision == "no"
