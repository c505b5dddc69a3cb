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


def grip(x: Curve, y: Curve, z: Curve, weight: Curve = 1.0) -> tuple[Reach, Reach]:
    """Both hands at one point (x, y, z), as on a club, bat or tool handle (mirrors as a whole)."""
    return Reach("l", x, y, z, weight), Reach("r", x, y, z, weight)


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
    # ---- Appended after the first 35 (keep it so: `--classes N` takes the first N) ----
    # --- locomotion and stepping
    Action("marching_in_place", "marking time and knee lifting", {
        **both("hip_flex", Keys((0, 65)), alternate=True), **both("knee", Keys((0, 75)), alternate=True),
        **both("sh_flex", Osc(0, 35, shift=0.5), alternate=True), **both("elbow", 15.0)}, cycles=(1.5, 2.5)),
    Action("walking_backwards", None, {  # walking played backwards: every walking curve with time reversed
        **both("hip_flex", Osc(5, -22), alternate=True), **both("knee", Osc(22, -22, shift=-0.25), alternate=True),
        **both("sh_flex", Osc(0, -18, shift=-0.5), alternate=True), **both("elbow", 20.0), "spine_bend": 4.0,
        "root_y": Osc(0.008, 0.008, 2), "root_z": Travel(-0.38)}, cycles=(1.0, 1.6)),
    Action("limping", "limp", {  # the right leg stays stiff, the body tips onto the sound leg
        "l_hip_flex": Osc(8, 22), "l_knee": Osc(25, 25, shift=0.25), "r_hip_flex": Osc(5, 14, shift=0.5),
        "r_knee": 4.0, "spine_side": Osc(0, 9, shift=0.25), "head_tilt": Osc(0, 5, shift=0.75),
        **both("sh_flex", Osc(0, 12, shift=0.5), alternate=True), **both("elbow", 20.0),
        "root_z": Travel(0.3)}, cycles=(0.8, 1.3)),
    Action("crouching_walk", None, {
        **both("hip_flex", Osc(45, 20), alternate=True), **both("knee", Osc(70, 22, shift=0.25), alternate=True),
        "spine_bend": 30.0, "head_nod": -15.0, **both("sh_flex", Osc(25, 15, shift=0.5), alternate=True),
        **both("elbow", 60.0), "root_z": Travel(0.3)}, cycles=(1.2, 1.8)),
    Action("skipping", None, {  # step-hop: a hop on each foot while the other knee swings up
        **both("hip_flex", Keys((0, 10, 70, 20)), alternate=True), **both("knee", Keys((10, 20, 90, 30)), alternate=True),
        **both("sh_flex", Keys((60, 10, -20, 10)), alternate=True), **both("elbow", 60.0),
        "root_y": Keys((0.06, 0.0, 0.06, 0.0)), "root_z": Travel(0.5)}, cycles=(1.2, 2.0)),
    Action("lateral_hopping", "single leg lateral hopping", {  # on one leg, side to side
        "r_hip_flex": 30.0, "r_knee": 80.0, "l_knee": Keys((25, 5, 25, 5)), "l_hip_flex": Keys((15, 0, 15, 0)),
        "root_x": Keys((-0.07, 0.07)), "root_y": Keys((0.0, 0.06, 0.0, 0.06)), **both("sh_abd", 30.0),
        **both("elbow", 40.0)}, cycles=(1.5, 2.5)),
    Action("side_lunging", "left lunging", {  # feet placed by IK; the hips drop and shift over the lunging foot
        "root_x": Keys((0.0, 0.02, 0.22, 0.22, 0.14, 0.03)), "root_y": Keys((0.0, 0.0, -0.12, -0.12, -0.05, 0.0)),
        "spine_bend": Keys((0, 5, 25, 25, 5, 0)), **both("sh_flex", Keys((5, 40, 80, 80, 40, 5))),
        **both("elbow", Keys((12, 60, 90, 90, 60, 12)))}, cycles=(0.8, 1.3), reaches=(
        Reach("l_foot", Keys((0.07, 0.22, 0.2, 0.2, 0.28, 0.19)), Keys((0.046, 0.1, 0.046, 0.046, 0.046, 0.1)), 0.0),
        Reach("r_foot", Keys((-0.1, -0.12, -0.32, -0.32, -0.24, -0.13)), 0.046, 0.0))),
    Action("turning_around", None, {  # one-shot: steps round half a turn
        "yaw": Ramp(((0.15, 0), (0.85, 180))), **both("hip_flex", Osc(8, 16, 3), alternate=True),
        **both("knee", Osc(20, 20, 3, shift=0.25), alternate=True), **both("elbow", 20.0),
        "head_turn": Ramp(((0.1, 0), (0.3, 30), (0.8, 20), (0.95, 0)))}, cycles=None),
    # --- kicks and strikes
    Action("side_kicking", None, {
        "r_hip_abd": Keys((0, 35, 75, 20)), "r_hip_flex": Keys((0, 35, 10, 5)), "r_knee": Keys((5, 100, 10, 5)),
        "spine_side": Keys((0, -12, -35, -8)), **both("sh_flex", 45.0), **both("elbow", 110.0),
        "head_turn": -25.0}, cycles=(1.0, 1.6)),
    Action("back_kicking", None, {
        "body_pitch": Keys((0, 10, 30, 0)), "l_hip_flex": Keys((0, 15, 35, 0)), "l_knee": Keys((0, 10, 10, 0)),
        "r_hip_flex": Keys((0, 25, -45, 0)), "r_knee": Keys((5, 100, 15, 5)), **both("sh_flex", 50.0),
        **both("elbow", 110.0), "head_turn": Keys((0, -20, -40, 0)), "head_nod": Keys((0, -10, -30, 0))},
        cycles=(1.0, 1.6)),
    Action("uppercutting", None, {"spine_twist": Osc(0, 18, shift=0.25), **both("knee", Keys((25, 5, 25, 5))),
                                  **both("hip_flex", Keys((20, 5, 20, 5)))}, cycles=(1.5, 2.5),
           reaches=hands(0.06, Keys((0.66, 0.96)), Keys((0.14, 0.27)), alternate=True)),
    # --- exercises
    Action("elbow_to_knee_crunch", "standing opposite elbow to knee crunch", {
        "l_hip_flex": Keys((0, 90, 0, 0)), "l_knee": Keys((0, 90, 0, 0)), "r_hip_flex": Keys((0, 0, 0, 90)),
        "r_knee": Keys((0, 0, 0, 90)), "spine_twist": Keys((0, 35, 0, -35)), "spine_bend": Keys((0, 30, 0, 30))},
        cycles=(1.0, 1.6), reaches=(Reach("l", 0.09, 0.0, -0.05, relative_to="head"),
                                    Reach("r", -0.09, 0.0, -0.05, relative_to="head"))),
    Action("alternate_knee_lifting", "alternate knee lifting", {
        **both("hip_flex", Keys((0, 95, 0, 0)), alternate=True), **both("knee", Keys((0, 95, 0, 0)), alternate=True)},
        cycles=(1.0, 1.8), reaches=(Reach("l", 0.07, 0.03, -0.01, relative_to="l_hip"),
                                    Reach("r", -0.07, 0.03, -0.01, relative_to="r_hip"))),
    Action("knee_circling", "knee circling", {  # knees bent, hands on the knees, the knees trace a circle
        **both("hip_flex", Osc(40, 10)), **both("knee", Osc(60, 15)), "l_hip_abd": Osc(0, 12, shift=0.25),
        "r_hip_abd": Osc(0, -12, shift=0.25), "spine_bend": 40.0, "head_nod": -10.0}, cycles=(1.2, 2.2),
        reaches=(Reach("l", 0.0, 0.03, 0.03, relative_to="l_knee"), Reach("r", 0.0, 0.03, 0.03, relative_to="r_knee"))),
    Action("bent_over_twist", "bent over twist", {
        "body_pitch": 25.0, **both("hip_flex", 25.0), "spine_bend": 45.0, **both("sh_abd", 88.0), **both("elbow", 5.0),
        "spine_twist": Osc(0, 45), "head_turn": Osc(0, 20)}, cycles=(1.0, 2.0)),
    Action("elbow_circling", "elbow circling", {  # fingertips on the shoulders, the elbows circle
        **both("elbow", 155.0), **both("sh_flex", Osc(60, 45)), **both("sh_abd", Osc(50, 35, shift=0.25))},
        cycles=(1.5, 2.5)),
    Action("shoulder_pressing", "dumbbell one arm shoulder pressing", {"l_elbow": 20.0}, cycles=(1.5, 2.5),
           reaches=(Reach("r", Keys((-0.2, -0.13)), Keys((0.86, 1.16)), Keys((0.02, 0.03))),)),
    Action("chest_expanding", "pulling chest expanders", {  # straight arms sweep from forward to sideways
        **both("sh_abd", 90.0), **both("sh_flex", Keys((88, 0))), **both("elbow", 5.0)}, cycles=(1.0, 2.0)),
    Action("shoulder_stretching", "deltoid muscle stretching", {"head_turn": Keys((0, -20, -20, 0))},
           cycles=(0.7, 1.2), reaches=(
        Reach("r", 0.17, 0.8, 0.12, Keys((0.0, 1.0, 1.0, 0.0))),
        Reach("l", 0.0, -0.01, 0.05, Keys((0.0, 1.0, 1.0, 0.0)), relative_to="r_elbow"))),
    Action("neck_rolling", "doing neck roll exercise", {"head_nod": Osc(10, 28), "head_tilt": Osc(0, 28, shift=0.25)},
           cycles=(1.0, 2.0)),
    Action("swimming_freestyle", None, {  # standing crawl-stroke arms: alternate overhead circles
        "l_sh_flex": Spin(0, -360), "r_sh_flex": Spin(180, -360), **both("sh_abd", 12.0), **both("elbow", 15.0),
        "spine_bend": 25.0, "spine_twist": Osc(0, 15), "head_turn": Osc(0, 25, shift=0.25)}, cycles=(1.0, 2.0)),
    Action("swimming_breaststroke", None, {"spine_bend": Keys((15, 25, 20, 15)), "head_nod": Keys((-5, 10, 0, -5))},
           cycles=(1.2, 2.0), reaches=hands(Keys((0.03, 0.03, 0.3, 0.1)), Keys((0.75, 0.82, 0.82, 0.75)),
                                            Keys((0.15, 0.34, 0.12, 0.15)))),
    Action("hula_hooping", None, {  # hips circle, arms held up out of the hoop's way
        "root_x": Osc(0, 0.04), "root_z": Osc(0, 0.04, shift=0.25), "spine_side": Osc(0, 10),
        "spine_bend": Osc(0, 6, shift=0.25), **both("sh_abd", 95.0), **both("elbow", 90.0),
        **both("knee", 10.0)}, cycles=(2.5, 4.0)),
    # --- gestures
    Action("nodding", None, {"head_nod": Keys((0, 25)), **both("elbow", 20.0)}, cycles=(2.0, 3.5)),
    Action("looking_around", "looking around for something", {
        "head_turn": Keys((0, 55, 55, -55, -55, 0)), "spine_twist": Keys((0, 25, 25, -25, -25, 0)),
        "head_nod": Keys((0, 10, 10, 10, 10, 0))}, cycles=(0.7, 1.2)),
    Action("drinking", "drinking water", {"head_nod": Keys((0, 0, -20, 0))}, cycles=(0.7, 1.2),
           reaches=(Reach("r", -0.03, -0.09, 0.1, Keys((0.0, 1.0, 1.0, 0.0)), relative_to="face"),)),
    Action("phone_calling", "telephoning", {
        "head_tilt": Ramp(((0.1, 0), (0.35, -12), (1.0, -12))), "head_nod": Osc(3, 4, 3)}, cycles=None,
        reaches=(Reach("r", -0.085, -0.1, 0.0, Ramp(((0.1, 0), (0.35, 1), (1.0, 1))), relative_to="head"),)),
    Action("checking_watch", "check time", {"head_nod": Keys((0, 25, 25, 0))}, cycles=(0.7, 1.2),
           reaches=(Reach("l", 0.02, 0.78, 0.22, Keys((0.0, 1.0, 1.0, 0.0))),)),
    Action("pointing", "pointing with a finger", {
        "r_sh_flex": Keys((0, 85, 85, 0)), "r_sh_abd": Keys((8, 20, 20, 8)), "r_elbow": Keys((12, 0, 0, 12)),
        "head_turn": Keys((0, -15, -15, 0))}, cycles=(0.7, 1.2)),
    Action("crossing_arms", "cross hands in front", {}, cycles=(0.7, 1.2), reaches=(
        Reach("l", -0.1, 0.68, 0.15, Keys((0.0, 1.0, 1.0, 0.0))),
        Reach("r", 0.1, 0.71, 0.17, Keys((0.0, 1.0, 1.0, 0.0))))),
    Action("cheering", "cheering up", {
        **both("sh_abd", Keys((150, 125))), **both("sh_flex", 20.0), **both("elbow", Keys((10, 60))),
        **both("knee", Keys((5, 20))), "root_y": Keys((0.0, 0.02))}, cycles=(2.0, 3.0)),
    Action("taking_selfie", "taking a selfie", {"head_tilt": Keys((0, 10, 10, 0)), "head_nod": Keys((0, -10, -10, 0))},
           cycles=(0.7, 1.2), reaches=(Reach("r", -0.2, 1.04, 0.25, Keys((0.0, 1.0, 1.0, 0.0))),)),
    # --- sports and work
    Action("golf_swinging", "golf", {  # one-shot: address, backswing, through the ball, finish
        "spine_bend": Ramp(((0.1, 35), (0.7, 30), (0.95, 10))), **both("hip_flex", 15.0), **both("knee", 20.0),
        "spine_twist": Ramp(((0.1, 0), (0.45, -45), (0.65, 0), (0.9, 50))), "head_nod": 20.0}, cycles=None,
        reaches=grip(Ramp(((0.1, 0.0), (0.45, -0.25), (0.65, 0.0), (0.9, 0.25))),
                      Ramp(((0.1, 0.45), (0.45, 0.95), (0.65, 0.45), (0.9, 0.95))),
                      Ramp(((0.1, 0.2), (0.45, 0.05), (0.65, 0.2), (0.9, 0.0))))),
    Action("baseball_swinging", "swing baseball", {
        "spine_twist": Ramp(((0.2, -25), (0.6, 15), (0.85, 60))), "l_hip_flex": Ramp(((0.15, 0), (0.4, 25), (0.6, 10))),
        **both("knee", 15.0), "head_turn": Ramp(((0.2, 50), (0.6, 20), (0.85, 0)))}, cycles=None,
        reaches=grip(Ramp(((0.2, -0.15), (0.6, 0.0), (0.85, 0.22))), Ramp(((0.2, 0.95), (0.6, 0.75), (0.85, 0.95))),
                      Ramp(((0.2, -0.02), (0.6, 0.3), (0.85, -0.08))))),
    Action("bowling", None, {  # one-shot: the ball swings back, a lunge forward releases it low
        "r_sh_flex": Ramp(((0.1, 30), (0.4, -55), (0.7, 35), (0.9, 70))), "r_elbow": 5.0,
        "l_sh_abd": Ramp(((0.1, 10), (0.6, 60))), "l_hip_flex": Ramp(((0.2, 0), (0.7, 70))),
        "l_knee": Ramp(((0.2, 0), (0.7, 80))), "r_hip_flex": Ramp(((0.2, 0), (0.7, -20))),
        "r_knee": Ramp(((0.2, 0), (0.7, 60))), "spine_bend": Ramp(((0.2, 5), (0.7, 35))),
        "root_z": Ramp(((0.2, 0.0), (0.7, 0.15)))}, cycles=None),
    Action("shooting_basketball", None, {
        **both("knee", Keys((40, 10, 0, 20))), **both("hip_flex", Keys((30, 5, 0, 15))),
        "root_y": Keys((0.0, 0.03, 0.06, 0.0))}, cycles=(1.0, 1.5),
        reaches=hands(0.05, Keys((0.75, 0.97, 1.2, 0.8)), Keys((0.18, 0.1, 0.18, 0.18)))),
    Action("shoveling", None, {
        "spine_bend": Keys((50, 25, 15, 40)), **both("knee", Keys((30, 15, 10, 25))),
        **both("hip_flex", Keys((25, 10, 5, 20))), "spine_twist": Keys((0, 0, 35, 10))}, cycles=(0.8, 1.5),
        reaches=(Reach("r", Keys((0.0, 0.0, 0.25, 0.0)), Keys((0.3, 0.6, 0.75, 0.4)), Keys((0.35, 0.3, 0.15, 0.3))),
                 Reach("l", Keys((0.05, 0.05, 0.2, 0.05)), Keys((0.5, 0.75, 0.85, 0.6)), Keys((0.2, 0.15, 0.05, 0.15))))),
    Action("hammering", None, {"spine_bend": 20.0, "head_nod": 20.0}, cycles=(2.0, 3.5), reaches=(
        Reach("r", -0.1, Keys((1.0, 0.95, 0.62)), 0.28), Reach("l", 0.0, 0.6, 0.3))),
    Action("climbing_ladder", None, {  # in place: a hand reaches up while the opposite knee rises
        **both("hip_flex", Keys((0, 70)), alternate=True), **both("knee", Keys((0, 80)), alternate=True)},
        cycles=(1.2, 2.0), reaches=hands(0.1, Keys((1.15, 0.9)), 0.15, alternate=True)),
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
