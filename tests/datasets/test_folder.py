"""The `folder` builder: class-folder trees (real Weizmann clips and tiny ones) and split manifests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from synapt_hf.cli import main
from synapt_hf.data.format import class_names, load_video_dataset
from synapt_hf.data.manifest import ManifestEntry
from synapt_hf.datasets.builder import BuildOptions
from synapt_hf.datasets.folder import FolderBuilder, infer_class_names, split_of_manifest
from synapt_hf.errors import SynaptError

WEIZMANN_CLASSES = ["bend", "jack", "jump", "pjump", "run", "side", "skip", "walk", "wave1", "wave2"]


def test_weizmann_builds_with_actor_split(shared_data: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "weizmann"
    code = main(
        [
            "build-dataset", "folder", "--root", str(shared_data / "weizmann"), "--out", str(out),
            "--split-by", "group", "--group-pattern", r"^(?P<group>[^_]+)_", "--val-ratio", "0.25", "--num-proc", "2",
        ]
    )  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[-1].split()[:4] == ["total", "90", "10", "0"]
    dataset = load_video_dataset(out)
    assert class_names(dataset) == WEIZMANN_CLASSES
    assert (
        set(dataset) == {"train", "validation"} and len(dataset["train"]) + len(dataset["validation"]) == 90
    )
    actors = {name: {path.split("/")[1].split("_")[0] for path in dataset[name]["path"]} for name in dataset}
    assert not actors["train"] & actors["validation"]
    assert len(actors["validation"]) == 2 and len(actors["train"]) == 7
    assert set(dataset["validation"]["group"]) == actors["validation"]
    row = dataset["validation"][0]
    assert row["video"]["bytes"] == (shared_data / "weizmann" / row["path"]).read_bytes()
    assert (row["width"], row["height"], row["fps"]) == (180, 144, 25.0)


def test_folder_layout_rules(tmp_path: Path, video_tree: Path) -> None:
    nested = video_tree / "run" / "take2"
    nested.mkdir()
    shutil.copy(video_tree / "run" / "ann_run.mp4", nested / "dan_run.mp4")
    (video_tree / "run" / ".hidden.mp4").write_bytes(b"junk")
    (video_tree / ".cache").mkdir()
    (video_tree / "README.txt").write_text("loose file in the root\n")
    (video_tree / "empty_class").mkdir()
    collection = FolderBuilder(video_tree).collect()
    assert collection.class_names == ["clap", "run", "wave"]
    paths = [clip.path for clip in collection.clips]
    assert "run/take2/dan_run.mp4" in paths and len(paths) == 10
    assert not any(".hidden" in path for path in paths)
    labels_file = tmp_path / "labels.txt"
    labels_file.write_text("wave\nclap\nrun\njump\n")
    ordered = FolderBuilder(video_tree, labels=labels_file).collect()
    assert ordered.class_names == ["wave", "clap", "run", "jump"]
    assert {clip.label for clip in ordered.clips if clip.path.startswith("wave/")} == {0}
    labels_file.write_text("wave\nclap\n")
    with pytest.raises(SynaptError, match="class folder\\(s\\) run are not listed"):
        FolderBuilder(video_tree, labels=labels_file).collect()


def test_manifests_give_splits_and_report_missing_files(tmp_path: Path, video_tree: Path) -> None:
    train = tmp_path / "train.csv"
    val = tmp_path / "val.csv"
    train.write_bytes(
        b"clap/ann_clap;0\r\nclap/bob_clap.mp4;0\r\nrun/ann_run;1\r\nrun/ghost_run;1\r\nwave/ann_wave;2\r\n"
    )
    val.write_bytes(b"clap/cid_clap;0\nrun/cid_run.avi;1\nwave/cid_wave;2\n")
    result = FolderBuilder(video_tree, manifests=[str(train), str(val)]).build(
        BuildOptions(out=tmp_path / "out")
    )
    assert result.class_names == ["clap", "run", "wave"]  # inferred from each label's folder
    assert {name: s.clips for name, s in result.splits.items()} == {"train": 4, "validation": 3}
    assert [(b.path, b.split) for b in result.bad] == [("run/ghost_run", "train")]
    assert f"{train}:4" in result.bad[0].reason and "not found" in result.bad[0].reason
    dataset = load_video_dataset(tmp_path / "out")
    assert sorted(dataset["validation"]["path"]) == [
        "clap/cid_clap.avi",
        "run/cid_run.avi",
        "wave/cid_wave.avi",
    ]
    with pytest.raises(SynaptError, match=r"1 bad file\(s\) \(--strict\); first: run/ghost_run"):
        FolderBuilder(video_tree, manifests=[str(train)]).build(
            BuildOptions(out=tmp_path / "strict", strict=True)
        )
    assert not (tmp_path / "strict").exists()


def test_folder_style_manifest_needs_labels(tmp_path: Path, video_tree: Path) -> None:
    listing = tmp_path / "all.txt"
    listing.write_text("run/ann_run\nwave/bob_wave\nclap/cid_clap\nrun/bob_run\n")
    with pytest.raises(SynaptError, match=r"all\.txt:1: 'class_folder/file' lines need --labels"):
        FolderBuilder(video_tree, manifests=[str(listing)]).collect()
    labels = tmp_path / "labels.txt"
    labels.write_text("wave\nrun\nclap\n")
    collection = FolderBuilder(video_tree, manifests=[str(listing)], labels=labels).collect()
    assert [(c.path, c.label, c.split) for c in collection.clips][:2] == [
        ("run/ann_run.mp4", 1, None),
        ("wave/bob_wave.mp4", 0, None),
    ]
    twice = tmp_path / "twice.txt"
    twice.write_text("run/ann_run\n")
    with pytest.raises(SynaptError, match="listed more than once"):
        FolderBuilder(video_tree, manifests=[str(listing), f"validation={twice}"], labels=labels).collect()


def test_manifest_split_names_and_class_name_inference(tmp_path: Path) -> None:
    assert split_of_manifest("val.csv") == ("validation", Path("val.csv"))
    assert split_of_manifest("testlist01.txt") == ("test", Path("testlist01.txt"))
    assert split_of_manifest("validation=lists/a.csv") == ("validation", Path("lists/a.csv"))
    assert split_of_manifest("all.csv") == (None, Path("all.csv"))
    with pytest.raises(SynaptError, match="unknown split 'dev'"):
        split_of_manifest("dev=lists/a.csv")
    shared = [ManifestEntry("videos/a.mp4", 0, 1), ManifestEntry("videos/b.mp4", 1, 2)]
    assert infer_class_names(shared) == ["class_0", "class_1"]


def test_cli_user_errors(tmp_path: Path, capsys) -> None:
    assert (
        main(["build-dataset", "folder", "--root", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    )
    assert "--root" in capsys.readouterr().err
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "x.mp4").write_bytes(b"x")
    assert (
        main(["build-dataset", "folder", "--root", str(tmp_path / "flat"), "--out", str(tmp_path / "o")]) == 2
    )
    err = capsys.readouterr().err
    assert "no class subfolders with files" in err and "Traceback" not in err
    args = [
        "build-dataset",
        "folder",
        "--root",
        str(tmp_path / "flat"),
        "--out",
        str(tmp_path / "o"),
        "--push-to-hub",
        "bad id",
    ]
    assert main(args) == 2
    assert "org/name" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_rebuilding_into_a_folder_under_the_root_ignores_the_old_output(video_tree: Path) -> None:
    out = video_tree / "built"
    FolderBuilder(video_tree).build(BuildOptions(out=out, split_by="none"))
    result = FolderBuilder(video_tree).build(BuildOptions(out=out, split_by="none", overwrite=True))
    assert result.class_names == ["clap", "run", "wave"] and not result.bad
    assert result.splits["train"].clips == 9


def test_out_holding_the_raw_data_is_refused(tmp_path: Path, video_tree: Path) -> None:
    for out in (video_tree, tmp_path):  # the root itself, or a folder above it
        with pytest.raises(SynaptError, match="contains 9 input file"):
            FolderBuilder(video_tree).build(BuildOptions(out=out, overwrite=True))
    assert len(list(video_tree.rglob("*.mp4"))) == 6 and len(list(video_tree.rglob("*.avi"))) == 3


def test_real_hmdb51_split_file_with_semicolon_names(shared_data: Path, tmp_path: Path, make_video) -> None:
    """The real PPMA HMDB51 list (extension-less entries, names containing ';'): present files are built, the
    other ~3.5k lines are reported as missing with file:line, and class names come from the folders."""
    manifest = shared_data / "splits" / "ppma" / "hmdb51" / "train.csv"
    lines = [line for line in manifest.read_text().splitlines() if line.strip()]
    wanted = [line.rsplit(";", 1)[0] for line in lines if line.count(";") > 1][:2]
    wanted.append(lines[0].rsplit(";", 1)[0])
    root = tmp_path / "hmdb51"
    clip = make_video("source.avi", num_frames=8, width=32, height=24, codec="mpeg4").read_bytes()
    for relative in wanted:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / f"{relative}.avi").write_bytes(clip)
    result = FolderBuilder(root, manifests=[f"train={manifest}"]).build(
        BuildOptions(out=tmp_path / "out", split_by="none")
    )
    assert len(result.class_names) == 51 and "laugh" in result.class_names and "talk" in result.class_names
    assert result.splits["train"].clips == 3 and len(result.bad) == len(lines) - 3
    assert all("not found" in bad.reason and "train.csv:" in bad.reason for bad in result.bad)
    built = load_video_dataset(tmp_path / "out", split="train")
    assert sorted(built["path"]) == sorted(f"{relative}.avi" for relative in wanted)
    laugh = [row for row in built if ";" in row["path"]]
    assert len(laugh) == 2 and {built.features["label"].int2str(row["label"]) for row in laugh} == {"laugh"}
