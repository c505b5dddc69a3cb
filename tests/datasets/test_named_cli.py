"""`synapt build-dataset NAME` end to end: summary, idempotent rebuilds, the dataset card."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import datasets
import yaml

from synapt_hf.cli import main
from synapt_hf.data.format import load_video_dataset
from synapt_hf.datasets import ikea_fa
from synapt_hf.datasets.builder import BuildOptions
from synapt_hf.datasets.card import render_dataset_card

CLIPS = {
    "train": ["ikea_furniture/videos/spin_in/a.mp4", "ikea_furniture/videos/flip_over/b.mp4"],
    "val": ["ikea_furniture/videos/spin_in/c.mp4"],
}
LABELS = {"spin_in": 10, "flip_over": 8}


def make_tree(tmp_path: Path, make_video: Callable[..., Path]) -> Path:
    for rel in CLIPS["train"] + CLIPS["val"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        make_video(rel, num_frames=8, width=32, height=24)
    splits = tmp_path / "lists"
    splits.mkdir()
    for split, rels in CLIPS.items():
        (splits / f"{split}.csv").write_text("".join(f"{r};{LABELS[r.split('/')[-2]]}\r\n" for r in rels))
    return splits


def test_cli_build_prints_the_summary_and_rebuilds_identically(tmp_path: Path, make_video, capsys) -> None:
    splits = make_tree(tmp_path, make_video)
    args = ["build-dataset", "ikea-fa", "--root", str(tmp_path), "--splits", str(splits), "--no-size-check"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    printed = capsys.readouterr().out
    assert "train" in printed and "validation" in printed and "hours" in printed
    assert main([*args, "--out", str(tmp_path / "a")]) == 2  # never overwrites silently
    assert "not empty" in capsys.readouterr().err
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    a, b = load_video_dataset(tmp_path / "a"), load_video_dataset(tmp_path / "b")
    for split in ("train", "validation"):
        assert a[split].to_dict() == b[split].to_dict()
    assert (
        main(
            [
                "build-dataset",
                "ikea-fa",
                "--root",
                str(tmp_path),
                "--splits",
                str(splits),
                "--out",
                str(tmp_path / "c"),
            ]
        )
        == 2
    )
    assert "documented 12" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()


def test_dataset_card_has_metadata_licences_citations_and_classes(tmp_path: Path, make_video) -> None:
    splits = make_tree(tmp_path, make_video)
    builder = ikea_fa.IkeaFABuilder(root=tmp_path, splits=[str(splits)], size_check=False)
    options = BuildOptions(out=tmp_path / "out", command="synapt build-dataset ikea-fa ...")
    card = render_dataset_card(builder, builder.build(options), options)
    header = yaml.safe_load(card.split("---")[1])
    assert header["task_categories"] == ["video-classification"] and header["license"] == "other"
    assert [f["split"] for f in header["configs"][0]["data_files"]] == ["train", "validation"]
    for text in (
        "toyer2017human",
        "zhong2023ppma",
        "kim2022synapt",
        "| 11 | spin_out |",
        "train 1,781, validation 163",
        "licence (IKEA Furniture Assembly (IkeaFA))",
        "PPMA ikea-fa lists",
    ):
        assert text in card, text


def test_push_to_hub_uploads_parquet_and_the_named_card(tmp_path: Path, make_video, fake_hub, capsys) -> None:
    splits = make_tree(tmp_path, make_video)
    args = ["build-dataset", "ikea-fa", "--root", str(tmp_path), "--splits", str(splits), "--no-size-check"]
    assert (
        main(
            [
                *args,
                "--out",
                str(tmp_path / "out"),
                "--push-to-hub",
                "synapt-test/ikea-fa",
                "--license",
                "other",
            ]
        )
        == 0
    )
    files = fake_hub.files("synapt-test/ikea-fa")
    readme = files["README.md"].decode("utf-8")
    header = yaml.safe_load(readme.split("---")[1])
    assert (
        header["task_categories"] == ["video-classification"]
        and header["pretty_name"] == "IKEA Furniture Assembly"
        and header["license"] == "other"
    )
    assert "toyer2017human" in readme and "| 10 | spin_in |" in readme
    shard = next(name for name in files if name.startswith("data/validation-") and name.endswith(".parquet"))
    (tmp_path / "v.parquet").write_bytes(files[shard])
    pushed = datasets.Dataset.from_parquet(str(tmp_path / "v.parquet"))
    assert pushed.features["label"].names == list(ikea_fa.CLASS_NAMES)
    assert pushed["path"] == ["ikea_furniture/videos/spin_in/c.mp4"] and pushed["label"] == [10]
