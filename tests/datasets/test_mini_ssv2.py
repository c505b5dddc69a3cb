"""Mini-SSV2: official SSV2 `labels.json` + `validation.json` (87 of 174 classes kept) and PPMA `val.csv`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from synapt_hf.data.format import load_video_dataset
from synapt_hf.datasets import mini_ssv2
from synapt_hf.datasets.builder import BuildOptions
from synapt_hf.errors import SynaptError

OUTSIDE = "Pushing something from right to left"  # an SSV2 class that is not in Mini-SSV2
CLIPS = {  # video id -> template as written in the SSV2 annotation files
    "169362": "Putting [something] on a surface",
    "172305": "Approaching [something] with your camera",
    "4242": "Pushing [something] from right to left",
}


@pytest.fixture
def tree(tmp_path: Path, make_video: Callable[..., Path]) -> Path:
    (tmp_path / "videos").mkdir()
    for video_id in CLIPS:
        make_video(f"videos/{video_id}.webm", num_frames=8, width=32, height=24, codec="libvpx")
    names = [*mini_ssv2.CLASS_NAMES, OUTSIDE]
    labels = {name: str(i) for i, name in enumerate(sorted(names))}
    (tmp_path / "labels.json").write_text(json.dumps(labels))
    items = [
        {"id": k, "label": v.replace("[", "").replace("]", ""), "template": v, "placeholders": ["x"]}
        for k, v in CLIPS.items()
    ]
    (tmp_path / "validation.json").write_text(json.dumps(items))
    return tmp_path


def test_official_annotations_keep_the_87_classes(tmp_path: Path, tree: Path) -> None:
    builder = mini_ssv2.MiniSSV2Builder(root=tree, size_check=False)
    builder.build(BuildOptions(out=tmp_path / "out"))
    validation = load_video_dataset(tmp_path / "out", split="validation")
    names = validation.features["label"].names
    assert len(names) == 87
    rows = sorted(
        (path, names[label]) for path, label in zip(validation["path"], validation["label"], strict=True)
    )
    assert rows == [
        ("videos/169362.webm", "Putting something on a surface"),
        ("videos/172305.webm", "Approaching something with your camera"),
    ]


def test_ppma_labels_are_checked_against_the_ssv2_templates(tmp_path: Path, tree: Path) -> None:
    ppma = tmp_path / "ppma"
    ppma.mkdir()
    putting = mini_ssv2.CLASS_NAMES.index("Putting something on a surface")
    (ppma / "val.csv").write_text(f"something2something-v2/videos/169362.webm;{putting}\r\n")
    parsed = mini_ssv2.parse(tree, [ppma, tree])
    assert [e.label for e in parsed.splits["validation"]] == [putting]
    (ppma / "val.csv").write_text(f"something2something-v2/videos/169362.webm;{putting + 1}\r\n")
    with pytest.raises(SynaptError, match=r"but .*validation\.json says 'Putting something on a surface'"):
        mini_ssv2.parse(tree, [ppma, tree])


def test_labels_json_missing_a_mini_class(tree: Path) -> None:
    (tree / "labels.json").write_text(json.dumps({"Approaching something with your camera": "0"}))
    with pytest.raises(SynaptError, match="86 Mini-SSV2 classes missing"):
        mini_ssv2.parse(tree, [tree])
