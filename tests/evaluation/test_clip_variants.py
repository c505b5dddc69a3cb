"""Static and shuffled copies: real decoding of re-encoded clips whose frames encode their index."""

from __future__ import annotations

import pytest

from synapt_hf.data.format import load_video_dataset
from synapt_hf.errors import SynaptError
from synapt_hf.evaluation.clip_variants import make_variant_split, write_variant_dataset


def test_static_copy_repeats_one_frame(known_frame_data, decoded_indices, tmp_path):
    loaded = load_video_dataset(known_frame_data)
    out = write_variant_dataset(loaded, "static", tmp_path / "static", seed=3)
    static = load_video_dataset(out)
    assert list(static) == ["train", "validation"]
    chosen = set()
    for example in static["train"]:
        indices = decoded_indices(example["video"]["bytes"])
        assert len(indices) == example["num_frames"] == 12
        assert len(set(indices)) == 1  # one frame repeated
        chosen.add(indices[0])
    assert len(chosen) > 1  # a random frame per clip, not always the same
    assert static["train"]["label"] == loaded["train"]["label"]


def test_shuffled_copy_permutes_frames(known_frame_data, decoded_indices):
    split = load_video_dataset(known_frame_data, split="validation")
    shuffled = make_variant_split(split, "shuffled", seed=0)
    for example in shuffled:
        indices = decoded_indices(example["video"]["bytes"])
        assert sorted(indices) == list(range(12)) and indices != list(range(12))


def test_unknown_variant(known_frame_data):
    with pytest.raises(SynaptError, match="unknown clip variant"):
        make_variant_split(load_video_dataset(known_frame_data, split="train"), "reversed")
