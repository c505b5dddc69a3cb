"""The online generator's device path (render + augment where training runs) against the worker path."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from synapt_hf.data.transforms import ClipTransform
from synapt_hf.synth.config import GeneratorConfig
from synapt_hf.training import train
from synapt_hf.training.data import StreamedClips


@pytest.fixture
def stream() -> StreamedClips:
    config = GeneratorConfig.create(3, frames=4, size=32, seed=5)
    transform = ClipTransform(resize=32, crop=(32, 32), train=True, scale=(0.3, 1.0))
    return StreamedClips(config, transform, clips_per_epoch=24, batch_size=3, seed=11)


@pytest.mark.parametrize(("first", "group", "workers"), [(0, 6, 0), (2, 7, 2)])
def test_device_batches_equal_the_worker_batches(stream, first, group, workers, same_pixels_up_to_rounding):
    """Same clips, labels and augmentation whatever the render grouping, worker count or resume point (the
    device path resizes the batch with matrix products, the workers clip by clip: equal up to rounding)."""
    expected = list(stream.batches(epoch=1, first_batch=first, last_batch=4, rank=1, world=2))
    got = list(stream.device_batches(1, first, 4, 1, 2, torch.device("cpu"), workers=workers, group=group))
    assert len(got) == len(expected) == 4 - first
    for a, b in zip(got, expected, strict=True):
        assert torch.equal(a["labels"], b["labels"])
        same_pixels_up_to_rounding(a["pixel_values"], b["pixel_values"])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
@pytest.mark.parametrize(("repeats", "renderer"), [(1, "eager"), (2, "auto")])
def test_online_run_renders_on_the_training_gpu(tmp_path: Path, tiny_options, repeats, renderer) -> None:
    options = {"synthetic_classes": 3, "synthetic_train_clips": 4, "synthetic_eval_clips": 1, "max_steps": 4}
    options.update(repeated_sampling=repeats, synthetic_renderer=renderer)
    config = tiny_options(tmp_path / "run", None, dataloader_num_workers=2, **options)
    results = train(config)
    assert results["num_train"] == 12 and results["global_step"] == 4


def test_prefetch_in_thread_keeps_order_raises_and_stops_early():
    from synapt_hf.training.prefetch import prefetch_in_thread

    def batches():
        for i in range(5):
            yield {"x": torch.full((2,), i)}

    got = [int(b["x"][0]) for b in prefetch_in_thread(batches, torch.device("cpu"))]
    assert got == [0, 1, 2, 3, 4]

    def broken():
        yield {"x": torch.zeros(1)}
        raise ValueError("render failed")

    with pytest.raises(ValueError, match="render failed"):
        list(prefetch_in_thread(broken, torch.device("cpu")))
    produced = []

    def endless():
        i = 0
        while True:
            produced.append(i)
            yield {"x": torch.tensor([i])}
            i += 1

    stream = prefetch_in_thread(endless, torch.device("cpu"), depth=2)
    assert int(next(stream)["x"]) == 0
    stream.close()  # the consumer stops early: the producer stops too
    count = len(produced)
    import time

    time.sleep(0.3)
    assert len(produced) == count <= 5


def test_augmenting_on_the_device_trains_like_augmenting_in_workers(
    tmp_path: Path, tiny_options, tiny_dataset
):
    """--augment-device device (workers only decode) gives the weights of --augment-device workers."""
    from safetensors.torch import load_file

    runs = {}
    for where in ("workers", "device"):
        out = tmp_path / where
        results = train(tiny_options(out, tiny_dataset, augment_device=where, max_steps=3))
        assert results["global_step"] == 3
        runs[where] = load_file(out / "model.safetensors")
    for key, value in runs["workers"].items():
        torch.testing.assert_close(runs["device"][key], value, rtol=1e-4, atol=1e-5, msg=key)


@pytest.fixture
def repeated_stream() -> StreamedClips:
    config = GeneratorConfig.create(3, frames=4, size=32, seed=5)
    transform = ClipTransform(resize=32, crop=(32, 32), train=True, scale=(0.3, 1.0))
    return StreamedClips(config, transform, clips_per_epoch=24, batch_size=4, seed=11, repeats=2)


def test_repeated_sampling_renders_each_clip_once_and_augments_each_use(
    repeated_stream, same_pixels_up_to_rounding
):
    """Repeats: half the clips per batch, each used twice in a row with its own crop/flip, same label."""
    assert list(repeated_stream.clip_indices(1, 0, 0, 1)) == [12, 13]  # an epoch renders 24 / 2 clips
    batches = list(repeated_stream.batches(epoch=1, first_batch=0, last_batch=3, rank=0, world=1))
    for batch in batches:
        assert batch["pixel_values"].shape[0] == 4
        labels = batch["labels"]
        assert torch.equal(labels[0::2], labels[1::2])
        pixels = batch["pixel_values"]
        assert not torch.equal(pixels[0], pixels[1]) and not torch.equal(pixels[2], pixels[3])
    on_device = list(repeated_stream.device_batches(1, 0, 3, 0, 1, torch.device("cpu"), workers=0, group=4))
    for a, b in zip(on_device, batches, strict=True):
        assert torch.equal(a["labels"], b["labels"])
        same_pixels_up_to_rounding(a["pixel_values"], b["pixel_values"])


def test_repeated_sampling_renderer_and_compile_mode_options_are_checked(tmp_path: Path):
    from synapt_hf.errors import SynaptError
    from synapt_hf.training.config import TrainConfig

    with pytest.raises(SynaptError, match="must divide --per-device-train-batch-size 6"):
        TrainConfig(per_device_train_batch_size=6, repeated_sampling=4)
    with pytest.raises(SynaptError, match="applies to the online generator"):
        TrainConfig(per_device_train_batch_size=4, repeated_sampling=2, synthetic="disk")
    with pytest.raises(SynaptError, match="applies to the online generator"):
        TrainConfig(per_device_train_batch_size=4, repeated_sampling=2, dataset=str(tmp_path))
    with pytest.raises(SynaptError, match="--torch-compile-mode must be one of"):
        TrainConfig(torch_compile_mode="fastest")
    with pytest.raises(SynaptError, match="--synthetic-renderer must be one of"):
        TrainConfig(synthetic_renderer="vulkan")


def test_online_run_with_repeated_sampling_trains_and_records_it(tmp_path: Path, tiny_options) -> None:
    options = {"synthetic_classes": 3, "synthetic_train_clips": 4, "synthetic_eval_clips": 1, "max_steps": 3}
    out = tmp_path / "run"
    results = train(tiny_options(out, None, repeated_sampling=2, **options))
    assert results["global_step"] == 3
    import json

    assert json.loads((out / "training_args.json").read_text())["repeated_sampling"] == 2
