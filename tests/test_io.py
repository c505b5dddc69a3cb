"""Atomic writes: the target is either untouched or complete, and no temporary file is left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from synapt_hf.io import copy_atomic, write_atomic, write_bytes_atomic, write_text_atomic


def test_writes_create_parents_and_replace_whole_files(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "notes.txt"
    write_text_atomic(target, "first")
    write_text_atomic(target, "second")
    assert target.read_text() == "second"
    write_bytes_atomic(tmp_path / "blob.bin", b"\x00\x01")
    copy_atomic(tmp_path / "blob.bin", tmp_path / "copy.bin")
    assert (tmp_path / "copy.bin").read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.rglob("*") if p.name.startswith(".")) == []


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "results.md"
    target.write_text("complete old report")

    def half_then_fail(temporary: Path) -> None:
        temporary.write_text("half of a new rep")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_atomic(target, half_then_fail)
    assert target.read_text() == "complete old report"
    assert [p.name for p in tmp_path.iterdir()] == ["results.md"]


def test_dataset_folder_kinds(tmp_path: Path) -> None:
    from synapt_hf.io import is_class_folder_tree, is_saved_dataset, safe_file_name

    tree = tmp_path / "tree"
    (tree / "walk").mkdir(parents=True)
    assert is_class_folder_tree(tree) and not is_saved_dataset(tree)
    (tree / "folds.json").write_text("{}")  # a fold collection holds one dataset per subfolder
    assert not is_class_folder_tree(tree)
    saved = tmp_path / "saved"
    (saved / "train").mkdir(parents=True)
    (saved / "dataset_dict.json").write_text('{"splits": ["train"]}')
    assert is_saved_dataset(saved) and not is_class_folder_tree(saved)
    assert safe_file_name("org/model: v1") == "org_model_v1" and safe_file_name("///") == "x"
