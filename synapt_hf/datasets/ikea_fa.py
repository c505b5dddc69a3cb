"""IKEA Furniture Assembly (IkeaFA) as used by PPMA: `ikea_furniture/{train,val}.csv` with class folders."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from synapt_hf.datasets.named import NamedBuilder
from synapt_hf.datasets.registry import get_spec
from synapt_hf.datasets.split_files import (
    ParsedSplits,
    find_ppma_lists,
    parse_folder_labelled_ppma,
    split_search_dirs,
)
from synapt_hf.errors import SynaptError

SPEC = get_spec("ikea-fa")
CLASS_NAMES = SPEC.class_names
SEARCH_SUBDIRS = (SPEC.ppma_key, f"ppma/{SPEC.ppma_key}", "splits")


def parse(root: Path, splits: Sequence[str | Path] | None = None) -> ParsedSplits:
    """Parse the PPMA IkeaFA lists; labels follow the alphabetical class folders (`specs/ikea-fa_classes.txt`)."""
    dirs = split_search_dirs(splits, root, SEARCH_SUBDIRS)
    ppma = find_ppma_lists(dirs)
    if ppma is None:
        raise SynaptError(
            f"{SPEC.name}: no train.csv + val.csv (PPMA {SPEC.ppma_key} lists) in {', '.join(map(str, dirs))}"
        )
    return parse_folder_labelled_ppma(SPEC.name, CLASS_NAMES, ppma)


class IkeaFABuilder(NamedBuilder):
    """`synapt build-dataset ikea-fa`."""

    spec = SPEC

    def parse_splits(self) -> ParsedSplits:
        return parse(self.root, self.splits)
