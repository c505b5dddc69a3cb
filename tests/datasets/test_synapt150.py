"""SynAPT-150: folder labels, `PRE_`/extension-less list entries, the source column and the ablation subsets."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from synapt_hf.data.format import load_video_dataset
from synapt_hf.datasets import synapt150
from synapt_hf.datasets.builder import BuildOptions
from synapt_hf.datasets.split_files import ParsedSplits, SplitEntry
from synapt_hf.datasets.synapt_subsets import apply_subset, choose_classes, choose_clips, share_quotas
from synapt_hf.errors import SynaptError

ON_DISK = [  # relative paths of the raw tree
    "a27/a27_d1_p066_c1_color.avi_v225_r00.mp4",  # listed with a PRE_ prefix
    "a27/a27_d1_p077_c1_color.avi_v135_r00.mp4",
    "clapping/A051_P001_G001_C001.mp4",
    "clapping/b1045-Urban-Day-Foggy-clap_01-Vincent-Kite-n-a5e1213a834906c1f67c9d68122167aa.mp4",
    "clapping/S001C001P001R001A010_v000_r00.mp4",
    "wipping_off_the_dinning_table/A030_P002_G001_C003.mp4",
    "wipping_off_the_dinning_table/A030_P003_G001_C003.mp4",
]
VAL_LIST = [
    "a27/PRE_a27_d1_p066_c1_color.avi_v225_r00",
    "clapping/A051_P001_G001_C001",
    "wipping_off_the_dinning_table/A030_P002_G001_C003",
]


@pytest.fixture
def tree(tmp_path: Path, make_video: Callable[..., Path]) -> Path:
    for rel in ON_DISK:
        (tmp_path / "raw" / rel).parent.mkdir(parents=True, exist_ok=True)
        make_video(f"raw/{rel}", num_frames=8, width=32, height=24)
    lists = tmp_path / "synapt"
    lists.mkdir()
    (lists / "syn_labels.txt").write_text(
        " \n".join(synapt150.CLASS_NAMES)
    )  # trailing blanks, no final newline
    (lists / "sim150_val.txt").write_text("\n".join(VAL_LIST) + "\n")
    return tmp_path


def test_source_patterns() -> None:
    assert synapt150.source_of("a27/PRE_PRE_a27_d1_p066_c1_color.avi_v225_r00") == "surreact-uestc"
    assert synapt150.source_of("x/S017C003P020R002A060_v045_r01.mp4") == "surreact-ntu"
    assert synapt150.source_of("x/A001_P010_G002_C004.mp4") == "eldersim"
    assert (
        synapt150.source_of("x/b3029-House-Dawn-Cloudy-clap_01-Civilian_Male01-Indoor-b-d95085465ac9.mp4")
        == "phav"
    )
    assert synapt150.source_of("x/v_YoYo_g01_c01.avi") is None


def test_folder_labels_follow_syn_labels() -> None:
    names = synapt150.CLASS_NAMES
    assert synapt150.folder_label("a0", names) == 0 and synapt150.folder_label("a39", names) == 39
    assert synapt150.folder_label("a40", names) is None
    assert names[synapt150.folder_label("brushing_hair", names)] == "brushing hair"
    assert (
        names[synapt150.folder_label("wipping_off_the_dinning_table", names)]
        == "wiping off the dinning table"
    )


def test_build_val_from_list_and_train_from_folders(tmp_path: Path, tree: Path) -> None:
    builder = synapt150.SynAPT150Builder(root=tree / "raw", splits=[str(tree)], size_check=False)
    result = builder.build(BuildOptions(out=tmp_path / "out"))
    assert {k: v.clips for k, v in result.splits.items()} == {"train": 4, "validation": 3}
    data = load_video_dataset(tmp_path / "out")
    names = data["train"].features["label"].names
    assert names == list(synapt150.CLASS_NAMES)
    val = sorted(zip(data["validation"]["path"], data["validation"]["source"], strict=True))
    assert val[0] == ("a27/a27_d1_p066_c1_color.avi_v225_r00.mp4", "surreact-uestc")
    assert Counter(data["train"]["source"]) == {
        "surreact-uestc": 1,
        "phav": 1,
        "surreact-ntu": 1,
        "eldersim": 1,
    }
    assert {names[label] for label in data["train"]["label"]} == {
        names[27],
        "clapping",
        "wiping off the dinning table",
    }


def test_bad_trees_are_clear_errors(tmp_path: Path, tree: Path, make_video: Callable[..., Path]) -> None:
    (tree / "raw" / "not_a_class").mkdir()
    make_video("raw/not_a_class/A001_P001_G001_C001.mp4", num_frames=8, width=32, height=24)
    with pytest.raises(SynaptError, match="1 folders are not SynAPT-150 classes, first 'not_a_class'"):
        synapt150.parse(tree / "raw", [tree])
    (tree / "raw" / "not_a_class" / "A001_P001_G001_C001.mp4").rename(
        tree / "raw" / "clapping" / "my_clip.mp4"
    )
    with pytest.raises(SynaptError, match=r"cannot tell the source of 'clapping/my_clip\.mp4'"):
        synapt150.parse(tree / "raw", [tree])


def entries(spec: dict[int, dict[str, int]]) -> list[SplitEntry]:
    """`{label: {source: count}}` -> entries named `<label>/<source>_<i>`."""
    return [
        SplitEntry(f"{label}/{source}_{i}", label, extra={"source": source})
        for label, sources in spec.items()
        for source, count in sources.items()
        for i in range(count)
    ]


def test_clip_subsets_take_equal_shares_per_source_and_are_nested() -> None:
    assert share_quotas({"phav": 100, "eldersim": 3, "surreact-ntu": 1000}, 250) == {
        "phav": 100,
        "eldersim": 3,
        "surreact-ntu": 147,
    }
    assert share_quotas({"a": 500, "b": 500}, 251) == {"a": 126, "b": 125}
    pool = entries({0: {"eldersim": 600, "phav": 100, "surreact-ntu": 900}, 1: {"surreact-uestc": 300}})
    small = choose_clips(pool, 250, seed=0)
    assert Counter((e.label, e.extra["source"]) for e in small) == {
        (0, "eldersim"): 84,
        (0, "phav"): 83,
        (0, "surreact-ntu"): 83,
        (1, "surreact-uestc"): 250,
    }
    large = choose_clips(pool, 500, seed=0)
    assert {e.path for e in small} <= {e.path for e in large}
    assert choose_clips(list(reversed(pool)), 250, seed=0) == small  # listing order does not matter
    assert {e.path for e in choose_clips(pool, 250, seed=1)} != {e.path for e in small}


def test_class_subsets_are_nested_and_relabelled() -> None:
    assert choose_classes(150, 30) == choose_classes(150, 30)
    assert set(choose_classes(150, 30)) < set(choose_classes(150, 60)) < set(choose_classes(150, 120))
    with pytest.raises(SynaptError, match="--num-classes must be between 1 and 150"):
        choose_classes(150, 151)
    parsed = ParsedSplits(
        list(synapt150.CLASS_NAMES),
        {
            "train": entries({k: {"phav": 3} for k in range(150)}),
            "validation": entries({k: {"eldersim": 1} for k in range(150)}),
        },
        "test",
    )
    subset = apply_subset(parsed, num_classes=30, clips_per_class=2, seed=0)
    kept = choose_classes(150, 30)
    assert subset.class_names == [synapt150.CLASS_NAMES[k] for k in kept]
    assert len(subset.splits["train"]) == 60 and len(subset.splits["validation"]) == 30
    assert {e.label for e in subset.splits["validation"]} == set(range(30))
    first = subset.splits["validation"][0]
    assert subset.class_names[first.label] == synapt150.CLASS_NAMES[int(first.path.split("/")[0])]


def test_two_entries_for_one_file_are_an_error(tree: Path) -> None:
    val = tree / "synapt" / "sim150_val.txt"
    val.write_text(val.read_text() + "a27/a27_d1_p066_c1_color.avi_v225_r00\n")  # the PRE_ entry's file again
    builder = synapt150.SynAPT150Builder(
        root=tree / "raw", splits=[str(tree)], size_check=False, include_train=False
    )
    with pytest.raises(
        SynaptError, match=r"sim150_val.txt:4: .* is the same file as the entry at .*sim150_val.txt:1"
    ):
        builder.collect()


def test_cli_flags_reach_the_builder(tmp_path: Path) -> None:
    from synapt_hf.cli import build_parser
    from synapt_hf.datasets import get_builder

    parser = build_parser()
    common = ["build-dataset", "synapt150", "--root", str(tmp_path), "--out", str(tmp_path / "o")]
    args = parser.parse_args(
        [*common, "--num-classes", "60", "--clips-per-class", "500", "--seed", "3", "--short-side", "256"]
    )
    builder = get_builder("synapt150").from_args(args)
    assert (builder.num_classes, builder.clips_per_class, builder.seed, builder.short_side) == (
        60,
        500,
        3,
        256,
    )
    assert builder.reencode_cache == tmp_path / "o.reencode-cache"
    with pytest.raises(SystemExit):
        parser.parse_args([*common, "--num-classes", "31"])
