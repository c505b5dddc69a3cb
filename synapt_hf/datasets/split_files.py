"""Shared parsing for split files: the SynAPT/PPMA lists and the checks every named builder runs.

A parser turns split files into a :class:`ParsedSplits`: class names in label order and, per split, a
list of :class:`SplitEntry` (the path as listed, the label, where it came from, extra columns). The
checks here raise :class:`~synapt_hf.errors.SynaptError` naming the file and line.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synapt_hf.constants import VIDEO_EXTENSIONS
from synapt_hf.data.manifest import (
    ManifestEntry,
    VideoPathResolver,
    read_labels_file,
    read_manifest,
    read_text_lines,
)
from synapt_hf.errors import SynaptError


@dataclass
class SplitEntry:
    """One listed clip: `path` as written in the list (maybe without extension), its label, its origin."""

    path: str
    label: int
    origin: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    alternatives: tuple[str, ...] = ()


@dataclass
class ParsedSplits:
    """What a parser returns: class names in label order and the entries of each split."""

    class_names: list[str]
    splits: dict[str, list[SplitEntry]]
    split_format: str
    files: list[str] = field(default_factory=list)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


def entries_from_manifest(manifest: Sequence[ManifestEntry]) -> list[SplitEntry]:
    """Our entries from the shared manifest reader's (which handles CRLF, BOM, ';' in names...)."""
    return [
        SplitEntry(path=m.path, label=-1 if m.label is None else m.label, origin=m.location) for m in manifest
    ]


def read_path_label_file(path: str | Path) -> list[SplitEntry]:
    """Entries of a PPMA `relative/path;label` file (the label follows the LAST ';')."""
    entries = entries_from_manifest(read_manifest(path, label_source="column"))
    if not entries:
        raise SynaptError(f"{path}: the split file has no entries")
    return entries


def read_name_list(path: str | Path) -> list[str]:
    """Class names one a line, in label order (`syn_labels.txt`, `kinetics_labels.txt`)."""
    return read_labels_file(path)


def non_blank_lines(path: str | Path) -> list[tuple[int, str]]:
    """`(line_number, text)` of the non-blank lines of a text file (BOM, CRLF, no final newline accepted)."""
    return [(n, line) for n, line in enumerate(read_text_lines(path), start=1) if line.strip()]


def check_no_duplicates(entries: Sequence[SplitEntry], what: str) -> None:
    """Fail on a clip listed twice (same path after removing the extension)."""
    counts = Counter(strip_video_extension(entry.path) for entry in entries)
    duplicates = [path for path, count in counts.items() if count > 1]
    if duplicates:
        first = next(e for e in entries if strip_video_extension(e.path) == duplicates[0])
        raise SynaptError(
            f"{what}: {len(duplicates)} duplicate entries, first {duplicates[0]!r} (at {first.origin}); "
            "each clip may be listed once"
        )


def check_label_range(entries: Iterable[SplitEntry], num_classes: int, what: str) -> None:
    """Fail on a label outside `[0, num_classes)`, naming the line."""
    for entry in entries:
        if not 0 <= entry.label < num_classes:
            raise SynaptError(
                f"{entry.origin or what}: label {entry.label} outside the class range 0..{num_classes - 1} "
                f"of {what} (is this a split file for another dataset?)"
            )


def check_split_disjoint(splits: dict[str, list[SplitEntry]], what: str) -> None:
    """Fail when a clip is in two splits."""
    seen: dict[str, str] = {}
    for split, entries in splits.items():
        for entry in entries:
            key = strip_video_extension(entry.path)
            if key in seen and seen[key] != split:
                raise SynaptError(
                    f"{what}: {entry.path!r} is in both {seen[key]!r} and {split!r} ({entry.origin})"
                )
            seen[key] = split


def folder_of(path: str, depth_from_end: int = 2) -> str:
    """The folder `depth_from_end - 1` levels above the file name (`a/b/c.mp4`, 2 -> `b`)."""
    parts = path.replace("\\", "/").split("/")
    if len(parts) < depth_from_end:
        raise SynaptError(f"{path!r}: expected a class folder in the path")
    return parts[-depth_from_end]


def names_from_folders(entries: Sequence[SplitEntry], what: str) -> dict[int, str]:
    """Map each label to the class folder of its entries, failing unless the mapping is one-to-one."""
    label_to_folder: dict[int, str] = {}
    folder_to_label: dict[str, int] = {}
    for entry in entries:
        folder = folder_of(entry.path)
        known = label_to_folder.setdefault(entry.label, folder)
        if known != folder:
            raise SynaptError(
                f"{entry.origin}: label {entry.label} is folder {folder!r} here but {known!r} elsewhere in {what}"
            )
        other = folder_to_label.setdefault(folder, entry.label)
        if other != entry.label:
            raise SynaptError(
                f"{entry.origin}: folder {folder!r} has label {entry.label} here but {other} elsewhere in {what}"
            )
    return label_to_folder


def normalize_name(name: str) -> str:
    """Compare class names loosely: case, `_`/`-`/space runs and surrounding blanks do not matter."""
    return re.sub(r"[\s_\-]+", " ", name.strip().lower()).strip()


def relabel_by_names(
    entries: Sequence[SplitEntry],
    label_names: dict[int, str],
    class_names: Sequence[str],
    what: str,
    aliases: dict[str, str] | None = None,
) -> list[SplitEntry]:
    """Relabel entries whose list labels name `label_names[label]` to the index of that name in `class_names`."""
    index = {normalize_name(name): i for i, name in enumerate(class_names)}
    aliases = {normalize_name(k): normalize_name(v) for k, v in (aliases or {}).items()}
    mapping: dict[int, int] = {}
    for label, name in label_names.items():
        key = normalize_name(name)
        key = aliases.get(key, key)
        if key not in index:
            raise SynaptError(
                f"{what}: class {name!r} (label {label}) is not one of the {len(class_names)} known class names"
            )
        mapping[label] = index[key]
    return [SplitEntry(e.path, mapping[e.label], e.origin, dict(e.extra)) for e in entries]


def check_class_names(given: Sequence[str], expected: Sequence[str], what: str) -> None:
    """Fail when a class-name file differs from the official table (count, then first difference)."""
    if len(given) != len(expected):
        raise SynaptError(f"{what}: {len(given)} class names, expected {len(expected)}")
    for i, (a, b) in enumerate(zip(given, expected, strict=True)):
        if normalize_name(a) != normalize_name(b):
            raise SynaptError(f"{what}: class {i} is {a!r}, expected {b!r}")


def optional_class_names(
    dirs: Sequence[Path], file_name: str, expected: Sequence[str]
) -> tuple[list[str], list[str]]:
    """Class names from a one-name-a-line `file_name` in `dirs`, checked against `expected`; else `expected`.

    Returns the names and the files read (empty when the list is absent).
    """
    labels_file = find_split_file(dirs, [file_name])
    if labels_file is None:
        return list(expected), []
    names = read_name_list(labels_file)
    check_class_names(names, expected, str(labels_file))
    return names, [str(labels_file)]


def strip_video_extension(path: str) -> str:
    """`x/y.mp4` -> `x/y`; names without a video extension are unchanged (`a.avi_v225_r00` stays)."""
    root, ext = os.path.splitext(path)
    return root if ext.lower() in VIDEO_EXTENSIONS else path


def find_split_file(candidates: Sequence[Path], names: Sequence[str]) -> Path | None:
    """The first `dir/name` (or a candidate that is itself such a file) that exists."""
    for candidate in candidates:
        if candidate.is_file() and candidate.name in names:
            return candidate
        if candidate.is_dir():
            for name in names:
                if (candidate / name).is_file():
                    return candidate / name
    return None


def find_ppma_lists(dirs: Sequence[Path]) -> dict[str, Path] | None:
    """PPMA's `train.csv` + `val.csv` in `dirs` as `{"train": ..., "validation": ...}`; None unless both exist."""
    train = find_split_file(dirs, ["train.csv"])
    val = find_split_file(dirs, ["val.csv"])
    return {"train": train, "validation": val} if train and val else None


def no_split_files(name: str, dirs: Sequence[Path], need: str) -> SynaptError:
    """The error of a parser that found none of its split files: where it looked and what it needs."""
    return SynaptError(f"{name}: no split files in {', '.join(map(str, dirs))}: need {need}")


def split_search_dirs(
    splits: Sequence[str | Path] | None, root: Path, subdirs: Sequence[str] = ()
) -> list[Path]:
    """Where to look for split files: the given files/dirs (and their `subdirs`), else the raw root."""
    bases = [Path(s) for s in splits] if splits else [root]
    found: list[Path] = []
    for base in bases:
        if base.is_file():
            found.append(base)
            continue
        if not base.exists():
            raise SynaptError(f"{base}: split file or folder not found")
        found.append(base)
        found.extend(base / sub for sub in subdirs if (base / sub).is_dir())
    return found


def check_documented(name: str, parsed: ParsedSplits, check_splits: bool = True) -> None:
    """Fail when counts differ from the documented numbers (the spec of `name`, `registry.get_spec`).

    The number of class names is always checked; with `check_splits`, every split must also have clips
    of every class and the documented number of clips.
    """
    from synapt_hf.datasets.registry import get_spec

    info = get_spec(name)
    if parsed.num_classes != info.num_classes:
        raise SynaptError(f"{name}: {parsed.num_classes} class names, documented {info.num_classes}")
    if not check_splits:
        return
    with_clips = info.num_classes - len(info.empty_classes)
    for split, entries in parsed.splits.items():
        classes = len({entry.label for entry in entries})
        if classes != with_clips:
            raise SynaptError(
                f"{name}: split {split!r} has clips of {classes} classes, documented {with_clips} "
                f"(from {parsed.split_format}; a split file for another dataset, or a truncated one? "
                "--no-size-check builds it anyway)"
            )
        expected = info.split_sizes.get(split)
        if expected is not None and len(entries) != expected:
            raise SynaptError(
                f"{name}: split {split!r} has {len(entries)} clips, documented {expected} "
                f"(from {parsed.split_format}); --no-size-check builds a partial list anyway"
            )


def check_parsed(name: str, parsed: ParsedSplits) -> None:
    """The structural checks every parser ends with: label range, duplicates, disjoint splits, non-empty."""
    for split, entries in parsed.splits.items():
        what = f"{name} {split} ({parsed.split_format})"
        if not entries:
            raise SynaptError(f"{what}: no clips")
        check_label_range(entries, parsed.num_classes, what)
        check_no_duplicates(entries, what)
    check_split_disjoint(parsed.splits, name)


def resolve_entry(resolver: VideoPathResolver, entry: SplitEntry) -> Path | None:
    """The file of `entry` under the resolver's root.

    Tries the listed path, its `alternatives`, the same without their video extension (another container
    on disk), then each with leading folders removed, so `--root` may be
    the folder the list is relative to or one inside it (`diving48/videos/x.mp4` under `.../diving48/videos`).
    """
    listed_paths = [entry.path, *entry.alternatives]
    listed_paths += [strip_video_extension(p) for p in listed_paths]  # `x.mp4` listed, `x.avi` on disk
    for listed in dict.fromkeys(listed_paths):
        parts = listed.replace("\\", "/").split("/")
        for start in range(len(parts)):
            found = resolver.resolve("/".join(parts[start:]))
            if found is not None:
                return found
    return None


def parse_folder_labelled_ppma(name: str, class_names: Sequence[str], files: dict[str, Path]) -> ParsedSplits:
    """PPMA lists whose paths hold the class folder: names come from the folders, relabelled to `class_names`."""
    splits: dict[str, list[SplitEntry]] = {}
    mapping: dict[int, str] = {}
    for split, file in files.items():
        entries = read_path_label_file(file)
        check_label_range(entries, len(class_names), f"{name} ({len(class_names)} classes)")
        for label, folder in names_from_folders(entries, str(file)).items():
            if mapping.setdefault(label, folder) != folder:
                raise SynaptError(
                    f"{file}: label {label} is folder {folder!r} here but {mapping[label]!r} in another split"
                )
        splits[split] = entries
    relabelled = {
        split: relabel_by_names(entries, mapping, class_names, f"{name} {files[split]}")
        for split, entries in splits.items()
    }
    return ParsedSplits(list(class_names), relabelled, f"PPMA {name} lists", [str(f) for f in files.values()])


def is_video_file(name: str) -> bool:
    """True for a file name with a known video extension (any case)."""
    return os.path.splitext(name)[1].lower() in VIDEO_EXTENSIONS


def scan_class_folders(base: Path, root: Path) -> dict[str, list[str]]:
    """`{folder name: [video paths relative to root]}` of the video files directly inside each folder of `base`."""
    if not base.is_dir():
        raise SynaptError(f"{base}: raw video folder not found")
    found: dict[str, list[str]] = {}
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        with os.scandir(folder) as items:
            videos = sorted(item.name for item in items if item.is_file() and is_video_file(item.name))
        if videos:
            found[folder.name] = [(folder / name).relative_to(root).as_posix() for name in videos]
    return found
