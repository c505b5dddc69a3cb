"""Training checkpoints: atomic ``checkpoint-N`` folders, a total limit, and resolving ``--resume-from-checkpoint``.

A checkpoint is written by ``accelerator.save_state`` into ``checkpoint-N.tmp`` together with
``train_state.json`` (step, epoch, position in the epoch), ``training_args.json`` and ``run_settings.json``
(the settings compared on resume, see `synapt_hf.training.run_settings`), then renamed to
``checkpoint-N``. Only folders named ``checkpoint-<int>`` that hold ``train_state.json`` count, so a crash
mid-write leaves the previous checkpoint as the latest usable one.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from synapt_hf.errors import SynaptError

# The layout of a run folder, shared with the code that publishes it (synapt_hf.hub).
CHECKPOINT_PREFIX = "checkpoint-"
STAGE1_DIR = "stage1-mae"  # the MAE stage of a two-stage (mae+supervised) run
CHECKPOINT_PATTERN = re.compile(rf"^{CHECKPOINT_PREFIX}(\d+)$")
TRAIN_STATE = "train_state.json"


@dataclass
class TrainState:
    """Where training stands: optimizer steps done, the epoch, and batches consumed in that epoch."""

    global_step: int = 0
    epoch: int = 0
    batches_in_epoch: int = 0
    samples_seen: int = 0
    stage: str = "main"

    def save(self, folder: Path) -> None:
        (folder / TRAIN_STATE).write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, folder: Path) -> TrainState:
        try:
            return cls(**json.loads((folder / TRAIN_STATE).read_text()))
        except (OSError, json.JSONDecodeError, TypeError) as exc:
            raise SynaptError(f"{folder}: unreadable {TRAIN_STATE} ({exc})") from exc


def checkpoint_dir(output_dir: Path, step: int) -> Path:
    """Where the complete checkpoint of `step` lives."""
    return output_dir / f"{CHECKPOINT_PREFIX}{step}"


def list_checkpoints(output_dir: Path) -> list[Path]:
    """Complete checkpoints in `output_dir`, oldest (lowest step) first."""
    if not output_dir.is_dir():
        return []
    found = []
    for child in output_dir.iterdir():
        match = CHECKPOINT_PATTERN.match(child.name)
        if match and child.is_dir() and (child / TRAIN_STATE).is_file():
            found.append((int(match.group(1)), child))
    return [path for _, path in sorted(found)]


def resolve_resume(output_dir: Path, resume_from_checkpoint: str | None) -> Path | None:
    """The checkpoint folder to resume from: ``latest`` (None if there is none yet) or an explicit path."""
    if not resume_from_checkpoint:
        return None
    if resume_from_checkpoint == "latest":
        checkpoints = list_checkpoints(output_dir)
        return checkpoints[-1] if checkpoints else None
    path = Path(resume_from_checkpoint).expanduser()
    if not path.is_dir():
        raise SynaptError(f"--resume-from-checkpoint {path}: no such checkpoint folder")
    if not (path / TRAIN_STATE).is_file():
        raise SynaptError(f"--resume-from-checkpoint {path}: not a complete checkpoint (no {TRAIN_STATE})")
    return path


def temporary_checkpoint_dir(output_dir: Path, step: int) -> Path:
    return output_dir / f"{CHECKPOINT_PREFIX}{step}.tmp"


def finalize_checkpoint(temporary: Path, output_dir: Path, step: int, total_limit: int | None) -> Path:
    """Rename a fully written ``checkpoint-N.tmp`` to ``checkpoint-N`` and prune the oldest beyond the limit."""
    final = checkpoint_dir(output_dir, step)
    if final.exists():
        retired = output_dir / f"{CHECKPOINT_PREFIX}{step}.old"
        shutil.rmtree(retired, ignore_errors=True)
        final.rename(retired)
        temporary.rename(final)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        temporary.rename(final)
    if total_limit is not None:
        checkpoints = list_checkpoints(output_dir)
        for old in checkpoints[: max(0, len(checkpoints) - total_limit)]:
            shutil.rmtree(old, ignore_errors=True)
    return final
