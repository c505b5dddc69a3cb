"""The dataset card (README.md) of a generated dataset pushed with ``synapt generate --push-to-hub``.

The YAML header carries the Hub metadata (task, tags including ``synthetic``, size, the parquet configs)
and, under ``synapt_generator``, the exact generator settings; the body says the clips are procedurally
generated (no real people), lists the settings, the splits, the columns and the class names.
"""

from __future__ import annotations

from typing import Any

from synapt_hf.datasets.card import size_category
from synapt_hf.synth.config import GeneratorConfig

LICENSE = "apache-2.0"  # the clips are rendered by this toolkit (Apache-2.0); no third-party footage

_COLUMNS = (
    (
        "video",
        "`{bytes, path}`: the encoded H.264 MP4 file (`Video`: torchcodec decodes it in `load_dataset` where "
        "installed; `load_video_dataset` reads the bytes and decodes with PyAV)",
    ),
    ("label", "class index (`ClassLabel`, names below)"),
    ("num_frames, width, height, fps", "clip geometry"),
    ("path", "synthetic clip id"),
    ("class_name, synapt_class", "the action's name and its SynAPT class"),
    (
        "seed, index",
        "the generator seed and the clip's index in its split (clip = f(settings, split, index))",
    ),
    ("motion, body, camera, lighting, background, ground", "the sampled parameters of the clip"),
)


def generated_card_metadata(
    config: GeneratorConfig, split_sizes: dict[str, int], data_files: dict[str, list[str]], pretty_name: str
) -> dict[str, Any]:
    """The YAML header of the card as a dict."""
    return {
        "pretty_name": pretty_name,
        "license": LICENSE,
        "task_categories": ["video-classification"],
        "tags": ["synapt", "video", "action-recognition", "synthetic", "procedurally-generated"],
        "size_categories": [size_category(sum(split_sizes.values()))],
        "configs": [
            {
                "config_name": "default",
                "data_files": [{"split": split, "path": list(files)} for split, files in data_files.items()],
            }
        ],
        "dataset_info": {
            "splits": [{"name": split, "num_examples": count} for split, count in split_sizes.items()]
        },
        "synapt_generator": {
            **config.to_dict(),
            "clips_per_class": {split: count // config.num_classes for split, count in split_sizes.items()},
        },
    }


def render_generated_card(
    config: GeneratorConfig,
    split_sizes: dict[str, int],
    data_files: dict[str, list[str]],
    pretty_name: str | None = None,
) -> str:
    """README.md of a generated dataset: `split_sizes` clips per split, `data_files` parquet files per split."""
    import yaml

    pretty_name = pretty_name or f"synapt-hf synthetic actions ({config.num_classes} classes)"
    metadata = generated_card_metadata(config, split_sizes, data_files, pretty_name)
    header = yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True)
    settings = "\n".join(
        f"| `{name}` | {', '.join(value) if isinstance(value, list) else value} |"
        for name, value in config.to_dict().items()
    )
    splits = "\n".join(
        f"| {split} | {count} | {count // config.num_classes} |" for split, count in split_sizes.items()
    )
    columns = "\n".join(f"| {names} | {meaning} |" for names, meaning in _COLUMNS)
    classes = "\n".join(f"| {label} | {name} |" for label, name in enumerate(config.classes))
    return f"""---
{header}---

# {pretty_name}

Generated data: every clip was rendered by the procedural human-action generator of synapt-hf
(`synapt generate`): an articulated 3D body performing a parametric action in front of a randomized
camera, light, background and ground, ray-cast with torch. No real people, no recorded footage.
Clip `i` of a split is a pure function of the generator settings below, the split and `i`, so running
`synapt generate` with the same settings reproduces the same clips. The settings are also in this card's
YAML header under `synapt_generator`.

## Generator settings

| setting | value |
| --- | --- |
{settings}

## Splits

| split | clips | clips per class |
| --- | ---: | ---: |
{splits}

## Columns

| column | meaning |
| --- | --- |
{columns}

Load it with `datasets.load_dataset(...)` (or `synapt_hf.data.format.load_video_dataset`) and decode clips
with `synapt_hf.data.video.decode_frames` or `synapt_hf.data.torch_dataset.VideoClipDataset`.

## Class names

| label | name |
| ---: | --- |
{classes}

## Citation

The pretraining method this toolkit implements:

```bibtex
@inproceedings{{kim2022synapt,
  title     = {{How Transferable are Video Representations Based on Synthetic Data?}},
  author    = {{Kim, Yo-whan and Mishra, Samarth and Jin, SouYoung and Panda, Rameswar and Kuehne, Hilde and
               Karlinsky, Leonid and Saligrama, Venkatesh and Saenko, Kate and Oliva, Aude and Feris, Rogerio}},
  booktitle = {{Advances in Neural Information Processing Systems (NeurIPS), Datasets and Benchmarks Track}},
  year      = {{2022}}
}}
```
"""
