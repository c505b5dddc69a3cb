"""The output folder of a run: refuse one that holds another run, clear it when overwriting."""

from __future__ import annotations

import shutil
from pathlib import Path

from synapt_hf.constants import ALL_RESULTS_FILE, TRAINING_ARGS_FILE
from synapt_hf.errors import SynaptError
from synapt_hf.training.checkpoints import CHECKPOINT_PREFIX, STAGE1_DIR
from synapt_hf.training.config import TrainConfig
from synapt_hf.training.launch import distributed_state

_RUN_MARKERS = (TRAINING_ARGS_FILE, ALL_RESULTS_FILE, "config.json")


def check_output_dir(output_dir: Path, config: TrainConfig) -> None:
    """Refuse a folder that holds another run unless resuming or overwriting it (before any work)."""
    if not output_dir.exists():
        return
    if not output_dir.is_dir():
        raise SynaptError(f"--output-dir {output_dir}: exists and is not a directory")
    entries = [p for p in output_dir.iterdir() if p.name not in (STAGE1_DIR, "logs")]
    if not entries and not (output_dir / STAGE1_DIR).exists():
        return
    holds_run = any((output_dir / marker).exists() for marker in _RUN_MARKERS) or any(
        p.name.startswith((CHECKPOINT_PREFIX, ".export-"))
        for p in entries  # incl. half-written ones
    )
    if config.resume_from_checkpoint:
        return
    if config.overwrite_output_dir:
        if not holds_run and entries:
            raise SynaptError(f"--output-dir {output_dir}: not a training run folder; refusing to delete it")
        return
    what = "another run" if holds_run else "other files"
    raise SynaptError(
        f"--output-dir {output_dir} holds {what}; pass --resume-from-checkpoint latest to continue it, "
        "--overwrite-output-dir to replace it, or choose another --output-dir"
    )


def clear_output_dir(output_dir: Path) -> None:
    """Delete the previous run's files (main process only; `check_output_dir` vetted the folder)."""
    state = distributed_state()
    if state.is_main_process and output_dir.is_dir():
        for child in output_dir.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    state.wait_for_everyone()
