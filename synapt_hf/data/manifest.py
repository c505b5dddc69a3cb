"""Split manifests: ``relative/path;label`` lines (PPMA) and ``class_folder/file`` lines (SynAPT).

Real split files have quirks that this reader accepts: CRLF line endings, a UTF-8 byte-order mark,
blank lines, file names that themselves contain ``;`` (the label is after the LAST ``;``), entries
without a file extension, and class names with trailing spaces in label files. Every error names
``file:line`` and the reason.

Resolving an entry to a file on disk (extension-less entries, ``PRE_`` prefixed variants) is done by
`VideoPathResolver`, shared by every dataset builder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from synapt_hf.constants import VIDEO_EXTENSIONS
from synapt_hf.errors import SynaptError

LabelSource = Literal["auto", "column", "folder"]

# Tried in this order for entries written without an extension.
# Suffixes tried for a listed name without one: lower case first, then upper case (case-sensitive disks).
CANDIDATE_EXTENSIONS = VIDEO_EXTENSIONS + tuple(ext.upper() for ext in VIDEO_EXTENSIONS)

_LABEL_COLUMN = re.compile(r"^(?P<path>.*);\s*(?P<label>[+-]?\d+)\s*$")


@dataclass(frozen=True)
class ManifestEntry:
    """One clip of a split file: its relative path as written, its integer label, and where it was read."""

    path: str
    label: int | None
    line: int
    source: str = "<manifest>"

    @property
    def location(self) -> str:
        """``file:line``, for messages."""
        return f"{self.source}:{self.line}"

    @property
    def folder(self) -> str:
        """The name of the folder holding the clip (``""`` for a bare file name)."""
        return PurePosixPath(self.path).parent.name


def read_text_lines(path: str | Path) -> list[str]:
    """The lines of a UTF-8 text file (BOM dropped, CR/LF/CRLF accepted, line ends stripped)."""
    file = Path(path)
    if not file.is_file():
        raise SynaptError(f"{file}: no such file")
    raw = file.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SynaptError(f"{file}:{line}: not UTF-8 text (byte {raw[exc.start]:#04x})") from exc
    return text.splitlines()


def read_labels_file(path: str | Path) -> list[str]:
    """Class names, one a line, in label order (surrounding spaces stripped, blank lines ignored)."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(read_text_lines(path), start=1):
        name = line.strip()
        if not name:
            continue
        if name in seen:
            raise SynaptError(f"{path}:{number}: duplicate class name {name!r} (first on line {seen[name]})")
        seen[name] = number
        names.append(name)
    if not names:
        raise SynaptError(f"{path}: no class names")
    return names


def _detect_label_source(lines: Sequence[str]) -> Literal["column", "folder"]:
    for line in lines:
        if line.strip():
            return "column" if _LABEL_COLUMN.match(line) else "folder"
    return "column"


def _clean_path(raw: str, location: str) -> str:
    text = raw.strip().replace("\\", "/")
    if not text:
        raise SynaptError(f"{location}: empty path")
    path = PurePosixPath(text)
    if path.is_absolute() or re.match(r"^[A-Za-z]:/", text):
        raise SynaptError(f"{location}: absolute path {text!r} (paths must be relative to the data root)")
    if ".." in path.parts:
        raise SynaptError(f"{location}: path {text!r} leaves the data root ('..')")
    return str(path)


def parse_manifest_lines(
    lines: Iterable[str],
    source: str = "<manifest>",
    label_source: LabelSource = "auto",
    folder_labels: Mapping[str, int] | Sequence[str] | None = None,
    num_classes: int | None = None,
) -> list[ManifestEntry]:
    """Parse manifest lines into entries; see `read_manifest`."""
    lines = list(lines)
    mode = _detect_label_source(lines) if label_source == "auto" else label_source
    if mode not in ("column", "folder"):
        raise SynaptError(f"label_source must be 'auto', 'column' or 'folder', got {label_source!r}")
    if folder_labels is not None and not isinstance(folder_labels, Mapping):
        folder_labels = {name: index for index, name in enumerate(folder_labels)}
    entries: list[ManifestEntry] = []
    for number, line in enumerate(lines, start=1):
        if line.startswith("\ufeff"):
            line = line[1:]
        if not line.strip():
            continue
        location = f"{source}:{number}"
        label: int | None
        if mode == "column":
            match = _LABEL_COLUMN.match(line)
            if match is None:
                raise SynaptError(
                    f"{location}: expected 'relative/path;label' with an integer label, got {line!r}"
                )
            path = _clean_path(match["path"], location)
            label = int(match["label"])
        else:
            path = _clean_path(line, location)
            label = None
            if folder_labels is not None:
                folder = PurePosixPath(path).parent.name
                if folder not in folder_labels:
                    raise SynaptError(f"{location}: folder {folder!r} of {path!r} is not a known class")
                label = int(folder_labels[folder])
        if label is not None:
            if label < 0:
                raise SynaptError(f"{location}: negative label {label}")
            if num_classes is not None and label >= num_classes:
                raise SynaptError(f"{location}: label {label} is out of range for {num_classes} classes")
        entries.append(ManifestEntry(path=path, label=label, line=number, source=source))
    return entries


def read_manifest(
    path: str | Path,
    label_source: LabelSource = "auto",
    folder_labels: Mapping[str, int] | Sequence[str] | None = None,
    num_classes: int | None = None,
) -> list[ManifestEntry]:
    """Read a split file into typed entries (blank lines skipped; line numbers are 1-based).

    `label_source`: ``"column"`` for ``relative/path;label`` lines (split on the last ``;``), ``"folder"``
    for ``class_folder/file`` lines, ``"auto"`` to decide from the first non-blank line. In folder mode the
    label comes from `folder_labels` (a folder-name -> label mapping, or class names in label order whose
    position is the label); without it the entry's label is None. `num_classes` bounds column labels.
    """
    return parse_manifest_lines(
        read_text_lines(path),
        source=str(path),
        label_source=label_source,
        folder_labels=folder_labels,
        num_classes=num_classes,
    )


class VideoPathResolver:
    """Find the file on disk for a manifest path under `root`.

    A path is tried as written; then, when its name has no video extension, with each of `extensions`
    appended; each of those also with every name prefix in `prefixes` (e.g. ``("PRE_",)``), and with
    any of those prefixes removed. Directory listings are cached, so resolving thousands of entries costs
    one listing per folder, not one ``stat`` per candidate.
    """

    def __init__(
        self,
        root: str | Path,
        extensions: Sequence[str] = CANDIDATE_EXTENSIONS,
        prefixes: Sequence[str] = (),
    ) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise SynaptError(f"{self.root}: data root is not a directory")
        self.extensions = tuple(extensions)
        self.prefixes = tuple(prefixes)
        self._listings: dict[str, frozenset[str]] = {}

    def _listing(self, folder: str) -> frozenset[str]:
        if folder not in self._listings:
            try:
                with os.scandir(self.root / folder) as entries:
                    self._listings[folder] = frozenset(entry.name for entry in entries if entry.is_file())
            except (FileNotFoundError, NotADirectoryError):
                self._listings[folder] = frozenset()
        return self._listings[folder]

    def candidates(self, relative: str) -> list[str]:
        """The file names tried for `relative` (in its folder), in order."""
        name = PurePosixPath(relative).name
        stems = [name]
        for prefix in self.prefixes:
            stems.append(name.removeprefix(prefix) if name.startswith(prefix) else prefix + name)
        has_extension = any(name.lower().endswith(ext.lower()) for ext in self.extensions)
        names: list[str] = []
        for stem in stems:
            names.append(stem)
            if not has_extension:
                names.extend(stem + ext for ext in self.extensions)
        return list(dict.fromkeys(names))

    def resolve(self, relative: str) -> Path | None:
        """The existing file for `relative`, or None."""
        folder = str(PurePosixPath(relative).parent)
        listing = self._listing(folder)
        for name in self.candidates(relative):
            if name in listing:
                return self.root / folder / name
        return None
