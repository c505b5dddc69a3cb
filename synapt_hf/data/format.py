"""The on-disk dataset format: column names, features, loading, and atomic saving.

A `datasets.DatasetDict` (splits ``train``/``validation``/``test``) whose ``video`` column holds the whole
encoded file (``Video(decode=False)`` -> ``{"bytes", "path"}``), a ``ClassLabel`` ``label`` and the probed
``num_frames``/``width``/``height``/``fps`` plus the source ``path``. See docs/data.md.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

import datasets

from synapt_hf.data.video import VideoInfo
from synapt_hf.errors import SynaptError
from synapt_hf.io import is_saved_dataset

VIDEO = "video"
LABEL = "label"
NUM_FRAMES = "num_frames"
WIDTH = "width"
HEIGHT = "height"
FPS = "fps"
PATH = "path"
REQUIRED_COLUMNS = (VIDEO, LABEL)
SPLITS = ("train", "validation", "test")


def video_features(class_names: list[str], extra: dict[str, Any] | None = None) -> datasets.Features:
    """Features of the dataset format for `class_names` (label order), plus `extra` builder columns."""
    if not class_names:
        raise SynaptError("video_features: class_names must not be empty")
    if len(set(class_names)) != len(class_names):
        raise SynaptError("video_features: class_names contains duplicates")
    features = {
        VIDEO: datasets.Video(decode=False),
        LABEL: datasets.ClassLabel(names=list(class_names)),
        NUM_FRAMES: datasets.Value("int32"),
        WIDTH: datasets.Value("int32"),
        HEIGHT: datasets.Value("int32"),
        FPS: datasets.Value("float32"),
        PATH: datasets.Value("string"),
    }
    for name, feature in (extra or {}).items():
        if name in features:
            raise SynaptError(f"video_features: extra column {name!r} clashes with a standard column")
        features[name] = feature
    return datasets.Features(features)


def video_value(data: bytes, path: str | None = None) -> dict[str, Any]:
    """The ``video`` cell for an encoded file `data` whose original (relative) path is `path`."""
    return {"bytes": bytes(data), "path": path}


def info_columns(info: VideoInfo) -> dict[str, Any]:
    """The probed columns (num_frames, width, height, fps) of one example."""
    return {NUM_FRAMES: info.num_frames, WIDTH: info.width, HEIGHT: info.height, FPS: info.fps}


def video_bytes(example: dict[str, Any]) -> bytes:
    """The encoded file of one example (from its embedded bytes, else from its ``path`` on disk)."""
    cell = example.get(VIDEO)
    if cell is None:
        raise SynaptError(f"example has no {VIDEO!r} column")
    if isinstance(cell, (bytes, bytearray)):
        return bytes(cell)
    if isinstance(cell, dict):
        if cell.get("bytes"):
            return bytes(cell["bytes"])
        path = cell.get("path")
        if path and Path(path).is_file():
            return Path(path).read_bytes()
        raise SynaptError(f"video cell has no bytes and its path {path!r} is not a readable file")
    raise SynaptError(
        f"video cell must be a {{'bytes', 'path'}} dict (use Video(decode=False)), got {type(cell)}"
    )


def class_names(dataset: datasets.Dataset | datasets.DatasetDict) -> list[str]:
    """The label names of a dataset in the format (its ``label`` must be a ``ClassLabel``)."""
    split = next(iter(dataset.values())) if isinstance(dataset, datasets.DatasetDict) else dataset
    feature = split.features.get(LABEL)
    if not isinstance(feature, datasets.ClassLabel):
        raise SynaptError(f"the {LABEL!r} column must be a ClassLabel with class names, got {feature!r}")
    return list(feature.names)


def load_video_dataset(
    path_or_repo_id: str | Path, split: str | None = None
) -> datasets.DatasetDict | datasets.Dataset:
    """Load a dataset in the format: a `save_to_disk` folder, a folder of parquet files, or a Hub id.

    Returns the `DatasetDict`, or one `Dataset` when `split` is given. Raises SynaptError when the
    source is missing, the split does not exist, or the ``video``/``label`` columns are absent.
    """
    source = str(path_or_repo_id)
    path = Path(source).expanduser()
    try:
        if path.is_dir() and is_saved_dataset(path):
            loaded = datasets.load_from_disk(str(path))
        elif path.is_dir():
            loaded = datasets.load_dataset(str(path))
        elif path.exists():
            raise SynaptError(f"{source}: not a dataset directory")
        elif source.startswith((".", "/", "~")) or source.count("/") > 1:
            raise SynaptError(f"{source}: no such dataset directory")
        else:
            loaded = datasets.load_dataset(source)
    except SynaptError:
        raise
    except Exception as exc:  # datasets raises many types (FileNotFoundError, ConnectionError, ValueError...)
        reason = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        raise SynaptError(f"{source}: cannot load dataset ({reason})") from exc
    if isinstance(loaded, datasets.Dataset):
        loaded = datasets.DatasetDict({split or "train": loaded})
    for name, part in loaded.items():
        missing = [column for column in REQUIRED_COLUMNS if column not in part.column_names]
        if missing:
            raise SynaptError(
                f"{source}: split {name!r} lacks the column(s) {', '.join(missing)} of the video dataset format"
                f" (has {', '.join(part.column_names)})"
            )
    # Hub datasets whose card declares `dtype: video` (ours do: `datasets.push.push_dataset` pushes `Video()`
    # for `load_dataset` users) load with decoding on, which needs torchcodec; the format always carries the
    # encoded bytes (`Video(decode=False)`) and decodes with PyAV.
    for name, part in loaded.items():
        feature = part.features[VIDEO]
        if isinstance(feature, datasets.Video) and feature.decode:
            loaded[name] = part.cast_column(VIDEO, datasets.Video(decode=False))
    if split is None:
        return loaded
    if split not in loaded:
        raise SynaptError(f"{source}: no split {split!r} (has {', '.join(loaded)})")
    return loaded[split]


def save_dataset_atomic(
    dataset: datasets.DatasetDict | datasets.Dataset, out_dir: str | Path, overwrite: bool = False
) -> Path:
    """`save_to_disk` into a temporary sibling folder, then rename it to `out_dir`.

    An existing non-empty `out_dir` is refused unless `overwrite`; a crash leaves only a hidden
    ``.<name>.tmp-*`` folder, never a complete-looking `out_dir`.
    """
    out = Path(out_dir).expanduser().resolve()
    if out.exists() and not out.is_dir():
        raise SynaptError(f"{out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise SynaptError(f"{out}: output directory exists and is not empty (pass overwrite to replace it)")
    out.parent.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex[:8]
    temporary = out.parent / f".{out.name}.tmp-{token}"
    try:
        dataset.save_to_disk(str(temporary))
        if out.is_dir():
            retired = out.parent / f".{out.name}.old-{token}"
            out.rename(retired)
            temporary.rename(out)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            temporary.rename(out)
    finally:
        if temporary.exists():
            shutil.rmtree(temporary, ignore_errors=True)
    return out
