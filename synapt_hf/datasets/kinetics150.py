"""Kinetics-150: the 150-class real subset of Kinetics-400 that SynAPT compares with SynAPT-150.

Classes: SynAPT `kinetics_labels.txt` (alphabetical; the packaged table when the file is not given).
Validation: SynAPT `kinetics150_val.txt` (`class name/youtubeid_start_end`, no extension), PPMA
`kinetics150/val.csv` (`val/class name/file.mp4;label`, relabelled through the class folders), or the
official Kinetics-400 `validate.csv`. Train: the official Kinetics-400 `train.csv`, else the class
folders of `ROOT/train/`. Official CSV rows (`label,youtube_id,time_start,time_end,split`) of the
other 250 classes are skipped.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from synapt_hf.datasets.named import NamedBuilder
from synapt_hf.datasets.registry import get_spec
from synapt_hf.datasets.split_files import (
    ParsedSplits,
    SplitEntry,
    find_split_file,
    folder_of,
    non_blank_lines,
    normalize_name,
    optional_class_names,
    parse_folder_labelled_ppma,
    read_text_lines,
    scan_class_folders,
    split_search_dirs,
)
from synapt_hf.errors import SynaptError

SPEC = get_spec("kinetics150")
CLASS_NAMES = SPEC.class_names
SEARCH_SUBDIRS = ("synapt", f"ppma/{SPEC.ppma_key}", SPEC.ppma_key, "annotations", "splits")
OFFICIAL_COLUMNS = ("label", "youtube_id", "time_start", "time_end")


def _class_index(names: Sequence[str]) -> dict[str, int]:
    return {normalize_name(name): i for i, name in enumerate(names)}


def _variants(relative: str, split_dir: str) -> tuple[str, ...]:
    """Other layouts of the same clip: under `split_dir/`, with `_` for spaces in the class folder."""
    folder, _, name = relative.rpartition("/")
    underscored = f"{folder.replace(' ', '_')}/{name}" if folder else relative
    variants = [underscored]
    if not relative.startswith(f"{split_dir}/"):
        variants += [f"{split_dir}/{relative}", f"{split_dir}/{underscored}"]
    return tuple(v for v in dict.fromkeys(variants) if v != relative)


def read_synapt_list(path: Path, names: Sequence[str], split_dir: str = "val") -> list[SplitEntry]:
    """`kinetics150_val.txt`: `class name/youtubeid_start_end` lines; the label is the folder's class."""
    index = _class_index(names)
    entries = []
    for number, line in non_blank_lines(path):
        rel = line.strip()
        origin = f"{path}:{number}"
        folder = folder_of(rel)
        label = index.get(normalize_name(folder))
        if label is None:
            raise SynaptError(
                f"{origin}: folder {folder!r} is not one of the {len(names)} Kinetics-150 classes"
            )
        entries.append(SplitEntry(rel, label, origin, alternatives=_variants(rel, split_dir)))
    return entries


def is_official_csv(path: Path) -> bool:
    """True when the file's header is the Kinetics `label,youtube_id,time_start,time_end,...` one."""
    lines = read_text_lines(path)
    header = [c.strip() for c in lines[0].split(",")] if lines else []
    return tuple(header[:4]) == OFFICIAL_COLUMNS


def read_official_csv(path: Path, names: Sequence[str], split_dir: str) -> list[SplitEntry]:
    """Rows of an official Kinetics-400 CSV whose label is one of `names`; file `id_SSSSSS_EEEEEE`."""
    index = _class_index(names)
    reader = csv.DictReader(io.StringIO("\n".join(read_text_lines(path))))
    entries = []
    for number, row in enumerate(reader, start=2):
        origin = f"{path}:{number}"
        try:
            label_name, video_id = row["label"], row["youtube_id"]
            start, end = int(float(row["time_start"])), int(float(row["time_end"]))
        except (KeyError, TypeError, ValueError):
            raise SynaptError(f"{origin}: expected label,youtube_id,time_start,time_end values") from None
        label = index.get(normalize_name(label_name))
        if label is None:
            continue
        stem = f"{video_id}_{start:06d}_{end:06d}"
        rel = f"{split_dir}/{label_name}/{stem}"
        entries.append(
            SplitEntry(rel, label, origin, alternatives=(f"{split_dir}/{stem}", f"{label_name}/{stem}", stem))
        )
    if not entries:
        raise SynaptError(f"{path}: no rows of the {len(names)} Kinetics-150 classes")
    return entries


def scan_train_folders(root: Path, names: Sequence[str]) -> list[SplitEntry]:
    """Train clips from `ROOT/train/<class>/` folders of the 150 classes (other Kinetics classes skipped)."""
    index = _class_index(names)
    entries = []
    for folder, paths in scan_class_folders(root / "train", root).items():
        label = index.get(normalize_name(folder))
        if label is not None:
            entries.extend(SplitEntry(p, label, f"{root / 'train' / folder}") for p in paths)
    if not entries:
        raise SynaptError(f"{root / 'train'}: no folder of the {len(names)} Kinetics-150 classes")
    return entries


def parse(root: Path, splits: Sequence[str | Path] | None = None, include_train: bool = True) -> ParsedSplits:
    """Find and parse the Kinetics-150 lists under `splits` (or `root`); see the module docstring."""
    dirs = split_search_dirs(splits, root, SEARCH_SUBDIRS)
    names, files = optional_class_names(dirs, "kinetics_labels.txt", CLASS_NAMES)
    out: dict[str, list[SplitEntry]] = {}
    synapt_val = find_split_file(dirs, ["kinetics150_val.txt"])
    official_val = find_split_file(dirs, ["validate.csv", "val.csv"])
    formats = []
    if synapt_val is not None:
        out["validation"] = read_synapt_list(synapt_val, names)
        files.append(str(synapt_val))
        formats.append("SynAPT kinetics150_val.txt")
    elif official_val is not None and is_official_csv(official_val):
        out["validation"] = read_official_csv(official_val, names, "val")
        files.append(str(official_val))
        formats.append("official Kinetics-400 CSV")
    elif official_val is not None:
        ppma = parse_folder_labelled_ppma(SPEC.name, names, {"validation": official_val})
        out["validation"] = [
            SplitEntry(e.path, e.label, e.origin, alternatives=_variants(e.path, "val"))
            for e in ppma.splits["validation"]
        ]
        files.append(str(official_val))
        formats.append("PPMA kinetics150 list")
    if include_train:
        official_train = find_split_file(dirs, ["train.csv"])
        if official_train is not None and is_official_csv(official_train):
            out["train"] = read_official_csv(official_train, names, "train")
            files.append(str(official_train))
            formats.append("official Kinetics-400 train CSV")
        elif (root / "train").is_dir():
            out["train"] = scan_train_folders(root, names)
            formats.append(f"class folders of {root / 'train'}")
    if "validation" not in out:
        raise SynaptError(
            f"{SPEC.name}: no validation list in {', '.join(map(str, dirs))}: need kinetics150_val.txt (SynAPT), "
            "val.csv (PPMA) or validate.csv (official Kinetics-400)"
        )
    return ParsedSplits(names, out, " + ".join(formats), files)


class Kinetics150Builder(NamedBuilder):
    """`synapt build-dataset kinetics150`: validation from the SynAPT/PPMA/official lists, train if found."""

    spec = SPEC

    def parse_splits(self) -> ParsedSplits:
        return parse(self.root, self.splits)
