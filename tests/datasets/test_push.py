"""`--push-to-hub` (`DatasetDict.push_to_hub`, then the card through `DatasetCard`), against the loopback Hub
of tests/hub/fake_hub.py: what arrives, and what `datasets.load_dataset(repo_id)` and `load_video_dataset`
read back from it."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import datasets
import pytest
from huggingface_hub import DatasetCard

from synapt_hf.cli import main
from synapt_hf.data.format import load_video_dataset
from synapt_hf.datasets.push import push_dataset
from synapt_hf.errors import SynaptError

REPO = "synapt-test/tiny-actions"


def video_cells(split: datasets.Dataset) -> list[dict]:
    """The stored ``{bytes, path}`` cells of the video column, whatever its decoding (read from Arrow)."""
    return split.data.column("video").to_pylist()


def test_build_and_push(tmp_path: Path, video_tree: Path, fake_hub, capsys) -> None:
    out = tmp_path / "out"
    args = ["build-dataset", "folder", "--root", str(video_tree), "--out", str(out), "--val-ratio", "0.34"]
    args += ["--push-to-hub", REPO, "--pretty-name", "Tiny actions", "--private"]
    assert main([*args, "--license", "cc-by-4.0"]) == 0
    assert fake_hub.repos[REPO].private is True
    assert f"pushed to https://huggingface.co/datasets/{REPO}" in capsys.readouterr().out
    files = fake_hub.files(REPO)
    shards = sorted(name for name in files if name.endswith(".parquet"))
    assert shards == ["data/train-00000-of-00001.parquet", "data/validation-00000-of-00001.parquet"]
    card = DatasetCard(files["README.md"].decode("utf-8"))
    assert card.data.task_categories == ["video-classification"] and card.data.pretty_name == "Tiny actions"
    assert card.data.license == "cc-by-4.0" and "## Class names" in card.text
    data_files = card.data.configs[0]["data_files"]  # written by push_to_hub: one pattern per split
    assert [entry["split"] for entry in data_files] == ["train", "validation"]
    assert all(fnmatch.filter(shards, entry["path"]) == [shards[i]] for i, entry in enumerate(data_files))
    features = card.data.dataset_info["features"]  # from push_to_hub: the class names and a Video column
    assert {"name": "video", "dtype": "video"} in features
    label = next(feature for feature in features if feature["name"] == "label")
    assert label["dtype"]["class_label"]["names"] == {"0": "clap", "1": "run", "2": "wave"}
    commits = [c for c in fake_hub.commits if c["repo_id"] == REPO]
    assert [sorted(c["paths"]) for c in commits] == [["README.md", *shards], ["README.md"]]  # data, then card

    local = load_video_dataset(out)
    plain = datasets.load_dataset(REPO)  # what a user of `datasets` gets (HF_ENDPOINT: the loopback Hub)
    assert {name: len(split) for name, split in plain.items()} == {"train": 6, "validation": 3}
    for split in ("train", "validation"):
        assert plain[split].features["label"].names == ["clap", "run", "wave"]
        assert (
            isinstance(plain[split].features["video"], datasets.Video)
            and plain[split].features["video"].decode
        )
        assert plain[split]["path"] == local[split]["path"] and plain[split]["label"] == local[split]["label"]
        pushed_bytes = [cell["bytes"] for cell in video_cells(plain[split])]
        assert pushed_bytes == [cell["bytes"] for cell in video_cells(local[split])]  # byte-identical files
    ours = load_video_dataset(REPO)  # the project's loader: Video(decode=False), decoded later with PyAV
    assert ours["train"].features == local["train"].features
    assert ours["validation"][0]["video"]["bytes"] == local["validation"][0]["video"]["bytes"]
    # What a user downloads by hand: the repository's files, loaded through its card's configs.
    clone = tmp_path / "clone"
    for name, data in files.items():
        (clone / name).parent.mkdir(parents=True, exist_ok=True)
        (clone / name).write_bytes(data)
    assert load_video_dataset(clone)["train"]["path"] == local["train"]["path"]


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


def test_shards_by_size_and_a_repush_replaces_them(tmp_path: Path, video_tree: Path, fake_hub) -> None:
    from synapt_hf.datasets.builder import BuildOptions
    from synapt_hf.datasets.folder import FolderBuilder

    FolderBuilder(video_tree).build(BuildOptions(out=tmp_path / "out", split_by="none"))
    dataset = load_video_dataset(tmp_path / "out")
    card = "---\nlicense: mit\npretty_name: Shards\n---\n\n# Shards\n"
    push_dataset(tmp_path / "out", REPO, lambda files: card)
    assert sorted(n for n in fake_hub.files(REPO) if n.endswith(".parquet")) == [
        "data/train-00000-of-00001.parquet"
    ]
    push_dataset(tmp_path / "out", REPO, lambda files: card, max_shard_size=dataset["train"].data.nbytes // 3)
    shards = sorted(n for n in fake_hub.files(REPO) if n.endswith(".parquet"))
    assert len(shards) in (3, 4) and shards[0].endswith(
        f"-of-{len(shards):05d}.parquet"
    )  # the old one is gone
    pushed = datasets.load_dataset(REPO, split="train")
    assert pushed["path"] == dataset["train"]["path"]
    assert [c["bytes"] for c in video_cells(pushed)] == [c["bytes"] for c in video_cells(dataset["train"])]
    assert DatasetCard(fake_hub.files(REPO)["README.md"].decode()).data.pretty_name == "Shards"
    with pytest.raises(SynaptError):
        from synapt_hf.hub.repo_ids import validate_repo_id

        validate_repo_id("a/b/c", "--push-to-hub")


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
