"""IKEA Furniture Assembly (IkeaFA) as used by PPMA: `ikea_furniture/{train,val}.csv` with class folders."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from synapt_hf.datasets import class_tables
from synapt_hf.datasets.named import NamedBuilder
from synapt_hf.datasets.splits import (
    ParsedSplits,
    find_ppma_lists,
    parse_folder_labelled_ppma,
    split_search_dirs,
)
from synapt_hf.errors import SynaptError

NAME = "ikea-fa"
CLASS_NAMES = class_tables.IKEA_FA
SEARCH_SUBDIRS = ("ikea_furniture", "ppma/ikea_furniture", "splits")


def parse(root: Path, splits: Sequence[str | Path] | None = None) -> ParsedSplits:
    """Parse the PPMA IkeaFA lists; labels follow the alphabetical class folders (`class_tables.IKEA_FA`)."""
    dirs = split_search_dirs(splits, root, SEARCH_SUBDIRS)
    ppma = find_ppma_lists(dirs)
    if ppma is None:
        raise SynaptError(
            f"{NAME}: no train.csv + val.csv (PPMA ikea_furniture lists) in {', '.join(map(str, dirs))}"
        )
    return parse_folder_labelled_ppma(NAME, CLASS_NAMES, ppma)


class IkeaFABuilder(NamedBuilder):
    """`synapt build-dataset ikea-fa`."""

    name = "ikea-fa"

    def parse_splits(self) -> ParsedSplits:
        return parse(self.root, self.splits)
