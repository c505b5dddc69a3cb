"""Benchmark the synthetic generator: clips per second, rendering only and rendering + H.264 encoding.

For each clip size it measures, in the same process:

* baseline: the same renderer called one clip at a time (batch size 1);
* batched: clips rendered `--batch-size` at a time (scene sampling included: it is part of making a clip);
* batched + encode: the batched clips also encoded to H.264 with `synapt_hf.data.video.encode_video`.

On the CPU it reports clips/s per core from the process CPU time (robust on a shared machine; run with
``--threads 1``) and wall-clock clips/s; on CUDA it reports wall-clock clips/s (device synchronised).

    python scripts/bench_generate.py                      # CPU, 16x112x112 and 16x224x224
    python scripts/bench_generate.py --device cuda --clips 4096 --batch-size 512
"""

from __future__ import annotations

import argparse
import time

import torch

from synapt_hf.data.video import encode_video
from synapt_hf.synth.clips import render_samples, sample_clip
from synapt_hf.synth.config import GeneratorConfig


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
) -> dict:
    """Best of `repeat` runs: wall and CPU seconds to sample + render (+ encode) the clips `indices`."""
    runs = [_measure_once(config, indices, batch_size, device, encode) for _ in range(repeat)]
    return max(runs, key=lambda r: r["clips_per_cpu_s"] if device.type == "cpu" else r["clips_per_s"])


def _measure_once(
    config: GeneratorConfig, indices: range, batch_size: int, device: torch.device, encode: bool
) -> dict:
    _sync(device)
    wall, cpu = time.perf_counter(), time.process_time()
    for start in range(indices.start, indices.stop, batch_size):
        samples = [
            sample_clip(config, "train", i) for i in range(start, min(start + batch_size, indices.stop))
        ]
        frames = render_samples(config, samples, device)
        if encode:
            for clip in frames.cpu().numpy():
                encode_video(clip, config.fps, codec="h264")
    _sync(device)
    n = len(indices)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"clips": n, "wall_s": wall, "cpu_s": cpu, "clips_per_s": n / wall, "clips_per_cpu_s": n / cpu}


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
    parser.add_argument("--no-encode", action="store_true", help="skip the render + encode measurement")
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
        config = GeneratorConfig.create("all", frames=args.frames, size=size)
        clips = max(args.batch_size, round(args.clips * (112 / size) ** 2))
        measure(config, range(10_000_000, 10_000_000 + min(4, clips)), 4, device, encode=False)  # warm-up
        base = measure(config, range(args.baseline_clips), 1, device, encode=False, repeat=args.repeat)
        batched = measure(config, range(clips), args.batch_size, device, encode=False, repeat=args.repeat)
        rows = [("baseline (1 clip/call)", base), (f"batched ({args.batch_size}/call)", batched)]
        if not args.no_encode:
            encoded = measure(config, range(clips), args.batch_size, device, encode=True, repeat=args.repeat)
            rows.append((f"batched + H.264 ({args.batch_size}/call)", encoded))
        print(f"\n{args.frames}x{size}x{size}, {config.num_classes} classes")
        for name, r in rows:
            per_core = (
                f"{r['clips_per_cpu_s']:8.1f} clips/s per core (CPU time)" if device.type == "cpu" else ""
            )
            print(f"  {name:34s} {r['clips']:5d} clips  {r['clips_per_s']:8.1f} clips/s wall  {per_core}")
        key = "clips_per_cpu_s" if device.type == "cpu" else "clips_per_s"
        print(f"  speed-up batched vs baseline: {batched[key] / base[key]:.2f}x")


if __name__ == "__main__":
    main()
