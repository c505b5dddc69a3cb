"""Dataset-source loaders (`loop.clip_loader`): pinned batches for a GPU, copied there without the host
waiting for the GPU; full shuffled batches for training, every clip in order for evaluation."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from synapt_hf.training.config import TrainConfig
from synapt_hf.training.data import ClipList
from synapt_hf.training.launch import build_accelerator
from synapt_hf.training.loop import clip_loader, stop_workers


def _clips(count: int) -> ClipList:
    """Decoded-only items as a dataset source with device augmentation yields them."""
    return ClipList(
        [
            {"frames": torch.full((2, 8, 8, 3), i, dtype=torch.uint8), "labels": i % 3, "augment_seed": i}
            for i in range(count)
        ]
    )


@pytest.mark.parametrize(("device", "pinned"), [("cpu", False), ("cuda", True)])
def test_batches_are_pinned_exactly_when_they_go_to_a_gpu(device: str, pinned: bool) -> None:
    for train in (True, False):
        assert clip_loader(_clips(4), 2, 0, torch.device(device), seed=0, train=train).pin_memory is pinned


def test_training_batches_are_full_and_shuffled_evaluation_keeps_every_clip_in_order() -> None:
    train = list(clip_loader(_clips(7), 2, 0, torch.device("cpu"), seed=0, train=True))
    assert [batch["frames"].shape[0] for batch in train] == [2, 2, 2]  # the odd clip is dropped
    order = [int(clip[0, 0, 0, 0]) for batch in train for clip in batch["frames"]]
    assert len(set(order)) == 6 and order != sorted(order)
    evaluation = list(clip_loader(_clips(7), 2, 0, torch.device("cpu"), seed=0, train=False))
    assert torch.cat([batch["labels"] for batch in evaluation]).tolist() == [i % 3 for i in range(7)]


def test_stop_workers_ends_the_persistent_workers_of_a_loader_left_mid_epoch() -> None:
    import multiprocessing

    loader = clip_loader(_clips(8), 2, 1, torch.device("cpu"), seed=0, train=True)
    for _ in zip(
        range(2), loader, strict=False
    ):  # leave the epoch early, as a run that reaches max_steps does
        pass
    assert multiprocessing.active_children()  # persistent: the worker outlives the iteration
    stop_workers(loader)
    assert not multiprocessing.active_children()
    stop_workers(loader)  # idempotent
    stop_workers(None)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_batches_reach_the_gpu_without_the_host_waiting(tmp_path: Path) -> None:
    accelerator = build_accelerator(TrainConfig(output_dir=str(tmp_path), report_to="none"), tmp_path)
    loader = accelerator.prepare(clip_loader(_clips(8), 4, 0, accelerator.device, seed=0, train=True))
    busy = torch.randn(2048, 2048, device="cuda")
    for _ in range(50):  # queued GPU work that a synchronising copy would wait for
        busy = busy @ busy / 2048
    torch.cuda.set_sync_debug_mode("error")  # any synchronising operation raises
    try:
        batches = list(loader)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert len(batches) == 2 and all(batch["frames"].is_cuda for batch in batches)
