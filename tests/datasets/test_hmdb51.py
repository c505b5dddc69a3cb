"""HMDB51: the official `<class>_test_split1.txt` files (1 train, 2 test, 0 unused) and PPMA lists."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from synapt_hf.data.format import load_video_dataset
from synapt_hf.datasets import hmdb51
from synapt_hf.datasets.builder import BuildOptions
from synapt_hf.errors import SynaptError

# class -> [(video name, membership)]
LISTED = {
    "brush_hair": [
        ("April_09_brush_hair_u_nm_np1_ba_goo_0.avi", "1"),
        ("Brushing_Hair_2_brush_hair_h_nm_np2_le_goo_0.avi", "2"),
    ],
    "wave": [("wave_and_smile_wave_u_cm_np1_fr_med_1.avi", "1"), ("Hi_;-)_wave_f_nm_np1_ri_goo_0.avi", "2")],
    "talk": [("unused_talk_h_nm_np1_fr_goo_0.avi", "0")],
}


@pytest.fixture
def tree(tmp_path: Path, make_video: Callable[..., Path]) -> tuple[Path, Path]:
    """`raw/<class>/<name>.avi` for the listed train/test clips, and the 51 official split files."""
    splits = tmp_path / "testTrainMulti_7030_splits"
    splits.mkdir()
    for name in hmdb51.CLASS_NAMES:
        rows = LISTED.get(name, [])
        (splits / f"{name}_test_split1.txt").write_text("".join(f"{video} {m} \n" for video, m in rows))
        for video, membership in rows:
            if membership != "0":
                (tmp_path / "raw" / name).mkdir(parents=True, exist_ok=True)
                make_video(f"raw/{name}/{video}", num_frames=8, width=32, height=24, codec="mpeg4")
    return tmp_path / "raw", splits


def test_official_split_files_build_alphabetical_labels(tmp_path: Path, tree: tuple[Path, Path]) -> None:
    raw, _ = tree
    builder = hmdb51.HMDB51Builder(root=raw, splits=[str(tmp_path)], size_check=False)
    result = builder.build(BuildOptions(out=tmp_path / "out"))
    assert {k: v.clips for k, v in result.splits.items()} == {"train": 2, "validation": 2}
    validation = load_video_dataset(tmp_path / "out", split="validation")
    names = validation.features["label"].names
    assert names == sorted(names) and len(names) == 51
    assert sorted(names[label] for label in validation["label"]) == ["brush_hair", "wave"]
    assert "wave/Hi_;-)_wave_f_nm_np1_ri_goo_0.avi" in validation["path"]


def test_ppma_lists_map_their_own_label_order_to_the_alphabetical_one(
    tmp_path: Path, tree: tuple[Path, Path]
) -> None:
    raw, _ = tree
    folder = tmp_path / "ppma"
    folder.mkdir()
    # PPMA numbers classes in its own order (talk = 0, ...); paths have no extension.
    (folder / "train.csv").write_text(
        "brush_hair/April_09_brush_hair_u_nm_np1_ba_goo_0;10\r\nwave/wave_and_smile_wave_u_cm_np1_fr_med_1;17\r\n"
    )
    (folder / "val.csv").write_text("wave/Hi_;-)_wave_f_nm_np1_ri_goo_0;17\r\n")
    parsed = hmdb51.parse(raw, [folder])
    assert [(e.path, hmdb51.CLASS_NAMES[e.label]) for e in parsed.splits["validation"]] == [
        ("wave/Hi_;-)_wave_f_nm_np1_ri_goo_0", "wave")
    ]
    (folder / "val.csv").write_text("brush_hair/Brushing_Hair_2_brush_hair_h_nm_np2_le_goo_0;17\r\n")
    with pytest.raises(SynaptError, match="label 17 is folder 'brush_hair' here but 'wave' in another split"):
        hmdb51.parse(raw, [folder])


def test_bad_official_files(tmp_path: Path, tree: tuple[Path, Path]) -> None:
    raw, splits = tree
    (splits / "wave_test_split1.txt").write_text("wave_and_smile_wave_u_cm_np1_fr_med_1.avi 3\n")
    with pytest.raises(SynaptError, match=r"wave_test_split1.txt:1: expected 'video_name.avi 0\|1\|2'"):
        hmdb51.parse(raw, [splits])
    (splits / "wave_test_split1.txt").unlink()
    with pytest.raises(SynaptError, match="50 class names, expected 51"):
        hmdb51.parse(raw, [splits])
