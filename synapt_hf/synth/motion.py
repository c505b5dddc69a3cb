"""Pose evaluation: motion curves, per-clip variation, forward kinematics, hand IK and grounding.

An action sets degrees of freedom (DOFs) with curves of the cycle phase; `pose_sequence` turns one
action + variation + body shape into world joint positions ``(T, J, 3)``. Angles are degrees, positions
are fractions of the body height. All maths is numpy float64 per clip, so a clip's pose never depends
on what else is in a batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from synapt_hf.synth.body import (
    JOINT_INDEX,
    JOINTS,
    PART_END,
    PART_START,
    BodyShape,
    rotation_x,
    rotation_y,
    rotation_z,
    two_bone_ik,
)

SIDES = ("l", "r")
ANGLE_DOFS = (
    "yaw", "body_pitch", "body_roll", "spine_bend", "spine_twist", "spine_side",
    "head_nod", "head_turn", "head_tilt",
    "l_sh_flex", "l_sh_abd", "l_elbow", "r_sh_flex", "r_sh_abd", "r_elbow",
    "l_hip_flex", "l_hip_abd", "l_knee", "r_hip_flex", "r_hip_abd", "r_knee",
)  # fmt: skip
POSITION_DOFS = ("root_x", "root_y", "root_z", "l_shrug", "r_shrug")
DOFS = ANGLE_DOFS + POSITION_DOFS
# DOFs whose sign flips when a motion is mirrored left/right.
LATERAL_DOFS = frozenset(
    {"yaw", "body_roll", "spine_twist", "spine_side", "head_turn", "head_tilt", "root_x"}
)
NEUTRAL = {"l_sh_abd": 8.0, "r_sh_abd": 8.0, "l_elbow": 12.0, "r_elbow": 12.0}


def mirror_name(name: str) -> str:
    """``l_x`` <-> ``r_x``; other names unchanged."""
    if name.startswith("l_"):
        return "r_" + name[2:]
    if name.startswith("r_"):
        return "l_" + name[2:]
    return name


# ---------------------------------------------------------------------------------------------
# Curves: functions of (phase in cycles, progress in [0, 1] over the clip, total cycles)


@dataclass(frozen=True)
class Osc:
    """``mean + amp * sin(2 pi (harmonic * phase + shift))``."""

    mean: float
    amp: float
    harmonic: float = 1.0
    shift: float = 0.0

    def __call__(self, phase: np.ndarray, progress: np.ndarray, cycles: float) -> np.ndarray:
        return self.mean + self.amp * np.sin(2 * np.pi * (self.harmonic * phase + self.shift))


@dataclass(frozen=True)
class Keys:
    """Periodic keyframes evenly spaced over one cycle, eased (cosine) between keys."""

    values: tuple[float, ...]
    shift: float = 0.0

    def __call__(self, phase: np.ndarray, progress: np.ndarray, cycles: float) -> np.ndarray:
        values = np.asarray(self.values, dtype=np.float64)
        position = np.mod(phase + self.shift, 1.0) * len(values)
        index = np.floor(position).astype(int) % len(values)
        frac = position - np.floor(position)
        ease = 0.5 - 0.5 * np.cos(np.pi * frac)
        return values[index] * (1 - ease) + values[(index + 1) % len(values)] * ease


@dataclass(frozen=True)
class Ramp:
    """Keyframes ``(progress, value)`` over the whole clip (one-shot actions), eased, held at the ends."""

    points: tuple[tuple[float, float], ...]

    def __call__(self, phase: np.ndarray, progress: np.ndarray, cycles: float) -> np.ndarray:
        times = np.array([p[0] for p in self.points])
        values = np.array([p[1] for p in self.points])
        t = np.clip(progress, times[0], times[-1])
        index = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2)
        span = np.maximum(times[index + 1] - times[index], 1e-9)
        frac = np.clip((t - times[index]) / span, 0.0, 1.0)
        ease = frac * frac * (3 - 2 * frac)
        return values[index] * (1 - ease) + values[index + 1] * ease


@dataclass(frozen=True)
class Spin:
    """A steadily turning angle: ``start + per_cycle * phase`` (arm circles)."""

    start: float
    per_cycle: float

    def __call__(self, phase: np.ndarray, progress: np.ndarray, cycles: float) -> np.ndarray:
        return self.start + self.per_cycle * phase


@dataclass(frozen=True)
class Travel:
    """Root displacement of `per_cycle` body heights per cycle, centred on the middle of the clip."""

    per_cycle: float

    def __call__(self, phase: np.ndarray, progress: np.ndarray, cycles: float) -> np.ndarray:
        return self.per_cycle * cycles * (progress - 0.5)


Curve = Osc | Keys | Ramp | Spin | Travel | float


def evaluate(curve: Curve, phase: np.ndarray, progress: np.ndarray, cycles: float) -> np.ndarray:
    if isinstance(curve, (int, float)):
        return np.full_like(progress, float(curve))
    return curve(phase, progress, cycles)


@dataclass(frozen=True)
class Reach:
    """An IK target for a hand or a foot: its wrist (ankle) moves towards (x, y, z) with blend `weight`.

    `limb` is ``"l"``/``"r"`` (hands) or ``"l_foot"``/``"r_foot"``. Coordinates are body heights in the body
    frame (x left, y up from the ground, z forward), or offsets from joint `relative_to` (e.g. ``"r_toe"``).
    """

    limb: str
    x: Curve
    y: Curve
    z: Curve
    weight: Curve = 1.0
    relative_to: str | None = None

    def mirrored(self) -> Reach:
        def negate(c: Curve) -> Curve:
            if isinstance(c, Osc):
                return Osc(-c.mean, -c.amp, c.harmonic, c.shift)
            if isinstance(c, Keys):
                return Keys(tuple(-v for v in c.values), c.shift)
            if isinstance(c, Ramp):
                return Ramp(tuple((t, -v) for t, v in c.points))
            if isinstance(c, (int, float)):
                return -c
            raise TypeError(f"cannot mirror a {type(c).__name__} curve in a reach")

        return Reach(
            limb={"l": "r", "r": "l"}.get(self.limb) or mirror_name(self.limb),
            x=negate(self.x),
            y=self.y,
            z=self.z,
            weight=self.weight,
            relative_to=mirror_name(self.relative_to) if self.relative_to else None,
        )


# ---------------------------------------------------------------------------------------------
# Per-clip variation


@dataclass(frozen=True)
class Variation:
    """How one clip performs its action (all sampled from the clip's RNG)."""

    cycles: float  # repetitions shown in the clip (tempo)
    phase: float  # starting phase in cycles (starting pose)
    amplitude: float  # multiplies angle curves
    mirrored: bool  # left/right swapped (handedness)
    start: float  # one-shot actions: progress at the first frame
    end: float  # one-shot actions: progress at the last frame
    noise_offset: np.ndarray = field(repr=False)  # (len(ANGLE_DOFS),) degrees
    noise_amp: np.ndarray = field(repr=False)  # (len(ANGLE_DOFS),) degrees
    noise_freq: np.ndarray = field(repr=False)  # cycles per clip
    noise_phase: np.ndarray = field(repr=False)

    @classmethod
    def sample(
        cls, rng: np.random.Generator, cycles: tuple[float, float] | None, joint_noise_deg: float = 3.0
    ) -> Variation:
        n = len(ANGLE_DOFS)
        return cls(
            cycles=float(rng.uniform(*cycles)) if cycles else 1.0,
            phase=float(rng.uniform(0.0, 1.0)) if cycles else 0.0,
            amplitude=float(rng.uniform(0.8, 1.15)),
            mirrored=bool(rng.random() < 0.5),
            start=float(rng.uniform(-0.12, 0.08)),
            end=float(rng.uniform(0.92, 1.12)),
            noise_offset=rng.normal(0.0, joint_noise_deg, n),
            noise_amp=rng.uniform(0.0, joint_noise_deg, n),
            noise_freq=rng.uniform(0.3, 1.5, n),
            noise_phase=rng.uniform(0.0, 1.0, n),
        )

    def to_dict(self) -> dict[str, float | bool]:
        return {
            "cycles": round(self.cycles, 4),
            "phase": round(self.phase, 4),
            "amplitude": round(self.amplitude, 4),
            "mirrored": self.mirrored,
        }


def dof_tracks(
    curves: dict[str, Curve], periodic: bool, variation: Variation, num_frames: int
) -> dict[str, np.ndarray]:
    """Every DOF's values over the clip's frames, with tempo, phase, amplitude, noise and mirroring."""
    phase, eval_progress = clip_timeline(periodic, variation, num_frames)
    progress = np.linspace(0.0, 1.0, num_frames) if num_frames > 1 else np.array([0.5])
    tracks: dict[str, np.ndarray] = {}
    for name in DOFS:
        base = NEUTRAL.get(name, 0.0)
        value = evaluate(curves[name], phase, eval_progress, variation.cycles) if name in curves else None
        if value is None:
            value = np.full(num_frames, base)
        elif name in ANGLE_DOFS or name == "root_y":
            value = base + (value - base) * variation.amplitude
        tracks[name] = value
    for k, name in enumerate(ANGLE_DOFS):
        wobble = variation.noise_amp[k] * np.sin(
            2 * np.pi * (variation.noise_freq[k] * progress + variation.noise_phase[k])
        )
        tracks[name] = tracks[name] + variation.noise_offset[k] + wobble
    if variation.mirrored:
        tracks = {mirror_name(n): (-v if n in LATERAL_DOFS else v) for n, v in tracks.items()}
    return tracks


# ---------------------------------------------------------------------------------------------
# Forward kinematics


def _apply(rotation: np.ndarray, vector: np.ndarray) -> np.ndarray:
    return np.einsum("tij,tj->ti", rotation, vector)


def _const(num_frames: int, x: float, y: float, z: float) -> np.ndarray:
    return np.tile(np.array([x, y, z]), (num_frames, 1))


def forward_kinematics(tracks: dict[str, np.ndarray], body: BodyShape) -> np.ndarray:
    """Joint positions ``(T, J, 3)`` of the posed body, root on the ground origin, before grounding."""
    rad = {n: np.deg2rad(v) for n, v in tracks.items() if n in ANGLE_DOFS}
    t = len(tracks["yaw"])
    h = body.height
    joints = np.zeros((t, len(JOINTS), 3))
    root_rot = rotation_y(rad["yaw"]) @ rotation_x(rad["body_pitch"]) @ rotation_z(rad["body_roll"])
    root = np.stack([tracks["root_x"] * h, np.full(t, body.hip_height), tracks["root_z"] * h], -1)
    pelvis = root
    joints[:, JOINT_INDEX["pelvis"]] = pelvis
    # Spine: the bend/twist/side angles are shared by the two spine segments.
    half = (
        rotation_y(rad["spine_twist"] / 2)
        @ rotation_x(rad["spine_bend"] / 2)
        @ rotation_z(rad["spine_side"] / 2)
    )
    spine_rot = root_rot @ half
    chest_rot = spine_rot @ half
    ts = body.torso_scale
    spine = pelvis + _apply(spine_rot, _const(t, 0, 0.10 * h * ts, 0))
    chest = spine + _apply(chest_rot, _const(t, 0, 0.12 * h * ts, 0))
    neck = chest + _apply(chest_rot, _const(t, 0, 0.10 * h * ts, 0))
    head_rot = (
        chest_rot @ rotation_y(rad["head_turn"]) @ rotation_x(rad["head_nod"]) @ rotation_z(rad["head_tilt"])
    )
    head = neck + _apply(head_rot, _const(t, 0, 0.085 * h * body.head_scale, 0))
    face = head + _apply(head_rot, _const(t, 0, -0.012 * h, 0.03 * h) * body.head_scale)
    for name, value in (("spine", spine), ("chest", chest), ("neck", neck), ("head", head), ("face", face)):
        joints[:, JOINT_INDEX[name]] = value
    for side, sign in (("l", 1.0), ("r", -1.0)):
        shoulder = chest + _apply(
            chest_rot,
            np.stack(
                [np.full(t, sign * 0.115 * h * body.shoulder_width), (0.07 + tracks[f"{side}_shrug"]) * h * ts,
                 np.zeros(t)], -1),
        )  # fmt: skip
        arm_rot = chest_rot @ rotation_z(sign * rad[f"{side}_sh_abd"]) @ rotation_x(-rad[f"{side}_sh_flex"])
        elbow = shoulder + _apply(arm_rot, _const(t, 0, -body.upper_arm, 0))
        fore_rot = arm_rot @ rotation_x(-np.clip(rad[f"{side}_elbow"], 0, np.deg2rad(160)))
        wrist = elbow + _apply(fore_rot, _const(t, 0, -body.forearm, 0))
        hand = wrist + _apply(fore_rot, _const(t, 0, -body.hand, 0))
        hip = pelvis + _apply(root_rot, _const(t, sign * 0.055 * h, 0, 0))
        leg_rot = root_rot @ rotation_z(sign * rad[f"{side}_hip_abd"]) @ rotation_x(-rad[f"{side}_hip_flex"])
        knee = hip + _apply(leg_rot, _const(t, 0, -body.thigh, 0))
        shin_rot = leg_rot @ rotation_x(np.clip(rad[f"{side}_knee"], 0, np.deg2rad(160)))
        ankle = knee + _apply(shin_rot, _const(t, 0, -body.shin, 0))
        toe = ankle + _apply(shin_rot, _const(t, 0, -body.ankle_height * 0.6, 0.075 * h))
        for name, value in (("shoulder", shoulder), ("elbow", elbow), ("wrist", wrist), ("hand", hand),
                            ("hip", hip), ("knee", knee), ("ankle", ankle), ("toe", toe)):  # fmt: skip
            joints[:, JOINT_INDEX[f"{side}_{name}"]] = value
    return joints


def body_frame_point(tracks: dict[str, np.ndarray], body: BodyShape, local: np.ndarray) -> np.ndarray:
    """World position of `local` ``(T, 3)`` body-height coordinates in the yaw-rotated body frame."""
    root = np.stack([tracks["root_x"], np.zeros_like(tracks["root_x"]), tracks["root_z"]], -1) * body.height
    return root + _apply(rotation_y(np.deg2rad(tracks["yaw"])), local * body.height)


_UPPER_BODY = [JOINT_INDEX[n] for n in ("l_elbow", "l_wrist", "l_hand", "r_elbow", "r_wrist", "r_hand")]
_GROUNDED = np.array([i for i in range(len(JOINTS)) if i not in _UPPER_BODY])


def ground(joints: np.ndarray, radii_at_joints: np.ndarray, lift: np.ndarray) -> np.ndarray:
    """Shift each frame vertically so the lowest non-arm point touches the ground, then add `lift`."""
    lowest = np.min(joints[:, _GROUNDED, 1] - radii_at_joints[_GROUNDED], axis=1)
    shifted = joints.copy()
    shifted[..., 1] += (lift - lowest)[:, None]
    return shifted


def joint_radii(part_radii: np.ndarray) -> np.ndarray:
    """The largest radius of the parts touching each joint (for grounding)."""
    out = np.zeros(len(JOINTS))
    for p, (a, b) in enumerate(zip(PART_START, PART_END, strict=True)):
        out[a] = max(out[a], part_radii[p])
        out[b] = max(out[b], part_radii[p])
    return out


def apply_reaches(
    joints: np.ndarray,
    reaches: tuple[Reach, ...],
    tracks: dict[str, np.ndarray],
    body: BodyShape,
    phase: np.ndarray,
    progress: np.ndarray,
    cycles: float,
) -> np.ndarray:
    """Move hands/feet towards their IK targets (two-bone IK: elbows bend down and out, knees forward)."""
    out = joints.copy()
    yaw = rotation_y(np.deg2rad(tracks["yaw"]))
    for reach in reaches:
        local = np.stack([evaluate(c, phase, progress, cycles) for c in (reach.x, reach.y, reach.z)], -1)
        weight = np.clip(evaluate(reach.weight, phase, progress, cycles), 0.0, 1.0)[:, None]
        if reach.relative_to:
            target = out[:, JOINT_INDEX[reach.relative_to]] + _apply(yaw, local * body.height)
        else:
            target = body_frame_point(tracks, body, local)
        side = reach.limb[0]
        sign = 1.0 if side == "l" else -1.0
        if reach.limb.endswith("_foot"):
            root, middle, end, tip = (f"{side}_{n}" for n in ("hip", "knee", "ankle", "toe"))
            lengths = (body.thigh, body.shin)
            pole = _apply(yaw, _const(len(target), 0.0, 0.1, 1.0))
        else:
            root, middle, end, tip = (f"{side}_{n}" for n in ("shoulder", "elbow", "wrist", "hand"))
            lengths = (body.upper_arm, body.forearm)
            pole = _apply(yaw, _const(len(target), sign * 0.7, -0.6, -0.4))
        current = out[:, JOINT_INDEX[end]]
        goal = current * (1 - weight) + target * weight
        new_middle, new_end = two_bone_ik(out[:, JOINT_INDEX[root]], goal, *lengths, pole)
        if reach.limb.endswith("_foot"):
            new_tip = new_end + (out[:, JOINT_INDEX[tip]] - current)  # the foot keeps its orientation
        else:
            direction = (new_end - new_middle) / np.maximum(
                np.linalg.norm(new_end - new_middle, axis=-1, keepdims=True), 1e-9
            )
            new_tip = new_end + direction * body.hand
        out[:, JOINT_INDEX[middle]] = new_middle
        out[:, JOINT_INDEX[end]] = new_end
        out[:, JOINT_INDEX[tip]] = new_tip
    return out


def clip_timeline(periodic: bool, variation: Variation, num_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """(phase, progress) arrays for the frames of a clip, as `dof_tracks` uses them."""
    progress = np.linspace(0.0, 1.0, num_frames) if num_frames > 1 else np.array([0.5])
    if periodic:
        return variation.phase + variation.cycles * progress, progress
    eval_progress = variation.start + (variation.end - variation.start) * progress
    return eval_progress, eval_progress
