"""`--push-to-hub`: parquet shards + dataset card in one commit, against the loopback fake Hub."""

from __future__ import annotations

from pathlib import Path

import datasets
import pytest
from huggingface_hub import DatasetCard

from synapt_hf.cli import main
from synapt_hf.data.format import load_video_dataset
from synapt_hf.datasets.push import write_parquet_shards
from synapt_hf.errors import SynaptError


def test_build_and_push(tmp_path: Path, video_tree: Path, fake_hub, capsys) -> None:
    out = tmp_path / "out"
    args = ["build-dataset", "folder", "--root", str(video_tree), "--out", str(out), "--val-ratio", "0.34"]
    args += ["--push-to-hub", "synapt-test/tiny-actions", "--pretty-name", "Tiny actions", "--private"]
    assert main([*args, "--license", "cc-by-4.0"]) == 0
    assert fake_hub.repos["synapt-test/tiny-actions"].private is True
    assert "pushed to https://huggingface.co/datasets/synapt-test/tiny-actions" in capsys.readouterr().out
    files = fake_hub.files("synapt-test/tiny-actions")
    shards = sorted(name for name in files if name.endswith(".parquet"))
    assert shards == ["data/train-00000-of-00001.parquet", "data/validation-00000-of-00001.parquet"]
    card = DatasetCard(files["README.md"].decode("utf-8"))
    assert card.data.task_categories == ["video-classification"] and card.data.pretty_name == "Tiny actions"
    assert card.data.license == "cc-by-4.0"
    assert card.data.configs[0]["data_files"][1] == {"split": "validation", "path": [shards[1]]}
    commits = [c for c in fake_hub.commits if c["repo_id"] == "synapt-test/tiny-actions"]
    assert len(commits) == 1 and sorted(commits[0]["paths"]) == ["README.md", *shards]  # one atomic commit
    # What a user downloads: the repository's files, loaded through its card's configs.
    clone = tmp_path / "clone"
    for name, data in files.items():
        (clone / name).parent.mkdir(parents=True, exist_ok=True)
        (clone / name).write_bytes(data)
    pushed, local = load_video_dataset(clone), load_video_dataset(out)
    assert {name: len(split) for name, split in pushed.items()} == {
        name: len(split) for name, split in local.items()
    }
    assert pushed["train"].features == local["train"].features  # ClassLabel names, Video(decode=False)
    for split in ("train", "validation"):
        assert pushed[split]["path"] == local[split]["path"]
        assert pushed[split][0]["video"]["bytes"] == local[split][0]["video"]["bytes"]


def test_push_failure_is_one_line(tmp_path: Path, video_tree: Path, fake_hub, capsys) -> None:
    fake_hub.fail_next(1, status=403)
    args = ["build-dataset", "folder", "--root", str(video_tree), "--out", str(tmp_path / "out")]
    assert (
        main([*args, "--push-to-hub", "synapt-test/denied", "--license", "unknown", "--pretty-name", "X"])
        == 2
    )
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith(
        "synapt build-dataset: error: --push-to-hub synapt-test/denied: create repo failed: "
    )
    assert "403" in err
    assert (tmp_path / "out" / "dataset_dict.json").is_file()  # the local build is kept


def test_parquet_shards_split_by_size(tmp_path: Path, video_tree: Path) -> None:
    from synapt_hf.datasets.builder import BuildOptions
    from synapt_hf.datasets.folder import FolderBuilder

    FolderBuilder(video_tree).build(BuildOptions(out=tmp_path / "out", split_by="none"))
    dataset = load_video_dataset(tmp_path / "out")
    files = write_parquet_shards(
        dataset, tmp_path / "staging", max_shard_bytes=dataset["train"].data.nbytes // 3
    )
    assert len(files["train"]) in (3, 4) and files["train"][0].endswith(
        f"-of-{len(files['train']):05d}.parquet"
    )
    total = sum(len(datasets.Dataset.from_parquet(str(tmp_path / "staging" / f))) for f in files["train"])
    assert total == 9
    with pytest.raises(SynaptError):
        from synapt_hf.datasets.push import check_repo_id

        check_repo_id("a/b/c")


def test_push_needs_a_licence_and_a_title_before_any_work(
    tmp_path: Path, video_tree: Path, fake_hub, capsys
) -> None:
    out = tmp_path / "out"
    args = ["build-dataset", "folder", "--root", str(video_tree), "--out", str(out), "--push-to-hub", "org/x"]
    assert main(args) == 2
    assert "--license is required" in capsys.readouterr().err
    assert main([*args, "--license", "unknown"]) == 2  # the tree's folder name is not a registered dataset
    assert "--pretty-name" in capsys.readouterr().err
    assert not out.exists() and not fake_hub.repos  # nothing built, nothing pushed


def test_pretty_name_defaults_to_the_registered_display_name(tmp_path: Path, video_tree: Path) -> None:
    from synapt_hf.datasets.folder import FolderBuilder

    weizmann = tmp_path / "weizmann"
    weizmann.symlink_to(video_tree, target_is_directory=True)
    assert FolderBuilder(weizmann).pretty_name == "Weizmann"
    assert FolderBuilder(tmp_path / "UCF101").pretty_name == "UCF101 (split 1)"
    assert FolderBuilder(video_tree).pretty_name == "Local video folder"  # not the folder's own name
    assert FolderBuilder(video_tree, pretty_name="Mine").pretty_name == "Mine"
