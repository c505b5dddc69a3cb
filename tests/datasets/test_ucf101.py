"""UCF101: official classInd/trainlist/testlist and PPMA lists over a miniature raw tree of real videos."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import datasets
import pytest

from synapt_hf.data.format import load_video_dataset
from synapt_hf.data.torch_dataset import VideoClipDataset
from synapt_hf.datasets import ucf101
from synapt_hf.datasets.builder import BuildOptions
from synapt_hf.errors import SynaptError

CLIPS = {
    "train": [
        "ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01",
        "ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c02",
        "YoYo/v_YoYo_g09_c01",
    ],
    "validation": ["ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01", "YoYo/v_YoYo_g01_c01"],
}


@pytest.fixture
def raw(tmp_path: Path, make_video: Callable[..., Path]) -> Path:
    """`raw/<Class>/v_<Class>_gXX_cYY.avi` for the clips above (8 frames, 32x24, MPEG-4 in AVI)."""
    for rel in CLIPS["train"] + CLIPS["validation"]:
        (tmp_path / "raw" / rel).parent.mkdir(parents=True, exist_ok=True)
        make_video(f"raw/{rel}.avi", num_frames=8, width=32, height=24, codec="mpeg4")
    return tmp_path / "raw"


def write_official(folder: Path, train: list[str], test: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"{i} {name}" for i, name in enumerate(ucf101.CLASS_NAMES, start=1)]
    (folder / "classInd.txt").write_text("\r\n".join(lines) + "\r\n")
    index = {name: i for i, name in enumerate(ucf101.CLASS_NAMES, start=1)}
    (folder / "trainlist01.txt").write_text("".join(f"{r}.avi {index[r.split('/')[0]]}\n" for r in train))
    (folder / "testlist01.txt").write_text("".join(f"{r}.avi\n" for r in test))
    return folder


def write_ppma(folder: Path, splits: dict[str, list[str]], labels: dict[str, int] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    index = labels or {name: i for i, name in enumerate(ucf101.CLASS_NAMES)}
    for split, name in (("train", "train.csv"), ("validation", "val.csv")):
        text = "\n".join(f"{r};{index[r.split('/')[0]]}" for r in splits[split])  # no final newline
        (folder / name).write_text(text)
    return folder


def build(builder: ucf101.UCF101Builder, out: Path, **options) -> object:
    return builder.build(BuildOptions(out=out, **options))


def test_official_lists_build_a_dataset_the_loader_reads(tmp_path: Path, raw: Path) -> None:
    splits = write_official(tmp_path / "ucfTrainTestlist", CLIPS["train"], CLIPS["validation"])
    builder = ucf101.UCF101Builder(root=raw, splits=[str(splits)], size_check=False)
    result = build(builder, tmp_path / "out")
    assert {name: s.clips for name, s in result.splits.items()} == {"train": 3, "validation": 2}
    loaded = load_video_dataset(tmp_path / "out")
    assert loaded["train"].features["label"].names == list(ucf101.CLASS_NAMES)
    assert isinstance(loaded["train"].features["video"], datasets.Video)
    rows = sorted(zip(loaded["validation"]["path"], loaded["validation"]["label"], strict=True))
    assert rows == [("ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi", 0), ("YoYo/v_YoYo_g01_c01.avi", 100)]
    clip = VideoClipDataset(loaded["train"], num_frames=4, sampling_rate=1, transform=None)[0]
    assert tuple(clip["pixel_values"].shape[:2]) == (4, 3)
    assert clip["labels"] == 0


def test_ppma_lists_give_the_same_labels_as_the_official_ones(tmp_path: Path, raw: Path) -> None:
    official = ucf101.parse(raw, [write_official(tmp_path / "o", CLIPS["train"], CLIPS["validation"])])
    ppma = ucf101.parse(raw, [write_ppma(tmp_path / "p", CLIPS)])
    assert ppma.split_format.startswith("PPMA")
    for split in ("train", "validation"):
        a = sorted((e.path.removesuffix(".avi"), e.label) for e in official.splits[split])
        assert a == sorted((e.path, e.label) for e in ppma.splits[split])


def test_the_documented_sizes_are_required_unless_disabled(tmp_path: Path, raw: Path) -> None:
    splits = write_official(tmp_path / "s", CLIPS["train"], CLIPS["validation"])
    with pytest.raises(SynaptError, match="split 'train' has clips of 2 classes, documented 101"):
        ucf101.UCF101Builder(root=raw, splits=[str(splits)]).parsed()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: {**s, "train": [*s["train"], s["train"][0]]}, "duplicate entries"),
        (
            lambda s: {**s, "validation": [*s["validation"], s["train"][1]]},
            "is in both 'train' and 'validation'",
        ),
    ],
)
def test_bad_lists_are_clear_errors(tmp_path: Path, raw: Path, edit, message: str) -> None:
    splits = write_ppma(tmp_path / "p", edit(CLIPS))
    with pytest.raises(SynaptError, match=message):
        ucf101.UCF101Builder(root=raw, splits=[str(splits)], size_check=False).parsed()


def test_label_outside_range_and_folder_disagreement(tmp_path: Path, raw: Path) -> None:
    folder = tmp_path / "p"
    write_ppma(folder, CLIPS)
    (folder / "train.csv").write_text("YoYo/v_YoYo_g09_c01;101\n")
    with pytest.raises(SynaptError, match=r"label 101 outside the class range 0\.\.100"):
        ucf101.parse(raw, [folder])
    official = write_official(tmp_path / "o", CLIPS["train"], CLIPS["validation"])
    (official / "trainlist01.txt").write_text("YoYo/v_YoYo_g09_c01.avi 3\n")
    with pytest.raises(SynaptError, match=r"trainlist01.txt:1: label '3' disagrees with class 'YoYo'"):
        ucf101.parse(raw, [official])


def test_missing_files_over_the_threshold_fail_before_writing(tmp_path: Path, raw: Path) -> None:
    splits = write_official(tmp_path / "s", CLIPS["train"], CLIPS["validation"])
    (raw / f"{CLIPS['train'][2]}.avi").unlink()
    out = tmp_path / "out"
    builder = ucf101.UCF101Builder(root=raw, splits=[str(splits)], size_check=False)
    with pytest.raises(
        SynaptError, match=r"train: 1 of 3 listed clips \(33.33%\) not found .* first: YoYo/v_YoYo_g09_c01"
    ):
        build(builder, out)
    assert not out.exists()
    tolerant = ucf101.UCF101Builder(root=raw, splits=[str(splits)], size_check=False, max_missing=0.5)
    result = build(tolerant, out)
    assert result.splits["train"].clips == 2
    assert [b.path for b in result.bad] == [f"{CLIPS['train'][2]}.avi"]
    header, train, *_ = result.summary().splitlines()
    assert header.split() == ["split", "clips", "classes", "missing", "bad", "hours", "size"]
    assert train.split()[:5] == ["train", "2", "1", "1", "0"]  # clips, classes, missing, unreadable


def test_root_may_be_inside_the_listed_prefix(tmp_path: Path, raw: Path) -> None:
    """Paths with a dataset prefix resolve when --root is the folder below it; `.mp4` listed, `.avi` on disk."""
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "train.csv").write_text(
        "".join(f"UCF-101/{r}.mp4;{0 if 'Apply' in r else 100}\r\n" for r in CLIPS["train"])
    )
    (folder / "val.csv").write_text(
        "".join(f"UCF-101/{r};{0 if 'Apply' in r else 100}\r\n" for r in CLIPS["validation"])
    )
    collection = ucf101.UCF101Builder(root=raw, splits=[str(folder)], size_check=False).collect()
    assert len(collection.clips) == 5 and not collection.bad
