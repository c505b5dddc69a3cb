"""Preferring one scaled_dot_product_attention kernel: the order, its scope, and its effect on CUDA."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, _cur_sdpa_kernel_backends

from synapt_hf.models.sdpa_kernels import SDPA_KERNELS, kernel_order, preferred_sdpa_kernel


def test_the_preferred_kernel_comes_first_and_the_others_stay_as_fallbacks():
    for name in SDPA_KERNELS[1:]:
        order = kernel_order(name)
        assert order[0].name.lower().startswith(name[:4]), (name, order)
        assert set(order) == {SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION,
                              SDPBackend.CUDNN_ATTENTION, SDPBackend.MATH}  # fmt: skip
    assert kernel_order("cudnn")[1:] == [
        SDPBackend.FLASH_ATTENTION,
        SDPBackend.EFFICIENT_ATTENTION,
        SDPBackend.MATH,
    ]
    with pytest.raises(ValueError, match="unknown SDPA kernel 'fast'"):
        kernel_order("fast")


def test_the_order_holds_inside_the_block_only():
    before = _cur_sdpa_kernel_backends(with_priority=True)
    with preferred_sdpa_kernel("cudnn"):
        assert _cur_sdpa_kernel_backends(with_priority=True)[0] == SDPBackend.CUDNN_ATTENTION
    assert _cur_sdpa_kernel_backends(with_priority=True) == before
    with preferred_sdpa_kernel("auto"):
        assert _cur_sdpa_kernel_backends(with_priority=True) == before


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
@pytest.mark.parametrize("name", ["efficient", "cudnn"])
def test_cuda_runs_the_preferred_kernel_with_flash_attentions_values(name):
    """VideoMAE-Base's attention shape in bf16: the preferred kernel is the one dispatched (where this GPU
    has it) and its output and gradients match FlashAttention's."""
    shape = (4, 12, 1568, 64)
    tensors = [torch.randn(shape, device="cuda", dtype=torch.bfloat16, requires_grad=True) for _ in range(3)]
    with preferred_sdpa_kernel(name):
        chosen = SDPBackend(torch._fused_sdp_choice(*tensors))
        if name == "cudnn" and chosen != SDPBackend.CUDNN_ATTENTION:
            pytest.skip(f"cuDNN attention does not run here (dispatched {chosen.name})")
        assert chosen.name.lower().startswith(name[:4])
        out = F.scaled_dot_product_attention(*tensors)
        grads = torch.autograd.grad(out.float().square().sum(), tensors)
    with preferred_sdpa_kernel("flash"):
        reference = F.scaled_dot_product_attention(*tensors)
        reference_grads = torch.autograd.grad(reference.float().square().sum(), tensors)
    torch.testing.assert_close(out, reference, rtol=2e-2, atol=2e-2)
    for got, expected in zip(grads, reference_grads, strict=True):
        torch.testing.assert_close(got, expected, rtol=5e-2, atol=5e-2)
