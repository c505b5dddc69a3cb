"""Diving48 V2: the official JSON lists + vocabulary, and PPMA lists checked against them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from synapt_hf.data.format import load_video_dataset
from synapt_hf.datasets import diving48
from synapt_hf.datasets.builder import BuildOptions
from synapt_hf.errors import SynaptError

TRAIN = [("-mmq0PT-u8k_00155", 0), ("zbAC7t15q3k_00079", 47)]
TEST = [("8qRmKunCjtY_00016", 0)]


@pytest.fixture
def tree(tmp_path: Path, make_video: Callable[..., Path]) -> Path:
    """`rgb/<vid>.mp4` videos and `annotations/` with the official V2 JSON files and vocabulary."""
    (tmp_path / "rgb").mkdir()
    for vid, _ in TRAIN + TEST:
        make_video(f"rgb/{vid}.mp4", num_frames=8, width=32, height=24)
    notes = tmp_path / "annotations"
    notes.mkdir()
    vocab = [name.split(" ") for name in diving48.CLASS_NAMES]
    (notes / "Diving48_vocab.json").write_text(json.dumps(vocab))
    for name, rows in (("train", TRAIN), ("test", TEST)):
        items = [{"vid_name": v, "label": label, "start_frame": 0, "end_frame": 7} for v, label in rows]
        (notes / f"Diving48_V2_{name}.json").write_text(json.dumps(items))
    return tmp_path


def test_official_json_builds_with_vocabulary_names(tmp_path: Path, tree: Path) -> None:
    builder = diving48.Diving48Builder(root=tree, size_check=False)  # split files found under --root
    builder.build(BuildOptions(out=tmp_path / "out"))
    train = load_video_dataset(tmp_path / "out", split="train")
    names = train.features["label"].names
    assert names[0] == "Back 15som 05Twis FREE" and names[47] == "Reverse Dive NoTwis TUCK"
    assert sorted(zip(train["path"], train["label"], strict=True)) == [
        ("rgb/-mmq0PT-u8k_00155.mp4", 0),
        ("rgb/zbAC7t15q3k_00079.mp4", 47),
    ]


def test_ppma_lists_are_checked_against_the_official_labels(tmp_path: Path, tree: Path) -> None:
    ppma = tmp_path / "ppma"
    ppma.mkdir()
    (ppma / "train.csv").write_text("".join(f"diving48/videos/{v}.mp4;{label}\r\n" for v, label in TRAIN))
    (ppma / "val.csv").write_text("".join(f"diving48/videos/{v}.mp4;{label}\r\n" for v, label in TEST))
    parsed = diving48.parse(tree, [ppma, tree / "annotations"])
    assert parsed.split_format == "PPMA diving48 lists"
    (ppma / "val.csv").write_text(f"diving48/videos/{TEST[0][0]}.mp4;5\r\n")
    with pytest.raises(SynaptError, match=r"label 5, but .*Diving48_V2_test\.json gives 0"):
        diving48.parse(tree, [ppma, tree / "annotations"])


def test_bad_vocabulary_and_json(tree: Path) -> None:
    notes = tree / "annotations"
    (notes / "Diving48_vocab.json").write_text(json.dumps([["Back", "15som", "05Twis", "FREE"]] * 47))
    with pytest.raises(SynaptError, match="47 class names, expected 48"):
        diving48.parse(tree, [notes])
    (notes / "Diving48_vocab.json").unlink()
    (notes / "Diving48_V2_train.json").write_text('[{"vid_name": "x", "label": "3"}]')
    with pytest.raises(SynaptError, match=r"Diving48_V2_train.json\[0\]: label '3' is not an integer"):
        diving48.parse(tree, [notes])
