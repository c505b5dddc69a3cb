"""The classes are learnable: a tiny conv net trained briefly on generated clips beats chance clearly."""

from __future__ import annotations

import torch
from torch import nn

from synapt_hf.synth.clips import render_clips
from synapt_hf.synth.config import GeneratorConfig


def _motion_energy(frames: torch.Tensor) -> torch.Tensor:
    """uint8 (B, T, H, W, 3) -> float (B, T-1, H, W): absolute grey-level differences of consecutive frames."""
    grey = frames.float().mean(-1) / 255.0
    return (grey[:, 1:] - grey[:, :-1]).abs() * 4.0


def test_a_tiny_classifier_beats_chance_on_held_out_clips():
    torch.manual_seed(0)
    config = GeneratorConfig.create(5, frames=8, size=32, seed=11, camera_motion=False)
    train_frames, train_samples = render_clips(config, range(5 * 30), "train", batch_size=50)
    val_frames, val_samples = render_clips(config, range(5 * 10), "validation", batch_size=50)
    x_train, x_val = _motion_energy(train_frames), _motion_energy(val_frames)
    y_train = torch.tensor([s.label for s in train_samples])
    y_val = torch.tensor([s.label for s in val_samples])
    model = nn.Sequential(
        nn.Conv2d(config.frames - 1, 24, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(24, 48, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(48, 64, 3, stride=2, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, config.num_classes),
    )  # fmt: skip
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    generator = torch.Generator().manual_seed(0)
    for _ in range(250):
        batch = torch.randint(0, len(y_train), (32,), generator=generator)
        loss = nn.functional.cross_entropy(model(x_train[batch]), y_train[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        accuracy = (model(x_val).argmax(1) == y_val).float().mean().item()
    chance = 1 / config.num_classes
    assert accuracy > 2.5 * chance, f"held-out accuracy {accuracy:.2f} vs chance {chance:.2f}"
