"""Benchmark clip decoding: `synapt_hf.data.video.decode_frames` against a naive PyAV loop.

Task: sample 16 frames at sampling rate 4 (random dense window) from 320x240 H.264 clips of 150 frames
and return them resized to a 224 short side. The naive baseline decodes from the first frame, converts
every decoded frame to full-size RGB, and resizes the sampled frames in numpy (bilinear). Both run in this
process, single-threaded (torch.set_num_threads(1), PyAV's default thread settings), on the same clips
and the same indices. Prints clips per wall-clock second and per CPU-second (clips per second per core,
robust to a machine shared with other jobs) for each, and the ratios.

    python scripts/bench_decode.py [--clips 8] [--repeats 3] [--gop 250]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import av
import numpy as np
import torch
from _bench import block_texture, drifted, timed

from synapt_hf.data.sampling import dense_indices
from synapt_hf.data.video import decode_frames, encode_video, resized_shape

WIDTH, HEIGHT, FRAMES, FPS = 320, 240, 150, 25
NUM_FRAMES, SAMPLING_RATE, SHORT_SIDE = 16, 4, 224
EXPECTED_WIDTH = resized_shape(WIDTH, HEIGHT, SHORT_SIDE)[0]


def make_clip(seed: int) -> np.ndarray:
    """A moving textured scene (blocks drifting, a bright square crossing) so H.264 has real work."""
    texture = block_texture(np.random.default_rng(seed), HEIGHT, WIDTH)
    frames = np.empty((FRAMES, HEIGHT, WIDTH, 3), dtype=np.uint8)
    for k in range(FRAMES):
        frame = drifted(texture, k, HEIGHT, WIDTH)
        x = (3 * k) % (WIDTH - 40)
        frame[100:140, x : x + 40] = 255
        frames[k] = frame
    return frames


def numpy_bilinear_resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Plain numpy bilinear resize (half-pixel centres), the baseline's resizer."""
    in_h, in_w = image.shape[:2]
    ys = np.clip((np.arange(height) + 0.5) * in_h / height - 0.5, 0, in_h - 1)
    xs = np.clip((np.arange(width) + 0.5) * in_w / width - 0.5, 0, in_w - 1)
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    y1, x1 = np.minimum(y0 + 1, in_h - 1), np.minimum(x0 + 1, in_w - 1)
    wy, wx = (ys - y0)[:, None, None], (xs - x0)[None, :, None]
    pixels = image.astype(np.float32)
    top = pixels[y0][:, x0] * (1 - wx) + pixels[y0][:, x1] * wx
    bottom = pixels[y1][:, x0] * (1 - wx) + pixels[y1][:, x1] * wx
    return np.clip(top * (1 - wy) + bottom * wy + 0.5, 0, 255).astype(np.uint8)


def naive_decode(path: Path, indices: np.ndarray, short_side: int) -> np.ndarray:
    """Decode from the start, convert every frame to RGB at full size, resize the sampled ones in numpy."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        rgb = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
    height, width = rgb[0].shape[:2]
    out_w, out_h = resized_shape(width, height, short_side)
    last = len(rgb) - 1
    return np.stack([numpy_bilinear_resize(rgb[min(int(i), last)], out_h, out_w) for i in indices])


def run(name: str, decode, clips: list[Path], plans: list[np.ndarray], repeats: int) -> float:
    best, best_cpu = float("inf"), float("inf")

    def one_pass() -> None:
        for path, indices in zip(clips, plans, strict=True):
            frames = decode(path, indices, SHORT_SIDE)
            assert frames.shape == (NUM_FRAMES, SHORT_SIDE, EXPECTED_WIDTH, 3), frames.shape

    for _ in range(repeats):
        elapsed, cpu = timed(one_pass)
        if elapsed < best:
            best, best_cpu = elapsed, cpu
    rate, cpu_rate = len(clips) / best, len(clips) / best_cpu
    print(
        f"{name:<34} {rate:7.1f} clips/s wall  {cpu_rate:7.1f} clips per CPU-second  "
        f"(best of {repeats}; CPU/wall {best_cpu / best:.2f})"
    )
    return rate, cpu_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=8, help="number of generated clips")
    parser.add_argument("--repeats", type=int, default=3, help="timing repeats (best is kept)")
    parser.add_argument("--gop", type=int, default=None, help="keyframe interval (default: x264's, 250)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        clips = []
        for seed in range(args.clips):
            path = Path(tmp) / f"clip{seed}.mp4"
            path.write_bytes(encode_video(make_clip(seed), fps=FPS, gop_size=args.gop))
            clips.append(path)
        plans = [dense_indices(FRAMES, NUM_FRAMES, SAMPLING_RATE, rng) for _ in clips]
        # the same frames: identical at full size; after resizing only the resampling filters differ
        full_fast = decode_frames(clips[0], plans[0])
        with av.open(str(clips[0])) as container:
            every = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
        assert np.array_equal(full_fast, np.stack([every[i] for i in plans[0]])), "frame selection differs"
        fast = decode_frames(clips[0], plans[0], SHORT_SIDE).astype(np.int16)
        slow = naive_decode(clips[0], plans[0], SHORT_SIDE).astype(np.int16)
        difference = np.abs(fast - slow).mean()
        gop = args.gop or "x264 default"
        print(
            f"{args.clips} clips, {WIDTH}x{HEIGHT}, {FRAMES} frames, H.264 (GOP {gop}); sample {NUM_FRAMES} frames"
        )
        print(f"every {SAMPLING_RATE}, short side {SHORT_SIDE}")
        print(
            f"full-size frames identical; after resizing mean |swscale - numpy| = {difference:.2f} grey levels"
        )
        naive, naive_cpu = run("naive (decode all, RGB all, numpy)", naive_decode, clips, plans, args.repeats)
        ours, ours_cpu = run("synapt decode_frames", decode_frames, clips, plans, args.repeats)
        print(f"speed-up: {ours / naive:.2f}x wall, {ours_cpu / naive_cpu:.2f}x per CPU-second")


if __name__ == "__main__":
    main()
