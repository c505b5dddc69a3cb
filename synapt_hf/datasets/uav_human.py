"""UAV-Human: the label is the action id of the `A###` field of each file name.

Reads PPMA `uav/{train,val}.csv` (whose label column must equal the `A###` field) or plain lists of
UAV-Human file names, one a line (`train.txt` / `test.txt` or `val.txt`). Adds a `subject` column (`P###`).
Class names are the action ids (`A000`...`A154`) unless a `class_names.txt` beside the split files gives the
155 official action names, one a line in id order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import ClassVar

from synapt_hf.datasets.named import NamedBuilder
from synapt_hf.datasets.registry import get_spec
from synapt_hf.datasets.split_files import (
    ParsedSplits,
    SplitEntry,
    find_split_file,
    no_split_files,
    non_blank_lines,
    read_name_list,
    read_path_label_file,
    split_search_dirs,
)
from synapt_hf.errors import SynaptError

SPEC = get_spec("uav-human")
CLASS_NAMES = SPEC.class_names
SEARCH_SUBDIRS = (SPEC.ppma_key, "uav_human", f"ppma/{SPEC.ppma_key}", "splits")
CLASS_NAMES_FILE = "class_names.txt"
# P070S01G10B00H10UC102000LC092000A031R0_09131758.avi (see the UAV-Human README)
FILE_NAME = re.compile(r"P(?P<subject>\d{3})S\d+G\d+B\d+H\d+UC\d+LC\d+A(?P<action>\d{3})R\d+_\d+")


def parse_file_name(path: str) -> tuple[int, str]:
    """`(action_id, subject)` from a UAV-Human file name; SynaptError when the name does not fit."""
    match = FILE_NAME.match(PurePosixPath(path).name)
    if match is None:
        raise SynaptError(
            f"{path!r}: not a UAV-Human file name (P###S##G##B##H##UC######LC######A###R#_########)"
        )
    return int(match["action"]), f"P{match['subject']}"


def _with_name_fields(entries: list[SplitEntry], check_column: bool) -> list[SplitEntry]:
    out = []
    for entry in entries:
        try:
            action, subject = parse_file_name(entry.path)
        except SynaptError as exc:
            raise SynaptError(f"{entry.origin}: {exc}") from None
        if check_column and entry.label != action:
            raise SynaptError(
                f"{entry.origin}: label {entry.label} disagrees with the file name's A{action:03d}"
            )
        out.append(SplitEntry(entry.path, action, entry.origin, {"subject": subject}))
    return out


def read_name_file(path: Path) -> list[SplitEntry]:
    """A plain list of UAV-Human video paths, one a line; labels come from the file names."""
    entries = [SplitEntry(line.strip(), -1, f"{path}:{n}") for n, line in non_blank_lines(path)]
    return _with_name_fields(entries, check_column=False)


def class_names(dirs: Sequence[Path]) -> tuple[list[str], list[str]]:
    """The official action names from `class_names.txt` in `dirs` (155, in id order), else the ids `A###`."""
    names_file = find_split_file(dirs, [CLASS_NAMES_FILE])
    if names_file is None:
        return list(CLASS_NAMES), []
    names = read_name_list(names_file)
    if len(names) != len(CLASS_NAMES):
        raise SynaptError(
            f"{names_file}: {len(names)} class names, but UAV-Human has {len(CLASS_NAMES)} actions "
            "(one name a line, in action-id order A000..A154)"
        )
    return names, [str(names_file)]


def parse(root: Path, splits: Sequence[str | Path] | None = None) -> ParsedSplits:
    """Parse PPMA lists (checked against the names) or plain name lists under `splits` (or `root`)."""
    dirs = split_search_dirs(splits, root, SEARCH_SUBDIRS)
    names, names_files = class_names(dirs)
    train = find_split_file(dirs, ["train.csv"])
    val = find_split_file(dirs, ["val.csv"])
    if train and val:
        out = {
            "train": _with_name_fields(read_path_label_file(train), check_column=True),
            "validation": _with_name_fields(read_path_label_file(val), check_column=True),
        }
        return ParsedSplits(names, out, "PPMA uav-human lists", [str(train), str(val), *names_files])
    train = find_split_file(dirs, ["train.txt", "train_list.txt"])
    val = find_split_file(dirs, ["test.txt", "val.txt", "test_list.txt", "val_list.txt"])
    if train and val:
        out = {"train": read_name_file(train), "validation": read_name_file(val)}
        return ParsedSplits(names, out, "UAV-Human file-name lists", [str(train), str(val), *names_files])
    raise no_split_files(
        SPEC.name, dirs, "train.csv + val.csv (PPMA) or train.txt + test.txt (one UAV-Human file name a line)"
    )


class UAVHumanBuilder(NamedBuilder):
    """`synapt build-dataset uav-human`."""

    spec = SPEC
    extra_columns: ClassVar[dict[str, str]] = {"subject": "string"}

    def parse_splits(self) -> ParsedSplits:
        return parse(self.root, self.splits)
