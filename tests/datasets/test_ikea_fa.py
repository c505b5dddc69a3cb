"""IkeaFA: PPMA lists with class folders, CRLF lines and upper-case `.MP4` names."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from synapt_hf.datasets import ikea_fa
from synapt_hf.datasets.builder import BuildOptions
from synapt_hf.errors import SynaptError


def test_ppma_lists_build_with_class_names(tmp_path: Path, make_video: Callable[..., Path]) -> None:
    clips = {
        "train": [
            "ikea_furniture/videos/spin_in/GOPR0086_00117_00294_05.MP4",
            "ikea_furniture/videos/flip_over/GOPR0001_1_2_01.MP4",
        ],
        "val": ["ikea_furniture/videos/spin_in/GOPR0022_04144_05129_09.MP4"],
    }
    for rel in clips["train"] + clips["val"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        make_video(rel.replace(".MP4", ".mp4"), num_frames=8, width=32, height=24)
        (tmp_path / rel.replace(".MP4", ".mp4")).rename(tmp_path / rel)
    splits = tmp_path / "ppma" / "ikea_furniture"
    splits.mkdir(parents=True)
    label = {"spin_in": 10, "flip_over": 8}
    for split, entries in clips.items():
        (splits / f"{split}.csv").write_text("".join(f"{r};{label[r.split('/')[-2]]}\r\n" for r in entries))
    builder = ikea_fa.IkeaFABuilder(root=tmp_path, splits=[str(tmp_path / "ppma")], size_check=False)
    result = builder.build(BuildOptions(out=tmp_path / "out"))
    assert result.class_names == list(ikea_fa.CLASS_NAMES)
    assert {k: v.clips for k, v in result.splits.items()} == {"train": 2, "validation": 1}
    with pytest.raises(SynaptError, match="split 'train' has clips of 2 classes, documented 12"):
        ikea_fa.IkeaFABuilder(root=tmp_path, splits=[str(splits)]).parsed()
    with pytest.raises(SynaptError, match=r"no train\.csv \+ val\.csv"):
        ikea_fa.parse(tmp_path, [tmp_path / "out"])
