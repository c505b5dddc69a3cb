"""What a builder collects: the clips to include, and the bad inputs found on the way."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synapt_hf.data.manifest import ManifestEntry, VideoPathResolver


@dataclass(frozen=True)
class Clip:
    """One raw video to put in the dataset.

    `file` is the file on disk, `path` the relative path stored in the dataset, `split` the split it
    belongs to (None until a split is decided), `origin` where it was listed (``train.csv:12``), and
    `extra` the builder's additional columns.
    """

    file: Path
    path: str
    label: int
    split: str | None = None
    origin: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BadFile:
    """An input left out of the dataset, and why (a missing file, a corrupt or non-video file...)."""

    path: str
    reason: str
    split: str | None = None

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class ClipCollection:
    """Everything a builder's `collect` found: class names in label order, clips, and bad inputs."""

    class_names: list[str]
    clips: list[Clip]
    bad: list[BadFile] = field(default_factory=list)


def clips_from_manifest(
    entries: Iterable[ManifestEntry],
    resolver: VideoPathResolver,
    split: str | None,
    label_of: dict[int, int] | None = None,
) -> tuple[list[Clip], list[BadFile]]:
    """Resolve manifest entries to files: found ones become clips, missing ones bad files (with file:line).

    Entries must carry a label (read the manifest with class names for folder-style lines). `label_of`
    optionally remaps manifest labels to dataset labels.
    """
    clips: list[Clip] = []
    bad: list[BadFile] = []
    for entry in entries:
        if entry.label is None:
            bad.append(BadFile(entry.path, f"listed in {entry.location} without a label", split))
            continue
        label = label_of[entry.label] if label_of is not None else entry.label
        file = resolver.resolve(entry.path)
        if file is None:
            bad.append(
                BadFile(entry.path, f"listed in {entry.location} but not found under {resolver.root}", split)
            )
            continue
        relative = file.relative_to(resolver.root).as_posix()
        clips.append(Clip(file=file, path=relative, label=label, split=split, origin=entry.location))
    return clips, bad
