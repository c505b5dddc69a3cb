"""HMDB51: the official `<class>_test_split<N>.txt` files (1 = train, 2 = test, 0 = unused), or PPMA lists.

Labels follow the alphabetical class order (`specs/hmdb51_classes.txt`); PPMA's own label numbers are mapped
to it through the class folders of its paths.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from synapt_hf.datasets.named import SplitNumberBuilder
from synapt_hf.datasets.registry import get_spec
from synapt_hf.datasets.split_files import (
    ParsedSplits,
    SplitEntry,
    check_class_names,
    find_ppma_lists,
    no_split_files,
    non_blank_lines,
    parse_folder_labelled_ppma,
    split_search_dirs,
)
from synapt_hf.errors import SynaptError

SPEC = get_spec("hmdb51")
CLASS_NAMES = SPEC.class_names
SEARCH_SUBDIRS = (
    "testTrainMulti_7030_splits",
    "test_train_splits",
    "splits",
    "annotations",
    SPEC.ppma_key,
    f"ppma/{SPEC.ppma_key}",
)
_MEMBERSHIP = {"1": "train", "2": "validation"}


def find_official_files(dirs: Sequence[Path], split_number: int) -> dict[str, Path]:
    """`{class: file}` of every `<class>_test_split<N>.txt` in `dirs`."""
    pattern = re.compile(rf"(.+)_test_split{split_number}\.txt")
    found: dict[str, Path] = {}
    for folder in dirs:
        candidates = [folder] if folder.is_file() else sorted(folder.iterdir()) if folder.is_dir() else []
        for file in candidates:
            match = pattern.fullmatch(file.name)
            if match and file.is_file():
                found.setdefault(match[1], file)
    return found


def read_official_file(path: Path, class_name: str, label: int) -> dict[str, list[SplitEntry]]:
    """One class's split file: `name.avi 1|2|0` lines; 0 (unused) entries are dropped."""
    out: dict[str, list[SplitEntry]] = {"train": [], "validation": []}
    for number, line in non_blank_lines(path):
        fields = line.split()
        origin = f"{path}:{number}"
        if len(fields) != 2 or fields[1] not in ("0", "1", "2"):
            raise SynaptError(f"{origin}: expected 'video_name.avi 0|1|2', got {line[:80]!r}")
        if fields[1] in _MEMBERSHIP:
            out[_MEMBERSHIP[fields[1]]].append(SplitEntry(f"{class_name}/{fields[0]}", label, origin))
    return out


def parse(root: Path, splits: Sequence[str | Path] | None = None, split_number: int = 1) -> ParsedSplits:
    """Find and parse HMDB51 split files (official first, else PPMA) under `splits` (or `root`)."""
    dirs = split_search_dirs(splits, root, SEARCH_SUBDIRS)
    official = find_official_files(dirs, split_number)
    if official:
        names = sorted(official)
        check_class_names(names, CLASS_NAMES, f"{SPEC.name} split files (*_test_split{split_number}.txt)")
        out: dict[str, list[SplitEntry]] = {"train": [], "validation": []}
        for label, name in enumerate(names):
            for split, entries in read_official_file(official[name], name, label).items():
                out[split].extend(entries)
        return ParsedSplits(
            list(CLASS_NAMES), out, f"official HMDB51 split {split_number}", [str(official[n]) for n in names]
        )
    ppma = find_ppma_lists(dirs)
    if ppma:
        return parse_folder_labelled_ppma(SPEC.name, CLASS_NAMES, ppma)
    raise no_split_files(
        SPEC.name,
        dirs,
        f"the 51 <class>_test_split{split_number}.txt files (official), or train.csv + val.csv (PPMA)",
    )


class HMDB51Builder(SplitNumberBuilder):
    """`synapt build-dataset hmdb51`: HMDB51 from the official split-N lists or PPMA's split 1 lists."""

    spec = SPEC

    def parse_splits(self) -> ParsedSplits:
        return parse(self.root, self.splits, self.split_number)
