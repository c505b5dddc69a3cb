"""SynAPT-150: 150 synthetic action classes from ElderSim, PHAV and SURREACT (NTU RGB+D and UESTC renders).

Classes follow SynAPT `syn_labels.txt`. Class folders map to labels by name: `a0` .. `a39` are the 40
UESTC actions (labels 0-39, SURREACT's folder names), every other folder is its class name with `_`
for spaces (one official folder is spelled `wipping_off_the_dinning_table`). Validation comes from
SynAPT `sim150_val.txt` (`folder/file`, no extension) or PPMA `sim150/val.csv`; train is every other
video in the class folders of `ROOT/train/` (or of `ROOT` itself).

The `source` column is parsed from the file name (see `source_of`). Subsets for the class/clip ablations
are in `synapt_hf.datasets.synapt_subsets`.
"""

from __future__ import annotations

import argparse
import functools
import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

from synapt_hf.datasets.named import NamedBuilder
from synapt_hf.datasets.registry import get_spec
from synapt_hf.datasets.split_files import (
    ParsedSplits,
    SplitEntry,
    find_split_file,
    folder_of,
    names_from_folders,
    non_blank_lines,
    normalize_name,
    optional_class_names,
    read_path_label_file,
    scan_class_folders,
    split_search_dirs,
    strip_video_extension,
)
from synapt_hf.datasets.synapt_subsets import CLIPS_PER_CLASS_CHOICES, NUM_CLASSES_CHOICES, apply_subset
from synapt_hf.errors import SynaptError

SPEC = get_spec("synapt150")
CLASS_NAMES = SPEC.class_names
SEARCH_SUBDIRS = ("synapt", f"ppma/{SPEC.ppma_key}", SPEC.ppma_key, "splits")
NUM_UESTC_CLASSES = 40
FOLDER_ALIASES = {"wipping off the dinning table": "wiping off the dinning table"}
SOURCES = ("eldersim", "phav", "surreact-ntu", "surreact-uestc")

# File-name patterns of the four renders (extension removed), as found in `sim150_val.txt`:
SOURCE_PATTERNS = (
    # ElderSim / KIST SynADL: action, person, (generation) and camera ids.
    ("eldersim", re.compile(r"A\d+_P\d+_G\d+_C\d+")),
    # PHAV: b<id>-<World>-<Time>-<Weather>-<action>_<n>-<Actor>-<Camera>-<variation>-<hash>.
    ("phav", re.compile(r"b\d+-[A-Za-z]+-[A-Za-z]+-[A-Za-z]+-.+")),
    # SURREACT on NTU RGB+D motions: the NTU name SsssCcccPpppRrrrAaaa plus render view and repetition.
    ("surreact-ntu", re.compile(r"S\d{3}C\d{3}P\d{3}R\d{3}A\d{3}_v\d+_r\d+")),
    # SURREACT on UESTC motions: a<action>_d<n>_p<person>_c<camera>_color.avi + view/repetition, maybe PRE_.
    ("surreact-uestc", re.compile(r"(PRE_)*a\d+_d\d+_p\d+_c\d+_color\.avi_v\d+_r\d+")),
)


def source_of(path: str) -> str | None:
    """The render a SynAPT clip comes from, from its file name; None when no pattern fits."""
    stem = strip_video_extension(PurePosixPath(path).name)
    for source, pattern in SOURCE_PATTERNS:
        if pattern.fullmatch(stem):
            return source
    return None


def clip_key(path: str) -> str:
    """Identity of a clip across lists and trees: `folder/stem` without extension or `PRE_` prefixes."""
    stem = strip_video_extension(PurePosixPath(path).name)
    while stem.startswith("PRE_"):
        stem = stem[len("PRE_") :]
    return f"{folder_of(path)}/{stem}"


def folder_label(folder: str, names: Sequence[str]) -> int | None:
    """The label of a class folder (`a27` -> 27; `brushing_hair` -> index of `brushing hair`), or None."""
    match = re.fullmatch(r"a(\d+)", folder)
    if match:
        number = int(match[1])
        return number if number < NUM_UESTC_CLASSES else None
    key = normalize_name(folder)
    return _name_index(tuple(names)).get(FOLDER_ALIASES.get(key, key))


@functools.lru_cache(maxsize=8)
def _name_index(names: tuple[str, ...]) -> dict[str, int]:
    return {normalize_name(name): i for i, name in enumerate(names)}


def _label_entries(entries: list[SplitEntry], names: Sequence[str], what: str) -> list[SplitEntry]:
    out = []
    for entry in entries:
        folder = folder_of(entry.path)
        label = folder_label(folder, names)
        if label is None:
            raise SynaptError(f"{entry.origin}: folder {folder!r} is not a SynAPT-150 class ({what})")
        out.append(_with_source(SplitEntry(entry.path, label, entry.origin)))
    return out


def _with_source(entry: SplitEntry) -> SplitEntry:
    source = source_of(entry.path)
    if source is None:
        raise SynaptError(
            f"{entry.origin}: cannot tell the source of {entry.path!r} from its name "
            "(expected an ElderSim, PHAV, SURREACT-NTU or SURREACT-UESTC file name)"
        )
    return SplitEntry(
        entry.path, entry.label, entry.origin, {**entry.extra, "source": source}, entry.alternatives
    )


def read_synapt_val(path: Path, names: Sequence[str]) -> list[SplitEntry]:
    """`sim150_val.txt`: `folder/file` lines without extension; labels from the folders."""
    entries = [SplitEntry(line.strip(), -1, f"{path}:{n}") for n, line in non_blank_lines(path)]
    return _label_entries(entries, names, str(path))


def read_ppma_val(path: Path, names: Sequence[str]) -> list[SplitEntry]:
    """PPMA `sim150/val.csv`: its own label numbers must map one-to-one to folders; relabelled by folder."""
    entries = read_path_label_file(path)
    names_from_folders(entries, str(path))
    return _label_entries(entries, names, str(path))


def scan_train(root: Path, names: Sequence[str], exclude: set[str]) -> list[SplitEntry]:
    """Every video in the class folders of `ROOT/train/` (else `ROOT`) not in `exclude` (clip keys)."""
    base = root / "train" if (root / "train").is_dir() else root
    folders = scan_class_folders(base, root)
    unknown = [f for f in folders if folder_label(f, names) is None]
    if unknown:
        raise SynaptError(f"{base}: {len(unknown)} folders are not SynAPT-150 classes, first {unknown[0]!r}")
    entries = []
    for folder, paths in folders.items():
        label = folder_label(folder, names)
        for p in paths:
            if clip_key(p) not in exclude:
                entries.append(_with_source(SplitEntry(p, label, str(base / folder))))
    return entries


def parse(root: Path, splits: Sequence[str | Path] | None = None, include_train: bool = True) -> ParsedSplits:
    """Class names, validation list and (by scanning `root`) train clips of SynAPT-150."""
    dirs = split_search_dirs(splits, root, SEARCH_SUBDIRS)
    names, files = optional_class_names(dirs, "syn_labels.txt", CLASS_NAMES)
    synapt_val = find_split_file(dirs, ["sim150_val.txt"])
    ppma_val = find_split_file(dirs, ["val.csv"])
    if synapt_val is not None:
        val, fmt = read_synapt_val(synapt_val, names), "SynAPT sim150_val.txt"
        files.append(str(synapt_val))
    elif ppma_val is not None:
        val, fmt = read_ppma_val(ppma_val, names), "PPMA sim150/val.csv"
        files.append(str(ppma_val))
    else:
        raise SynaptError(
            f"{SPEC.name}: no validation list in {', '.join(map(str, dirs))}: need sim150_val.txt (SynAPT) or val.csv (PPMA)"
        )
    out = {"validation": val}
    if include_train:
        out["train"] = scan_train(root, names, {clip_key(e.path) for e in val})
        fmt += " + class folders of the raw root"
    return ParsedSplits(names, out, fmt, files)


class SynAPT150Builder(NamedBuilder):
    """`synapt build-dataset synapt150`: validation from the SynAPT/PPMA list, train from the class folders."""

    spec = SPEC
    extra_columns: ClassVar[dict[str, str]] = {"source": "string"}

    def __init__(
        self,
        *,
        num_classes: int | None = None,
        clips_per_class: int | None = None,
        seed: int = 0,
        include_train: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.clips_per_class = clips_per_class
        self.seed = seed
        self.include_train = include_train

    @classmethod
    def add_dataset_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--num-classes",
            type=int,
            choices=NUM_CLASSES_CHOICES,
            help="keep this many classes (a seeded, nested choice; default all 150)",
        )
        parser.add_argument(
            "--clips-per-class",
            type=int,
            choices=CLIPS_PER_CLASS_CHOICES,
            help="keep at most this many train clips per class, equal shares per source (default all)",
        )
        parser.add_argument(
            "--val-only",
            action="store_true",
            help="build only the validation split (no scan of the raw tree)",
        )

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> SynAPT150Builder:
        return cls(
            num_classes=args.num_classes,
            clips_per_class=args.clips_per_class,
            seed=getattr(args, "seed", 0),
            include_train=not args.val_only,
            **cls.common_kwargs(args),
        )

    def parse_splits(self) -> ParsedSplits:
        return parse(self.root, self.splits, include_train=self.include_train)

    def refine(self, parsed: ParsedSplits) -> ParsedSplits:
        if self.num_classes is None and self.clips_per_class is None:
            return parsed
        return apply_subset(parsed, self.num_classes, self.clips_per_class, self.seed)

    def card_details(self) -> dict[str, Any]:
        details = super().card_details()
        details["source column"] = (
            "parsed from file names: `A###_P###_G###_C###` eldersim, `b<id>-<World>-...` phav, "
            "`S###C###P###R###A###_v###_r##` surreact-ntu, `[PRE_]a##_d#_p###_c#_color.avi_v###_r##` surreact-uestc"
        )
        if self.num_classes or self.clips_per_class:
            details["subset"] = (
                f"{self.num_classes or 150} classes (seeded nested choice, seed {self.seed}), "
                f"{self.clips_per_class or 'all'} train clips per class in equal shares per source"
            )
        return details
