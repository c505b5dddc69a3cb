"""Render on an accelerator while CPU workers sample: the generator's pipeline for GPUs.

Making a clip has two parts: sampling its motion, body and scene (numpy, ~4 ms of one CPU core per clip,
mostly the procedural textures) and rendering it (torch, the same code on CPU and CUDA). On a GPU the
renderer is far faster than one core can sample, so `render_stream` splits the work: DataLoader worker
processes sample groups of clips and stack them into (pinned) tensors, and the calling process renders each
group on `device`. Groups come back in the order given whatever the number of workers, and clip ``i`` is
still the pure function of ``(config, split, i)`` that `synapt_hf.synth.clips` defines.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from synapt_hf.synth.config import GeneratorConfig


@dataclass
class RenderedGroup:
    """One rendered group: uint8 frames ``(B, T, size, size, 3)`` and int64 labels on the device, int64
    clip indices on the CPU (reading them never waits for the GPU)."""

    frames: torch.Tensor
    labels: torch.Tensor
    indices: torch.Tensor


Groups = Sequence[Sequence[int]] | Callable[[int], Sequence[int]]


class SampledScenes(IterableDataset):
    """Yields, for each group of clip indices, the stacked (not yet rendered) scenes of those clips.

    `groups` is a sequence of index groups, or a function ``k -> group k`` (then `num_groups` of them, or
    endless when None). DataLoader worker ``w`` of ``W`` samples groups ``w, w + W, ...``; the DataLoader
    returns workers' items in turn, so the groups arrive in order.
    """

    def __init__(
        self, config: GeneratorConfig, split: str, groups: Groups, num_groups: int | None = None
    ) -> None:
        super().__init__()
        self.config, self.split = config, split
        if callable(groups):
            self.group, self.num_groups = groups, num_groups
        else:
            listed = [list(g) for g in groups]
            self.group, self.num_groups = listed.__getitem__, len(listed)

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        if info is not None:
            torch.set_num_threads(1)
        numbers = itertools.count(worker, workers)
        if self.num_groups is not None:
            numbers = range(worker, self.num_groups, workers)
        for number in numbers:
            yield sample_group(self.config, self.split, list(self.group(number)), shared=info is not None)


def sample_group(
    config: GeneratorConfig, split: str, group: Sequence[int], shared: bool = False
) -> dict[str, torch.Tensor]:
    """The stacked scenes of clips `group` (`render.stack_scenes`, in shared memory when `shared`: a
    DataLoader worker then hands them over without copying them again) plus their ``_labels`` and
    ``_indices``."""
    from synapt_hf.synth.clips import sample_clip
    from synapt_hf.synth.render import stack_scenes

    samples = [sample_clip(config, split, int(index)) for index in group]
    scenes = stack_scenes([sample.scene for sample in samples], shared=shared)
    scenes["_labels"] = torch.tensor([sample.label for sample in samples], dtype=torch.long)
    scenes["_indices"] = torch.tensor(list(group), dtype=torch.long)
    return scenes


def render_stream(
    config: GeneratorConfig,
    groups: Groups,
    device: torch.device | str,
    split: str = "train",
    workers: int = 0,
    prefetch: int = 4,
    num_groups: int | None = None,
    fused: bool | None = None,
) -> Iterator[RenderedGroup]:
    """Sample each group of clip indices in `workers` processes (0: in this one) and render it on `device`.

    `groups`: a sequence of index groups, or a function ``k -> group k`` with `num_groups` (None: endless).
    Each group is one renderer call: groups of a few hundred clips keep a GPU busy, and the next groups
    are sampled while this one renders. `fused`: see `render.render_batch`.
    """
    from synapt_hf.synth.render import render_batch

    device = torch.device(device)
    scenes = SampledScenes(config, split, groups, num_groups)
    if scenes.num_groups is not None:
        workers = min(workers, scenes.num_groups)
    loader = DataLoader(
        scenes,
        batch_size=None,
        num_workers=workers,
        pin_memory=device.type == "cuda",
        prefetch_factor=prefetch if workers else None,
        persistent_workers=False,
    )
    for scenes in loader:
        labels, indices = scenes.pop("_labels"), scenes.pop("_indices")
        batch = {k: v.to(device, non_blocking=True) for k, v in scenes.items()}
        with torch.no_grad():
            frames = render_batch(
                batch, config.size, antialias=config.antialias, shadows=config.shadows, fused=fused
            )
        yield RenderedGroup(frames, labels.to(device, non_blocking=True), indices)


def index_groups(indices: Sequence[int], group_size: int) -> list[list[int]]:
    """Cut clip indices into consecutive groups of at most `group_size`."""
    indices = list(indices)
    return [indices[k : k + group_size] for k in range(0, len(indices), max(1, group_size))]


def render_batches(
    config: GeneratorConfig,
    batch_indices: Callable[[int], Sequence[int]],
    num_batches: int | None,
    batch_size: int,
    device: torch.device | str,
    split: str = "train",
    workers: int = 0,
    group_batches: int = 8,
    fused: bool | None = None,
) -> Iterator[RenderedGroup]:
    """Batches ``0 .. num_batches - 1`` (endless when None), batch ``b`` holding the clips
    ``batch_indices(b)`` (at most `batch_size`; only the last may hold fewer), rendered on `device`
    `group_batches` batches per renderer call by `render_stream`; yields one `RenderedGroup` per batch."""
    per_group = max(1, group_batches)
    num_groups = None if num_batches is None else -(-num_batches // per_group)

    def group(k: int) -> list[int]:
        stop = (k + 1) * per_group if num_batches is None else min((k + 1) * per_group, num_batches)
        return [i for b in range(k * per_group, stop) for i in batch_indices(b)]

    for rendered in render_stream(
        config, group, device, split, workers=workers, num_groups=num_groups, fused=fused
    ):
        for start in range(0, len(rendered.indices), batch_size):  # views of the group, no copies
            part = slice(start, start + batch_size)
            yield RenderedGroup(rendered.frames[part], rendered.labels[part], rendered.indices[part])
