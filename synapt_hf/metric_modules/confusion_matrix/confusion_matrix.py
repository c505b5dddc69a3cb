"""Confusion matrix: counts with rows = true class and columns = predicted class.

A local `evaluate` module shipped with synapt-hf; load it by path (works offline):
`evaluate.load(".../metric_modules/confusion_matrix/confusion_matrix.py")`.
"""

import datasets
import evaluate
import numpy as np

# The arithmetic is the kernels of synapt_hf/metrics.py, whose `classification_metrics` calls these modules.
from synapt_hf import metrics

_DESCRIPTION = "Confusion matrix of integer class predictions; rows are true classes, columns predictions."
_KWARGS_DESCRIPTION = """
Args:
    predictions: list of predicted class ids, shape (N,).
    references: list of int labels, shape (N,).
    num_classes: int, optional; default max(label, prediction) + 1.
Returns:
    confusion_matrix: list of lists of int, shape (C, C).
Examples:
    >>> metric = evaluate.load("path/to/confusion_matrix.py")
    >>> metric.compute(predictions=[0, 1, 1], references=[0, 0, 1], num_classes=2)
    {'confusion_matrix': [[1, 1], [0, 1]]}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class ConfusionMatrix(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {"predictions": datasets.Value("int64"), "references": datasets.Value("int64")}
            ),
        )

    def _compute(self, predictions, references, num_classes=None):
        preds = np.asarray(predictions, dtype=np.int64)
        labels = np.asarray(references, dtype=np.int64)
        if num_classes is None:
            num_classes = int(max(preds.max(initial=-1), labels.max(initial=-1)) + 1)
        return {"confusion_matrix": metrics.confusion_counts(preds, labels, num_classes).tolist()}
