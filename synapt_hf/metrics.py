"""Classification metrics, computed through the shipped `evaluate` modules: top-1, top-k, mean class
accuracy, confusion matrix.

`classification_metrics` and `confusion_matrix` are the one path every reported number takes: the training
loop's evaluation (hence the transfer benchmark, which reports what `train()` returns), the scene-object bias
probe and the per-model evaluation. They load the local `evaluate` modules under
``synapt_hf/metric_modules/<name>/<name>.py`` by path with ``evaluate.load`` (offline: no Hub access) and
compute with them. The modules' arithmetic is the numpy kernels below (`top_k_hits`, `mean_class_accuracy`,
`confusion_counts`); nothing else calls them. Call the functions on predictions already gathered across
processes (e.g. with ``accelerator.gather_for_metrics``).

This module sits below `synapt_hf.training` and `synapt_hf.evaluation` (it imports neither), so both use it.
"""

from __future__ import annotations

import functools
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
    if scores.ndim == 1 and scores.size and (scores.min() < 0 or scores.max() >= num_classes):
        raise SynaptError(
            f"predicted class ids must lie in [0, {num_classes}), got range [{scores.min()}, {scores.max()}]"
        )
    return scores, targets


# kernels of the `evaluate` modules ---------------------------------------------------------------------
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


def confusion_counts(preds: np.ndarray, labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts (C, C) int64 of class ids: row = true class, column = predicted class."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (labels, preds), 1)
    return matrix


# the shipped modules ---------------------------------------------------------------------------------------
def metric_module_path(name: str) -> Path:
    """Path of a shipped `evaluate` module script (loadable offline with `evaluate.load(path)`)."""
    if name not in METRIC_NAMES:
        raise SynaptError(f"unknown metric {name!r}; choose one of {', '.join(METRIC_NAMES)}")
    return METRIC_MODULES_DIR / name / f"{name}.py"


@functools.cache
def load_metric(name: str):
    """One of the shipped metrics as an `evaluate.EvaluationModule`, loaded by local path (no Hub access),
    kept in memory (no cache files); loaded once per process and reused."""
    import evaluate

    return evaluate.load(str(metric_module_path(name)), keep_in_memory=True)


def _top_predictions(scores: np.ndarray) -> np.ndarray:
    if scores.ndim == 1:
        return scores.astype(np.int64)
    return np.argsort(-scores, axis=1, kind="stable")[:, 0]


def classification_metrics(logits_or_preds: Any, labels: Any, num_classes: int) -> dict[str, float]:
    """Top-1, top-min(5, C) and mean class accuracy, as fractions in [0, 1], through the `evaluate` modules.

    `logits_or_preds` is either scores/logits of shape (N, C) or predicted class ids of shape (N,) in
    [0, C); with class ids only, top-5 equals top-1. Accepts numpy arrays, lists or torch tensors. An
    empty input gives NaN values. Raises `SynaptError` for mismatched shapes or out-of-range ids.
    """
    scores, targets = _check_inputs(logits_or_preds, labels, num_classes)
    if targets.size == 0:
        return {"top1": float("nan"), "top5": float("nan"), "mean_class_accuracy": float("nan")}
    preds = _top_predictions(scores)
    class_ids = scores.ndim == 1
    if class_ids:  # one-hot scores, whose only maximum is the predicted id
        scores = np.eye(num_classes, dtype=np.float64)[preds]
    top_k = load_metric("top_k_accuracy")
    top1 = top_k.compute(predictions=scores, references=targets, k=1)["accuracy"]
    top5 = top1 if class_ids else top_k.compute(predictions=scores, references=targets, k=5)["accuracy"]
    mca = load_metric("mean_class_accuracy").compute(predictions=preds, references=targets)
    return {
        "top1": float(top1),
        "top5": float(top5),
        "mean_class_accuracy": float(mca["mean_class_accuracy"]),
    }


def confusion_matrix(logits_or_preds: Any, labels: Any, num_classes: int) -> np.ndarray:
    """Counts (C, C) int64 through the `confusion_matrix` module: row = true class, column = prediction."""
    scores, targets = _check_inputs(logits_or_preds, labels, num_classes)
    if targets.size == 0:
        return np.zeros((num_classes, num_classes), dtype=np.int64)
    result = load_metric("confusion_matrix").compute(
        predictions=_top_predictions(scores), references=targets, num_classes=num_classes
    )
    return np.asarray(result["confusion_matrix"], dtype=np.int64)
