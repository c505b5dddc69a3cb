"""Every real SynAPT/PPMA split file parses completely and gives the documented class and clip counts.

Uses ``../shared/data/splits`` (skipped when absent): the same files users download from the official
SynAPT (mintjohnkim/SynAPT) and PPMA (howardzh01/PPMA) repositories.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from synapt_hf.datasets import (
    diving48,
    hmdb51,
    ikea_fa,
    kinetics150,
    mini_ssv2,
    synapt150,
    uav_human,
    ucf101,
)
from synapt_hf.datasets.registry import get_spec
from synapt_hf.datasets.split_files import check_documented, check_parsed, folder_of
from synapt_hf.errors import SynaptError

EXPECTED = {  # the numbers: (classes, {split: clips})
    "ucf101": (101, {"train": 9537, "validation": 3783}),
    "hmdb51": (51, {"train": 3570, "validation": 1530}),
    "diving48": (48, {"train": 15027, "validation": 1970}),
    "mini-ssv2": (87, {"validation": 11799}),
    "ikea-fa": (12, {"train": 1781, "validation": 163}),
    "uav-human": (155, {"train": 16285, "validation": 6191}),
    "synapt150": (150, {"validation": 12547}),
    "kinetics150": (150, {"validation": 7423}),
}
MODULES = {
    "ucf101": ucf101,
    "hmdb51": hmdb51,
    "diving48": diving48,
    "mini-ssv2": mini_ssv2,
    "ikea-fa": ikea_fa,
    "uav-human": uav_human,
    "synapt150": synapt150,
    "kinetics150": kinetics150,
}


@pytest.fixture(scope="module")
def splits_dir(shared_data: Path) -> Path:
    folder = shared_data / "splits"
    if not folder.is_dir():
        pytest.skip(f"{folder} not present")
    return folder


def parse(name: str, splits: list[Path], root: Path) -> object:
    module = MODULES[name]
    if name in ("synapt150", "kinetics150"):
        return module.parse(root, splits, include_train=False)
    return module.parse(root, splits)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_real_split_file_parses_with_the_documented_counts(
    name: str, splits_dir: Path, tmp_path: Path
) -> None:
    parsed = parse(name, [splits_dir], tmp_path)  # the top folder: each builder finds its own files
    classes, sizes = EXPECTED[name]
    assert parsed.num_classes == classes
    assert {split: len(entries) for split, entries in parsed.splits.items()} == sizes
    empty = set(get_spec(name).empty_classes)
    for entries in parsed.splits.values():
        assert {e.label for e in entries} == set(range(classes)) - empty
    check_parsed(name, parsed)
    check_documented(name, parsed)
    assert get_spec(name).split_sizes == sizes


def test_synapt_val_in_both_formats_agrees_and_has_every_source(splits_dir: Path, tmp_path: Path) -> None:
    synapt = synapt150.parse(tmp_path, [splits_dir / "synapt"], include_train=False).splits["validation"]
    ppma = synapt150.parse(tmp_path, [splits_dir / "ppma" / "sim150"], include_train=False).splits[
        "validation"
    ]
    assert {synapt150.clip_key(e.path): e.label for e in synapt} == {
        synapt150.clip_key(e.path): e.label for e in ppma
    }
    sources = Counter(e.extra["source"] for e in synapt)
    assert sources == {"surreact-ntu": 4986, "eldersim": 3680, "phav": 2195, "surreact-uestc": 1686}
    by_label = {e.label: folder_of(e.path) for e in synapt}
    assert by_label[0] == "a0" and by_label[39] == "a39"  # UESTC actions first, in syn_labels.txt order
    assert synapt150.CLASS_NAMES[0] == "punching and knee lifting"
    assert (
        by_label[synapt150.CLASS_NAMES.index("wiping off the dinning table")]
        == "wipping_off_the_dinning_table"
    )


def test_kinetics_val_in_both_formats_agrees(splits_dir: Path, tmp_path: Path) -> None:
    synapt = kinetics150.parse(tmp_path, [splits_dir / "synapt"], include_train=False).splits["validation"]
    ppma = kinetics150.parse(tmp_path, [splits_dir / "ppma" / "kinetics150"], include_train=False).splits[
        "validation"
    ]
    assert sorted((e.path, e.label) for e in synapt) == sorted(
        (e.path.removeprefix("val/").removesuffix(".mp4"), e.label) for e in ppma
    )


def test_ppma_label_numbers_map_to_the_official_class_order(splits_dir: Path, tmp_path: Path) -> None:
    """HMDB51 and the SynAPT sets use their own orders in PPMA; builders relabel through the folders."""
    entries = hmdb51.parse(tmp_path, [splits_dir / "ppma" / "hmdb51"]).splits["train"]
    assert all(hmdb51.CLASS_NAMES[e.label] == folder_of(e.path) for e in entries)
    entries = ucf101.parse(tmp_path, [splits_dir / "ppma" / "ucf101"]).splits["validation"]
    assert all(ucf101.CLASS_NAMES[e.label] == folder_of(e.path) for e in entries)
    entries = ikea_fa.parse(tmp_path, [splits_dir / "ppma" / "ikea_furniture"]).splits["validation"]
    assert all(ikea_fa.CLASS_NAMES[e.label] == folder_of(e.path) for e in entries)
    semicolons = [
        e for e in hmdb51.parse(tmp_path, [splits_dir / "ppma" / "hmdb51"]).splits["train"] if ";" in e.path
    ]
    assert len(semicolons) == 7  # names with ';' keep it: the label is after the last one


@pytest.mark.parametrize(
    ("name", "other", "message"),
    [
        ("ucf101", "hmdb51", "outside the class range|not one of the 101 known class names"),
        ("diving48", "uav", "outside the class range"),
        ("uav-human", "ucf101", "not a UAV-Human file name"),
        ("ikea-fa", "ucf101", "outside the class range"),
    ],
)
def test_a_split_file_for_another_dataset_is_a_clear_error(
    name: str, other: str, message: str, splits_dir: Path, tmp_path: Path
) -> None:
    with pytest.raises(SynaptError, match=message):
        parsed = MODULES[name].parse(tmp_path, [splits_dir / "ppma" / other])
        check_parsed(name, parsed)
