"""Scene randomization: camera, lighting, clothing (flat or textured), procedural background/ground textures.

Everything is sampled per clip from the clip's own `numpy.random.Generator`; the camera, lighting and
background ranges come from the clip's scene preset (`synapt_hf.synth.presets`, documented in
docs/synth.md). `build_scene` turns one clip's world joints and sampled scene into the camera-space arrays
the renderer consumes.
"""

from __future__ import annotations

import colorsys
import dataclasses
import functools
from dataclasses import dataclass

import numpy as np

from synapt_hf.synth.actions import Action
from synapt_hf.synth.body import (
    CLOTHING_SLOTS,
    JOINT_INDEX,
    PART_END,
    PART_NAMES,
    PART_SLOT,
    PART_START,
    SHADOW_PARTS,
    BodyShape,
)
from synapt_hf.synth.motion import Travel
from synapt_hf.synth.natural import dead_leaves_planes, one_over_f_planes
from synapt_hf.synth.occluders import OCCLUDER_TEXTURE_SIZE, Occluder, occluder_arrays, sample_occluders
from synapt_hf.synth.presets import ALL_TEXTURE_KINDS, TEXTURE_KINDS, Palette, get_preset

__all__ = [
    "ALL_TEXTURE_KINDS", "CLOTHING_TEXTURE_SLOTS", "TEXTURE_KINDS", "ClipScene", "SceneParams", "build_scene",
    "procedural_texture", "sample_clothing_textures", "sample_scene", "travels",
]  # fmt: skip

TEXTURE_SIZE = 128
BACKDROP_TILE_M = 12.0  # metres covered by one repetition of the backdrop texture
GROUND_TILE_M = 6.0
SHADOW_MAP = 24  # shadow map resolution (texels per side)
SHIRT_STRIPES_PROBABILITY = 0.3
SHORT_SLEEVES_PROBABILITY = 0.35
SKIN_TONES = np.array([[0.96, 0.80, 0.69], [0.87, 0.67, 0.52], [0.66, 0.46, 0.33], [0.42, 0.28, 0.20]])
HAIR_COLOURS = np.array([[0.10, 0.07, 0.05], [0.30, 0.18, 0.09], [0.62, 0.48, 0.25], [0.55, 0.55, 0.55]])

# Textured clothing (presets with ``clothing_kinds``): one small texture per slot below, per clip. The
# sleeves wear the shirt's texture (long sleeves) or a flat skin-coloured one (short sleeves), so the
# kinds drawn are the fabric slots'.
CLOTHING_TEXTURE_SIZE = 32
CLOTHING_TEXTURE_SLOTS = ("shirt", "sleeve", "pants", "shoes")
CLOTHING_FABRICS = ("shirt", "pants", "shoes")
CLOTHING_TILE_M = 0.5  # metres one texture repeat covers (about: each part wraps a whole number of repeats)
# Each part's texture slot (index into CLOTHING_TEXTURE_SLOTS), -1 for untextured parts (skin, hair).
PART_CLOTHING_TEXTURE = np.array(
    [CLOTHING_TEXTURE_SLOTS.index(CLOTHING_SLOTS[s]) if CLOTHING_SLOTS[s] in CLOTHING_TEXTURE_SLOTS else -1
     for s in PART_SLOT]
)  # fmt: skip
_LEFT, _UP, _FORWARD = np.eye(3)
# Body-frame rest axis (start to end joint) and texture reference direction (u = 0) of every textured part.
_TEXTURE_REST = {
    "lower_torso": (_UP, _FORWARD), "upper_torso": (_UP, _FORWARD), "shoulders": (-_LEFT, _FORWARD),
    "hips": (-_LEFT, _FORWARD), "l_upper_arm": (_LEFT, _FORWARD), "r_upper_arm": (-_LEFT, _FORWARD),
    "l_thigh": (-_UP, _FORWARD), "l_shin": (-_UP, _FORWARD), "r_thigh": (-_UP, _FORWARD),
    "r_shin": (-_UP, _FORWARD), "l_foot": (_FORWARD, _UP), "r_foot": (_FORWARD, _UP),
}  # fmt: skip
_REST_AXIS = np.array([_TEXTURE_REST.get(name, (_UP, _FORWARD))[0] for name in PART_NAMES])
_REST_REFERENCE = np.array([_TEXTURE_REST.get(name, (_UP, _FORWARD))[1] for name in PART_NAMES])


@dataclass(frozen=True)
class SceneParams:
    """The sampled scene of one clip (JSON-able summary in `to_dict`)."""

    azimuth_deg: float
    elevation_deg: float
    focal: float
    fill: float
    pan_deg: float
    dolly: float
    backdrop_distance_m: float
    light_azimuth_deg: float
    light_elevation_deg: float
    light_intensity: float
    ambient: float
    temperature: float
    background_kind: str
    ground_kind: str
    preset: str = "default"
    texture_contrast: float = 1.0  # scales the difference between a texture's two colours
    shake_deg: float = 0.0  # RMS camera shake rotation (0: none)
    occluders: tuple[Occluder, ...] = ()  # moving occluders and distractors
    occluder_slots: int = 0  # the preset's maximum number of occluders (the renderer's fixed slot count)
    clothing_kinds: tuple[str, ...] = ()  # texture kind per CLOTHING_FABRICS slot; empty: flat clothing

    def camera_dict(self) -> dict[str, float]:
        return {k: round(getattr(self, k), 4) for k in
                ("azimuth_deg", "elevation_deg", "focal", "fill", "pan_deg", "dolly", "backdrop_distance_m")}  # fmt: skip

    def scene_dict(self) -> dict:
        """The preset and its natural-statistics parameters (JSON-able; the clip metadata's ``scene``);
        ``clothing`` (the texture kind of each fabric slot) only where the clothing is textured."""
        row = {
            "preset": self.preset,
            "texture_contrast": round(self.texture_contrast, 4),
            "shake_deg": round(self.shake_deg, 4),
            "occluders": [occluder.to_dict() for occluder in self.occluders],
        }
        if self.clothing_kinds:
            row["clothing"] = dict(zip(CLOTHING_FABRICS, self.clothing_kinds, strict=True))
        return row

    def lighting_dict(self) -> dict[str, float]:
        return {
            "azimuth_deg": round(self.light_azimuth_deg, 4),
            "elevation_deg": round(self.light_elevation_deg, 4),
            "intensity": round(self.light_intensity, 4),
            "ambient": round(self.ambient, 4),
            "temperature": round(self.temperature, 4),
        }


def _uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    return float(rng.uniform(*bounds))


def travels(action: Action) -> bool:
    """Whether `action` moves the body across the ground (walking, running, jogging)."""
    return isinstance(action.curves.get("root_z"), Travel) or isinstance(action.curves.get("root_x"), Travel)


def sample_scene(
    rng: np.random.Generator,
    label: int,
    scene_bias: str,
    camera_motion: bool = True,
    preset: str = "default",
    action: Action | None = None,
) -> SceneParams:
    """Camera and lighting for one clip of `action` from `preset`'s ranges (a preset may film in-place
    actions from other azimuths than travelling ones); backgrounds follow the class when `scene_bias` is
    correlated. The default preset draws exactly the generator's original stream; every
    preset draws from the clip's own RNG only, so clip ``i`` stays a pure function of (config, split, i)."""
    ranges = get_preset(preset)
    in_place = action is not None and not travels(action)
    moving = camera_motion and rng.random() < ranges.camera_motion_probability
    backgrounds, grounds = ranges.background_kinds, ranges.ground_kinds
    if scene_bias == "correlated":
        background = backgrounds[label % len(backgrounds)]
        ground = grounds[(label // len(backgrounds)) % len(grounds)]
        rng.integers(0, 1, size=2)  # keep the stream aligned with the independent draw
    else:
        same = len(backgrounds) == len(grounds)  # the default preset: one draw of two kinds, as always
        kind = (
            rng.integers(0, len(grounds), size=2)
            if same
            else rng.integers(0, (len(backgrounds), len(grounds)))
        )
        background, ground = backgrounds[kind[0]], grounds[kind[1]]
    params = SceneParams(
        azimuth_deg=ranges.azimuth(float(rng.uniform(0.0, ranges.azimuth_span(in_place))), in_place),
        elevation_deg=_uniform(rng, ranges.elevation_deg),
        focal=_uniform(rng, ranges.focal),
        fill=_uniform(rng, ranges.fill),
        pan_deg=_uniform(rng, ranges.pan_deg) if moving else 0.0,
        dolly=_uniform(rng, ranges.dolly) if moving else 0.0,
        backdrop_distance_m=_uniform(rng, ranges.backdrop_distance_m),
        light_azimuth_deg=float(rng.uniform(0.0, 360.0)),
        light_elevation_deg=_uniform(rng, ranges.light_elevation_deg),
        light_intensity=_uniform(rng, ranges.light_intensity),
        ambient=_uniform(rng, ranges.ambient),
        temperature=_uniform(rng, ranges.temperature),
        background_kind=background,
        ground_kind=ground,
        preset=ranges.name,
    )
    # Each optional draw happens only where the preset asks for it: the default preset's stream is unchanged.
    low, high = ranges.texture_contrast
    if not low == high == 1.0:
        params = dataclasses.replace(params, texture_contrast=float(rng.uniform(low, high)))
    if ranges.shake_deg[1] > 0.0:
        params = dataclasses.replace(params, shake_deg=_uniform(rng, ranges.shake_deg))
    if ranges.occluders[1] > 0:
        occluders = sample_occluders(rng, ranges.occluders, ranges.occluder_kinds)
        params = dataclasses.replace(params, occluders=occluders, occluder_slots=ranges.occluders[1])
    if ranges.clothing_kinds:
        # From a child of the clip's generator (spawning draws nothing from the clip's stream), so that
        # every other draw of the clip is the one it makes with flat clothing.
        child = rng.spawn(1)[0]
        picks = child.integers(0, len(ranges.clothing_kinds), size=len(CLOTHING_FABRICS))
        params = dataclasses.replace(params, clothing_kinds=tuple(ranges.clothing_kinds[k] for k in picks))
    return params


# ---------------------------------------------------------------------------------------------
# Colours and textures


def random_colour(
    rng: np.random.Generator, saturation: tuple[float, float] = (0.3, 0.9), value: tuple[float, float] = (0.3, 0.95),
    hue: float | None = None,
) -> np.ndarray:  # fmt: skip
    h = float(rng.uniform()) if hue is None else hue % 1.0
    return np.array(colorsys.hsv_to_rgb(h, rng.uniform(*saturation), rng.uniform(*value)))


def _upsample_wrap(grid: np.ndarray, size: int) -> np.ndarray:
    """Bilinear, wrapping upsampling of a (g, g) grid to (size, size) (tileable noise; float64 weights)."""
    g = grid.shape[0]
    coords = (np.arange(size) + 0.5) * g / size - 0.5
    i0 = np.floor(coords).astype(int)
    f = coords - i0
    i0, i1 = i0 % g, (i0 + 1) % g
    rows = grid[i0] * (1 - f)[:, None] + grid[i1] * f[:, None]
    return rows[:, i0] * (1 - f)[None, :] + rows[:, i1] * f[None, :]


@functools.lru_cache(maxsize=4)
def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Texel-centre coordinates (y, x) in [0, 1) of a size x size texture (cached, read-only)."""
    y, x = (np.mgrid[0:size, 0:size].astype(np.float32) + 0.5) / size
    y.flags.writeable = False
    x.flags.writeable = False
    return y, x


def procedural_texture(
    rng: np.random.Generator, kind: str, hue: float | None = None, size: int = TEXTURE_SIZE,
    palette: Palette | None = None, contrast: float = 1.0,
) -> np.ndarray:  # fmt: skip
    """A (size, size, 3) float32 texture in [0, 1] of the given kind (noise, gradients, stripes, checkers,
    dead leaves and 1/f noise tile seamlessly; distractor shapes may be cut at the tile border). Its two
    colours come from `palette` (default: any hue, saturation 0.3-0.9, value 0.3-0.95); `contrast` < 1 pulls
    the second towards the first. The natural kinds (`synapt_hf.synth.natural`) centre their random colour
    statistics on the first colour, and `contrast` scales their deviations from it."""
    return np.ascontiguousarray(_texture_planes(rng, kind, hue, size, palette, contrast).transpose(1, 2, 0))


def _texture_planes(
    rng: np.random.Generator,
    kind: str,
    hue: float | None,
    size: int,
    palette: Palette | None,
    contrast: float,
) -> np.ndarray:
    """`procedural_texture` as (3, size, size) colour planes. Working plane by plane keeps numpy's inner
    loops long (a pixel's 3 channels are a slow inner loop); every value is computed by the same float32
    operations, so the texture is bit for bit the one a pixel-interleaved computation gives."""
    palette = palette or Palette()
    if hue is None and palette.hue is not None:
        hue = float(rng.uniform(*palette.hue))
    colours = {"saturation": palette.saturation, "value": palette.value}
    c1 = random_colour(rng, hue=hue, **colours).astype(np.float32)
    c2 = random_colour(rng, hue=None if hue is None else hue + rng.uniform(-0.08, 0.08), **colours)
    c2 = c2.astype(np.float32)
    if contrast != 1.0:
        c2 = (c1 + np.float32(contrast) * (c2 - c1)).astype(np.float32)
    first, second = c1[:, None, None], c2[:, None, None]
    y, x = _grid(size)
    if kind == "noise":
        coarse = _upsample_wrap(rng.random((4, 4), dtype=np.float32), size)
        fine = _upsample_wrap(rng.random((16, 16), dtype=np.float32), size)
        mix = np.clip(0.65 * coarse + 0.35 * fine, 0, 1)
        tex = first + (second - first) * mix
    elif kind == "gradient":
        angle = rng.uniform(0, 2 * np.pi)
        turns = np.round(np.array([np.cos(angle), np.sin(angle)]) * 2)  # whole turns keep it tileable
        turns = turns if np.any(turns) else np.array([1.0, 0.0])
        ramp = 0.5 + 0.5 * np.cos(2 * np.pi * (turns[0] * x + turns[1] * y))
        tex = first + (second - first) * ramp.astype(np.float32)
    elif kind == "stripes":
        freq = int(rng.integers(3, 12))
        direction = int(rng.integers(0, 3))
        phase = (x, y, x + y)[direction] * freq  # >= 0: its fractional part is exactly np.mod(phase, 1)
        tex = np.where(phase - np.floor(phase) < 0.5, first, second)
    elif kind == "checkers":
        cells = int(rng.integers(2, 9)) * 2
        parity = (np.floor(x * cells) + np.floor(y * cells)).astype(np.int64) & 1  # whole numbers: exact
        tex = np.where(parity == 0, first, second)
    elif kind == "shapes":
        tex = np.empty((3, size, size), np.float32)
        tex[:] = first
        for _ in range(int(rng.integers(6, 16))):
            colour = random_colour(rng)
            cx, cy, r = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.03, 0.14)
            aspect = rng.uniform(0.3, 1.5)
            disc = rng.random() < 0.5
            x0, x1 = max(int((cx - r) * size), 0), min(int((cx + r) * size) + 1, size)
            y0, y1 = (
                max(int((cy - r * max(aspect, 1)) * size), 0),
                min(int((cy + r * max(aspect, 1)) * size) + 1, size),
            )
            dx = x[y0:y1, x0:x1] - cx
            dy = y[y0:y1, x0:x1] - cy
            mask = (dx**2 + dy**2 < r**2) if disc else ((np.abs(dx) < r) & (np.abs(dy) < r * aspect))
            region = tex[:, y0:y1, x0:x1]
            region[:, mask] = colour[:, None]
    elif kind in ("dead_leaves", "one_over_f"):
        planes = (dead_leaves_planes if kind == "dead_leaves" else one_over_f_planes)(rng, c1, size)
        tex = planes if contrast == 1.0 else first + np.float32(contrast) * (planes - first)
    else:
        raise ValueError(f"unknown texture kind {kind!r}")
    grain = rng.standard_normal((size, size), dtype=np.float32) * 0.025
    out = tex + grain  # float64 for the noise kind (its upsampling is float64), as before: same rounding
    return np.clip(out, 0.0, 1.0, out=out).astype(np.float32, copy=False)


def plane_means(planes: np.ndarray) -> np.ndarray:
    """Per-texture, per-channel means of (K, 3, size, size) planes, bit for bit what ``mean(axis=(1, 2))``
    gives for the (K, size, size, 3) textures: numpy sums those texel by texel in order, so this sums in
    the same order (a running sum along each contiguous plane) instead of numpy's pairwise sum."""
    count = planes.shape[-2] * planes.shape[-1]
    totals = np.cumsum(planes.reshape(*planes.shape[:-2], count), axis=-1, dtype=np.float32)[..., -1]
    return (totals / np.float32(count)).astype(np.float32)


def sample_clothing(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-part albedo (P, 3), stripe frequency (P,) and stripe strength (P,)."""
    w = rng.uniform(0, len(SKIN_TONES) - 1)
    i = min(int(w), len(SKIN_TONES) - 2)
    skin = SKIN_TONES[i] * (1 - (w - i)) + SKIN_TONES[i + 1] * (w - i)
    shirt = random_colour(rng)
    slot_colours = {
        "skin": skin,
        "hair": HAIR_COLOURS[rng.integers(0, len(HAIR_COLOURS))] * rng.uniform(0.8, 1.2),
        "shirt": shirt,
        "sleeve": skin if rng.random() < SHORT_SLEEVES_PROBABILITY else shirt,
        "pants": random_colour(rng, value=(0.15, 0.75)),
        "shoes": random_colour(rng, saturation=(0.0, 0.5), value=(0.05, 0.6)),
    }
    albedo = np.stack([slot_colours[CLOTHING_SLOTS[s]] for s in PART_SLOT]).clip(0, 1)
    freq = np.zeros(len(PART_SLOT))
    amp = np.zeros(len(PART_SLOT))
    if rng.random() < SHIRT_STRIPES_PROBABILITY:
        shirt_parts = np.isin(PART_SLOT, [CLOTHING_SLOTS.index("shirt"), CLOTHING_SLOTS.index("sleeve")])
        shirt_parts &= ~np.all(albedo == skin, axis=1)
        freq[shirt_parts] = rng.uniform(3.0, 7.0)
        amp[shirt_parts] = rng.uniform(0.25, 0.5)
    return albedo.astype(np.float32), freq.astype(np.float32), amp.astype(np.float32)


def sample_clothing_textures(
    rng: np.random.Generator, kinds: tuple[str, ...], albedo: np.ndarray, radii: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Clothing textures (len(CLOTHING_TEXTURE_SLOTS), size, size, 3) and per-part texture coordinates
    (P, 4) for the part albedos of `sample_clothing` and the part radii (metres).

    Each fabric slot (`CLOTHING_FABRICS`) gets a `CLOTHING_TEXTURE_SIZE` texture of its kind in `kinds`
    (``one_over_f`` or ``dead_leaves``, `synapt_hf.synth.natural`) centred on the slot's sampled colour;
    the sleeves wear the shirt's texture when they are shirt-coloured, else a flat one of their colour
    (skin). A part's coordinates are: whole texture repeats around its circumference (about one per
    `CLOTHING_TILE_M`), texture repeats per metre along its axis (the same texel size as around it) and
    a random (u, v) offset, so that parts sharing a texture do not show the same texels."""
    size = CLOTHING_TEXTURE_SIZE
    # The first part wearing each slot (its albedo is the slot's colour).
    first = {slot: PART_CLOTHING_TEXTURE.tolist().index(k) for k, slot in enumerate(CLOTHING_TEXTURE_SLOTS)}
    textures = np.empty((len(CLOTHING_TEXTURE_SLOTS), size, size, 3), dtype=np.float32)
    for fabric, kind in zip(CLOTHING_FABRICS, kinds, strict=True):
        draw = {"dead_leaves": dead_leaves_planes, "one_over_f": one_over_f_planes}[kind]
        planes = draw(rng, albedo[first[fabric]].astype(np.float64), size)
        textures[CLOTHING_TEXTURE_SLOTS.index(fabric)] = planes.transpose(1, 2, 0)
    sleeve = CLOTHING_TEXTURE_SLOTS.index("sleeve")
    if np.array_equal(albedo[first["sleeve"]], albedo[first["shirt"]]):
        textures[sleeve] = textures[CLOTHING_TEXTURE_SLOTS.index("shirt")]
    else:
        textures[sleeve] = albedo[first["sleeve"]]
    circumference = 2 * np.pi * radii
    around = np.maximum(np.round(circumference / CLOTHING_TILE_M), 1.0)
    offsets = rng.random((len(radii), 2))
    uv = np.concatenate([around[:, None], (around / circumference)[:, None], offsets], axis=1)
    return textures, uv.astype(np.float32)


def clothing_frames(joints: np.ndarray, rotation: np.ndarray) -> np.ndarray:
    """Camera-space texture reference directions (T, P, 6) of every part: r1 (u = 0 around the axis) and
    r2 = axis x r1, both unit and perpendicular to the part's axis, for world `joints` (T, J, 3) and the
    world->camera `rotation` (T, 3, 3).

    The directions follow the body: in the body frame (left hip minus right hip, pelvis to chest, their
    cross product), each part's reference is its rest reference (`_TEXTURE_REST`) carried by the smallest
    rotation that takes its rest axis to its current axis, so the texture turns with the body and the limb
    (it only becomes unstable where a limb points exactly against its rest axis, e.g. a leg straight up)."""
    j = JOINT_INDEX
    left = joints[:, j["l_hip"]] - joints[:, j["r_hip"]]
    left /= np.maximum(np.linalg.norm(left, axis=-1, keepdims=True), 1e-9)
    up = joints[:, j["chest"]] - joints[:, j["pelvis"]]
    up -= np.sum(up * left, -1, keepdims=True) * left
    up /= np.maximum(np.linalg.norm(up, axis=-1, keepdims=True), 1e-9)
    basis = np.stack([left, up, np.cross(left, up)], axis=-2)  # (T, 3, 3): rows are the body axes
    axis = joints[:, PART_END] - joints[:, PART_START]  # (T, P, 3) world
    length = np.linalg.norm(axis, axis=-1, keepdims=True)
    axis_body = np.einsum("tij,tpj->tpi", basis, axis)
    rest_axis = np.broadcast_to(_REST_AXIS, axis_body.shape)
    e = np.where(length > 1e-9, axis_body / np.maximum(length, 1e-9), rest_axis)
    # Rodrigues' formula for the smallest rotation taking the rest axis e0 to e, applied to r0.
    r0 = np.broadcast_to(_REST_REFERENCE, e.shape)
    cos = np.sum(rest_axis * e, -1, keepdims=True)
    k = np.cross(rest_axis, e)
    reference = r0 * cos + np.cross(k, r0) + k * np.sum(k * r0, -1, keepdims=True) / np.maximum(1 + cos, 1e-6)
    reference -= np.sum(reference * e, -1, keepdims=True) * e
    reference /= np.maximum(np.linalg.norm(reference, axis=-1, keepdims=True), 1e-9)
    r1 = np.einsum("tij,tpj->tpi", rotation, np.einsum("tji,tpj->tpi", basis, reference))
    e_cam = np.einsum("tij,tpj->tpi", rotation, np.einsum("tji,tpj->tpi", basis, e))
    return np.concatenate([r1, np.cross(e_cam, r1)], axis=-1)


# ---------------------------------------------------------------------------------------------
# Camera geometry


def look_at(position: np.ndarray, target: np.ndarray) -> np.ndarray:
    """World->camera rotations ``(T, 3, 3)``: rows are right, down, forward (image x right, y down)."""
    forward = target - position
    forward /= np.linalg.norm(forward, axis=-1, keepdims=True)
    right = np.cross(forward, np.array([0.0, 1.0, 0.0]))
    right /= np.linalg.norm(right, axis=-1, keepdims=True)
    down = np.cross(forward, right)
    return np.stack([right, down, forward], axis=-2)


@dataclass
class ClipScene:
    """Camera-space arrays of one clip for the renderer (float32 unless noted)."""

    seg_a: np.ndarray  # (T, P, 3) capsule start points
    seg_b: np.ndarray  # (T, P, 3) capsule end points
    radius: np.ndarray  # (P,)
    albedo: np.ndarray  # (P, 3)
    stripe_freq: np.ndarray  # (P,)
    stripe_amp: np.ndarray  # (P,)
    focal_px: np.ndarray  # (T,) focal length in pixels of a `size` image
    light_cam: np.ndarray  # (T, 3) unit vector towards the light, camera space
    light_rgb: np.ndarray  # (3,) light colour x intensity
    ambient: np.ndarray  # (3,) ambient colour
    ground: np.ndarray  # (T, 12) plane normal(3), offset, u-axis(3), u-offset, v-axis(3), v-offset
    backdrop: np.ndarray  # (T, 12) same layout
    ground_light: np.ndarray  # (2,) ground lit fraction: (ambient, direct)
    backdrop_light: np.ndarray  # (2,)
    shadow_segments: np.ndarray  # (T, S, 4) ground-plane (u, v) of shadow capsule ends, in shadow-map texels
    shadow_radius: np.ndarray  # (S,) in texels
    shadow_origin: np.ndarray  # (3,) world u, v of the shadow map corner, texels per metre
    textures: np.ndarray  # (2, TEXTURE_SIZE, TEXTURE_SIZE, 3): backdrop, ground
    texture_mean: np.ndarray  # (2, 3) mean colour of each texture (used far away instead of aliasing)
    occluders: np.ndarray  # (T, K, OCCLUDER_FIELDS) moving occluders (`occluder_arrays`); K may be 0
    occluder_textures: np.ndarray  # (K, OCCLUDER_TEXTURE_SIZE, OCCLUDER_TEXTURE_SIZE, 3)
    # Textured clothing (`sample_clothing_textures`, `clothing_frames`); empty (S = 0, no P) when flat.
    clothing_textures: np.ndarray  # (S, size, size, 3): CLOTHING_TEXTURE_SLOTS, CLOTHING_TEXTURE_SIZE
    clothing_uv: np.ndarray  # (P, 4): repeats around, repeats per metre along, u offset, v offset
    clothing_frame: np.ndarray  # (T, P, 6): camera-space reference directions r1, r2
    static_camera: bool


def _plane(rotation: np.ndarray, position: np.ndarray, normal: np.ndarray, point: np.ndarray,
           u_axis: np.ndarray, v_axis: np.ndarray, scale: float) -> np.ndarray:  # fmt: skip
    """Camera-space description of a world plane with texture axes (u, v scaled by 1/`scale`)."""
    # World X = R^T Xc + C, so for a world direction a: a . X = (R a) . Xc + a . C.
    n_cam = rotation @ normal
    offset = normal @ point - position @ normal
    u_cam = (rotation @ u_axis) / scale
    v_cam = (rotation @ v_axis) / scale
    u_off = (position @ u_axis) / scale
    v_off = (position @ v_axis) / scale
    t = len(rotation)
    return np.concatenate(
        [n_cam, offset[:, None], u_cam, u_off[:, None], v_cam, v_off[:, None]], axis=-1
    ).reshape(t, 12)


def build_scene(
    joints: np.ndarray,
    body: BodyShape,
    scene: SceneParams,
    rng: np.random.Generator,
    label: int,
    scene_bias: str,
    size: int,
) -> ClipScene:
    """Place the camera around the posed `joints` (T, J, 3) and produce the renderer's arrays."""
    t = joints.shape[0]
    radii = body.radii()
    margin = radii.max()
    low, high = joints.reshape(-1, 3).min(0) - margin, joints.reshape(-1, 3).max(0) + margin
    low[1] = min(low[1], 0.0)
    target = (low + high) / 2
    extent = max(high[1] - low[1], 0.8 * max(high[0] - low[0], high[2] - low[2]))
    distance = max(scene.focal * extent / scene.fill, 1.6 + extent / 2)
    progress = np.linspace(-0.5, 0.5, t) if t > 1 else np.zeros(1)
    az = np.deg2rad(scene.azimuth_deg)
    el = np.deg2rad(scene.elevation_deg)
    dist_t = distance * (1 + scene.dolly * progress)
    offset_dir = np.array([np.sin(az) * np.cos(el), np.sin(el), np.cos(az) * np.cos(el)])
    position = target[None] + dist_t[:, None] * offset_dir[None]
    # Pan: turn the camera in place (the look-at point swings sideways).
    pan = np.deg2rad(scene.pan_deg) * progress
    back = -offset_dir
    look = np.stack([np.cos(pan) * back[0] + np.sin(pan) * back[2], np.full(t, back[1]),
                     -np.sin(pan) * back[0] + np.cos(pan) * back[2]], -1)  # fmt: skip
    rotation = look_at(position, position + look)
    if scene.shake_deg > 0.0:
        rotation, position = _shake(rng, rotation, position, scene.shake_deg, distance)
    cam_joints = np.einsum("tij,tkj->tki", rotation, joints - position[:, None, :])
    seg_a = cam_joints[:, PART_START]
    seg_b = cam_joints[:, PART_END].copy()
    degenerate = PART_START == PART_END
    seg_b[:, degenerate, 1] -= 1e-3  # spheres: a tiny segment keeps the capsule maths regular

    light_az, light_el = np.deg2rad(scene.light_azimuth_deg), np.deg2rad(scene.light_elevation_deg)
    light = np.array(
        [np.sin(light_az) * np.cos(light_el), np.sin(light_el), np.cos(light_az) * np.cos(light_el)]
    )
    tint = np.array([1 + 0.12 * scene.temperature, 1.0, 1 - 0.12 * scene.temperature])
    tint /= tint.max()
    light_rgb = tint * scene.light_intensity
    ambient = np.full(3, scene.ambient) * (0.5 + 0.5 * tint)

    up = np.array([0.0, 1.0, 0.0])
    ground = _plane(rotation, position, up, np.zeros(3), np.array([1.0, 0, 0]), np.array([0, 0, 1.0]),
                    GROUND_TILE_M)  # fmt: skip
    horizontal = np.array([offset_dir[0], 0.0, offset_dir[2]])
    horizontal /= max(np.linalg.norm(horizontal), 1e-9)
    backdrop_point = target - horizontal * scene.backdrop_distance_m
    tangent = np.cross(up, horizontal)
    backdrop = _plane(rotation, position, horizontal, backdrop_point, tangent, up, BACKDROP_TILE_M)
    ground_light = np.array([1.0, light[1]])
    backdrop_light = np.array([1.0, max(float(light @ horizontal), 0.0) * 0.8 + 0.2])

    # Shadows: project capsule ends onto the ground along the light direction.
    shadow_a = joints[:, PART_START[SHADOW_PARTS]]
    shadow_b = joints[:, PART_END[SHADOW_PARTS]]
    proj = [p[..., [0, 2]] - (p[..., 1:2] / light[1]) * light[[0, 2]] for p in (shadow_a, shadow_b)]
    lo = np.minimum(proj[0].min((0, 1)), proj[1].min((0, 1))) - margin * 2
    hi = np.maximum(proj[0].max((0, 1)), proj[1].max((0, 1))) + margin * 2
    texels_per_m = (SHADOW_MAP - 1) / max(float((hi - lo).max()), 1e-3)
    shadow_segments = np.concatenate([(proj[0] - lo) * texels_per_m, (proj[1] - lo) * texels_per_m], -1)

    hue = None
    if scene_bias == "correlated":
        hue = (label * 0.618034) % 1.0
    preset = get_preset(scene.preset)
    planes = np.stack([
        _texture_planes(rng, scene.background_kind, hue, TEXTURE_SIZE, preset.backdrop_palette,
                        scene.texture_contrast),
        _texture_planes(rng, scene.ground_kind, None if hue is None else hue + 0.5, TEXTURE_SIZE,
                        preset.ground_palette, scene.texture_contrast),
    ])  # fmt: skip
    textures = np.ascontiguousarray(planes.transpose(0, 2, 3, 1))
    albedo, stripe_freq, stripe_amp = sample_clothing(rng)
    light_cam = np.einsum("tij,j->ti", rotation, light)
    occluders = occluder_arrays(scene.occluders, scene.occluder_slots, t, distance, scene.focal, light_cam,
                                light_rgb, ambient)  # fmt: skip
    occluder_textures = np.zeros((scene.occluder_slots, OCCLUDER_TEXTURE_SIZE, OCCLUDER_TEXTURE_SIZE, 3),
                                 dtype=np.float32)  # fmt: skip
    for k, occluder in enumerate(scene.occluders):
        occluder_textures[k] = procedural_texture(rng, occluder.kind, size=OCCLUDER_TEXTURE_SIZE)
    f32 = np.float32
    if scene.clothing_kinds:  # drawn last: every earlier draw is the one flat clothing makes
        clothing_textures, clothing_uv = sample_clothing_textures(rng, scene.clothing_kinds, albedo, radii)
        clothing_frame = clothing_frames(joints, rotation).astype(f32)
    else:
        side = CLOTHING_TEXTURE_SIZE
        clothing_textures = np.zeros((0, side, side, 3), dtype=f32)
        clothing_uv, clothing_frame = np.zeros((0, 4), dtype=f32), np.zeros((t, 0, 6), dtype=f32)
    return ClipScene(
        seg_a=seg_a.astype(f32),
        seg_b=seg_b.astype(f32),
        radius=radii.astype(f32),
        albedo=albedo,
        stripe_freq=stripe_freq,
        stripe_amp=stripe_amp,
        focal_px=np.full(t, scene.focal * size, dtype=f32),
        light_cam=light_cam.astype(f32),
        light_rgb=light_rgb.astype(f32),
        ambient=ambient.astype(f32),
        ground=ground.astype(f32),
        backdrop=backdrop.astype(f32),
        ground_light=ground_light.astype(f32),
        backdrop_light=backdrop_light.astype(f32),
        shadow_segments=shadow_segments.astype(f32),
        shadow_radius=(radii[SHADOW_PARTS] * texels_per_m).astype(f32),
        shadow_origin=np.array([lo[0], lo[1], texels_per_m], dtype=f32),
        textures=textures,
        texture_mean=plane_means(planes),
        occluders=occluders,
        occluder_textures=occluder_textures,
        clothing_textures=clothing_textures,
        clothing_uv=clothing_uv,
        clothing_frame=clothing_frame,
        static_camera=scene.pan_deg == 0.0 and scene.dolly == 0.0 and scene.shake_deg == 0.0,
    )


def _shake(
    rng: np.random.Generator, rotation: np.ndarray, position: np.ndarray, shake_deg: float, distance: float
) -> tuple[np.ndarray, np.ndarray]:
    """Camera shake: per-frame small rotations (yaw, pitch, half as much roll) and translations that follow
    a random walk (smooth, hand-held-like jitter), centred over the clip and scaled to an RMS rotation of
    `shake_deg`; the translation's RMS is that angle times 5 % of the camera distance."""
    t = len(rotation)
    walk = np.cumsum(rng.standard_normal((t, 6)), axis=0)
    walk -= walk.mean(axis=0)
    walk /= np.maximum(np.sqrt((walk**2).mean(axis=0)), 1e-9)
    angles = np.deg2rad(shake_deg) * walk[:, :3] * np.array([1.0, 1.0, 0.5])
    pitch, yaw, roll = angles.T
    zeros, ones = np.zeros(t), np.ones(t)
    rx = np.stack([ones, zeros, zeros, zeros, np.cos(pitch), -np.sin(pitch), zeros, np.sin(pitch),
                   np.cos(pitch)], -1).reshape(t, 3, 3)  # fmt: skip
    ry = np.stack([np.cos(yaw), zeros, np.sin(yaw), zeros, ones, zeros, -np.sin(yaw), zeros,
                   np.cos(yaw)], -1).reshape(t, 3, 3)  # fmt: skip
    rz = np.stack([np.cos(roll), -np.sin(roll), zeros, np.sin(roll), np.cos(roll), zeros, zeros, zeros,
                   ones], -1).reshape(t, 3, 3)  # fmt: skip
    shaken = rx @ ry @ rz @ rotation  # camera-frame jitter applied after the world->camera rotation
    offset = np.deg2rad(shake_deg) * 0.05 * distance * walk[:, 3:]
    return shaken, position + offset
