"""Evaluate a saved video classifier folder on one split, with the exact eval transform it was saved with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from synapt_hf.errors import SynaptError


def evaluate_saved_model(
    model_dir: str | Path, dataset: str, split: str = "validation", options: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Top-1/top-5/mean class accuracy and confusion matrix of `model_dir` on `dataset[split]`.

    Frames per clip, sampling rate/strategy and resize/crop/normalisation come from the folder's
    `preprocessor_config.json` (written by training); `options` may give `per_device_eval_batch_size`.
    """
    import torch
    from torch.utils.data import DataLoader
    from transformers import AutoModelForVideoClassification

    from synapt_hf.data.format import class_names, load_video_dataset
    from synapt_hf.data.torch_dataset import VideoClipDataset
    from synapt_hf.data.transforms import ClipTransform
    from synapt_hf.metrics import classification_metrics, confusion_matrix

    model_dir = Path(model_dir)
    if not (model_dir / "config.json").is_file():
        raise SynaptError(f"{model_dir}: not a saved model folder (no config.json)")
    transform = ClipTransform.from_processor(model_dir)
    model = AutoModelForVideoClassification.from_pretrained(model_dir).eval()
    part = load_video_dataset(dataset, split=split)
    labels = class_names(part)
    model_labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
    if model_labels != labels:
        raise SynaptError(f"{model_dir} predicts {model_labels} but {dataset} has labels {labels}")
    extra = transform.extra
    clips = VideoClipDataset(
        part,
        num_frames=int(extra.get("num_frames") or model.config.num_frames),
        sampling_rate=int(extra.get("sampling_rate") or 1),
        strategy=str(extra.get("sampling_strategy") or "dense"),
        transform=transform,
        train=False,
    )
    batch_size = int((options or {}).get("per_device_eval_batch_size") or 8)
    logits, targets = [], []
    with torch.no_grad():
        for batch in DataLoader(clips, batch_size=batch_size, shuffle=False):
            logits.append(model(pixel_values=batch["pixel_values"]).logits.float())
            targets.append(batch["labels"])
    scores, truth = torch.cat(logits).numpy(), torch.cat(targets).numpy()
    metrics: dict[str, Any] = classification_metrics(scores, truth, len(labels))
    metrics["confusion_matrix"] = confusion_matrix(scores, truth, len(labels)).tolist()
    metrics["num_val"] = len(truth)
    metrics["predictions"] = np.argmax(scores, axis=1).tolist()
    return metrics
