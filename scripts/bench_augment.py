"""Training augmentation of a batch on the device: batched matrix products against a resize per clip.

`ClipTransform.augment_clips` crops, resizes, flips and normalises a batch of uint8 clips where they are (the
training GPU). It measures, in one process and on the same clips and generators:

* baseline: one `F.interpolate` per clip (`ClipTransform._augment` in a loop, the previous path);
* batched: two batched matrix products for the whole batch (`synapt_hf.data.batched_resize`);

and prints milliseconds per batch (wall, device synchronised), the host (CPU) time per batch, which is time
the producer thread holds the interpreter lock that the training loop needs, and the torch operations run.

    python scripts/bench_augment.py                           # CPU: 64 clips of 16x112x112
    python scripts/bench_augment.py --device cuda --size 224  # one GPU: the H100 MAE batch
"""

from __future__ import annotations

import argparse
import time

import torch
from torch.profiler import ProfilerActivity, profile

from synapt_hf.data.transforms import ClipTransform


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def per_clip(transform: ClipTransform, clips: torch.Tensor, generators: list) -> torch.Tensor:
    out = [
        transform._augment(clip.permute(0, 3, 1, 2).float(), generator)
        for clip, generator in zip(clips, generators, strict=True)
    ]
    return transform._normalize(torch.stack(out))


def batched(transform: ClipTransform, clips: torch.Tensor, generators: list) -> torch.Tensor:
    return transform.augment_clips(clips, generators)


def measure(fn, transform, clips, device, repeats: int) -> dict:
    def generators():
        return [torch.Generator().manual_seed(i) for i in range(clips.shape[0])]

    fn(transform, clips, generators())  # warm-up
    _sync(device)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(repeats):
        result = fn(transform, clips, generators())
    host = (time.process_time() - cpu) / repeats
    _sync(device)
    seconds = (time.perf_counter() - wall) / repeats
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        fn(transform, clips, generators())
    ops = sum(event.count for event in prof.key_averages() if event.key.startswith("aten::"))
    return {"ms": 1000 * seconds, "host_ms": 1000 * host, "ops": ops, "result": result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--clips", type=int, default=64)
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--size", type=int, default=112, help="rendered clip size = crop size")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.manual_seed(0)
    clips = torch.randint(0, 256, (args.clips, args.frames, args.size, args.size, 3), dtype=torch.uint8)
    clips = clips.to(device)
    transform = ClipTransform(resize=args.size, crop=(args.size, args.size), train=True)
    print(f"# bench_augment: {args.clips} clips of {args.frames}x{args.size}x{args.size}, device {device}")
    base = measure(per_clip, transform, clips, device, args.repeats)
    fast = measure(batched, transform, clips, device, args.repeats)
    for name, r in (("per clip (baseline)", base), ("batched products", fast)):
        print(f"  {name:22s} {r['ms']:8.2f} ms/batch  host {r['host_ms']:8.2f} ms  {r['ops']:6d} torch ops")
    difference = (fast["result"] - base["result"]).abs()
    print(
        f"  speed-up {base['ms'] / fast['ms']:.2f}x wall, {base['host_ms'] / fast['host_ms']:.2f}x host; "
        f"values differing by rounding: {100 * float((difference > 1e-4).float().mean()):.4f} %"
    )


if __name__ == "__main__":
    main()
