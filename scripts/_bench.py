"""Helpers shared by the `scripts/bench_*.py` benchmarks: synthetic test clips and (wall, CPU) timing.

The benchmarks are run as `python scripts/bench_X.py`, which puts this folder on `sys.path`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np


def block_texture(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A random texture of 8x8 colour blocks, 2x the width so it can drift sideways without repeating."""
    return np.kron(
        rng.integers(0, 256, (height // 8, width // 4, 3), dtype=np.uint8), np.ones((8, 8, 1), np.uint8)
    )


def drifted(texture: np.ndarray, k: int, height: int, width: int) -> np.ndarray:
    """Frame `k` of the texture drifting down one pixel every two frames and right two pixels a frame."""
    return np.roll(texture, shift=(k // 2, 2 * k), axis=(0, 1))[:height, :width]


def timed(function: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - wall, time.process_time() - cpu
