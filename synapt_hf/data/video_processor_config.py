"""`video_preprocessor_config.json`: transformers 5's video-processor settings, written without torchvision.

transformers 5 reads a model folder's video processor (`VideoMAEVideoProcessor`, `TimesformerVideoProcessor`)
from `video_preprocessor_config.json`; the `video-classification` pipeline prefers it over the image processor
of `preprocessor_config.json` when torchvision is installed. Those classes cannot be instantiated without
torchvision, so the file is written here as the JSON their `to_dict` produces: the same resize, crop, rescale
and normalisation as the folder's image processor, `num_frames` the model's clip length, and
`do_sample_frames` false (the class default; the pipeline turns sampling on itself and then takes `num_frames`
frames spread uniformly over the whole video, see docs/training.md "Frame sampling at inference").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from synapt_hf.errors import SynaptError
from synapt_hf.io import write_text_atomic

VIDEO_PROCESSOR_CONFIG = "video_preprocessor_config.json"
VIDEO_PROCESSOR_TYPES = {"videomae": "VideoMAEVideoProcessor", "timesformer": "TimesformerVideoProcessor"}
_COPIED = (
    "do_resize",
    "size",
    "resample",
    "do_center_crop",
    "crop_size",
    "do_rescale",
    "rescale_factor",
    "do_normalize",
    "image_mean",
    "image_std",
)


def video_processor_dict(
    image_config: dict[str, Any], model_type: str, num_frames: int | None
) -> dict[str, Any]:
    """The video processor settings matching the image processor settings `image_config` of a `model_type`
    (`videomae` or `timesformer`) model that reads `num_frames` frames per clip."""
    if model_type not in VIDEO_PROCESSOR_TYPES:
        raise SynaptError(
            f"video processor: model type {model_type!r} has no video processor here "
            f"(known: {', '.join(VIDEO_PROCESSOR_TYPES)})"
        )
    missing = [key for key in ("size", "image_mean", "image_std") if key not in image_config]
    if missing:
        raise SynaptError(f"video processor: the image processor settings lack {', '.join(missing)}")
    settings: dict[str, Any] = {key: image_config[key] for key in _COPIED if key in image_config}
    if not settings.get("do_center_crop", True):
        settings.pop("crop_size", None)
    settings.update(do_convert_rgb=True, do_sample_frames=False, return_metadata=False)
    if num_frames is not None:
        if int(num_frames) < 1:
            raise SynaptError(f"video processor: num_frames must be positive, got {num_frames}")
        settings["num_frames"] = int(num_frames)
    settings["video_processor_type"] = VIDEO_PROCESSOR_TYPES[model_type]
    return dict(sorted(settings.items()))


def write_video_processor_config(folder: str | Path) -> Path | None:
    """Write `video_preprocessor_config.json` into the model `folder` from its `config.json` and
    `preprocessor_config.json` (atomically); None, writing nothing, when the folder has no image processor
    or its model type has no video processor."""
    folder = Path(folder)
    model_config = _read_object(folder / "config.json")
    image_config = _read_object(folder / "preprocessor_config.json")
    if model_config is None or image_config is None:
        return None
    model_type = model_config.get("model_type")
    if model_type not in VIDEO_PROCESSOR_TYPES:
        return None
    num_frames = image_config.get("num_frames") or model_config.get("num_frames")
    settings = video_processor_dict(image_config, model_type, num_frames)
    text = json.dumps(settings, indent=2, sort_keys=True) + "\n"
    return write_text_atomic(folder / VIDEO_PROCESSOR_CONFIG, text)


def _read_object(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SynaptError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise SynaptError(f"{path}: expected a JSON object")
    return data
