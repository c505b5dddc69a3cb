"""The machinery every dataset builder shares: collect -> split -> probe -> embed -> save -> (push).

A builder subclasses `VideoDatasetBuilder`, declares its metadata (name, license, citation...) and CLI
arguments, and implements `collect()`; `build()` does the rest:

1. check the options (output folder, repo id, token, split settings) before any expensive work;
2. `collect()` lists the clips with labels (and the bad inputs it already knows about, e.g. manifest
   lines pointing at missing files);
3. probe every file and check it is complete (in a process pool with ``num_proc > 1``); unusable files
   are reported with the reason and left out, or, with ``strict``, stop the build before anything is
   written;
4. decide train/validation among the usable clips (splits given by the builder, or by ratio, or by a
   group key), so a bad file never takes a validation slot;
5. write each split to Arrow in batches (video bytes embedded; memory stays bounded), then save the
   `DatasetDict` atomically to ``out`` (a temporary sibling folder renamed at the end);
6. optionally push parquet shards plus a rendered dataset card to the Hub.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from synapt_hf.datasets.clip_collection import BadFile, Clip, ClipCollection
from synapt_hf.datasets.train_val_split import (
    TRAIN,
    VALIDATION,
    compile_group_pattern,
    group_split,
    ratio_split,
)
from synapt_hf.errors import SynaptError

if TYPE_CHECKING:
    from synapt_hf.data.video import VideoInfo

log = logging.getLogger(__name__)

SPLIT_METHODS = ("auto", "none", "ratio", "group")
SPLIT_ORDER = ("train", "validation", "test")


@dataclass
class BuildOptions:
    """Options common to every builder (the `synapt build-dataset` flags)."""

    out: Path
    num_proc: int = 1
    strict: bool = False
    overwrite: bool = False
    split_by: str = "auto"
    val_ratio: float = 0.2
    seed: int = 0
    group_pattern: str | None = None
    val_groups: tuple[str, ...] | None = None  # explicit validation groups of --split-by group
    push_to_hub: str | None = None
    private: bool = False
    license: str | None = None  # the card's Hub licence id; required with push_to_hub ("unknown" is explicit)
    batch_size: int = 32
    verify: bool = True  # also check every file is complete (all declared frames present)
    quiet: bool = False  # no progress bars while probing and embedding (they show on a terminal only)
    command: str | None = None  # the command line, recorded in the dataset card

    def __post_init__(self) -> None:
        self.out = Path(self.out).expanduser()

    def check(self) -> None:
        """Raise SynaptError for any invalid option, before any file is probed."""
        if self.split_by not in SPLIT_METHODS:
            raise SynaptError(f"--split-by must be one of {', '.join(SPLIT_METHODS)}, got {self.split_by!r}")
        if self.split_by in ("ratio", "group") and not 0.0 < self.val_ratio < 1.0:
            raise SynaptError(f"--val-ratio must be strictly between 0 and 1, got {self.val_ratio}")
        if self.split_by == "group":
            if not self.group_pattern:
                raise SynaptError("--split-by group needs --group-pattern REGEX, e.g. '^(?P<group>[^_]+)_'")
            compile_group_pattern(self.group_pattern)
        elif self.group_pattern:
            raise SynaptError("--group-pattern is only used with --split-by group")
        if self.val_groups and self.split_by != "group":
            raise SynaptError("--val-groups is only used with --split-by group")
        if self.num_proc < 1:
            raise SynaptError(f"--num-proc must be at least 1, got {self.num_proc}")
        if self.batch_size < 1:
            raise SynaptError(f"batch size must be at least 1, got {self.batch_size}")
        if self.out.exists() and not self.out.is_dir():
            raise SynaptError(f"--out {self.out}: exists and is not a directory")
        if self.out.is_dir() and any(self.out.iterdir()) and not self.overwrite:
            raise SynaptError(
                f"--out {self.out}: directory exists and is not empty (pass --overwrite to replace it)"
            )
        if self.license is not None and not self.license.strip():
            raise SynaptError(
                "--license: empty licence id (use a Hub licence id such as cc-by-4.0, or unknown)"
            )
        if self.push_to_hub is not None:
            from synapt_hf.datasets.push import check_push_target
            from synapt_hf.hub.repo_ids import validate_repo_id

            validate_repo_id(self.push_to_hub, "--push-to-hub")
            if self.license is None:
                raise SynaptError(
                    f"--push-to-hub {self.push_to_hub}: --license is required (a Hub licence id such as "
                    "cc-by-4.0 or other, or --license unknown when the terms are not known)"
                )
            check_push_target(self.push_to_hub)


@dataclass
class SplitSummary:
    """What ended up in one split."""

    name: str
    clips: int
    classes: int
    bad: int
    hours: float
    bytes_on_disk: int


@dataclass
class BuildResult:
    """The outcome of a build: where it was saved, per-split summaries, and every bad input."""

    out: Path
    class_names: list[str]
    splits: dict[str, SplitSummary]
    bad: list[BadFile]
    pushed_to: str | None = None
    class_counts: dict[str, Counter[int]] = field(default_factory=dict)
    split_method: str = (
        "none"  # how train/validation were decided: "none" (given by the source), "ratio", "group"
    )
    group_pattern: str | None = None
    extra_columns: list[str] = field(default_factory=list)
    features: Any = None  # the `datasets.Features` of every split

    def summary(self) -> str:
        """A table: one row per split (clips, classes, bad files, hours, size on disk), then a total."""
        header = f"{'split':<12} {'clips':>7} {'classes':>7} {'bad':>5} {'hours':>8} {'size':>10}"
        rows = [header]
        for item in self.splits.values():
            rows.append(
                f"{item.name:<12} {item.clips:>7} {item.classes:>7} {item.bad:>5} {item.hours:>8.3f} "
                f"{format_size(item.bytes_on_disk):>10}"
            )
        total_bad = len(self.bad)
        rows.append(
            f"{'total':<12} {sum(s.clips for s in self.splits.values()):>7} {len(self.class_names):>7} "
            f"{total_bad:>5} {sum(s.hours for s in self.splits.values()):>8.3f} "
            f"{format_size(sum(s.bytes_on_disk for s in self.splits.values())):>10}"
        )
        return "\n".join(rows)


def format_size(num_bytes: int) -> str:
    size = float(num_bytes)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


class VideoDatasetBuilder(ABC):
    """Base class of the dataset builders (`folder`, the SynAPT sets...).

    Subclasses set the class attributes below, add their own CLI flags in `add_arguments`, construct
    themselves from parsed flags in `from_args`, and implement `collect`. Register a builder with one line
    in `synapt_hf.datasets.BUILDERS`.
    """

    name: ClassVar[str]
    pretty_name: ClassVar[str]
    description: ClassVar[str]  # one paragraph for the dataset card: what the clips are
    homepage: ClassVar[str | None] = None
    license: ClassVar[str] = "unknown"  # a Hub license id (apache-2.0, cc-by-4.0, other, unknown...)
    citation: ClassVar[str | None] = None  # BibTeX of the original dataset
    default_split_by: ClassVar[str] = "ratio"  # what --split-by auto means when collect() gives no splits
    default_group_pattern: ClassVar[str | None] = None

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """Add this builder's own flags (e.g. ``--root``) to its `build-dataset` sub-parser."""
        return None

    @classmethod
    @abstractmethod
    def from_args(cls, args: argparse.Namespace) -> VideoDatasetBuilder:
        """Construct the builder from parsed flags (raise SynaptError for bad values)."""

    @abstractmethod
    def collect(self) -> ClipCollection:
        """List every clip with its label (and split, if the source defines one) plus known bad inputs."""

    def check(self) -> None:
        """Cheap validation of the builder's own inputs (paths exist...), run before anything else."""
        return None

    def check_push(self, repo_id: str) -> None:
        """Checks of the builder's card metadata before anything is built for pushing to `repo_id`."""
        return None

    def extra_features(self) -> dict[str, Any]:
        """`datasets` features of this builder's extra columns (the keys of `Clip.extra`)."""
        return {}

    def card_details(self) -> dict[str, Any]:
        """Builder-specific facts for the dataset card (source, layout...)."""
        return {}

    def build(self, options: BuildOptions) -> BuildResult:
        """Run the whole pipeline; see the module docstring."""
        return build_dataset(self, options)


def split_method(
    builder: VideoDatasetBuilder, clips: list[Clip], options: BuildOptions
) -> tuple[str, str | None]:
    """The split method a build uses ("none", "ratio" or "group") and its group pattern."""
    method = options.split_by
    if method == "auto":
        method = "none" if any(clip.split is not None for clip in clips) else builder.default_split_by
    pattern = options.group_pattern or builder.default_group_pattern
    if method == "group" and not pattern:
        raise SynaptError("--split-by group needs --group-pattern REGEX")
    return method, (pattern if method == "group" else None)


def assign_splits(
    clips: list[Clip],
    method: str,
    pattern: str | None,
    val_ratio: float,
    seed: int,
    val_groups: tuple[str, ...] | None = None,
) -> list[Clip]:
    """Set every clip's split: keep the source's splits ("none"), or carve validation out of train."""
    if method == "none":
        return [clip if clip.split is not None else replace(clip, split=TRAIN) for clip in clips]
    if any(clip.split == VALIDATION for clip in clips):
        raise SynaptError(f"--split-by {method}: the source already defines a validation split")
    pool = [clip for clip in clips if clip.split in (None, TRAIN)]
    kept = [clip for clip in clips if clip.split not in (None, TRAIN)]
    if method == "ratio":
        return kept + ratio_split(pool, val_ratio, seed)
    return kept + group_split(pool, compile_group_pattern(pattern or ""), val_ratio, seed, val_groups)


def _check_inputs_outside_output(clips: list[Clip], out: Path) -> None:
    """Refuse an ``--out`` that holds input files: replacing it (``--overwrite``) would delete the raw data."""
    out_dir = os.path.abspath(out) + os.sep
    inside = [clip for clip in clips if os.path.abspath(clip.file).startswith(out_dir)]
    if inside:
        raise SynaptError(
            f"--out {out}: contains {len(inside)} input file(s), e.g. {inside[0].file}; choose an output folder "
            "outside the raw data"
        )


def _probe(
    clips: list[Clip], num_proc: int, verify: bool, quiet: bool = False
) -> tuple[list[tuple[Clip, VideoInfo]], list[BadFile]]:
    from synapt_hf.data.video import VideoInfo  # PyAV: imported when a build runs, not by `synapt --help`
    from synapt_hf.datasets.probing import probe_files

    results = probe_files([clip.file for clip in clips], num_proc=num_proc, verify=verify, quiet=quiet)
    good: list[tuple[Clip, VideoInfo]] = []
    bad: list[BadFile] = []
    for clip, result in zip(clips, results, strict=True):
        if isinstance(result, VideoInfo):
            good.append((clip, result))
        else:
            bad.append(BadFile(clip.path, result, clip.split))
    return good, bad


def _write_split(
    items: list[tuple[Clip, VideoInfo]], features: Any, arrow_path: Path, batch_size: int, quiet: bool = False
) -> tuple[list[BadFile], float]:
    """Write one split to an Arrow file in batches; return unreadable files and total hours."""
    import pyarrow as pa
    from datasets.arrow_writer import ArrowWriter

    from synapt_hf.data import format as fmt
    from synapt_hf.progress import progress_bar

    bad: list[BadFile] = []
    seconds = 0.0
    schema = features.arrow_schema
    columns = list(features)
    bar = progress_bar(total=len(items), desc=f"embedding {arrow_path.stem}", unit="clip", quiet=quiet)
    with bar, ArrowWriter(path=str(arrow_path), features=features) as writer:
        for start in range(0, len(items), batch_size):
            rows: list[dict[str, Any]] = []
            for clip, info in items[start : start + batch_size]:
                try:
                    data = clip.file.read_bytes()
                except OSError as exc:
                    bad.append(
                        BadFile(clip.path, f"cannot read the file ({exc.strerror or exc})", clip.split)
                    )
                    continue
                row = {
                    fmt.VIDEO: fmt.video_value(data, clip.path),
                    fmt.LABEL: clip.label,
                    **fmt.info_columns(info),
                    fmt.PATH: clip.path,
                    **clip.extra,
                }
                rows.append({name: row.get(name) for name in columns})
                seconds += info.duration
            if rows:
                # Built as an Arrow table directly: `Video.encode_example` would drop the bytes of a
                # relative path that happens to exist in the current directory.
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
            done = min(start + batch_size, len(items))
            bar.update(done - start)
            if done // 500 > start // 500 or (done == len(items) and len(items) >= 500):
                log.info("%s: embedded %d/%d clips", arrow_path.stem, done, len(items))
        writer.finalize()
    return bad, seconds / 3600.0


def _folder_size(path: Path) -> int:
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file())


def _log_bad(bad: list[BadFile]) -> None:
    if not bad:
        return
    log.warning("%d bad file(s) left out:", len(bad))
    for item in bad:
        log.warning("  %s", item)


def build_dataset(builder: VideoDatasetBuilder, options: BuildOptions) -> BuildResult:
    """Collect, probe, split, embed and save `builder`'s dataset to ``options.out``; see the module doc."""
    options.check()
    builder.check()
    if options.push_to_hub:
        builder.check_push(options.push_to_hub)
    if options.quiet:
        from synapt_hf.progress import silence_library_bars

        silence_library_bars()
    collection = builder.collect()
    class_names = list(collection.class_names)
    if not class_names:
        raise SynaptError(f"{builder.name}: no classes found")
    for clip in collection.clips:
        if not 0 <= clip.label < len(class_names):
            raise SynaptError(
                f"{clip.origin or clip.path}: label {clip.label} is out of range for {len(class_names)} classes"
            )
    _check_inputs_outside_output(collection.clips, options.out)
    if options.strict and collection.bad:  # e.g. manifest lines without a file: stop before probing
        _log_bad(collection.bad)
        raise SynaptError(f"{len(collection.bad)} bad file(s) (--strict); first: {collection.bad[0]}")
    method, pattern = split_method(builder, collection.clips, options)
    # Check the split settings (e.g. every file name matches the group pattern) before the expensive part.
    assign_splits(collection.clips, method, pattern, options.val_ratio, options.seed, options.val_groups)
    log.info(
        "%s: %d clips in %d classes; probing with %d process(es)",
        builder.name,
        len(collection.clips),
        len(class_names),
        options.num_proc,
    )
    probed, probe_bad = _probe(collection.clips, options.num_proc, options.verify, options.quiet)
    # Split only the usable clips, so bad files never take a validation slot.
    info_of = {clip.path: info for clip, info in probed}
    split_clips = assign_splits(
        [clip for clip, _ in probed], method, pattern, options.val_ratio, options.seed, options.val_groups
    )
    good = [(clip, info_of[clip.path]) for clip in split_clips]
    bad = list(collection.bad) + probe_bad
    if options.strict and bad:
        _log_bad(bad)
        raise SynaptError(f"{len(bad)} bad file(s) (--strict); first: {bad[0]}")
    if not good:
        _log_bad(bad)
        raise SynaptError(f"{builder.name}: no usable clips ({len(bad)} bad file(s))")

    import datasets

    from synapt_hf.data.format import save_dataset_atomic, video_features

    extra = dict(builder.extra_features())
    if any("group" in clip.extra for clip, _ in good):
        extra.setdefault("group", datasets.Value("string"))
    features = video_features(class_names, extra=extra)
    split_names = sorted(
        {clip.split for clip, _ in good}, key=lambda s: (SPLIT_ORDER.index(s) if s in SPLIT_ORDER else 99, s)
    )
    options.out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{options.out.name}.build-", dir=options.out.parent))
    hours: dict[str, float] = {}
    class_counts: dict[str, Counter[int]] = {}
    try:
        parts: dict[str, datasets.Dataset] = {}
        for split in split_names:
            items = sorted(((c, i) for c, i in good if c.split == split), key=lambda item: item[0].path)
            read_bad, hours[split] = _write_split(
                items, features, staging / f"{split}.arrow", options.batch_size, options.quiet
            )
            bad.extend(read_bad)
            parts[split] = datasets.Dataset.from_file(str(staging / f"{split}.arrow"))
            class_counts[split] = Counter(parts[split]["label"])
        if options.strict and bad:
            _log_bad(bad)
            raise SynaptError(f"{len(bad)} bad file(s) (--strict); first: {bad[0]}")
        out = save_dataset_atomic(datasets.DatasetDict(parts), options.out, overwrite=options.overwrite)
        del parts
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _log_bad(bad)
    summaries = {
        split: SplitSummary(
            name=split,
            clips=sum(class_counts[split].values()),
            classes=len(class_counts[split]),
            bad=sum(1 for item in bad if item.split == split),
            hours=hours[split],
            bytes_on_disk=_folder_size(out / split),
        )
        for split in split_names
    }
    result = BuildResult(
        out=out,
        class_names=class_names,
        splits=summaries,
        bad=bad,
        class_counts=class_counts,
        split_method=method,
        group_pattern=pattern,
        extra_columns=list(extra),
        features=features,
    )
    if options.push_to_hub:
        from synapt_hf.datasets.card import render_dataset_card
        from synapt_hf.datasets.push import push_dataset

        def render(data_files: dict[str, list[str]]) -> str:
            return render_dataset_card(builder, result, options, data_files)

        result.pushed_to = push_dataset(
            out, options.push_to_hub, render, private=options.private, num_proc=options.num_proc
        )
    return result
