"""One Accelerate training loop for every mode (supervised, MAE, MAE then supervised) and protocol.

`train(config)` is the single entry point used by ``scripts/pretrain.py``, ``scripts/finetune.py``,
``synapt pretrain/finetune`` and the transfer benchmark. It checks everything cheap first (model name,
output folder, data columns, labels vs checkpoint head, frames/size), then trains with mixed precision,
gradient accumulation and any accelerate launch configuration (DDP, FSDP, DeepSpeed), saves atomic
checkpoints, evaluates each epoch with ``gather_for_metrics`` and exports a stock transformers folder.
"""

from __future__ import annotations

import logging
import math
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from accelerate import Accelerator
from accelerate.utils import set_seed
from torch.utils.data import DataLoader
from transformers import get_scheduler

from synapt_hf.constants import ALL_RESULTS_FILE, TRAINING_ARGS_FILE
from synapt_hf.data.torch_dataset import collate_clips
from synapt_hf.errors import SynaptError
from synapt_hf.metrics import classification_metrics
from synapt_hf.models.fused_qkv import use_fused_qkv
from synapt_hf.models.linear_probe import attach_probe_head, fold_probe_head, probe_train_mode
from synapt_hf.models.loading import (
    check_geometry,
    check_labels,
    load_classifier,
    load_pretraining_model,
    model_geometry,
    resolve_model,
)
from synapt_hf.models.mae_forward import use_sync_free_forward
from synapt_hf.models.masking import masked_token_count, tube_mask_for_config
from synapt_hf.models.sdpa_kernels import preferred_sdpa_kernel
from synapt_hf.progress import progress_bar
from synapt_hf.training.checkpoints import (
    STAGE1_DIR,
    TrainState,
    checkpoint_dir,
    finalize_checkpoint,
    resolve_resume,
    temporary_checkpoint_dir,
)
from synapt_hf.training.config import TrainConfig
from synapt_hf.training.data import TrainData, build_data
from synapt_hf.training.export import export_model
from synapt_hf.training.hub_push import check_push_target, push_model_folder
from synapt_hf.training.launch import (
    build_accelerator,
    distributed_state,
    refuse_gpu_only_settings_on_cpu,
    refuse_sharded_levers,
)
from synapt_hf.training.loss_tracking import LossTracker
from synapt_hf.training.master_weights import PARAM_DTYPES, MasterWeightAdamW, cast_model
from synapt_hf.training.optim import parameter_groups
from synapt_hf.training.output_folder import check_output_dir, clear_output_dir
from synapt_hf.training.run_settings import check_resume_settings, run_settings, save_run_settings

logger = logging.getLogger(__name__)


def train(config: TrainConfig | dict[str, Any]) -> dict[str, Any]:
    """Run one training job described by `config`; returns the final metrics and where the model is.

    With ``push_to_hub`` the Hub target is checked first and the finished folder is published at the end
    (main process; `hub_push`), and the result carries ``pushed_to``."""
    if isinstance(config, dict):
        config = TrainConfig.from_dict(config)
    config.validate()
    refuse_gpu_only_settings_on_cpu(config)
    check_push_target(config)
    output_dir = config.resolved_output_dir
    check_output_dir(output_dir, config)
    if config.overwrite_output_dir and not config.resume_from_checkpoint:
        clear_output_dir(output_dir)
    results = _run_stages(config, output_dir)
    if config.push_to_hub and distributed_state().is_main_process:
        report = push_model_folder(output_dir, config)
        results["pushed_to"] = report.repo_id
    return results


def _run_stages(config: TrainConfig, output_dir: Path) -> dict[str, Any]:
    if config.mode != "mae+supervised":
        return _run_stage(config, output_dir)
    stage1_dir = output_dir / STAGE1_DIR
    if (stage1_dir / ALL_RESULTS_FILE).is_file():
        logger.info("stage 1 (MAE) already finished in %s; continuing with stage 2", stage1_dir)
    else:
        stage1 = replace(
            config,
            mode="mae",
            output_dir=str(stage1_dir),
            num_epochs=config.mae_epochs if config.mae_epochs is not None else config.num_epochs,
            max_steps=config.mae_max_steps if config.mae_max_steps is not None else config.max_steps,
        )
        _run_stage(stage1, stage1_dir)
    stage2 = replace(
        config,
        mode="supervised",
        model=str(stage1_dir),
        model_overrides=None,
        ignore_mismatched_sizes=True,
        overwrite_output_dir=False,
    )
    results = _run_stage(stage2, output_dir)
    results["stage1_dir"] = str(stage1_dir)
    return results


@dataclass
class _Run:
    """The prepared objects of one stage."""

    accelerator: Accelerator
    config: TrainConfig
    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: Any
    train_loader: Any
    eval_loader: Any
    data: TrainData
    steps_per_epoch: int
    total_steps: int
    output_dir: Path


def _run_stage(config: TrainConfig, output_dir: Path) -> dict[str, Any]:
    source = resolve_model(config.model, config.model_overrides_dict())
    num_frames, image_size = model_geometry(source.config)
    check_geometry(source.config, config.num_frames, config.image_size, config.model)
    supervised = config.mode == "supervised"
    resume_path = resolve_resume(output_dir, config.resume_from_checkpoint)
    accelerator = build_accelerator(config, output_dir)
    refuse_sharded_levers(config, _sharding(accelerator))
    if config.fused_qkv and source.family != "videomae":
        raise SynaptError(f"--fused-qkv: {config.model} is a {source.family} model; the flag is for VideoMAE")
    if resume_path is not None:  # before any data or model is built
        check_resume_settings(
            resume_path,
            _settings(config, accelerator),
            config.resume_ignore_settings,
            announce=accelerator.is_main_process,
        )
    data = build_data(config, num_frames, image_size, source, accelerator)
    if supervised:
        check_labels(source, data.label_names, config.ignore_mismatched_sizes)
    set_seed(config.seed)
    if supervised:
        model = load_classifier(
            config.model,
            data.label_names,
            config.ignore_mismatched_sizes,
            drop_path_rate=config.resolved_drop_path_rate,
            attn_implementation=config.attn_implementation,
            source=source,
        )
    else:
        model = load_pretraining_model(
            config.model,
            attn_implementation=config.attn_implementation,
            norm_pix_loss=config.norm_pix_loss,
            source=source,
        )
        use_sync_free_forward(model)  # the same loss, without waiting for the GPU (models/mae_forward.py)
    if config.fused_qkv:
        use_fused_qkv(
            model
        )  # one projection matrix; stock weights in every saved state (models/fused_qkv.py)
    if config.protocol == "linear-probe":
        attach_probe_head(model)
    run = _prepare(accelerator, config, model, data, output_dir)
    state = TrainState()
    if resume_path is not None:
        accelerator.load_state(str(resume_path))
        state = TrainState.load(resume_path)
        accelerator.print(f"resumed from {resume_path} at step {state.global_step} (epoch {state.epoch})")
    elif config.resume_from_checkpoint:
        accelerator.print(f"no checkpoint in {output_dir} yet: starting from step 0")
    if accelerator.is_main_process:
        output_dir.mkdir(parents=True, exist_ok=True)
    tracker_config = {
        k: (v if isinstance(v, (int, float, str, bool)) else str(v)) for k, v in config.to_dict().items()
    }
    accelerator.init_trackers("synapt", config=tracker_config)
    try:
        with preferred_sdpa_kernel(config.sdpa_kernel):
            results = _loop(run, state)
    finally:
        accelerator.end_training()
        for loader in (run.train_loader, run.eval_loader):
            stop_workers(loader)
    return results


def stop_workers(loader: Any) -> None:
    """End a DataLoader's persistent worker processes now. Otherwise they live as long as anything refers to
    the loader (accelerate keeps a loader whose iteration was left early), one set per run of a long-lived
    process such as the transfer benchmark."""
    iterator = getattr(loader, "_iterator", None)
    if iterator is not None and hasattr(iterator, "_shutdown_workers"):
        loader._iterator = None
        iterator._shutdown_workers()


def _prepare(
    accelerator: Accelerator, config: TrainConfig, model: torch.nn.Module, data: TrainData, output_dir: Path
) -> _Run:
    num_layers = int(getattr(model.config, "num_hidden_layers", 0))
    groups = parameter_groups(
        model, config.learning_rate, config.weight_decay, config.resolved_layer_decay, num_layers
    )
    fused = _fused_adamw(accelerator)
    low_precision = config.param_dtype != "fp32"
    # the fused kernel needs the parameters on the GPU already (`prepare` would move them anyway), and fp32
    # master copies are made where the parameters are
    if fused or low_precision:
        model.to(accelerator.device)
    options = {"lr": config.learning_rate, "betas": (0.9, config.adam_beta2), "fused": fused or None}
    if low_precision:  # copies of the fp32 values first, then the model in bf16 (training/master_weights.py)
        optimizer = MasterWeightAdamW(groups, **options)
        cast_model(model, config.param_dtype)
    else:
        optimizer = torch.optim.AdamW(groups, **options)
    eval_batch = config.per_device_eval_batch_size or config.per_device_train_batch_size
    workers = config.dataloader_num_workers
    train_loader = (
        None
        if data.streaming
        else clip_loader(
            data.train,
            config.per_device_train_batch_size,
            workers,
            accelerator.device,
            config.seed,
            train=True,
        )
    )
    eval_loader = None
    if data.eval is not None and len(data.eval) > 0:
        eval_loader = clip_loader(
            data.eval, eval_batch, workers, accelerator.device, config.seed, train=False
        )
    if data.streaming:
        batches_per_epoch = data.num_train // (config.per_device_train_batch_size * accelerator.num_processes)
    else:
        batches_per_epoch = math.ceil(
            len(data.train) // config.per_device_train_batch_size / accelerator.num_processes
        )
    if batches_per_epoch == 0:
        raise SynaptError(
            f"{data.num_train} training clips cannot fill one batch of {config.per_device_train_batch_size} "
            f"on {accelerator.num_processes} process(es): lower --per-device-train-batch-size"
        )
    steps_per_epoch = max(1, math.ceil(batches_per_epoch / config.gradient_accumulation_steps))
    total_steps = config.max_steps or math.ceil(config.num_epochs * steps_per_epoch)
    scheduler = get_scheduler(
        config.lr_scheduler,
        optimizer,
        num_warmup_steps=int(config.warmup_ratio * total_steps) * accelerator.num_processes,
        num_training_steps=total_steps * accelerator.num_processes,
    )
    if config.torch_compile:
        model = torch.compile(model, mode=config.torch_compile_mode)
    _checkpoints_without_compile_names(accelerator)
    if data.streaming:  # each process streams its own shard of clip indices: no dispatching
        model, optimizer, scheduler = accelerator.prepare(model, optimizer, scheduler)
        if eval_loader is not None:
            eval_loader = accelerator.prepare(eval_loader)
    elif eval_loader is not None:
        model, optimizer, scheduler, train_loader, eval_loader = accelerator.prepare(
            model, optimizer, scheduler, train_loader, eval_loader
        )
    else:
        model, optimizer, scheduler, train_loader = accelerator.prepare(
            model, optimizer, scheduler, train_loader
        )
    return _Run(
        accelerator,
        config,
        model,
        optimizer,
        scheduler,
        train_loader,
        eval_loader,
        data,
        steps_per_epoch,
        total_steps,
        output_dir,
    )


def _checkpoints_without_compile_names(accelerator: Accelerator) -> None:
    """Checkpoint weights keep the model's own names whether or not --torch-compile is on, so a checkpoint
    resumes with the flag changed (FSDP and DeepSpeed save through their own code and are not affected)."""
    from synapt_hf.training.export import plain_state_dict

    def save_plain(models: list, weights: list, output_dir: str) -> None:
        weights[:] = [plain_state_dict(w) for w in weights]

    def load_into_plain(models: list, input_dir: str) -> None:
        models[:] = [accelerator.unwrap_model(m, keep_torch_compile=False) for m in models]

    accelerator.register_save_state_pre_hook(save_plain)
    accelerator.register_load_state_pre_hook(load_into_plain)


def _fused_adamw(accelerator: Accelerator) -> bool:
    """Whether to use the fused (one-kernel) AdamW: on a single GPU or DDP. FSDP and DeepSpeed shard or
    wrap parameters later, so they keep the default implementation."""
    from accelerate.utils import DistributedType

    return accelerator.device.type == "cuda" and accelerator.distributed_type in (
        DistributedType.NO,
        DistributedType.MULTI_GPU,
    )


def _batch_generator(
    config: TrainConfig, accelerator: Accelerator, epoch: int, batch_index: int
) -> torch.Generator:
    """A generator for per-batch randomness (MAE masks) that depends only on where the batch is in training."""
    seed = (config.seed * 1_000_003 + epoch * 100_003 + batch_index * 101 + accelerator.process_index) % (
        2**63
    )
    return torch.Generator().manual_seed(seed)


def _loss(run: _Run, batch: dict[str, torch.Tensor], epoch: int, batch_index: int) -> torch.Tensor:
    config, model = run.config, run.model
    pixel_values = _model_input(run, batch["pixel_values"])
    if config.mode == "mae":
        unwrapped = run.accelerator.unwrap_model(model)
        mask = tube_mask_for_config(
            unwrapped.config,
            pixel_values.shape[0],
            config.mask_ratio,
            _batch_generator(config, run.accelerator, epoch, batch_index),
            pixel_values.device,
        )
        hidden = masked_token_count(unwrapped.config, config.mask_ratio)
        return model(pixel_values=pixel_values, bool_masked_pos=mask, num_masked=hidden).loss
    logits = model(pixel_values=pixel_values).logits
    return F.cross_entropy(logits.float(), batch["labels"], label_smoothing=config.resolved_label_smoothing)


def _model_input(run: _Run, pixel_values: torch.Tensor) -> torch.Tensor:
    """Clips in the dtype the model computes in. DeepSpeed casts the model itself to bf16/fp16 and does not
    autocast (DDP and FSDP keep fp32 weights and autocast), so its clips are cast to match; so are they for
    a model with low-precision parameters (--param-dtype)."""
    from accelerate.utils import DistributedType

    accelerator = run.accelerator
    if run.config.param_dtype != "fp32":
        return pixel_values.to(PARAM_DTYPES[run.config.param_dtype])
    if accelerator.distributed_type != DistributedType.DEEPSPEED:
        return pixel_values
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(accelerator.mixed_precision)
    return pixel_values if dtype is None else pixel_values.to(dtype)


def _set_train_mode(run: _Run) -> None:
    if run.config.protocol == "linear-probe":
        probe_train_mode(run.accelerator.unwrap_model(run.model))
    else:
        run.model.train()


def _loop(run: _Run, state: TrainState) -> dict[str, Any]:
    accelerator, config = run.accelerator, run.config
    num_epochs = math.ceil(run.total_steps / run.steps_per_epoch)
    accelerator.print(
        f"training {config.model} ({config.mode}, {config.protocol}): {run.data.num_train} clips, "
        f"{run.data.num_classes} classes, {run.total_steps} steps, {accelerator.num_processes} process(es) "
        f"({accelerator.distributed_type.value}, {accelerator.device.type}), "
        f"mixed precision {accelerator.mixed_precision}"
    )
    progress = progress_bar(
        total=run.total_steps,
        initial=state.global_step,
        desc="steps",
        quiet=not accelerator.is_local_main_process or config.disable_progress_bar,
    )
    metrics: dict[str, Any] = {}
    losses = LossTracker(accelerator.device)  # read on the host at logging steps only (see loss_tracking)
    started = time.perf_counter()
    samples_at_start = state.samples_seen
    eval_seconds = 0.0
    warm_step = state.global_step + min(3, max(run.total_steps - state.global_step - 1, 0))
    warm: tuple[float, int, float] | None = None  # (time, samples, eval seconds) once warm_step is reached
    starts_step = True  # the next micro-batch begins an optimizer step (see the CUDA-graph mark below)
    while state.global_step < run.total_steps and state.epoch < num_epochs:
        _set_train_mode(run)
        loader = _epoch_loader(run, state)
        for batch in loader:
            batch = run.data.finish_batch(_to_device(batch, accelerator.device))
            with accelerator.accumulate(run.model):
                if config.torch_compile and starts_step:
                    # CUDA graphs (reduce-overhead) start a new generation here, which frees the previous
                    # one's outputs; the gradients accumulated so far are such outputs, so only once per
                    # optimizer step (after `zero_grad`), never between accumulated micro-batches
                    torch.compiler.cudagraph_mark_step_begin()
                loss = _loss(run, batch, state.epoch, state.batches_in_epoch)
                losses.record(loss, state.global_step + 1, state.epoch, state.batches_in_epoch)
                accelerator.backward(loss)
                if accelerator.sync_gradients and config.max_grad_norm:
                    accelerator.clip_grad_norm_(
                        [p for p in run.model.parameters() if p.requires_grad], config.max_grad_norm
                    )
                run.optimizer.step()
                run.scheduler.step()
                run.optimizer.zero_grad(set_to_none=True)
            state.batches_in_epoch += 1
            state.samples_seen += batch["pixel_values"].shape[0] * accelerator.num_processes
            starts_step = accelerator.sync_gradients
            if not accelerator.sync_gradients:
                continue
            state.global_step += 1
            progress.update(1)
            if state.global_step == warm_step:
                _synchronize(accelerator.device)  # the steady-state clock starts when the GPU is there too
                warm = (time.perf_counter(), state.samples_seen, eval_seconds)
            if state.global_step % config.logging_steps == 0 or state.global_step == run.total_steps:
                losses.raise_if_non_finite(accelerator)
                logs = {"train_loss": losses.mean_and_reset(), "lr": run.scheduler.get_last_lr()[-1]}
                progress.set_postfix(loss=f"{logs['train_loss']:.4f}")
                accelerator.log(logs, step=state.global_step)
                metrics["train_loss"] = logs["train_loss"]
            if config.checkpointing_steps and state.global_step % config.checkpointing_steps == 0:
                losses.raise_if_non_finite(accelerator)  # never checkpoint weights a bad step has touched
                save_checkpoint(run, state)
            if state.global_step >= run.total_steps or _time_is_up(run, started):
                break
        else:
            state.epoch += 1
            state.batches_in_epoch = 0
        if hasattr(loader, "close"):  # a GPU producer left mid-epoch: stop it (and its workers) now
            loader.close()
        _synchronize(accelerator.device)  # the epoch's queued steps finish before the clocks below read
        losses.raise_if_non_finite(accelerator)
        mean_loss = losses.mean_and_reset()
        if mean_loss is not None:
            metrics["train_loss"] = mean_loss
        finished = state.global_step >= run.total_steps or _time_is_up(run, started)
        if run.eval_loader is not None and (config.eval_every_epoch or finished):
            eval_started = time.perf_counter()
            metrics.update(evaluate(run))
            eval_seconds += time.perf_counter() - eval_started
            accelerator.log(
                {f"eval_{k}": v for k, v in metrics.items() if k in _EVAL_KEYS}, step=state.global_step
            )
            accelerator.print(
                f"eval at step {state.global_step} (epoch {_epochs_done(run, state):g}): "
                + ", ".join(f"{k} {metrics[k]:.4f}" for k in _EVAL_KEYS if isinstance(metrics.get(k), float))
            )
        if finished:
            break
    progress.close()
    if state.global_step < run.total_steps:
        accelerator.print(
            f"stopped at step {state.global_step} of {run.total_steps}: --max-train-minutes {config.max_train_minutes}"
        )
    ended = time.perf_counter()
    elapsed = ended - started - eval_seconds
    steady = None
    if warm is not None and state.samples_seen > warm[1]:
        steady = (state.samples_seen - warm[1]) / max(ended - warm[0] - (eval_seconds - warm[2]), 1e-9)
    if run.eval_loader is not None and not any(k in metrics for k in _EVAL_KEYS):
        metrics.update(evaluate(run))
    if config.checkpointing_steps and state.global_step % config.checkpointing_steps:
        save_checkpoint(run, state)  # the final step, so the run can be extended later
    results = _results(run, state, metrics, elapsed, state.samples_seen - samples_at_start)
    results["train_clips_per_second_steady"] = round(steady, 3) if steady is not None else None
    results["eval_runtime_s"] = round(eval_seconds, 3)
    accelerator.wait_for_everyone()
    model = accelerator.unwrap_model(run.model, keep_torch_compile=False)
    if config.param_dtype != "fp32":  # export the fp32 master weights, as a stock fp32 model
        getattr(run.optimizer, "optimizer", run.optimizer).write_masters(model)
    if config.protocol == "linear-probe":
        fold_probe_head(model)
    state_dict = accelerator.get_state_dict(run.model)  # collective: gathers FSDP / ZeRO-3 shards
    if accelerator.is_main_process:
        export_model(
            model,
            run.data.processor,
            run.output_dir,
            config,
            results,
            run.data.label_names,
            state_dict=state_dict,
        )
    accelerator.wait_for_everyone()
    return results


_EVAL_KEYS = ("top1", "top5", "mean_class_accuracy", "eval_loss")


def _epochs_done(run: _Run, state: TrainState) -> float:
    """Epochs of training done so far (a fraction when a run stopped mid-epoch). `state.epoch` is the epoch
    the next step belongs to, which stays at the last one when training ends on its final step."""
    return round(state.global_step / run.steps_per_epoch, 2)


def _time_is_up(run: _Run, started: float) -> bool:
    """Whether --max-train-minutes has passed. One process reads its own clock (no device tensor, so the
    step never waits for the GPU); with several, the main process decides and broadcasts, so that all of
    them stop at the same step."""
    limit = run.config.max_train_minutes
    if limit is None:
        return False
    up = time.perf_counter() - started > 60.0 * limit
    if run.accelerator.num_processes == 1:
        return up
    from accelerate.utils import broadcast

    flag = broadcast(torch.tensor([float(up)], device=run.accelerator.device), from_process=0)
    return bool(flag.item() > 0)


def _epoch_loader(run: _Run, state: TrainState):
    if run.data.streaming:
        return run.data.stream_loader(run, state)
    loader = run.train_loader
    if hasattr(loader, "set_epoch"):
        loader.set_epoch(state.epoch)
    if hasattr(run.data.train, "set_epoch"):
        run.data.train.set_epoch(state.epoch)  # per-item random draws depend on (seed, epoch, index)
    if state.batches_in_epoch:
        return run.accelerator.skip_first_batches(loader, state.batches_in_epoch)
    return loader


def clip_loader(
    dataset: Any, batch_size: int, workers: int, device: torch.device, seed: int, train: bool
) -> DataLoader:
    """The DataLoader of a dataset source: shuffled full batches for training, in order for evaluation;
    batches in pinned memory when they go to a GPU, so that their copy does not make the host wait."""
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=train,
        drop_last=train,
        num_workers=workers,
        persistent_workers=train and workers > 0,
        pin_memory=device.type == "cuda",
        collate_fn=collate_clips,
        generator=torch.Generator().manual_seed(seed),
    )


def _to_device(batch: dict[str, Any], device: torch.device) -> dict[str, Any]:
    """Tensors (and lists of tensors: clips of different sizes) moved to `device`; other values kept."""

    def move(value: Any) -> Any:
        if isinstance(value, torch.Tensor):
            return value.to(device, non_blocking=True)
        if isinstance(value, list) and value and isinstance(value[0], torch.Tensor):
            return [v.to(device, non_blocking=True) for v in value]
        return value

    return {k: move(v) for k, v in batch.items()}


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def save_checkpoint(run: _Run, state: TrainState) -> Path:
    """``save_state`` into ``checkpoint-N.tmp`` (all processes), then the main process renames it."""
    accelerator = run.accelerator
    temporary = temporary_checkpoint_dir(run.output_dir, state.global_step)
    if accelerator.is_main_process and temporary.exists():
        shutil.rmtree(temporary)
    accelerator.wait_for_everyone()
    accelerator.save_state(str(temporary))
    accelerator.wait_for_everyone()
    final = checkpoint_dir(run.output_dir, state.global_step)
    if accelerator.is_main_process:
        state.save(temporary)
        run.config.save(temporary / TRAINING_ARGS_FILE)
        save_run_settings(temporary, _settings(run.config, accelerator))
        final = finalize_checkpoint(
            temporary, run.output_dir, state.global_step, run.config.checkpoints_total_limit
        )
    accelerator.wait_for_everyone()
    return final


def _settings(config: TrainConfig, accelerator: Accelerator) -> dict[str, Any]:
    """The settings recorded in each checkpoint and compared on resume (see training/run_settings.py)."""
    return run_settings(
        config, accelerator.num_processes, accelerator.mixed_precision, _sharding(accelerator)
    )


def _sharding(accelerator: Accelerator) -> str:
    """``fsdp`` | ``deepspeed`` | ``none`` (one process or DDP): how the launch holds the parameters."""
    from accelerate.utils import DistributedType

    sharding = {DistributedType.FSDP: "fsdp", DistributedType.DEEPSPEED: "deepspeed"}
    return sharding.get(accelerator.distributed_type, "none")


@torch.no_grad()
def evaluate(run: _Run) -> dict[str, float]:
    """Top-1/top-5/mean class accuracy (supervised) or masked reconstruction loss (MAE) on the eval split."""
    accelerator, model = run.accelerator, run.model
    _share_main_process_buffers(run)
    model.eval()
    logits_parts, label_parts, loss_parts = [], [], []
    for batch_index, batch in enumerate(run.eval_loader):
        batch = _to_device(batch, accelerator.device)
        if run.config.mode == "mae":
            loss = _loss(run, batch, epoch=-1, batch_index=batch_index).detach().float()
            loss_parts.append(accelerator.gather_for_metrics(loss.repeat(batch["pixel_values"].shape[0])))
            continue
        logits = model(pixel_values=_model_input(run, batch["pixel_values"])).logits.float()
        logits, labels = accelerator.gather_for_metrics((logits, batch["labels"]))
        logits_parts.append(logits.cpu())
        label_parts.append(labels.cpu())
    _set_train_mode(run)
    if run.config.mode == "mae":
        return {"eval_loss": float(torch.cat(loss_parts).mean())}
    logits, labels = torch.cat(logits_parts), torch.cat(label_parts)
    metrics = classification_metrics(logits, labels, run.data.num_classes)
    metrics["eval_loss"] = float(F.cross_entropy(logits, labels))
    return {k: float(v) for k, v in metrics.items()}


def _share_main_process_buffers(run: _Run) -> None:
    """Under FSDP give every process the main process's buffers (e.g. the linear probe's BatchNorm
    statistics) before evaluating, so all shards are scored by the model that is exported; DDP does this
    itself (``broadcast_buffers``)."""
    from accelerate.utils import DistributedType

    accelerator = run.accelerator
    if accelerator.distributed_type != DistributedType.FSDP or accelerator.num_processes < 2:
        return
    for buffer in accelerator.unwrap_model(run.model).buffers():
        torch.distributed.broadcast(buffer.data, src=0)


def _results(
    run: _Run, state: TrainState, metrics: dict[str, Any], elapsed: float, samples: int
) -> dict[str, Any]:
    config = run.config
    return {
        "top1": metrics.get("top1"),
        "top5": metrics.get("top5"),
        "mean_class_accuracy": metrics.get("mean_class_accuracy"),
        "eval_loss": metrics.get("eval_loss"),
        "train_loss": metrics.get("train_loss"),
        "output_dir": str(run.output_dir),
        "num_train": run.data.num_train,
        "num_val": run.data.num_eval,
        "num_classes": run.data.num_classes,
        "label_names": run.data.label_names,
        "model": config.model,
        "mode": config.mode,
        "protocol": config.protocol,
        "global_step": state.global_step,
        "epochs": _epochs_done(run, state),
        "num_processes": run.accelerator.num_processes,
        "mixed_precision": run.accelerator.mixed_precision,
        "train_runtime_s": round(elapsed, 3),
        "train_clips_per_second": round(samples / elapsed, 3) if elapsed > 0 else None,
    }
