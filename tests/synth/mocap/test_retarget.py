"""Retargeting onto the generator's body: bone lengths, grounding, facing, mirroring, resampling, mapping."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from synapt_hf.errors import SynaptError
from synapt_hf.synth.body import JOINT_INDEX, BodyShape
from synapt_hf.synth.mocap.asf_amc import read_amc, read_asf
from synapt_hf.synth.mocap.bvh import read_bvh
from synapt_hf.synth.mocap.retarget import (
    PARENT,
    RIGID,
    facing_yaw,
    motion_pose,
    resample,
    rest_offsets,
    retarget,
    transform,
)
from synapt_hf.synth.mocap.skeletons import map_names, normalise, resolve_mapping
from synapt_hf.synth.mocap.take import Take

MOCAP = Path("/work/shared/data/mocap")


def check_body(joints: np.ndarray, body: BodyShape) -> None:
    """Every bone has the body's own length (rigid offsets included) and the lowest point is on the floor."""
    offsets = rest_offsets(body)
    for joint, parent in PARENT.items():
        length = np.linalg.norm(joints[:, JOINT_INDEX[joint]] - joints[:, JOINT_INDEX[parent]], axis=-1)
        np.testing.assert_allclose(length, np.linalg.norm(offsets[joint]), rtol=1e-6, err_msg=joint)
    feet = joints[:, [JOINT_INDEX[j] for j in ("l_ankle", "r_ankle", "l_toe", "r_toe")], 1]
    assert feet.min() > 0.0
    assert feet.min() < 0.1 * body.height


def test_cmu_bvh_walk_keeps_body_lengths_and_walks_forward(tmp_path: Path, texts) -> None:
    path = tmp_path / "02_01.bvh"
    path.write_text(texts.bvh(num_frames=240))
    body = BodyShape(height=1.6, leg_scale=1.1, arm_scale=0.9)
    motion = retarget(read_bvh(path))
    assert abs(np.degrees(facing_yaw(motion))) < 1.0  # the fixture faces +z
    joints = motion_pose(motion, body)
    check_body(joints, body)
    pelvis = joints[:, JOINT_INDEX["pelvis"]]
    # 1.2 m/s of a 93 cm-high root, scaled to this body's legs: forward along +z, not sideways.
    travel = pelvis[-1] - pelvis[0]
    assert travel[2] > 1.0 and abs(travel[0]) < 0.05
    head = joints[:, JOINT_INDEX["head"], 1]
    assert 0.8 * body.height < head.mean() < 1.1 * body.height  # leg_scale 1.1 lengthens the legs
    left = joints[:, JOINT_INDEX["l_shoulder"], 0] - joints[:, JOINT_INDEX["r_shoulder"], 0]
    assert (left > 0).all()  # x points to the body's left


def test_mirror_and_heading(tmp_path: Path, texts) -> None:
    path = tmp_path / "02_01.bvh"
    path.write_text(texts.bvh(num_frames=120))
    motion = retarget(read_bvh(path))
    body = BodyShape()
    turned = motion_pose(transform(motion, np.deg2rad(90.0)), body)
    travel = turned[-1, JOINT_INDEX["pelvis"]] - turned[0, JOINT_INDEX["pelvis"]]
    assert travel[0] > 0.5 and abs(travel[2]) < 0.05  # +z turned by 90 deg about y goes to +x
    plain, mirrored = motion_pose(motion, body), motion_pose(transform(motion, mirrored=True), body)
    check_body(mirrored, body)
    flip = np.array([-1.0, 1.0, 1.0])
    for joint in ("l_knee", "l_wrist", "l_toe"):
        other = "r" + joint[1:]
        np.testing.assert_allclose(
            mirrored[:, JOINT_INDEX[other]], plain[:, JOINT_INDEX[joint]] * flip, atol=1e-9
        )


def test_resample_to_clip_rate(tmp_path: Path, texts) -> None:
    path = tmp_path / "02_01.bvh"
    path.write_text(texts.bvh(num_frames=121))
    motion = retarget(read_bvh(path))
    slow = resample(motion, np.arange(13) / 12.0)
    assert slow.num_frames == 13 and slow.fps == pytest.approx(12.0)
    np.testing.assert_allclose(np.linalg.norm(slow.directions, axis=-1), 1.0)
    np.testing.assert_allclose(slow.root[6], motion.root[60], atol=1e-5)  # 0.5 s is frame 60 at 120 fps
    frames = slow.frames
    np.testing.assert_allclose(frames.transpose(0, 1, 3, 2) @ frames, np.broadcast_to(np.eye(3), frames.shape),
                               atol=1e-9)  # fmt: skip


def test_asf_squat_is_turned_to_face_forward_and_squats(tmp_path: Path, texts) -> None:
    (tmp_path / "s.asf").write_text(texts.asf)
    (tmp_path / "stand.amc").write_text(texts.amc(num_frames=10))
    (tmp_path / "squat.amc").write_text(texts.amc(num_frames=10, knee=45.0))
    skeleton = read_asf(tmp_path / "s.asf")
    stand = retarget(read_amc(tmp_path / "stand.amc", skeleton))
    assert abs(abs(np.degrees(facing_yaw(stand))) - 180.0) < 1.0  # the fixture faces -z
    body = BodyShape()
    upright = motion_pose(transform(stand, -facing_yaw(stand)), body)
    check_body(upright, body)
    assert upright[0, JOINT_INDEX["face"], 2] > upright[0, JOINT_INDEX["head"], 2]  # the face is in front
    squat = motion_pose(retarget(read_amc(tmp_path / "squat.amc", skeleton)), body)
    check_body(squat, body)
    assert squat[0, JOINT_INDEX["head"], 1] < upright[0, JOINT_INDEX["head"], 1] - 0.05


def test_name_matching_and_unmapped_joints() -> None:
    assert normalise("mixamorig:Left_Up-Leg") == "leftupleg"
    mixamo = ("Hips", "Spine", "Spine1", "Spine2", "Neck", "Head", "LeftShoulder", "LeftArm", "LeftForeArm",
              "LeftHand", "RightShoulder", "RightArm", "RightForeArm", "RightHand", "LeftUpLeg", "LeftLeg",
              "LeftFoot", "LeftToeBase", "RightUpLeg", "RightLeg", "RightFoot", "RightToeBase")  # fmt: skip
    take = Take("mixamo.bvh", "bvh", 30.0, tuple(f"mixamorig:{n}" for n in mixamo), np.zeros((1, 22, 3)))
    skeleton, mapping = resolve_mapping(take)
    assert skeleton == "generic"
    assert mapping["l_shoulder"] == "mixamorig:LeftArm" and mapping["chest"] == "mixamorig:Spine2"
    assert mapping["r_hip"] == "mixamorig:RightUpLeg" and mapping["r_toe"] == "mixamorig:RightToeBase"
    assert map_names(("hip", "lShldr"), "cmu") == {"pelvis": "hip", "l_shoulder": "lShldr"}
    broken = Take("arms.bvh", "bvh", 30.0, mixamo[:6], np.zeros((1, 6, 3)))
    with pytest.raises(SynaptError, match=r"arms.bvh: .*required joint\(s\) l_shoulder, l_elbow"):
        resolve_mapping(broken)
    assert set(RIGID) < set(PARENT)


needs_data = pytest.mark.skipif(not MOCAP.exists(), reason="shared motion capture not present")


@needs_data
@pytest.mark.parametrize("trial", ["02_01", "09_01", "16_01"])
def test_real_cmu_trials(trial: str) -> None:
    motion = retarget(read_bvh(MOCAP / "cmu" / f"{trial}.bvh.gz"))
    body = BodyShape(height=1.8, leg_scale=0.95)
    joints = motion_pose(transform(motion, -facing_yaw(motion)), body)
    check_body(joints, body)
    head = joints[:, JOINT_INDEX["head"], 1]
    assert 0.75 * body.height < np.median(head) < body.height
    if trial in ("02_01", "09_01"):  # walking and running travel forward
        travel = joints[-1, JOINT_INDEX["pelvis"]] - joints[0, JOINT_INDEX["pelvis"]]
        assert travel[2] > 1.0


@needs_data
@pytest.mark.parametrize("clip", ["HDM_bd_squat1Reps_001_120", "HDM_mm_kickLFront1Reps_019_120",
                                  "HDM_tr_hopBothLegs1hops_034_120"])  # fmt: skip
def test_real_hdm05_clips(clip: str) -> None:
    actor = clip.split("_")[1]
    take = read_amc(
        MOCAP / "hdm05" / "amc" / f"{clip}.amc.gz", read_asf(MOCAP / "hdm05" / f"HDM_{actor}.asf.gz")
    )
    motion = retarget(take)
    body = BodyShape()
    joints = motion_pose(motion, body)
    check_body(joints, body)
    head = joints[:, JOINT_INDEX["head"], 1]
    assert 0.75 * body.height < head.max() < 1.2 * body.height  # a hop lifts the head
    if "squat" in clip:
        assert head.min() < head.max() - 0.25
    if "hop" in clip:
        feet = joints[:, [JOINT_INDEX[j] for j in ("l_toe", "r_toe")], 1].min(1)
        assert feet.max() > 0.05  # both feet leave the floor
