"""BVH reader (``.bvh`` / ``.bvh.gz``): any hierarchy, any channel order, forward kinematics to world positions.

Contract: a joint's local transform is its OFFSET plus its position channels, rotated by its rotation channels
composed in the order written (``Zrotation Xrotation Yrotation`` is ``Rz @ Rx @ Ry``), angles in degrees.
End sites become joints named ``<parent>_end``. Malformed files raise SynaptError with the file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from synapt_hf.errors import SynaptError
from synapt_hf.synth.mocap.take import Take, axis_rotation, read_text

_CHANNELS = {"xposition", "yposition", "zposition", "xrotation", "yrotation", "zrotation"}


@dataclass
class _Joint:
    name: str
    parent: int
    offset: np.ndarray
    channels: list[str] = field(default_factory=list)


class _Tokens:
    """Whitespace tokens with their line numbers (for error messages)."""

    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.items = [(tok, n) for n, line in enumerate(text.splitlines(), 1) for tok in line.split()]
        self.pos = 0

    def fail(self, reason: str, line: int | None = None) -> SynaptError:
        if line is None:
            line = self.items[min(self.pos, len(self.items) - 1)][1] if self.items else 1
        return SynaptError(f"{self.path}: line {line}: {reason}")

    def next(self, what: str) -> tuple[str, int]:
        if self.pos >= len(self.items):
            raise self.fail(f"unexpected end of file (expected {what})")
        item = self.items[self.pos]
        self.pos += 1
        return item

    def expect(self, word: str) -> int:
        token, line = self.next(repr(word))
        if token.upper() != word.upper():
            raise self.fail(f"expected {word!r}, got {token!r}", line)
        return line

    def number(self, what: str) -> float:
        token, line = self.next(what)
        try:
            return float(token)
        except ValueError:
            raise self.fail(f"expected a number ({what}), got {token!r}", line) from None


def _parse_joint(tokens: _Tokens, name: str, parent: int, joints: list[_Joint]) -> None:
    tokens.expect("{")
    tokens.expect("OFFSET")
    offset = np.array([tokens.number("OFFSET") for _ in range(3)])
    index = len(joints)
    joints.append(_Joint(name, parent, offset))
    while True:
        token, line = tokens.next("CHANNELS, JOINT, End Site or '}'")
        key = token.upper()
        if key == "}":
            return
        if key == "CHANNELS":
            count = tokens.number("channel count")
            if count != int(count) or count < 0:
                raise tokens.fail(f"bad channel count {count}", line)
            for _ in range(int(count)):
                channel, cline = tokens.next("channel name")
                if channel.lower() not in _CHANNELS:
                    raise tokens.fail(f"unknown channel {channel!r} of joint {name!r}", cline)
                joints[index].channels.append(channel.lower())
        elif key == "JOINT":
            child, _ = tokens.next("joint name")
            _parse_joint(tokens, child, index, joints)
        elif key == "END":
            tokens.expect("Site")
            tokens.expect("{")
            tokens.expect("OFFSET")
            end = np.array([tokens.number("End Site OFFSET") for _ in range(3)])
            tokens.expect("}")
            joints.append(_Joint(f"{name}_end", index, end))
        else:
            raise tokens.fail(f"unexpected {token!r} in joint {name!r}", line)


def parse_bvh(text: str, path: str = "<bvh>") -> tuple[list[_Joint], float, np.ndarray]:
    """(joints, frame time in seconds, channel values ``(T, C)``) of a BVH text."""
    found = re.search(r"^[ \t]*MOTION[ \t]*\r?$", text, re.MULTILINE)
    if not found:
        raise SynaptError(f"{path}: no MOTION line (not a BVH file?)")
    head, motion = text[: found.start()], text[found.start() :]
    tokens = _Tokens(head, path)
    tokens.expect("HIERARCHY")
    tokens.expect("ROOT")
    root, _ = tokens.next("root name")
    joints: list[_Joint] = []
    _parse_joint(tokens, root, -1, joints)
    offset_line = head.count("\n")
    lines = motion.splitlines()
    meta = {}
    body_start = None
    for k, line in enumerate(lines[1:], 1):
        key, colon, value = line.partition(":")
        if colon and key.strip().lower() in ("frames", "frame time"):
            meta[key.strip().lower()] = (value.strip(), offset_line + k + 1)
            if key.strip().lower() == "frame time":
                body_start = k + 1
                break
    if "frames" not in meta or body_start is None:
        raise SynaptError(f"{path}: MOTION section lacks 'Frames:' or 'Frame Time:'")
    try:
        num_frames = int(meta["frames"][0])
        frame_time = float(meta["frame time"][0])
    except ValueError:
        raise SynaptError(f"{path}: line {meta['frames'][1]}: bad Frames / Frame Time values") from None
    if num_frames < 1 or not frame_time > 0:
        raise SynaptError(f"{path}: line {meta['frames'][1]}: need Frames >= 1 and Frame Time > 0")
    num_channels = sum(len(j.channels) for j in joints)
    rows = [
        (offset_line + body_start + k + 1, line) for k, line in enumerate(lines[body_start:]) if line.strip()
    ]
    if len(rows) < num_frames:
        raise SynaptError(f"{path}: Frames says {num_frames} but the file has {len(rows)} frame lines")
    values = np.empty((num_frames, num_channels))
    for k, (line_no, line) in enumerate(rows[:num_frames]):
        parts = line.split()
        if len(parts) != num_channels:
            raise SynaptError(
                f"{path}: line {line_no}: frame {k} has {len(parts)} values, the hierarchy has {num_channels}"
            )
        try:
            values[k] = [float(p) for p in parts]
        except ValueError:
            raise SynaptError(f"{path}: line {line_no}: frame {k} holds a non-number") from None
    if not np.isfinite(values).all():
        raise SynaptError(f"{path}: the motion holds non-finite values")
    return joints, frame_time, values


def _forward_kinematics(joints: list[_Joint], values: np.ndarray) -> np.ndarray:
    t = values.shape[0]
    world_rot = np.zeros((len(joints), t, 3, 3))
    world_pos = np.zeros((len(joints), t, 3))
    column = 0
    for k, joint in enumerate(joints):
        translation = np.tile(joint.offset, (t, 1))
        rotation = np.tile(np.eye(3), (t, 1, 1))
        for channel in joint.channels:
            value = values[:, column]
            column += 1
            if channel.endswith("position"):
                translation[:, "xyz".index(channel[0])] += value
            else:
                rotation = rotation @ axis_rotation(channel[0], np.deg2rad(value))
        if joint.parent < 0:
            world_rot[k], world_pos[k] = rotation, translation
        else:
            parent_rot = world_rot[joint.parent]
            world_pos[k] = world_pos[joint.parent] + np.einsum("tij,tj->ti", parent_rot, translation)
            world_rot[k] = parent_rot @ rotation
    return world_pos.transpose(1, 0, 2)


def read_bvh(path: str | Path) -> Take:
    """Read a ``.bvh`` / ``.bvh.gz`` file into world joint positions (the file's units, y up)."""
    joints, frame_time, values = parse_bvh(read_text(path), str(path))
    names = tuple(j.name for j in joints)
    if len(set(names)) != len(names):
        raise SynaptError(f"{path}: duplicate joint names in the hierarchy")
    return Take(str(path), "bvh", 1.0 / frame_time, names, _forward_kinematics(joints, values))
