from __future__ import annotations

import torch
from torch.utils.data import DataLoader

from synapt_hf.synth.clips import render_clips
from synapt_hf.synth.config import GeneratorConfig
from synapt_hf.synth.stream import SyntheticVideoStream


def _collect(loader) -> list[dict]:
    return [item for batch in loader for item in _unbatch(batch)]


def _unbatch(batch: dict) -> list[dict]:
    return [{"frames": f, "label": int(lbl), "index": int(i)}
            for f, lbl, i in zip(batch["frames"], batch["label"], batch["index"], strict=True)]  # fmt: skip


def test_two_dataloader_workers_yield_disjoint_clips():
    config = GeneratorConfig.create(4, frames=3, size=16, seed=2)
    stream = SyntheticVideoStream(config, batch_size=3, num_clips=14)
    loader = DataLoader(stream, batch_size=4, num_workers=2)
    items = _collect(loader)
    indices = [it["index"] for it in items]
    assert sorted(indices) == list(range(14))  # every clip exactly once across the two workers
    expected, samples = render_clips(config, range(14))
    for item in items:
        assert item["frames"].shape == (3, 16, 16, 3) and item["frames"].dtype == torch.uint8
        assert torch.equal(item["frames"], expected[item["index"]])
        assert item["label"] == samples[item["index"]].label


def test_ranks_split_an_infinite_stream_without_duplicates():
    config = GeneratorConfig.create(3, frames=2, size=16)
    firsts = []
    for rank in range(2):
        stream = SyntheticVideoStream(config, batch_size=2, rank=rank, world_size=2)
        it = iter(stream)
        firsts.append([next(it)["index"] for _ in range(6)])
    assert firsts == [[0, 1, 4, 5, 8, 9], [2, 3, 6, 7, 10, 11]]


def test_device_batches_hold_the_clips_each_rank_streams():
    """GPU path (here on the CPU): workers sample, the caller renders; same clips per rank as __iter__."""
    config = GeneratorConfig.create(3, frames=2, size=16, seed=4)
    for rank in range(2):
        stream = SyntheticVideoStream(config, batch_size=3, num_clips=20, rank=rank, world_size=2)
        expected = list(stream)
        batches = list(stream.device_batches("cpu", workers=2, group_batches=2))
        assert [int(i) for b in batches for i in b["indices"]] == [item["index"] for item in expected]
        frames = torch.cat([b["frames"] for b in batches])
        assert torch.equal(frames, torch.stack([item["frames"] for item in expected]))
        assert [int(v) for b in batches for v in b["labels"]] == [item["label"] for item in expected]
    endless = SyntheticVideoStream(config, batch_size=2, rank=1, world_size=2).device_batches("cpu")
    assert [next(endless)["indices"].tolist() for _ in range(3)] == [[2, 3], [6, 7], [10, 11]]
