"""Deterministic SynAPT-150 subsets for the class-count and clips-per-class ablations.

`choose_classes` keeps N of the 150 classes: a seeded shuffle of the labels whose first N are kept, so
the 30-class subset is inside the 60-class one, and so on. `choose_clips` keeps K clips of a class with
equal shares per source render (ElderSim, PHAV, SURREACT-NTU, SURREACT-UESTC) where a class has several;
a source with fewer clips than its share gives the rest to the others. Within a source, clips are
ordered by a seeded hash of their path, so the choice does not depend on listing order or machine, and
the K-clip subset is inside the larger ones.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Sequence

from synapt_hf.datasets.split_files import ParsedSplits, SplitEntry
from synapt_hf.errors import SynaptError

NUM_CLASSES_CHOICES = (30, 60, 90, 120, 150)
CLIPS_PER_CLASS_CHOICES = (250, 500, 750, 1000)


def choose_classes(num_total: int, num_classes: int, seed: int = 0) -> list[int]:
    """The labels kept (sorted) when `num_classes` of `num_total` are wanted."""
    if not 0 < num_classes <= num_total:
        raise SynaptError(f"--num-classes must be between 1 and {num_total}, got {num_classes}")
    order = list(range(num_total))
    random.Random(f"synapt-classes:{seed}").shuffle(order)
    return sorted(order[:num_classes])


def share_quotas(available: dict[str, int], total: int) -> dict[str, int]:
    """Split `total` as equally as possible over sources, capped by what each has (water-filling).

    Leftover units go to sources in name order, so the result is deterministic.
    """
    quotas = dict.fromkeys(available, 0)
    remaining = min(total, sum(available.values()))
    while remaining > 0:
        open_sources = sorted(s for s in available if quotas[s] < available[s])
        share, extra = divmod(remaining, len(open_sources))
        for i, source in enumerate(open_sources):
            give = min(share + (1 if i < extra else 0), available[source] - quotas[source])
            quotas[source] += give
            remaining -= give
    return quotas


def _hash_order(path: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{path}".encode()).hexdigest()


def choose_clips(entries: Sequence[SplitEntry], clips_per_class: int, seed: int = 0) -> list[SplitEntry]:
    """At most `clips_per_class` entries of each label, in equal shares per `extra["source"]`."""
    if clips_per_class < 1:
        raise SynaptError(f"--clips-per-class must be positive, got {clips_per_class}")
    groups: dict[int, dict[str, list[SplitEntry]]] = defaultdict(lambda: defaultdict(list))
    for entry in entries:
        groups[entry.label][entry.extra.get("source", "")].append(entry)
    kept: list[SplitEntry] = []
    for label in sorted(groups):
        by_source = {s: sorted(g, key=lambda e: _hash_order(e.path, seed)) for s, g in groups[label].items()}
        quotas = share_quotas({s: len(g) for s, g in by_source.items()}, clips_per_class)
        for source in sorted(by_source):
            kept.extend(by_source[source][: quotas[source]])
    return sorted(kept, key=lambda e: (e.label, e.path))


def apply_subset(
    parsed: ParsedSplits, num_classes: int | None = None, clips_per_class: int | None = None, seed: int = 0
) -> ParsedSplits:
    """Keep `num_classes` classes (relabelled 0..N-1 in label order) in every split and sample train clips."""
    names = parsed.class_names
    keep = choose_classes(len(names), num_classes, seed) if num_classes else list(range(len(names)))
    new_label = {old: new for new, old in enumerate(keep)}
    splits: dict[str, list[SplitEntry]] = {}
    for split, entries in parsed.splits.items():
        chosen = [
            SplitEntry(e.path, new_label[e.label], e.origin, dict(e.extra), e.alternatives)
            for e in entries
            if e.label in new_label
        ]
        if clips_per_class and split == "train":
            chosen = choose_clips(chosen, clips_per_class, seed)
        splits[split] = chosen
    fmt = parsed.split_format
    if num_classes or clips_per_class:
        fmt += f" (subset: {num_classes or len(names)} classes, {clips_per_class or 'all'} train clips per class, seed {seed})"
    return ParsedSplits([names[i] for i in keep], splits, fmt, list(parsed.files))
