"""Retargeting: source joint positions -> `Motion` (skeleton-free) -> world joints of any `BodyShape`.

A `Motion` holds, per frame, the unit direction of each of our bones (parent -> joint, in `BONES`), the body
frames of the pelvis and the chest (columns: left, up, forward), the root position and the feet's lift off
the floor, the last two in units of the source's leg length (thigh + shin), so no unit conversion is needed.
`motion_pose` rebuilds positions with the sampled body's own segment lengths (those of
`synapt_hf.synth.motion.forward_kinematics`), places the rigid offsets (shoulders, hips, face) with the body
frames, and grounds each frame like `synapt_hf.synth.motion.ground` (the lowest point on the floor, raised by
the source's own lift, so jumps keep their flight).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synapt_hf.errors import SynaptError
from synapt_hf.synth.body import JOINT_INDEX, JOINTS, BodyShape, rotation_y
from synapt_hf.synth.mocap.skeletons import resolve_mapping
from synapt_hf.synth.mocap.take import Take
from synapt_hf.synth.motion import DOFS, forward_kinematics, ground, joint_radii, mirror_name

# Our skeleton: joint -> parent. Rigid joints are placed by their parent's body frame, the rest along directions.
PARENT = {
    "spine": "pelvis", "chest": "spine", "neck": "chest", "head": "neck", "face": "head",
    **{f"{s}_{j}": f"{s}_{p}" for s in "lr" for j, p in (("elbow", "shoulder"), ("wrist", "elbow"),
                                                         ("hand", "wrist"), ("knee", "hip"), ("ankle", "knee"),
                                                         ("toe", "ankle"))},
    "l_shoulder": "chest", "r_shoulder": "chest", "l_hip": "pelvis", "r_hip": "pelvis",
}  # fmt: skip
RIGID = {"l_shoulder": 1, "r_shoulder": 1, "l_hip": 0, "r_hip": 0}  # joint -> frame (0 pelvis, 1 chest)
BONES = tuple(j for j in JOINTS if j in PARENT and j not in RIGID and j != "face")
_ORDER = ("spine", "chest", "neck", "head", "l_shoulder", "r_shoulder", "l_hip", "r_hip",
          *(f"{s}_{j}" for s in "lr" for j in ("elbow", "wrist", "hand", "knee", "ankle", "toe")))  # fmt: skip
_MIRROR = np.diag([-1.0, 1.0, 1.0])


@dataclass(frozen=True)
class Motion:
    """A retargeted motion: ``directions`` (T, len(BONES), 3), ``frames`` (T, 2, 3, 3), ``root`` (T, 3) and
    ``lift`` (T,) in source leg lengths, at ``fps``. Facing: pelvis frame column 2."""

    fps: float
    directions: np.ndarray
    frames: np.ndarray
    root: np.ndarray
    lift: np.ndarray

    @property
    def num_frames(self) -> int:
        return int(self.root.shape[0])

    @property
    def duration(self) -> float:
        return (self.num_frames - 1) / self.fps

    def window(self, start: int, stop: int) -> Motion:
        return Motion(
            self.fps, self.directions[start:stop], self.frames[start:stop], self.root[start:stop],
            self.lift[start:stop],
        )  # fmt: skip


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


def body_frame(left: np.ndarray, up: np.ndarray) -> np.ndarray:
    """(T, 3, 3) orthonormal frames with columns (left, up, forward) from rough left and up vectors."""
    x = _unit(left)
    y = _unit(up - np.sum(up * x, -1, keepdims=True) * x)
    return np.stack([x, y, np.cross(x, y)], axis=-1)


def retarget(take: Take) -> Motion:
    """The `Motion` of `take` (any mapped skeleton). Degenerate takes raise SynaptError naming the file."""
    _, mapping = resolve_mapping(take)
    src = {joint: take.joint(name) for joint, name in mapping.items()}
    legs = [np.linalg.norm(src[f"{s}_hip"] - src[f"{s}_knee"], axis=-1)
            + np.linalg.norm(src[f"{s}_knee"] - src[f"{s}_ankle"], axis=-1) for s in "lr"]  # fmt: skip
    leg = float(np.median(np.concatenate(legs)))
    if not leg > 0:
        raise SynaptError(f"{take.path}: the legs have zero length")
    torso_up = src["chest"] - src["pelvis"]
    frames = np.stack(
        [body_frame(src["l_hip"] - src["r_hip"], torso_up),
         body_frame(src["l_shoulder"] - src["r_shoulder"], src["neck"] - src["chest"])], axis=1,
    )  # fmt: skip
    if "spine" not in src:
        src["spine"] = (src["pelvis"] + src["chest"]) / 2
    directions = []
    for joint in BONES:
        parent = PARENT[joint]
        if joint in src:
            directions.append(_unit(src[joint] - src[parent]))
        elif joint.endswith("_hand"):
            directions.append(_unit(src[joint[:2] + "wrist"] - src[joint[:2] + "elbow"]))
        else:  # a toe: forward and down from the ankle, in the pelvis frame
            directions.append(_unit(frames[:, 0] @ np.array([0.0, -0.3, 1.0])))
    feet = [src[j] for j in ("l_ankle", "r_ankle", "l_toe", "r_toe") if j in src]
    low = np.min(np.stack(feet, 1)[..., 1], axis=1)
    floor = float(np.percentile(low, 2))
    return Motion(
        fps=float(take.fps),
        directions=np.stack(directions, axis=1),
        frames=frames,
        root=src["pelvis"] / leg,
        lift=np.clip(low - floor, 0.0, None) / leg,
    )


def resample(motion: Motion, times: np.ndarray) -> Motion:
    """`motion` at `times` (seconds from its first frame, clamped to its span): linear interpolation,
    directions renormalised and frames re-orthonormalised."""
    position = np.clip(np.asarray(times, dtype=np.float64) * motion.fps, 0, motion.num_frames - 1)
    lo = np.floor(position).astype(int)
    hi = np.minimum(lo + 1, motion.num_frames - 1)
    w = position - lo

    def mix(a: np.ndarray) -> np.ndarray:
        shape = (-1,) + (1,) * (a.ndim - 1)
        return a[lo] * (1 - w).reshape(shape) + a[hi] * w.reshape(shape)

    frames = mix(motion.frames)
    frames = body_frame(frames[..., 0], frames[..., 1])
    fps = 1.0 / float(times[1] - times[0]) if len(times) > 1 and times[1] > times[0] else motion.fps
    return Motion(fps, _unit(mix(motion.directions)), frames, mix(motion.root), mix(motion.lift))


def facing_yaw(motion: Motion) -> float:
    """Yaw (radians, about +y, +z towards +x) of the mean pelvis facing."""
    forward = motion.frames[:, 0, :, 2].mean(0)
    return float(np.arctan2(forward[0], forward[2]))


def transform(motion: Motion, yaw: float = 0.0, mirrored: bool = False) -> Motion:
    """`motion` mirrored left/right (x negated, sides swapped) and then turned by `yaw` radians about +y."""
    directions, frames, root = motion.directions, motion.frames, motion.root
    if mirrored:
        swap = [BONES.index(mirror_name(b)) for b in BONES]
        directions = directions[:, swap] * np.array([-1.0, 1.0, 1.0])
        frames = _MIRROR @ frames @ _MIRROR
        root = root * np.array([-1.0, 1.0, 1.0])
    turn = rotation_y(np.float64(yaw))
    return Motion(
        motion.fps, directions @ turn.T, turn @ frames, root @ turn.T, motion.lift,
    )  # fmt: skip


def rest_offsets(body: BodyShape) -> dict[str, np.ndarray]:
    """Our joints' offsets from their parents in the neutral pose of `body` (metres, body frame)."""
    zeros = {name: np.zeros(1) for name in DOFS}
    rest = forward_kinematics(zeros, body)[0]
    return {j: rest[JOINT_INDEX[j]] - rest[JOINT_INDEX[p]] for j, p in PARENT.items()}


def motion_pose(motion: Motion, body: BodyShape) -> np.ndarray:
    """World joints ``(T, 22, 3)`` of `body` performing `motion`, grounded (metres, y up)."""
    offsets = rest_offsets(body)
    t = motion.num_frames
    leg = body.thigh + body.shin
    joints = np.zeros((t, len(JOINTS), 3))
    joints[:, JOINT_INDEX["pelvis"]] = motion.root * leg
    head_frame = body_frame(motion.frames[:, 1, :, 0], motion.directions[:, BONES.index("head")])
    for joint in _ORDER:
        parent = joints[:, JOINT_INDEX[PARENT[joint]]]
        if joint in RIGID:
            step = np.einsum("tij,j->ti", motion.frames[:, RIGID[joint]], offsets[joint])
        else:
            step = motion.directions[:, BONES.index(joint)] * np.linalg.norm(offsets[joint])
        joints[:, JOINT_INDEX[joint]] = parent + step
    joints[:, JOINT_INDEX["face"]] = joints[:, JOINT_INDEX["head"]] + np.einsum(
        "tij,j->ti", head_frame, offsets["face"]
    )
    return ground(joints, joint_radii(body.radii()), motion.lift * leg)
