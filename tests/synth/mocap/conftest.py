"""Tiny capture files written by the tests: a CMU-named BVH body and an Acclaim ASF + AMC body."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

# (name, parent, offset in cm) of a small CMU-like body; the root is ``hip``; End Sites are added to leaves.
CMU_JOINTS = (
    ("hip", None, (0, 0, 0)), ("abdomen", "hip", (0, 20, 0)), ("chest", "abdomen", (0, 12, 0)),
    ("neck", "chest", (0, 22, 0)), ("head", "neck", (0, 7, 0)),
    ("lShldr", "chest", (18, 17, 0)), ("lForeArm", "lShldr", (28, 0, 0)), ("lHand", "lForeArm", (25, 0, 0)),
    ("rShldr", "chest", (-18, 17, 0)), ("rForeArm", "rShldr", (-28, 0, 0)), ("rHand", "rForeArm", (-25, 0, 0)),
    ("lThigh", "hip", (9, -4, 0)), ("lShin", "lThigh", (0, -42, 0)), ("lFoot", "lShin", (0, -41, 0)),
    ("rThigh", "hip", (-9, -4, 0)), ("rShin", "rThigh", (0, -42, 0)), ("rFoot", "rShin", (0, -41, 0)),
)  # fmt: skip
END_SITES = {"head": (0, 10, 0), "lHand": (8, 0, 0), "rHand": (-8, 0, 0), "lFoot": (0, -6, 14),
             "rFoot": (0, -6, 14)}  # fmt: skip


def bvh_text(num_frames: int = 120, fps: float = 120.0, speed_cm_s: float = 120.0) -> str:
    """A CMU-named BVH: the root walks along +z at `speed_cm_s` and the thighs swing (ZXY channels)."""
    children: dict[str | None, list[str]] = {}
    for name, parent, _ in CMU_JOINTS:
        children.setdefault(parent, []).append(name)
    offsets = {name: offset for name, _, offset in CMU_JOINTS}
    lines: list[str] = ["HIERARCHY"]

    def emit(name: str, depth: int) -> None:
        pad = "  " * depth
        lines.append(f"{pad}{'ROOT' if depth == 0 else 'JOINT'} {name}")
        lines.append(f"{pad}{{")
        lines.append(f"{pad}  OFFSET {' '.join(map(str, offsets[name]))}")
        position = "Xposition Yposition Zposition " if depth == 0 else ""
        lines.append(f"{pad}  CHANNELS {6 if depth == 0 else 3} {position}Zrotation Xrotation Yrotation")
        for child in children.get(name, []):
            emit(child, depth + 1)
        if name in END_SITES:
            lines.extend([f"{pad}  End Site", f"{pad}  {{",
                          f"{pad}    OFFSET {' '.join(map(str, END_SITES[name]))}", f"{pad}  }}"])  # fmt: skip
        lines.append(f"{pad}}}")

    emit("hip", 0)
    lines += ["MOTION", f"Frames: {num_frames}", f"Frame Time: {1.0 / fps:.8f}"]
    order = [name for name, _, _ in _depth_first(children, "hip")]
    for k in range(num_frames):
        t = k / fps
        swing = 25 * np.sin(2 * np.pi * t)
        values = [0.0, 93.0, speed_cm_s * t]
        for name in order:
            x = {"lThigh": swing, "rThigh": -swing, "lShin": 10 + 10 * np.cos(2 * np.pi * t)}.get(name, 0.0)
            values += [0.0, x, 0.0]
        lines.append(" ".join(f"{v:.5f}" for v in values))
    return "\n".join(lines) + "\n"


def _depth_first(children: dict, name: str):
    yield name, None, None
    for child in children.get(name, []):
        yield from _depth_first(children, child)


ASF_TEXT = (
    """:version 1.10
:name tiny
:units
  mass 1.0
  length 1.0
  angle deg
:root
   order TX TY TZ RX RY RZ
   axis XYZ
   position 0 0 0
   orientation 0 0 0
:bonedata
"""
    + "".join(
        f"""  begin
     id {k + 1}
     name {name}
     direction {direction}
     length {length}
     axis 0 0 0 XYZ
{dof}  end
"""
        for k, (name, direction, length, dof) in enumerate(
            (
                ("lowerback", "0 1 0", 0.2, "    dof rx ry rz\n"),
                ("upperback", "0 1 0", 0.12, ""),
                ("thorax", "0 1 0", 0.12, ""),
                ("lowerneck", "0 1 0", 0.08, ""),
                ("upperneck", "0 1 0", 0.05, ""),
                ("head", "0 1 0", 0.15, ""),
                *((f"{s}clavicle", f"{x} 0.3 0", 0.17, "") for s, x in (("l", 1), ("r", -1))),
                *((f"{s}humerus", "0 -1 0", 0.28, "    dof rx ry rz\n") for s in "lr"),
                *((f"{s}radius", "0 -1 0", 0.25, "    dof rx\n") for s in "lr"),
                *((f"{s}hipjoint", f"{x} -0.4 0", 0.1, "") for s, x in (("l", 1), ("r", -1))),
                *((f"{s}femur", "0 -1 0", 0.42, "    dof rx ry rz\n") for s in "lr"),
                *((f"{s}tibia", "0 -1 0", 0.41, "    dof rx\n") for s in "lr"),
                *((f"{s}foot", "0 -0.3 1", 0.15, "") for s in "lr"),
            )
        )
    )
    + """:hierarchy
  begin
    root lhipjoint rhipjoint lowerback
    lowerback upperback
    upperback thorax
    thorax lowerneck lclavicle rclavicle
    lowerneck upperneck
    upperneck head
    lclavicle lhumerus
    lhumerus lradius
    rclavicle rhumerus
    rhumerus rradius
    lhipjoint lfemur
    lfemur ltibia
    ltibia lfoot
    rhipjoint rfemur
    rfemur rtibia
    rtibia rfoot
  end
"""
)


def amc_text(num_frames: int = 60, knee: float = 0.0) -> str:
    """An AMC for `ASF_TEXT`: the root faces -z (RY 180) and bends its knees by `knee` degrees."""
    lines = ["# tiny", ":FULLY-SPECIFIED", ":DEGREES"]
    for k in range(num_frames):
        lines += [str(k + 1), "root 0 0.95 0 0 180 0", "lowerback 0 0 0", "lhumerus 0 0 0", "rhumerus 0 0 0",
                  "lradius 0", "rradius 0", f"lfemur {-knee} 0 0", f"rfemur {-knee} 0 0", f"ltibia {2 * knee}",
                  f"rtibia {2 * knee}"]  # fmt: skip
    return "\n".join(lines) + "\n"


@pytest.fixture
def capture_dir(tmp_path: Path) -> Path:
    """A folder with a gzipped CMU-named BVH walk (02_01.bvh.gz) and a tiny ASF + two AMC squats."""
    folder = tmp_path / "capture"
    folder.mkdir()
    with gzip.open(folder / "02_01.bvh.gz", "wt") as handle:
        handle.write(bvh_text(num_frames=400))
    (folder / "HDM_xx.asf").write_text(ASF_TEXT)
    (folder / "HDM_xx_squat1Reps_001_120.amc").write_text(amc_text(num_frames=90, knee=40.0))
    (folder / "HDM_xx_squat1Reps_002_120.amc").write_text(amc_text(num_frames=90, knee=20.0))
    return folder


@pytest.fixture
def texts():
    """The text builders: ``texts.bvh(...)``, ``texts.asf``, ``texts.amc(...)``."""
    from types import SimpleNamespace

    return SimpleNamespace(bvh=bvh_text, asf=ASF_TEXT, amc=amc_text)
