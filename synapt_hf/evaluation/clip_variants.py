"""Appearance-only and order-free copies of a video dataset, for scene-object bias and the temporal gap.

`static`: every clip becomes one random frame of it repeated for the clip's length (a fixed seed picks the
frame), so a classifier trained on it sees static appearance only. `shuffled`: the clip's frames in a
random order (same frames, no temporal structure). Copies keep every column and the frame count, so the
usual clip sampling applies unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import datasets
import numpy as np

from synapt_hf.data.format import FPS, NUM_FRAMES, VIDEO, save_dataset_atomic, video_bytes, video_value
from synapt_hf.data.video import decode_frames, encode_video, probe
from synapt_hf.errors import SynaptError

VARIANTS = ("static", "shuffled")
MAX_STATIC_FRAMES = 64  # a static clip need not be longer than any sampling window


def _variant_frames(data: bytes, total: int, variant: str, rng: np.random.Generator) -> np.ndarray:
    if variant == "static":
        frame = decode_frames(data, [int(rng.integers(0, total))])
        return np.repeat(frame, min(total, MAX_STATIC_FRAMES), axis=0)
    frames = decode_frames(data, np.arange(total))
    return frames[rng.permutation(len(frames))]


def variant_example(example: dict[str, Any], index: int, variant: str, seed: int) -> dict[str, Any]:
    """One example of the `variant` copy: re-encoded video bytes and its frame count."""
    data = video_bytes(example)
    info = None if example.get(NUM_FRAMES) and example.get(FPS) else probe(data)  # open the file once at most
    total = int(example.get(NUM_FRAMES) or 0) or info.num_frames
    fps = float(example.get(FPS) or 0) or info.fps
    rng = np.random.default_rng([seed, index, VARIANTS.index(variant)])
    frames = _variant_frames(data, total, variant, rng)
    name = (example.get(VIDEO) or {}).get("path") if isinstance(example.get(VIDEO), dict) else None
    updated = {VIDEO: video_value(encode_video(frames, fps=fps, crf=18), f"{variant}/{name or index}.mp4")}
    if NUM_FRAMES in example:
        updated[NUM_FRAMES] = len(frames)
    return updated


def make_variant_split(split: datasets.Dataset, variant: str, seed: int = 0) -> datasets.Dataset:
    """The `variant` copy of one split (same features and columns)."""
    if variant not in VARIANTS:
        raise SynaptError(f"unknown clip variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    return split.map(
        lambda example, index: variant_example(example, index, variant, seed),
        with_indices=True,
        features=split.features,
        desc=f"{variant} clips",
    )


def write_variant_dataset(
    dataset: datasets.DatasetDict,
    variant: str,
    out_dir: str | Path,
    seed: int = 0,
    splits: list[str] | None = None,
) -> Path:
    """Write the `variant` copy of `splits` (default all) of `dataset` to `out_dir` (atomic)."""
    chosen = splits or list(dataset)
    missing = [name for name in chosen if name not in dataset]
    if missing:
        raise SynaptError(f"dataset has no split(s) {', '.join(missing)} (has {', '.join(dataset)})")
    copy = datasets.DatasetDict({name: make_variant_split(dataset[name], variant, seed) for name in chosen})
    return save_dataset_atomic(copy, out_dir, overwrite=True)
