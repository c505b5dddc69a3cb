"""Write the final model folder: stock transformers weights (safetensors) + processor + results + args.

The processor is saved twice: `preprocessor_config.json` (the image processor, read by every transformers
version) and `video_preprocessor_config.json` (transformers 5's video processor with the same settings, used by
the `video-classification` pipeline where torchvision is installed).

Everything goes into a hidden temporary folder first and is then moved into the output folder file by
file, ``all_results.json`` last, so a folder whose ``all_results.json`` exists is complete. The folder
loads with ``AutoModelForVideoClassification.from_pretrained`` and runs in
``pipeline("video-classification")`` with no custom code.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from transformers import PreTrainedModel

from synapt_hf.constants import ALL_RESULTS_FILE, TRAINING_ARGS_FILE
from synapt_hf.data.video_processor_config import write_video_processor_config
from synapt_hf.training.config import TrainConfig

LABELS_FILE = "labels.txt"


def export_model(
    model: PreTrainedModel,
    processor: Any,
    output_dir: Path,
    config: TrainConfig,
    results: dict[str, Any],
    label_names: list[str] | None,
    state_dict: dict[str, Any] | None = None,
) -> Path:
    """Save `model` (+ `processor`, args, labels, results) into `output_dir`; returns `output_dir`.

    `state_dict` is the full (gathered) state when the model was sharded (FSDP / DeepSpeed ZeRO-3).
    """
    if state_dict is not None:
        state_dict = plain_state_dict(state_dict)
    output_dir.mkdir(parents=True, exist_ok=True)
    temporary = output_dir / f".export-{uuid.uuid4().hex[:8]}.tmp"
    temporary.mkdir()
    try:
        model.save_pretrained(temporary, state_dict=state_dict)
        if processor is not None:
            processor.save_pretrained(temporary)
            write_video_processor_config(temporary)  # beside preprocessor_config.json, same settings
        config.save(temporary / TRAINING_ARGS_FILE)
        if label_names and config.mode == "supervised":
            (temporary / LABELS_FILE).write_text("".join(f"{name}\n" for name in label_names))
        (temporary / ALL_RESULTS_FILE).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
        stale = output_dir / ALL_RESULTS_FILE
        if stale.exists():
            stale.unlink()
        files = sorted(temporary.iterdir(), key=lambda p: p.name == ALL_RESULTS_FILE)
        for file in files:
            os.replace(file, output_dir / file.name)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return output_dir


_COMPILED_PREFIX = "_orig_mod."


def plain_state_dict(state_dict: dict[str, Any]) -> dict[str, Any]:
    """`state_dict` with the names of the model itself: a ``torch.compile`` wrapper prefixes the keys
    with ``_orig_mod.``, which stock transformers (or a run without --torch-compile) would not load."""
    return {key.replace(_COMPILED_PREFIX, ""): value for key, value in state_dict.items()}
