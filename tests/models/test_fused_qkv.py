"""The fused query/key/value projection computes and saves what transformers' VideoMAE does."""

from __future__ import annotations

import copy

import pytest
import torch
from safetensors.torch import load_file
from transformers import VideoMAEForPreTraining, VideoMAEForVideoClassification

from synapt_hf.models.fused_qkv import is_fused, use_fused_qkv
from synapt_hf.models.mae_forward import use_sync_free_forward
from synapt_hf.models.masking import masked_token_count, tube_mask_for_config

LABELS = ("a", "b", "c")


def _gradients_by_stock_name(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Each parameter's gradient under its stock name (fused ones split like the state dict)."""
    grads = {}
    for name, parameter in model.named_parameters():
        if parameter.grad is None:
            continue
        prefix, _, leaf = name.rpartition(".")
        if leaf == "qkv_weight":
            for part, piece in zip(("query", "key", "value"), parameter.grad.chunk(3), strict=True):
                grads[f"{prefix}.{part}.weight"] = piece
        elif leaf in ("q_bias", "v_bias"):
            grads[f"{prefix}.{'query' if leaf == 'q_bias' else 'value'}.bias"] = parameter.grad
        else:
            grads[name] = parameter.grad
    return grads


def _assert_same(fused: torch.nn.Module, stock: torch.nn.Module, run) -> None:
    fused_out, stock_out = run(fused), run(stock)
    torch.testing.assert_close(fused_out, stock_out, rtol=0, atol=1e-6)
    fused_grads, stock_grads = _gradients_by_stock_name(fused), _gradients_by_stock_name(stock)
    assert fused_grads.keys() == stock_grads.keys()
    for name, grad in stock_grads.items():
        torch.testing.assert_close(fused_grads[name], grad, rtol=1e-5, atol=1e-6, msg=name)


@pytest.mark.parametrize("attention", ["sdpa", "eager"])
@pytest.mark.parametrize("qv_bias", [True, False])
def test_classifier_logits_and_gradients_equal_the_stock_model(tiny_model_config, attention, qv_bias):
    config = tiny_model_config("videomae", labels=LABELS, qv_bias=qv_bias, num_hidden_layers=2)
    config._attn_implementation = attention
    torch.manual_seed(0)
    stock = VideoMAEForVideoClassification(config)
    with torch.no_grad():  # non-zero biases, so that a misplaced bias would show
        for name, parameter in stock.named_parameters():
            if name.endswith("bias"):
                parameter.normal_(std=0.1)
    fused = use_fused_qkv(copy.deepcopy(stock))
    pixels = torch.randn(3, config.num_frames, 3, config.image_size, config.image_size)
    labels = torch.tensor([0, 2, 1])

    def run(model):
        model.zero_grad()
        logits = model(pixel_values=pixels).logits
        torch.nn.functional.cross_entropy(logits, labels).backward()
        return logits.detach()

    _assert_same(fused, stock, run)
    fused_key_bias = [b for n, b in fused.named_buffers() if n.endswith("_synapt_zero_key_bias")]
    assert all(not torch.any(b) for b in fused_key_bias) and len(fused_key_bias) == (2 if qv_bias else 0)


def test_mae_sync_free_loss_logits_and_gradients_equal_the_stock_model(tiny_model_config):
    config = tiny_model_config("videomae")
    torch.manual_seed(0)
    stock = VideoMAEForPreTraining(config)
    fused = use_fused_qkv(use_sync_free_forward(copy.deepcopy(stock)))
    layers = [m for m in fused.modules() if type(m).__name__ == "VideoMAESelfAttention"]
    assert len(layers) == 2 and all(is_fused(m) for m in layers)  # the encoder's and the decoder's
    pixels = torch.randn(2, config.num_frames, 3, config.image_size, config.image_size)
    mask = tube_mask_for_config(config, 2, 0.5, torch.Generator().manual_seed(1))
    hidden = masked_token_count(config, 0.5)
    losses = {}

    def run(model):
        model.zero_grad()
        extra = {"num_masked": hidden} if model is fused else {}
        output = model(pixel_values=pixels, bool_masked_pos=mask, **extra)
        output.loss.backward()
        losses[model is fused] = output.loss.detach()
        return output.logits.detach()

    _assert_same(fused, stock, run)
    torch.testing.assert_close(losses[True], losses[False], rtol=0, atol=1e-6)


def test_state_dict_is_stock_and_loads_both_ways(tiny_model_config):
    config = tiny_model_config("videomae", labels=LABELS)
    stock = VideoMAEForVideoClassification(config)
    fused = use_fused_qkv(copy.deepcopy(stock))
    use_fused_qkv(fused)  # idempotent
    saved = fused.state_dict()
    expected = stock.state_dict()
    assert saved.keys() == expected.keys()
    for key, value in expected.items():
        assert saved[key].shape == value.shape and torch.equal(saved[key], value), key
    pointers = [v.untyped_storage().data_ptr() for k, v in saved.items() if ".attention.attention." in k]
    assert len(set(pointers)) == len(pointers), "split weights share memory (safetensors refuses that)"
    # a stock state dict loads into a fused model, a fused model's into a stock one
    other = use_fused_qkv(VideoMAEForVideoClassification(config))
    other.load_state_dict(expected)
    for key, value in other.state_dict().items():
        assert torch.equal(value, expected[key]), key
    again = VideoMAEForVideoClassification(config)
    again.load_state_dict(fused.state_dict())


def test_saved_folder_loads_in_stock_transformers_with_the_same_logits(tmp_path, tiny_model_config):
    config = tiny_model_config("videomae", labels=LABELS)
    torch.manual_seed(3)
    fused = use_fused_qkv(VideoMAEForVideoClassification(config))
    with torch.no_grad():  # train-like change of the fused weights
        fused.videomae.encoder.layer[0].attention.attention.qkv_weight.add_(0.05)
    fused.save_pretrained(tmp_path / "fused")
    VideoMAEForVideoClassification(config).save_pretrained(tmp_path / "stock")
    saved, stock = (load_file(tmp_path / name / "model.safetensors") for name in ("fused", "stock"))
    assert saved.keys() == stock.keys() and not any("qkv" in key for key in saved)
    assert all(saved[key].shape == stock[key].shape for key in stock)
    loaded = VideoMAEForVideoClassification.from_pretrained(tmp_path / "fused")
    pixels = torch.randn(2, config.num_frames, 3, config.image_size, config.image_size)
    fused.eval()
    with torch.no_grad():
        torch.testing.assert_close(loaded(pixels).logits, fused(pixels).logits, rtol=0, atol=1e-6)


def test_a_model_without_videomae_attention_is_refused(tiny_model_config):
    from transformers import TimesformerForVideoClassification

    with pytest.raises(ValueError, match="no VideoMAE self-attention"):
        use_fused_qkv(TimesformerForVideoClassification(tiny_model_config("timesformer", labels=LABELS)))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
@pytest.mark.parametrize("param_dtype", [torch.float32, torch.bfloat16])
def test_cuda_fused_logits_and_gradients_equal_the_stock_model(tiny_model_config, param_dtype):
    """On the GPU (SDPA's fused kernels, bf16 autocast or bf16 parameters), within bf16 rounding."""
    config = tiny_model_config("videomae", labels=LABELS, hidden_size=64, num_attention_heads=4)
    torch.manual_seed(0)
    stock = VideoMAEForVideoClassification(config).cuda().to(param_dtype)
    fused = use_fused_qkv(copy.deepcopy(stock))
    pixels = torch.randn(4, config.num_frames, 3, config.image_size, config.image_size, device="cuda")
    labels = torch.tensor([0, 2, 1, 0], device="cuda")

    def run(model):
        model.zero_grad()
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=param_dtype == torch.float32):
            logits = model(pixel_values=pixels.to(param_dtype)).logits.float()
        torch.nn.functional.cross_entropy(logits, labels).backward()
        return logits.detach()

    fused_logits, stock_logits = run(fused), run(stock)
    torch.testing.assert_close(fused_logits, stock_logits, rtol=2e-2, atol=2e-2)
    fused_grads, stock_grads = _gradients_by_stock_name(fused), _gradients_by_stock_name(stock)
    for name, grad in stock_grads.items():
        scale = float(grad.float().abs().max()) + 1e-6
        error = float((fused_grads[name].float() - grad.float()).abs().max())
        assert error <= 3e-2 * scale, (name, error, scale)
