"""Training throughput: the full pipeline (train()) against the bare model on in-memory tensors.

For each case (mode x data source) it measures, in one process and with the same model and batch:
- bare: forward + backward + AdamW step on random in-memory tensors (autocast as configured);
- full: `synapt_hf.training.train` end to end (DataLoader, decoding or online generation, transforms,
  mixed precision, optimizer step), its steady-state clips/s (first steps and evaluation excluded);
The bare model is the stock transformers one; the full pipeline's MAE runs the project's sync-free forward
(`synapt_hf.models.mae_forward`, the same loss), its TimeSformer the project's SDPA attention
(`synapt_hf.models.timesformer_sdpa`; transformers' is eager only) and its VideoMAE classifier keeps the
position table on the device (`synapt_hf.models.position_tables`), so a ratio above 1 is that speed-up;
where they differ, the bare rate of the model as training runs it is printed too ("bare, <what>"). It
prints full / bare, plus model TFLOP/s (counted with torch's FlopCounterMode) next to the peak
(a measured fp32 matmul rate on CPU, the datasheet dense bf16 peak on known GPUs).

    python scripts/bench_train.py --preset cpu       # videomae-tiny on this CPU
    python scripts/bench_train.py --preset h100      # videomae-base, bf16, batch 32 (needs a GPU)
    python scripts/bench_train.py --sources online:eager,online,online:rs4,disk
    python scripts/bench_train.py --preset h100 --sources "" --profile   # where a bare step's time goes + bare rates
    python scripts/bench_train.py --model timesformer-tiny --modes supervised --sources ""   # bare rates only
    python scripts/bench_train.py --preset h100 --sdpa-kernel cudnn   # training with cuDNN attention first
    python scripts/bench_train.py --preset h100 --sources "" --levers none,fused-qkv,bf16,fused-qkv+bf16

``--levers`` lists sets of the training speed levers, each measured as its own "bare, <what>" row (and its
own full-pipeline rows) against the same stock bare rate: ``fused-qkv`` (`TrainConfig.fused_qkv`, one
query/key/value projection, models/fused_qkv.py), ``bf16`` (`TrainConfig.param_dtype` bf16: bf16
parameters without autocast, fp32 master weights in the optimizer, training/master_weights.py), joined by
``+``; ``none`` is the model as training runs it by default.

A source is ``online`` (the generator while training) or ``disk`` (the generated dataset, decoded), with
``:fused`` / ``:eager`` (force the renderer's kernels; default: ``SYNAPT_FUSED_RENDER``, unset = fused on a
GPU, eager on CPU) and ``:rsK`` (repeated sampling: each rendered clip used K times per batch,
`TrainConfig.repeated_sampling`) for the online one.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from synapt_hf.models.fused_qkv import use_fused_qkv
from synapt_hf.models.loading import load_classifier, load_pretraining_model, model_geometry, resolve_model
from synapt_hf.models.mae_forward import use_sync_free_forward
from synapt_hf.models.masking import masked_token_count, tube_mask_for_config
from synapt_hf.models.sdpa_kernels import SDPA_KERNELS, preferred_sdpa_kernel
from synapt_hf.synth.render import FUSED_ENV, fused_default
from synapt_hf.training import train
from synapt_hf.training.config import TrainConfig
from synapt_hf.training.master_weights import MasterWeightAdamW, cast_model

PRESETS = {
    "cpu": {
        "model": "videomae-tiny",
        "batch": 8,
        "mae_batch": 8,
        "steps": 24,
        "mixed_precision": "no",
        "workers": 1,
    },
    # the H100 anchors: supervised batch 32, MAE pretraining batch 64, bf16
    "h100": {
        "model": "videomae-base",
        "batch": 32,
        "mae_batch": 64,
        "steps": 40,
        "mixed_precision": "bf16",
        "workers": 14,
    },
}
GPU_PEAK_TFLOPS = {"H100": 989.0, "H200": 989.0, "A100": 312.0}  # dense bf16 tensor-core datasheet figures
LEVERS = ("fused-qkv", "bf16")


@dataclass(frozen=True)
class Levers:
    """One set of training speed levers (``--levers`` entry): ``none`` or names of `LEVERS` joined by +."""

    fused_qkv: bool = False
    bf16_params: bool = False

    @classmethod
    def parse(cls, text: str) -> Levers:
        names = set() if text == "none" else set(text.split("+"))
        unknown = names - set(LEVERS)
        if unknown or not text:
            raise SystemExit(f"--levers: {text!r}: none, or {' / '.join(LEVERS)} joined by +")
        return cls(fused_qkv="fused-qkv" in names, bf16_params="bf16" in names)

    @property
    def label(self) -> str:
        names = [name for name, on in zip(LEVERS, (self.fused_qkv, self.bf16_params), strict=True) if on]
        return "+".join(names) or "none"

    def config(self) -> dict:
        """The `TrainConfig` fields of these levers."""
        return {"fused_qkv": self.fused_qkv, "param_dtype": "bf16" if self.bf16_params else "fp32"}


@dataclass(frozen=True)
class Source:
    """One data source of the benchmark, parsed from ``online[:fused|:eager][:rsK]`` or ``disk``."""

    label: str
    synthetic: str
    renderer: str = "auto"  # TrainConfig.synthetic_renderer
    repeats: int = 1

    @classmethod
    def parse(cls, text: str) -> Source:
        base, *options = text.split(":")
        if base not in ("online", "disk"):
            raise SystemExit(f"--sources: {text!r}: the source must be online or disk")
        renderer, repeats = "auto", 1
        for option in options:
            if option in ("fused", "eager"):
                renderer = option
            elif option.startswith("rs") and option[2:].isdigit() and int(option[2:]) >= 1:
                repeats = int(option[2:])
            else:
                raise SystemExit(f"--sources: {text!r}: unknown option {option!r} (fused, eager, rsK)")
        if base == "disk" and options:
            raise SystemExit(f"--sources: {text!r}: fused and rsK apply to the online generator")
        return cls(text, base, renderer, repeats)

    def renderer_used(self, device: torch.device) -> str | None:
        """The kernels the online generator renders with (None for the disk source)."""
        if self.synthetic != "online":
            return None
        if self.renderer != "auto":
            return self.renderer
        render_device = "cuda" if device.type == "cuda" else "cpu"
        return "fused" if fused_default(render_device) else "eager"


def bare_step(
    model_name: str,
    mode: str,
    batch: int,
    precision: str,
    device: torch.device,
    channels_last: bool,
    compile_model: bool,
    compile_mode: str = "default",
    project: bool = False,
    levers: Levers = Levers(),
):
    """One training step of the model alone on random in-memory tensors (forward, backward, AdamW): the stock
    transformers model, or with `project` the model as training runs it (`project_model`) with `levers`:
    fused QKV projection; bf16 parameters and clips without autocast, fp32 master weights in AdamW."""
    torch.manual_seed(0)
    if mode == "mae":
        model = load_pretraining_model(model_name, stock=not project)
        if project:
            use_sync_free_forward(model)
    else:
        model = load_classifier(model_name, [str(i) for i in range(10)], stock=not project)
    if project and levers.fused_qkv:
        use_fused_qkv(model)
    model.to(device).train()
    if channels_last:
        model.to(memory_format=torch.channels_last_3d)
    step_model = torch.compile(model, mode=compile_mode) if compile_model else model
    frames, size = model_geometry(model.config)
    pixels = torch.randn(batch, frames, 3, size, size, device=device)
    labels = torch.randint(0, 10, (batch,), device=device)
    mask = tube_mask_for_config(model.config, batch, 0.9, device=device) if mode == "mae" else None
    sync_free = {"num_masked": masked_token_count(model.config, 0.9)} if project and mode == "mae" else {}
    fused = device.type == "cuda" or None
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
    if project and levers.bf16_params:
        optimizer = MasterWeightAdamW(model.parameters(), lr=1e-4, fused=fused)
        cast_model(model, "bf16")
        pixels, dtype = pixels.to(torch.bfloat16), None  # the model computes in bf16 itself: no autocast
    else:
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=fused)

    def step() -> None:
        if compile_model:
            torch.compiler.cudagraph_mark_step_begin()
        with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            if mode == "mae":
                loss = step_model(pixel_values=pixels, bool_masked_pos=mask, **sync_free).loss
            else:
                loss = F.cross_entropy(step_model(pixel_values=pixels).logits.float(), labels)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    return step


def bare_rate(
    step: Callable[[], None], batch: int, steps: int, device: torch.device, sdpa_kernel: str = "auto"
) -> tuple[float, float]:
    """(clips/s, FLOPs per step) of a `bare_step` of `batch` clips, timed over `steps` after 3 warm-up
    steps, with `sdpa_kernel` tried first by the attention."""
    counter = FlopCounterMode(display=False)
    with preferred_sdpa_kernel(sdpa_kernel):
        with counter:
            step()
        for _ in range(3):
            step()
        _sync(device)
        started = time.perf_counter()
        for _ in range(steps):
            step()
        _sync(device)
    return batch * steps / (time.perf_counter() - started), float(counter.get_total_flops())


def project_model(model_name: str, mode: str, sdpa_kernel: str = "auto", levers: Levers = Levers()) -> str:
    """What training runs differently from the stock model in `mode` (with `levers`)."""
    changes = []
    if mode == "mae":
        changes.append("sync-free MAE forward (models/mae_forward.py)")
    elif resolve_model(model_name).family == "timesformer":
        changes.append("SDPA attention (models/timesformer_sdpa.py)")
    else:
        changes.append("position table on the device (models/position_tables.py)")
    if sdpa_kernel != "auto":
        changes.append(f"--sdpa-kernel {sdpa_kernel}")
    if levers.fused_qkv:
        changes.append("fused QKV (models/fused_qkv.py)")
    if levers.bf16_params:
        changes.append("bf16 parameters, fp32 master weights (training/master_weights.py)")
    return " + ".join(changes)


def profile_bare(model_name: str, mode: str, batch: int, precision: str, device: torch.device) -> None:
    """Print where a bare step's device time goes: the top kernels of 3 profiled steps (torch.profiler)."""
    from torch.profiler import ProfilerActivity, profile

    step = bare_step(model_name, mode, batch, precision, device, False, False)
    for _ in range(3):
        step()
    _sync(device)
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    with profile(activities=activities) as prof:
        for _ in range(3):
            step()
        _sync(device)
    events = prof.key_averages()
    launches = sum(
        e.count for e in events if e.key in ("cudaLaunchKernel", "cuLaunchKernel", "cudaLaunchKernelExC")
    )
    sort = "self_cuda_time_total" if device.type == "cuda" else "self_cpu_time_total"
    print(f"# profile of 3 bare {mode} steps, batch {batch}: {launches // 3} kernel launches per step")
    print(events.table(sort_by=sort, row_limit=15, max_name_column_width=60), flush=True)


def full_rate(
    model_name: str,
    mode: str,
    source: Source,
    batch: int,
    steps: int,
    precision: str,
    workers: int,
    compile_model: bool,
    work: Path,
    clips_per_class: int,
    compile_mode: str = "default",
    sdpa_kernel: str = "auto",
    levers: Levers = Levers(),
) -> dict:
    if levers.bf16_params:
        precision = "no"  # bf16 parameters compute in bf16 without autocast
    config = TrainConfig(
        model=model_name,
        mode=mode,
        synthetic=source.synthetic,
        synthetic_renderer=source.renderer,
        repeated_sampling=source.repeats,
        output_dir=str(work / f"{mode}-{source.label.replace(':', '-')}-{levers.label}"),
        overwrite_output_dir=True,
        per_device_train_batch_size=batch,
        max_steps=steps + 3,
        synthetic_train_clips=clips_per_class,
        synthetic_eval_clips=1,
        synthetic_dir=str(work / "generated"),
        eval_every_epoch=False,
        report_to="none",
        disable_progress_bar=True,
        dataloader_num_workers=workers,
        mixed_precision=precision,
        torch_compile=compile_model,
        torch_compile_mode=compile_mode,
        sdpa_kernel=sdpa_kernel,
        **levers.config(),
    )
    return train(config)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def peak_tflops(device: torch.device) -> tuple[float, str]:
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
        for key, value in GPU_PEAK_TFLOPS.items():
            if key in name:
                return value, f"{name} datasheet dense bf16"
        return float("nan"), f"{name} (peak unknown)"
    a = torch.randn(1024, 1024)
    a @ a
    started = time.perf_counter()
    for _ in range(10):
        a @ a
    seconds = time.perf_counter() - started
    return (
        10 * 2 * 1024**3 / seconds / 1e12,
        f"measured fp32 1024^3 matmul, {torch.get_num_threads()} threads",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="cpu")
    parser.add_argument("--model")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--steps", type=int)
    parser.add_argument("--mixed-precision", choices=["no", "bf16", "fp16"])
    parser.add_argument("--workers", type=int)
    parser.add_argument("--modes", default="supervised,mae")
    parser.add_argument("--sources", default="online,disk")
    parser.add_argument(
        "--speedups", action="store_true", help="also run with torch.compile (+ channels-last bare)"
    )
    parser.add_argument(
        "--compile-mode",
        default="default",
        help="torch.compile mode of --speedups (reduce-overhead: CUDA graphs, max-autotune, ...)",
    )
    parser.add_argument(
        "--sdpa-kernel",
        choices=SDPA_KERNELS,
        default="auto",
        help="the attention kernel tried first by the full pipeline and the project's bare row (TrainConfig)",
    )
    parser.add_argument(
        "--levers",
        default="none",
        help="comma-separated lever sets, each its own bare and full rows: none | fused-qkv | bf16 | "
        "fused-qkv+bf16 (see the module docstring)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="also print the top kernels of the bare step of each mode"
    )
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    preset = PRESETS[args.preset]
    model = args.model or preset["model"]
    steps = args.steps or preset["steps"]
    precision = args.mixed_precision or preset["mixed_precision"]
    workers = preset["workers"] if args.workers is None else args.workers
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if "mae" in args.modes.split(",") and resolve_model(model).family != "videomae":  # (checks the name too)
        raise SystemExit(f"--modes mae: MAE pretraining needs a VideoMAE model, not {model}")
    peak, peak_source = peak_tflops(device)
    print(
        f"# bench_train: {model}, batch {args.batch_size or preset['batch']} (MAE {args.batch_size or preset['mae_batch']}), {steps} timed steps, precision {precision}, device {device}, "
        f"{platform.processor() or platform.machine()}, torch {torch.__version__}"
    )
    print(f"peak {peak:.3f} TFLOP/s ({peak_source})")
    sources = [Source.parse(text) for text in args.sources.split(",") if text]
    lever_sets = [Levers.parse(text) for text in args.levers.split(",")]
    if any(levers.fused_qkv for levers in lever_sets) and resolve_model(model).family != "videomae":
        raise SystemExit(f"--levers fused-qkv: the fused projection is VideoMAE's, not {model}'s")
    modes = args.modes.split(",")
    batches = {mode: args.batch_size or preset["mae_batch" if mode == "mae" else "batch"] for mode in modes}
    # one generated dataset (disk source) serves every mode: enough clips for the largest batch
    clips_per_class = max(max(batches.values()) * (steps + 3) // 10 + 1, 8)
    print(
        f"online renderer default here: {'fused' if fused_default(device.type) else 'eager'} ({FUSED_ENV}); "
        "model: eager, or compiled with --speedups"
    )
    if args.profile:
        for mode in modes:
            profile_bare(model, mode, batches[mode], precision, device)
    rows = []
    variants = [False, True] if args.speedups else [False]
    with tempfile.TemporaryDirectory() as tmp:
        for mode in modes:
            batch = batches[mode]
            for compiled in variants:
                # the bare rate is measured before and after the full runs and the best is kept: on a shared
                # machine a load spike during one measurement must not flatter the ratio
                step_args = (model, mode, batch, precision, device, compiled, compiled, args.compile_mode)
                timing = (batch, steps, device)
                bare, flops = bare_rate(bare_step(*step_args), *timing)
                # the model as training runs it (with each lever set), where that differs from stock:
                # measured next to each stock measurement and the best kept, like the stock rate
                projects = (
                    {}
                    if compiled
                    else {
                        levers: project_model(model, mode, args.sdpa_kernel, levers) for levers in lever_sets
                    }
                )
                project_rates = {
                    levers: bare_rate(
                        bare_step(*step_args, project=True, levers=levers), *timing, args.sdpa_kernel
                    )[0]
                    for levers in projects
                }
                fulls = {}
                for levers in lever_sets:
                    for source in sources:
                        try:
                            results = full_rate(
                                model,
                                mode,
                                source,
                                batch,
                                steps,
                                precision,
                                workers,
                                compiled,
                                Path(tmp),
                                clips_per_class,
                                args.compile_mode,
                                args.sdpa_kernel,
                                levers,
                            )
                        except (
                            Exception
                        ) as error:  # one failing source (e.g. no compiler) must not hide the rest
                            print(
                                f"{mode:<10} {source.label:<18} {levers.label} FAILED: "
                                f"{type(error).__name__}: {error}",
                                flush=True,
                            )
                            continue
                        fulls[levers, source] = results["train_clips_per_second_steady"]
                bare = max(bare, bare_rate(bare_step(*step_args), *timing)[0])
                if not compiled:
                    stock_bare = bare  # the stock model, eager: what "past the bare rate" is measured against
                for levers, project in projects.items():
                    again = bare_rate(
                        bare_step(*step_args, project=True, levers=levers), *timing, args.sdpa_kernel
                    )[0]
                    project_rate = max(project_rates[levers], again)
                    row = project_bare_row(mode, project, project_rate, bare, flops / batch, peak)
                    rows.append({**row, "levers": levers.label, "batch": batch})
                    if args.json:
                        write_json(Path(args.json), rows)
                for (levers, source), full in fulls.items():
                    tflops = flops / batch * full / 1e12
                    row = {
                        "mode": mode,
                        "source": source.synthetic,
                        "speedups": compiled,
                        "levers": levers.label,
                        "batch": batch,
                        "renderer": source.renderer_used(device),
                        "repeated_sampling": source.repeats,
                        "bare_clips_s": round(bare, 2),
                        "full_clips_s": full,
                        "ratio": round(full / bare, 3),
                        "ratio_vs_stock_bare": round(full / stock_bare, 3),
                        "compile_mode": args.compile_mode if compiled else None,
                        "model_tflops": round(tflops, 4),
                        "peak_tflops": round(peak, 3),
                        "gflop_per_clip": round(flops / batch / 1e9, 3),
                    }
                    rows.append(row)
                    print(
                        f"{mode:<10} {source.label:<18} {source.renderer_used(device) or '-':<6} {'compiled' if compiled else 'eager':<8} levers {levers.label:<14} bare {bare:8.2f} clips/s"
                        f"  full {full:8.2f} clips/s  ratio {full / bare:6.3f}  model {tflops:.4f} TFLOP/s"
                        f" ({100 * tflops / peak:.1f}% of peak)"
                        + (f"  vs stock eager bare {full / stock_bare:6.3f}" if compiled else ""),
                        flush=True,
                    )
                    if args.json:  # after every row: a run cut short keeps what it measured
                        write_json(Path(args.json), rows)
    return 0


def project_bare_row(
    mode: str, project: str, rate: float, stock_bare: float, flops_per_clip: float, peak: float
) -> dict:
    """The bare rate of the model as training runs it, against the stock model's, printed and as a row."""
    tflops = flops_per_clip * rate / 1e12
    print(
        f"{mode:<10} bare, {project}: {rate:8.2f} clips/s = {rate / stock_bare:6.3f} x the stock bare "
        f"{stock_bare:8.2f} clips/s  model {tflops:.4f} TFLOP/s ({100 * tflops / peak:.1f}% of peak)",
        flush=True,
    )
    return {
        "mode": mode,
        "source": None,
        "project_model": project,
        "bare_clips_s": round(stock_bare, 2),
        "project_bare_clips_s": round(rate, 2),
        "ratio_vs_stock_bare": round(rate / stock_bare, 3),
        "model_tflops": round(tflops, 4),
        "peak_tflops": round(peak, 3),
    }


def write_json(path: Path, rows: list[dict]) -> None:
    """Write `rows` to `path` through a temporary file, so the file is never half-written."""
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(json.dumps(rows, indent=2) + "\n")
    partial.replace(path)


if __name__ == "__main__":
    raise SystemExit(main())
