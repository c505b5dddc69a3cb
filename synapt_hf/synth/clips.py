"""Clip sampling: clip ``index`` of a split is a pure function of ``(config, split, index)``.

Each clip draws everything from ``numpy.random.default_rng(SeedSequence([seed, split_code, index]))``.
Labels are balanced in blocks: clips ``k*C .. k*C + C - 1`` hold each of the ``C`` classes once, in an
order drawn from ``SeedSequence([seed, split_code, k, 1])``, so any contiguous range of ``C`` clips
(or any shard of whole blocks) is class-balanced.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from synapt_hf.synth.actions import ACTIONS_BY_NAME, SYNAPT_CLASS, Action, pose_sequence
from synapt_hf.synth.body import JOINT_INDEX, BodyShape
from synapt_hf.synth.config import GeneratorConfig, split_code
from synapt_hf.synth.motion import Travel, Variation
from synapt_hf.synth.render import render_batch, stack_scenes
from synapt_hf.synth.scene import ClipScene, build_scene, sample_scene


def clip_rng(seed: int, split: str, index: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, split_code(split), index]))


def clip_label(seed: int, split: str, index: int, num_classes: int) -> int:
    block, position = divmod(index, num_classes)
    order = np.random.default_rng(np.random.SeedSequence([seed, split_code(split), block, 1])).permutation(
        num_classes
    )
    return int(order[position])


@dataclass
class ClipSample:
    """One sampled (not yet rendered) clip and its JSON-able parameters."""

    index: int
    label: int
    scene: ClipScene
    metadata: dict[str, Any]


def sample_clip(config: GeneratorConfig, split: str, index: int, mirrored: bool | None = None) -> ClipSample:
    """Sample clip `index` of `split`: action variation, body, scene. `mirrored` forces handedness."""
    if index < 0:
        raise ValueError(f"clip index must be >= 0, got {index}")
    label = clip_label(config.seed, split, index, config.num_classes)
    name = config.classes[label]
    action = ACTIONS_BY_NAME.get(name)
    rng = clip_rng(config.seed, split, index)
    body = BodyShape.sample(rng)
    variation = Variation.sample(rng, action.cycles if action else None, config.joint_noise_deg)
    if mirrored is not None and mirrored != variation.mirrored:
        variation = Variation(**{**variation.__dict__, "mirrored": mirrored})
    motion_info = variation.to_dict()
    if config.motions:
        joints, scene_action, motion_info = _library_or_procedural(
            config, name, action, body, variation, rng, mirrored
        )
    else:
        joints, scene_action = pose_sequence(action, body, variation, config.frames), action
    scene_params = sample_scene(
        rng, label, config.scene_bias, config.camera_motion, config.preset, scene_action
    )
    scene = build_scene(joints, body, scene_params, rng, label, config.scene_bias, config.size)
    metadata = {
        "class_name": name,
        "synapt_class": SYNAPT_CLASS.get(name) or "",
        "seed": config.seed,
        "index": index,
        "motion": motion_info,
        "body": body.to_dict(),
        "camera": scene_params.camera_dict(),
        "lighting": scene_params.lighting_dict(),
        "background": scene_params.background_kind,
        "ground": scene_params.ground_kind,
        "scene": json.dumps(scene_params.scene_dict(), sort_keys=True),
    }
    return ClipSample(index=index, label=label, scene=scene, metadata=metadata)


def _library_or_procedural(
    config: GeneratorConfig,
    name: str,
    action: Action | None,
    body: BodyShape,
    variation: Variation,
    rng: np.random.Generator,
    mirrored: bool | None = None,
) -> tuple[np.ndarray, Action | None, dict[str, Any]]:
    """Joints, the action the scene is framed for, and the motion metadata of a clip under a motion library:
    a library motion for library-only classes, and in a `motions_share` of the clips (one draw) of classes
    that are both. Without a library motion the stream is the procedural one after that draw."""
    from synapt_hf.synth.mocap.library import draw_motion, load_library
    from synapt_hf.synth.mocap.retarget import motion_pose

    library = load_library(config.motions)
    in_library = name in library.by_class
    use_library = in_library and (action is None or rng.random() < config.motions_share)
    info: dict[str, Any] = {**variation.to_dict(), "source": "procedural", "segment": "", "start_s": 0.0,
                            "speed": 1.0, "heading_deg": 0.0}  # fmt: skip
    if not use_library:
        return pose_sequence(action, body, variation, config.frames), action, info
    motion, drawn = draw_motion(library, name, rng, config.frames, config.fps, mirrored)
    joints = motion_pose(motion, body)
    info.update(drawn, source="library", cycles=0.0, phase=0.0, amplitude=1.0)
    if action is None:  # frame the scene like a travelling action when the body travels
        pelvis = joints[:, JOINT_INDEX["pelvis"], [0, 2]]
        travels = np.linalg.norm(pelvis[-1] - pelvis[0]) > 0.25 * body.height
        action = Action(name, None, {"root_z": Travel(1.0)} if travels else {})
    return joints, action, info


# Intra-op threads used to render on the CPU. The renderer's tensors are mid-sized, so extra threads gain
# little on an idle machine and cost 2-6x on a busy one (measured on a shared 2-core machine); parallelism
# comes from processes (`--num-proc`, DataLoader workers) instead. None leaves torch's setting alone.
RENDER_THREADS: int | None = 1


@contextmanager
def _cpu_threads(device: torch.device, threads: int | None) -> Iterator[None]:
    if device.type != "cpu" or threads is None or threads == torch.get_num_threads():
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def render_samples(
    config: GeneratorConfig,
    samples: Sequence[ClipSample],
    device: torch.device | str | None = None,
    return_mask: bool = False,
    threads: int | None = RENDER_THREADS,
    fused: bool | None = None,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """Render sampled clips in one batch: uint8 ``(B, T, size, size, 3)`` on `device` (CPU default),
    plus the body masks ``(B, T, size, size)`` with `return_mask`. On the CPU, rendering runs with
    `threads` intra-op threads (restored afterwards; None keeps the current setting). `fused`: see
    `render.render_batch`."""
    device = torch.device(device or "cpu")
    batch = stack_scenes([s.scene for s in samples], device)
    with torch.no_grad(), _cpu_threads(device, threads):
        return render_batch(
            batch,
            config.size,
            antialias=config.antialias,
            shadows=config.shadows,
            return_mask=return_mask,
            fused=fused,
        )


def render_clips(
    config: GeneratorConfig,
    indices: Sequence[int],
    split: str = "train",
    device: torch.device | str | None = None,
    batch_size: int = 16,
    fused: bool | None = None,
) -> tuple[torch.Tensor, list[ClipSample]]:
    """Sample and render clips `indices` of `split` (in batches of `batch_size`; `fused`: see
    `render.render_batch`)."""
    samples = [sample_clip(config, split, int(i)) for i in indices]
    chunks = [
        render_samples(config, samples[k : k + batch_size], device, fused=fused)
        for k in range(0, len(samples), batch_size)
    ]
    return torch.cat(chunks) if chunks else torch.empty(0), samples
