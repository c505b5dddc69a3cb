"""Kinetics-150: SynAPT label/val lists, PPMA val.csv, official Kinetics-400 CSVs and train class folders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from synapt_hf.data.format import load_video_dataset
from synapt_hf.datasets import kinetics150
from synapt_hf.datasets.builder import BuildOptions
from synapt_hf.errors import SynaptError

VAL = ["peeling apples/erjpP2MAlOQ_000001_000011", "riding scooter/FiIUKB5hU9U_000001_000011"]
TRAIN = [
    "peeling apples/CxeoXzCdUDk_000047_000057",
    "abseiling/zzzzzzzzzzz_000000_000010",
]  # abseiling: not in K150


@pytest.fixture
def tree(tmp_path: Path, make_video: Callable[..., Path]) -> Path:
    """`raw/val/<class>/<id>.mp4`, `raw/train/<class>/<id>.mp4`, and the SynAPT label and val lists."""
    for split, rels in (("val", VAL), ("train", TRAIN)):
        for rel in rels:
            (tmp_path / "raw" / split / rel).parent.mkdir(parents=True, exist_ok=True)
            make_video(f"raw/{split}/{rel}.mp4", num_frames=8, width=40, height=24)
    lists = tmp_path / "synapt"
    lists.mkdir()
    (lists / "kinetics_labels.txt").write_text("\n".join(kinetics150.CLASS_NAMES) + "\n")
    (lists / "kinetics150_val.txt").write_text("\n".join(VAL))
    return tmp_path


def test_synapt_lists_and_train_folders_build(tmp_path: Path, tree: Path) -> None:
    builder = kinetics150.Kinetics150Builder(
        root=tree / "raw", splits=[str(tree)], size_check=False, short_side=16
    )
    result = builder.build(BuildOptions(out=tmp_path / "out"))
    assert {k: v.clips for k, v in result.splits.items()} == {"train": 1, "validation": 2}
    data = load_video_dataset(tmp_path / "out")
    names = data["validation"].features["label"].names
    assert sorted(names[label] for label in data["validation"]["label"]) == [
        "peeling apples",
        "riding scooter",
    ]
    assert data["train"]["path"] == ["train/peeling apples/CxeoXzCdUDk_000047_000057.mp4"]
    assert (data["validation"]["width"], data["validation"]["height"]) == ([26, 26], [16, 16])  # re-encoded
    assert (tmp_path / "out.reencode-cache" / "16").is_dir()


def test_ppma_and_official_csv_formats(tmp_path: Path, tree: Path) -> None:
    ppma = tmp_path / "ppma"
    ppma.mkdir()
    (ppma / "val.csv").write_text("".join(f"val/{rel}.mp4;{i + 7}\n" for i, rel in enumerate(VAL)))
    parsed = kinetics150.parse(tree / "raw", [ppma], include_train=False)
    assert sorted(kinetics150.CLASS_NAMES[e.label] for e in parsed.splits["validation"]) == [
        "peeling apples",
        "riding scooter",
    ]
    official = tmp_path / "k400"
    official.mkdir()
    header = "label,youtube_id,time_start,time_end,split,is_cc\n"
    (official / "validate.csv").write_text(
        header + "peeling apples,erjpP2MAlOQ,1,11,val,0\nabseiling,aaa,0,10,val,0\n"
    )
    (official / "train.csv").write_text(header + "peeling apples,CxeoXzCdUDk,47,57,train,0\n")
    parsed = kinetics150.parse(tree / "raw", [official])
    assert [(e.path, e.label) for e in parsed.splits["validation"]] == [
        ("val/peeling apples/erjpP2MAlOQ_000001_000011", kinetics150.CLASS_NAMES.index("peeling apples"))
    ]
    collection = kinetics150.Kinetics150Builder(
        root=tree / "raw", splits=[str(official)], size_check=False
    ).collect()
    assert sorted(c.path for c in collection.clips) == [
        "train/peeling apples/CxeoXzCdUDk_000047_000057.mp4",
        "val/peeling apples/erjpP2MAlOQ_000001_000011.mp4",
    ]


def test_unknown_class_folder_in_the_val_list(tree: Path) -> None:
    (tree / "synapt" / "kinetics150_val.txt").write_text("abseiling/x_000000_000010\n")
    with pytest.raises(SynaptError, match=r"kinetics150_val.txt:1: folder 'abseiling' is not one of the 150"):
        kinetics150.parse(tree / "raw", [tree])
