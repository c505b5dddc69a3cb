"""File-system helpers shared by every package.

Atomic writes: a file is written beside its target under a temporary name, then renamed over it, so a
reader sees either the old file or the complete new one, never a half-written file. Also: safe file
names, and what kind of dataset folder a path is."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

from synapt_hf.constants import FOLDS_FILE


def temporary_sibling(path: Path) -> Path:
    """A hidden name in `path`'s folder, unique to this call (safe across processes and threads)."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}{path.suffix}")


def write_atomic(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(temporary)`` to produce the file, then rename it to `path` (parents are created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_sibling(path)
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def write_text_atomic(path: str | Path, text: str) -> Path:
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    return write_atomic(path, lambda tmp: tmp.write_bytes(data))


def copy_atomic(source: str | Path, target: str | Path) -> Path:
    return write_atomic(target, lambda tmp: shutil.copyfile(source, tmp))


def safe_file_name(text: str, fallback: str = "x") -> str:
    """`text` with every run of characters other than letters, digits, ``-``, ``_`` and ``.`` replaced by
    ``_`` (no leading or trailing ``_``); `fallback` if nothing is left."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or fallback


def is_saved_dataset(path: str | Path) -> bool:
    """A folder written by `datasets`' ``save_to_disk`` (a `DatasetDict` or a single `Dataset`)."""
    path = Path(path)
    return (path / "dataset_dict.json").is_file() or (path / "state.json").is_file()


def is_class_folder_tree(path: str | Path) -> bool:
    """A folder of class subfolders of raw videos: not a saved dataset, not parquet shards, not a fold
    collection (`constants.FOLDS_FILE`), and at least one subfolder."""
    path = Path(path)
    if is_saved_dataset(path) or (path / FOLDS_FILE).is_file():
        return False
    if any(path.glob("*.parquet")) or any(path.glob("*/*.parquet")) or any(path.glob("data/*")):
        return False
    return any(child.is_dir() for child in path.iterdir())
