"""Which frames of a video make a clip: dense (VideoMAE) and segment (TSN) sampling.

Every function returns a 1-D int64 array of frame indices in ``[0, total_frames)``, in temporal order.
``rng=None`` means deterministic evaluation sampling; a ``numpy.random.Generator`` means random training
sampling. Videos shorter than a clip never fail: missing positions repeat frames (see each function).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synapt_hf.errors import SynaptError

STRATEGIES = ("dense", "segment")


def _check(total_frames: int, num_frames: int) -> None:
    if int(total_frames) <= 0:
        raise SynaptError(f"total_frames must be positive, got {total_frames}")
    if int(num_frames) <= 0:
        raise SynaptError(f"num_frames must be positive, got {num_frames}")


def dense_indices(
    total_frames: int, num_frames: int, sampling_rate: int, rng: np.random.Generator | None = None
) -> np.ndarray:
    """`num_frames` frames, one every `sampling_rate` frames, from one window (VideoMAE style).

    The window spans ``(num_frames - 1) * sampling_rate + 1`` frames. It starts at a uniformly random
    position when `rng` is given and is centred in the video when `rng` is None. When the video is
    shorter than the window, the window starts at frame 0 and positions past the end repeat the last
    frame (as VideoMAE's loader does), so the frame rate of the clip never changes.
    """
    _check(total_frames, num_frames)
    if int(sampling_rate) <= 0:
        raise SynaptError(f"sampling_rate must be positive, got {sampling_rate}")
    span = (num_frames - 1) * sampling_rate + 1
    slack = total_frames - span
    if slack <= 0:
        start = 0
    elif rng is None:
        start = slack // 2
    else:
        start = int(rng.integers(0, slack + 1))
    indices = start + np.arange(num_frames, dtype=np.int64) * sampling_rate
    return np.minimum(indices, total_frames - 1)


def segment_indices(total_frames: int, num_frames: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """One frame from each of `num_frames` equal segments covering the whole video (TSN style).

    With `rng` the frame is at a uniformly random offset inside its segment, otherwise at the segment's
    centre. When the video has fewer frames than `num_frames`, segments are shorter than one frame and
    neighbouring segments share (repeat) frames.
    """
    _check(total_frames, num_frames)
    length = total_frames / num_frames
    starts = np.arange(num_frames, dtype=np.float64) * length
    offsets = (
        rng.uniform(0.0, length, size=num_frames) if rng is not None else np.full(num_frames, length / 2)
    )
    indices = np.floor(starts + offsets).astype(np.int64)
    return np.clip(indices, 0, total_frames - 1)


@dataclass(frozen=True)
class SamplingConfig:
    """A clip sampling strategy: ``dense`` (window every `sampling_rate` frames) or ``segment`` (TSN)."""

    strategy: str = "dense"
    num_frames: int = 16
    sampling_rate: int = 4

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise SynaptError(
                f"sampling strategy must be one of {', '.join(STRATEGIES)}, got {self.strategy!r}"
            )
        if self.num_frames <= 0:
            raise SynaptError(f"num_frames must be positive, got {self.num_frames}")
        if self.sampling_rate <= 0:
            raise SynaptError(f"sampling_rate must be positive, got {self.sampling_rate}")

    def indices(self, total_frames: int, rng: np.random.Generator | None = None) -> np.ndarray:
        """Frame indices of one clip from a video of `total_frames` frames."""
        if self.strategy == "dense":
            return dense_indices(total_frames, self.num_frames, self.sampling_rate, rng)
        return segment_indices(total_frames, self.num_frames, rng)
