"""Which kernel runs `scaled_dot_product_attention`: PyTorch's own choice, or one preferred first.

On CUDA, PyTorch tries its attention kernels in a fixed priority order (FlashAttention-2, memory-efficient,
math, cuDNN) and runs the first that supports the inputs. On Hopper GPUs cuDNN's fused attention can be
faster than FlashAttention-2 for the shapes of video transformers (VideoMAE-Base: 1,568 tokens, head size
64), but it comes last in that order. `preferred_sdpa_kernel("cudnn")` moves it first and keeps the
others as fallbacks, so inputs it does not support still run. The backward pass uses the kernel its
forward ran with. On a CPU the order has no effect: PyTorch's CPU dispatch picks its flash kernel whenever
it is enabled.
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
