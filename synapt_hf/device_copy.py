"""Host-to-device copies that do not make the host wait for the GPU."""

from __future__ import annotations

import torch


def to_device(tensor: torch.Tensor, device: torch.device | str) -> torch.Tensor:
    """`tensor` (on the CPU) on `device`. To a GPU it goes through pinned memory with ``non_blocking``: the
    copy is queued behind the GPU's work instead of waiting for it, as a copy from pageable memory does."""
    device = torch.device(device)
    if device.type == "cuda":
        return tensor.pin_memory().to(device, non_blocking=True)
    return tensor.to(device)
