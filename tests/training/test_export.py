"""The exported folder carries `video_preprocessor_config.json` beside `preprocessor_config.json`; the
`video-classification` pipeline works with and without torchvision (the video-processor path needs it)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from synapt_hf.data.transforms import ClipTransform
from synapt_hf.data.video import decode_frames, probe
from synapt_hf.data.video_processor_config import VIDEO_PROCESSOR_CONFIG
from synapt_hf.training.config import TrainConfig
from synapt_hf.training.export import export_model

from .conftest import TINY_OVERRIDES

LABELS = ["bend", "jack", "walk"]
HAS_TORCHVISION = importlib.util.find_spec("torchvision") is not None


def pyav_rgb_frames(path: Path, indices: np.ndarray) -> np.ndarray:
    """Frames `indices` decoded from the start as PyAV rgb24 arrays (how the pipeline reads them)."""
    import av

    wanted = set(int(i) for i in indices)
    with av.open(str(path)) as container:
        frames = [
            frame.to_ndarray(format="rgb24")
            for i, frame in enumerate(container.decode(video=0))
            if i in wanted
        ]
    return np.stack(frames)


@pytest.fixture
def exported(tmp_path: Path) -> Path:
    """A real export of a minuscule VideoMAE classifier (8 frames, 32 px, stride 2) through `export_model`."""
    from transformers import VideoMAEConfig, VideoMAEForVideoClassification

    config = VideoMAEConfig(
        **TINY_OVERRIDES,
        patch_size=16,
        num_frames=8,
        tubelet_size=2,
        num_labels=3,
        id2label=dict(enumerate(LABELS)),
        label2id={name: i for i, name in enumerate(LABELS)},
    )
    processor = ClipTransform(resize=36, crop=(32, 32)).to_processor(
        num_frames=8, sampling_rate=2, sampling_strategy="dense"
    )
    out = tmp_path / "model"
    train_config = TrainConfig.from_dict(
        {"model": "videomae-tiny", "output_dir": str(out), "sampling_rate": 2}
    )
    export_model(VideoMAEForVideoClassification(config), processor, out, train_config, {"top1": 0.5}, LABELS)
    return out


def test_export_writes_the_video_processor_beside_the_image_processor(exported: Path) -> None:
    image = json.loads((exported / "preprocessor_config.json").read_text())
    video = json.loads((exported / VIDEO_PROCESSOR_CONFIG).read_text())
    assert video["video_processor_type"] == "VideoMAEVideoProcessor"
    for key in ("size", "crop_size", "image_mean", "image_std", "rescale_factor", "resample", "do_normalize"):
        assert video[key] == image[key], key
    assert video["num_frames"] == 8 and video["do_sample_frames"] is False
    assert "sampling_rate" not in video  # not a video-processor setting: it stays in preprocessor_config.json
    assert not [p.name for p in exported.iterdir() if p.name.startswith(".")]  # no temporary left behind


@pytest.mark.skipif(HAS_TORCHVISION, reason="checks the image-processor path taken without torchvision")
def test_without_torchvision_the_pipeline_keeps_the_image_processor_path(
    exported: Path, weizmann_clip: Path
) -> None:
    from transformers import pipeline

    classifier = pipeline("video-classification", model=str(exported))
    assert classifier.video_processor is None and classifier.image_processor is not None
    fed = classifier.preprocess(str(weizmann_clip), frame_sampling_rate=2)["pixel_values"][0]
    transform = ClipTransform.from_processor(exported)
    indices = np.linspace(0, 8 * 2 - 1, num=8, dtype=np.int64)  # the pipeline's choice: 0, 2, ..., 12, 15
    strided = transform(pyav_rgb_frames(weizmann_clip, indices))
    assert (strided - fed).abs().max().item() <= 1e-5
    consecutive = transform(pyav_rgb_frames(weizmann_clip, np.arange(8)))  # what it reads without the rate
    assert (consecutive - fed).abs().max().item() > 0.1
    predictions = classifier(str(weizmann_clip), frame_sampling_rate=2, top_k=3)
    assert sorted(p["label"] for p in predictions) == LABELS


@pytest.mark.skipif(not HAS_TORCHVISION, reason="the video-processor path needs torchvision")
def test_with_torchvision_the_pipeline_uses_the_saved_video_processor(
    exported: Path, weizmann_clip: Path
) -> None:
    from transformers import pipeline

    classifier = pipeline("video-classification", model=str(exported))
    processor = classifier.video_processor
    assert type(processor).__name__ == "VideoMAEVideoProcessor"
    assert processor.crop_size["height"] == 32 and processor.size["shortest_edge"] == 36
    total = probe(weizmann_clip).num_frames
    indices = np.arange(8) * total // 8  # the video processor's uniform choice over the whole video
    frames = decode_frames(weizmann_clip, indices)
    fed = processor([frames], return_tensors="pt")["pixel_values"][0]
    ours = ClipTransform.from_processor(exported)(frames)
    assert ours.shape == fed.shape
    assert (ours - fed).abs().mean().item() <= 0.02  # torchvision's resize, not PIL's: close, not equal
    if importlib.util.find_spec("torchcodec") is None:
        pytest.skip("decoding a video file on the video-processor path needs torchcodec")
    assert sorted(p["label"] for p in classifier(str(weizmann_clip), top_k=3)) == LABELS
