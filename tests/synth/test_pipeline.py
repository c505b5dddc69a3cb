from __future__ import annotations

import pytest
import torch

from synapt_hf.synth.clips import render_clips, sample_clip
from synapt_hf.synth.pipeline import index_groups, render_stream, sample_group
from synapt_hf.synth.render import stack_scenes


@pytest.mark.parametrize("workers", [0, 2])
def test_render_stream_returns_the_clips_of_each_group_in_order(tiny_config, workers):
    groups = [[5, 6, 7], [0], [9, 3], [11, 12, 13]]
    rendered = list(render_stream(tiny_config, groups, "cpu", workers=workers))
    assert [g.indices.tolist() for g in rendered] == groups
    for group in rendered:
        expected, samples = render_clips(tiny_config, group.indices.tolist())
        assert torch.equal(group.frames, expected)
        assert group.labels.tolist() == [s.label for s in samples]


@pytest.mark.parametrize("shared", [False, True])
def test_sample_group_stacks_what_stack_scenes_stacks(tiny_config, shared):
    group = [4, 0, 17]
    samples = [sample_clip(tiny_config, "train", i) for i in group]
    expected = stack_scenes([s.scene for s in samples])
    got = sample_group(tiny_config, "train", group, shared=shared)
    assert got.pop("_indices").tolist() == group
    assert got.pop("_labels").tolist() == [s.label for s in samples]
    assert got.keys() == expected.keys()
    for name, tensor in expected.items():
        assert got[name].dtype == tensor.dtype and torch.equal(got[name], tensor), name
        assert got[name].is_shared() == shared


def test_index_groups_cut_consecutively():
    assert index_groups(range(7), 3) == [[0, 1, 2], [3, 4, 5], [6]]
    assert index_groups([], 3) == []


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_render_stream_on_cuda_matches_the_cpu(tiny_config):
    groups = [[0, 1, 2, 3], [4, 5]]
    for group in render_stream(tiny_config, groups, "cuda", workers=2):
        assert group.frames.device.type == "cuda"
        expected, _ = render_clips(tiny_config, group.indices.tolist())
        differing = (expected.int() - group.frames.cpu().int()).abs().amax(-1).gt(3).float().mean()
        assert differing < 0.002
