"""Top-k accuracy: the fraction of examples whose label is among the k highest scores.

A local `evaluate` module shipped with synapt-hf; load it by path (works offline):
`evaluate.load(".../metric_modules/top_k_accuracy/top_k_accuracy.py")`.
"""

import datasets
import evaluate
import numpy as np

# The arithmetic is the kernels of synapt_hf/metrics.py, whose `classification_metrics` calls these modules.
from synapt_hf import metrics

_DESCRIPTION = (
    "Top-k accuracy from per-class scores (logits or probabilities); k is capped at the class count."
)
_KWARGS_DESCRIPTION = """
Args:
    predictions: list of per-class score lists, shape (N, C).
    references: list of int labels, shape (N,).
    k: int, default 5 (min(k, C) is used).
Returns:
    accuracy: float in [0, 1] (NaN for empty input).
Examples:
    >>> metric = evaluate.load("path/to/top_k_accuracy.py")
    >>> metric.compute(predictions=[[0.1, 0.9], [0.8, 0.2]], references=[1, 1], k=1)
    {'accuracy': 0.5}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class TopKAccuracy(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {
                    "predictions": datasets.Sequence(datasets.Value("float64")),
                    "references": datasets.Value("int64"),
                }
            ),
        )

    def _compute(self, predictions, references, k=5):
        scores = np.asarray(predictions, dtype=np.float64)
        labels = np.asarray(references, dtype=np.int64)
        if labels.size == 0:
            return {"accuracy": float("nan")}
        return {"accuracy": float(metrics.top_k_hits(scores, labels, max(1, int(k))).mean())}
