"""Fixtures for training tests: a tiny real dataset (3 Weizmann classes) and a minuscule model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# A minuscule VideoMAE/TimeSformer: 32 px, 8 frames, one layer of width 32 (trains in well under a second).
TINY_OVERRIDES = {
    "hidden_size": 32,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "image_size": 32,
}
TINY_MAE_OVERRIDES = {**TINY_OVERRIDES, "decoder_hidden_size": 32, "decoder_intermediate_size": 64}
CLASSES = ("bend", "jack", "walk")


def _tiny_options(output_dir: Path, dataset: Path | None, **extra) -> dict:
    """TrainConfig fields for a fast run on `dataset` with the minuscule model."""
    options = {
        "model": "videomae-tiny",
        "model_overrides": json.dumps(TINY_OVERRIDES),
        "dataset": str(dataset) if dataset is not None else None,
        "output_dir": str(output_dir),
        "per_device_train_batch_size": 2,
        "max_steps": 4,
        "report_to": "none",
        "disable_progress_bar": True,
        "dataloader_num_workers": 0,
        "logging_steps": 1,
    }
    options.update(extra)
    return options


@pytest.fixture(scope="session")
def weizmann_clip(shared_data: Path) -> Path:
    return shared_data / "weizmann" / "bend" / "daria_bend.avi"


@pytest.fixture(scope="session")
def tiny_dataset(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DatasetDict of 12 real Weizmann clips (3 classes x 4; 9 train / 3 validation), built once."""
    from synapt_hf.datasets.builder import BuildOptions
    from synapt_hf.datasets.folder import FolderBuilder

    root = tmp_path_factory.mktemp("weizmann-tiny")
    tree = root / "videos"
    for name in CLASSES:
        (tree / name).mkdir(parents=True)
        for clip in sorted((shared_data / "weizmann" / name).glob("*.avi"))[:4]:
            (tree / name / clip.name).symlink_to(clip)
    out = root / "dataset"
    FolderBuilder(tree).build(BuildOptions(out=out, split_by="ratio", val_ratio=0.34))
    return out


@pytest.fixture(scope="session")
def tiny_options():
    """Factory: ``tiny_options(output_dir, dataset, **overrides)`` -> TrainConfig fields of a fast run."""
    return _tiny_options


@pytest.fixture(scope="session")
def tiny_overrides() -> dict:
    return dict(TINY_OVERRIDES)


@pytest.fixture(scope="session")
def tiny_mae_overrides() -> dict:
    return dict(TINY_MAE_OVERRIDES)
