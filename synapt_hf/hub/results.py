"""Transfer results (`results.jsonl` of the transfer benchmark) summarized per dataset and protocol.

Rows are parsed by the benchmark's own `ResultRow` (synapt_hf.evaluation.results); this module adds the
catalog's strict checks on top (the benchmark's reader skips a bad line, the catalog refuses it with file:line).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from synapt_hf.errors import SynaptError
from synapt_hf.evaluation.results import PROTOCOLS, ResultRow, dataset_display_name

REQUIRED_FIELDS = ("checkpoint", "checkpoint_name", "dataset", "protocol", "seed", "status")


def dataset_name(key: str) -> str:
    """The display name of a benchmark dataset key (`ucf101` -> `UCF101`; the dataset specs of
    `synapt_hf.datasets.registry`, by PPMA key or name); unknown keys as they are.

    A row's `dataset` may be the dataset folder (`outputs/weizmann/weizmann`): it is named like the evaluation
    report names it (`dataset_display_name`: the folder name), then looked up (`weizmann` -> `Weizmann`).
    """
    from synapt_hf.datasets.registry import find_spec

    spec = find_spec(key)
    if spec is not None:
        return spec.display_name
    name = dataset_display_name(key)
    if "/" in name or "\\" in name:  # a folder that is not on this disk: its last component
        name = Path(name.replace("\\", "/")).name or name
    spec = find_spec(name)
    return spec.display_name if spec is not None else name


@dataclass(frozen=True)
class TransferResult:
    """Mean over the successful seeds of one (dataset, protocol) pair, metrics as fractions in [0, 1]."""

    dataset: str
    protocol: str
    top1: float
    top5: float | None
    mean_class_accuracy: float | None
    num_seeds: int

    @property
    def dataset_name(self) -> str:
        return dataset_name(self.dataset)

    def to_dict(self) -> dict:
        return {
            "dataset": self.dataset,
            "protocol": self.protocol,
            "top1": self.top1,
            "top5": self.top5,
            "mean_class_accuracy": self.mean_class_accuracy,
            "num_seeds": self.num_seeds,
        }


def _check_fraction(value: object, where: str, field: str, required: bool) -> None:
    if value is None and not required:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise SynaptError(f"{where}: field '{field}' must be a fraction in [0, 1], got {value!r}")
    if math.isnan(value):
        raise SynaptError(f"{where}: field '{field}' is NaN")


def validate_row(row: object, where: str) -> ResultRow:
    """Check one decoded results row against the contract in docs/architecture.md; return it parsed."""
    if not isinstance(row, dict):
        raise SynaptError(f"{where}: expected a JSON object, got {type(row).__name__}")
    missing = [field for field in REQUIRED_FIELDS if field not in row]
    if missing:
        raise SynaptError(f"{where}: missing field(s) {', '.join(missing)}")
    if row["protocol"] not in PROTOCOLS:
        raise SynaptError(
            f"{where}: field 'protocol' must be one of {', '.join(PROTOCOLS)}, got {row['protocol']!r}"
        )
    if row["status"] == "ok":
        _check_fraction(row.get("top1"), where, "top1", required=True)
        _check_fraction(row.get("top5"), where, "top5", required=False)
        _check_fraction(row.get("mean_class_accuracy"), where, "mean_class_accuracy", required=False)
    try:
        return ResultRow.from_dict(row)
    except (SynaptError, TypeError, ValueError) as exc:
        raise SynaptError(f"{where}: {exc}") from None


def read_results(path: str | Path) -> list[ResultRow]:
    """Read and validate every row of a `results.jsonl` file; errors name the file and line."""
    path = Path(path)
    if not path.is_file():
        raise SynaptError(f"{path}: results file not found")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SynaptError(f"{where}: malformed JSON ({exc.msg})") from None
        rows.append(validate_row(row, where))
    return rows


def rows_for_checkpoint(rows: list[ResultRow], names: set[str]) -> list[ResultRow]:
    """The rows whose `checkpoint_name` or `checkpoint` is one of `names`."""
    return [row for row in rows if row.checkpoint_name in names or str(row.checkpoint) in names]


def _mean(values: list[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    if not present or len(present) != len(values):
        return None
    return sum(present) / len(present)


def summarize(rows: list[ResultRow]) -> list[TransferResult]:
    """Average the `ok` rows per (dataset, protocol) over seeds; sorted by dataset then protocol."""
    groups: dict[tuple[str, str], list[ResultRow]] = {}
    for row in rows:
        if row.status == "ok":
            groups.setdefault((row.dataset, row.protocol), []).append(row)
    summary = []
    for (dataset, protocol), group in sorted(groups.items()):
        summary.append(
            TransferResult(
                dataset=dataset,
                protocol=protocol,
                top1=_mean([row.top1 for row in group]),
                top5=_mean([row.top5 for row in group]),
                mean_class_accuracy=_mean([row.mean_class_accuracy for row in group]),
                num_seeds=len(group),
            )
        )
    return summary
