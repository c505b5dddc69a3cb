"""LossTracker: the running loss and the first non-finite loss, kept on the device between reads."""

from __future__ import annotations

import pytest
import torch
from accelerate import PartialState

from synapt_hf.training.loss_tracking import LossTracker, NonFiniteLossError


def test_mean_since_the_last_read_skips_nothing_finite():
    tracker = LossTracker(torch.device("cpu"))
    assert tracker.mean_and_reset() is None
    for step, value in enumerate([1.0, 2.0, 6.0], start=1):
        tracker.record(torch.tensor(value), step, epoch=0, batch_in_epoch=step - 1)
    assert tracker.mean_and_reset() == pytest.approx(3.0)
    tracker.record(torch.tensor(5.0), 4, 0, 3)
    assert tracker.mean_and_reset() == pytest.approx(5.0)
    tracker.raise_if_non_finite(PartialState())  # all finite: no error


def test_the_first_non_finite_loss_is_reported_with_its_step_and_place():
    tracker = LossTracker(torch.device("cpu"))
    tracker.record(torch.tensor(1.0), 1, epoch=0, batch_in_epoch=0)
    tracker.raise_if_non_finite(PartialState())
    tracker.record(torch.tensor(2.0), 2, epoch=0, batch_in_epoch=1)
    tracker.record(torch.tensor(float("inf")), 3, epoch=1, batch_in_epoch=0)
    tracker.record(torch.tensor(float("nan")), 4, epoch=1, batch_in_epoch=1)
    with pytest.raises(
        NonFiniteLossError, match=r"loss is inf at step 3 \(epoch 1, batch 0\).*--learning-rate"
    ):
        tracker.raise_if_non_finite(PartialState())
