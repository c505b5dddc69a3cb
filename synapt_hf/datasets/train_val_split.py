"""Deterministic train/validation splits: stratified by ratio, or by a group key parsed from file names.

Both depend only on the clips' paths, labels and the seed, never on listing order or on the machine, so
the same inputs always give the same split.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import PurePosixPath

from synapt_hf.datasets.clip_collection import Clip
from synapt_hf.errors import SynaptError

TRAIN = "train"
VALIDATION = "validation"


def _check_ratio(val_ratio: float) -> None:
    if not 0.0 < val_ratio < 1.0:
        raise SynaptError(f"--val-ratio must be strictly between 0 and 1, got {val_ratio}")


def _validation_count(total: int, val_ratio: float) -> int:
    """round(ratio * total), at least 1 and at most total - 1 when there are two or more items."""
    if total < 2:
        return 0
    return min(total - 1, max(1, round(val_ratio * total)))


def ratio_split(clips: Sequence[Clip], val_ratio: float, seed: int) -> list[Clip]:
    """Assign each clip to train or validation, `val_ratio` of every class to validation (stratified).

    A class with a single clip stays in train. Returns new clips with `split` set.
    """
    _check_ratio(val_ratio)
    by_label: dict[int, list[Clip]] = defaultdict(list)
    for clip in clips:
        by_label[clip.label].append(clip)
    out: list[Clip] = []
    for label in sorted(by_label):
        members = sorted(by_label[label], key=lambda clip: clip.path)
        random.Random(f"{seed}:{label}").shuffle(members)
        count = _validation_count(len(members), val_ratio)
        out.extend(replace(clip, split=VALIDATION) for clip in members[:count])
        out.extend(replace(clip, split=TRAIN) for clip in members[count:])
    return sorted(out, key=lambda clip: clip.path)


def compile_group_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a group regex; it must have a ``(?P<group>...)`` or at least one capture group."""
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise SynaptError(f"--group-pattern {pattern!r} is not a valid regular expression ({exc})") from exc
    if "group" not in compiled.groupindex and compiled.groups == 0:
        raise SynaptError(f"--group-pattern {pattern!r} needs a capture group, e.g. '^(?P<group>[^_]+)_'")
    return compiled


def group_of(name: str, pattern: re.Pattern[str]) -> str | None:
    """The group key of a file name (named group ``group``, else the first capture group), or None."""
    match = pattern.search(name)
    if match is None:
        return None
    value = match.group("group") if "group" in pattern.groupindex else match.group(1)
    return value or None


def group_split(
    clips: Sequence[Clip],
    pattern: re.Pattern[str],
    val_ratio: float,
    seed: int,
    val_groups: Sequence[str] | None = None,
) -> list[Clip]:
    """Put whole groups (e.g. actors) in validation so that no group is on both sides.

    The group is parsed from each clip's file name with `pattern`; every file must match (the error lists
    the ones that do not). `val_groups` names the validation groups (e.g. one actor of a leave-one-out
    fold); without it, ``round(val_ratio * groups)`` groups (at least 1, at most all but one) chosen by a
    seeded shuffle of the sorted group names go to validation. Each clip gets a ``group`` extra column.
    """
    groups = clip_groups(clips, pattern)
    names = sorted(set(groups.values()))
    if val_groups:
        unknown = sorted(set(val_groups) - set(names))
        if unknown:
            raise SynaptError(
                f"--val-groups: no file is in group(s) {', '.join(unknown)}; groups found: {', '.join(names)}"
            )
        if set(val_groups) >= set(names):
            raise SynaptError("--val-groups: every group is in validation; leave at least one for training")
        validation = set(val_groups)
    else:
        _check_ratio(val_ratio)
        random.Random(seed).shuffle(names)
        validation = set(names[: _validation_count(len(names), val_ratio)])
    out = [
        replace(
            clip,
            split=VALIDATION if groups[clip.path] in validation else TRAIN,
            extra={**clip.extra, "group": groups[clip.path]},
        )
        for clip in clips
    ]
    return sorted(out, key=lambda clip: clip.path)


def clip_groups(clips: Sequence[Clip], pattern: re.Pattern[str]) -> dict[str, str]:
    """Each clip's group (by its path), parsed from the file name; at least two groups, every file matched."""
    groups: dict[str, str] = {}
    unmatched: list[str] = []
    for clip in clips:
        key = group_of(PurePosixPath(clip.path).name, pattern)
        if key is None:
            unmatched.append(clip.path)
        else:
            groups[clip.path] = key
    if unmatched:
        shown = ", ".join(unmatched[:5]) + (" ..." if len(unmatched) > 5 else "")
        raise SynaptError(
            f"--group-pattern {pattern.pattern!r} does not match {len(unmatched)} file name(s): {shown}"
        )
    names = sorted(set(groups.values()))
    if len(names) < 2:
        raise SynaptError(
            f"--group-pattern {pattern.pattern!r} finds {len(names)} group(s) ({', '.join(names)}); need at least 2"
        )
    return groups
