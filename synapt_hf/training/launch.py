"""The Accelerator of a launch: CPU or accelerator processes, the process group, and the launch settings
accelerate 1.15 would silently ignore on CPU processes (FSDP, DeepSpeed, fp16)."""

from __future__ import annotations

import os
from pathlib import Path

import torch
from accelerate import Accelerator, PartialState
from accelerate.utils import DataLoaderConfiguration, ProjectConfiguration

from synapt_hf.errors import SynaptError
from synapt_hf.training.config import TrainConfig


def use_cpu() -> bool:
    """Run on CPU processes: asked for (``accelerate launch --cpu``) or launched distributed on a machine
    without an accelerator (``accelerate launch --multi_gpu --num_processes N`` on CPUs -> gloo DDP).
    DeepSpeed is the exception: it drives the CPU itself (see `_deepspeed_on_cpu`)."""
    if _deepspeed_on_cpu():
        return False
    if os.environ.get("ACCELERATE_USE_CPU", "").lower() in ("1", "true", "yes"):
        return True
    return _distributed_without_accelerator()


def _distributed_without_accelerator() -> bool:
    """Several processes launched (``WORLD_SIZE`` > 1) on a machine without an accelerator."""
    world_size = int(os.environ.get("WORLD_SIZE", "1") or 1)
    return world_size > 1 and not torch.accelerator.is_available()


def _deepspeed_on_cpu() -> bool:
    """A DeepSpeed launch on a machine without an accelerator. Accelerate 1.15 enables DeepSpeed only when
    not told ``cpu=True``; DeepSpeed then uses its CPU accelerator and needs the gloo backend named."""
    asked = os.environ.get("ACCELERATE_USE_DEEPSPEED", "").lower() == "true"
    return asked and _distributed_without_accelerator()


def distributed_state() -> PartialState:
    """The process group of this launch (created with the right CPU flag before anything else uses it)."""
    if _deepspeed_on_cpu():
        return PartialState(cpu=False, backend="gloo")
    return PartialState(cpu=use_cpu())


def build_accelerator(config: TrainConfig, output_dir: Path) -> Accelerator:
    """The Accelerator of a run: precision, accumulation, trackers, seeded and non-blocking loaders."""
    log_with = None if config.report_to in ("none", "", None) else config.report_to
    distributed_state()  # the process group, with the backend this launch needs
    accelerator = Accelerator(
        cpu=use_cpu(),
        mixed_precision=_mixed_precision(config),
        gradient_accumulation_steps=config.gradient_accumulation_steps,
        log_with=log_with,
        project_config=ProjectConfiguration(
            project_dir=str(output_dir),
            logging_dir=str(output_dir / "logs"),
            automatic_checkpoint_naming=False,
        ),
        # non_blocking: batches from pinned memory (`clip_loader`) are copied to the GPU without the host
        # waiting for the previous step to finish (a plain copy from pageable memory waits for it)
        dataloader_config=DataLoaderConfiguration(
            use_seedable_sampler=True, data_seed=config.seed, non_blocking=True
        ),
    )
    _fsdp_on_cpu_processes(accelerator)
    return accelerator


def _mixed_precision(config: TrainConfig) -> str | None:
    """The autocast of a run: none with low-precision parameters (they compute in their own dtype, whatever
    the accelerate config says), else --mixed-precision (None: the accelerate config's)."""
    return "no" if config.param_dtype != "fp32" else config.mixed_precision


def refuse_sharded_levers(config: TrainConfig, sharding: str) -> None:
    """Refuse the speed levers that are tested with one process or DDP only under FSDP or DeepSpeed
    (`sharding`): they change which parameters the optimizer sees, which those wrappers take over."""
    if sharding == "none":
        return
    if config.fused_qkv:
        raise SynaptError(f"--fused-qkv runs with one process or DDP, not with {sharding}")
    if config.param_dtype != "fp32":
        raise SynaptError(
            f"--param-dtype {config.param_dtype} runs with one process or DDP, not with {sharding} "
            "(use its own mixed precision: --mixed-precision bf16)"
        )


def refuse_gpu_only_settings_on_cpu(config: TrainConfig) -> None:
    """Stop before anything is built when CPU processes are asked for what accelerate 1.15 runs only on
    accelerators: fp16 (autocast and GradScaler are GPU-only: it would train in fp32 while reporting fp16)
    and FSDP version 1 (its plugin requires a GPU; FSDP2 runs on CPU processes)."""
    if not (use_cpu() or not torch.accelerator.is_available()):
        return
    precision = _mixed_precision(config) or os.environ.get("ACCELERATE_MIXED_PRECISION", "no")
    if precision == "fp16":
        raise SynaptError(
            "--mixed-precision fp16 (or mixed_precision: fp16 in the accelerate config): fp16 needs a GPU; "
            "on CPU processes accelerate would silently train in fp32. Use --mixed-precision bf16 (CPU "
            "autocast) or --mixed-precision no"
        )
    fsdp = os.environ.get("ACCELERATE_USE_FSDP", "").lower() == "true"
    if fsdp and os.environ.get("FSDP_VERSION", "1") == "1":
        raise SynaptError(
            "accelerate config: fsdp_version 1 needs a GPU; on CPU processes use fsdp_version: 2 "
            "(scripts/accelerate/fsdp.yaml)"
        )


def _fsdp_on_cpu_processes(accelerator: Accelerator) -> None:
    """Honour an FSDP launch config on CPU processes (gloo).

    Accelerate 1.15 turns ``distributed_type: FSDP`` into FSDP only for accelerator process groups; on CPU
    processes it silently trains plain DDP. torch's FSDP runs on gloo, so the shared accelerate state is
    switched to FSDP with the plugin the launcher described (``FSDP_*`` variables)."""
    from accelerate.utils import DistributedType, FullyShardedDataParallelPlugin

    asked = os.environ.get("ACCELERATE_USE_FSDP", "").lower() == "true"
    if not asked or accelerator.distributed_type != DistributedType.MULTI_CPU:
        return
    plugin = FullyShardedDataParallelPlugin()
    if accelerator.mixed_precision != "no":
        plugin.set_mixed_precision(accelerator.mixed_precision)
    accelerator.state.fsdp_plugin = plugin
    accelerator.state.distributed_type = DistributedType.FSDP
    PartialState._shared_state["distributed_type"] = DistributedType.FSDP
