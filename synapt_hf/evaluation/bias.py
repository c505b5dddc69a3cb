"""Scene-object (representation) bias of a video dataset, and the temporal gap of a video model.

Default method `static-video` (offline): the video model is trained and evaluated on static clips (one
random frame repeated over time), so it sees appearance only; its validation accuracy `a` gives
`B = log(M a) / log(M)`. Method `image-probe`: a linear probe on frozen features of one random frame per
clip from an image backbone (a Hub id or a local folder). With `temporal_gap`, a video model is also
trained on the normal clips and evaluated on normal, static and frame-shuffled validation clips.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from synapt_hf.errors import SynaptError
from synapt_hf.evaluation.bias_formula import BIAS_FILE, BiasRecord, write_bias_record
from synapt_hf.evaluation.results import dataset_display_name, now_iso

logger = logging.getLogger(__name__)

METHODS = ("static-video", "image-probe")


@dataclass
class BiasConfig:
    """One bias measurement; `train_options` are `TrainConfig` fields for the video-model runs."""

    data: str
    work_dir: str
    out: str | None = None
    method: str = "static-video"
    model: str = "videomae-tiny"
    backbone: str | None = None
    seed: int = 0
    temporal_gap: bool = False
    train_options: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        if self.method not in METHODS:
            raise SynaptError(f"--method must be one of {', '.join(METHODS)}, got {self.method!r}")
        if self.method == "image-probe" and not self.backbone:
            raise SynaptError("--method image-probe needs --backbone (a Hub id or local image model folder)")
        reserved = sorted(
            {"model", "dataset", "protocol", "seed", "output_dir", "mode"} & set(self.train_options)
        )
        if reserved:
            raise SynaptError(f"train options {', '.join(reserved)} are set by the bias tool itself")

    @property
    def out_path(self) -> Path:
        if self.out:
            return Path(self.out)
        return Path(self.work_dir) / BIAS_FILE


def _train(model: str, dataset: str, seed: int, output_dir: Path, options: dict[str, Any]) -> dict[str, Any]:
    from synapt_hf.training import train
    from synapt_hf.training.config import TrainConfig

    config = TrainConfig.from_dict(
        {
            "report_to": "none",
            "disable_progress_bar": True,
            **options,
            "model": model,
            "dataset": dataset,
            "mode": "supervised",
            "protocol": "finetune",
            "seed": seed,
            "output_dir": str(output_dir),
            "overwrite_output_dir": True,
            "ignore_mismatched_sizes": True,
        }
    )
    return train(config)


def static_video_accuracy(config: BiasConfig, loaded) -> tuple[float, dict[str, Any]]:
    """Train and evaluate the video model on static copies of the train and validation splits."""
    from synapt_hf.evaluation.clip_variants import write_variant_dataset

    work = Path(config.work_dir)
    splits = [
        config.train_options.get("train_split", "train"),
        config.train_options.get("eval_split", "validation"),
    ]
    static_dir = write_variant_dataset(
        loaded, "static", work / "static_data", seed=config.seed, splits=splits
    )
    metrics = _train(config.model, str(static_dir), config.seed, work / "static_model", config.train_options)
    return float(metrics["top1"]), {"static_metrics": _plain(metrics)}


def _plain(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in metrics.items() if isinstance(v, (int, float, str, bool)) or v is None}


def random_frames(split, seed: int, salt: int) -> np.ndarray:
    """One random frame of every clip of `split`, as (N, H, W, 3) uint8 (seeded per clip)."""
    from synapt_hf.data.format import NUM_FRAMES, video_bytes
    from synapt_hf.data.video import decode_frames, probe

    frames = []
    for index, example in enumerate(split):
        data = video_bytes(example)
        total = int(example.get(NUM_FRAMES) or 0) or probe(data).num_frames
        rng = np.random.default_rng([seed, index, salt])
        frames.append(decode_frames(data, [int(rng.integers(0, total))])[0])
    return frames


def image_features(backbone: str, images: list[np.ndarray], batch_size: int = 16) -> np.ndarray:
    """Frozen features (pooler output, else mean of the last hidden state) of an image backbone."""
    import torch
    from transformers import AutoImageProcessor, AutoModel

    try:
        processor = AutoImageProcessor.from_pretrained(backbone)
        model = AutoModel.from_pretrained(backbone).eval()
    except OSError as exc:
        raise SynaptError(
            f"--backbone {backbone}: cannot load an image model ({str(exc).splitlines()[0]})"
        ) from exc
    features = []
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            inputs = processor(images=images[start : start + batch_size], return_tensors="pt")
            output = model(**inputs)
            pooled = getattr(output, "pooler_output", None)
            if pooled is None:
                hidden = output.last_hidden_state
                pooled = hidden.mean(dim=1) if hidden.ndim == 3 else hidden.mean(dim=(2, 3))
            features.append(pooled.reshape(pooled.shape[0], -1).float())
    return torch.cat(features).numpy()


def linear_probe_accuracy(
    train_x: np.ndarray,
    train_y: np.ndarray,
    val_x: np.ndarray,
    val_y: np.ndarray,
    num_classes: int,
    seed: int,
) -> float:
    """Multinomial logistic regression (standardised features, L2, full-batch L-BFGS); validation top-1."""
    import torch

    from synapt_hf.metrics import classification_metrics

    torch.manual_seed(seed)
    mean, std = train_x.mean(axis=0), train_x.std(axis=0) + 1e-6
    x = torch.from_numpy((train_x - mean) / std).float()
    y = torch.from_numpy(train_y).long()
    layer = torch.nn.Linear(x.shape[1], num_classes)
    optimizer = torch.optim.LBFGS(layer.parameters(), max_iter=200, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(layer(x), y) + 1e-3 * layer.weight.pow(2).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    with torch.no_grad():
        logits = layer(torch.from_numpy((val_x - mean) / std).float())
    return classification_metrics(logits, val_y, num_classes)["top1"]


def image_probe_accuracy(config: BiasConfig, loaded) -> tuple[float, dict[str, Any]]:
    train_split = loaded[config.train_options.get("train_split", "train")]
    val_split = loaded[config.train_options.get("eval_split", "validation")]
    from synapt_hf.data.format import class_names

    num_classes = len(class_names(loaded))
    train_x = image_features(config.backbone, random_frames(train_split, config.seed, 0))
    val_x = image_features(config.backbone, random_frames(val_split, config.seed, 1))
    accuracy = linear_probe_accuracy(
        train_x,
        np.asarray(train_split["label"]),
        val_x,
        np.asarray(val_split["label"]),
        num_classes,
        config.seed,
    )
    return accuracy, {"feature_dim": int(train_x.shape[1])}


def temporal_gap(config: BiasConfig, loaded) -> dict[str, float]:
    """Top-1 of a video model fine-tuned on normal clips, on normal / static / shuffled validation clips."""
    from synapt_hf.evaluation.clip_variants import write_variant_dataset
    from synapt_hf.evaluation.model_eval import evaluate_saved_model

    work = Path(config.work_dir)
    eval_split = config.train_options.get("eval_split", "validation")
    model_dir = work / "normal_model"
    metrics = _train(config.model, config.data, config.seed, model_dir, config.train_options)
    result = {"normal": float(metrics["top1"])}
    for variant in ("static", "shuffled"):
        variant_dir = write_variant_dataset(
            loaded, variant, work / f"{variant}_eval", config.seed, [eval_split]
        )
        scores = evaluate_saved_model(model_dir, str(variant_dir), eval_split, config.train_options)
        result[variant] = scores["top1"]
    result["gap_static"] = result["normal"] - result["static"]
    result["gap_shuffled"] = result["normal"] - result["shuffled"]
    return result


def measure_bias(config: BiasConfig) -> BiasRecord:
    """Measure the bias (and optionally the temporal gap) of `config.data`; writes `bias.json`."""
    from synapt_hf.data.format import class_names, load_video_dataset

    config.validate()
    loaded = load_video_dataset(config.data)
    for split in (
        config.train_options.get("train_split", "train"),
        config.train_options.get("eval_split", "validation"),
    ):
        if split not in loaded:
            raise SynaptError(f"{config.data}: no {split!r} split (has {', '.join(loaded)})")
    num_classes = len(class_names(loaded))
    if num_classes < 2:
        raise SynaptError(f"{config.data}: bias needs at least 2 classes, the dataset has {num_classes}")
    Path(config.work_dir).mkdir(parents=True, exist_ok=True)
    if config.method == "static-video":
        accuracy, details = static_video_accuracy(config, loaded)
        method = "static-video"
    else:
        accuracy, details = image_probe_accuracy(config, loaded)
        method = f"image-probe:{config.backbone}"
    gap = temporal_gap(config, loaded) if config.temporal_gap else None
    record = BiasRecord(
        dataset=config.data,
        dataset_name=dataset_display_name(config.data),
        num_classes=num_classes,
        method=method,
        static_accuracy=accuracy,
        temporal_gap=gap,
        num_train=len(loaded[config.train_options.get("train_split", "train")]),
        num_val=len(loaded[config.train_options.get("eval_split", "validation")]),
        config={"model": config.model, "seed": config.seed, "train_options": config.train_options, **details},
        finished_at=now_iso(),
    )
    write_bias_record(record, config.out_path)
    logger.info(
        "bias of %s: B = %.3f (static accuracy %.3f, %d classes)",
        config.data,
        record.bias,
        accuracy,
        num_classes,
    )
    return record
