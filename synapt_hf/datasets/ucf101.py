"""UCF101 split 1: the official `classInd.txt` + `trainlist0N.txt`/`testlist0N.txt`, or PPMA `train.csv`/`val.csv`."""

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
    find_split_file,
    folder_of,
    no_split_files,
    non_blank_lines,
    parse_folder_labelled_ppma,
    split_search_dirs,
)
from synapt_hf.errors import SynaptError

SPEC = get_spec("ucf101")
CLASS_NAMES = SPEC.class_names
SEARCH_SUBDIRS = ("ucfTrainTestlist", SPEC.ppma_key, f"ppma/{SPEC.ppma_key}", "splits", "annotations")


def read_class_index(path: Path) -> list[str]:
    """`classInd.txt`: `index name` lines, 1-based and contiguous; returns names in label order."""
    names: dict[int, str] = {}
    for number, line in non_blank_lines(path):
        match = re.fullmatch(r"\s*(\d+)\s+(\S+)\s*", line)
        if match is None:
            raise SynaptError(f"{path}:{number}: expected 'index ClassName', got {line[:80]!r}")
        index = int(match[1])
        if index in names:
            raise SynaptError(f"{path}:{number}: class index {index} listed twice")
        names[index] = match[2]
    if sorted(names) != list(range(1, len(names) + 1)):
        raise SynaptError(f"{path}: class indices must run 1..{len(names)} without gaps")
    return [names[i] for i in range(1, len(names) + 1)]


def read_official_list(path: Path, class_names: Sequence[str]) -> list[SplitEntry]:
    """`trainlist0N.txt` (`Class/v_x.avi label`) or `testlist0N.txt` (`Class/v_x.avi`): the label is the folder.

    A 1-based label column, when present, must agree with the folder's class.
    """
    index = {name: i for i, name in enumerate(class_names)}
    entries = []
    for number, line in non_blank_lines(path):
        fields = line.split()
        origin = f"{path}:{number}"
        if len(fields) not in (1, 2):
            raise SynaptError(f"{origin}: expected 'Class/v_name.avi [label]', got {line[:80]!r}")
        rel = fields[0]
        folder = folder_of(rel)
        if folder not in index:
            raise SynaptError(f"{origin}: folder {folder!r} is not a UCF101 class of classInd.txt")
        label = index[folder]
        if len(fields) == 2 and (not fields[1].isdigit() or int(fields[1]) - 1 != label):
            raise SynaptError(
                f"{origin}: label {fields[1]!r} disagrees with class {folder!r} (index {label + 1})"
            )
        entries.append(SplitEntry(rel, label, origin))
    return entries


def parse(root: Path, splits: Sequence[str | Path] | None = None, split_number: int = 1) -> ParsedSplits:
    """Find and parse UCF101 split files (official first, else PPMA) under `splits` (or `root`)."""
    dirs = split_search_dirs(splits, root, SEARCH_SUBDIRS)
    class_ind = find_split_file(dirs, ["classInd.txt"])
    train = find_split_file(dirs, [f"trainlist{split_number:02d}.txt"])
    test = find_split_file(dirs, [f"testlist{split_number:02d}.txt"])
    if class_ind and train and test:
        names = read_class_index(class_ind)
        check_class_names(names, CLASS_NAMES, str(class_ind))
        return ParsedSplits(
            list(names),
            {"train": read_official_list(train, names), "validation": read_official_list(test, names)},
            f"official UCF101 split {split_number}",
            [str(class_ind), str(train), str(test)],
        )
    ppma = find_ppma_lists(dirs)
    if ppma:
        return parse_folder_labelled_ppma(SPEC.name, CLASS_NAMES, ppma)
    raise no_split_files(
        SPEC.name,
        dirs,
        f"classInd.txt + trainlist{split_number:02d}.txt "
        f"+ testlist{split_number:02d}.txt (official), or train.csv + val.csv (PPMA)",
    )


class UCF101Builder(SplitNumberBuilder):
    """`synapt build-dataset ucf101`: UCF101 from the official split-N lists or PPMA's split 1 lists."""

    spec = SPEC

    def parse_splits(self) -> ParsedSplits:
        return parse(self.root, self.splits, self.split_number)
