"""Diagnostic: how learnable is each scene preset for a tiny conv net at a small, fixed budget?

Usage: python benchmarks/results/diagnostics/preset_learnability.py [size] [seeds]   (defaults: 48, 3)

For each preset (default | side-view | easy) plus two controls, and each generator seed: render 40 training
and 10 held-out clips per class of the default 10 actions (8 frames of size x size px) in memory, train the
tiny conv net of tests/synth/test_learnability.py for 300 AdamW steps of 32 on two inputs, and print the
held-out top-1 of each:

* ``motion`` (as in the test): motion energy, the absolute grey-level differences of consecutive frames;
* ``rgb``: the frames' normalised RGB stacked as channels (appearance and backgrounds visible, as a video
  model sees them).

Controls: ``default, static`` is the default preset with every camera static (isolates camera motion);
``side-view, any colours`` is side-view with the default texture colours (isolates the muted palette).
Every arm gets the same budget, net and training seed; one intra-op thread (the machine is shared).
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
import time

import torch
from torch import nn

from synapt_hf.synth.clips import render_clips
from synapt_hf.synth.config import GeneratorConfig
from synapt_hf.synth.presets import PRESET_NAMES, PRESETS, Palette

TRAIN_PER_CLASS, EVAL_PER_CLASS, STEPS, BATCH = 40, 10, 300, 32
INPUTS = ("motion", "rgb")
ANY_COLOURS = "side-view-any-colours"


def motion_energy(frames: torch.Tensor) -> torch.Tensor:
    """uint8 (B, T, H, W, 3) -> float (B, T-1, H, W)."""
    grey = frames.float().mean(-1) / 255.0
    return (grey[:, 1:] - grey[:, :-1]).abs() * 4.0


def rgb_stack(frames: torch.Tensor) -> torch.Tensor:
    """uint8 (B, T, H, W, 3) -> float (B, T*3, H, W), roughly zero-mean unit-scale."""
    x = (frames.float() / 255.0 - 0.45) / 0.225
    return x.permute(0, 1, 4, 2, 3).flatten(1, 2)


def train_and_score(x_train, y_train, x_val, y_val, num_classes: int) -> float:
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(x_train.shape[1], 24, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(24, 48, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(48, 64, 3, stride=2, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, num_classes),
    )  # fmt: skip
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    generator = torch.Generator().manual_seed(0)
    for _ in range(STEPS):
        batch = torch.randint(0, len(y_train), (BATCH,), generator=generator)
        loss = nn.functional.cross_entropy(model(x_train[batch]), y_train[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        return (model(x_val).argmax(1) == y_val).float().mean().item()


def held_out_accuracies(config: GeneratorConfig) -> dict[str, float]:
    n = config.num_classes
    train_frames, train_samples = render_clips(config, range(n * TRAIN_PER_CLASS), "train", batch_size=50)
    val_frames, val_samples = render_clips(config, range(n * EVAL_PER_CLASS), "validation", batch_size=50)
    y_train = torch.tensor([s.label for s in train_samples])
    y_val = torch.tensor([s.label for s in val_samples])
    features = {"motion": motion_energy, "rgb": rgb_stack}
    return {
        name: train_and_score(features[name](train_frames), y_train, features[name](val_frames), y_val, n)
        for name in INPUTS
    }


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 48
    seeds = range(int(sys.argv[2]) if len(sys.argv) > 2 else 3)
    torch.set_num_threads(1)
    # A diagnostic-only preset (registered in this process, not in the package's table).
    PRESETS[ANY_COLOURS] = dataclasses.replace(
        PRESETS["side-view"], name=ANY_COLOURS, backdrop_palette=Palette(), ground_palette=Palette()
    )
    arms = [(name, name, True) for name in PRESET_NAMES]
    arms += [("default, static", "default", False), ("side-view, any colours", ANY_COLOURS, True)]
    print(f"10 classes, {TRAIN_PER_CLASS}/{EVAL_PER_CLASS} clips per class (train/held-out), 8 frames of "
          f"{size} px, {STEPS} steps of {BATCH}; held-out top-1 %, chance 10 %", flush=True)  # fmt: skip
    start = time.time()
    summary = []
    for label, preset, camera_motion in arms:
        scores: dict[str, list[float]] = {name: [] for name in INPUTS}
        for seed in seeds:
            config = GeneratorConfig.create(
                10, frames=8, size=size, seed=seed, preset=preset, camera_motion=camera_motion
            )
            for name, accuracy in held_out_accuracies(config).items():
                scores[name].append(100 * accuracy)
            print(f"  {label:22s} seed {seed}: " + ", ".join(f"{n} {s[-1]:.0f}" for n, s in scores.items()),
                  f"[{time.time() - start:.0f} s]", flush=True)  # fmt: skip
        summary.append((label, scores))
    print(f"\n| arm | {' | '.join(f'{n} input (mean ± std)' for n in INPUTS)} |")
    print("| --- |" + " --- |" * len(INPUTS))
    for label, scores in summary:
        cells = [
            f"{statistics.mean(s):.1f} ± {statistics.stdev(s) if len(s) > 1 else 0.0:.1f}"
            for s in scores.values()
        ]
        print(f"| `{label}` | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
