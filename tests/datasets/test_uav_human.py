"""UAV-Human: labels from the `A###` field of the file names; PPMA lists checked against it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from synapt_hf.data.format import load_video_dataset
from synapt_hf.datasets import uav_human
from synapt_hf.datasets.builder import BuildOptions
from synapt_hf.errors import SynaptError

TRAIN = [
    "P001S00G20B40H20UC072000LC021000A000R0_08241838.avi",
    "P090S02G10B00H10UC032000LC021000A154R0_09201601.avi",
]
VAL = ["P113S00G00B00H00UC000000LC000000A031R0_10011627.avi"]


@pytest.fixture
def raw(tmp_path: Path, make_video: Callable[..., Path]) -> Path:
    (tmp_path / "uav_human" / "videos").mkdir(parents=True)
    for name in TRAIN + VAL:
        make_video(f"uav_human/videos/{name}", num_frames=8, width=32, height=24, codec="mpeg4")
    return tmp_path


def test_file_name_fields() -> None:
    assert uav_human.parse_file_name("x/P070S01G10B00H10UC102000LC092000A031R0_09131758.avi") == (31, "P070")
    with pytest.raises(SynaptError, match="not a UAV-Human file name"):
        uav_human.parse_file_name("v_YoYo_g01_c01.avi")


def test_ppma_lists_build_with_subject_column(tmp_path: Path, raw: Path) -> None:
    splits = tmp_path / "uav"
    splits.mkdir()
    (splits / "train.csv").write_text("".join(f"uav_human/videos/{n};{int(n[33:36])}\r\n" for n in TRAIN))
    (splits / "val.csv").write_text("".join(f"uav_human/videos/{n};{int(n[33:36])}\r\n" for n in VAL))
    builder = uav_human.UAVHumanBuilder(
        root=raw / "uav_human" / "videos", splits=[str(tmp_path)], size_check=False
    )
    builder.build(BuildOptions(out=tmp_path / "out"))
    train = load_video_dataset(tmp_path / "out", split="train")
    assert sorted(zip(train["label"], train["subject"], strict=True)) == [(0, "P001"), (154, "P090")]
    assert train.features["label"].names[154] == "A154"
    (splits / "val.csv").write_text(f"uav_human/videos/{VAL[0]};5\r\n")
    with pytest.raises(SynaptError, match="label 5 disagrees with the file name's A031"):
        uav_human.parse(raw, [splits])


def test_plain_name_lists(tmp_path: Path, raw: Path) -> None:
    (tmp_path / "train.txt").write_text("\n".join(f"uav_human/videos/{n}" for n in TRAIN))
    (tmp_path / "test.txt").write_text(f"uav_human/videos/{VAL[0]}\n")
    parsed = uav_human.parse(raw, [tmp_path])
    assert [e.label for e in parsed.splits["validation"]] == [31]
    assert parsed.split_format == "UAV-Human file-name lists"


def test_official_action_names_replace_the_ids(tmp_path: Path, raw: Path) -> None:
    splits = tmp_path / "uav"
    splits.mkdir()
    (splits / "train.txt").write_text("".join(f"uav_human/videos/{n}\n" for n in TRAIN))
    (splits / "test.txt").write_text("".join(f"uav_human/videos/{n}\n" for n in VAL))
    names = [f"action number {i}" for i in range(155)]
    (splits / "class_names.txt").write_text("\n".join(names) + "\n")
    parsed = uav_human.parse(raw, [splits])
    assert parsed.class_names == names
    assert str(splits / "class_names.txt") in parsed.files
    (splits / "class_names.txt").write_text("\n".join(names[:150]) + "\n")
    with pytest.raises(SynaptError, match="150 class names, but UAV-Human has 155 actions"):
        uav_human.parse(raw, [splits])
