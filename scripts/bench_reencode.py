"""Benchmark `--short-side` re-encoding: what it costs at build time and what it saves at training time.

Clips: 1280x720 H.264 (or MPEG-4 Part 2 with --codec mpeg4), 60 frames at 30 fps, textured moving content
with per-frame noise.
1. Build time: `reencode_clips` to short side 256 with 1 process (baseline) and with `--num-proc` processes,
   in this process's run; prints clips per wall-clock second and the speed-up.
2. Training time: `decode_frames` of 16 frames at sampling rate 4 (centred) resized to a 224 short side,
   from the original clips (baseline) and from the re-encoded ones; prints clips per CPU-second and the ratio.

    python scripts/bench_reencode.py [--clips 4] [--num-proc 2] [--repeats 3] [--codec h264]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch
from _bench import block_texture, drifted, timed

from synapt_hf.data.sampling import dense_indices
from synapt_hf.data.video import decode_frames, encode_video, probe
from synapt_hf.datasets.clip_collection import Clip
from synapt_hf.datasets.reencode import reencode_clips

WIDTH, HEIGHT, FRAMES, FPS, SHORT_SIDE = 1280, 720, 60, 30, 256


def make_clip(seed: int) -> np.ndarray:
    """Blocks drifting over a random texture plus per-frame sensor-like noise, as in real footage."""
    rng = np.random.default_rng(seed)
    texture = block_texture(rng, HEIGHT, WIDTH)
    frames = np.empty((FRAMES, HEIGHT, WIDTH, 3), dtype=np.uint8)
    for k in range(FRAMES):
        moved = drifted(texture, k, HEIGHT, WIDTH).astype(np.int16)
        frames[k] = np.clip(moved + rng.integers(-6, 7, moved.shape), 0, 255)
    return frames


def decode_all(files: list[Path]) -> None:
    for file in files:
        total = probe(file).num_frames
        decode_frames(file, dense_indices(total, 16, 4), short_side=224)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clips", type=int, default=4)
    parser.add_argument("--num-proc", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--codec", default="h264", choices=("h264", "mpeg4"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    work = Path(tempfile.mkdtemp(prefix="bench-reencode-"))
    try:
        suffix = ".mp4" if args.codec == "h264" else ".avi"
        container = "mp4" if args.codec == "h264" else "avi"
        files = []
        for i in range(args.clips):
            file = work / "raw" / f"clip{i}{suffix}"
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_bytes(encode_video(make_clip(i), FPS, codec=args.codec, container=container, crf=18))
            files.append(file)
        clips = [Clip(file=f, path=f.name, label=0, split="train") for f in files]

        def reencode(num_proc: int, tag: str) -> list[Path]:
            cache = work / f"cache-{tag}"
            shutil.rmtree(cache, ignore_errors=True)
            kept, bad = reencode_clips(clips, cache, SHORT_SIDE, num_proc=num_proc)
            assert not bad, bad
            return [c.file for c in kept]

        serial = min(timed(lambda: reencode(1, "serial"))[0] for _ in range(args.repeats))
        parallel = min(timed(lambda: reencode(args.num_proc, "parallel"))[0] for _ in range(args.repeats))
        reencoded = reencode(1, "final")
        info = probe(reencoded[0])
        print(
            f"re-encoding {args.clips} clips {WIDTH}x{HEIGHT} {args.codec} -> {info.width}x{info.height} h264:"
        )
        print(
            f"  1 process: {args.clips / serial:.2f} clips/s; {args.num_proc} processes: {args.clips / parallel:.2f} clips/s"
        )
        print(f"  speed-up: {serial / parallel:.2f}x")
        original = min(timed(lambda: decode_all(files))[1] for _ in range(args.repeats))
        smaller = min(timed(lambda: decode_all(reencoded))[1] for _ in range(args.repeats))
        print("training-time decoding (16 frames, rate 4, 224 short side), clips per CPU-second:")
        print(
            f"  original: {args.clips / original:.1f}; re-encoded: {args.clips / smaller:.1f}; ratio {original / smaller:.2f}x"
        )
        size_ratio = sum(f.stat().st_size for f in files) / sum(f.stat().st_size for f in reencoded)
        print(f"  bytes: original / re-encoded = {size_ratio:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
