"""End-to-end runs on real clips through `train()`: export, pipeline, resume, linear probe, TimeSformer."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file

from synapt_hf.training import train


def test_supervised_run_exports_a_stock_folder_that_classifies_a_real_clip(
    tmp_path: Path, tiny_dataset: Path, tiny_options, weizmann_clip: Path
) -> None:
    from transformers import AutoModelForVideoClassification, pipeline

    out = tmp_path / "run"
    results = train(tiny_options(out, tiny_dataset, report_to="tensorboard"))
    assert results["global_step"] == 4 and results["num_train"] == 9 and results["num_val"] == 3
    assert results["epochs"] == 1.0  # 4 full batches of 2 (drop_last): one epoch, ending on its last step
    assert results["num_classes"] == 3 and 0.0 <= results["top1"] <= results["top5"] <= 1.0
    assert 0.0 <= results["mean_class_accuracy"] <= 1.0 and results["output_dir"] == str(out)
    for name in (
        "config.json",
        "model.safetensors",
        "preprocessor_config.json",
        "training_args.json",
        "labels.txt",
    ):
        assert (out / name).is_file(), name
    assert json.loads((out / "all_results.json").read_text())["top1"] == results["top1"]
    assert json.loads((out / "training_args.json").read_text())["max_steps"] == 4
    assert list((out / "logs").rglob("events.out.tfevents*")), "no TensorBoard event file"
    processor = json.loads((out / "preprocessor_config.json").read_text())
    assert processor["crop_size"] == {"height": 32, "width": 32} and processor["num_frames"] == 8

    model = AutoModelForVideoClassification.from_pretrained(out)
    assert model.config.id2label == {0: "bend", 1: "jack", 2: "walk"}
    assert model.config.label2id == {"bend": 0, "jack": 1, "walk": 2}
    assert (model.config.num_frames, model.config.image_size) == (8, 32)
    predictions = pipeline("video-classification", model=str(out))(str(weizmann_clip), top_k=3)
    assert sorted(p["label"] for p in predictions) == ["bend", "jack", "walk"]
    assert abs(sum(p["score"] for p in predictions) - 1.0) < 1e-4


def test_resume_from_a_middle_checkpoint_gives_the_same_weights(
    tmp_path: Path, tiny_dataset: Path, tiny_options
) -> None:
    straight = tmp_path / "straight"
    options = {"max_steps": 6, "checkpointing_steps": 3, "drop_path_rate": 0.1, "protocol": "finetune"}
    train(tiny_options(straight, tiny_dataset, **options))
    assert sorted(p.name for p in straight.glob("checkpoint-*")) == ["checkpoint-3", "checkpoint-6"]
    resumed = tmp_path / "resumed"
    resumed.mkdir()
    shutil.copytree(straight / "checkpoint-3", resumed / "checkpoint-3")
    results = train(tiny_options(resumed, tiny_dataset, resume_from_checkpoint="latest", **options))
    assert results["global_step"] == 6
    a, b = load_file(straight / "model.safetensors"), load_file(resumed / "model.safetensors")
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=1e-5, atol=1e-6, msg=key)
    first = load_file(straight / "checkpoint-3" / "model.safetensors")
    assert any(not torch.equal(first[k], a[k]) for k in a), "steps 4-6 changed nothing"


def test_linear_probe_changes_only_the_head(
    tmp_path: Path, tiny_dataset: Path, tiny_options, tiny_mae_overrides: dict
) -> None:
    source = tmp_path / "mae"
    train(
        tiny_options(
            source, tiny_dataset, mode="mae", max_steps=2, model_overrides=json.dumps(tiny_mae_overrides)
        )
    )
    probe = tmp_path / "probe"
    results = train(
        tiny_options(
            probe, tiny_dataset, model=str(source), model_overrides=None, protocol="linear-probe", max_steps=3
        )
    )
    assert results["num_classes"] == 3
    before, after = load_file(source / "model.safetensors"), load_file(probe / "model.safetensors")
    backbone = [k for k in after if k.startswith("videomae.")]
    assert backbone and all(torch.equal(before[k], after[k]) for k in backbone)
    head = {k for k in after if not k.startswith("videomae.")}
    assert head == {"fc_norm.weight", "fc_norm.bias", "classifier.weight", "classifier.bias"}
    assert torch.equal(after["fc_norm.weight"], torch.ones_like(after["fc_norm.weight"]))  # frozen LayerNorm
    assert after["classifier.weight"].abs().sum() > 0


def test_timesformer_finetunes_through_the_same_code(
    tmp_path: Path, tiny_dataset: Path, tiny_options
) -> None:
    from torch.nn.attention import _cur_sdpa_kernel_backends
    from transformers import AutoModelForVideoClassification

    out = tmp_path / "timesformer"
    order = _cur_sdpa_kernel_backends(with_priority=True)
    options = tiny_options(out, tiny_dataset, model="timesformer-tiny", protocol="finetune", max_steps=2)
    results = train({**options, "sdpa_kernel": "cudnn"})  # preferred on a GPU; the CPU picks its flash kernel
    assert results["global_step"] == 2 and results["top1"] is not None
    assert _cur_sdpa_kernel_backends(with_priority=True) == order  # only the run had cuDNN first
    model = AutoModelForVideoClassification.from_pretrained(out)
    assert model.config.model_type == "timesformer" and model.config.num_labels == 3


def test_mae_then_supervised_lowers_the_reconstruction_loss(
    tmp_path: Path, tiny_dataset: Path, tiny_options, tiny_mae_overrides: dict
) -> None:
    from accelerate.utils import set_seed
    from transformers import VideoMAEForPreTraining

    from synapt_hf.models.loading import load_pretraining_model
    from synapt_hf.models.masking import tube_mask_for_config

    out = tmp_path / "ppma"
    options = tiny_options(
        out,
        tiny_dataset,
        mode="mae+supervised",
        mae_max_steps=25,
        max_steps=2,
        learning_rate=3e-3,
        model_overrides=json.dumps(tiny_mae_overrides),
        per_device_train_batch_size=3,
        eval_every_epoch=False,
    )
    results = train(options)
    assert results["stage1_dir"] == str(out / "stage1-mae") and results["num_classes"] == 3
    set_seed(options.get("seed", 42))
    initial = load_pretraining_model("videomae-tiny", overrides=tiny_mae_overrides).eval()
    trained = VideoMAEForPreTraining.from_pretrained(out / "stage1-mae").eval()
    pixels = _real_clips(tiny_dataset, out / "stage1-mae")
    generator = torch.Generator().manual_seed(0)
    mask = tube_mask_for_config(trained.config, pixels.shape[0], 0.9, generator)
    with torch.no_grad():
        before = initial(pixel_values=pixels, bool_masked_pos=mask).loss
        after = trained(pixel_values=pixels, bool_masked_pos=mask).loss
    stage1 = json.loads((out / "stage1-mae" / "all_results.json").read_text())
    assert stage1["mode"] == "mae" and stage1["global_step"] == 25
    assert after < before, (float(before), float(after))


def _real_clips(dataset: Path, model_dir: Path) -> torch.Tensor:
    """The validation clips of `dataset` as the model's processor prepares them, (N, T, C, H, W)."""
    from synapt_hf.data.format import load_video_dataset
    from synapt_hf.data.torch_dataset import VideoClipDataset
    from synapt_hf.data.transforms import ClipTransform

    split = load_video_dataset(dataset, split="validation")
    clips = VideoClipDataset(
        split, num_frames=8, sampling_rate=2, transform=ClipTransform.from_processor(model_dir)
    )
    return torch.stack([clips[i]["pixel_values"] for i in range(len(clips))])


def test_online_generator_resumes_at_the_right_clip_index(tmp_path: Path, tiny_options) -> None:
    """The streamed synthetic source: 8 steps straight == 4 steps + resume (fresh clips, a worker, drop path)."""
    options = {
        "synthetic_classes": 3,
        "synthetic_train_clips": 2,
        "synthetic_eval_clips": 1,
        "max_steps": 8,
        "checkpointing_steps": 4,
        "protocol": "finetune",
        "dataloader_num_workers": 1,
    }
    straight = tmp_path / "straight"
    results = train(tiny_options(straight, None, **options))
    assert results["num_train"] == 6 and results["num_val"] == 3 and results["label_names"][0] == "walking"
    resumed = tmp_path / "resumed"
    resumed.mkdir()
    shutil.copytree(straight / "checkpoint-4", resumed / "checkpoint-4")
    train(tiny_options(resumed, None, resume_from_checkpoint="latest", **options))
    a, b = load_file(straight / "model.safetensors"), load_file(resumed / "model.safetensors")
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=1e-5, atol=1e-6, msg=key)


def test_time_budget_stops_training_early_and_still_exports(
    tmp_path: Path, tiny_dataset: Path, tiny_options, capsys
) -> None:
    from transformers import AutoModelForVideoClassification

    out = tmp_path / "budget"
    results = train(tiny_options(out, tiny_dataset, max_train_minutes=1e-6))  # 60 us: up after one step
    assert results["global_step"] == 1 and results["top1"] is not None
    assert "stopped at step 1 of 4: --max-train-minutes 1e-06" in capsys.readouterr().out
    AutoModelForVideoClassification.from_pretrained(out)
