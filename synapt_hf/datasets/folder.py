"""The `folder` builder: a tree of class subfolders (the ``videofolder`` layout), or split manifests.

Layouts:

- ``ROOT/<class>/<clip>`` (any depth below the class folder): the class names are the sorted subfolder
  names (or the order of ``--labels``). Every non-hidden file is a candidate; files that are not videos
  are reported as bad files with the reason.
- ``--manifest [SPLIT=]FILE`` (repeatable): ``relative/path;label`` lines (PPMA) or ``class_folder/file``
  lines (SynAPT, labels from ``--labels``), paths relative to ROOT, extensions optional. Without
  ``SPLIT=``, a file named ``train*``/``val*``/``test*`` gives that split, any other file leaves the split
  to ``--split-by``.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections import defaultdict
from pathlib import Path, PurePosixPath
from typing import Any

from synapt_hf.data.manifest import ManifestEntry, VideoPathResolver, read_labels_file, read_manifest
from synapt_hf.datasets.builder import VideoDatasetBuilder
from synapt_hf.datasets.clip_collection import BadFile, Clip, ClipCollection, clips_from_manifest
from synapt_hf.errors import SynaptError
from synapt_hf.io import is_saved_dataset

log = logging.getLogger(__name__)

_SPLIT_ALIASES = {
    "train": "train",
    "val": "validation",
    "valid": "validation",
    "validation": "validation",
    "test": "test",
}


def split_of_manifest(spec: str) -> tuple[str | None, Path]:
    """Parse ``[SPLIT=]FILE``: the split (explicit, or guessed from the file name) and the file."""
    name, sep, file = spec.partition("=")
    if sep and name in _SPLIT_ALIASES:
        return _SPLIT_ALIASES[name], Path(file)
    if sep and name and "/" not in name and not Path(spec).exists():
        raise SynaptError(f"--manifest {spec!r}: unknown split {name!r} (use train, validation or test)")
    path = Path(spec)
    stem = path.stem.lower()
    for prefix, split in sorted(_SPLIT_ALIASES.items(), key=lambda item: -len(item[0])):
        if stem.startswith(prefix):
            return split, path
    return None, path


def infer_class_names(entries: list[ManifestEntry]) -> list[str]:
    """Class names for labelled entries without a labels file: each label's folder name when labels and
    folders correspond one to one, otherwise ``class_<label>``."""
    num_classes = max(entry.label for entry in entries if entry.label is not None) + 1
    folders: dict[int, set[str]] = defaultdict(set)
    for entry in entries:
        if entry.label is not None:
            folders[entry.label].add(entry.folder)
    names = [next(iter(folders[label])) if len(folders[label]) == 1 else "" for label in range(num_classes)]
    if all(names) and len(set(names)) == num_classes:
        return names
    return [f"class_{label}" for label in range(num_classes)]


def registered_display_name(name: str) -> str | None:
    """The card title (`pretty_name`) of the dataset spec whose name or PPMA key is a dataset folder's name
    (`weizmann` -> `Weizmann`, `ucf101` -> `UCF101 (split 1)`), None when no spec has that name."""
    from synapt_hf.datasets.registry import find_spec

    spec = find_spec(name)
    return spec.pretty_name if spec is not None else None


class FolderBuilder(VideoDatasetBuilder):
    """Build from a local folder of class subfolders, or from split manifests relative to a root."""

    name = "folder"
    pretty_name = "Local video folder"
    description = "Action clips from a local folder of videos, one subfolder (or manifest label) per class."
    license = "unknown"

    def __init__(
        self,
        root: str | Path,
        manifests: list[str] | None = None,
        labels: str | Path | None = None,
        name_prefixes: tuple[str, ...] = (),
        pretty_name: str | None = None,
        license: str | None = None,
    ) -> None:
        self.root = Path(root).expanduser()
        self.manifests = [split_of_manifest(spec) for spec in manifests or []]
        self.labels = Path(labels).expanduser() if labels is not None else None
        self.name_prefixes = tuple(name_prefixes)
        self.registered_name = registered_display_name(Path(os.path.abspath(self.root)).name)
        self.pretty_name = pretty_name or self.registered_name or type(self).pretty_name
        self.pretty_name_given = pretty_name is not None or self.registered_name is not None
        if license:
            self.license = license

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--root", required=True, help="the folder of class subfolders (or manifest paths' root)"
        )
        parser.add_argument(
            "--manifest",
            action="append",
            metavar="[SPLIT=]FILE",
            help="a split file of 'relative/path;label' or 'class_folder/file' lines (repeatable)",
        )
        parser.add_argument("--labels", metavar="FILE", help="class names, one a line, in label order")
        parser.add_argument(
            "--name-prefix",
            action="append",
            default=[],
            metavar="PREFIX",
            help="also try manifest file names with/without this prefix (e.g. PRE_)",
        )
        parser.add_argument(
            "--pretty-name",
            help="dataset name shown on the card (default: the registered display name of the root folder's "
            "name, e.g. Weizmann for .../weizmann; required with --push-to-hub for an unregistered name)",
        )

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> FolderBuilder:
        return cls(
            root=args.root,
            manifests=args.manifest,
            labels=args.labels,
            name_prefixes=tuple(args.name_prefix or ()),
            pretty_name=args.pretty_name,
            license=getattr(args, "license", None),
        )

    def check_push(self, repo_id: str) -> None:
        if not self.pretty_name_given:
            raise SynaptError(
                f"--push-to-hub {repo_id}: {self.root.name!r} is not a registered dataset name; give the card's "
                "title with --pretty-name"
            )

    def check(self) -> None:
        if not self.root.is_dir():
            raise SynaptError(f"--root {self.root}: not a directory")
        for _, file in self.manifests:
            if not file.is_file():
                raise SynaptError(f"--manifest {file}: no such file")
        if self.labels is not None and not self.labels.is_file():
            raise SynaptError(f"--labels {self.labels}: no such file")

    def card_details(self) -> dict[str, Any]:
        if self.manifests:
            listed = ", ".join(
                f"`{file.name}`" + (f" ({split})" if split else "") for split, file in self.manifests
            )
            return {"layout": f"split manifests {listed}, paths relative to the data root"}
        return {"layout": "one subfolder per class (`<root>/<class>/<clip>`)"}

    def collect(self) -> ClipCollection:
        return self._collect_manifests() if self.manifests else self._collect_folders()

    def _collect_folders(self) -> ClipCollection:
        class_dirs = sorted(p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))
        outputs = [p for p in class_dirs if is_saved_dataset(p)]
        if outputs:
            log.warning(
                "%s: saved dataset folder(s) skipped: %s", self.root, ", ".join(p.name for p in outputs)
            )
            class_dirs = [p for p in class_dirs if p not in outputs]
        loose = [p.name for p in self.root.iterdir() if p.is_file() and not p.name.startswith(".")]
        if loose:
            log.warning(
                "%s: %d file(s) directly under the root are not in a class folder and are ignored",
                self.root,
                len(loose),
            )
        files_of = {folder.name: _files_below(folder) for folder in class_dirs}
        empty = [name for name, files in files_of.items() if not files]
        if empty:
            log.warning("%s: class folder(s) without files skipped: %s", self.root, ", ".join(empty))
        if self.labels is not None:
            class_names = read_labels_file(self.labels)
            unknown = [name for name, files in files_of.items() if files and name not in class_names]
            if unknown:
                raise SynaptError(
                    f"--labels {self.labels}: class folder(s) {', '.join(unknown)} are not listed"
                )
        else:
            class_names = [name for name, files in files_of.items() if files]
        if not class_names:
            raise SynaptError(
                f"--root {self.root}: no class subfolders with files (expected ROOT/<class>/<video>)"
            )
        index = {name: i for i, name in enumerate(class_names)}
        clips = [
            Clip(file=file, path=file.relative_to(self.root).as_posix(), label=index[name])
            for name, files in files_of.items()
            if files
            for file in files
        ]
        return ClipCollection(class_names=class_names, clips=clips)

    def _collect_manifests(self) -> ClipCollection:
        names = read_labels_file(self.labels) if self.labels is not None else None
        per_split: list[tuple[str | None, list[ManifestEntry]]] = []
        for split, file in self.manifests:
            entries = read_manifest(file, folder_labels=names, num_classes=len(names) if names else None)
            unlabelled = [entry for entry in entries if entry.label is None]
            if unlabelled:
                raise SynaptError(
                    f"{unlabelled[0].location}: 'class_folder/file' lines need --labels FILE to map folders to labels"
                )
            per_split.append((split, entries))
        if names is None:
            names = infer_class_names([entry for _, entries in per_split for entry in entries])
        resolver = VideoPathResolver(self.root, prefixes=self.name_prefixes)
        clips: list[Clip] = []
        bad: list[BadFile] = []
        for split, entries in per_split:
            found, missing = clips_from_manifest(entries, resolver, split)
            clips.extend(found)
            bad.extend(missing)
        duplicates = _duplicates(clip.path for clip in clips)
        if duplicates:
            raise SynaptError(
                f"{len(duplicates)} file(s) listed more than once across manifests, e.g. {duplicates[0]}"
            )
        return ClipCollection(class_names=names, clips=clips, bad=bad)


def _files_below(folder: Path) -> list[Path]:
    """Every non-hidden regular file below `folder` (any depth), sorted by relative path."""
    found: list[Path] = []
    for directory, subdirs, files in os.walk(folder):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        found.extend(Path(directory) / name for name in files if not name.startswith("."))
    return sorted(found, key=lambda path: PurePosixPath(path.relative_to(folder).as_posix()))


def _duplicates(paths: Any) -> list[str]:
    seen: set[str] = set()
    repeated: list[str] = []
    for path in paths:
        if path in seen:
            repeated.append(path)
        seen.add(path)
    return repeated
