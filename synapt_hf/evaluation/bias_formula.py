"""Representation bias (Li and Vasconcelos, RESOUND, ECCV 2018) and the `bias.json` record.

`B = log(M * a) / log(M)`: M classes, `a` the validation accuracy of a classifier that sees static
appearance only. B = 0 at chance (a = 1/M) and B = 1 when appearance alone solves the task (a = 1).
Below-chance accuracies give B < 0; `bias` is clipped at 0 and `bias_unclipped` keeps the raw value.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from synapt_hf.errors import SynaptError
from synapt_hf.io import write_text_atomic

BIAS_FILE = "bias.json"


def representation_bias(accuracy: float, num_classes: int) -> float:
    """Unclipped `log(M * a) / log(M)`; -inf for a = 0."""
    if num_classes < 2:
        raise SynaptError(f"representation bias needs at least 2 classes, got {num_classes}")
    if not 0.0 <= accuracy <= 1.0:
        raise SynaptError(f"accuracy must be a fraction in [0, 1], got {accuracy}")
    if accuracy == 0.0:
        return -math.inf
    return math.log(num_classes * accuracy) / math.log(num_classes)


@dataclass
class BiasRecord:
    """What `synapt bias` measured for one dataset (written as `bias.json`)."""

    dataset: str
    dataset_name: str
    num_classes: int
    method: str  # "static-video" or "image-probe:<backbone>"
    static_accuracy: float
    bias: float = field(init=False)
    bias_unclipped: float | None = field(init=False)
    temporal_gap: dict[str, float] | None = None
    num_train: int | None = None
    num_val: int | None = None
    config: dict[str, Any] = field(default_factory=dict)
    finished_at: str = ""

    def __post_init__(self) -> None:
        raw = representation_bias(self.static_accuracy, self.num_classes)
        self.bias_unclipped = raw if math.isfinite(raw) else None
        self.bias = max(0.0, raw)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def write_bias_record(record: BiasRecord, path: str | Path) -> Path:
    """Write `record` as JSON to `path` via a temporary file and a rename."""
    return write_text_atomic(path, json.dumps(record.to_dict(), indent=2) + "\n")


def read_bias_file(path: str | Path) -> dict[str, Any]:
    """Read a `bias.json`; a clear error when it is not one."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SynaptError(f"{path}: cannot read bias record ({exc})") from exc
    for name in ("dataset", "bias", "num_classes", "static_accuracy"):
        if name not in data:
            raise SynaptError(f"{path}: bias record lacks field {name!r}")
    return data
