"""Fixtures of the evaluation tests: tiny saved datasets in the video dataset format."""

from __future__ import annotations

from pathlib import Path

import datasets
import numpy as np
import pytest

from synapt_hf.data.format import save_dataset_atomic, video_features, video_value
from synapt_hf.data.video import encode_video


def known_frame_dataset(out_dir: Path, known_content, num_frames: int = 12, size: int = 32) -> Path:
    """Two classes, 2 clips per split each; frame k of every clip encodes k (see tests/conftest.py)."""
    frames = known_content.frames(num_frames, size, size)
    data = encode_video(frames, fps=10, crf=10)
    splits = {}
    for split in ("train", "validation"):
        rows = [
            {
                "video": video_value(data, f"{split}/{i}.mp4"),
                "label": i % 2,
                "num_frames": num_frames,
                "width": size,
                "height": size,
                "fps": 10.0,
                "path": f"{split}/{i}.mp4",
            }
            for i in range(4)
        ]
        splits[split] = datasets.Dataset.from_list(rows, features=video_features(["a", "b"]))
    return save_dataset_atomic(datasets.DatasetDict(splits), out_dir)


@pytest.fixture
def known_frame_data(tmp_path, known_content) -> Path:
    return known_frame_dataset(tmp_path / "known", known_content)


@pytest.fixture
def decoded_indices(known_content):
    """Function: the frame indices encoded in every decoded frame of a video file's bytes."""
    from synapt_hf.data.video import decode_frames, probe

    def read(data: bytes) -> list[int]:
        return known_content.indices(decode_frames(data, np.arange(probe(data).num_frames)))

    return read
