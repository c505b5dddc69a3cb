"""Diving48 V2: the official `Diving48_V2_{train,test}.json` + `Diving48_vocab.json`, or PPMA lists.

Class names join each vocabulary entry's takeoff, somersaults, twists and position with spaces
(`Back 15som 05Twis FREE`); the PPMA label numbers are the official ones (checked against the V2 JSON
when both are given).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from synapt_hf.datasets.named import NamedBuilder
from synapt_hf.datasets.registry import get_spec
from synapt_hf.datasets.split_files import (
    ParsedSplits,
    SplitEntry,
    check_class_names,
    find_split_file,
    no_split_files,
    read_path_label_file,
    split_search_dirs,
    strip_video_extension,
)
from synapt_hf.errors import SynaptError

SPEC = get_spec("diving48")
CLASS_NAMES = SPEC.class_names
SEARCH_SUBDIRS = ("annotations", SPEC.ppma_key, f"ppma/{SPEC.ppma_key}", "splits")


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise SynaptError(f"{path}: invalid JSON ({exc.msg} at line {exc.lineno})") from None


def read_vocab(path: Path) -> list[str]:
    """`Diving48_vocab.json`: a list of `[takeoff, somersaults, twists, position]`; returns joined names."""
    vocab = _load_json(path)
    if not isinstance(vocab, list) or not all(
        isinstance(v, list) and all(isinstance(x, str) for x in v) for v in vocab
    ):
        raise SynaptError(f"{path}: expected a JSON list of [takeoff, somersaults, twists, position] lists")
    return [" ".join(item) for item in vocab]


def read_v2_json(path: Path, num_classes: int) -> list[SplitEntry]:
    """`Diving48_V2_{train,test}.json`: a list of `{"vid_name", "label", "start_frame", "end_frame"}`."""
    items = _load_json(path)
    if not isinstance(items, list):
        raise SynaptError(f"{path}: expected a JSON list of clips")
    entries = []
    for i, item in enumerate(items):
        origin = f"{path}[{i}]"
        if not isinstance(item, dict) or "vid_name" not in item or "label" not in item:
            raise SynaptError(f"{origin}: expected an object with 'vid_name' and 'label'")
        label = item["label"]
        if not isinstance(label, int) or isinstance(label, bool):
            raise SynaptError(f"{origin}: label {label!r} is not an integer")
        entries.append(
            SplitEntry(str(item["vid_name"]), label, origin, alternatives=(f"rgb/{item['vid_name']}",))
        )
    return entries


def _check_against_v2(entries: list[SplitEntry], official: list[SplitEntry], what: str) -> None:
    labels = {strip_video_extension(Path(e.path).name): e.label for e in official}
    for entry in entries:
        key = strip_video_extension(Path(entry.path).name)
        if key in labels and labels[key] != entry.label:
            raise SynaptError(
                f"{entry.origin}: label {entry.label}, but {what} gives {labels[key]} for {key!r}"
            )


def parse(root: Path, splits: Sequence[str | Path] | None = None) -> ParsedSplits:
    """Find and parse Diving48 split files (official V2 JSON first, else PPMA) under `splits` (or `root`)."""
    dirs = split_search_dirs(splits, root, SEARCH_SUBDIRS)
    vocab_file = find_split_file(dirs, ["Diving48_vocab.json"])
    names = list(CLASS_NAMES)
    if vocab_file is not None:
        names = read_vocab(vocab_file)
        check_class_names(names, CLASS_NAMES, str(vocab_file))
    train = find_split_file(dirs, ["Diving48_V2_train.json"])
    test = find_split_file(dirs, ["Diving48_V2_test.json"])
    ppma_train = find_split_file(dirs, ["train.csv"])
    ppma_val = find_split_file(dirs, ["val.csv"])
    files = [str(f) for f in (vocab_file,) if f]
    if ppma_train and ppma_val:
        out = {"train": read_path_label_file(ppma_train), "validation": read_path_label_file(ppma_val)}
        if train and test:
            _check_against_v2(out["train"], read_v2_json(train, len(names)), str(train))
            _check_against_v2(out["validation"], read_v2_json(test, len(names)), str(test))
        return ParsedSplits(names, out, "PPMA diving48 lists", [*files, str(ppma_train), str(ppma_val)])
    if train and test:
        out = {"train": read_v2_json(train, len(names)), "validation": read_v2_json(test, len(names))}
        return ParsedSplits(names, out, "official Diving48 V2", [*files, str(train), str(test)])
    raise no_split_files(
        SPEC.name,
        dirs,
        "Diving48_V2_train.json + "
        "Diving48_V2_test.json (+ Diving48_vocab.json) (official), or train.csv + val.csv (PPMA)",
    )


class Diving48Builder(NamedBuilder):
    """`synapt build-dataset diving48`."""

    spec = SPEC

    def parse_splits(self) -> ParsedSplits:
        return parse(self.root, self.splits)
