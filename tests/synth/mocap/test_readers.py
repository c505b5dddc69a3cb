"""BVH and ASF/AMC readers: forward kinematics of tiny files written here, and errors naming file and line."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from synapt_hf.errors import SynaptError
from synapt_hf.synth.mocap.asf_amc import parse_asf, read_amc, read_asf
from synapt_hf.synth.mocap.bvh import read_bvh

TWO_JOINTS = """HIERARCHY
ROOT a
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Yrotation Xrotation Zrotation
  JOINT b
  {
    OFFSET 0 10 0
    CHANNELS 3 Xrotation Zrotation Yrotation
    End Site
    {
      OFFSET 0 5 0
    }
  }
}
MOTION
Frames: 2
Frame Time: 0.5
1 2 3 0 0 0 0 0 0
0 0 0 90 0 0 0 0 90
"""


def test_bvh_forward_kinematics_follows_channels(tmp_path: Path) -> None:
    path = tmp_path / "two.bvh"
    path.write_text(TWO_JOINTS)
    take = read_bvh(path)
    assert take.names == ("a", "b", "b_end") and take.fps == 2.0
    np.testing.assert_allclose(take.positions[0], [[1, 2, 3], [1, 12, 3], [1, 17, 3]], atol=1e-9)
    # frame 1: yaws (root and b) do not move a vertical chain.
    np.testing.assert_allclose(take.positions[1, 2], [0, 15, 0], atol=1e-9)
    np.testing.assert_allclose(take.positions[1, 1], [0, 10, 0], atol=1e-9)
    # b's Z rotation (its second channel) by 90 deg tips its end site towards -x.
    text = TWO_JOINTS.replace("0 0 0 90 0 0 0 0 90", "0 0 0 0 0 0 0 90 0")
    path.write_text(text)
    np.testing.assert_allclose(read_bvh(path).positions[1, 2], [-5, 10, 0], atol=1e-9)


def test_bvh_gz_and_cmu_body(tmp_path: Path, texts) -> None:
    path = tmp_path / "walk.bvh.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(texts.bvh(num_frames=30))
    take = read_bvh(path)
    assert take.positions.shape == (30, 22, 3)
    assert take.joint("lFoot_end")[0, 1] < take.joint("lFoot")[0, 1] < take.joint("hip")[0, 1]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("1 2 3 0 0 0 0 0 0", "1 2 3 0 0 0 0 0", "line 19: frame 0 has 8 values"),
        ("0 0 0 90 0 0 0 0 90", "0 0 0 90 x 0 0 0 90", "line 20: frame 1 holds a non-number"),
        ("Xrotation Zrotation", "Xrotation Wrotation", "unknown channel 'Wrotation'"),
        ("Frames: 2", "Frames: 3", "Frames says 3"),
        ("MOTION", "MOTIONS", "no MOTION line"),
        ("Frames: 2", "Frame: 2", "lacks 'Frames:'"),
        ("OFFSET 0 10 0", "OFFSET 0 ten 0", "line 8: expected a number"),
    ],
)
def test_bad_bvh_names_file_and_reason(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = tmp_path / "bad.bvh"
    path.write_text(TWO_JOINTS.replace(old, new, 1))
    with pytest.raises(SynaptError, match=r"bad\.bvh") as info:
        read_bvh(path)
    assert message in str(info.value)


def test_asf_amc_bone_tips(tmp_path: Path, texts) -> None:
    (tmp_path / "s.asf.gz").write_bytes(gzip.compress(texts.asf.encode()))
    (tmp_path / "m.amc").write_text(texts.amc(num_frames=3))
    take = read_amc(tmp_path / "m.amc", read_asf(tmp_path / "s.asf.gz"))
    assert take.kind == "asf" and take.fps == 120.0 and take.num_frames == 3
    # root turned 180 deg about y: a bone pointing +x in the rest pose points -x.
    hip = take.joint("lhipjoint")[0] - take.joint("root")[0]
    assert hip[0] < 0 and hip[1] < 0
    knee = take.joint("lfemur")[0] - take.joint("lhipjoint")[0]
    np.testing.assert_allclose(knee, [0, -0.42, 0], atol=1e-9)
    bent = read_amc(tmp_path / "m.amc", read_asf(tmp_path / "s.asf.gz"))
    assert np.isfinite(bent.positions).all()


def test_bad_asf_amc(tmp_path: Path, texts) -> None:
    with pytest.raises(SynaptError, match=r"x.asf: line \d+: :hierarchy names unknown bone 'nothing'"):
        parse_asf(texts.asf.replace("upperneck head\n", "upperneck head nothing\n"), "x.asf")
    skeleton = parse_asf(texts.asf, "x.asf")
    (tmp_path / "m.amc").write_text(texts.amc(num_frames=2).replace("ltibia 0.0", "ltibia 0 0", 1))
    with pytest.raises(SynaptError, match=r"m.amc: line 13: bone 'ltibia' has 2 values, expected 1"):
        read_amc(tmp_path / "m.amc", skeleton)
    (tmp_path / "m.amc").write_text(texts.amc(num_frames=2).replace("lradius", "lulna", 1))
    with pytest.raises(SynaptError, match="bone 'lulna' is not in the skeleton"):
        read_amc(tmp_path / "m.amc", skeleton)
