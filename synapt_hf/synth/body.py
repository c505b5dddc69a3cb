"""The articulated body: a 22-joint kinematic skeleton, 19 capsule parts (the head is a hair-coloured sphere with a skin-coloured face sphere in
front, so head turns are visible), per-clip shape sampling.

Coordinates are metres, ``y`` up. In the body frame ``x`` points to the body's left, ``z`` forward.
Segment lengths and radii are fractions of the body height, scaled per clip by `BodyShape`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

JOINTS = (
    "pelvis", "spine", "chest", "neck", "head",
    "l_shoulder", "l_elbow", "l_wrist", "l_hand",
    "r_shoulder", "r_elbow", "r_wrist", "r_hand",
    "l_hip", "l_knee", "l_ankle", "l_toe",
    "r_hip", "r_knee", "r_ankle", "r_toe",
    "face",
)  # fmt: skip
JOINT_INDEX = {name: i for i, name in enumerate(JOINTS)}

# (name, start joint, end joint, radius as a fraction of height, scales with girth, clothing slot)
PARTS = (
    ("lower_torso", "pelvis", "spine", 0.080, True, "shirt"),
    ("upper_torso", "spine", "chest", 0.088, True, "shirt"),
    ("neck", "chest", "neck", 0.032, False, "skin"),
    ("head", "head", "head", 0.068, False, "hair"),
    ("face", "face", "face", 0.056, False, "skin"),
    ("shoulders", "l_shoulder", "r_shoulder", 0.045, True, "shirt"),
    ("hips", "l_hip", "r_hip", 0.062, True, "pants"),
    ("l_upper_arm", "l_shoulder", "l_elbow", 0.032, True, "sleeve"),
    ("l_forearm", "l_elbow", "l_wrist", 0.026, True, "skin"),
    ("l_hand", "l_wrist", "l_hand", 0.022, False, "skin"),
    ("r_upper_arm", "r_shoulder", "r_elbow", 0.032, True, "sleeve"),
    ("r_forearm", "r_elbow", "r_wrist", 0.026, True, "skin"),
    ("r_hand", "r_wrist", "r_hand", 0.022, False, "skin"),
    ("l_thigh", "l_hip", "l_knee", 0.046, True, "pants"),
    ("l_shin", "l_knee", "l_ankle", 0.034, True, "pants"),
    ("l_foot", "l_ankle", "l_toe", 0.022, False, "shoes"),
    ("r_thigh", "r_hip", "r_knee", 0.046, True, "pants"),
    ("r_shin", "r_knee", "r_ankle", 0.034, True, "pants"),
    ("r_foot", "r_ankle", "r_toe", 0.022, False, "shoes"),
)
PART_NAMES = tuple(p[0] for p in PARTS)
PART_START = np.array([JOINT_INDEX[p[1]] for p in PARTS])
PART_END = np.array([JOINT_INDEX[p[2]] for p in PARTS])
CLOTHING_SLOTS = ("skin", "hair", "shirt", "sleeve", "pants", "shoes")
PART_SLOT = np.array([CLOTHING_SLOTS.index(p[5]) for p in PARTS])
# Parts that cast a ground shadow (the small ones add little).
SHADOW_PARTS = np.array(
    [PART_NAMES.index(n) for n in ("lower_torso", "upper_torso", "head", "hips", "l_upper_arm", "l_forearm",
                                   "r_upper_arm", "r_forearm", "l_thigh", "l_shin", "r_thigh", "r_shin")]
)  # fmt: skip

# Sampling ranges of the body shape (documented in docs/synth.md).
SHAPE_RANGES = {
    "height": (1.45, 1.95),
    "arm_scale": (0.9, 1.1),
    "leg_scale": (0.9, 1.1),
    "torso_scale": (0.92, 1.08),
    "shoulder_width": (0.85, 1.15),
    "girth": (0.8, 1.35),
    "head_scale": (0.9, 1.1),
}


@dataclass(frozen=True)
class BodyShape:
    """Per-clip body proportions (height in metres, the rest are multipliers around 1)."""

    height: float = 1.75
    arm_scale: float = 1.0
    leg_scale: float = 1.0
    torso_scale: float = 1.0
    shoulder_width: float = 1.0
    girth: float = 1.0
    head_scale: float = 1.0

    @classmethod
    def sample(cls, rng: np.random.Generator) -> BodyShape:
        return cls(**{k: float(rng.uniform(lo, hi)) for k, (lo, hi) in SHAPE_RANGES.items()})

    def to_dict(self) -> dict[str, float]:
        return {k: round(v, 4) for k, v in asdict(self).items()}

    # Derived dimensions (metres) ------------------------------------------------------------
    @property
    def thigh(self) -> float:
        return 0.245 * self.height * self.leg_scale

    @property
    def shin(self) -> float:
        return 0.245 * self.height * self.leg_scale

    @property
    def ankle_height(self) -> float:
        return 0.04 * self.height

    @property
    def hip_height(self) -> float:
        return self.thigh + self.shin + self.ankle_height

    @property
    def upper_arm(self) -> float:
        return 0.17 * self.height * self.arm_scale

    @property
    def forearm(self) -> float:
        return 0.15 * self.height * self.arm_scale

    @property
    def hand(self) -> float:
        return 0.07 * self.height * self.arm_scale

    def radii(self) -> np.ndarray:
        """Capsule radius of every part (metres)."""
        out = np.array([p[3] * self.height * (self.girth if p[4] else 1.0) for p in PARTS])
        out[PART_NAMES.index("head")] *= self.head_scale
        out[PART_NAMES.index("face")] *= self.head_scale
        return out


def _rotation(angle: np.ndarray, i: int, j: int) -> np.ndarray:
    """(..., 3, 3) rotations by `angle` in the (i, j) coordinate plane (turning axis i towards axis j)."""
    angle = np.asarray(angle, dtype=np.float64)
    c, s = np.cos(angle), np.sin(angle)
    out = np.zeros((*angle.shape, 3, 3))
    k = 3 - i - j
    out[..., k, k] = 1.0
    out[..., i, i] = c
    out[..., j, j] = c
    out[..., j, i] = s
    out[..., i, j] = -s
    return out


def rotation_x(angle: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotations about x (positive tips +y towards +z)."""
    return _rotation(angle, 1, 2)


def rotation_y(angle: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotations about y (positive turns +z towards +x)."""
    return _rotation(angle, 2, 0)


def rotation_z(angle: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotations about z (positive turns +x towards +y)."""
    return _rotation(angle, 0, 1)


def two_bone_ik(
    root: np.ndarray, target: np.ndarray, upper: float, lower: float, pole: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Analytic two-bone IK: (middle joint, end joint) positions reaching `target` from `root`.

    The chain bends towards `pole` (a direction); unreachable targets are clamped to full extension.
    All arrays are (..., 3).
    """
    offset = target - root
    dist = np.linalg.norm(offset, axis=-1, keepdims=True)
    direction = offset / np.maximum(dist, 1e-6)
    reach = np.clip(dist, abs(upper - lower) + 1e-3, upper + lower - 1e-3)
    cos_a = (upper**2 + reach**2 - lower**2) / (2 * upper * reach)
    sin_a = np.sqrt(np.clip(1 - cos_a**2, 0.0, 1.0))
    bend = pole - np.sum(pole * direction, -1, keepdims=True) * direction
    bend_norm = np.linalg.norm(bend, axis=-1, keepdims=True)
    fallback = np.cross(direction, np.array([1.0, 0.0, 0.0]))
    bend = np.where(bend_norm > 1e-6, bend / np.maximum(bend_norm, 1e-9), fallback)
    middle = root + upper * (cos_a * direction + sin_a * bend)
    end = root + reach * direction
    return middle, end
