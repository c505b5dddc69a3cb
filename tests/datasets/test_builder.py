"""The shared build pipeline: splits, bad inputs, atomic output, summary, dataset card, push checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from huggingface_hub import DatasetCard

from synapt_hf.data.format import load_video_dataset
from synapt_hf.data.video import probe
from synapt_hf.datasets import BUILDERS, get_builder
from synapt_hf.datasets.builder import BuildOptions, assign_splits
from synapt_hf.datasets.card import render_dataset_card
from synapt_hf.datasets.clip_collection import Clip
from synapt_hf.datasets.folder import FolderBuilder
from synapt_hf.datasets.train_val_split import compile_group_pattern, group_split, ratio_split
from synapt_hf.errors import SynaptError

ACTOR = r"^(?P<group>[^_]+)_"


def _clips(num_classes: int = 3, per_class: int = 10) -> list[Clip]:
    return [
        Clip(file=Path(f"/x/c{c}/a{i}_c{c}.mp4"), path=f"c{c}/a{i}_c{c}.mp4", label=c)
        for c in range(num_classes)
        for i in range(per_class)
    ]


def test_ratio_split_is_stratified_and_deterministic() -> None:
    clips = _clips()
    first = ratio_split(clips, 0.2, seed=0)
    assert [c.split for c in first] == [c.split for c in ratio_split(list(reversed(clips)), 0.2, seed=0)]
    for label in range(3):
        assert sum(1 for c in first if c.label == label and c.split == "validation") == 2
    other = ratio_split(clips, 0.2, seed=1)
    assert {c.path for c in first if c.split == "validation"} != {
        c.path for c in other if c.split == "validation"
    }
    single = ratio_split(_clips(num_classes=1, per_class=1), 0.5, seed=0)
    assert [c.split for c in single] == ["train"]


def test_group_split_keeps_groups_on_one_side() -> None:
    pattern = compile_group_pattern(ACTOR)
    result = group_split(_clips(per_class=5), pattern, 0.4, seed=3)
    train = {c.extra["group"] for c in result if c.split == "train"}
    validation = {c.extra["group"] for c in result if c.split == "validation"}
    assert not train & validation and len(validation) == 2 and len(train) == 3
    assert result == group_split(list(reversed(_clips(per_class=5))), pattern, 0.4, seed=3)
    bad_names = [*_clips(per_class=2), Clip(file=Path("/x/y"), path="c0/nounderscore.mp4", label=0)]
    with pytest.raises(SynaptError, match=r"does not match 1 file name\(s\): c0/nounderscore\.mp4"):
        group_split(bad_names, pattern, 0.4, seed=0)
    with pytest.raises(SynaptError, match="needs a capture group"):
        compile_group_pattern("^[^_]+_")
    with pytest.raises(SynaptError, match="not a valid regular expression"):
        compile_group_pattern("(?P<group>")


def test_registry() -> None:
    assert "folder" in BUILDERS
    assert get_builder("folder") is FolderBuilder
    with pytest.raises(SynaptError, match="unknown dataset builder 'nope'"):
        get_builder("nope")


def test_bad_inputs_are_listed_and_skipped(
    tmp_path: Path, video_tree: Path, bad_files: dict[str, Path]
) -> None:
    for kind, file in bad_files.items():
        shutil.copy(file, video_tree / "run" / f"zz_{kind}{file.suffix}")
    out = tmp_path / "out"
    result = FolderBuilder(video_tree).build(
        BuildOptions(out=out, split_by="group", group_pattern=ACTOR, val_ratio=0.34)
    )
    reasons = {Path(b.path).name: b.reason for b in result.bad}
    assert set(reasons) == {f"zz_{kind}{file.suffix}" for kind, file in bad_files.items()}
    assert "empty" in reasons["zz_empty.mp4"] and "0 bytes" in reasons["zz_empty.mp4"]
    assert "no video stream" in reasons["zz_audio.wav"]
    assert reasons["zz_truncated_avi.avi"].startswith("truncated: the container declares 60 frames but only")
    assert all(reason and "Traceback" not in reason for reason in reasons.values())
    loaded = load_video_dataset(out)
    assert sum(len(split) for split in loaded.values()) == 9
    assert result.splits["train"].clips + result.splits["validation"].clips == 9
    assert all(b.split is None for b in result.bad)  # probed before the split: no split claims them
    summary = result.summary()
    assert summary.splitlines()[-1].split()[:4] == ["total", "9", "3", str(len(bad_files))]


def test_strict_stops_before_writing(tmp_path: Path, video_tree: Path, bad_files: dict[str, Path]) -> None:
    shutil.copy(bad_files["corrupt"], video_tree / "wave" / "zz_corrupt.mp4")
    out = tmp_path / "out"
    with pytest.raises(SynaptError, match=r"1 bad file\(s\) \(--strict\); first: wave/zz_corrupt\.mp4: "):
        FolderBuilder(video_tree).build(BuildOptions(out=out, strict=True))
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_output_is_checked_first_and_replaced_atomically(tmp_path: Path, video_tree: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    with pytest.raises(SynaptError, match="not empty"):
        FolderBuilder(video_tree).build(BuildOptions(out=out))
    result = FolderBuilder(video_tree).build(BuildOptions(out=out, overwrite=True, val_ratio=0.34, seed=5))
    assert not (out / "keep.txt").exists() and (out / "dataset_dict.json").is_file()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert set(result.splits) == {"train", "validation"}
    assert all(result.class_counts[s][label] >= 1 for s in result.splits for label in range(3))


def test_embeds_bytes_even_when_paths_exist_in_cwd(tmp_path: Path, video_tree: Path, monkeypatch) -> None:
    monkeypatch.chdir(video_tree)  # the stored relative paths now name real files in the working directory
    FolderBuilder(".").build(BuildOptions(out=tmp_path / "out", split_by="none"))
    train = load_video_dataset(tmp_path / "out", split="train")
    row = train[0]
    assert row["path"] == "clap/ann_clap.mp4"
    assert row["video"]["bytes"] == (video_tree / "clap" / "ann_clap.mp4").read_bytes()
    info = probe(row["video"]["bytes"])
    assert (row["num_frames"], row["width"], row["height"]) == (info.num_frames, 32, 24)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"split_by": "group"}, "needs --group-pattern"),
        ({"split_by": "ratio", "val_ratio": 1.5}, "--val-ratio must be strictly between 0 and 1"),
        ({"num_proc": 0}, "--num-proc must be at least 1"),
        ({"group_pattern": ACTOR}, "only used with --split-by group"),
        ({"push_to_hub": "no-slash", "license": "mit"}, "is not a Hub repo id of the form 'org/name'"),
        ({"push_to_hub": "org/na me", "license": "mit"}, "is not a valid Hub repo id"),
        ({"push_to_hub": "org/name"}, "--license is required"),
        ({"license": " "}, "--license: empty licence id"),
    ],
)
def test_options_rejected_before_work(tmp_path: Path, options: dict, message: str) -> None:
    with pytest.raises(SynaptError, match=message):
        BuildOptions(out=tmp_path / "out", **options).check()


def test_push_without_token_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    import huggingface_hub.constants

    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_OIDC_RESOURCE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_TOKEN_PATH", str(tmp_path / "no-token"))
    with pytest.raises(SynaptError, match="no Hugging Face token found"):
        BuildOptions(out=tmp_path / "out", push_to_hub="org/name", license="unknown").check()


def test_dataset_card_renders_and_parses(tmp_path: Path, video_tree: Path) -> None:
    builder = FolderBuilder(video_tree, pretty_name="Tiny actions", license="cc-by-4.0")
    options = BuildOptions(
        out=tmp_path / "out", split_by="group", group_pattern=ACTOR, val_ratio=0.34, command="synapt x"
    )
    result = builder.build(options)
    text = render_dataset_card(builder, result, options)
    card = DatasetCard(text)
    assert card.data.task_categories == ["video-classification"]
    assert card.data.license == "cc-by-4.0"
    assert "synapt" in card.data.tags
    assert card.data.pretty_name == "Tiny actions"
    assert card.data.size_categories == ["n<1K"]
    assert card.data.configs[0]["data_files"] == [
        {"split": s, "path": [f"data/{s}-*"]} for s in ("train", "validation")
    ]
    splits = card.data.dataset_info["splits"]
    assert [(s["name"], s["num_examples"]) for s in splits] == [
        (n, s.clips) for n, s in result.splits.items()
    ]
    assert "features" not in card.data.dataset_info  # the parquet files keep Video(decode=False)
    for label, name in enumerate(("clap", "run", "wave")):
        assert f"| {label} | {name} |" in card.text
    assert f"| train | {result.splits['train'].clips} | 3 |" in card.text
    assert "no group is in two splits" in card.text and "synapt x" in card.text
    assert "kim2022synapt" in card.text


def test_missing_builder_module_does_not_break_the_cli(monkeypatch, tmp_path: Path, capsys) -> None:
    from synapt_hf import datasets as registry
    from synapt_hf.cli import main

    monkeypatch.setitem(registry.BUILDERS, "ghost", "synapt_hf.datasets.no_such_module:GhostBuilder")
    assert main(["build-dataset", "ghost"]) == 2
    assert (
        "'ghost' is registered but its module synapt_hf.datasets.no_such_module is missing"
        in capsys.readouterr().err
    )
    assert main(["info", str(tmp_path / "absent.mp4")]) == 2  # other commands still work


def test_carving_validation_out_of_a_source_split() -> None:
    given = [
        *(replace_split(c, "train") for c in _clips(per_class=5)),
        *(replace_split(c, "test") for c in _clips(num_classes=1, per_class=2)),
    ]
    result = assign_splits(given, "ratio", None, 0.2, seed=0)
    assert {c.split for c in result} == {"train", "validation", "test"}
    assert sum(c.split == "validation" for c in result) == 3 and sum(c.split == "test" for c in result) == 2
    assert assign_splits(given, "none", None, 0.2, seed=0) == given
    with pytest.raises(SynaptError, match="already defines a validation split"):
        assign_splits([replace_split(given[0], "validation"), *given[1:]], "ratio", None, 0.2, seed=0)


def replace_split(clip: Clip, split: str) -> Clip:
    from dataclasses import replace

    return replace(clip, split=split)


def test_progress_bars_while_probing_and_embedding(tmp_path: Path, video_tree: Path, tty_stderr) -> None:
    shown = tty_stderr()
    FolderBuilder(video_tree).build(BuildOptions(out=tmp_path / "shown", val_ratio=0.34))
    for bar in ("probing: 100%", "9/9", "embedding train: 100%", "embedding validation: 100%"):
        assert bar in shown.getvalue(), bar
    quiet = tty_stderr()
    FolderBuilder(video_tree).build(BuildOptions(out=tmp_path / "quiet", val_ratio=0.34, quiet=True))
    assert "%|" not in quiet.getvalue()
