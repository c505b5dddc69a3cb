"""Clip transforms: exact match with transformers' VideoMAE processor and pipeline; training augmentation."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from synapt_hf.data.transforms import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    ClipTransform,
    processor_config,
    random_resized_box,
    read_processor_config,
    shortest_edge_size,
)
from synapt_hf.data.video import decode_frames, encode_video
from synapt_hf.errors import SynaptError

# (short side, crop, mean, std): non-integer long sides (180x144 -> 121.25) exercise the rounding
CONFIGS = [
    (224, 224, (0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
    (97, (90, 80), IMAGENET_MEAN, IMAGENET_STD),
    (64, 72, (0.45, 0.45, 0.45), (0.225, 0.225, 0.225)),  # crop larger than the resized frame: zero padding
]
TOLERANCE = 1e-5  # identical uint8 pixels after PIL resize; only float32 rounding differs


@pytest.fixture
def real_frames(shared_data) -> np.ndarray:
    return decode_frames(shared_data / "weizmann" / "run" / "daria_run.avi", list(range(0, 24, 3)))


@pytest.fixture
def textured_video(tmp_path):
    """A textured clip (random blocks moving right) so that resampling differences would show."""
    rng = np.random.default_rng(0)
    base = np.kron(rng.integers(0, 256, (20, 26, 3), dtype=np.uint8), np.ones((6, 6, 1), dtype=np.uint8))
    frames = np.stack([np.roll(base, 3 * k, axis=1)[:117, :155] for k in range(12)])
    path = tmp_path / "textured.mp4"
    path.write_bytes(encode_video(frames, fps=12, crf=18))
    return path


@pytest.mark.parametrize(("size", "crop", "mean", "std"), CONFIGS)
def test_eval_transform_matches_videomae_processor_on_real_frames(real_frames, size, crop, mean, std):
    processor = processor_config(mean, std, size, crop, num_frames=len(real_frames))
    expected = processor(list(real_frames), return_tensors="pt").pixel_values[0]
    ours = ClipTransform.from_processor(processor)(real_frames)
    assert ours.shape == expected.shape and ours.dtype == torch.float32
    assert (ours - expected).abs().max().item() <= TOLERANCE


def test_eval_transform_matches_the_video_classification_pipeline(tmp_path, textured_video):
    from transformers import VideoMAEConfig, VideoMAEForVideoClassification, pipeline

    config = VideoMAEConfig(
        image_size=32, patch_size=16, num_frames=4, tubelet_size=2, hidden_size=32, num_hidden_layers=1,
        num_attention_heads=2, intermediate_size=64, num_labels=3,
    )  # fmt: skip
    model_dir = tmp_path / "model"
    VideoMAEForVideoClassification(config).save_pretrained(model_dir)
    processor_config(IMAGENET_MEAN, IMAGENET_STD, 40, 32, num_frames=4).save_pretrained(model_dir)
    classifier = pipeline("video-classification", model=str(model_dir))
    fed = classifier.preprocess(str(textured_video), frame_sampling_rate=3)["pixel_values"][0]
    indices = np.linspace(0, 4 * 3 - 1, num=4, dtype=np.int64)  # the pipeline's frame choice
    ours = ClipTransform.from_processor(model_dir)(decode_frames(textured_video, indices))
    assert ours.shape == fed.shape == (4, 3, 32, 32)
    assert (ours - fed).abs().max().item() <= TOLERANCE


def test_swscale_resize_during_decode_is_close_to_the_processor_resize(shared_data):
    clip = shared_data / "weizmann" / "walk" / "daria_walk.avi"
    indices = [0, 10, 20, 30]
    transform = ClipTransform(resize=112, crop=(112, 112))
    exact = transform(decode_frames(clip, indices))  # full-size decode, PIL resize: the pipeline's pixels
    fast = transform(decode_frames(clip, indices, short_side=112))  # libswscale resize while decoding
    assert fast.shape == exact.shape
    difference = ((fast - exact) * 0.5).abs()  # back to [0, 1] pixel units (std 0.5)
    assert difference.mean().item() < 2.5 / 255  # documented: about 1-2 grey levels on average


def test_processor_config_round_trips_through_disk(tmp_path):
    processor = processor_config(
        (0.1, 0.2, 0.3), (0.4, 0.5, 0.6), 128, (112, 96), num_frames=8, sampling_rate=4
    )
    processor.save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "preprocessor_config.json").read_text())
    assert saved["num_frames"] == 8 and saved["sampling_rate"] == 4
    assert saved["size"] == {"shortest_edge": 128} and saved["crop_size"] == {"height": 112, "width": 96}
    for source in (tmp_path, tmp_path / "preprocessor_config.json", saved, processor):
        transform = ClipTransform.from_processor(source)
        assert transform.resize == 128 and transform.crop == (112, 96) and not transform.train
        assert transform.mean == pytest.approx((0.1, 0.2, 0.3)) and transform.std == pytest.approx(
            (0.4, 0.5, 0.6)
        )
        assert transform.extra == {"num_frames": 8, "sampling_rate": 4}
    assert ClipTransform.from_processor(tmp_path, train=True).train
    again = ClipTransform.from_processor(tmp_path).to_processor(num_frames=8)
    assert again.to_dict()["crop_size"] == saved["crop_size"]


def test_processor_config_errors(tmp_path):
    with pytest.raises(SynaptError, match=r"preprocessor_config\.json"):
        read_processor_config(tmp_path)
    (tmp_path / "preprocessor_config.json").write_text("{not json")
    with pytest.raises(SynaptError, match="not valid JSON"):
        ClipTransform.from_processor(tmp_path)
    with pytest.raises(SynaptError, match="unsupported size"):
        ClipTransform.from_processor({"size": {"max_height": 3, "max_width": 3}})
    with pytest.raises(SynaptError, match="longest_edge"):
        ClipTransform.from_processor({"size": {"shortest_edge": 3, "longest_edge": 9}})
    exact = ClipTransform.from_processor({"size": {"height": 20, "width": 30}, "do_center_crop": False})
    assert exact(_asymmetric_clip(2)).shape == (2, 3, 20, 30)


def test_shortest_edge_size_truncates_like_transformers():
    assert shortest_edge_size(144, 180, 97) == (97, 121)  # 121.25 -> 121
    assert shortest_edge_size(180, 144, 97) == (121, 97)
    assert shortest_edge_size(240, 320, 224) == (224, 298)  # 298.67 -> 298 (not rounded)


def _asymmetric_clip(frames: int = 6) -> np.ndarray:
    clip = np.zeros((frames, 60, 80, 3), dtype=np.uint8)
    clip[:, :, :40] = 200  # left half bright
    clip[:, 10:50, 20:60, 1] = np.arange(40, dtype=np.uint8)[None, :] * 5  # a horizontal ramp
    return clip


@pytest.mark.parametrize("mode", ["random_resized_crop", "scale_jitter"])
def test_training_augmentation_is_deterministic_and_shared_across_frames(mode):
    transform = ClipTransform(resize=48, crop=(40, 40), train=True, mode=mode)
    clip = _asymmetric_clip()
    outputs = [transform(clip, torch.Generator().manual_seed(seed)) for seed in (0, 0, 1, 2, 3, 4)]
    assert all(out.shape == (6, 3, 40, 40) for out in outputs)
    torch.testing.assert_close(outputs[0], outputs[1])  # same seed, same clip
    assert any(not torch.equal(outputs[0], other) for other in outputs[2:])  # other seeds differ
    for out in outputs:  # identical input frames stay identical: one crop/flip for the whole clip
        assert all(torch.equal(out[0], out[t]) for t in range(1, 6))
    pixels = outputs[0] * 0.5 + 0.5
    assert pixels.min() >= 0 and pixels.max() <= 1


def test_flip_mirrors_every_frame():
    clip = _asymmetric_clip(3)
    no_flip = ClipTransform(
        resize=None, crop=None, train=True, scale=(1.0, 1.0), ratio=(80 / 60, 80 / 60), flip=False
    )
    flipped_once = None
    for seed in range(20):
        always = ClipTransform(resize=None, crop=None, train=True, scale=(1.0, 1.0), ratio=(80 / 60, 80 / 60))
        out = always(clip, torch.Generator().manual_seed(seed))
        if not torch.equal(out, no_flip(clip)):
            flipped_once = out
            break
    assert flipped_once is not None
    torch.testing.assert_close(flipped_once, no_flip(clip).flip(-1))
    bright_moved_right = flipped_once[:, 0, :, :40].mean() < flipped_once[:, 0, :, 40:].mean()
    assert bright_moved_right


def test_random_resized_box_respects_scale_and_bounds():
    generator = torch.Generator().manual_seed(0)
    for _ in range(200):
        top, left, h, w = random_resized_box(90, 160, (0.2, 0.6), (3 / 4, 4 / 3), generator)
        assert top >= 0 and top + h <= 90 and left >= 0 and left + w <= 160
        assert 0.18 <= h * w / (90 * 160) <= 0.62
        assert 3 / 4 - 0.05 <= w / h <= 4 / 3 + 0.05
    # impossible aspect ratios fall back to the largest centred box within the ratio limits
    assert random_resized_box(10, 100, (0.99, 1.0), (1.0, 1.0), generator) == (0, 45, 10, 10)


def test_eval_accepts_tensors_and_rejects_bad_input():
    clip = _asymmetric_clip(2)
    transform = ClipTransform(resize=30, crop=(30, 30))
    torch.testing.assert_close(transform(torch.from_numpy(clip)), transform(clip))
    with pytest.raises(SynaptError, match="uint8"):
        transform(clip.astype(np.float32))
    with pytest.raises(SynaptError, match="shape"):
        transform(clip[0])
    with pytest.raises(SynaptError, match="mode"):
        ClipTransform(mode="mixup")


def test_augment_clips_matches_the_per_clip_transform():
    rng = np.random.default_rng(3)
    clips = torch.from_numpy(rng.integers(0, 256, (3, 4, 40, 48, 3), dtype=np.uint8))
    transform = ClipTransform(resize=None, crop=(32, 32), train=True, scale=(0.3, 1.0))
    batch = transform.augment_clips(clips, [torch.Generator().manual_seed(s) for s in (1, 2, 3)])
    assert batch.shape == (3, 4, 3, 32, 32)
    for clip, seed, out in zip(clips, (1, 2, 3), batch, strict=True):
        assert torch.allclose(out, transform(clip, generator=torch.Generator().manual_seed(seed)), atol=1e-6)
    with pytest.raises(SynaptError, match="generators"):
        transform.augment_clips(clips, [torch.Generator()])
    with pytest.raises(SynaptError, match="training transform"):
        ClipTransform(resize=None, crop=(32, 32)).augment_clips(clips, [torch.Generator()] * 3)
