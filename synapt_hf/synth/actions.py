"""The declarative action table: one `Action` entry per class.

Each action sets DOF curves (see `synapt_hf.synth.motion`; angles in degrees, positions in body
heights) and optional hand IK targets (`Reach`). ``cycles`` is the range of repetitions shown in one clip
(periodic actions); ``cycles=None`` marks a one-shot action whose `Ramp` curves run over the clip.
``synapt`` names the matching class of SynAPT's 150 (``syn_labels.txt``, trailing spaces stripped), or
None. Adding an action = appending one entry to `ACTIONS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from synapt_hf.errors import SynaptError
from synapt_hf.synth.body import BodyShape
from synapt_hf.synth.motion import (
    Curve,
    Keys,
    Osc,
    Ramp,
    Reach,
    Spin,
    Travel,
    Variation,
    apply_reaches,
    clip_timeline,
    dof_tracks,
    forward_kinematics,
    ground,
    joint_radii,
    mirror_name,
)


@dataclass(frozen=True)
class Action:
    """One action class: DOF curves, hand reaches, tempo range and its SynAPT class name."""

    name: str
    synapt: str | None
    curves: dict[str, Curve]
    cycles: tuple[float, float] | None = (1.0, 2.0)
    reaches: tuple[Reach, ...] = field(default=())

    @property
    def periodic(self) -> bool:
        return self.cycles is not None


def both(dof: str, curve: Curve, alternate: bool = False) -> dict[str, Curve]:
    """The same curve on the left and right DOF; `alternate` shifts the right one by half a cycle."""
    right = curve
    if alternate and isinstance(curve, (Osc, Keys)):
        right = type(curve)(**{**curve.__dict__, "shift": curve.shift + 0.5})
    return {f"l_{dof}": curve, f"r_{dof}": right}


def hands(x: Curve, y: Curve, z: Curve, weight: Curve = 1.0, alternate: bool = False) -> tuple[Reach, Reach]:
    """Left-hand reach at (x, y, z) and the mirrored right-hand reach (optionally half a cycle later)."""
    left = Reach("l", x, y, z, weight)
    right = left.mirrored()
    if alternate:
        right = Reach(
            "r",
            *(type(c)(**{**c.__dict__, "shift": c.shift + 0.5}) if isinstance(c, (Osc, Keys)) else c
              for c in (right.x, right.y, right.z, right.weight)),
        )  # fmt: skip
    return left, right


_TABLE: tuple[Action, ...] = (
    Action("walking", "walking", {
        **both("hip_flex", Osc(5, 25), alternate=True), **both("knee", Osc(22, 22, shift=0.25), alternate=True),
        **both("sh_flex", Osc(0, 22, shift=0.5), alternate=True), **both("elbow", 20.0),
        "root_y": Osc(0.008, 0.008, 2), "root_z": Travel(0.45)}, cycles=(1.0, 1.6)),
    Action("running", "run", {
        **both("hip_flex", Osc(22, 42), alternate=True), **both("knee", Osc(60, 50, shift=0.25), alternate=True),
        **both("sh_flex", Osc(0, 40, shift=0.5), alternate=True), **both("elbow", 90.0),
        "spine_bend": 14.0, "root_y": Osc(0.035, 0.035, 2), "root_z": Travel(0.65)}, cycles=(1.2, 1.8)),
    Action("jogging", None, {
        **both("hip_flex", Osc(12, 18), alternate=True), **both("knee", Osc(45, 35, shift=0.25), alternate=True),
        **both("sh_flex", Osc(0, 20, shift=0.5), alternate=True), **both("elbow", 75.0),
        "spine_bend": 5.0, "root_y": Osc(0.015, 0.015, 2), "root_z": Travel(0.2)}, cycles=(1.6, 2.4)),
    Action("hopping", "hopping", {
        "r_hip_flex": 35.0, "r_knee": 85.0, "l_knee": Keys((25, 5, 5)), "l_hip_flex": Keys((15, 0, 0)),
        **both("sh_abd", Keys((25, 45, 35))), **both("elbow", 50.0), "root_y": Keys((0.0, 0.08, 0.03))},
        cycles=(2.0, 3.0)),
    Action("jumping_in_place", "jumping", {
        **both("hip_flex", Keys((40, 0, 0, 40))), **both("knee", Keys((60, 5, 10, 60))),
        "spine_bend": Keys((25, 0, 0, 25)), **both("sh_flex", Keys((-35, 150, 80, -35))),
        "root_y": Keys((0.0, 0.0, 0.16, 0.0), shift=-0.1)}, cycles=(1.2, 2.0)),
    Action("jumping_jack", "jumping jack", {
        **both("sh_abd", Keys((10, 170))), **both("elbow", 10.0), **both("hip_abd", Keys((2, 20))),
        "root_y": Osc(0.025, 0.025, 2, shift=-0.25)}, cycles=(1.0, 2.0)),
    Action("squatting", "squatting", {
        **both("hip_flex", Keys((5, 100))), **both("knee", Keys((5, 120))), "spine_bend": Keys((0, 25)),
        **both("sh_flex", Keys((5, 85))), **both("elbow", 8.0)}, cycles=(1.0, 1.8)),
    Action("forward_lunge", "forward lunging", {
        "l_hip_flex": Keys((0, 80)), "l_knee": Keys((0, 90)), "r_hip_flex": Keys((0, -25)), "r_knee": Keys((0, 90)),
        "root_z": Keys((0.0, 0.15)), **both("sh_abd", Keys((8, 25)))}, cycles=(0.8, 1.5)),
    Action("sitting_down", "sitting", {
        **both("hip_flex", Ramp(((0.2, 0), (0.8, 90)))), **both("knee", Ramp(((0.2, 0), (0.8, 95)))),
        "spine_bend": Ramp(((0.2, 0), (0.5, 30), (0.85, 5))), **both("sh_flex", Ramp(((0.2, 0), (0.5, 45), (0.85, 15)))),
        **both("elbow", Ramp(((0.2, 10), (0.85, 70))))}, cycles=None),
    Action("standing_up", None, {
        **both("hip_flex", Ramp(((0.2, 90), (0.8, 0)))), **both("knee", Ramp(((0.2, 95), (0.8, 0)))),
        "spine_bend": Ramp(((0.15, 5), (0.5, 30), (0.8, 0))), **both("sh_flex", Ramp(((0.15, 15), (0.5, 45), (0.8, 0)))),
        **both("elbow", Ramp(((0.2, 70), (0.8, 10))))}, cycles=None),
    Action("falling_down", "falling down", {
        "body_pitch": Ramp(((0.15, 0), (0.45, 25), (0.75, 88))), **both("knee", Ramp(((0.15, 0), (0.45, 60), (0.75, 15)))),
        **both("hip_flex", Ramp(((0.15, 0), (0.45, 40), (0.75, 5)))), **both("sh_flex", Ramp(((0.15, 0), (0.45, 100), (0.75, 160)))),
        "root_z": Ramp(((0.2, 0.0), (0.75, 0.3)))}, cycles=None),
    Action("bowing", "taking a bow", {
        "spine_bend": Keys((0, 75, 75)), "head_nod": Keys((0, 25, 25)), **both("sh_flex", Keys((0, 15, 15)))},
        cycles=(0.8, 1.3)),
    Action("waving_one_hand", "waving a hand", {"head_turn": 10.0}, cycles=(2.0, 3.5), reaches=(
        Reach("r", Osc(-0.26, 0.09), 0.98, 0.06),)),
    Action("waving_two_hands", None, {}, cycles=(2.0, 3.5), reaches=(
        Reach("l", Osc(0.28, 0.1), 1.08, 0.04), Reach("r", Osc(-0.28, 0.1), 1.08, 0.04))),
    Action("clapping", "clapping", {}, cycles=(2.5, 4.0), reaches=hands(Keys((0.03, 0.17)), 0.7, 0.28)),
    Action("punching", "punching", {"spine_twist": Osc(0, 15, shift=0.25)}, cycles=(1.5, 2.5),
           reaches=hands(0.06, 0.78, Keys((0.48, 0.12)), alternate=True)),
    Action("kicking", "kicking", {
        "r_hip_flex": Keys((0, 55, 90, 10)), "r_knee": Keys((5, 95, 5, 5)), **both("sh_abd", 35.0),
        "spine_bend": Keys((0, -5, -15, 0))}, cycles=(1.0, 1.8)),
    Action("arm_circling", "arm circling", {**both("sh_flex", Spin(0, 360)), **both("sh_abd", 15.0),
                                            **both("elbow", 5.0)}, cycles=(1.5, 2.5)),
    Action("high_knees", "high knees running", {
        **both("hip_flex", Keys((5, 100)), alternate=True), **both("knee", Keys((5, 105)), alternate=True),
        **both("sh_flex", Osc(10, 35, shift=0.25), alternate=True), **both("elbow", 80.0),
        "root_y": Osc(0.015, 0.015, 2)}, cycles=(1.5, 2.5)),
    Action("side_stepping", None, {  # step-touch: feet placed by IK, the body sways over the stepping foot
        **both("sh_abd", Keys((10, 45, 10, 45))), "root_x": Osc(0.0, 0.05, shift=0.0),
        **both("knee", Keys((5, 15, 5, 15)))}, cycles=(1.0, 1.5), reaches=(
        Reach("l_foot", Keys((0.055, 0.17, 0.17, 0.055)), Keys((0.046, 0.08, 0.046, 0.046)), 0.0),
        Reach("r_foot", Keys((-0.055, -0.055, -0.055, -0.17, -0.17, -0.055)),
              Keys((0.046, 0.046, 0.046, 0.08, 0.046, 0.046)), 0.0))),
    Action("rope_skipping", "rope skipping", {
        "root_y": Keys((0.0, 0.05)), **both("knee", Keys((18, 5))), **both("hip_flex", Keys((10, 2))),
        **both("sh_abd", Osc(28, 8)), **both("sh_flex", Osc(20, 18, shift=0.25)), **both("elbow", 75.0)},
        cycles=(2.5, 3.5)),
    Action("throwing", "throwing", {
        "spine_twist": Keys((-30, 25, 30)), "l_sh_flex": Keys((70, 20, 0)), "l_hip_flex": Keys((10, 30, 20))},
        cycles=(0.8, 1.3), reaches=(Reach("r", Keys((-0.2, -0.1, 0.05)), Keys((0.98, 0.9, 0.5)), Keys((-0.22, 0.45, 0.3))),)),
    Action("picking_up", "picking", {
        "spine_bend": Ramp(((0.1, 0), (0.45, 70), (0.6, 70), (0.95, 0))),
        **both("knee", Ramp(((0.1, 0), (0.45, 50), (0.6, 50), (0.95, 0)))),
        **both("hip_flex", Ramp(((0.1, 0), (0.45, 35), (0.6, 35), (0.95, 0))))}, cycles=None,
        reaches=(Reach("r", -0.08, 0.03, 0.32, Ramp(((0.15, 0), (0.45, 1), (0.6, 1), (0.9, 0)))),)),
    Action("shrugging", "shrugging", {**both("shrug", Keys((0.0, 0.05))), **both("elbow", 25.0),
                                      "head_nod": Keys((0, -8))}, cycles=(2.0, 3.0)),
    Action("shaking_head", "shaking head", {"head_turn": Osc(0, 50), "head_tilt": Osc(0, 6)}, cycles=(2.5, 4.0)),
    Action("overhead_stretching", "overhead stretching", {
        **both("sh_flex", Keys((0, 178))), **both("elbow", Keys((10, 0))), "spine_bend": Keys((0, -12)),
        "head_nod": Keys((0, -15))}, cycles=(0.8, 1.5)),
    Action("toe_touching", "standing toe touches", {"spine_bend": Keys((0, 100)), "spine_twist": Keys((0, 25)),
                                                    "head_nod": Keys((0, 20))}, cycles=(0.8, 1.4),
           reaches=(Reach("l", 0.0, 0.0, 0.02, Keys((0.0, 1.0)), relative_to="r_toe"),)),
    Action("torso_twisting", "standing rotation", {
        "spine_twist": Osc(0, 55), **both("sh_abd", 80.0), **both("sh_flex", 20.0), **both("elbow", 90.0),
        "head_turn": Osc(0, 20)}, cycles=(1.0, 2.0)),
    Action("pushing", "push", {"spine_bend": Keys((5, 18)), "l_hip_flex": Keys((0, 20)), "r_hip_flex": Keys((0, -10))},
           cycles=(1.0, 2.0), reaches=hands(0.13, 0.78, Keys((0.15, 0.52)))),
    Action("knee_to_chest", "knee to chest", {
        "l_hip_flex": Keys((0, 120)), "l_knee": Keys((0, 130)), "spine_bend": Keys((0, 22))}, cycles=(0.8, 1.5),
        reaches=(Reach("l", 0.0, 0.0, 0.1, Keys((0.0, 1.0)), relative_to="l_knee"),
                 Reach("r", -0.03, 0.0, 0.1, Keys((0.0, 1.0)), relative_to="l_knee"))),
    Action("side_bending", None, {"spine_side": Osc(0, 38), "l_sh_abd": Osc(90, 70, shift=0.5),
                                  "r_sh_abd": Osc(90, 70)}, cycles=(0.8, 1.6)),
    Action("saluting", "saluting", {}, cycles=(0.8, 1.2),
           reaches=(Reach("r", -0.06, 0.93, 0.09, Keys((0.0, 1.0, 1.0))),)),
    Action("hands_up", "surrender", {}, cycles=(0.8, 1.2), reaches=hands(0.26, 1.02, 0.04, Keys((0.0, 1.0, 1.0)))),
    Action("front_raising", "front raising", {**both("sh_flex", Keys((0, 92))), **both("elbow", 4.0)},
           cycles=(1.0, 2.0)),
    Action("lateral_raising", "shoulder abduction", {**both("sh_abd", Keys((8, 92))), **both("elbow", 4.0)},
           cycles=(1.0, 2.0)),
)  # fmt: skip

# Table order matters: ``--classes N`` takes the first N. These lead because they are the most visually
# distinct at low resolution (the default 10-class set).
_LEADING = ("walking", "jumping_jack", "squatting", "waving_two_hands", "bowing", "arm_circling", "kicking",
            "falling_down", "punching", "side_bending")  # fmt: skip
ACTIONS: tuple[Action, ...] = tuple(sorted(_TABLE, key=lambda a: _LEADING.index(a.name) if a.name in _LEADING else
                                           len(_LEADING)))  # fmt: skip
ACTION_NAMES: tuple[str, ...] = tuple(a.name for a in ACTIONS)
ACTIONS_BY_NAME = {a.name: a for a in ACTIONS}
# Class name -> matching SynAPT class name (None where SynAPT has no equivalent).
SYNAPT_CLASS = {a.name: a.synapt for a in ACTIONS}


def resolve_classes(
    spec: int | str | list[str] | tuple[str, ...] | None, extra: tuple[str, ...] = ()
) -> tuple[str, ...]:
    """Class names from ``N`` (the first N), ``"all"``, or a list / comma-separated names, out of the table's
    actions followed by the `extra` names (a motion library's classes that are not table actions)."""
    known = ACTION_NAMES + tuple(n for n in dict.fromkeys(extra) if n not in ACTIONS_BY_NAME)
    if spec is None or spec == "all":
        return known
    if isinstance(spec, int) or (isinstance(spec, str) and spec.strip().isdigit()):
        n = int(spec)
        if not 1 <= n <= len(known):
            raise SynaptError(f"classes: need 1..{len(known)} classes, got {n}")
        return known[:n]
    names = [s.strip() for s in spec.split(",")] if isinstance(spec, str) else [str(s).strip() for s in spec]
    names = [n for n in names if n]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SynaptError(
            f"classes: unknown action(s) {', '.join(map(repr, unknown))}; known: {', '.join(known)}"
        )
    if not names:
        raise SynaptError("classes: no class names given")
    if len(set(names)) != len(names):
        raise SynaptError("classes: duplicate class names")
    return tuple(names)


def pose_sequence(action: Action, body: BodyShape, variation: Variation, num_frames: int) -> np.ndarray:
    """World joint positions ``(T, J, 3)`` of `body` performing `action` with `variation`."""
    tracks = dof_tracks(action.curves, action.periodic, variation, num_frames)
    joints = forward_kinematics(tracks, body)
    lift = tracks["root_y"] * body.height
    joints = ground(joints, joint_radii(body.radii()), lift)
    if action.reaches:
        reaches = tuple(r.mirrored() for r in action.reaches) if variation.mirrored else action.reaches
        phase, progress = clip_timeline(action.periodic, variation, num_frames)
        # Reach targets are measured from the ground: express them after grounding.
        joints = apply_reaches(joints, reaches, tracks, body, phase, progress, variation.cycles)
    return joints


__all__ = [
    "ACTIONS",
    "ACTION_NAMES",
    "SYNAPT_CLASS",
    "Action",
    "mirror_name",
    "pose_sequence",
    "resolve_classes",
]
