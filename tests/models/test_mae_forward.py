"""The sync-free VideoMAE pretraining forward computes what transformers' forward computes."""

from __future__ import annotations

import pytest
import torch
from transformers import VideoMAEForPreTraining

from synapt_hf.models.mae_forward import split_positions, use_sync_free_forward
from synapt_hf.models.masking import masked_token_count, tube_mask_for_config


def test_split_positions_are_the_boolean_index_order():
    mask = tube_mask_for_config(type("C", (), {"num_frames": 4, "image_size": 64, "patch_size": 16,
                                                "tubelet_size": 2})(), 5, 0.75, torch.Generator().manual_seed(0))  # fmt: skip
    hidden = int(mask[0].sum())
    visible, masked = split_positions(mask, hidden)
    positions = torch.arange(mask.shape[1]).expand_as(mask)
    assert torch.equal(visible, positions[~mask].view(5, -1))
    assert torch.equal(masked, positions[mask].view(5, -1))


@pytest.mark.parametrize("norm_pix_loss", [True, False])
def test_loss_logits_and_gradients_equal_the_stock_forward(tiny_model_config, norm_pix_loss):
    config = tiny_model_config("videomae", norm_pix_loss=norm_pix_loss)
    torch.manual_seed(0)
    model = use_sync_free_forward(VideoMAEForPreTraining(config))
    pixels = torch.randn(3, config.num_frames, 3, config.image_size, config.image_size)
    mask = tube_mask_for_config(config, 3, 0.5, torch.Generator().manual_seed(2))
    hidden = masked_token_count(config, 0.5)
    assert int(mask.sum()) == 3 * hidden

    def run(**extra):
        model.zero_grad()
        output = model(pixel_values=pixels, bool_masked_pos=mask, **extra)
        output.loss.backward()
        return output, {name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None}

    stock, stock_grads = run()  # without num_masked: transformers' own forward
    fast, fast_grads = run(num_masked=hidden)
    torch.testing.assert_close(fast.logits, stock.logits, rtol=0, atol=1e-6)
    torch.testing.assert_close(fast.loss, stock.loss, rtol=0, atol=1e-6)
    assert fast_grads.keys() == stock_grads.keys()
    for name, grad in stock_grads.items():
        torch.testing.assert_close(fast_grads[name], grad, rtol=1e-5, atol=1e-6, msg=name)


def test_the_model_still_saves_as_a_stock_videomae(tmp_path, tiny_model_config):
    model = use_sync_free_forward(VideoMAEForPreTraining(tiny_model_config("videomae")))
    model.save_pretrained(tmp_path)
    again = VideoMAEForPreTraining.from_pretrained(tmp_path)
    assert again.config.architectures == ["VideoMAEForPreTraining"]
    for key, value in model.state_dict().items():
        assert torch.equal(again.state_dict()[key], value), key


def test_constant_tables_move_with_the_model_and_stay_out_of_the_weights(tiny_model_config):
    stock = VideoMAEForPreTraining(tiny_model_config("videomae"))
    keys = set(stock.state_dict())
    decoder_positions = stock.position_embeddings.clone()
    model = use_sync_free_forward(stock).to(torch.float64)
    assert set(model.state_dict()) == keys  # non-persistent: save_pretrained writes what it wrote before
    tables = dict(model.named_buffers())
    positions = {"videomae.embeddings.position_embeddings", "position_embeddings"}  # encoder's, decoder's
    assert positions | {"_synapt_pixel_mean", "_synapt_pixel_std"} <= set(tables)
    assert all(table.dtype == torch.float64 for table in tables.values())  # moved by .to() like weights
    torch.testing.assert_close(tables["position_embeddings"], decoder_positions.to(torch.float64))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_graphs_replay_the_sync_free_step(tiny_model_config):
    """torch.compile(mode="reduce-overhead") captures the step in CUDA graphs, run as the training loop runs
    it (gradients set to None, a new CUDA-graph generation, forward, backward, AdamW); every replayed
    step's loss equals the eager forward's on the same weights.

    Passed on an H100 (2026-11-27, benchmarks/results/gpu_h100_2026-11-27d). Its first version failed in backward with
    "accessing tensor output of CUDAGraphs that has been overwritten": it accumulated gradients over four
    steps, each opening a new CUDA-graph generation, which frees the previous generation's outputs, the
    stored gradients among them. A training step zeroes them first."""
    config = tiny_model_config("videomae")
    torch.manual_seed(0)
    model = use_sync_free_forward(VideoMAEForPreTraining(config)).cuda()
    compiled = torch.compile(model, mode="reduce-overhead")
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    hidden = masked_token_count(config, 0.5)
    for seed in range(5):  # warm-up, recording, then replays
        pixels = torch.randn(2, config.num_frames, 3, config.image_size, config.image_size, device="cuda")
        mask = tube_mask_for_config(config, 2, 0.5, torch.Generator().manual_seed(seed), device="cuda")
        with torch.no_grad():
            eager = model(pixel_values=pixels, bool_masked_pos=mask, num_masked=hidden).loss
        optimizer.zero_grad(set_to_none=True)
        torch.compiler.cudagraph_mark_step_begin()
        loss = compiled(pixel_values=pixels, bool_masked_pos=mask, num_masked=hidden).loss
        loss.backward()
        optimizer.step()
        torch.testing.assert_close(loss.detach(), eager, rtol=1e-4, atol=1e-5, msg=f"step {seed}")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_forward_and_backward_never_wait_for_the_gpu(tiny_model_config):
    config = tiny_model_config("videomae")
    model = use_sync_free_forward(VideoMAEForPreTraining(config)).cuda()
    pixels = torch.randn(2, config.num_frames, 3, config.image_size, config.image_size, device="cuda")
    mask = tube_mask_for_config(config, 2, 0.5, torch.Generator().manual_seed(1), device="cuda")
    hidden = masked_token_count(config, 0.5)
    stock = model(pixel_values=pixels, bool_masked_pos=mask).loss
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")  # any synchronising operation raises
    try:
        loss = model(pixel_values=pixels, bool_masked_pos=mask, num_masked=hidden).loss
        loss.backward()
    finally:
        torch.cuda.set_sync_debug_mode("default")
    torch.testing.assert_close(loss, stock, rtol=1e-5, atol=1e-6)
