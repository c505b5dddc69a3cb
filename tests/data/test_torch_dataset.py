"""VideoClipDataset: real decoding of embedded clips, deterministic sampling, broken clips, DataLoader workers."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from pathlib import Path

import datasets
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from synapt_hf.data.format import info_columns, video_features, video_value
from synapt_hf.data.sampling import dense_indices, segment_indices
from synapt_hf.data.torch_dataset import VideoClipDataset, collate_clips
from synapt_hf.data.transforms import ClipTransform
from synapt_hf.data.video import probe
from synapt_hf.errors import SynaptError

RAW = ClipTransform(resize=None, crop=None, normalize=False, rescale_factor=1.0)  # pixel values as decoded
LENGTHS = (40, 60, 33, 50)


@pytest.fixture
def clip_split(make_video: Callable[..., Path]) -> datasets.Dataset:
    """Four real clips (KnownContent frames, 32x24) plus one clip whose bytes are not a video (index 2)."""
    rows = []
    for i, length in enumerate(LENGTHS):
        data = make_video(f"clip{i}.mp4", num_frames=length, width=32, height=24).read_bytes()
        rows.append(
            {
                "video": video_value(data, f"tiny/clip{i}.mp4"),
                "label": i % 3,
                **info_columns(probe(data)),
                "path": f"tiny/clip{i}.mp4",
            }
        )
    broken = {
        "video": video_value(b"\x00garbage" * 50, "tiny/broken.mp4"),
        "label": 1,
        "num_frames": 30,
        "width": 32,
        "height": 24,
        "fps": 25.0,
        "path": "tiny/broken.mp4",
    }
    rows.insert(2, broken)
    return datasets.Dataset.from_list(rows, features=video_features(["a", "b", "c"]))


def _frame_ids(pixel_values: torch.Tensor, known_content) -> list[int]:
    frames = pixel_values.permute(0, 2, 3, 1).round().clamp(0, 255).to(torch.uint8).numpy()
    return known_content.indices(frames)


def test_eval_items_decode_the_sampled_frames(clip_split, known_content) -> None:
    dense = VideoClipDataset(clip_split, num_frames=4, sampling_rate=3, transform=RAW)
    item = dense[1]
    assert item["labels"] == 1 and item["pixel_values"].dtype == torch.float32
    assert tuple(item["pixel_values"].shape) == (4, 3, 24, 32)
    assert _frame_ids(item["pixel_values"], known_content) == list(dense_indices(60, 4, 3))
    segment = VideoClipDataset(clip_split, num_frames=5, strategy="segment", transform=RAW, short_side=12)
    item = segment[3]
    assert tuple(item["pixel_values"].shape) == (5, 3, 12, 16)
    assert _frame_ids(item["pixel_values"], known_content) == list(segment_indices(33, 5))


def test_train_sampling_depends_on_seed_epoch_index_only(clip_split, known_content) -> None:
    train = VideoClipDataset(clip_split, num_frames=4, sampling_rate=2, transform=RAW, train=True, seed=7)
    first = [_frame_ids(train[i]["pixel_values"], known_content) for i in (0, 1, 4)]
    assert first == [_frame_ids(train[i]["pixel_values"], known_content) for i in (0, 1, 4)]
    for ids in first:
        assert all(b - a == 2 for a, b in itertools.pairwise(ids))
    train.set_epoch(1)
    assert train.epoch == 1
    assert [_frame_ids(train[i]["pixel_values"], known_content) for i in (0, 1, 4)] != first


def test_broken_clip_is_replaced_deterministically(clip_split, caplog) -> None:
    dataset = VideoClipDataset(clip_split, num_frames=4, sampling_rate=2, transform=RAW)
    with caplog.at_level(logging.WARNING, logger="synapt_hf.data.torch_dataset"):
        item = dataset[2]
    assert "tiny/broken.mp4" in caplog.text and "replaced by clip" in caplog.text
    assert dataset.decode_failures == 1
    again = VideoClipDataset(clip_split, num_frames=4, sampling_rate=2, transform=RAW)[2]
    assert torch.equal(item["pixel_values"], again["pixel_values"]) and item["labels"] == again["labels"]


def test_all_broken_raises_a_clear_error(clip_split) -> None:
    only_broken = clip_split.select([2])
    with pytest.raises(SynaptError, match=r"clips in a row failed to decode.*tiny/broken|not a readable"):
        VideoClipDataset(only_broken, num_frames=2, transform=RAW, max_retries=2)[0]


def test_dataloader_workers_match_single_process(clip_split) -> None:
    transform = ClipTransform(resize=20, crop=(16, 16))

    def epochs(num_workers: int) -> tuple[list[list[dict[str, torch.Tensor]]], int]:
        dataset = VideoClipDataset(
            clip_split, num_frames=4, sampling_rate=2, transform=transform, train=True, seed=3
        )
        loader = DataLoader(
            dataset,
            batch_size=2,
            num_workers=num_workers,
            collate_fn=collate_clips,
            multiprocessing_context="fork" if num_workers else None,
            persistent_workers=bool(num_workers),
        )
        seen = []
        for epoch in (1, 2):
            dataset.set_epoch(epoch)  # persistent workers must see it through shared memory
            seen.append(list(loader))
        return seen, dataset.decode_failures

    single, single_failures = epochs(0)
    workers, worker_failures = epochs(2)
    for single_epoch, worker_epoch in zip(single, workers, strict=True):
        assert len(single_epoch) == len(worker_epoch) == 3
        for a, b in zip(single_epoch, worker_epoch, strict=True):
            assert a["pixel_values"].shape[1:] == (4, 3, 16, 16)
            assert torch.equal(a["pixel_values"], b["pixel_values"]) and torch.equal(a["labels"], b["labels"])
    assert not torch.equal(single[0][0]["pixel_values"], single[1][0]["pixel_values"])  # epochs differ
    assert single_failures == worker_failures == 2  # one per epoch; failures in workers counted in the parent


def test_default_transform_gives_videomae_inputs(clip_split) -> None:
    """Items collate to VideoMAE's input layout: (B, T, C, H, W) float pixels, (B,) long labels; the default
    transform is the VideoMAE processing (224x224 crop, mean/std 0.5, so pixels lie in [-1, 1])."""
    dataset = VideoClipDataset(clip_split.select([0, 1]), num_frames=2)
    batch = collate_clips([dataset[0], dataset[1]])
    assert batch["pixel_values"].shape == (2, 2, 3, 224, 224) and batch["pixel_values"].dtype == torch.float32
    assert batch["labels"].tolist() == [0, 1] and batch["labels"].dtype == torch.long
    pixels = batch["pixel_values"]
    assert float(pixels.min()) >= -1.0 and float(pixels.max()) <= 1.0
    assert np.isclose(float(pixels.min()), -1.0, atol=0.2)  # the KnownContent frames have dark channels


def test_invalid_arguments(clip_split) -> None:
    with pytest.raises(SynaptError, match="strategy must be one of"):
        VideoClipDataset(clip_split, strategy="random")
    with pytest.raises(SynaptError, match="lacks the column"):
        VideoClipDataset(clip_split.remove_columns("label"))
    with pytest.raises(SynaptError, match=r"needs a datasets\.Dataset"):
        VideoClipDataset([1, 2, 3])
    with pytest.raises(SynaptError, match="different shapes"):
        collate_clips(
            [VideoClipDataset(clip_split, num_frames=2, transform=RAW, short_side=s)[0] for s in (12, 24)]
        )


def test_spawned_worker_shares_epoch_and_failure_count(clip_split) -> None:
    transform = ClipTransform(resize=20, crop=(16, 16))
    dataset = VideoClipDataset(
        clip_split.select([1, 2]), num_frames=2, transform=transform, train=True, seed=1
    )
    dataset.set_epoch(4)
    expected = collate_clips([dataset[0], dataset[1]])
    loader = DataLoader(
        dataset, batch_size=2, num_workers=1, collate_fn=collate_clips, multiprocessing_context="spawn"
    )
    (batch,) = list(loader)
    assert torch.equal(batch["pixel_values"], expected["pixel_values"])
    assert dataset.decode_failures == 2  # one in this process, one in the spawned worker


def test_deferred_transform_returns_decoded_frames_and_the_seed_of_the_same_augmentation(clip_split):
    transform = ClipTransform(resize=32, crop=(32, 32), train=True, scale=(0.3, 1.0))
    common = {"num_frames": 4, "sampling_rate": 1, "transform": transform, "train": True, "seed": 5}
    eager = VideoClipDataset(clip_split, **common)
    deferred = VideoClipDataset(clip_split, defer_transform=True, **common)
    items = [deferred[i] for i in range(2)]
    assert items[0]["frames"].dtype == torch.uint8 and items[0]["frames"].shape[-1] == 3
    batch = collate_clips(items)
    generators = [torch.Generator().manual_seed(s) for s in batch["augment_seeds"]]
    pixels = transform.augment_clips(batch["frames"], generators)
    for i in range(2):
        torch.testing.assert_close(pixels[i], eager[i]["pixel_values"], rtol=0, atol=1e-5)
    with pytest.raises(SynaptError, match="train=True"):
        VideoClipDataset(clip_split, defer_transform=True, num_frames=4)
