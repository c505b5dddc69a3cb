"""Leave-one-group-out fold collections: one saved dataset per group (e.g. per actor), plus `folds.json`.

A collection folder holds ``<group>/`` (a complete `DatasetDict` whose validation split is that group's
clips and whose train split is every other group's) for each group, and `folds.json`::

    {"benchmark": "<folder name>", "split": "leave-one-group-out", "group_pattern": "...",
     "folds": ["<group>", ...]}

`folds.json` is written last (atomically), so a collection without it is unfinished and is never read as
one. `synapt transfer --datasets DIR` expands a collection into its folds and reports the mean and spread
over folds x seeds.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from synapt_hf.constants import FOLDS_FILE
from synapt_hf.datasets.builder import (
    BuildOptions,
    BuildResult,
    VideoDatasetBuilder,
    build_dataset,
    split_method,
)
from synapt_hf.datasets.train_val_split import TRAIN, clip_groups, compile_group_pattern
from synapt_hf.errors import SynaptError
from synapt_hf.io import write_text_atomic

log = logging.getLogger(__name__)

LEAVE_ONE_GROUP_OUT = "leave-one-group-out"


@dataclass(frozen=True)
class FoldCollection:
    """A finished collection: its benchmark name and ``(fold name, dataset folder)`` pairs in order."""

    benchmark: str
    folds: tuple[tuple[str, str], ...]


def is_fold_collection(path: str | Path) -> bool:
    return (Path(path).expanduser() / FOLDS_FILE).is_file()


def read_fold_collection(path: str | Path) -> FoldCollection:
    """Read `folds.json` of `path`; every listed fold must be there."""
    root = Path(path).expanduser()
    marker = root / FOLDS_FILE
    try:
        spec = json.loads(marker.read_text())
        benchmark, folds = str(spec["benchmark"]), [str(name) for name in spec["folds"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SynaptError(f"{marker}: not a readable fold list ({exc})") from exc
    missing = [name for name in folds if not (root / name).is_dir()]
    if missing:
        raise SynaptError(f"{marker}: fold folder(s) {', '.join(missing)} are missing")
    return FoldCollection(benchmark, tuple((name, str(root / name)) for name in folds))


def build_group_folds(builder: VideoDatasetBuilder, options: BuildOptions) -> list[BuildResult]:
    """Build one dataset per group into ``options.out/<group>`` (validation = that group), then `folds.json`.

    Needs ``--split-by group`` (or a builder whose default is group) and a group pattern; the groups are
    read from the file names before any file is probed.
    """
    if options.val_groups:
        raise SynaptError("--leave-one-group-out chooses the validation groups itself; drop --val-groups")
    if options.push_to_hub:
        raise SynaptError("--leave-one-group-out writes one dataset per fold; push folds one by one instead")
    options.check()
    builder.check()
    collection = builder.collect()
    method, pattern = split_method(builder, collection.clips, options)
    if method != "group" or not pattern:
        raise SynaptError("--leave-one-group-out needs --split-by group and --group-pattern REGEX")
    pool = [clip for clip in collection.clips if clip.split in (None, TRAIN)]
    groups = sorted(set(clip_groups(pool, compile_group_pattern(pattern)).values()))
    out = options.out
    if out.exists():  # options.check() allowed it: empty, or --overwrite
        shutil.rmtree(out)
    results = []
    for number, group in enumerate(groups, start=1):
        log.info("fold %d of %d: validation group %s", number, len(groups), group)
        fold_options = replace(
            options, out=out / group, split_by="group", val_groups=(group,), overwrite=False
        )
        results.append(build_dataset(builder, fold_options))
    spec = {"benchmark": out.name, "split": LEAVE_ONE_GROUP_OUT, "group_pattern": pattern, "folds": groups}
    write_text_atomic(out / FOLDS_FILE, json.dumps(spec, indent=2) + "\n")
    return results
