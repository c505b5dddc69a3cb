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


def tiny_videomae(out_dir: Path, config) -> Path:
    """A minuscule VideoMAE pretraining checkpoint folder (random weights, real save_pretrained)."""
    import torch
    from transformers import VideoMAEForPreTraining

    torch.manual_seed(1)
    VideoMAEForPreTraining(config).save_pretrained(out_dir)
    return out_dir


def coloured_dataset(
    out_dir: Path, seed: int, num_frames: int = 6, size: int = 32, per_class: int = 3
) -> Path:
    """Two classes of tiny clips: a square moving right (class 0) or down (class 1) on a random background."""
    rng = np.random.default_rng(seed)
    splits = {}
    for split in ("train", "validation"):
        rows = []
        for label in (0, 1):
            for i in range(per_class):
                frames = np.empty((num_frames, size, size, 3), dtype=np.uint8)
                frames[:] = rng.integers(0, 256, size=3, dtype=np.uint8)
                for t in range(num_frames):
                    x, y = (4 + 3 * t, 12) if label == 0 else (12, 4 + 3 * t)
                    frames[t, y : y + 8, x : x + 8] = 255
                name = f"{split}/{label}_{i}.mp4"
                rows.append(
                    {
                        "video": video_value(encode_video(frames, fps=10, crf=15), name),
                        "label": label,
                        "num_frames": num_frames,
                        "width": size,
                        "height": size,
                        "fps": 10.0,
                        "path": name,
                    }
                )
        splits[split] = datasets.Dataset.from_list(rows, features=video_features(["right", "down"]))
    return save_dataset_atomic(datasets.DatasetDict(splits), out_dir)


@pytest.fixture(scope="session")
def transfer_inputs(tmp_path_factory, tiny_model_config) -> dict[str, Path]:
    """Shared by the transfer tests: checkpoint `ckpt` (4 frames, 32 px), `long` (8 frames), two datasets."""
    root = tmp_path_factory.mktemp("transfer_inputs")
    return {
        "ckpt": tiny_videomae(root / "ckpt", tiny_model_config("videomae")),
        "long": tiny_videomae(root / "long", tiny_model_config("videomae", num_frames=8)),
        "set_a": coloured_dataset(root / "set_a", seed=1),
        "set_b": coloured_dataset(root / "set_b", seed=2),
    }


def generated_dataset(
    out_dir: Path, scene_bias: str, clips_per_class: int = 8, val_per_class: int = 4
) -> Path:
    """Clips of the built-in generator (4 classes, 32 px, 6 frames) with its scene-bias knob, saved in the format."""
    from synapt_hf.synth.config import GeneratorConfig
    from synapt_hf.synth.writer import generate_dataset

    config = GeneratorConfig.create(4, frames=6, size=32, seed=5, scene_bias=scene_bias)
    generate_dataset(config, clips_per_class, out_dir, val_clips_per_class=val_per_class, progress=False)
    return out_dir


@pytest.fixture(scope="session")
def scene_bias_sets(tmp_path_factory, tiny_model_config) -> dict[str, Path]:
    """The same 4 generated classes with class-correlated and with independent backgrounds, plus a model."""
    root = tmp_path_factory.mktemp("scene_bias")
    return {
        "correlated": generated_dataset(root / "correlated", "correlated"),
        "independent": generated_dataset(root / "independent", "independent"),
        "model": tiny_videomae(root / "model", tiny_model_config("videomae")),
    }
