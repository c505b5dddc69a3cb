"""Build a video model from a preset name, a local checkpoint folder, or a Hub id, for one label set.

The classification head is replaced when the label set changes (only with ``ignore_mismatched_sizes``,
so a wrong checkpoint/data pairing fails loudly instead of silently re-initialising a trained head);
``id2label``/``label2id`` always match the data. Frame count and image size come from the preset or
checkpoint and are checked against what the data pipeline was asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from transformers import (
    AutoConfig,
    PretrainedConfig,
    PreTrainedModel,
    TimesformerForVideoClassification,
    VideoMAEForPreTraining,
    VideoMAEForVideoClassification,
)

from synapt_hf.errors import SynaptError
from synapt_hf.models.drop_path import add_drop_path
from synapt_hf.models.position_tables import keep_position_tables_on_device
from synapt_hf.models.presets import FAMILIES, PRESETS, is_preset, preset_config
from synapt_hf.models.timesformer_sdpa import use_sdpa_attention

CLASSIFIERS = {"videomae": VideoMAEForVideoClassification, "timesformer": TimesformerForVideoClassification}


@dataclass
class ModelSource:
    """Where a model comes from: ``preset`` (fresh weights), ``local`` folder, or ``hub`` id."""

    kind: str
    name: str
    config: PretrainedConfig

    @property
    def family(self) -> str:
        return self.config.model_type

    @property
    def has_weights(self) -> bool:
        return self.kind != "preset"

    @property
    def head_labels(self) -> list[str] | None:
        """Label names of the checkpoint's classification head, or None if it has none."""
        architectures = getattr(self.config, "architectures", None) or []
        if not self.has_weights or not any("ForVideoClassification" in a for a in architectures):
            return None
        id2label = self.config.id2label
        return [str(id2label[i]) for i in range(len(id2label))]


def resolve_model(name_or_path: str, overrides: dict[str, Any] | None = None) -> ModelSource:
    """Find the config of `name_or_path`: preset name, local folder with config.json, or cached/Hub id."""
    if is_preset(name_or_path):
        return ModelSource("preset", name_or_path, preset_config(name_or_path, overrides))
    if overrides:
        raise SynaptError("model config overrides only apply to presets, not to checkpoints")
    path = Path(name_or_path).expanduser()
    if path.exists():
        if not (path / "config.json").is_file():
            raise SynaptError(f"{path}: not a model checkpoint (no config.json)")
        config = AutoConfig.from_pretrained(path)
        kind = "local"
    else:
        if name_or_path.count("/") != 1 or name_or_path.startswith((".", "/")):
            raise SynaptError(
                f"unknown model {name_or_path!r}: not a preset ({', '.join(sorted(PRESETS))}), "
                "not an existing folder, and not a Hub id of the form owner/name"
            )
        config = _hub_config(name_or_path)
        kind = "hub"
    if config.model_type not in FAMILIES:
        raise SynaptError(
            f"{name_or_path}: model type {config.model_type!r} is not supported "
            f"(supported: {', '.join(FAMILIES)})"
        )
    return ModelSource(kind, str(name_or_path), config)


def _hub_config(repo_id: str) -> PretrainedConfig:
    try:  # the local HF cache first: works offline
        return AutoConfig.from_pretrained(repo_id, local_files_only=True)
    except OSError:
        pass
    try:
        return AutoConfig.from_pretrained(repo_id)
    except OSError as exc:
        raise SynaptError(
            f"model {repo_id!r}: not in the local Hugging Face cache and the Hub could not provide it "
            f"({str(exc).splitlines()[0][:160]})"
        ) from exc


def check_geometry(
    config: PretrainedConfig, num_frames: int | None, image_size: int | None, name: str
) -> None:
    """Fail before training when requested frames/size differ from what the model's embeddings expect."""
    expected_frames, expected_size = int(config.num_frames), _square_size(config.image_size)
    if num_frames is not None and int(num_frames) != expected_frames:
        raise SynaptError(
            f"{name} expects {expected_frames}-frame clips but --num-frames {num_frames} was given; "
            "its position embeddings are fixed: drop --num-frames or pick a matching model"
        )
    if image_size is not None and int(image_size) != expected_size:
        raise SynaptError(
            f"{name} expects {expected_size} px frames but --image-size {image_size} was given; "
            "drop --image-size or pick a matching model"
        )


def _square_size(image_size: Any) -> int:
    if isinstance(image_size, (list, tuple)):
        if len(set(image_size)) != 1:
            raise SynaptError(f"non-square image_size {image_size} is not supported")
        return int(image_size[0])
    return int(image_size)


def model_geometry(config: PretrainedConfig) -> tuple[int, int]:
    """(num_frames, image_size) of a model config."""
    return int(config.num_frames), _square_size(config.image_size)


def check_labels(source: ModelSource, label_names: list[str], ignore_mismatched_sizes: bool) -> bool:
    """Whether the head must be replaced; raises when it must but `ignore_mismatched_sizes` is off."""
    head = source.head_labels
    if head is None or head == list(label_names):
        return False
    if not ignore_mismatched_sizes:
        preview = ", ".join(head[:5]) + (", ..." if len(head) > 5 else "")
        data_preview = ", ".join(label_names[:5]) + (", ..." if len(label_names) > 5 else "")
        raise SynaptError(
            f"{source.name} has a classification head for {len(head)} labels ({preview}) but the data has "
            f"{len(label_names)} ({data_preview}); pass --ignore-mismatched-sizes to replace the head with a "
            "new, randomly initialised one for the data's labels (the backbone keeps its weights)"
        )
    return True


def _label_fields(label_names: list[str]) -> dict[str, Any]:
    return {
        "num_labels": len(label_names),
        "id2label": {i: str(n) for i, n in enumerate(label_names)},
        "label2id": {str(n): i for i, n in enumerate(label_names)},
    }


def load_classifier(
    name_or_path: str,
    label_names: list[str],
    ignore_mismatched_sizes: bool = False,
    overrides: dict[str, Any] | None = None,
    drop_path_rate: float = 0.0,
    attn_implementation: str | None = "sdpa",
    source: ModelSource | None = None,
    stock: bool = False,
) -> PreTrainedModel:
    """A video classifier for `label_names`: fresh from a preset, or a checkpoint's backbone (+ head). It runs
    with the project's forward changes (TimeSformer's SDPA attention, VideoMAE's position table on the
    device), which leave its weights and saved folder stock; `stock=True` leaves them out."""
    if not label_names:
        raise SynaptError("the data has no class names: a classifier needs at least one label")
    source = source or resolve_model(name_or_path, overrides)
    replace_head = check_labels(source, label_names, ignore_mismatched_sizes)
    config = source.config
    config.update(_label_fields(label_names))
    if source.family == "videomae" and not source.has_weights:
        config.use_mean_pooling = True
    model_class = CLASSIFIERS[source.family]
    requested = supported_attention(source.family, attn_implementation)
    kwargs = {"attn_implementation": requested} if requested else {}
    if source.has_weights:
        model = model_class.from_pretrained(
            source.name,
            config=config,
            ignore_mismatched_sizes=replace_head,
            local_files_only=source.kind == "hub" and _is_cached(source.name),
            **kwargs,
        )
        if replace_head:
            reset_head(model)
    else:
        if requested:
            config._attn_implementation = requested
        model = model_class(config)
    if drop_path_rate > 0:
        add_drop_path(model, drop_path_rate)
    if stock:
        return model
    if source.family == "timesformer" and attn_implementation == "sdpa":
        use_sdpa_attention(model)  # transformers' TimeSformer is eager only (models/timesformer_sdpa.py)
    return keep_position_tables_on_device(model)  # no host copy per step (models/position_tables.py)


def load_pretraining_model(
    name_or_path: str,
    overrides: dict[str, Any] | None = None,
    attn_implementation: str | None = "sdpa",
    norm_pix_loss: bool = True,
    source: ModelSource | None = None,
    stock: bool = False,
) -> VideoMAEForPreTraining:
    """`VideoMAEForPreTraining` from a preset or a checkpoint (a classifier checkpoint gives its backbone),
    with its position tables on the device (`stock=True`: as transformers keeps them, in host memory)."""
    source = source or resolve_model(name_or_path, overrides)
    if source.family != "videomae":
        raise SynaptError(f"{name_or_path}: MAE pretraining needs a VideoMAE model, got {source.family}")
    config = source.config
    config.norm_pix_loss = bool(norm_pix_loss)
    kwargs = {"attn_implementation": attn_implementation} if attn_implementation else {}
    if source.has_weights:
        model = VideoMAEForPreTraining.from_pretrained(
            source.name,
            config=config,
            local_files_only=source.kind == "hub" and _is_cached(source.name),
            **kwargs,
        )
    else:
        config._attn_implementation = attn_implementation
        model = VideoMAEForPreTraining(config)
    return model if stock else keep_position_tables_on_device(model)


def supported_attention(family: str, attn_implementation: str | None) -> str | None:
    """The attention kernel to request from transformers: TimeSformer only has eager attention there (its
    ``sdpa`` is this project's, applied after loading by `load_classifier`)."""
    return None if family == "timesformer" else attn_implementation


def reset_head(model: PreTrainedModel) -> None:
    """Re-initialise the classification layer (truncated normal, std = initializer_range; zero bias)."""
    head = model.classifier
    if isinstance(head, nn.Linear):
        with torch.no_grad():
            nn.init.trunc_normal_(head.weight, std=float(getattr(model.config, "initializer_range", 0.02)))
            nn.init.zeros_(head.bias)


def _is_cached(repo_id: str) -> bool:
    try:
        AutoConfig.from_pretrained(repo_id, local_files_only=True)
    except OSError:
        return False
    return True
