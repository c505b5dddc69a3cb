"""`SyntheticVideoStream`: an infinite `IterableDataset` that renders fresh clips on the fly.

Global clip indices ``start, start+1, ...`` are cut into batches of `batch_size`; batch ``c`` is rendered
by shard ``c % num_shards`` where the shards are (distributed rank x DataLoader worker). Every clip is the
pure function of ``(config, split, index)`` that `synapt generate` writes, so shards never duplicate a
clip and a run is reproducible. With ``device="cuda"`` the clips are rendered on that GPU (use
``num_workers=0`` then: CUDA does not mix with forked DataLoader workers).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import torch
from torch.utils.data import IterableDataset, get_worker_info

from synapt_hf.errors import SynaptError
from synapt_hf.synth.config import GeneratorConfig, split_code


def distributed_rank_world(rank: int | None = None, world_size: int | None = None) -> tuple[int, int]:
    """(rank, world size): given values, else torch.distributed when initialized, else RANK/WORLD_SIZE env."""
    if rank is not None and world_size is not None:
        return rank, world_size
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))


class SyntheticVideoStream(IterableDataset):
    """Yields ``{"frames": uint8 (T, H, W, 3) tensor, "label": int, "index": int}`` forever (or `num_clips`).

    `device` renders on that device (frames stay there). `rank`/`world_size` override the distributed
    detection. `start` offsets the global index (e.g. to continue after a previous run).
    """

    def __init__(
        self,
        config: GeneratorConfig,
        split: str = "train",
        batch_size: int = 8,
        device: str | torch.device | None = None,
        start: int = 0,
        num_clips: int | None = None,
        rank: int | None = None,
        world_size: int | None = None,
    ) -> None:
        super().__init__()
        split_code(split)
        if batch_size < 1:
            raise SynaptError(f"batch_size: must be >= 1, got {batch_size}")
        if start < 0 or (num_clips is not None and num_clips < 0):
            raise SynaptError("start and num_clips must be >= 0")
        self.config = config
        self.split = split
        self.batch_size = batch_size
        self.device = torch.device(device) if device is not None else None
        self.start = start
        self.num_clips = num_clips
        self.rank = rank
        self.world_size = world_size

    @property
    def class_names(self) -> list[str]:
        return list(self.config.classes)

    def shard(self) -> tuple[int, int]:
        """(this iterator's shard id, number of shards) over ranks x DataLoader workers."""
        rank, world = distributed_rank_world(self.rank, self.world_size)
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        return rank * workers + worker, world * workers

    def __iter__(self) -> Iterator[dict[str, Any]]:
        from synapt_hf.synth.clips import render_samples, sample_clip

        shard, shards = self.shard()
        if get_worker_info() is not None:
            torch.set_num_threads(1)
        end = None if self.num_clips is None else self.start + self.num_clips
        batch = shard
        while True:
            first = self.start + batch * self.batch_size
            if end is not None and first >= end:
                return
            last = first + self.batch_size if end is None else min(first + self.batch_size, end)
            samples = [sample_clip(self.config, self.split, i) for i in range(first, last)]
            frames = render_samples(self.config, samples, self.device)
            for sample, clip in zip(samples, frames, strict=True):
                yield {"frames": clip, "label": sample.label, "index": sample.index}
            batch += shards

    def device_batches(
        self, device: str | torch.device, workers: int = 0, group_batches: int = 8
    ) -> Iterator[dict[str, torch.Tensor]]:
        """Batches ``{"frames": uint8 (B, T, H, W, 3), "labels": (B,), "indices": (B,)}`` rendered on
        `device` (the training GPU; indices stay on the CPU) while `workers` CPU processes sample the scenes.

        The sharding is the stream's with DataLoader workers left out: this rank takes global batches
        ``rank, rank + world, ...`` (``batch_size`` clips each, from `start`), so ranks never duplicate a
        clip and each batch holds the clips `__iter__` would give for it. `group_batches` batches are
        rendered per call (larger calls keep a GPU busier).
        """
        from synapt_hf.synth.pipeline import render_batches

        rank, world = distributed_rank_world(self.rank, self.world_size)
        end = None if self.num_clips is None else self.start + self.num_clips

        def batch_indices(b: int) -> range:
            first = self.start + (rank + b * world) * self.batch_size
            last = first + self.batch_size if end is None else min(first + self.batch_size, end)
            return range(first, max(first, last))

        num_batches = None
        if end is not None:
            total = -(-(end - self.start) // self.batch_size)  # batches of the whole stream
            num_batches = len(range(rank, total, world))
        batches = render_batches(
            self.config,
            batch_indices,
            num_batches,
            self.batch_size,
            device,
            self.split,
            workers,
            group_batches,
        )
        for batch in batches:
            yield {"frames": batch.frames, "labels": batch.labels, "indices": batch.indices}
