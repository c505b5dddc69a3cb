"""Training: `TrainConfig` and `train(config) -> dict`, one Accelerate loop for every mode and protocol."""

from __future__ import annotations

from typing import Any


def train(config: Any) -> dict[str, Any]:
    """Run a training job (a `TrainConfig` or a dict of its fields); see `synapt_hf.training.loop.train`."""
    from synapt_hf.training.loop import train as _train

    return _train(config)


__all__ = ["train"]
