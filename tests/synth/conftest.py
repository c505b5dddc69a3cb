"""Shared fixtures of the synthetic-generator tests: tiny configs so the whole area runs in seconds."""

from __future__ import annotations

from pathlib import Path

import pytest

from synapt_hf.synth.config import GeneratorConfig

SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


@pytest.fixture
def tiny_config() -> GeneratorConfig:
    """3 classes, 6 frames of 48x48, static camera (pixel changes come from the body only)."""
    return GeneratorConfig.create(
        "walking,jumping_jack,waving_one_hand", frames=6, size=48, seed=7, camera_motion=False
    )


@pytest.fixture(autouse=True)
def single_torch_thread():
    """Render with one intra-op thread (the CPU is shared; threads only add contention at these sizes)."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
