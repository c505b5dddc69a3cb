"""TimeSformer's SDPA attention computes what transformers' eager attention computes."""

from __future__ import annotations

import pytest
import torch
from transformers import TimesformerForVideoClassification, VideoMAEForVideoClassification

from synapt_hf.models.timesformer_sdpa import use_sdpa_attention


def _pair(config, seed: int = 0):
    torch.manual_seed(seed)
    stock = TimesformerForVideoClassification(config)
    fast = TimesformerForVideoClassification(config)
    fast.load_state_dict(stock.state_dict())
    return stock, use_sdpa_attention(fast)


# (transformers' "space_only" classifier returns one row per frame, so it is left out)
@pytest.mark.parametrize("attention_type", ["divided_space_time", "joint_space_time"])
def test_logits_and_gradients_equal_the_eager_attention(tiny_model_config, attention_type):
    config = tiny_model_config("timesformer", labels=["a", "b", "c"], attention_type=attention_type)
    stock, fast = _pair(config)
    pixels = torch.randn(3, config.num_frames, 3, config.image_size, config.image_size)
    labels = torch.tensor([0, 2, 1])
    results = []
    for model in (stock, fast):
        model.train()
        output = model(pixel_values=pixels, labels=labels)
        output.loss.backward()
        results.append(
            (output.logits, {n: p.grad for n, p in model.named_parameters() if p.grad is not None})
        )
    (stock_logits, stock_grads), (fast_logits, fast_grads) = results
    torch.testing.assert_close(fast_logits, stock_logits, rtol=1e-5, atol=1e-6)
    assert fast_grads.keys() == stock_grads.keys()
    for name, grad in stock_grads.items():
        torch.testing.assert_close(fast_grads[name], grad, rtol=1e-4, atol=1e-6, msg=name)


def test_attention_dropout_is_applied_while_training_only(tiny_model_config):
    config = tiny_model_config("timesformer", labels=["a", "b"], attention_probs_dropout_prob=0.5)
    stock, fast = _pair(config)
    pixels = torch.randn(2, config.num_frames, 3, config.image_size, config.image_size)
    fast.eval(), stock.eval()
    torch.testing.assert_close(fast(pixel_values=pixels).logits, stock(pixel_values=pixels).logits)
    fast.train()
    first, second = fast(pixel_values=pixels).logits, fast(pixel_values=pixels).logits
    assert not torch.allclose(first, second)  # a fresh dropout mask per call


def test_asking_for_the_attention_maps_runs_the_stock_forward(tiny_model_config):
    config = tiny_model_config("timesformer", labels=["a", "b"])
    stock, fast = _pair(config)
    pixels = torch.randn(1, config.num_frames, 3, config.image_size, config.image_size)
    stock.eval(), fast.eval()
    expected = stock(pixel_values=pixels, output_attentions=True).attentions
    got = fast(pixel_values=pixels, output_attentions=True).attentions
    assert len(got) == len(expected) == config.num_hidden_layers
    for ours, theirs in zip(got, expected, strict=True):
        torch.testing.assert_close(ours, theirs)


def test_the_model_still_saves_as_a_stock_timesformer(tmp_path, tiny_model_config):
    _, fast = _pair(tiny_model_config("timesformer", labels=["a", "b"]))
    fast.save_pretrained(tmp_path)
    again = TimesformerForVideoClassification.from_pretrained(tmp_path)
    assert set(again.state_dict()) == set(fast.state_dict())
    for key, value in fast.state_dict().items():
        assert torch.equal(again.state_dict()[key], value), key


def test_a_model_without_timesformer_attention_is_refused(tiny_model_config):
    with pytest.raises(ValueError, match="VideoMAEForVideoClassification has no TimeSformer attention"):
        use_sdpa_attention(VideoMAEForVideoClassification(tiny_model_config("videomae", labels=["a", "b"])))
