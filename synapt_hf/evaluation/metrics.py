"""Classification metrics on gathered predictions: top-1, top-k, mean class accuracy, confusion matrix.

`classification_metrics` is the fast in-process path used by the training loop (call it on predictions
already gathered across processes, e.g. with `accelerator.gather_for_metrics`). The same metrics ship as
local `evaluate` modules under `metric_modules/` (see `load_metric`), loaded by path so they work offline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from synapt_hf.errors import SynaptError

METRIC_MODULES_DIR = Path(__file__).resolve().parent / "metric_modules"
METRIC_NAMES = ("top_k_accuracy", "mean_class_accuracy", "confusion_matrix")


def _as_numpy(values: Any) -> np.ndarray:
    if hasattr(values, "detach"):  # torch tensor
        values = values.detach().float().cpu().numpy() if values.is_floating_point() else values.cpu().numpy()
    return np.asarray(values)


def _check_inputs(logits_or_preds: Any, labels: Any, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    scores = _as_numpy(logits_or_preds)
    targets = _as_numpy(labels).astype(np.int64).reshape(-1)
    if num_classes < 1:
        raise SynaptError(f"num_classes must be >= 1, got {num_classes}")
    if scores.ndim not in (1, 2):
        raise SynaptError(f"predictions must be class ids (N,) or scores (N, C), got shape {scores.shape}")
    if scores.shape[0] != targets.shape[0]:
        raise SynaptError(f"predictions ({scores.shape[0]}) and labels ({targets.shape[0]}) differ in length")
    if scores.ndim == 2 and scores.shape[1] != num_classes:
        raise SynaptError(f"scores have {scores.shape[1]} columns but num_classes is {num_classes}")
    if targets.size and (targets.min() < 0 or targets.max() >= num_classes):
        raise SynaptError(
            f"labels must lie in [0, {num_classes}), got range [{targets.min()}, {targets.max()}]"
        )
    return scores, targets


def top_k_hits(scores: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Boolean (N,): whether the label is among the k highest scores (ties broken by lower class id)."""
    k = min(k, scores.shape[1])
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return (order == labels[:, None]).any(axis=1)


def mean_class_accuracy(preds: np.ndarray, labels: np.ndarray) -> float:
    """Mean over the classes present in `labels` of the per-class recall."""
    classes = np.unique(labels)
    if classes.size == 0:
        return float("nan")
    return float(np.mean([np.mean(preds[labels == c] == c) for c in classes]))


def classification_metrics(logits_or_preds: Any, labels: Any, num_classes: int) -> dict[str, float]:
    """Top-1, top-min(5, C) and mean class accuracy, as fractions in [0, 1].

    `logits_or_preds` is either scores/logits of shape (N, C) or predicted class ids of shape (N,);
    with class ids only, top-5 equals top-1. Accepts numpy arrays, lists or
    torch tensors. An empty input gives NaN values.
    """
    scores, targets = _check_inputs(logits_or_preds, labels, num_classes)
    if targets.size == 0:
        return {"top1": float("nan"), "top5": float("nan"), "mean_class_accuracy": float("nan")}
    if scores.ndim == 2:
        preds = np.argsort(-scores, axis=1, kind="stable")[:, 0]
        top5 = float(top_k_hits(scores, targets, 5).mean())
    else:
        preds = scores.astype(np.int64)
        top5 = float((preds == targets).mean())
    return {
        "top1": float((preds == targets).mean()),
        "top5": top5,
        "mean_class_accuracy": mean_class_accuracy(preds, targets),
    }


def confusion_matrix(logits_or_preds: Any, labels: Any, num_classes: int) -> np.ndarray:
    """Counts (C, C) int64: row = true class, column = predicted class."""
    scores, targets = _check_inputs(logits_or_preds, labels, num_classes)
    preds = np.argsort(-scores, axis=1, kind="stable")[:, 0] if scores.ndim == 2 else scores.astype(np.int64)
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (targets, preds), 1)
    return matrix


def metric_module_path(name: str) -> Path:
    """Path of a shipped `evaluate` module script (loadable offline with `evaluate.load(path)`)."""
    if name not in METRIC_NAMES:
        raise SynaptError(f"unknown metric {name!r}; choose one of {', '.join(METRIC_NAMES)}")
    return METRIC_MODULES_DIR / name / f"{name}.py"


def load_metric(name: str):
    """Load one of the shipped metrics as an `evaluate.EvaluationModule`, by local path (no Hub access)."""
    import evaluate

    return evaluate.load(str(metric_module_path(name)))


def evaluate_with_modules(logits: Any, labels: Any, num_classes: int) -> dict[str, Any]:
    """All metrics through the shipped `evaluate` modules: top1, top5, mean_class_accuracy, confusion_matrix."""
    scores, targets = _check_inputs(logits, labels, num_classes)
    if scores.ndim != 2:
        raise SynaptError("evaluate_with_modules needs scores of shape (N, C), not class ids")
    preds = np.argsort(-scores, axis=1, kind="stable")[:, 0]
    top_k = load_metric("top_k_accuracy")
    result = {
        "top1": top_k.compute(predictions=scores.tolist(), references=targets.tolist(), k=1)["accuracy"],
        "top5": top_k.compute(predictions=scores.tolist(), references=targets.tolist(), k=5)["accuracy"],
    }
    mca = load_metric("mean_class_accuracy").compute(predictions=preds.tolist(), references=targets.tolist())
    result["mean_class_accuracy"] = mca["mean_class_accuracy"]
    cm = load_metric("confusion_matrix").compute(
        predictions=preds.tolist(), references=targets.tolist(), num_classes=num_classes
    )
    result["confusion_matrix"] = cm["confusion_matrix"]
    return result
