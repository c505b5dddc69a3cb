"""Mini-SSV2: the 87 Something-Something V2 classes of Chen et al. (2021), as evaluated by SynAPT/PPMA.

Reads the official SSV2 annotations (`labels.json` `{"Template": "id"}` and `train.json` /
`validation.json` lists of `{"id", "template", ...}`) keeping the clips of the 87 classes, or PPMA
`mini_ssv2/val.csv` (labels index the alphabetical 87-name table; checked against the official
annotations when those are given too). Videos are `<id>.webm`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from synapt_hf.datasets.named import NamedBuilder
from synapt_hf.datasets.registry import get_spec
from synapt_hf.datasets.split_files import (
    ParsedSplits,
    SplitEntry,
    find_split_file,
    no_split_files,
    normalize_name,
    read_path_label_file,
    split_search_dirs,
    strip_video_extension,
)
from synapt_hf.errors import SynaptError

SPEC = get_spec("mini-ssv2")
CLASS_NAMES = SPEC.class_names
SEARCH_SUBDIRS = ("labels", "annotations", SPEC.ppma_key, f"ppma/{SPEC.ppma_key}", "splits")


def template_name(template: str) -> str:
    """SSV2 writes placeholders as `[something]` in clip annotations and `something` in `labels.json`."""
    return template.replace("[", "").replace("]", "")


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise SynaptError(f"{path}: invalid JSON ({exc.msg} at line {exc.lineno})") from None


def read_labels_json(path: Path) -> dict[str, int]:
    """`labels.json`: `{"Template name": "id"}` for the 174 SSV2 classes."""
    data = _load_json(path)
    if not isinstance(data, dict):
        raise SynaptError(f"{path}: expected a JSON object {{'Template name': 'id'}}")
    try:
        return {name: int(value) for name, value in data.items()}
    except (TypeError, ValueError):
        raise SynaptError(f"{path}: every value must be an integer class id") from None


def read_annotations(path: Path, labels: dict[str, int]) -> dict[str, str]:
    """`train.json`/`validation.json`: `{video_id: class name}` for every clip (templates checked against `labels`)."""
    items = _load_json(path)
    if not isinstance(items, list):
        raise SynaptError(f"{path}: expected a JSON list of clips")
    known = {normalize_name(name): name for name in labels}
    out: dict[str, str] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict) or "id" not in item or "template" not in item:
            raise SynaptError(f"{path}[{i}]: expected an object with 'id' and 'template'")
        key = normalize_name(template_name(str(item["template"])))
        if key not in known:
            raise SynaptError(f"{path}[{i}]: template {item['template']!r} is not in labels.json")
        out[str(item["id"])] = known[key]
    return out


def _mini_entries(annotations: dict[str, str], origin: str) -> list[SplitEntry]:
    index = {normalize_name(name): i for i, name in enumerate(CLASS_NAMES)}
    entries = []
    for video_id, name in annotations.items():
        label = index.get(normalize_name(name))
        if label is not None:
            entries.append(
                SplitEntry(video_id, label, f"{origin} id {video_id}", alternatives=(f"videos/{video_id}",))
            )
    return entries


def _check_ppma(entries: list[SplitEntry], annotations: dict[str, str], what: str) -> None:
    """Every PPMA label must name the class the official annotation gives for that video."""
    for entry in entries:
        video_id = strip_video_extension(PurePosixPath(entry.path).name)
        official = annotations.get(video_id)
        if official is not None and normalize_name(official) != normalize_name(CLASS_NAMES[entry.label]):
            raise SynaptError(
                f"{entry.origin}: label {entry.label} ({CLASS_NAMES[entry.label]!r}) but {what} says {official!r}"
            )


def parse(root: Path, splits: Sequence[str | Path] | None = None) -> ParsedSplits:
    """Find and parse Mini-SSV2 split files (PPMA val.csv, else the official SSV2 JSON) under `splits` (or `root`)."""
    dirs = split_search_dirs(splits, root, SEARCH_SUBDIRS)
    labels_file = find_split_file(dirs, ["labels.json", "something-something-v2-labels.json"])
    train_file = find_split_file(dirs, ["train.json", "something-something-v2-train.json"])
    val_file = find_split_file(dirs, ["validation.json", "something-something-v2-validation.json"])
    ppma_val = find_split_file(dirs, ["val.csv"])
    labels = read_labels_json(labels_file) if labels_file else None
    if labels is not None:
        missing = [n for n in CLASS_NAMES if normalize_name(n) not in {normalize_name(k) for k in labels}]
        if missing:
            raise SynaptError(
                f"{labels_file}: {len(missing)} Mini-SSV2 classes missing, first {missing[0]!r}"
            )
    if ppma_val:
        out: dict[str, list[SplitEntry]] = {"validation": read_path_label_file(ppma_val)}
        files = [str(ppma_val)]
        ppma_train = find_split_file(dirs, ["train.csv"])
        if ppma_train:
            out["train"] = read_path_label_file(ppma_train)
            files.append(str(ppma_train))
        if labels is not None:
            for split, file in (("validation", val_file), ("train", train_file)):
                if file and split in out:
                    for entry in out[split]:
                        if not 0 <= entry.label < len(CLASS_NAMES):
                            raise SynaptError(
                                f"{entry.origin}: label {entry.label} outside 0..{len(CLASS_NAMES) - 1}"
                            )
                    _check_ppma(out[split], read_annotations(file, labels), str(file))
        return ParsedSplits(list(CLASS_NAMES), out, "PPMA mini-ssv2 lists", files)
    if labels is not None and val_file:
        out = {"validation": _mini_entries(read_annotations(val_file, labels), str(val_file))}
        if train_file:
            out["train"] = _mini_entries(read_annotations(train_file, labels), str(train_file))
        files = [str(f) for f in (labels_file, train_file, val_file) if f]
        return ParsedSplits(
            list(CLASS_NAMES), out, "official Something-Something V2 (87 Mini-SSV2 classes)", files
        )
    raise no_split_files(
        SPEC.name, dirs, "val.csv (PPMA) or labels.json + validation.json [+ train.json] (official SSV2)"
    )


class MiniSSV2Builder(NamedBuilder):
    """`synapt build-dataset mini-ssv2`."""

    spec = SPEC

    def parse_splits(self) -> ParsedSplits:
        return parse(self.root, self.splits)
