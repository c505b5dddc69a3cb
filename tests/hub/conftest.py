"""Shared fixtures of the hub tests: a loopback fake Hub, a tiny real VideoMAE folder, results rows."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / ".." / "shared" / "data"
WEIZMANN = DATA / "weizmann"
LABELS = ["bend", "jack", "jump", "pjump", "run", "side", "skip", "walk", "wave1", "wave2"]


def _load_helper(file_name: str):
    """Import a helper module of tests/hub by path (tests run with --import-mode=importlib)."""
    name = f"synapt_tests_{Path(file_name).stem}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE / file_name)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture
def browser(tmp_path):
    """Headless Chromium driven over the DevTools protocol (tests/hub/cdp.py); skips without chromium."""
    import shutil

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("Debian 'chromium' is not installed (scripts/setup.sh installs it)")
    with _load_helper("cdp.py").Browser(executable, tmp_path / "chromium-profile") as chromium:
        yield chromium


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, tiny_model_config, tiny_processor) -> Path:
    """A real save_pretrained VideoMAE classifier (tiny config) with its image processor and training files."""
    from transformers import VideoMAEForVideoClassification

    out = tmp_path_factory.mktemp("models") / "videomae-tiny-synapt"
    VideoMAEForVideoClassification(tiny_model_config("videomae", labels=LABELS)).save_pretrained(out)
    tiny_processor().save_pretrained(out)
    training_args = {  # field names of synapt_hf.training's TrainConfig
        "model": "videomae-tiny",
        "mode": "mae+supervised",
        "protocol": "pretrain",
        "dataset": None,
        "synthetic_classes": 10,
        "num_epochs": 3.0,
        "max_steps": None,
        "learning_rate": 1e-3,
        "seed": 42,
    }
    (out / "training_args.json").write_text(json.dumps(training_args, indent=2, sort_keys=True))
    (out / "all_results.json").write_text(json.dumps({"top1": 0.41, "top5": 0.9}))
    return out


@pytest.fixture(scope="session")
def tiny_timesformer_dir(tmp_path_factory, tiny_model_config, tiny_processor) -> Path:
    """A real save_pretrained TimeSformer classifier (tiny config) with its image processor."""
    from transformers import TimesformerForVideoClassification

    out = tmp_path_factory.mktemp("models") / "timesformer-tiny"
    TimesformerForVideoClassification(tiny_model_config("timesformer", labels=LABELS)).save_pretrained(out)
    tiny_processor().save_pretrained(out)
    return out


def result_row(
    dataset: str,
    protocol: str,
    seed: int,
    top1: float,
    checkpoint_name: str = "videomae-tiny-synapt",
    status: str = "ok",
    top5: float | None = 0.9,
    mca: float | None = 0.5,
) -> dict:
    """One results.jsonl row following the contract in docs/architecture.md."""
    return {
        "checkpoint": f"/runs/{checkpoint_name}",
        "checkpoint_name": checkpoint_name,
        "dataset": dataset,
        "protocol": protocol,
        "seed": seed,
        "status": status,
        "top1": top1 if status == "ok" else None,
        "top5": top5 if status == "ok" else None,
        "mean_class_accuracy": mca if status == "ok" else None,
        "num_classes": 101,
        "num_train": 100,
        "num_val": 50,
        "error": None if status == "ok" else "CUDA out of memory",
        "config": {"epochs": 1},
        "finished_at": "2026-11-26T12:00:00+00:00",
    }


def write_rows(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


@pytest.fixture
def results_file(tmp_path) -> Path:
    rows = [
        result_row("ucf101", "finetune", 0, 0.80, top5=0.95, mca=0.79),
        result_row("ucf101", "finetune", 1, 0.70, top5=0.93, mca=0.69),
        result_row("ucf101", "finetune", 2, 0.10, status="failed"),
        result_row("diving48", "linear-probe", 0, 0.2345, top5=None, mca=None),
        result_row("hmdb51", "finetune", 0, 0.55, checkpoint_name="someone-else"),
        result_row("ucf101", "finetune", 0, 0.90, checkpoint_name="timesformer-tiny"),
    ]
    return write_rows(tmp_path / "results.jsonl", rows)


@pytest.fixture
def catalog_file(tmp_path, tiny_model_dir, tiny_timesformer_dir, results_file) -> Path:
    """A catalog with two entries on the tiny model folder and the shared results file."""
    text = f"""
collection:
  title: Test catalog
  namespace: synapt-test
  description: models for tests
results: {results_file}
datasets:
  - repo_id: synapt-test/synapt-150
    note: the pretraining data
models:
  - repo_id: synapt-test/videomae-tiny
    model_dir: {tiny_model_dir}
    architecture: videomae
    size: tiny
    num_frames: 4
    resolution: 32
    pretrain: {{data: synapt150, num_classes: 150, hub_dataset: synapt-test/synapt-150}}
    mode: mae-then-supervised
    epochs: 3
  - repo_id: synapt-test/timesformer-tiny
    model_dir: {tiny_timesformer_dir}
    architecture: timesformer
    size: tiny
    num_frames: 4
    resolution: 32
    pretrain: kinetics150
    mode: supervised
"""
    path = tmp_path / "catalog.yaml"
    path.write_text(text)
    return path


@pytest.fixture
def make_row():
    """`make_row(dataset, protocol, seed, top1, ...)` -> a results row (see `result_row`)."""
    return result_row


@pytest.fixture
def rows_writer():
    """`rows_writer(path, rows)` writes a results.jsonl file."""
    return write_rows
