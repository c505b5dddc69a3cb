"""Leave-one-group-out fold collections (`build-dataset ... --leave-one-group-out`) and `--val-groups`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synapt_hf.cli import main
from synapt_hf.constants import FOLDS_FILE
from synapt_hf.data.format import load_video_dataset
from synapt_hf.datasets.folds import is_fold_collection, read_fold_collection
from synapt_hf.errors import SynaptError

GROUP_ARGS = ["--split-by", "group", "--group-pattern", r"^(?P<group>[^_]+)_"]


def test_one_dataset_per_group_with_that_group_held_out(tmp_path: Path, video_tree: Path) -> None:
    out = tmp_path / "tiny-loao"
    args = ["build-dataset", "folder", "--root", str(video_tree), "--out", str(out), *GROUP_ARGS]
    assert main([*args, "--leave-one-group-out"]) == 0
    spec = json.loads((out / FOLDS_FILE).read_text())
    assert spec["benchmark"] == "tiny-loao" and spec["split"] == "leave-one-group-out"
    collection = read_fold_collection(out)
    assert [name for name, _ in collection.folds] == spec["folds"] == ["ann", "bob", "cid"]
    for group, path in collection.folds:
        dataset = load_video_dataset(path)
        assert set(dataset["validation"]["group"]) == {group}
        assert group not in set(dataset["train"]["group"]) and len(set(dataset["train"]["group"])) == 2
        assert len(dataset["train"]) + len(dataset["validation"]) == 9


def test_val_groups_pick_validation_and_bad_names_fail_before_probing(
    tmp_path: Path, video_tree: Path, capsys
) -> None:
    out = tmp_path / "held-out-bob"
    base = ["build-dataset", "folder", "--root", str(video_tree), "--out", str(out), *GROUP_ARGS]
    assert main([*base, "--val-groups", "bob"]) == 0
    assert set(load_video_dataset(out)["validation"]["group"]) == {"bob"}
    capsys.readouterr()
    bad_calls = {
        "--val-groups: no file is in group(s) zed; groups found: ann, bob, cid": [*base, "--val-groups", "bob,zed"],
        "every group is in validation": [*base, "--val-groups", "ann,bob,cid"],
        "--val-groups is only used with --split-by group": [*base[:6], "--val-groups", "bob"],
        "--leave-one-group-out chooses the validation groups itself": [
            *base, "--val-groups", "bob", "--leave-one-group-out"
        ],
    }  # fmt: skip
    for message, args in bad_calls.items():
        assert main([*args, "--overwrite"]) == 2
        assert message in capsys.readouterr().err
    assert set(load_video_dataset(out)["validation"]["group"]) == {"bob"}  # nothing was replaced


def test_an_unfinished_collection_is_not_read_as_one(tmp_path: Path) -> None:
    root = tmp_path / "half"
    (root / "ann").mkdir(parents=True)
    assert not is_fold_collection(root)
    (root / FOLDS_FILE).write_text(json.dumps({"benchmark": "half", "folds": ["ann", "bob"]}))
    with pytest.raises(SynaptError, match="fold folder\\(s\\) bob are missing"):
        read_fold_collection(root)
