"""The dataset card (README.md) of a motion library: Hub metadata, per-class counts, and every source's
licence and required acknowledgement."""

from __future__ import annotations

from collections import Counter
from typing import Any

from synapt_hf.datasets.card import size_category


def render_library_card(dataset: Any, data_files: dict[str, list[str]] | None = None) -> str:
    """README.md text for the library `dataset` (one row per segment); `data_files` adds parquet configs."""
    import yaml

    sources = sorted({(s, lic, cit) for s, lic, cit in zip(dataset["source"], dataset["licence"],
                                                             dataset["citation"], strict=True)})  # fmt: skip
    metadata: dict[str, Any] = {
        "pretty_name": "synapt-hf motion library",
        "license": "other",
        "tags": ["synapt", "motion-capture", "retargeted"],
        "size_categories": [size_category(len(dataset))],
    }
    if data_files:
        metadata["configs"] = [
            {"config_name": "default",
             "data_files": [{"split": split, "path": list(files)} for split, files in data_files.items()]}
        ]  # fmt: skip
    counts = Counter(dataset["class_name"])
    classes = "\n".join(f"| {name} | {count} |" for name, count in sorted(counts.items()))
    licences = "\n".join(f"| {s} | {lic} | {cit or '-'} |" for s, lic, cit in sources)
    header = yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True)
    return f"""---
{header}---

# synapt-hf motion library

Motion capture retargeted onto the synapt-hf generator's 22-joint body (`synapt motions import`), cut into
labelled segments. One row per segment: per-frame unit directions of the body's bones (`directions`), the
pelvis and chest frames (`frames`), the root trajectory and the feet's lift (`root`, `lift`, in leg lengths),
at `fps`. Use it with `synapt generate --motions <this dataset>`.

## Classes

| class | segments |
|---|---|
{classes}

## Licences and acknowledgements

Each row also carries its source, licence and citation. Using this library means honouring these terms.

| source | licence | acknowledgement / citation |
|---|---|---|
{licences}
"""
