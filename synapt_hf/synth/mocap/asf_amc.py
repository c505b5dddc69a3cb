"""Acclaim ASF (skeleton) + AMC (motion) reader, ``.gz`` accepted, with forward kinematics to bone tips.

Contract (the Acclaim convention): a bone's world rotation is ``parent @ C @ M @ C^-1`` where ``C`` is its
``axis`` rotation and ``M = Rz @ Ry @ Rx`` of its AMC degrees of freedom; its tip is the parent's tip plus
``length * rotation @ direction``. The root's position is ``TX TY TZ`` and its rotation composes its RX RY RZ
in the same way. Angles follow ``:units angle`` (ASF) and ``:DEGREES`` / ``:RADIANS`` (AMC). Malformed files
raise SynaptError with the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from synapt_hf.errors import SynaptError
from synapt_hf.synth.mocap.take import Take, axis_rotation, read_text

DEFAULT_AMC_FPS = 120.0  # AMC files carry no frame rate; CMU and HDM05 capture at 120 fps


@dataclass
class Bone:
    name: str
    direction: np.ndarray = field(default_factory=lambda: np.zeros(3))
    length: float = 0.0
    axis: np.ndarray = field(default_factory=lambda: np.zeros(3))
    axis_order: str = "XYZ"
    dofs: list[str] = field(default_factory=list)
    parent: str | None = None


@dataclass
class Skeleton:
    """A parsed ASF: bones by name (the root included, its dofs from ``:root order``), in hierarchy order."""

    path: str
    bones: dict[str, Bone]
    order: list[str]
    degrees: bool = True


def _euler(angles: np.ndarray, order: str) -> np.ndarray:
    """Rotation of per-axis angles ``(..., 3)`` (x, y, z; radians) applied in `order` (``"XYZ"``: x first)."""
    out = np.broadcast_to(np.eye(3), (*angles.shape[:-1], 3, 3)).copy()
    for axis in order.lower():
        out = axis_rotation(axis, angles[..., "xyz".index(axis)]) @ out
    return out


def _floats(parts: list[str], path: str, line: int, what: str) -> list[float]:
    try:
        return [float(p) for p in parts]
    except ValueError:
        raise SynaptError(f"{path}: line {line}: {what}: expected numbers, got {' '.join(parts)!r}") from None


def parse_asf(text: str, path: str = "<asf>") -> Skeleton:
    root = Bone("root", dofs=["tx", "ty", "tz", "rx", "ry", "rz"])
    bones: dict[str, Bone] = {"root": root}
    section = ""
    degrees = True
    current: Bone | None = None
    links: list[tuple[int, str, list[str]]] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        key = parts[0].lower()
        if key.startswith(":"):
            section = key
            continue
        if section == ":units" and key == "angle" and len(parts) > 1:
            degrees = parts[1].lower().startswith("deg")
        elif section == ":root":
            if key == "order":
                root.dofs = [p.lower() for p in parts[1:]]
            elif key == "axis" and len(parts) > 1:
                root.axis_order = parts[1].upper()
            elif key == "orientation":
                root.axis = np.array(_floats(parts[1:4], path, n, "root orientation"))
        elif section == ":bonedata":
            if key == "begin":
                current = Bone("")
            elif key == "end":
                if current is None or not current.name:
                    raise SynaptError(f"{path}: line {n}: bone without a name")
                bones[current.name] = current
                current = None
            elif current is None:
                raise SynaptError(f"{path}: line {n}: {parts[0]!r} outside a begin/end bone block")
            elif key == "name" and len(parts) > 1:
                current.name = parts[1]
            elif key == "direction":
                current.direction = np.array(_floats(parts[1:4], path, n, "direction"))
            elif key == "length":
                current.length = _floats(parts[1:2], path, n, "length")[0]
            elif key == "axis":
                if len(parts) < 5:
                    raise SynaptError(f"{path}: line {n}: axis needs three angles and an order")
                current.axis = np.array(_floats(parts[1:4], path, n, "axis"))
                current.axis_order = parts[4].upper()
            elif key == "dof":
                current.dofs = [p.lower() for p in parts[1:]]
        elif section == ":hierarchy" and key not in ("begin", "end"):
            links.append((n, parts[0], parts[1:]))
    if sorted(root.dofs) != ["rx", "ry", "rz", "tx", "ty", "tz"]:
        raise SynaptError(f"{path}: :root order must hold TX TY TZ RX RY RZ, got {root.dofs}")
    if len(bones) == 1:
        raise SynaptError(f"{path}: no :bonedata bones (not an ASF file?)")
    for n, parent, children in links:
        for name in (parent, *children):
            if name not in bones:
                raise SynaptError(f"{path}: line {n}: :hierarchy names unknown bone {name!r}")
        for child in children:
            bones[child].parent = parent
    order, frontier = [], ["root"]
    while frontier:
        name = frontier.pop(0)
        order.append(name)
        frontier.extend(child for _, parent, kids in links if parent == name for child in kids)
    scale = np.pi / 180 if degrees else 1.0
    for bone in bones.values():
        bone.axis = bone.axis * scale
    return Skeleton(path, bones, order, degrees)


def parse_amc(text: str, skeleton: Skeleton, path: str = "<amc>") -> dict[str, np.ndarray]:
    """Per-bone AMC values ``(T, n)``, one column per dof in the ASF's order (the root's from ``:root order``),
    angles in radians."""
    degrees = True
    frames: list[dict[str, list[float]]] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(":"):
            if line.upper().startswith(":RADIANS"):
                degrees = False
            continue
        parts = line.split()
        if len(parts) == 1 and parts[0].isdigit():
            frames.append({})
            continue
        if not frames:
            raise SynaptError(f"{path}: line {n}: bone values before the first frame number")
        name = parts[0]
        if name not in skeleton.bones:
            raise SynaptError(f"{path}: line {n}: bone {name!r} is not in the skeleton {skeleton.path}")
        expected = len(skeleton.bones[name].dofs)
        values = _floats(parts[1:], path, n, f"bone {name!r}")
        if len(values) != expected:
            raise SynaptError(
                f"{path}: line {n}: bone {name!r} has {len(values)} values, expected {expected}"
            )
        frames[-1][name] = values
    if not frames:
        raise SynaptError(f"{path}: no frames (not an AMC file?)")
    scale = np.pi / 180 if degrees else 1.0
    out: dict[str, np.ndarray] = {}
    for name in skeleton.order:
        dofs = skeleton.bones[name].dofs
        if not dofs:
            continue
        missing = [k for k, frame in enumerate(frames) if name not in frame]
        if missing:
            raise SynaptError(f"{path}: frame {missing[0] + 1} lacks bone {name!r}")
        values = np.array([frame[name] for frame in frames], dtype=np.float64)
        angle = np.array([d.startswith("r") for d in dofs])
        values[:, angle] *= scale
        out[name] = values
    if not all(np.isfinite(v).all() for v in out.values()):
        raise SynaptError(f"{path}: the motion holds non-finite values")
    return out


def forward_kinematics(skeleton: Skeleton, motion: dict[str, np.ndarray]) -> np.ndarray:
    """Bone tip positions ``(T, B, 3)`` in `skeleton.order` (the root's entry is the root position)."""
    t = motion["root"].shape[0]
    rotations: dict[str, np.ndarray] = {}
    positions: dict[str, np.ndarray] = {}
    for name in skeleton.order:
        bone = skeleton.bones[name]
        c = _euler(bone.axis, bone.axis_order)
        angles, translation = np.zeros((t, 3)), np.zeros((t, 3))
        for k, dof in enumerate(bone.dofs):
            if dof in ("rx", "ry", "rz", "tx", "ty", "tz"):
                (angles if dof[0] == "r" else translation)[:, "xyz".index(dof[1])] = motion[name][:, k]
        if name == "root":
            rotations[name] = c @ _euler(angles, "XYZ") @ c.T
            positions[name] = translation
            continue
        parent = bone.parent or "root"
        rotations[name] = rotations[parent] @ c @ _euler(angles, "XYZ") @ c.T
        positions[name] = positions[parent] + bone.length * np.einsum(
            "tij,j->ti", rotations[name], bone.direction
        )
    return np.stack([positions[name] for name in skeleton.order], axis=1)


def read_asf(path: str | Path) -> Skeleton:
    return parse_asf(read_text(path), str(path))


def read_amc(amc_path: str | Path, skeleton: Skeleton, fps: float = DEFAULT_AMC_FPS) -> Take:
    """Read an AMC motion of `skeleton` into bone tip positions (ASF units, y up)."""
    motion = parse_amc(read_text(amc_path), skeleton, str(amc_path))
    if "root" not in motion:
        raise SynaptError(f"{amc_path}: no root values")
    return Take(str(amc_path), "asf", float(fps), tuple(skeleton.order), forward_kinematics(skeleton, motion))
