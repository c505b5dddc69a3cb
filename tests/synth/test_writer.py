from __future__ import annotations

import json
import logging
import multiprocessing
import os
from pathlib import Path

import numpy as np
import pytest

from synapt_hf.data.format import class_names, load_video_dataset
from synapt_hf.data.video import decode_frames, probe
from synapt_hf.errors import SynaptError
from synapt_hf.synth.clips import render_clips
from synapt_hf.synth.config import GeneratorConfig
from synapt_hf.synth.writer import CHUNK_CLIPS, generate_dataset, work_dir_for


@pytest.fixture
def writer_config() -> GeneratorConfig:
    return GeneratorConfig.create("squatting,clapping", frames=4, size=48, seed=5)


def test_dataset_round_trips_through_the_foundation_decoder(tmp_path, writer_config):
    out = tmp_path / "synth"
    generate_dataset(writer_config, clips_per_class=3, out_dir=out, val_clips_per_class=1, progress=False)
    assert not work_dir_for(out).exists()
    dataset = load_video_dataset(out)
    assert set(dataset) == {"train", "validation"}
    assert len(dataset["train"]) == 6 and len(dataset["validation"]) == 2
    assert class_names(dataset) == ["squatting", "clapping"]
    train = dataset["train"]
    assert sorted(train["label"]) == [0, 0, 0, 1, 1, 1]
    expected, samples = render_clips(writer_config, range(6), "train")
    clips = expected.numpy().astype(np.float64)
    for k, (row, sample) in enumerate(zip(train, samples, strict=True)):
        data = row["video"]["bytes"]
        info = probe(data)
        assert (info.num_frames, info.width, info.height, info.codec) == (4, 48, 48, "h264")
        assert (row["num_frames"], row["width"], row["height"]) == (4, 48, 48)
        assert row["label"] == sample.label and row["class_name"] == writer_config.classes[sample.label]
        assert row["seed"] == 5 and row["index"] == sample.index
        assert set(row["camera"]) >= {"azimuth_deg", "elevation_deg", "focal"} and row["body"]["height"] > 1.4
        decoded = decode_frames(data, list(range(4))).astype(np.float64)
        mse = np.mean((decoded - clips[k]) ** 2)
        # Lossy H.264 (CRF 23) of the very frames that were rendered: far closer to them than to other clips.
        assert 10 * np.log10(255**2 / mse) > 18
        others = [np.mean((decoded - other) ** 2) for j, other in enumerate(clips) if j != k]
        assert mse < min(others)


def test_shards_merge_into_the_same_dataset_and_partial_runs_never_look_complete(tmp_path, writer_config):
    config = GeneratorConfig.from_dict({**writer_config.to_dict(), "frames": 2, "size": 16})
    per_class = CHUNK_CLIPS  # two chunks per split -> both shards have work
    whole = generate_dataset(config, per_class, tmp_path / "whole", val_clips_per_class=1, progress=False,
                             batch_size=32)  # fmt: skip
    out = tmp_path / "sharded"
    first = generate_dataset(config, per_class, out, val_clips_per_class=1, num_shards=2, shard_index=0,
                             progress=False, batch_size=7)  # fmt: skip
    assert first is None and not out.exists()  # half done: nothing that looks like a dataset
    merged = generate_dataset(config, per_class, out, val_clips_per_class=1, num_shards=2, shard_index=1,
                              progress=False, batch_size=5)  # fmt: skip
    assert merged is not None and out.is_dir()
    for split in ("train", "validation"):
        assert (
            merged[split].remove_columns("video").to_list() == whole[split].remove_columns("video").to_list()
        )
        assert merged[split]["video"] == whole[split]["video"]


def _generate_on_one_core(config_dict: dict, out: str) -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    generate_dataset(GeneratorConfig.from_dict(config_dict), 4, out, val_clips_per_class=1, num_proc=2,
                     batch_size=3, progress=False)  # fmt: skip


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs CPU affinity (Linux)")
def test_same_seed_gives_the_same_bytes_whatever_processes_batches_and_cores(tmp_path):
    # 112 px, 16 frames: large enough that x264 with an automatic thread count encodes differently on
    # different core counts; the writer pins one encoder thread, so every file of the dataset is identical.
    config = GeneratorConfig.create("walking,jumping_jack", frames=16, size=112, seed=7)
    here = generate_dataset(config, 4, tmp_path / "here", val_clips_per_class=1, progress=False, batch_size=8)
    child = multiprocessing.get_context("spawn").Process(
        target=_generate_on_one_core, args=(config.to_dict(), str(tmp_path / "one-core"))
    )
    child.start()
    child.join()
    assert child.exitcode == 0
    assert _files(tmp_path / "here") == _files(tmp_path / "one-core")
    encoder = json.loads(here["train"].info.description.split("generator settings: ", 1)[1])["encoder"]
    assert encoder["codec"] == "h264" and encoder["threads"] == 1 and encoder["libavcodec"]


def test_worker_processes_write_the_same_rows(tmp_path, writer_config):
    config = GeneratorConfig.from_dict({**writer_config.to_dict(), "frames": 2, "size": 16})
    single = generate_dataset(config, CHUNK_CLIPS, tmp_path / "one", val_clips_per_class=0, progress=False)
    multi = generate_dataset(config, CHUNK_CLIPS, tmp_path / "two", val_clips_per_class=0, num_proc=2,
                             progress=False)  # fmt: skip
    assert multi["train"].to_list() == single["train"].to_list()


def test_fused_kernels_write_the_same_rows(tmp_path, writer_config):
    config = GeneratorConfig.from_dict({**writer_config.to_dict(), "frames": 2, "size": 16})
    eager = generate_dataset(
        config, 2, tmp_path / "eager", val_clips_per_class=0, progress=False, fused=False
    )
    fused = generate_dataset(config, 2, tmp_path / "fused", val_clips_per_class=0, progress=False, fused=True)
    columns = [c for c in eager["train"].column_names if c != "video"]
    assert (
        fused["train"].select_columns(columns).to_list() == eager["train"].select_columns(columns).to_list()
    )
    for a, b in zip(eager["train"]["video"], fused["train"]["video"], strict=True):
        # identical pixels on this CPU; elsewhere rounding may flip rare pixels, never whole frames
        frames_a, frames_b = (decode_frames(v["bytes"], range(2)).astype(np.int16) for v in (a, b))
        assert np.abs(frames_a - frames_b).mean() < 1.0


def test_an_interrupted_run_resumes_from_its_chunks(tmp_path, writer_config, caplog):
    config = GeneratorConfig.from_dict({**writer_config.to_dict(), "frames": 2, "size": 16})
    out = tmp_path / "synth"
    # Stands for a run stopped halfway: only shard 0's chunks exist, nothing at `out`.
    generate_dataset(
        config, CHUNK_CLIPS, out, val_clips_per_class=0, num_shards=2, shard_index=0, progress=False
    )
    chunks = work_dir_for(out) / "chunks"
    assert [p.name for p in chunks.iterdir()] == ["train-000000"] and not out.exists()
    caplog.set_level(logging.INFO, logger="synapt_hf.synth.writer")
    resumed = generate_dataset(config, CHUNK_CLIPS, out, val_clips_per_class=0, progress=False)
    assert f"resuming: {CHUNK_CLIPS} of {2 * CHUNK_CLIPS} clips" in caplog.text
    assert resumed["train"]["index"] == list(range(2 * CHUNK_CLIPS))
    assert not work_dir_for(out).exists()


def test_bad_input_fails_before_any_work(tmp_path, writer_config):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "file.txt").write_text("x")
    with pytest.raises(SynaptError, match="not empty"):
        generate_dataset(writer_config, 2, out, progress=False)
    assert not work_dir_for(out).exists()
    with pytest.raises(SynaptError, match="clips-per-class"):
        generate_dataset(writer_config, 0, tmp_path / "x", progress=False)
    with pytest.raises(SynaptError, match="shard-index"):
        generate_dataset(writer_config, 2, tmp_path / "x", num_shards=2, shard_index=2, progress=False)
    generate_dataset(writer_config, 1, out, val_clips_per_class=0, overwrite=True, progress=False)
    assert not (out / "file.txt").exists() and (out / "dataset_dict.json").is_file()


def test_a_run_with_other_settings_does_not_resume_silently(tmp_path, writer_config):
    out = tmp_path / "synth"
    generate_dataset(writer_config, CHUNK_CLIPS, out, val_clips_per_class=0, num_shards=2, shard_index=0,
                     progress=False)  # fmt: skip
    other = GeneratorConfig.from_dict({**writer_config.to_dict(), "seed": 6})
    with pytest.raises(SynaptError, match="different settings"):
        generate_dataset(other, CHUNK_CLIPS, out, val_clips_per_class=0, progress=False)
