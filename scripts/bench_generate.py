"""Benchmark the synthetic generator: clips per second, rendering only and rendering + H.264 encoding.

For each clip size it measures, in the same process:

* baseline: the same renderer called one clip at a time (batch size 1);
* batched: clips rendered `--batch-size` at a time (scene sampling included: it is part of making a clip);
* batched + encode: the batched clips also encoded to H.264 with `synapt_hf.data.video.encode_video`.

On the CPU it reports clips/s per core from the process CPU time (robust on a shared machine; run with
``--threads 1``) and wall-clock clips/s; on CUDA it reports wall-clock clips/s (device synchronised) for

* render only: scenes sampled beforehand and already on the GPU (the renderer's ceiling);
* pipeline: `synapt_hf.synth.pipeline.render_stream`, `--workers` CPU processes sampling scenes while the
  GPU renders (what online training and `synapt generate --device cuda` get);
* pipeline + H.264: the pipeline's clips copied back and encoded by a pool of `--workers` threads.

With ``--sampling`` (any device) it measures instead the pipeline's CPU side alone, the bound of the GPU
pipeline: one sampling process delivering groups of scenes through a DataLoader
(`synapt_hf.synth.pipeline.SampledScenes`), against sampling in this process then `render.stack_scenes`.

    python scripts/bench_generate.py                      # CPU, 16x112x112 and 16x224x224
    python scripts/bench_generate.py --fused                              # + the torch.compile-fused kernels
    python scripts/bench_generate.py --device cuda --clips 8192 --batch-size 512 --workers 15 --profile
    python scripts/bench_generate.py --sizes 224 --sampling --batch-size 256 --clips 1024   # CPU side only
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ThreadPoolExecutor

import torch

from synapt_hf.data.video import encode_video
from synapt_hf.synth import render
from synapt_hf.synth.clips import render_samples, sample_clip
from synapt_hf.synth.config import GeneratorConfig
from synapt_hf.synth.pipeline import SampledScenes, index_groups, render_stream
from synapt_hf.synth.render import render_batch, stack_scenes


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def measure(
    config: GeneratorConfig,
    indices: range,
    batch_size: int,
    device: torch.device,
    encode: bool,
    repeat: int = 1,
    fused: bool = False,
) -> dict:
    """Best of `repeat` runs: wall and CPU seconds to sample + render (+ encode) the clips `indices`."""
    runs = [_measure_once(config, indices, batch_size, device, encode, fused) for _ in range(repeat)]
    return max(runs, key=lambda r: r["clips_per_cpu_s"] if device.type == "cpu" else r["clips_per_s"])


def _measure_once(
    config: GeneratorConfig, indices: range, batch_size: int, device: torch.device, encode: bool, fused: bool
) -> dict:
    _sync(device)
    wall, cpu = time.perf_counter(), time.process_time()
    for start in range(indices.start, indices.stop, batch_size):
        samples = [
            sample_clip(config, "train", i) for i in range(start, min(start + batch_size, indices.stop))
        ]
        frames = render_samples(config, samples, device, fused=fused)
        if encode:
            for clip in frames.cpu().numpy():
                encode_video(clip, config.fps, codec="h264")
    _sync(device)
    n = len(indices)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"clips": n, "wall_s": wall, "cpu_s": cpu, "clips_per_s": n / wall, "clips_per_cpu_s": n / cpu}


def _scenes_on(config: GeneratorConfig, count: int, device: torch.device) -> dict[str, torch.Tensor]:
    """The stacked scenes of clips ``0..count-1``, sampled here and moved to `device` (renderer input)."""
    return stack_scenes([sample_clip(config, "train", i).scene for i in range(count)], device)


def measure_render_only(
    config: GeneratorConfig, clips: int, batch_size: int, device: torch.device, fused: bool = False
) -> dict:
    """Wall clips/s of the renderer alone, scenes sampled beforehand and resident on `device`."""
    batch = _scenes_on(config, batch_size, device)
    calls = max(1, clips // batch_size)
    with torch.no_grad():
        render_batch(batch, config.size, config.antialias, config.shadows, fused=fused)
        _sync(device)
        started = time.perf_counter()
        for _ in range(calls):
            render_batch(batch, config.size, config.antialias, config.shadows, fused=fused)
        _sync(device)
    wall = time.perf_counter() - started
    n = calls * batch_size
    return {
        "clips": n,
        "wall_s": wall,
        "cpu_s": float("nan"),
        "clips_per_s": n / wall,
        "clips_per_cpu_s": 0.0,
    }


def measure_pipeline(
    config: GeneratorConfig,
    clips: int,
    batch_size: int,
    device: torch.device,
    workers: int,
    encode: bool,
    fused: bool = False,
) -> dict:
    """Steady-state wall clips/s of `render_stream` (workers sample, `device` renders), optionally + threaded
    H.264. The pipeline runs at least 4 groups per worker, and the clock starts once every worker has
    delivered its first group, so start-up latency (one worker sampling a whole group) is not counted."""
    lanes = max(workers, 1)
    total = max(clips, 4 * lanes * batch_size)
    groups = index_groups(range(20_000_000, 20_000_000 + total), batch_size)
    pool = ThreadPoolExecutor(lanes) if encode else None
    pending = []
    started, counted = None, 0
    for number, group in enumerate(render_stream(config, groups, device, workers=workers, fused=fused), 1):
        if pool is not None:
            frames = group.frames.cpu().numpy()
            pending += [pool.submit(encode_video, clip, config.fps, codec="h264") for clip in frames]
        if started is not None:
            counted += len(group.indices)
        elif number == lanes:
            _sync(device)
            started = time.perf_counter()
    if pool is not None:
        for future in pending:
            future.result()
        pool.shutdown()
    _sync(device)
    wall = time.perf_counter() - started
    return {
        "clips": counted,
        "wall_s": wall,
        "cpu_s": float("nan"),
        "clips_per_s": counted / wall,
        "clips_per_cpu_s": 0.0,
    }


def measure_sampling(config: GeneratorConfig, clips: int, batch_size: int) -> list[tuple[str, dict]]:
    """Clips per CPU-second of one sampling process: in this process (sample, then `stack_scenes`) against
    one DataLoader worker handing stacked groups to this process (`SampledScenes`, what each `render_stream`
    worker does; its CPU time read from the reaped worker's resource usage, start-up included)."""
    import resource

    from torch.utils.data import DataLoader

    groups = index_groups(range(30_000_000, 30_000_000 + max(clips, 2 * batch_size)), batch_size)
    count = sum(len(g) for g in groups)
    wall, cpu = time.perf_counter(), time.process_time()
    for group in groups:
        stack_scenes([sample_clip(config, "train", i).scene for i in group])
    in_process = {"clips": count, "wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu}
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    loader = DataLoader(SampledScenes(config, "train", groups), batch_size=None, num_workers=1)
    delivered = sum(len(scenes["_indices"]) for scenes in loader)
    del loader  # the worker has exited: its CPU time is in RUSAGE_CHILDREN
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    worker = {"clips": delivered, "wall_s": time.perf_counter() - wall, "cpu_s": worker_cpu}
    for r in (in_process, worker):
        r["clips_per_s"] = r["clips"] / r["wall_s"]
        r["clips_per_cpu_s"] = r["clips"] / r["cpu_s"]
    return [("sampling: in process + stack_scenes", in_process), ("sampling: 1 DataLoader worker", worker)]


def profile_render(config: GeneratorConfig, batch_size: int, device: torch.device, fused: bool) -> None:
    """Print the renderer's top kernels and launch count for one call (torch.profiler)."""
    from torch.profiler import ProfilerActivity, profile

    batch = _scenes_on(config, batch_size, device)
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    with torch.no_grad():
        render_batch(batch, config.size, config.antialias, config.shadows, fused=fused)
        _sync(device)
        with profile(activities=activities) as prof:
            render_batch(batch, config.size, config.antialias, config.shadows, fused=fused)
            _sync(device)
    sort = "cuda_time_total" if device.type == "cuda" else "cpu_time_total"
    events = prof.key_averages()
    launches = sum(
        e.count for e in events if e.key in ("cudaLaunchKernel", "cuLaunchKernel", "cudaLaunchKernelExC")
    )
    print(
        f"  profile of one {batch_size}-clip call ({'fused' if fused else 'eager'}): {launches} kernel launches"
    )
    print(events.table(sort_by=sort, row_limit=12, max_name_column_width=40))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[112, 224])
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument(
        "--clips", type=int, default=64, help="clips per measurement at 112 px (scaled by size)"
    )
    parser.add_argument("--baseline-clips", type=int, default=16, help="clips for the one-at-a-time baseline")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (CPU)")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="CUDA: CPU processes sampling scenes for the pipeline (default: all cores but one)",
    )
    parser.add_argument("--profile", action="store_true", help="print the renderer's top kernels per size")
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="CUDA: also time sampling in this process + batched rendering",
    )
    parser.add_argument(
        "--tile-groups",
        type=int,
        nargs="*",
        default=[],
        help="CUDA: also time render-only with these render.TILE_GROUPS values (same pixels, fewer launches)",
    )
    parser.add_argument(
        "--fused",
        action="store_true",
        help="also time the torch.compile-fused kernels (render.kernels; compiled before timing)",
    )
    parser.add_argument("--no-encode", action="store_true", help="skip the render + encode measurement")
    parser.add_argument("--preset", default="default", help="scene preset (synapt_hf.synth.presets.PRESETS)")
    parser.add_argument(
        "--classes",
        default="35",
        help="class spec (default 35: the set the recorded figures used; all = every action)",
    )
    parser.add_argument(
        "--sampling", action="store_true", help="only time the scene sampling (the GPU pipeline's CPU side)"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="report the best of this many runs (noisy machines)"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    print(
        f"device={device} threads={torch.get_num_threads()} torch={torch.__version__} batch={args.batch_size}"
    )
    for size in args.sizes:
        config = GeneratorConfig.create(args.classes, frames=args.frames, size=size, preset=args.preset)
        clips = max(args.batch_size, round(args.clips * (112 / size) ** 2))
        if args.sampling:
            (name_a, a), (name_b, b) = measure_sampling(config, clips, args.batch_size)
            print(f"\n{args.frames}x{size}x{size}, {config.num_classes} classes, groups of {args.batch_size}")
            for name, r in ((name_a, a), (name_b, b)):
                print(
                    f"  {name:38s} {r['clips_per_cpu_s']:8.1f} clips per CPU-s ({1000 / r['clips_per_cpu_s']:.2f} "
                    f"ms/clip)  {r['clips_per_s']:8.1f} clips/s wall"
                )
            print(f"  worker vs in process, per CPU-s: {b['clips_per_cpu_s'] / a['clips_per_cpu_s']:.2f}x")
            continue
        measure(config, range(10_000_000, 10_000_000 + min(4, clips)), 4, device, encode=False)  # warm-up
        base = measure(config, range(args.baseline_clips), 1, device, encode=False, repeat=args.repeat)
        rows = [("baseline (1 clip/call)", base)]
        if device.type == "cpu" or args.in_process:
            # sampling in this process, rendering in batches (on CUDA: bound by one core's sampling)
            batched = measure(config, range(clips), args.batch_size, device, encode=False, repeat=args.repeat)
            rows.append((f"batched ({args.batch_size}/call)", batched))
            if args.fused:
                measure(config, range(10_000_000, 10_000_004), 4, device, encode=False, fused=True)  # compile
                fused = measure(config, range(clips), args.batch_size, device, False, args.repeat, fused=True)
                rows.append((f"batched, fused ({args.batch_size}/call)", fused))
        if device.type == "cuda":
            workers = args.workers if args.workers is not None else max((os.cpu_count() or 2) - 1, 1)
            rows.append(
                ("render only (scenes on GPU)", measure_render_only(config, clips, args.batch_size, device))
            )
            default_groups = render.TILE_GROUPS["cuda"]
            for groups in args.tile_groups:
                render.TILE_GROUPS["cuda"] = groups
                result = measure_render_only(config, clips, args.batch_size, device)
                rows.append((f"render only, {groups} tile groups", result))
            render.TILE_GROUPS["cuda"] = default_groups
            if args.fused:
                result = measure_render_only(config, clips, args.batch_size, device, fused=True)
                rows.append(("render only, fused", result))
            batched = measure_pipeline(config, clips, args.batch_size, device, workers, encode=False)
            rows.append((f"pipeline ({workers} sampling workers)", batched))
            if args.fused:
                result = measure_pipeline(config, clips, args.batch_size, device, workers, False, fused=True)
                rows.append((f"pipeline, fused ({workers} workers)", result))
            if not args.no_encode:
                encoded = measure_pipeline(config, clips, args.batch_size, device, workers, encode=True)
                rows.append((f"pipeline + H.264 ({workers} threads)", encoded))
        elif not args.no_encode:
            encoded = measure(config, range(clips), args.batch_size, device, encode=True, repeat=args.repeat)
            rows.append((f"batched + H.264 ({args.batch_size}/call)", encoded))
        print(f"\n{args.frames}x{size}x{size}, {config.num_classes} classes")
        for name, r in rows:
            per_core = (
                f"{r['clips_per_cpu_s']:8.1f} clips/s per core (CPU time)" if device.type == "cpu" else ""
            )
            print(f"  {name:34s} {r['clips']:5d} clips  {r['clips_per_s']:8.1f} clips/s wall  {per_core}")
        key = "clips_per_cpu_s" if device.type == "cpu" else "clips_per_s"
        print(
            f"  speed-up {'batched' if device.type == 'cpu' else 'pipeline'} vs baseline: {batched[key] / base[key]:.2f}x"
        )
        if args.profile:
            for fused in [False, True] if args.fused else [False]:
                profile_render(config, args.batch_size, device, fused)


if __name__ == "__main__":
    main()
