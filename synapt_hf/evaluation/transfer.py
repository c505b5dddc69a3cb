"""The transfer benchmark: fine-tune / linear-probe every checkpoint on every dataset, one row per run.

For every (checkpoint, dataset, protocol, seed) it calls the training package's `train()` (same defaults,
fixed seed), which evaluates on the dataset's validation split, and appends a row to `results.jsonl`.
Finished keys are skipped, so an interrupted benchmark resumes. A pair that fails (incompatible clips,
a broken checkpoint...) is recorded as `failed` with its error and the benchmark goes on.

A checkpoint is a local folder, a Hub id, a model preset, `scratch` (random init of the architecture of
the first other checkpoint) or `scratch:<preset-or-checkpoint>`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synapt_hf.constants import VIDEO_EXTENSIONS
from synapt_hf.data.video_processor_config import write_video_processor_config
from synapt_hf.errors import SynaptError
from synapt_hf.evaluation.results import (
    PROTOCOLS,
    ResultRow,
    ResultStore,
    checkpoint_display_name,
    dataset_display_name,
    now_iso,
)
from synapt_hf.io import is_class_folder_tree, safe_file_name

logger = logging.getLogger(__name__)

SCRATCH = "scratch"
RUNS_DIR = "runs"
SCRATCH_DIR = "scratch_models"


@dataclass
class TransferConfig:
    """What to run; `train_options` are extra `TrainConfig` fields applied to every run."""

    checkpoints: list[str]
    datasets: list[str]
    out_dir: str
    protocols: list[str] = field(default_factory=lambda: list(PROTOCOLS))
    seeds: list[int] = field(default_factory=lambda: [0])
    train_options: dict[str, Any] = field(default_factory=dict)
    retry_failed: bool = False
    build_report: bool = True
    quiet: bool = False  # no progress bars (the bar over all runs and each run's step bar)

    def validate(self) -> None:
        if not self.checkpoints:
            raise SynaptError("--checkpoints: give at least one checkpoint (folder, Hub id or 'scratch')")
        if not self.datasets:
            raise SynaptError("--datasets: give at least one dataset (saved DatasetDict folder or Hub id)")
        bad = [p for p in self.protocols if p not in PROTOCOLS]
        if bad:
            raise SynaptError(f"--protocol: unknown {', '.join(bad)} (choose from {', '.join(PROTOCOLS)})")
        if not self.seeds:
            raise SynaptError("--seeds: give at least one seed")
        from synapt_hf.training.config import ALIASES, TrainConfig

        reserved = {"model", "dataset", "protocol", "seed", "output_dir", "mode"}
        clash = sorted(name for name in self.train_options if ALIASES.get(name, name) in reserved)
        if clash:
            raise SynaptError(f"train options {', '.join(clash)} are set by the benchmark itself")

        TrainConfig.from_dict({**self.train_options, "protocol": "finetune"})  # unknown / invalid fields
        if all(c == SCRATCH for c in self.checkpoints):
            raise SynaptError(
                "'scratch' means random init of another checkpoint's architecture; add a checkpoint or "
                "name the architecture, e.g. 'scratch:videomae-tiny'"
            )
        for dataset in self.datasets:
            path = Path(dataset).expanduser()
            if dataset.startswith((".", "/", "~")) and not path.exists():
                raise SynaptError(f"--datasets: {dataset} does not exist")


# ---------------------------------------------------------------------------------------- geometry
@dataclass
class DatasetGeometry:
    """Smallest clip length and shortest frame side over the train and validation splits."""

    min_frames: int
    min_side: int
    num_train: int
    num_val: int
    num_classes: int


def dataset_geometry(
    dataset: str, train_split: str = "train", eval_split: str = "validation"
) -> DatasetGeometry:
    """Read clip geometry from the dataset's probed columns (probing the videos if a column is absent)."""
    from synapt_hf.data.format import HEIGHT, NUM_FRAMES, WIDTH, class_names, load_video_dataset, video_bytes
    from synapt_hf.data.video import probe

    path = Path(dataset).expanduser()
    if path.is_dir() and is_class_folder_tree(path):
        return folder_tree_geometry(path)
    loaded = load_video_dataset(dataset)
    for split in (train_split, eval_split):
        if split not in loaded:
            raise SynaptError(f"dataset {dataset}: no {split!r} split (has {', '.join(loaded)})")
    frames, sides = [], []
    for split in (train_split, eval_split):
        part = loaded[split]
        if len(part) == 0:
            raise SynaptError(f"dataset {dataset}: split {split!r} is empty")
        if all(column in part.column_names for column in (NUM_FRAMES, WIDTH, HEIGHT)):
            frames.append(min(part[NUM_FRAMES]))
            sides.append(min(min(w, h) for w, h in zip(part[WIDTH], part[HEIGHT], strict=True)))
        else:
            infos = [probe(video_bytes(example)) for example in part]
            frames.append(min(info.num_frames for info in infos))
            sides.append(min(min(info.width, info.height) for info in infos))
    return DatasetGeometry(
        min(frames), min(sides), len(loaded[train_split]), len(loaded[eval_split]), len(class_names(loaded))
    )


def folder_tree_geometry(root: Path) -> DatasetGeometry:
    """Probe every video of a class-folder tree (split sizes are known only after the build: 0 here)."""
    from synapt_hf.data.video import probe

    classes = sorted(child for child in root.iterdir() if child.is_dir())
    files = [f for c in classes for f in sorted(c.rglob("*")) if f.suffix.lower() in VIDEO_EXTENSIONS]
    if not files:
        raise SynaptError(f"dataset {root}: no video files in its class folders")
    infos = [probe(f) for f in files]
    return DatasetGeometry(
        min(i.num_frames for i in infos), min(min(i.width, i.height) for i in infos), 0, 0, len(classes)
    )


def check_compatible(
    checkpoint: str, model_frames: int, model_size: int, dataset: str, geo: DatasetGeometry
) -> None:
    """Clear error naming both when the dataset's clips are too short or too small for the checkpoint."""
    if geo.min_frames < model_frames:
        raise SynaptError(
            f"checkpoint {checkpoint} takes {model_frames}-frame clips but dataset {dataset} has clips of only "
            f"{geo.min_frames} frames: incompatible frames"
        )
    if geo.min_side < model_size:
        raise SynaptError(
            f"checkpoint {checkpoint} takes {model_size} px frames but dataset {dataset} has frames of only "
            f"{geo.min_side} px on the short side: incompatible size (it would need upscaling)"
        )


# ---------------------------------------------------------------------------------------- checkpoints
def scratch_target(checkpoint: str, checkpoints: list[str]) -> str:
    """The architecture a scratch entry copies: after `scratch:`, else the first non-scratch checkpoint."""
    if checkpoint.startswith(SCRATCH + ":"):
        return checkpoint.split(":", 1)[1]
    return next(c for c in checkpoints if c != SCRATCH and not c.startswith(SCRATCH + ":"))


def materialize_scratch(target: str, seed: int, out_dir: Path) -> str:
    """The `model` argument for a random init of `target`'s architecture at `seed`.

    A preset is returned as is (train() builds it with fresh weights); for a checkpoint, a randomly
    initialised copy of its architecture is saved once under `out_dir/scratch_models/`.
    """
    from synapt_hf.models.presets import is_preset

    if is_preset(target):
        return target
    import torch
    from transformers import AutoConfig, AutoModel, AutoModelForVideoClassification, VideoMAEForPreTraining

    folder = out_dir / SCRATCH_DIR / f"{safe_file_name(checkpoint_display_name(target))}-seed{seed}"
    if (folder / "config.json").is_file():
        return str(folder)
    from synapt_hf.models.loading import resolve_model

    source = resolve_model(target)
    config = AutoConfig.from_pretrained(source.name) if source.kind == "local" else source.config
    architectures = getattr(config, "architectures", None) or []
    torch.manual_seed(seed)
    if any("ForPreTraining" in a for a in architectures):
        model = VideoMAEForPreTraining(config)
    elif any("ForVideoClassification" in a for a in architectures):
        model = AutoModelForVideoClassification.from_config(config)
    else:
        model = AutoModel.from_config(config)
    tmp = folder.with_name(folder.name + ".tmp")
    model.save_pretrained(tmp)
    processor = Path(source.name) / "preprocessor_config.json"
    if processor.is_file():
        (tmp / "preprocessor_config.json").write_bytes(processor.read_bytes())
        write_video_processor_config(tmp)
    tmp.rename(folder)
    return str(folder)


# ---------------------------------------------------------------------------------------- runner
@dataclass(frozen=True)
class DatasetEntry:
    """One dataset a benchmark trains on: a plain dataset, or one fold of a fold collection."""

    dataset: str
    benchmark: str | None = None
    fold: str | None = None

    @property
    def label(self) -> str:
        return f"{self.benchmark}-{self.fold}" if self.fold else dataset_display_name(self.dataset)


def expand_datasets(datasets: list[str]) -> list[DatasetEntry]:
    """Each fold collection (a folder with `folds.json`) becomes its folds; other datasets stay as they are."""
    from synapt_hf.datasets.folds import is_fold_collection, read_fold_collection

    entries = []
    for dataset in datasets:
        if is_fold_collection(dataset):
            collection = read_fold_collection(dataset)
            entries.extend(DatasetEntry(path, collection.benchmark, fold) for fold, path in collection.folds)
        else:
            entries.append(DatasetEntry(dataset))
    return entries


def run_one(
    checkpoint: str,
    entry: DatasetEntry,
    protocol: str,
    seed: int,
    config: TransferConfig,
    geometries: dict,
) -> ResultRow:
    """Train and evaluate one key; any failure becomes a `failed` row (KeyboardInterrupt propagates)."""
    from synapt_hf.training import train
    from synapt_hf.training.config import TrainConfig

    out_dir = Path(config.out_dir)
    dataset = entry.dataset
    row = ResultRow(checkpoint, checkpoint_display_name(checkpoint), dataset, protocol, seed, "failed")
    row.benchmark, row.fold = entry.benchmark, entry.fold
    started = time.monotonic()
    try:
        if dataset not in geometries:
            geometries[dataset] = dataset_geometry(
                dataset,
                config.train_options.get("train_split", "train"),
                config.train_options.get("eval_split", "validation"),
            )
        geo = geometries[dataset]
        row.num_classes, row.num_train, row.num_val = geo.num_classes, geo.num_train, geo.num_val
        is_scratch = checkpoint == SCRATCH or checkpoint.startswith(SCRATCH + ":")
        target = scratch_target(checkpoint, config.checkpoints) if is_scratch else checkpoint
        from synapt_hf.models.loading import model_geometry, resolve_model

        frames, size = model_geometry(resolve_model(target).config)
        check_compatible(checkpoint, frames, size, dataset, geo)
        model = materialize_scratch(target, seed, out_dir) if is_scratch else checkpoint
        run_dir = (
            out_dir
            / RUNS_DIR
            / "__".join(
                safe_file_name(p) for p in (row.checkpoint_name, entry.label, protocol, f"seed{seed}")
            )
        )
        train_config = TrainConfig.from_dict(
            {
                "report_to": "none",
                "disable_progress_bar": config.quiet,
                **config.train_options,
                "model": model,
                "dataset": dataset,
                "mode": "supervised",
                "protocol": protocol,
                "seed": seed,
                "output_dir": str(run_dir),
                "overwrite_output_dir": True,
                "ignore_mismatched_sizes": True,
            }
        )
        row.config = {**train_config.to_dict(), "scratch_of": target if is_scratch else None}
        metrics = train(train_config)
        row.top1, row.top5 = float(metrics["top1"]), float(metrics["top5"])
        row.mean_class_accuracy = float(metrics["mean_class_accuracy"])
        row.num_train = int(metrics.get("num_train", row.num_train) or row.num_train)
        row.num_val = int(metrics.get("num_val", row.num_val) or row.num_val)
        row.status = "ok"
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # recorded, the benchmark goes on
        row.error = f"{type(exc).__name__}: {exc}" if not isinstance(exc, SynaptError) else str(exc)
        logger.warning(
            "transfer: %s on %s (%s, seed %d) failed: %s", checkpoint, dataset, protocol, seed, row.error
        )
    row.config["seconds"] = round(time.monotonic() - started, 1)
    row.finished_at = now_iso()
    return row


def run_transfer(config: TransferConfig) -> list[ResultRow]:
    """Run every missing key; returns the rows written by this call (the report is rebuilt at the end)."""
    config.validate()
    store = ResultStore(config.out_dir)
    done = store.finished(retry_failed=config.retry_failed)
    entries = {entry.dataset: entry for entry in expand_datasets(config.datasets)}
    keys = [
        (c, d, p, s)
        for d in entries
        for c in config.checkpoints
        for p in config.protocols
        for s in config.seeds
    ]
    todo = [key for key in keys if key not in done]
    logger.info(
        "transfer: %d runs, %d already finished, %d to do", len(keys), len(keys) - len(todo), len(todo)
    )
    geometries: dict = {}
    written = []
    from synapt_hf.progress import progress_bar, silence_library_bars

    if config.quiet:
        silence_library_bars()
    with progress_bar(total=len(todo), desc="transfer", unit="run", quiet=config.quiet) as bar:
        for number, (checkpoint, dataset, protocol, seed) in enumerate(todo, start=1):
            logger.info(
                "transfer [%d/%d]: %s on %s, %s, seed %d",
                number,
                len(todo),
                checkpoint,
                dataset,
                protocol,
                seed,
            )
            row = run_one(checkpoint, entries[dataset], protocol, seed, config, geometries)
            store.append(row)
            written.append(row)
            bar.update(1)
    if config.build_report:
        from synapt_hf.evaluation.report import build_report

        build_report(config.out_dir)
    return written
