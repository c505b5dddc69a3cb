"""The transfer results store: `results.jsonl`, one JSON object a line (schema in docs/architecture.md).

Rows are appended whole and flushed, so an interrupted benchmark leaves at most one torn last line, which
reading skips. When a key (checkpoint, dataset, protocol, seed) appears several times the last row wins.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from synapt_hf.constants import TRANSFER_RESULTS_FILE
from synapt_hf.errors import SynaptError

logger = logging.getLogger(__name__)

PROTOCOLS = ("finetune", "linear-probe")
STATUSES = ("ok", "failed")
ROW_FIELDS = (
    "checkpoint",
    "checkpoint_name",
    "dataset",
    "protocol",
    "seed",
    "status",
    "top1",
    "top5",
    "mean_class_accuracy",
    "num_classes",
    "num_train",
    "num_val",
    "error",
    "config",
    "finished_at",
    "benchmark",
    "fold",
)


@dataclass
class ResultRow:
    """One (checkpoint, dataset, protocol, seed) outcome; metric fields are None for failed rows."""

    checkpoint: str
    checkpoint_name: str
    dataset: str
    protocol: str
    seed: int
    status: str
    top1: float | None = None
    top5: float | None = None
    mean_class_accuracy: float | None = None
    num_classes: int | None = None
    num_train: int | None = None
    num_val: int | None = None
    error: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    finished_at: str = ""
    benchmark: str | None = None  # the fold collection a fold dataset belongs to (None: a plain dataset)
    fold: str | None = None

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.checkpoint, self.dataset, self.protocol, self.seed)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=False, default=str)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ResultRow:
        missing = [
            name for name in ("checkpoint", "dataset", "protocol", "seed", "status") if name not in data
        ]
        if missing:
            raise SynaptError(f"result row lacks field(s) {', '.join(missing)}: {data}")
        if data["status"] not in STATUSES:
            raise SynaptError(f"result row has status {data['status']!r}, expected one of {STATUSES}")
        known = {name: data[name] for name in ROW_FIELDS if name in data}
        known.setdefault("checkpoint_name", checkpoint_display_name(str(data["checkpoint"])))
        known["seed"] = int(known["seed"])
        return cls(**known)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def checkpoint_display_name(checkpoint: str) -> str:
    """A short name for tables: `scratch`, the folder name of a local path, or the Hub id."""
    if checkpoint.startswith("scratch"):
        return checkpoint
    path = Path(checkpoint)
    if path.exists():
        return path.resolve().name
    return checkpoint


def pool_folds(rows: list[ResultRow]) -> list[ResultRow]:
    """The rows with each fold's dataset replaced by its fold collection (`benchmark`), so that grouping by
    dataset averages a leave-one-group-out benchmark over folds x seeds; other rows are kept as they are."""
    return [replace(row, dataset=row.benchmark) if row.benchmark else row for row in rows]


def dataset_display_name(dataset: str) -> str:
    path = Path(dataset)
    return path.resolve().name if path.exists() else dataset


class ResultStore:
    """Append-only `results.jsonl` in a benchmark folder."""

    def __init__(self, out_dir: str | Path):
        self.out_dir = Path(out_dir)
        self.path = self.out_dir / TRANSFER_RESULTS_FILE

    def rows(self) -> list[ResultRow]:
        """All readable rows in file order; a torn or invalid line is skipped with a warning."""
        if not self.path.is_file():
            return []
        rows = []
        with self.path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    rows.append(ResultRow.from_dict(json.loads(line)))
                except (json.JSONDecodeError, SynaptError, TypeError) as exc:
                    logger.warning("%s:%d: skipping unreadable row (%s)", self.path, number, exc)
        return rows

    def latest(self) -> list[ResultRow]:
        """The last row of every key, in the order keys first appeared."""
        latest: dict[tuple, ResultRow] = {}
        for row in self.rows():
            latest[row.key] = row
        return list(latest.values())

    def finished(self, retry_failed: bool = False) -> set[tuple[str, str, str, int]]:
        """Keys that a resumed run skips: ok rows, and failed rows unless `retry_failed`."""
        return {row.key for row in self.latest() if row.status == "ok" or not retry_failed}

    def append(self, row: ResultRow) -> None:
        """Append one whole line and flush it to disk."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        if not row.finished_at:
            row.finished_at = now_iso()
        line = row.to_json() + "\n"
        self._repair_torn_tail()
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def _repair_torn_tail(self) -> None:
        """If the file ends without a newline (an interrupted write), end it so the next row stays intact."""
        if not self.path.is_file() or self.path.stat().st_size == 0:
            return
        with self.path.open("rb+") as handle:
            handle.seek(-1, os.SEEK_END)
            if handle.read(1) != b"\n":
                handle.write(b"\n")
