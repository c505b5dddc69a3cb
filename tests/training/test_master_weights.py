"""`MasterWeightAdamW`: fp32 copies take the updates a bf16 parameter cannot, and survive a state dict."""

from __future__ import annotations

import io

import pytest
import torch
from torch import nn

from synapt_hf.training.master_weights import MASTER_KEY, MasterWeightAdamW, cast_model


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 16), nn.GELU(), nn.Linear(16, 4))


def _steps(model: nn.Module, optimizer: torch.optim.Optimizer, count: int, dtype: torch.dtype) -> list[float]:
    generator = torch.Generator().manual_seed(1)
    losses = []
    for _ in range(count):
        inputs = torch.randn(32, 8, generator=generator)
        targets = inputs[:, :4].sin()
        loss = nn.functional.mse_loss(model(inputs.to(dtype)).float(), targets)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(float(loss.detach()))
    return losses


def test_updates_smaller_than_bf16_resolution_accumulate_in_the_masters():
    weight = nn.Parameter(torch.ones(4))
    optimizer = MasterWeightAdamW([weight], lr=1e-4, weight_decay=0.0)
    weight.data = weight.data.to(torch.bfloat16)  # 1.0 in bf16: the next value below is 1 - 2**-8
    plain = nn.Parameter(torch.ones(4, dtype=torch.bfloat16))
    plain_optimizer = torch.optim.AdamW([plain], lr=1e-4, weight_decay=0.0)
    for _ in range(60):
        for parameter, opt in ((weight, optimizer), (plain, plain_optimizer)):
            parameter.grad = torch.ones_like(parameter)
            opt.step()
            opt.zero_grad()
    assert torch.equal(plain.detach(), torch.ones(4, dtype=torch.bfloat16)), "plain bf16 AdamW loses them"
    master = optimizer.masters()[0]
    assert master.dtype == torch.float32
    torch.testing.assert_close(master, torch.full((4,), 1 - 60e-4), rtol=0, atol=1e-5)
    assert weight.dtype == torch.bfloat16 and torch.equal(weight.detach(), master.to(torch.bfloat16))
    assert weight.grad is None and master.grad is None


def test_bf16_training_tracks_fp32_training():
    reference = _model()
    reference_losses = _steps(
        reference, torch.optim.AdamW(reference.parameters(), lr=1e-2), 30, torch.float32
    )
    model = _model()
    optimizer = MasterWeightAdamW(model.parameters(), lr=1e-2)
    cast_model(model, "bf16")
    losses = _steps(model, optimizer, 30, torch.bfloat16)
    assert all(torch.isfinite(torch.tensor(losses)))
    assert losses[-1] < 0.5 * losses[0]
    for got, expected in zip(losses, reference_losses, strict=True):
        assert abs(got - expected) <= 0.05 * expected + 1e-3, (got, expected)
    trained = optimizer.write_masters(model)
    assert all(p.dtype == torch.float32 for p in trained.parameters())
    for parameter, master in zip(trained.parameters(), optimizer.masters(), strict=True):
        assert torch.equal(parameter.detach(), master)


def test_state_dict_round_trip_restores_the_fp32_masters():
    model = _model()
    optimizer = MasterWeightAdamW(model.parameters(), lr=1e-2)
    cast_model(model, "bf16")
    _steps(model, optimizer, 3, torch.bfloat16)
    buffer = io.BytesIO()  # through bytes, as a checkpoint is
    torch.save(optimizer.state_dict(), buffer)
    saved = torch.load(io.BytesIO(buffer.getvalue()), weights_only=True)
    assert len(saved[MASTER_KEY]) == 4 and all(t.dtype == torch.float32 for t in saved[MASTER_KEY])
    again_model = cast_model(_model(), "bf16")
    again = MasterWeightAdamW(again_model.parameters(), lr=1e-2)
    again.load_state_dict(saved)
    for master, expected in zip(again.masters(), optimizer.masters(), strict=True):
        assert master.dtype == torch.float32 and torch.equal(master, expected)
    for parameter, expected in zip(again_model.parameters(), model.parameters(), strict=True):
        assert torch.equal(parameter.detach(), expected.detach())
    # and both continue the same way
    assert _steps(model, optimizer, 2, torch.bfloat16) == _steps(again_model, again, 2, torch.bfloat16)


def test_a_closure_is_refused():
    optimizer = MasterWeightAdamW([nn.Parameter(torch.ones(2))])
    with pytest.raises(ValueError, match="closure"):
        optimizer.step(lambda: 0.0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_fused_adamw_over_masters_tracks_fp32():
    """On the GPU with the fused AdamW kernel, as training runs it."""
    reference = _model().cuda()
    model = _model().cuda()
    optimizer = MasterWeightAdamW(model.parameters(), lr=1e-2, fused=True)
    cast_model(model, "bf16")
    fused_reference = torch.optim.AdamW(reference.parameters(), lr=1e-2, fused=True)
    for _ in range(20):
        inputs = torch.randn(32, 8, device="cuda")
        targets = inputs[:, :4].sin()
        for net, opt, dtype in (
            (reference, fused_reference, torch.float32),
            (model, optimizer, torch.bfloat16),
        ):
            nn.functional.mse_loss(net(inputs.to(dtype)).float(), targets).backward()
            opt.step()
            opt.zero_grad()
    for parameter, master, expected in zip(
        model.parameters(), optimizer.masters(), reference.parameters(), strict=True
    ):
        assert master.dtype == torch.float32 and master.is_cuda
        assert torch.equal(parameter.detach(), master.to(torch.bfloat16))
        torch.testing.assert_close(master, expected.detach(), rtol=0, atol=5e-2)
