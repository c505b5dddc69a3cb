"""Which kernel runs `scaled_dot_product_attention`: PyTorch's own choice, or one preferred first.

On CUDA, PyTorch tries its attention kernels in a priority order and runs the first that supports the
inputs. Its default order puts FlashAttention-2 first and cuDNN's fused attention last, except on Hopper,
where its dispatch prefers cuDNN: torch 2.11 on an H100 ran cuDNN's kernel for VideoMAE-Base's stock step
(docs/benchmarks.md). `preferred_sdpa_kernel(name)` moves one kernel first for a block and keeps the others
as fallbacks, so inputs it does not support still run: a way to compare kernels on a given GPU, or to pin
one. The backward pass uses the kernel its forward ran with. On a CPU the order has no effect: PyTorch's
CPU dispatch picks its flash kernel whenever it is enabled.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

# the kernels' names, in PyTorch's CUDA priority order after "auto" (cuDNN moved ahead of math here: the
# fallbacks after a preferred kernel keep the fused ones first); importable without torch (TrainConfig)
SDPA_KERNELS = ("auto", "flash", "efficient", "cudnn", "math")


def kernel_order(name: str) -> list:
    """The `SDPBackend` priority order for `name`: that kernel first, then the others in `SDPA_KERNELS` order."""
    from torch.nn.attention import SDPBackend

    backends = {
        "flash": SDPBackend.FLASH_ATTENTION,
        "efficient": SDPBackend.EFFICIENT_ATTENTION,
        "cudnn": SDPBackend.CUDNN_ATTENTION,
        "math": SDPBackend.MATH,
    }
    if name not in backends:
        raise ValueError(f"unknown SDPA kernel {name!r}: one of {', '.join(SDPA_KERNELS)}")
    return [backends[name], *(backend for key, backend in backends.items() if key != name)]


@contextlib.contextmanager
def preferred_sdpa_kernel(name: str) -> Iterator[None]:
    """Within the block, SDPA tries kernel `name` first ("auto": PyTorch's order, nothing changes)."""
    if name == "auto":
        yield
        return
    from torch.nn.attention import sdpa_kernel

    with sdpa_kernel(kernel_order(name), set_priority=True):
        yield
