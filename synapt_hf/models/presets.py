"""Named model presets: tiny configs that train on a CPU, and the published VideoMAE/TimeSformer sizes.

A preset is a model family plus the keyword arguments of its transformers config. ``-tiny`` presets are
small enough for the 2-core CPU main job and tests; ``-small``/``-base``/``-large`` match the published
VideoMAE (Tong et al., 2022) and TimeSformer (Bertasius et al., 2021) configurations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from transformers import PretrainedConfig, TimesformerConfig, VideoMAEConfig

from synapt_hf.errors import SynaptError

FAMILIES = ("videomae", "timesformer")


@dataclass(frozen=True)
class ModelPreset:
    """A family (``videomae`` | ``timesformer``) and the config fields that define one model size."""

    family: str
    config: dict[str, Any] = field(default_factory=dict)
    description: str = ""


_VIDEOMAE_TINY_DECODER = {
    "decoder_hidden_size": 64,
    "decoder_num_hidden_layers": 1,
    "decoder_num_attention_heads": 2,
    "decoder_intermediate_size": 256,
}

PRESETS: dict[str, ModelPreset] = {
    "videomae-tiny": ModelPreset(
        "videomae",
        {
            "image_size": 64,
            "patch_size": 16,
            "num_frames": 8,
            "tubelet_size": 2,
            "hidden_size": 128,
            "num_hidden_layers": 4,
            "num_attention_heads": 4,
            "intermediate_size": 512,
            **_VIDEOMAE_TINY_DECODER,
        },
        "CPU/test size: 64 px, 8 frames, 4 layers of width 128 (~0.8M encoder parameters)",
    ),
    "videomae-small": ModelPreset(
        "videomae",
        {
            "image_size": 224,
            "patch_size": 16,
            "num_frames": 16,
            "tubelet_size": 2,
            "hidden_size": 384,
            "num_hidden_layers": 12,
            "num_attention_heads": 6,
            "intermediate_size": 1536,
            "decoder_hidden_size": 192,
            "decoder_num_hidden_layers": 4,
            "decoder_num_attention_heads": 3,
            "decoder_intermediate_size": 768,
        },
        "ViT-S/16, 16 frames at 224 px (published VideoMAE-S)",
    ),
    "videomae-base": ModelPreset(
        "videomae",
        {
            "image_size": 224,
            "patch_size": 16,
            "num_frames": 16,
            "tubelet_size": 2,
            "hidden_size": 768,
            "num_hidden_layers": 12,
            "num_attention_heads": 12,
            "intermediate_size": 3072,
            "decoder_hidden_size": 384,
            "decoder_num_hidden_layers": 4,
            "decoder_num_attention_heads": 6,
            "decoder_intermediate_size": 1536,
        },
        "ViT-B/16, 16 frames at 224 px (published VideoMAE-B)",
    ),
    "videomae-large": ModelPreset(
        "videomae",
        {
            "image_size": 224,
            "patch_size": 16,
            "num_frames": 16,
            "tubelet_size": 2,
            "hidden_size": 1024,
            "num_hidden_layers": 24,
            "num_attention_heads": 16,
            "intermediate_size": 4096,
            "decoder_hidden_size": 512,
            "decoder_num_hidden_layers": 12,
            "decoder_num_attention_heads": 8,
            "decoder_intermediate_size": 2048,
        },
        "ViT-L/16, 16 frames at 224 px (published VideoMAE-L)",
    ),
    "timesformer-tiny": ModelPreset(
        "timesformer",
        {
            "image_size": 64,
            "patch_size": 16,
            "num_frames": 8,
            "hidden_size": 128,
            "num_hidden_layers": 4,
            "num_attention_heads": 4,
            "intermediate_size": 512,
        },
        "CPU/test size: 64 px, 8 frames, 4 divided space-time layers of width 128",
    ),
    "timesformer-base": ModelPreset(
        "timesformer",
        {
            "image_size": 224,
            "patch_size": 16,
            "num_frames": 8,
            "hidden_size": 768,
            "num_hidden_layers": 12,
            "num_attention_heads": 12,
            "intermediate_size": 3072,
        },
        "ViT-B/16 divided space-time, 8 frames at 224 px (published TimeSformer)",
    ),
}


def preset_names() -> list[str]:
    return sorted(PRESETS)


def is_preset(name: str) -> bool:
    return name in PRESETS


def preset_config(name: str, overrides: dict[str, Any] | None = None, **extra: Any) -> PretrainedConfig:
    """A fresh transformers config for preset `name`, with `overrides` (e.g. fewer layers) applied."""
    preset = PRESETS.get(name)
    if preset is None:
        raise SynaptError(
            f"unknown model preset {name!r}; choose one of {', '.join(preset_names())}, "
            "a local checkpoint folder, or a Hub model id"
        )
    fields = {**preset.config, **(overrides or {}), **extra}
    config_class = VideoMAEConfig if preset.family == "videomae" else TimesformerConfig
    if preset.family == "videomae":
        fields.setdefault("use_mean_pooling", True)
        fields.setdefault("norm_pix_loss", True)
    unknown = sorted(k for k in (overrides or {}) if not hasattr(config_class(), k))
    if unknown:
        raise SynaptError(f"model config overrides: unknown {config_class.__name__} field(s) {unknown}")
    return config_class(**fields)
