"""The training loss, tracked on the device so that an optimizer step never waits for the host.

Reading a loss on the host (``float(loss)``, ``if torch.isfinite(loss)``) waits for the GPU to finish the
step, so the host cannot queue the next step's kernels while the GPU works: the GPU then idles for the
host's launch time of every step. `LossTracker` keeps the running sum and the first non-finite loss as
device tensors and reads them only when asked: at logging steps, before a checkpoint is written and at
the end of training. A non-finite loss still stops the run with its exact step number, and no checkpoint
is written from the steps after it.
"""

from __future__ import annotations

from typing import Any

import torch

from synapt_hf.errors import SynaptError

NON_FINITE_HINT = (
    "lower --learning-rate, raise --warmup-ratio, keep --max-grad-norm, use --mixed-precision bf16 instead "
    "of fp16, or check the input clips; resume from the last good checkpoint with --resume-from-checkpoint "
    "latest"
)


class NonFiniteLossError(SynaptError):
    """The training loss became NaN or infinite."""


class LossTracker:
    """Running loss sum and the first non-finite loss of a run, on `device`."""

    def __init__(self, device: torch.device) -> None:
        self._sum = torch.zeros((), dtype=torch.float32, device=device)
        self._count = 0
        self._records = 0  # micro-batches recorded so far
        # record number -> (step, epoch, batch in epoch), since the last check
        self._places: dict[int, tuple[int, int, int]] = {}
        self._first_bad = torch.full((), -1, dtype=torch.long, device=device)  # record number, -1: none
        self._first_bad_loss = torch.zeros((), dtype=torch.float32, device=device)

    def record(self, loss: torch.Tensor, step: int, epoch: int, batch_in_epoch: int) -> None:
        """Add one micro-batch's loss (`step`: the optimizer step it belongs to, counted from 1)."""
        value = loss.detach().float()
        finite = torch.isfinite(value)
        self._sum += torch.where(finite, value, torch.zeros_like(value))
        self._count += 1
        newly_bad = ~finite & (self._first_bad < 0)
        self._first_bad = torch.where(newly_bad, self._first_bad.new_full((), self._records), self._first_bad)
        self._first_bad_loss = torch.where(newly_bad, value, self._first_bad_loss)
        self._places[self._records] = (step, epoch, batch_in_epoch)
        self._records += 1

    def mean_and_reset(self) -> float | None:
        """The mean finite loss since the last call (one host read), or None when nothing was recorded."""
        if not self._count:
            return None
        mean = float(self._sum) / self._count
        self._sum.zero_()
        self._count = 0
        return mean

    def raise_if_non_finite(self, accelerator: Any) -> None:
        """Raise `NonFiniteLossError` (on every process) if any process has recorded a non-finite loss."""
        local = int(self._first_bad)
        bad = torch.tensor([1.0 if local >= 0 else 0.0], device=self._first_bad.device)
        if accelerator.num_processes > 1:
            bad = accelerator.reduce(bad, reduction="sum")
        if float(bad.sum()) == 0:
            self._places.clear()
            return
        if local < 0:
            raise NonFiniteLossError(f"the loss is not finite on another process; {NON_FINITE_HINT}")
        step, epoch, batch = self._places[local]
        raise NonFiniteLossError(
            f"loss is {float(self._first_bad_loss)} at step {step} (epoch {epoch}, batch {batch}); "
            f"{NON_FINITE_HINT}"
        )
