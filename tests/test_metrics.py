"""The metrics, computed through the shipped local `evaluate` modules, agree with an explicit-loop computation."""

from __future__ import annotations

import evaluate
import numpy as np
import pytest
import torch

from synapt_hf.errors import SynaptError
from synapt_hf.metrics import (
    METRIC_NAMES,
    classification_metrics,
    confusion_matrix,
    load_metric,
    metric_module_path,
)


def direct_metrics(scores: np.ndarray, labels: np.ndarray, k: int) -> dict:
    """Reference implementation with explicit loops."""
    n, num_classes = scores.shape
    preds = [int(np.argmax(row)) for row in scores]
    top1 = sum(p == y for p, y in zip(preds, labels, strict=True)) / n
    topk = (
        sum(y in np.argsort(-row)[: min(k, num_classes)] for row, y in zip(scores, labels, strict=True)) / n
    )
    recalls = []
    for c in sorted(set(labels.tolist())):
        idx = [i for i in range(n) if labels[i] == c]
        recalls.append(sum(preds[i] == c for i in idx) / len(idx))
    matrix = np.zeros((num_classes, num_classes), dtype=int)
    for p, y in zip(preds, labels, strict=True):
        matrix[y, p] += 1
    return {"top1": top1, "topk": topk, "mca": sum(recalls) / len(recalls), "cm": matrix}


@pytest.fixture
def random_scores():
    rng = np.random.default_rng(7)
    scores = rng.normal(size=(64, 9)).astype(np.float32)
    labels = rng.integers(0, 9, size=64)
    labels[labels == 4] = 3  # one class absent from labels: mean class accuracy ignores it
    scores[np.arange(20), labels[:20]] += 3.0  # some correct predictions
    return scores, labels


def test_classification_metrics_match_direct(random_scores):
    scores, labels = random_scores
    expected = direct_metrics(scores, labels, k=5)
    got = classification_metrics(scores, labels, num_classes=9)
    assert got["top1"] == pytest.approx(expected["top1"])
    assert got["top5"] == pytest.approx(expected["topk"])
    assert got["mean_class_accuracy"] == pytest.approx(expected["mca"])
    assert 0.3 < got["top1"] < 1.0
    np.testing.assert_array_equal(confusion_matrix(scores, labels, 9), expected["cm"])


def test_accepts_torch_tensors_and_class_ids(random_scores):
    scores, labels = random_scores
    from_tensor = classification_metrics(torch.from_numpy(scores), torch.from_numpy(labels), 9)
    assert from_tensor == classification_metrics(scores, labels, 9)
    preds = scores.argmax(axis=1)
    from_ids = classification_metrics(preds, labels, 9)
    assert from_ids["top1"] == from_tensor["top1"] == from_ids["top5"]


def test_top5_is_capped_at_class_count():
    scores = np.array([[0.1, 0.9, 0.0], [0.9, 0.1, 0.0]])
    assert classification_metrics(scores, [2, 2], 3)["top5"] == 1.0
    assert classification_metrics(scores, [2, 2], 3)["top1"] == 0.0


def test_the_numbers_come_from_the_evaluate_modules(random_scores, monkeypatch):
    """`classification_metrics` returns exactly what the loaded modules compute (recorded on the way)."""
    scores, labels = random_scores
    answers: dict = {}
    for name in ("top_k_accuracy", "mean_class_accuracy"):
        module = load_metric(name)
        compute = module.compute

        def recording(compute=compute, name=name, **inputs):
            answer = compute(**inputs)
            answers[(name, inputs.get("k"))] = next(iter(answer.values()))
            return answer

        monkeypatch.setattr(module, "compute", recording)
    got = classification_metrics(scores, labels, 9)
    assert got == {
        "top1": answers[("top_k_accuracy", 1)],
        "top5": answers[("top_k_accuracy", 5)],
        "mean_class_accuracy": answers[("mean_class_accuracy", None)],
    }


def test_float64_scores_keep_their_order(random_scores):
    """Scores closer than float32 resolution still rank as given (the module reads float64)."""
    scores = np.array([[1.0, 1.0 + 1e-12], [1.0 + 1e-12, 1.0]])
    assert classification_metrics(scores, [1, 0], 2)["top1"] == 1.0


def test_modules_load_by_path_with_evaluate_load():
    for name in METRIC_NAMES:
        assert metric_module_path(name).is_file()
    top3 = evaluate.load(str(metric_module_path("top_k_accuracy")))
    scores = [[0.5, 0.2, 0.1, 0.0], [0.0, 0.1, 0.2, 0.5]]
    assert top3.compute(predictions=scores, references=[3, 3], k=3)["accuracy"] == 0.5


def test_bad_input_is_a_clear_error():
    with pytest.raises(SynaptError, match="differ in length"):
        classification_metrics(np.zeros((3, 2)), [0, 1], 2)
    with pytest.raises(SynaptError, match="columns"):
        classification_metrics(np.zeros((2, 3)), [0, 1], 2)
    with pytest.raises(SynaptError, match="labels must lie"):
        classification_metrics(np.zeros((2, 2)), [0, 5], 2)
    with pytest.raises(SynaptError, match="predicted class ids must lie"):
        classification_metrics(np.array([0, 7]), [0, 1], 2)
    with pytest.raises(SynaptError, match="unknown metric"):
        metric_module_path("f1")
