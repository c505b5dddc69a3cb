"""Hub dataset ids of the transfer datasets named on model cards: explicit, never guessed.

A card's `model-index` names each evaluation dataset by its Hub id (`dataset.type`). A results row names its
dataset by what the benchmark loaded: a Hub id (`org/name`) or a local folder. The id of a dataset is

1. the one given for it in `mapping` (`--dataset-hub-id NAME=ORG/ID`, NAME being the row's dataset or its last
   path component, e.g. `weizmann` for `outputs/weizmann/weizmann`);
2. otherwise the row's dataset itself when it is a valid Hub id and no such path exists on this disk;
3. otherwise none: the dataset is not in `model-index` (the Hub requires `dataset.type` there) and is listed
   on the card under `synapt.transfer_results` and in its results table only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from synapt_hf.errors import SynaptError
from synapt_hf.hub.repo_ids import validate_repo_id


def looks_like_path(value: str) -> bool:
    """True for strings that name a local file or folder (absolute, `./`, `~`, Windows-style, more than one
    `/`, or existing on this disk) rather than a Hub id or a plain dataset key."""
    if not value:
        return False
    if value.startswith(("/", ".", "~", "\\")) or "\\" in value or ":" in value or value.count("/") > 1:
        return True
    return Path(value).exists()


def parse_dataset_hub_ids(specs: Iterable[str] | None) -> dict[str, str]:
    """`NAME=ORG/ID` strings (the `--dataset-hub-id` flag) as a mapping; every id is a valid Hub id."""
    mapping: dict[str, str] = {}
    for spec in specs or []:
        name, sep, repo_id = spec.partition("=")
        if not sep or not name.strip() or not repo_id.strip():
            raise SynaptError(f"--dataset-hub-id {spec!r}: expected NAME=ORG/ID (e.g. ucf101=my-org/ucf101)")
        mapping[name.strip()] = repo_id.strip()
    return check_mapping(mapping)


def check_mapping(mapping: Mapping[str, str] | None) -> dict[str, str]:
    """Validate every id of `mapping`: a local path or a malformed id is refused, naming the dataset."""
    checked = {}
    for name, repo_id in (mapping or {}).items():
        if not isinstance(repo_id, str) or looks_like_path(repo_id):
            raise SynaptError(
                f"dataset {name!r}: Hub id {repo_id!r} is a local path, not a Hub dataset id 'org/name'"
            )
        checked[name] = validate_repo_id(repo_id, f"dataset {name!r}: Hub id")
    return checked


def dataset_hub_id(dataset: str, mapping: Mapping[str, str] | None = None) -> str | None:
    """The Hub id of the results rows' `dataset`, or None when it has none (see the module docstring)."""
    mapping = check_mapping(mapping)
    for key in (dataset, Path(dataset.replace("\\", "/")).name):
        if key in mapping:
            return mapping[key]
    if looks_like_path(dataset):
        return None
    try:
        return validate_repo_id(dataset)
    except SynaptError:
        return None
