"""Mean class accuracy: the per-class recall averaged over the classes present in the references.

A local `evaluate` module shipped with synapt-hf; load it by path (works offline):
`evaluate.load(".../metric_modules/mean_class_accuracy/mean_class_accuracy.py")`.
"""

import datasets
import evaluate
import numpy as np

# The arithmetic is the kernels of synapt_hf/metrics.py, whose `classification_metrics` calls these modules.
from synapt_hf import metrics

_DESCRIPTION = (
    "Mean over the classes present in the references of the fraction of that class predicted right."
)
_KWARGS_DESCRIPTION = """
Args:
    predictions: list of predicted class ids, shape (N,).
    references: list of int labels, shape (N,).
Returns:
    mean_class_accuracy: float in [0, 1] (NaN for empty input).
Examples:
    >>> metric = evaluate.load("path/to/mean_class_accuracy.py")
    >>> metric.compute(predictions=[0, 0, 1], references=[0, 1, 1])
    {'mean_class_accuracy': 0.75}
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class MeanClassAccuracy(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features(
                {"predictions": datasets.Value("int64"), "references": datasets.Value("int64")}
            ),
        )

    def _compute(self, predictions, references):
        preds = np.asarray(predictions, dtype=np.int64)
        labels = np.asarray(references, dtype=np.int64)
        return {"mean_class_accuracy": metrics.mean_class_accuracy(preds, labels)}
