"""Moving occluders and distractors: textured ellipses and rectangles with their own motion.

Each clip of a preset with ``occluders`` (see `synapt_hf.synth.presets.ScenePreset`) gets a few flat,
camera-facing shapes at a fixed depth in front of the person (occluders, partly covering it) or behind it
(distractors in front of the backdrop). Each moves over the clip in the image plane with its own sampled
velocity and acceleration, spins, and grows or shrinks; the renderer (`synapt_hf.synth.render`) draws them
into the z-buffer before the body, so depth decides what covers what. `sample_occluders` draws the
parameters from the clip's RNG (in `synapt_hf.synth.scene.sample_scene`); `occluder_arrays` turns them
into the renderer's per-frame camera-space rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

OCCLUDER_TEXTURE_SIZE = 64
FRONT_PROBABILITY = 0.5
FRONT_DEPTH = (0.35, 0.75)  # camera depth as a fraction of the camera-to-person distance
BACK_DEPTH = (1.1, 1.6)
FRONT_RADIUS = (0.06, 0.16)  # half the major axis as a fraction of the image side, at mid-clip
BACK_RADIUS = (0.1, 0.3)
SPEED = (0.3, 1.2)  # image sides per clip
ACCELERATION_STD = 0.6  # image sides per clip^2, per axis
SPIN_DEG = (-180.0, 180.0)  # rotation over the clip
GROWTH = (-0.6, 0.6)  # log of the size change over the clip
NEAREST_M = 0.3  # no occluder comes closer to the camera than this
# Row layout of `occluder_arrays`: centre (x, y, z) in camera metres, the 2x2 map from camera-plane
# offsets to shape coordinates (|(u, v)| < 1 inside an ellipse, max(|u|, |v|) < 1 inside a rectangle),
# rectangle flag, bounding radius (metres, 0 for an empty slot), light factor (r, g, b), active flag.
OCCLUDER_FIELDS = 13


@dataclass(frozen=True)
class Occluder:
    """One moving shape; positions in image sides from the image centre (+x right, +y down) at mid-clip."""

    front: bool
    depth: float
    radius: float
    aspect: float  # minor / major axis
    rectangle: bool
    centre: tuple[float, float]
    velocity: tuple[float, float]
    acceleration: tuple[float, float]
    angle_deg: float
    spin_deg: float
    growth: float
    kind: str  # texture kind

    def to_dict(self) -> dict:
        """JSON-able summary (rounded)."""
        out = {}
        for name, value in self.__dict__.items():
            if isinstance(value, tuple):
                out[name] = [round(v, 4) for v in value]
            elif isinstance(value, float):
                out[name] = round(value, 4)
            else:
                out[name] = value
        return out


def sample_occluders(
    rng: np.random.Generator, count: tuple[int, int], kinds: tuple[str, ...]
) -> tuple[Occluder, ...]:
    """Between ``count[0]`` and ``count[1]`` occluders (no draw at all when ``count`` is (0, 0))."""
    if count[1] == 0:
        return ()
    occluders = []
    for _ in range(int(rng.integers(count[0], count[1] + 1))):
        front = bool(rng.random() < FRONT_PROBABILITY)
        direction = rng.uniform(0.0, 2 * np.pi)
        speed = rng.uniform(*SPEED)
        occluders.append(
            Occluder(
                front=front,
                depth=float(rng.uniform(*(FRONT_DEPTH if front else BACK_DEPTH))),
                radius=float(rng.uniform(*(FRONT_RADIUS if front else BACK_RADIUS))),
                aspect=float(rng.uniform(0.4, 1.0)),
                rectangle=bool(rng.random() < 0.5),
                centre=tuple(float(v) for v in rng.uniform(-0.45, 0.45, 2)),
                velocity=(float(speed * np.cos(direction)), float(speed * np.sin(direction))),
                acceleration=tuple(float(v) for v in rng.normal(0.0, ACCELERATION_STD, 2)),
                angle_deg=float(rng.uniform(0.0, 180.0)),
                spin_deg=float(rng.uniform(*SPIN_DEG)),
                growth=float(rng.uniform(*GROWTH)),
                kind=kinds[int(rng.integers(0, len(kinds)))],
            )
        )
    return tuple(occluders)


def occluder_arrays(
    occluders: tuple[Occluder, ...],
    slots: int,
    frames: int,
    distance: float,
    focal: float,
    light_cam: np.ndarray,
    light_rgb: np.ndarray,
    ambient: np.ndarray,
) -> np.ndarray:
    """(frames, slots, OCCLUDER_FIELDS) float32 rows (layout above); slots beyond the occluders are empty.

    `distance` is the camera-to-person distance in metres, `focal` the focal length in image sides,
    `light_cam` (frames, 3) the camera-space direction towards the light: a shape faces the camera, so it
    is lit by the ambient colour plus the light times its cosine on the shape's normal (0, 0, -1)."""
    if len(occluders) > slots:
        raise ValueError(f"{len(occluders)} occluders do not fit {slots} slots")
    out = np.zeros((frames, slots, OCCLUDER_FIELDS), dtype=np.float64)
    out[..., 2] = 1.0  # empty slots: inactive, zero size, a finite depth (their screen tile stays defined)
    p = np.linspace(-0.5, 0.5, frames) if frames > 1 else np.zeros(1)
    lit = ambient[None, :] + light_rgb[None, :] * np.maximum(-light_cam[:, 2:3], 0.0)  # (frames, 3)
    for k, occ in enumerate(occluders):
        z = max(occ.depth * distance, NEAREST_M)
        metres = z / focal  # metres per image side at this depth
        x = (occ.centre[0] + occ.velocity[0] * p + 0.5 * occ.acceleration[0] * p * p) * metres
        y = (occ.centre[1] + occ.velocity[1] * p + 0.5 * occ.acceleration[1] * p * p) * metres
        major = occ.radius * np.exp(occ.growth * p) * metres
        minor = major * occ.aspect
        angle = np.deg2rad(occ.angle_deg + occ.spin_deg * p)
        cos, sin = np.cos(angle), np.sin(angle)
        bound = major * (np.sqrt(1.0 + occ.aspect**2) if occ.rectangle else 1.0)
        out[:, k] = np.stack(
            [x, y, np.full(frames, z), cos / major, sin / major, -sin / minor, cos / minor,
             np.full(frames, float(occ.rectangle)), bound, *lit.T, np.ones(frames)], axis=-1,
        )  # fmt: skip
    return out.astype(np.float32)
