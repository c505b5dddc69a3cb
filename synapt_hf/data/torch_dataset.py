"""A `torch.utils.data.Dataset` over one split of the dataset format: decode + transform on the fly.

Each item decodes only the sampled frames of one clip from its embedded bytes with
`synapt_hf.data.video.decode_frames` (a container is opened and closed inside the calling process, so
DataLoader workers never share a decoder across a fork), applies the clip transform, and returns
``{"pixel_values": float (T, C, H, W), "labels": int}``, ready for ``VideoMAEForVideoClassification``
after `collate_clips`.

Determinism: all randomness of an item (temporal sampling, crop, flip, replacement of a broken clip)
comes from a generator seeded with ``(seed, epoch, index)``, so results do not depend on the number of
workers or on which worker loads the item. `set_epoch` is visible to running (persistent) workers.

Broken clips: a clip that fails to decode is logged with its path and reason and replaced by another
index chosen deterministically from ``(seed, epoch, index, attempt)``; the number of replacements is
counted across workers (`decode_failures`). Only when `max_retries` replacements in a row fail too does
the item raise a `SynaptError` naming the clips.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset, get_worker_info

from synapt_hf.data import format as fmt
from synapt_hf.data.sampling import STRATEGIES, dense_indices, segment_indices
from synapt_hf.data.video import decode_frames, probe
from synapt_hf.errors import SynaptError

log = logging.getLogger(__name__)

Transform = Callable[..., torch.Tensor]

_COUNTER_SLOTS = 1024  # decode-failure counters: the main process + worker ids (modulo)


class VideoClipDataset(Dataset):
    """Clips of one split (a `datasets.Dataset` in the video dataset format) as model inputs.

    `strategy` ``"dense"`` takes `num_frames` frames every `sampling_rate` frames (VideoMAE); ``"segment"``
    one frame per equal segment (TSN). `train=True` samples at random positions (seeded per item) and puts
    a `ClipTransform` in training mode; otherwise sampling is centred and deterministic. `transform` maps
    uint8 ``(T, H, W, 3)`` frames to a float ``(T, C, H, W)`` tensor and may accept a ``generator``
    keyword (default: `ClipTransform()`, the VideoMAE 224x224 processing). `short_side` makes the decoder
    (libswscale) resize frames so their shorter side has that length, which is much cheaper than
    resizing full-resolution frames afterwards.
    """

    def __init__(
        self,
        hf_split: Any,
        num_frames: int = 16,
        sampling_rate: int = 4,
        strategy: str = "dense",
        transform: Transform | None = None,
        train: bool = False,
        seed: int = 0,
        short_side: int | None = None,
        max_retries: int = 10,
        defer_transform: bool = False,
    ) -> None:
        if strategy not in STRATEGIES:
            raise SynaptError(f"strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}")
        if num_frames < 1 or sampling_rate < 1:
            raise SynaptError(
                f"num_frames and sampling_rate must be positive, got {num_frames}, {sampling_rate}"
            )
        if short_side is not None and short_side < 1:
            raise SynaptError(f"short_side must be positive, got {short_side}")
        if defer_transform and not train:
            raise SynaptError("defer_transform applies to training datasets (train=True) only")
        self.split = _without_video_decoding(hf_split)
        if len(self.split) == 0:
            raise SynaptError("VideoClipDataset: the split is empty")
        self.num_frames = num_frames
        self.sampling_rate = sampling_rate
        self.strategy = strategy
        self.train = train
        self.seed = seed
        self.short_side = short_side
        self.max_retries = max_retries
        self.defer_transform = defer_transform
        self.transform = _default_transform(transform, train)
        self._transform_takes_generator = _accepts_generator(self.transform)
        self._has_frame_counts = fmt.NUM_FRAMES in self.split.column_names
        # Shared memory seen by every DataLoader worker (fork, spawn or forkserver): slot 0 is the epoch
        # (written only by the main process); each process counts its replacements in its own slot, so
        # no lock is needed (a lock would tie the dataset to one multiprocessing start method).
        self._shared = torch.zeros(_COUNTER_SLOTS + 1, dtype=torch.int64).share_memory_()
        self._known_bad: dict[int, str] = {}  # per process: index -> reason, so each is logged once

    def __len__(self) -> int:
        return len(self.split)

    def set_epoch(self, epoch: int) -> None:
        """Select the epoch whose random draws items use (also seen by already running workers)."""
        self._shared[0] = int(epoch)

    @property
    def epoch(self) -> int:
        return int(self._shared[0])

    @property
    def decode_failures(self) -> int:
        """How many times a broken clip was replaced, over all processes so far."""
        return int(self._shared[1:].sum())

    def _count_failure(self) -> int:
        info = get_worker_info()
        slot = 1 if info is None else 2 + info.id % (_COUNTER_SLOTS - 1)
        self._shared[slot] += 1
        return self.decode_failures

    def __getitem__(self, index: int) -> dict[str, Any]:
        index = int(index)
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} clips")
        index %= len(self)
        epoch = self.epoch
        candidate = index
        tried: list[str] = []
        for attempt in range(self.max_retries + 1):
            if candidate not in self._known_bad:
                try:
                    return self._load(candidate, np.random.default_rng([self.seed, epoch, index, attempt]))
                except _DecodeFailure as failure:
                    self._known_bad[candidate] = failure.reason
                    log.warning("skipping clip %d (%s): %s", candidate, failure.path, failure.reason)
            tried.append(f"{candidate} ({self._known_bad[candidate]})")
            total = self._count_failure()
            replacement = self._replacement(index, epoch, attempt, exclude=candidate)
            log.warning(
                "clip %d replaced by clip %d (%d decode failure(s) so far)", candidate, replacement, total
            )
            candidate = replacement
        raise SynaptError(
            f"{len(tried)} clips in a row failed to decode, starting at index {index}: " + "; ".join(tried)
        )

    def _replacement(self, index: int, epoch: int, attempt: int, exclude: int) -> int:
        if len(self) == 1:
            return exclude
        rng = np.random.default_rng([self.seed, epoch, index, attempt, 1])
        pick = int(rng.integers(len(self) - 1))
        return pick if pick < exclude else pick + 1

    def frame_indices(self, total_frames: int, rng: np.random.Generator | None) -> np.ndarray:
        """The frames a clip of `total_frames` frames contributes (random with `rng`, else centred)."""
        if self.strategy == "dense":
            return dense_indices(total_frames, self.num_frames, self.sampling_rate, rng=rng)
        return segment_indices(total_frames, self.num_frames, rng=rng)

    def _load(self, index: int, rng: np.random.Generator) -> dict[str, Any]:
        row = self.split[index]
        path = row.get(fmt.PATH) or (row.get(fmt.VIDEO) or {}).get("path") or f"<clip {index}>"
        try:
            data = fmt.video_bytes(row)
            total = int(row[fmt.NUM_FRAMES]) if self._has_frame_counts and row.get(fmt.NUM_FRAMES) else 0
            if total <= 0:
                total = probe(data).num_frames
            indices = self.frame_indices(total, rng if self.train else None)
            # in a DataLoader worker the workers are the parallelism: one decoder thread each
            threads = 1 if get_worker_info() is not None else None
            frames = decode_frames(data, indices, short_side=self.short_side, threads=threads)
        except Exception as exc:  # any failure to read a clip is a broken clip, never a crashed worker
            raise _DecodeFailure(path, _reason(exc)) from exc
        augment_seed = int(rng.integers(2**62)) if self.train else None
        if self.defer_transform:
            # the caller applies `self.transform.augment_clips` later (on the training GPU), seeded alike
            frames = torch.from_numpy(np.ascontiguousarray(frames))
            return {"frames": frames, "labels": int(row[fmt.LABEL]), "augment_seed": augment_seed}
        generator = torch.Generator().manual_seed(augment_seed) if self.train else None
        if self._transform_takes_generator:
            pixel_values = self.transform(frames, generator=generator)
        else:
            pixel_values = self.transform(frames)
        return {"pixel_values": pixel_values, "labels": int(row[fmt.LABEL])}


class _DecodeFailure(Exception):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.removeprefix("<bytes>: ")[:300]


def _without_video_decoding(hf_split: Any) -> Any:
    """The split with its ``video`` column read as ``{"bytes", "path"}`` (never decoded by `datasets`)."""
    import datasets

    if not isinstance(hf_split, datasets.Dataset):
        raise SynaptError(f"VideoClipDataset needs a datasets.Dataset split, got {type(hf_split).__name__}")
    missing = [c for c in (fmt.VIDEO, fmt.LABEL) if c not in hf_split.column_names]
    if missing:
        raise SynaptError(f"the split lacks the column(s) {', '.join(missing)} of the video dataset format")
    feature = hf_split.features[fmt.VIDEO]
    if isinstance(feature, datasets.Video) and feature.decode:
        hf_split = hf_split.cast_column(fmt.VIDEO, datasets.Video(decode=False))
    return hf_split


def _default_transform(transform: Transform | None, train: bool) -> Transform:
    from synapt_hf.data.transforms import ClipTransform

    if transform is None:
        return ClipTransform(train=train)
    if isinstance(transform, ClipTransform) and transform.train != train:
        return transform.with_train(train)
    return transform


def _accepts_generator(transform: Transform) -> bool:
    try:
        parameters = inspect.signature(transform).parameters
    except (TypeError, ValueError):
        return False
    return "generator" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def collate_clips(batch: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Stack items into ``{"pixel_values": (B, T, C, H, W) float, "labels": (B,) long}``.

    Items of a dataset with ``defer_transform`` become ``{"frames": uint8 (B, T, H, W, 3) (a list when
    the clips differ in size), "labels": (B,) long, "augment_seeds": list of int}``.
    """
    if not batch:
        raise SynaptError("collate_clips: empty batch")
    if "frames" in batch[0]:
        frames = [item["frames"] for item in batch]
        same = len({tuple(f.shape) for f in frames}) == 1
        return {
            "frames": torch.stack(frames) if same else frames,
            "labels": torch.tensor([int(item["labels"]) for item in batch], dtype=torch.long),
            "augment_seeds": [int(item["augment_seed"]) for item in batch],
        }
    shapes = {tuple(item["pixel_values"].shape) for item in batch}
    if len(shapes) > 1:
        raise SynaptError(
            f"collate_clips: clips have different shapes {sorted(shapes)}; use a transform with a crop"
        )
    return {
        "pixel_values": torch.stack([item["pixel_values"] for item in batch]),
        "labels": torch.tensor([int(item["labels"]) for item in batch], dtype=torch.long),
    }
