"""Dense (VideoMAE) and segment (TSN) frame sampling."""

from __future__ import annotations

import numpy as np
import pytest

from synapt_hf.data.sampling import SamplingConfig, dense_indices, segment_indices
from synapt_hf.errors import SynaptError


def test_dense_eval_window_is_centred():
    indices = dense_indices(150, 16, 4)
    span = 15 * 4 + 1
    start = (150 - span) // 2
    np.testing.assert_array_equal(indices, start + 4 * np.arange(16))
    assert indices.dtype == np.int64


def test_dense_random_start_covers_all_valid_starts():
    rng = np.random.default_rng(0)
    starts = set()
    for _ in range(400):
        indices = dense_indices(70, 4, 5, rng)
        np.testing.assert_array_equal(np.diff(indices), 5)
        assert indices[0] >= 0 and indices[-1] <= 69
        starts.add(int(indices[0]))
    assert starts == set(range(70 - 16 + 1))


def test_dense_is_reproducible_with_seeded_generator():
    a = [dense_indices(300, 8, 2, np.random.default_rng(7)) for _ in range(2)]
    np.testing.assert_array_equal(a[0], a[1])


def test_dense_short_video_repeats_last_frame():
    np.testing.assert_array_equal(dense_indices(10, 6, 4), [0, 4, 8, 9, 9, 9])
    np.testing.assert_array_equal(dense_indices(1, 3, 2, np.random.default_rng(0)), [0, 0, 0])
    np.testing.assert_array_equal(dense_indices(61, 16, 4), 4 * np.arange(16))  # exact fit


def test_segment_eval_uses_segment_centres():
    np.testing.assert_array_equal(segment_indices(80, 8), 5 + 10 * np.arange(8))
    np.testing.assert_array_equal(segment_indices(10, 3), [1, 5, 8])


def test_segment_random_stays_inside_each_segment():
    rng = np.random.default_rng(1)
    seen = np.zeros((4, 25), dtype=bool)
    for _ in range(300):
        indices = segment_indices(100, 4, rng)
        segments = indices // 25
        np.testing.assert_array_equal(segments, np.arange(4))
        seen[np.arange(4), indices % 25] = True
    assert seen.mean() > 0.9  # offsets spread over whole segments


def test_segment_short_video_repeats_frames():
    indices = segment_indices(3, 8)
    assert len(indices) == 8 and indices.min() >= 0 and indices.max() <= 2
    assert list(indices) == sorted(indices) and set(indices) == {0, 1, 2}
    assert list(segment_indices(1, 4, np.random.default_rng(0))) == [0, 0, 0, 0]


def test_sampling_config_dispatches_and_validates():
    assert list(SamplingConfig("dense", 4, 2).indices(20)) == list(dense_indices(20, 4, 2))
    assert list(SamplingConfig("segment", 4).indices(20)) == list(segment_indices(20, 4))
    for bad in ({"strategy": "uniform"}, {"num_frames": 0}, {"sampling_rate": -1}):
        with pytest.raises(SynaptError):
            SamplingConfig(**bad)
    with pytest.raises(SynaptError, match="total_frames"):
        dense_indices(0, 4, 2)
    with pytest.raises(SynaptError, match="num_frames"):
        segment_indices(10, 0)
