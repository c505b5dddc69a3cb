"""The shipped accelerate configs (scripts/accelerate/) in real 2-process CPU runs over gloo, and the
precision / compile options in-process.

FSDP2 and DDP run through ``accelerate launch --config_file <a 2-process fp32 copy of the shipped file>``;
DeepSpeed only where it is installed (it is not a dependency). The in-process runs check
``--torch-compile`` (export and checkpoints keep stock parameter names), fp16 (refused on CPU) and bf16.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml
from safetensors.torch import load_file

from synapt_hf.errors import SynaptError
from synapt_hf.training import train

REPO = Path(__file__).resolve().parents[2]
CONFIGS = REPO / "scripts" / "accelerate"
MAE_EXTRA = {"decoder_hidden_size": 32, "decoder_intermediate_size": 64}


def _cpu_copy(name: str, folder: Path) -> Path:
    """The shipped config `name` for 2 CPU processes in fp32, written into `folder`."""
    values = yaml.safe_load((CONFIGS / name).read_text())
    values.update(num_processes=2, mixed_precision="no")
    path = folder / name
    path.write_text(yaml.safe_dump(values))
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _launch(
    config: Path, out: Path, dataset: Path, overrides: dict | None, *extra: str
) -> subprocess.CompletedProcess:
    """``accelerate launch --config_file config scripts/pretrain.py`` on the tiny dataset; must succeed."""
    if overrides is not None:
        extra = ("--model-overrides", json.dumps(overrides), *extra)
    command = [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        "--config_file",
        str(config),
        "--main_process_port",
        str(_free_port()),
        str(REPO / "scripts" / "pretrain.py"),
        "--dataset",
        str(dataset),
        "--output-dir",
        str(out),
        "--per-device-train-batch-size",
        "2",
        "--report-to",
        "none",
        "--disable-progress-bar",
        "--dataloader-num-workers",
        "0",
        *extra,
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.pop("ACCELERATE_USE_CPU", None)
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    return done


def _results(folder: Path) -> dict:
    return json.loads((folder / "all_results.json").read_text())


def _assert_complete_export(folder: Path, auto_class) -> dict[str, torch.Tensor]:
    """The folder loads with stock transformers with no key missing, unexpected or resized, and every
    tensor has the full shape of a freshly built model (no flattened shards, no empty tensors)."""
    model, info = auto_class.from_pretrained(folder, output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"] and not info["mismatched_keys"], info
    fresh = type(model)(model.config).state_dict()
    shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert shapes == {k: tuple(v.shape) for k, v in fresh.items()}
    saved = load_file(folder / "model.safetensors")  # (transformers writes VideoMAE's original key names)
    assert sum(v.numel() for v in saved.values()) == sum(v.numel() for v in fresh.values())
    return saved


def _assert_same_weights(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=1e-5, atol=1e-6, msg=key)


def _validation_loss(folder: Path, dataset: Path) -> float:
    """Cross-entropy of the saved classifier on the validation split, with the transform it was saved with."""
    import torch.nn.functional as F
    from torch.utils.data import DataLoader
    from transformers import AutoModelForVideoClassification

    from synapt_hf.data.format import load_video_dataset
    from synapt_hf.data.torch_dataset import VideoClipDataset, collate_clips
    from synapt_hf.data.transforms import ClipTransform

    transform = ClipTransform.from_processor(folder)
    model = AutoModelForVideoClassification.from_pretrained(folder).eval()
    config = json.loads((folder / "training_args.json").read_text())
    clips = VideoClipDataset(
        load_video_dataset(str(dataset), split="validation"),
        num_frames=model.config.num_frames,
        sampling_rate=config["sampling_rate"],
        strategy=config["sampling_strategy"],
        transform=transform,
        train=False,
    )
    logits, labels = [], []
    with torch.no_grad():
        for batch in DataLoader(clips, batch_size=4, collate_fn=collate_clips):
            logits.append(model(pixel_values=batch["pixel_values"]).logits.float())
            labels.append(batch["labels"])
    return float(F.cross_entropy(torch.cat(logits), torch.cat(labels)))


def test_fsdp_config_trains_checkpoints_resumes_and_exports_full_weights(
    tmp_path: Path, tiny_dataset: Path, tiny_overrides: dict
) -> None:
    from transformers import AutoModelForVideoClassification

    config = _cpu_copy("fsdp.yaml", tmp_path)
    steps = ("--max-steps", "4", "--checkpointing-steps", "2")
    straight = tmp_path / "straight"
    _launch(config, straight, tiny_dataset, tiny_overrides, *steps)
    results = _results(straight)
    assert results["num_processes"] == 2 and results["global_step"] == 4 and results["top1"] is not None
    checkpoint = straight / "checkpoint-2"  # FSDP really ran: one distributed-checkpoint shard per process
    for part in ("pytorch_model_fsdp_0", "optimizer_0"):
        assert sorted(p.name for p in (checkpoint / part).glob("*.distcp")) == [
            "__0_0.distcp",
            "__1_0.distcp",
        ]
    assert not (checkpoint / "model.safetensors").exists()
    weights = _assert_complete_export(straight, AutoModelForVideoClassification)

    resumed = tmp_path / "resumed"
    resumed.mkdir()
    shutil.copytree(checkpoint, resumed / "checkpoint-2")
    done = _launch(
        config, resumed, tiny_dataset, tiny_overrides, *steps, "--resume-from-checkpoint", "latest"
    )
    assert f"resumed from {resumed / 'checkpoint-2'} at step 2" in done.stdout
    assert _results(resumed)["global_step"] == 4 and (resumed / "checkpoint-4").is_dir()
    _assert_same_weights(weights, load_file(resumed / "model.safetensors"))  # weights and optimizer restored


def test_fsdp_matches_ddp_for_mae_and_the_linear_probe_is_scored_as_exported(
    tmp_path: Path, tiny_dataset: Path, tiny_overrides: dict
) -> None:
    from transformers import AutoModelForVideoClassification, VideoMAEForPreTraining

    mae = {**tiny_overrides, **MAE_EXTRA}
    runs = {}
    for name in ("fsdp.yaml", "ddp.yaml"):
        runs[name] = tmp_path / name.removesuffix(".yaml")
        _launch(_cpu_copy(name, tmp_path), runs[name], tiny_dataset, mae, "--mode", "mae", "--max-steps", "2")
        assert _results(runs[name])["num_processes"] == 2
    fsdp = _assert_complete_export(runs["fsdp.yaml"], VideoMAEForPreTraining)
    _assert_same_weights(fsdp, load_file(runs["ddp.yaml"] / "model.safetensors"))

    # linear probe (frozen backbone, BatchNorm head) from the FSDP MAE checkpoint, under FSDP
    probe = tmp_path / "probe"
    source = str(runs["fsdp.yaml"])
    _launch(
        tmp_path / "fsdp.yaml", probe, tiny_dataset, None, "--model", source, "--protocol", "linear-probe",
        "--max-steps", "2",
    )  # fmt: skip
    after = _assert_complete_export(probe, AutoModelForVideoClassification)
    backbone = [k for k in after if k.startswith("videomae.")]
    assert backbone and all(torch.equal(fsdp[k], after[k]) for k in backbone)
    # every process scored its shard with the exported (main process) BatchNorm statistics
    reported = _results(probe)["eval_loss"]
    assert reported == pytest.approx(_validation_loss(probe, tiny_dataset), abs=2e-5)


@pytest.mark.skipif(importlib.util.find_spec("deepspeed") is None, reason="deepspeed is not installed")
def test_deepspeed_zero2_bf16_and_zero3_resume_on_cpu(
    tmp_path: Path, tiny_dataset: Path, tiny_overrides: dict
) -> None:
    from transformers import AutoModelForVideoClassification

    zero2 = tmp_path / "zero2"  # bf16: the engine holds bf16 weights, so the loop casts the clips
    _launch(
        _cpu_copy("deepspeed_zero2.yaml", tmp_path), zero2, tiny_dataset, tiny_overrides,
        "--mixed-precision", "bf16", "--max-steps", "2",
    )  # fmt: skip
    assert _results(zero2)["mixed_precision"] == "bf16"
    assert {v.dtype for v in _assert_complete_export(zero2, AutoModelForVideoClassification).values()} == {
        torch.bfloat16
    }

    config = _cpu_copy("deepspeed_zero3.yaml", tmp_path)
    steps = ("--max-steps", "4", "--checkpointing-steps", "2")
    straight, resumed = tmp_path / "zero3", tmp_path / "zero3-resumed"
    _launch(config, straight, tiny_dataset, tiny_overrides, *steps)
    shards = sorted(p.name for p in (straight / "checkpoint-2" / "pytorch_model").glob("*model_states.pt"))
    assert shards == [
        "zero_pp_rank_0_mp_rank_00_model_states.pt",
        "zero_pp_rank_1_mp_rank_00_model_states.pt",
    ]
    weights = _assert_complete_export(straight, AutoModelForVideoClassification)
    resumed.mkdir()
    shutil.copytree(straight / "checkpoint-2", resumed / "checkpoint-2")
    _launch(config, resumed, tiny_dataset, tiny_overrides, *steps, "--resume-from-checkpoint", "latest")
    assert _results(resumed)["global_step"] == 4
    _assert_same_weights(weights, load_file(resumed / "model.safetensors"))


def test_torch_compile_run_saves_stock_names_and_resumes_without_compile(
    tmp_path: Path, tiny_dataset: Path, tiny_options, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transformers import AutoModelForVideoClassification

    options = {
        "max_steps": 2,
        "checkpointing_steps": 1,
        "per_device_eval_batch_size": 3,
        "gradient_accumulation_steps": 2,
    }
    compiled = tmp_path / "compiled"
    # reduce-overhead = CUDA graphs on a GPU; on the CPU inductor compiles as in the default mode
    compile_options = {"torch_compile": True, "torch_compile_mode": "reduce-overhead"}
    marks = []  # a new CUDA-graph generation frees the gradients accumulated so far: once per optimizer step
    mark = torch.compiler.cudagraph_mark_step_begin
    monkeypatch.setattr(torch.compiler, "cudagraph_mark_step_begin", lambda: marks.append(1) or mark())
    assert train(tiny_options(compiled, tiny_dataset, **compile_options, **options))["global_step"] == 2
    assert len(marks) == 2  # 2 optimizer steps of 2 micro-batches each
    weights = _assert_complete_export(compiled, AutoModelForVideoClassification)
    assert not any("_orig_mod" in key for key in load_file(compiled / "checkpoint-1" / "model.safetensors"))

    resumed = tmp_path / "resumed"  # --torch-compile may change between a checkpoint and its resume
    resumed.mkdir()
    shutil.copytree(compiled / "checkpoint-1", resumed / "checkpoint-1")
    results = train(tiny_options(resumed, tiny_dataset, resume_from_checkpoint="latest", **options))
    assert results["global_step"] == 2
    resumed_weights = load_file(resumed / "model.safetensors")
    assert weights.keys() == resumed_weights.keys()
    for key in weights:  # inductor's fused kernels round differently from eager
        torch.testing.assert_close(weights[key], resumed_weights[key], rtol=1e-4, atol=1e-5, msg=key)


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ({"mixed_precision": "fp16"}, r"--mixed-precision fp16 .*needs a GPU.*--mixed-precision bf16"),
        (
            {"ACCELERATE_MIXED_PRECISION": "fp16"},
            r"mixed_precision: fp16 in the accelerate config.*needs a GPU",
        ),
        (
            {"ACCELERATE_USE_FSDP": "true", "FSDP_VERSION": "1"},
            r"fsdp_version 1 needs a GPU.*fsdp_version: 2",
        ),
    ],
    ids=["fp16-option", "fp16-accelerate-config", "fsdp1"],
)
def test_gpu_only_settings_are_refused_on_cpu_before_any_work(
    tmp_path: Path,
    tiny_dataset: Path,
    tiny_options,
    monkeypatch: pytest.MonkeyPatch,
    asked: dict,
    message: str,
) -> None:
    out = tmp_path / "run"
    options = tiny_options(out, tiny_dataset, overwrite_output_dir=True)
    for name, value in asked.items():  # upper case: what `accelerate launch` exports for its config file
        if name.isupper():
            monkeypatch.setenv(name, value)
        else:
            options[name] = value
    with pytest.raises(SynaptError, match=message):
        train(options)
    assert not out.exists()


@pytest.fixture
def fresh_accelerate_state():
    """Accelerate keeps one process-wide state whose precision cannot change; start and leave it empty."""
    from accelerate.state import AcceleratorState

    AcceleratorState._reset_state(reset_partial_state=True)
    yield
    AcceleratorState._reset_state(reset_partial_state=True)


def test_bf16_on_cpu_computes_in_bfloat16_and_exports_fp32(
    tmp_path: Path, tiny_dataset: Path, tiny_options, fresh_accelerate_state
) -> None:
    dtypes: set[torch.dtype] = set()

    def record(module: torch.nn.Module, args, output) -> None:
        if isinstance(module, torch.nn.Linear) and isinstance(output, torch.Tensor):
            dtypes.add(output.dtype)

    hook = torch.nn.modules.module.register_module_forward_hook(record)
    try:
        results = train(tiny_options(tmp_path / "run", tiny_dataset, mixed_precision="bf16", max_steps=2))
    finally:
        hook.remove()
    assert results["mixed_precision"] == "bf16" and results["global_step"] == 2
    assert torch.bfloat16 in dtypes  # CPU autocast
    assert {v.dtype for v in load_file(tmp_path / "run" / "model.safetensors").values()} == {torch.float32}


def test_compiled_mae_run_trains_like_the_eager_one(
    tmp_path: Path, tiny_dataset: Path, tiny_options, tiny_mae_overrides: dict
) -> None:
    # the sync-free MAE forward compiled in a CUDA-graph mode (inductor's default compile on the CPU; the
    # CUDA-graph replay itself is tests/models/test_mae_forward.py's CUDA test) trains as the eager run does
    options = {"mode": "mae", "max_steps": 2, "model_overrides": json.dumps(tiny_mae_overrides)}
    eager, compiled = tmp_path / "eager", tmp_path / "compiled"
    train(tiny_options(eager, tiny_dataset, **options))
    compile_options = {"torch_compile": True, "torch_compile_mode": "reduce-overhead"}
    results = train(tiny_options(compiled, tiny_dataset, **options, **compile_options))
    assert results["global_step"] == 2 and math.isfinite(results["train_loss"])
    a, b = load_file(eager / "model.safetensors"), load_file(compiled / "model.safetensors")
    assert a.keys() == b.keys()
    for key in a:  # inductor's fused kernels round differently from eager
        torch.testing.assert_close(a[key], b[key], rtol=1e-4, atol=1e-5, msg=key)
