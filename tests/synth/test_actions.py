from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from synapt_hf.errors import SynaptError
from synapt_hf.synth.actions import (
    ACTION_NAMES,
    ACTIONS,
    SYNAPT_CLASS,
    Action,
    pose_sequence,
    resolve_classes,
)
from synapt_hf.synth.body import JOINT_INDEX, JOINTS, PARTS, BodyShape
from synapt_hf.synth.motion import DOFS, Keys, Reach, Variation, joint_radii

from .conftest import SHARED_DATA

DOCS = Path(__file__).resolve().parents[2] / "docs" / "synth.md"
# The table as it stood with 35 actions: `--classes N` (N <= 35) and existing datasets depend on this order.
FIRST_35 = (
    "walking", "jumping_jack", "squatting", "waving_two_hands", "bowing", "arm_circling", "kicking",
    "falling_down", "punching", "side_bending", "running", "jogging", "hopping", "jumping_in_place",
    "forward_lunge", "sitting_down", "standing_up", "waving_one_hand", "clapping", "high_knees", "side_stepping",
    "rope_skipping", "throwing", "picking_up", "shrugging", "shaking_head", "overhead_stretching",
    "toe_touching", "torso_twisting", "pushing", "knee_to_chest", "saluting", "hands_up", "front_raising",
    "lateral_raising",
)  # fmt: skip
# Segments whose length FK and IK must keep (a stretched or shrunk limb means a broken pose).
BONES = (("shoulder", "elbow"), ("elbow", "wrist"), ("wrist", "hand"), ("hip", "knee"), ("knee", "ankle"))


def test_table_has_at_least_60_distinct_actions_with_known_dofs():
    assert len(ACTIONS) >= 60
    assert len(set(ACTION_NAMES)) == len(ACTION_NAMES)
    for action in ACTIONS:
        unknown = set(action.curves) - set(DOFS)
        assert not unknown, f"{action.name}: unknown DOFs {unknown}"
        for reach in action.reaches:
            assert reach.limb in ("l", "r", "l_foot", "r_foot")
            assert reach.relative_to is None or reach.relative_to in JOINT_INDEX


def test_skeleton_has_the_required_joints_and_volumetric_parts():
    required = {"pelvis", "spine", "chest", "neck", "head", "l_shoulder", "r_shoulder", "l_elbow", "r_elbow",
                "l_wrist", "r_wrist", "l_hip", "r_hip", "l_knee", "r_knee", "l_ankle", "r_ankle"}  # fmt: skip
    assert required <= set(JOINTS) and len(JOINTS) >= 15
    assert len(PARTS) >= 15 and all(p[3] > 0 for p in PARTS)


def test_synapt_mapping_names_real_synapt_classes():
    labels_file = SHARED_DATA / "splits" / "synapt" / "syn_labels.txt"
    if not labels_file.is_file():
        pytest.skip("SynAPT split files not available")
    synapt = {line.strip() for line in labels_file.read_text().splitlines() if line.strip()}
    mapped = {name: target for name, target in SYNAPT_CLASS.items() if target}
    assert len(mapped) >= 45
    missing = {name: target for name, target in mapped.items() if target not in synapt}
    assert not missing


def test_resolve_classes_specs_and_errors():
    assert resolve_classes(3) == ACTION_NAMES[:3]
    assert resolve_classes("all") == ACTION_NAMES
    assert resolve_classes("clapping, walking") == ("clapping", "walking")
    with pytest.raises(SynaptError, match="unknown action"):
        resolve_classes("walking,moonwalk")
    with pytest.raises(SynaptError, match=r"1\.\."):
        resolve_classes(0)
    with pytest.raises(SynaptError, match="duplicate"):
        resolve_classes("walking,walking")


def test_poses_are_grounded_and_mirroring_swaps_sides():
    body = BodyShape()
    rng = np.random.default_rng(0)
    variation = Variation.sample(rng, (2.0, 2.0), joint_noise_deg=0.0)
    action = next(a for a in ACTIONS if a.name == "waving_one_hand")
    plain = pose_sequence(action, body, Variation(**{**variation.__dict__, "mirrored": False}), 8)
    mirrored = pose_sequence(action, body, Variation(**{**variation.__dict__, "mirrored": True}), 8)
    # The right hand waves above the head; mirrored, the left one does (x flips sign, y is the same).
    r_hand, l_hand = JOINT_INDEX["r_hand"], JOINT_INDEX["l_hand"]
    assert plain[:, r_hand, 1].min() > plain[:, JOINT_INDEX["head"], 1].min() - 0.1
    np.testing.assert_allclose(mirrored[:, l_hand, 1], plain[:, r_hand, 1], atol=1e-6)
    np.testing.assert_allclose(mirrored[:, l_hand, 0], -plain[:, r_hand, 0], atol=1e-6)
    feet = [JOINT_INDEX[n] for n in ("l_ankle", "r_ankle", "l_toe", "r_toe")]
    assert plain[:, feet, 1].min() == pytest.approx(0.022 * body.height, abs=0.02)


def test_a_new_action_is_one_declarative_entry():
    nod = Action("nodding", None, {"head_nod": Keys((0.0, 30.0))}, cycles=(1.0, 2.0),
                 reaches=(Reach("l", 0.1, 0.6, 0.2, Keys((0.0, 1.0))),))  # fmt: skip
    variation = Variation.sample(np.random.default_rng(1), nod.cycles)
    joints = pose_sequence(nod, BodyShape.sample(np.random.default_rng(2)), variation, 10)
    assert joints.shape == (10, len(JOINTS), 3) and np.isfinite(joints).all()
    assert np.ptp(joints[:, JOINT_INDEX["face"], 1]) > 0.01


def test_foot_ik_places_the_feet_on_their_targets():
    body = BodyShape()
    action = next(a for a in ACTIONS if a.name == "side_stepping")
    variation = Variation.sample(np.random.default_rng(3), action.cycles, joint_noise_deg=0.0)
    variation = Variation(**{**variation.__dict__, "mirrored": False, "amplitude": 1.0})
    joints = pose_sequence(action, body, variation, 24)
    ankles = joints[:, [JOINT_INDEX["l_ankle"], JOINT_INDEX["r_ankle"]]]
    spread = (ankles[:, 0, 0] - ankles[:, 1, 0]) / body.height
    assert spread.max() > 0.25 and spread.min() < 0.15  # feet step apart and back together
    assert ankles[..., 1].max() / body.height < 0.1  # and stay close to the floor


def test_new_actions_are_appended_after_the_first_35():
    assert ACTION_NAMES[:35] == FIRST_35
    assert resolve_classes(35) == FIRST_35 and resolve_classes("all") == ACTION_NAMES


def test_docs_list_every_action_in_table_order_with_its_synapt_class():
    rows = re.findall(r"^\| (\d+) \| `([a-z_]+)` \| ([^|]+) \|", DOCS.read_text(), flags=re.MULTILINE)
    listed = [(int(i), name, synapt.strip()) for i, name, synapt in rows]
    expected = [(i, a.name, a.synapt or "-") for i, a in enumerate(ACTIONS)]
    assert listed == expected


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_every_action_gives_finite_grounded_poses_with_intact_limbs(action):
    rng = np.random.default_rng(11)
    for mirrored in (False, True):
        body = BodyShape.sample(rng)
        variation = Variation(**{**Variation.sample(rng, action.cycles).__dict__, "mirrored": mirrored})
        joints = pose_sequence(action, body, variation, 16)
        assert joints.shape == (16, len(JOINTS), 3) and np.isfinite(joints).all()
        # Nothing sinks into the floor, and the body touches it in some frame (jumps land).
        lowest = (joints[..., 1] - joint_radii(body.radii())).min(axis=1) / body.height
        assert lowest.min() > -0.03 and np.abs(lowest).min() < 0.01
        for side in ("l", "r"):
            for a, b in BONES:
                length = np.linalg.norm(
                    joints[:, JOINT_INDEX[f"{side}_{b}"]] - joints[:, JOINT_INDEX[f"{side}_{a}"]], axis=-1
                )
                np.testing.assert_allclose(length, length[0], rtol=1e-6, err_msg=f"{side}_{a}-{b}")
        # The body stays in a plausible box around its start (travelling actions move <= ~1 height).
        spread = np.ptp(joints[..., [0, 2]].reshape(-1, 2), axis=0) / body.height
        assert (spread < 2.0).all()
        head_height = joints[:, JOINT_INDEX["head"], 1] / body.height
        assert head_height.max() < 1.1
