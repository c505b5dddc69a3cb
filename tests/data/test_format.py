"""The dataset format: features, atomic save, loading from disk / parquet, validation."""

from __future__ import annotations

from pathlib import Path

import datasets
import pytest

from synapt_hf.data import format as fmt
from synapt_hf.data.video import decode_frames, encode_video, probe
from synapt_hf.errors import SynaptError

CLASSES = ["wave", "jump", "run"]


def _dataset(known_content, rows: int = 3) -> datasets.DatasetDict:
    records = []
    for k in range(rows):
        data = encode_video(known_content.frames(6 + k, 16, 24), fps=10, gop_size=4)
        records.append(
            {
                "video": fmt.video_value(data, f"clips/{k}.mp4"),
                "label": k % len(CLASSES),
                **fmt.info_columns(probe(data)),
                "path": f"clips/{k}.mp4",
                "source": "test",
            }
        )
    features = fmt.video_features(CLASSES, extra={"source": datasets.Value("string")})
    split = datasets.Dataset.from_list(records, features=features)
    return datasets.DatasetDict({"train": split, "validation": split.select([0])})


def test_features_have_the_documented_columns():
    features = fmt.video_features(CLASSES)
    assert list(features) == ["video", "label", "num_frames", "width", "height", "fps", "path"]
    assert isinstance(features["video"], datasets.Video) and features["video"].decode is False
    assert features["label"].names == CLASSES
    assert features["num_frames"].dtype == "int32" and features["fps"].dtype == "float32"
    with pytest.raises(SynaptError, match="clashes"):
        fmt.video_features(CLASSES, extra={"label": datasets.Value("string")})
    with pytest.raises(SynaptError, match="duplicates"):
        fmt.video_features(["a", "a"])


def test_save_and_load_round_trip(tmp_path, known_content):
    out = fmt.save_dataset_atomic(_dataset(known_content), tmp_path / "set")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["set"]  # no temporary left behind
    loaded = fmt.load_video_dataset(out)
    assert set(loaded) == {"train", "validation"}
    assert fmt.class_names(loaded) == CLASSES
    example = loaded["train"][2]
    assert (example["num_frames"], example["width"], example["height"]) == (8, 24, 16)
    assert example["path"] == "clips/2.mp4"  # datasets keeps only the file name in video["path"]
    assert example["video"]["path"].endswith("2.mp4")
    frames = decode_frames(fmt.video_bytes(example), [7, 0])
    assert known_content.indices(frames) == [7, 0]
    validation = fmt.load_video_dataset(str(out), split="validation")
    assert len(validation) == 1
    with pytest.raises(SynaptError, match="no split 'test'"):
        fmt.load_video_dataset(out, split="test")


def test_parquet_folder_loads(tmp_path, known_content):
    dataset = _dataset(known_content)
    folder = tmp_path / "pq"
    (folder / "data").mkdir(parents=True)
    for name, split in dataset.items():
        split.to_parquet(str(folder / "data" / f"{name}-00000-of-00001.parquet"))
    loaded = fmt.load_video_dataset(folder)
    assert set(loaded) == {"train", "validation"}
    assert fmt.class_names(loaded) == CLASSES
    assert len(fmt.video_bytes(loaded["train"][0])) > 100


def test_existing_output_is_refused_unless_overwrite(tmp_path, known_content):
    dataset = _dataset(known_content, rows=1)
    out = tmp_path / "set"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    with pytest.raises(SynaptError, match=str(out)):
        fmt.save_dataset_atomic(dataset, out)
    assert (out / "keep.txt").exists()
    fmt.save_dataset_atomic(dataset, out, overwrite=True)
    assert not (out / "keep.txt").exists() and (out / "dataset_dict.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["set"]
    (tmp_path / "empty").mkdir()
    fmt.save_dataset_atomic(dataset, tmp_path / "empty")  # an empty folder is fine
    assert (tmp_path / "empty" / "dataset_dict.json").is_file()


def test_failed_save_leaves_nothing_complete_looking(tmp_path, known_content):
    out = tmp_path / "set"
    train = _dataset(known_content, rows=1)["train"]
    # save_to_disk writes dataset_dict.json and the train split, then fails on the second split
    half_saveable = datasets.DatasetDict({"train": train, "validation": None})
    with pytest.raises(AttributeError):
        fmt.save_dataset_atomic(half_saveable, out)
    assert list(tmp_path.iterdir()) == []
    # with overwrite, a failed save keeps the previous output intact
    fmt.save_dataset_atomic(datasets.DatasetDict({"train": train}), out)
    with pytest.raises(AttributeError):
        fmt.save_dataset_atomic(half_saveable, out, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["set"]
    assert list(fmt.load_video_dataset(out)) == ["train"]


def test_missing_columns_and_sources_are_clear_errors(tmp_path):
    plain = datasets.Dataset.from_dict({"video": [{"bytes": b"x", "path": "a"}], "text": ["a"]})
    plain.save_to_disk(str(tmp_path / "plain"))
    with pytest.raises(SynaptError, match="label"):
        fmt.load_video_dataset(tmp_path / "plain")
    with pytest.raises(SynaptError, match="no such dataset directory"):
        fmt.load_video_dataset(tmp_path / "nowhere")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(SynaptError, match="not a dataset directory"):
        fmt.load_video_dataset(tmp_path / "file.txt")
    with pytest.raises(SynaptError, match="ClassLabel"):
        fmt.class_names(plain)


def test_video_bytes_reads_cells_and_paths(tmp_path):
    assert fmt.video_bytes({"video": {"bytes": b"abc", "path": None}}) == b"abc"
    file = Path(tmp_path / "v.mp4")
    file.write_bytes(b"xyz")
    assert fmt.video_bytes({"video": {"bytes": None, "path": str(file)}}) == b"xyz"
    with pytest.raises(SynaptError, match="not a readable file"):
        fmt.video_bytes({"video": {"bytes": None, "path": "nope.mp4"}})
    with pytest.raises(SynaptError, match="no 'video' column"):
        fmt.video_bytes({"label": 1})


def test_a_decoding_video_feature_is_loaded_as_bytes(tmp_path, known_content):
    """Hub cards that declare `dtype: video` load with decode=True; the format always hands out bytes."""
    dd = _dataset(known_content)
    dd = dd.cast_column("video", datasets.Video(decode=True))
    dd.save_to_disk(str(tmp_path / "decoding"))
    loaded = fmt.load_video_dataset(tmp_path / "decoding", split="train")
    assert loaded.features["video"].decode is False
    assert probe(fmt.video_bytes(loaded[0])).num_frames == 6
