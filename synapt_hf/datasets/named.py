"""The base of the named SynAPT builders (synapt150, kinetics150 and the six downstream sets).

A named builder parses its split files (a module's `parse(root, splits, **options)` returning
`ParsedSplits`), runs the structural checks and the documented-size checks, resolves every listed clip
under `--root` (extension-less names, `PRE_` variants, roots one level off), fails when more than
`--max-missing` of them are missing (naming the first few), optionally re-encodes the clips, and hands
the clips to the shared `VideoDatasetBuilder` pipeline (probe, embed, atomic save, card, push).
"""

from __future__ import annotations

import argparse
import logging
from collections import Counter
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, ClassVar

from synapt_hf.data.manifest import VideoPathResolver
from synapt_hf.datasets.builder import BuildOptions, BuildResult, VideoDatasetBuilder, format_size
from synapt_hf.datasets.clip_collection import BadFile, Clip, ClipCollection
from synapt_hf.datasets.registry import DatasetSpec
from synapt_hf.datasets.split_files import ParsedSplits, check_documented, check_parsed, resolve_entry
from synapt_hf.errors import SynaptError

log = logging.getLogger(__name__)

DEFAULT_MAX_MISSING = 0.01
SHOWN_MISSING = 5


MISSING_REASON = "but not found under"


@dataclass
class NamedBuildResult(BuildResult):
    """A build result whose summary counts missing files apart from unreadable ones."""

    def summary(self) -> str:
        """Per split: clips, classes, missing files, bad (unreadable) files, hours, size on disk; then a total."""
        rows = [
            f"{'split':<12} {'clips':>7} {'classes':>7} {'missing':>7} {'bad':>5} {'hours':>8} {'size':>10}"
        ]
        totals = [0, 0, 0, 0.0, 0]
        for item in self.splits.values():
            missing = sum(1 for b in self.bad if b.split == item.name and MISSING_REASON in b.reason)
            unreadable = sum(1 for b in self.bad if b.split == item.name) - missing
            rows.append(
                f"{item.name:<12} {item.clips:>7} {item.classes:>7} {missing:>7} {unreadable:>5} "
                f"{item.hours:>8.3f} {format_size(item.bytes_on_disk):>10}"
            )
            for i, value in enumerate((item.clips, missing, unreadable, item.hours, item.bytes_on_disk)):
                totals[i] += value
        clips, missing, unreadable, hours, size = totals
        rows.append(
            f"{'total':<12} {clips:>7} {len(self.class_names):>7} {missing:>7} {unreadable:>5} {hours:>8.3f} "
            f"{format_size(int(size)):>10}"
        )
        return "\n".join(rows)


def default_reencode_cache(out: Path) -> Path:
    """Re-encoded clips live next to the output folder, never inside it: `OUT.reencode-cache`."""
    return out.with_name(f"{out.name}.reencode-cache")


class NamedBuilder(VideoDatasetBuilder):
    """Shared behaviour of the named builders; subclasses set `spec` (their dataset's `DatasetSpec`, which
    gives the name, card metadata and documented numbers) and implement `parse_splits`."""

    default_split_by: ClassVar[str] = "none"
    extra_columns: ClassVar[dict[str, str]] = {}  # column -> datasets.Value dtype
    spec: ClassVar[DatasetSpec]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "spec" in cls.__dict__:
            spec = cls.spec
            cls.name = spec.name
            cls.pretty_name = spec.pretty_name
            cls.description = spec.description
            cls.homepage = spec.homepage
            cls.license = spec.license
            cls.citation = spec.citation  # the card template cites SynAPT itself

    def __init__(
        self,
        root: str | Path,
        splits: list[str] | None = None,
        max_missing: float = DEFAULT_MAX_MISSING,
        size_check: bool = True,
        short_side: int | None = None,
        reencode_cache: str | Path | None = None,
        num_proc: int = 1,
        out: str | Path | None = None,
    ) -> None:
        self.root = Path(root).expanduser()
        self.splits = [Path(s).expanduser() for s in splits] if splits else None
        self.max_missing = max_missing
        self.size_check = size_check
        self.short_side = short_side
        self.num_proc = num_proc
        if reencode_cache is None and short_side is not None and out is not None:
            reencode_cache = default_reencode_cache(Path(out).expanduser())
        self.reencode_cache = Path(reencode_cache).expanduser() if reencode_cache is not None else None
        self._parsed: ParsedSplits | None = None

    # ----- CLI -----------------------------------------------------------------------------------
    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--root", required=True, help="the folder the split files' paths are relative to")
        parser.add_argument(
            "--splits",
            nargs="+",
            metavar="DIR_OR_FILE",
            help="split files, or folders holding them (default: look in --root); see docs/datasets_named.md",
        )
        parser.add_argument(
            "--max-missing",
            type=float,
            default=DEFAULT_MAX_MISSING,
            metavar="FRACTION",
            help="fail when more than this fraction of listed clips is missing (default 0.01)",
        )
        parser.add_argument(
            "--no-size-check",
            action="store_true",
            help="build partial lists: do not require every class and the documented clip count in each split "
            "(the number of class names is still checked)",
        )
        parser.add_argument(
            "--short-side",
            type=int,
            metavar="PIXELS",
            help="re-encode every clip to H.264 with this short side (e.g. 256 or 320) while building",
        )
        parser.add_argument(
            "--reencode-cache",
            metavar="DIR",
            help="where re-encoded files are kept between runs (default: OUT.reencode-cache next to --out)",
        )
        cls.add_dataset_arguments(parser)

    @classmethod
    def add_dataset_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """Flags of one dataset (e.g. `--split-number`)."""
        return None

    @classmethod
    def common_kwargs(cls, args: argparse.Namespace) -> dict[str, Any]:
        return {
            "root": args.root,
            "splits": args.splits,
            "max_missing": args.max_missing,
            "size_check": not args.no_size_check,
            "short_side": args.short_side,
            "reencode_cache": args.reencode_cache,
            "num_proc": getattr(args, "num_proc", 1),
            "out": getattr(args, "out", None),
        }

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> NamedBuilder:
        return cls(**cls.common_kwargs(args))

    # ----- parsing -------------------------------------------------------------------------------
    def parse_splits(self) -> ParsedSplits:
        """Parse this dataset's split files (module `parse`)."""
        raise NotImplementedError

    def documented_sizes_apply(self) -> bool:
        """Whether every split must have the documented classes and clip counts."""
        return self.size_check

    def refine(self, parsed: ParsedSplits) -> ParsedSplits:
        """A hook after the documented checks (SynAPT subsets); the identity by default."""
        return parsed

    def check(self) -> None:
        if not self.root.is_dir():
            raise SynaptError(f"--root {self.root}: not a directory")
        for path in self.splits or []:
            if not path.exists():
                raise SynaptError(f"--splits {path}: no such file or folder")
        if not 0.0 <= self.max_missing <= 1.0:
            raise SynaptError(f"--max-missing must be between 0 and 1, got {self.max_missing}")
        if self.short_side is not None and self.short_side < 16:
            raise SynaptError(f"--short-side must be at least 16, got {self.short_side}")

    def parsed(self) -> ParsedSplits:
        """The checked split lists (parsed once)."""
        if self._parsed is None:
            parsed = self.parse_splits()
            check_parsed(self.name, parsed)
            check_documented(self.name, parsed, check_splits=self.documented_sizes_apply())
            self._parsed = self.refine(parsed)
        return self._parsed

    def build(self, options: BuildOptions) -> BuildResult:
        if self.short_side is not None and self.reencode_cache is None:
            self.reencode_cache = default_reencode_cache(options.out)
        result = super().build(options)
        return NamedBuildResult(**{f.name: getattr(result, f.name) for f in fields(result)})

    # ----- collecting ----------------------------------------------------------------------------
    def collect(self) -> ClipCollection:
        parsed = self.parsed()
        resolver = VideoPathResolver(self.root, prefixes=("PRE_",))
        clips: list[Clip] = []
        bad: list[BadFile] = []
        origin_of: dict[Path, str] = {}
        for split, entries in parsed.splits.items():
            missing: list[str] = []
            for entry in entries:
                file = resolve_entry(resolver, entry)
                if file is None:
                    missing.append(entry.path)
                    bad.append(
                        BadFile(entry.path, f"listed in {entry.origin} {MISSING_REASON} {self.root}", split)
                    )
                    continue
                if file in origin_of:
                    raise SynaptError(
                        f"{entry.origin}: {entry.path!r} is the same file as the entry at {origin_of[file]} "
                        f"({file}); each clip may be listed once"
                    )
                origin_of[file] = entry.origin
                relative = file.relative_to(self.root).as_posix()
                clips.append(Clip(file, relative, entry.label, split, entry.origin, dict(entry.extra)))
            self._check_missing(split, len(entries), missing)
        if self.short_side is not None and clips:
            from synapt_hf.datasets.reencode import reencode_clips

            if self.reencode_cache is None:
                raise SynaptError("--short-side needs --reencode-cache DIR (or a build with --out)")
            clips, failed = reencode_clips(clips, self.reencode_cache, self.short_side, self.num_proc)
            bad.extend(failed)
        return ClipCollection(list(parsed.class_names), clips, bad)

    def _check_missing(self, split: str, listed: int, missing: list[str]) -> None:
        if not missing:
            return
        fraction = len(missing) / listed
        shown = ", ".join(missing[:SHOWN_MISSING]) + (" ..." if len(missing) > SHOWN_MISSING else "")
        message = f"{self.name} {split}: {len(missing)} of {listed} listed clips ({fraction:.2%}) not found under {self.root}"
        if fraction > self.max_missing:
            raise SynaptError(f"{message}, more than --max-missing {self.max_missing:.2%}; first: {shown}")
        log.warning("%s (left out): %s", message, shown)

    # ----- dataset card --------------------------------------------------------------------------
    def extra_features(self) -> dict[str, Any]:
        import datasets

        return {column: datasets.Value(dtype) for column, dtype in self.extra_columns.items()}

    def card_details(self) -> dict[str, Any]:
        parsed = self.parsed()
        spec = self.spec
        details: dict[str, Any] = {
            "split files": f"{parsed.split_format}: " + ", ".join(f"`{Path(f).name}`" for f in parsed.files),
            "where to get the split files": spec.split_files,
            "documented split sizes": ", ".join(f"{k} {v:,}" for k, v in spec.split_sizes.items())
            + f" ({spec.num_classes} classes)",
            "listed clips": ", ".join(f"{k} {len(v):,}" for k, v in parsed.splits.items()),
        }
        for source in spec.sources:
            details[f"licence ({source.name})"] = f"{source.licence}; <{source.homepage}>"
        if "source" in self.extra_columns:
            per_source = Counter(e.extra.get("source") for entries in parsed.splits.values() for e in entries)
            details["clips per source"] = ", ".join(f"{k} {v:,}" for k, v in sorted(per_source.items()))
        if self.short_side is not None:
            details["re-encoding"] = (
                f"every clip re-encoded to H.264 MP4 with short side {self.short_side} (never upscaled; "
                "clips already H.264 at or below that size kept as they are)"
            )
        return details


class SplitNumberBuilder(NamedBuilder):
    """A named builder whose official lists come in numbered splits (`--split-number 1|2|3`).

    The documented sizes are those of split 1, so they are checked only there; subclasses implement
    `parse_splits` reading `self.split_number`.
    """

    def __init__(self, *, split_number: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.split_number = split_number

    @classmethod
    def add_dataset_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--split-number",
            type=int,
            choices=(1, 2, 3),
            default=1,
            help="official split to read (default 1)",
        )

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> SplitNumberBuilder:
        return cls(split_number=args.split_number, **cls.common_kwargs(args))

    def documented_sizes_apply(self) -> bool:
        return self.size_check and self.split_number == 1
