"""Scene presets: the sampling ranges of camera, lighting and backgrounds, in one declarative table.

A preset picks the *domain* of the generated views (the actions and bodies do not change): ``default`` is
the generator's original, deliberately wide randomization; ``side-view`` matches static side-view datasets
such as Weizmann and KTH; ``easy`` is a narrow curriculum for small training budgets; ``natural`` (and its
still-camera variant ``natural-static``) gives frames natural image statistics: dead-leaves and 1/f
textures on backdrops, floors and clothing, moving occluders, camera shake. `sample_scene` in
`synapt_hf.synth.scene` draws every clip's scene from the preset named by ``GeneratorConfig.preset``.
The table is documented in docs/synth.md ("Scene presets").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from synapt_hf.errors import SynaptError

Range = tuple[float, float]

TEXTURE_KINDS = ("noise", "gradient", "stripes", "checkers", "shapes")
# Natural-statistics textures (`synapt_hf.synth.natural`): dead leaves and 1/f random-phase noise.
NATURAL_TEXTURE_KINDS = ("dead_leaves", "one_over_f")
ALL_TEXTURE_KINDS = TEXTURE_KINDS + NATURAL_TEXTURE_KINDS
# The texture kind that scatters distractor shapes (discs and boxes) over the surface.
DISTRACTOR_KIND = "shapes"


@dataclass(frozen=True)
class Palette:
    """HSV ranges of a surface's two texture colours (``hue`` None: any hue)."""

    hue: Range | None = None
    saturation: Range = (0.3, 0.9)
    value: Range = (0.3, 0.95)


@dataclass(frozen=True)
class ScenePreset:
    """Sampling ranges of one scene domain (angles in degrees; see `synapt_hf.synth.scene.SceneParams`).

    ``azimuth_deg`` is a union of ranges (0 = the camera in front of the body, 90 / 270 = its left / right
    side), sampled uniformly over their total length; ``in_place_azimuth_deg``, when set, replaces it for
    actions that do not travel (real side-view datasets film walking from the side, but people jump or
    wave facing the camera). ``texture_contrast`` scales the difference between a
    texture's two colours (1 = unchanged); ``camera_motion_probability`` is the chance of a slow pan/dolly.

    The natural-statistics fields default off (no random draw, the same pixels as before they existed):
    ``shake_deg`` is the range of the camera shake's RMS rotation (a per-frame random walk of yaw, pitch
    and half as much roll, with a matching small translation); ``occluders`` the (min, max) number of
    moving textured occluders and distractors per clip (`synapt_hf.synth.occluders`), textured with
    ``occluder_kinds``; ``clothing_kinds``, when not empty, textures the clothing (shirt, sleeves, pants,
    shoes): each clip draws one small texture per slot from these natural kinds, centred on the slot's
    sampled colour (`synapt_hf.synth.scene.sample_clothing_textures`); empty: flat clothing colours.
    """

    name: str
    summary: str
    azimuth_deg: tuple[Range, ...] = ((0.0, 360.0),)
    in_place_azimuth_deg: tuple[Range, ...] | None = None  # actions that do not travel; None: azimuth_deg
    elevation_deg: Range = (-5.0, 35.0)
    focal: Range = (1.0, 2.2)  # focal length in units of the image size (fov 53 deg .. 26 deg)
    fill: Range = (0.65, 0.9)  # fraction of the frame the person's extent covers
    pan_deg: Range = (-8.0, 8.0)  # total camera yaw over a moving clip
    dolly: Range = (-0.15, 0.15)  # total relative distance change over a moving clip
    backdrop_distance_m: Range = (2.0, 6.0)
    camera_motion_probability: float = 0.25
    light_elevation_deg: Range = (30.0, 75.0)
    light_intensity: Range = (0.55, 0.95)
    ambient: Range = (0.25, 0.5)
    temperature: Range = (-1.0, 1.0)  # -1 cool (bluish) .. +1 warm (reddish)
    background_kinds: tuple[str, ...] = TEXTURE_KINDS
    ground_kinds: tuple[str, ...] = TEXTURE_KINDS
    texture_contrast: Range = (1.0, 1.0)
    backdrop_palette: Palette = field(default_factory=Palette)
    ground_palette: Palette = field(default_factory=Palette)
    shake_deg: Range = (0.0, 0.0)
    occluders: tuple[int, int] = (0, 0)
    occluder_kinds: tuple[str, ...] = NATURAL_TEXTURE_KINDS
    clothing_kinds: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        ranges = {k: getattr(self, k) for k in RANGE_FIELDS}
        for name in ("azimuth_deg", "in_place_azimuth_deg"):
            ranges.update({f"{name}[{i}]": r for i, r in enumerate(getattr(self, name) or ())})
        for name, (low, high) in ranges.items():
            if not low <= high:
                raise ValueError(f"preset {self.name}: {name} range {low}..{high} is reversed")
        for kinds in (self.background_kinds, self.ground_kinds, self.occluder_kinds):
            if not kinds or not set(kinds) <= set(ALL_TEXTURE_KINDS):
                raise ValueError(
                    f"preset {self.name}: texture kinds must be a non-empty subset of {ALL_TEXTURE_KINDS}"
                )
        if not set(self.clothing_kinds) <= set(NATURAL_TEXTURE_KINDS):
            raise ValueError(
                f"preset {self.name}: clothing kinds must be a subset of {NATURAL_TEXTURE_KINDS}"
            )
        low, high = self.occluders
        if not 0 <= low <= high <= MAX_OCCLUDERS:
            raise ValueError(f"preset {self.name}: occluders must be 0 <= min <= max <= {MAX_OCCLUDERS}")
        if self.shake_deg[0] < 0.0:
            raise ValueError(f"preset {self.name}: shake_deg must be >= 0")
        if not 0.0 <= self.camera_motion_probability <= 1.0:
            raise ValueError(f"preset {self.name}: camera_motion_probability must be in [0, 1]")
        if not (self.texture_contrast[0] > 0.0 and self.texture_contrast[1] <= 1.0):
            raise ValueError(f"preset {self.name}: texture_contrast must lie in (0, 1]")

    @property
    def distractors(self) -> bool:
        """Whether backgrounds or grounds may show distractor shapes."""
        return DISTRACTOR_KIND in self.background_kinds + self.ground_kinds

    def azimuth_ranges(self, in_place: bool = False) -> tuple[Range, ...]:
        """The azimuth ranges of a travelling action, or of an in-place one with `in_place`."""
        return self.in_place_azimuth_deg if in_place and self.in_place_azimuth_deg else self.azimuth_deg

    def azimuth_span(self, in_place: bool = False) -> float:
        return sum(high - low for low, high in self.azimuth_ranges(in_place))

    def azimuth(self, u: float, in_place: bool = False) -> float:
        """Map ``u`` in [0, azimuth_span) onto the union of azimuth ranges (the default maps u to itself)."""
        ranges = self.azimuth_ranges(in_place)
        for low, high in ranges:
            if u < high - low:
                return low + u
            u -= high - low
        return ranges[-1][1]

    def to_dict(self) -> dict:
        """JSON-able table row (docs, metadata)."""
        row = {k: list(getattr(self, k)) for k in RANGE_FIELDS}
        row["azimuth_deg"] = [list(r) for r in self.azimuth_deg]
        row["in_place_azimuth_deg"] = [list(r) for r in self.azimuth_ranges(in_place=True)]
        row["camera_motion_probability"] = self.camera_motion_probability
        row["background_kinds"] = list(self.background_kinds)
        row["ground_kinds"] = list(self.ground_kinds)
        row["distractors"] = self.distractors
        row["occluders"] = list(self.occluders)
        row["occluder_kinds"] = list(self.occluder_kinds)
        row["clothing_kinds"] = list(self.clothing_kinds)
        for name in ("backdrop_palette", "ground_palette"):
            palette = getattr(self, name)
            row[name] = {"hue": None if palette.hue is None else list(palette.hue),
                         "saturation": list(palette.saturation), "value": list(palette.value)}  # fmt: skip
        return row


RANGE_FIELDS = (
    "elevation_deg", "focal", "fill", "pan_deg", "dolly", "backdrop_distance_m", "light_elevation_deg",
    "light_intensity", "ambient", "temperature", "texture_contrast", "shake_deg",
)  # fmt: skip
MAX_OCCLUDERS = 8

# Plain, low-contrast surfaces: soft noise and gradients, no distractor shapes.
_PLAIN_KINDS = ("noise", "gradient")
# Weizmann/KTH-like outdoor colours: a greyish, muted backdrop (walls, fences, foliage far away) and an
# earth/asphalt-toned ground. Muted scenes also make the (saturated) clothing stand out: on a small budget
# they decide whether a net that sees RGB learns at all (benchmarks/results/diagnostics/preset_learnability.log).
_MUTED = Palette(saturation=(0.05, 0.35), value=(0.45, 0.85))
_EARTH = Palette(hue=(0.05, 0.17), saturation=(0.05, 0.35), value=(0.35, 0.75))

PRESETS: dict[str, ScenePreset] = {
    preset.name: preset
    for preset in (
        ScenePreset(
            "default",
            "the original wide randomization: any azimuth, busy textures, 25 % moving cameras",
        ),
        ScenePreset(
            "side-view",
            "Weizmann/KTH-like: static camera near eye level, side view of walking/running (in-place actions "
            "also from the front), smaller person, plain muted outdoor scene",
            azimuth_deg=((70.0, 110.0), (250.0, 290.0)),
            in_place_azimuth_deg=((0.0, 25.0), (70.0, 110.0), (250.0, 290.0), (335.0, 360.0)),
            elevation_deg=(0.0, 10.0),
            focal=(1.2, 2.0),
            fill=(0.4, 0.7),
            backdrop_distance_m=(3.0, 8.0),
            camera_motion_probability=0.0,
            light_elevation_deg=(40.0, 75.0),
            light_intensity=(0.6, 0.9),
            ambient=(0.3, 0.5),
            temperature=(-0.3, 0.6),
            background_kinds=_PLAIN_KINDS,
            ground_kinds=("noise",),
            texture_contrast=(0.15, 0.45),
            backdrop_palette=_MUTED,
            ground_palette=_EARTH,
        ),
        ScenePreset(
            "easy",
            "curriculum for small budgets: front half circle, static camera, large person, plain muted scene",
            azimuth_deg=((270.0, 360.0), (0.0, 90.0)),
            elevation_deg=(0.0, 20.0),
            focal=(1.2, 1.8),
            fill=(0.75, 0.9),
            camera_motion_probability=0.0,
            light_elevation_deg=(40.0, 70.0),
            light_intensity=(0.65, 0.95),
            ambient=(0.3, 0.5),
            temperature=(-0.5, 0.5),
            background_kinds=_PLAIN_KINDS,
            ground_kinds=_PLAIN_KINDS,
            texture_contrast=(0.2, 0.5),
            backdrop_palette=_MUTED,
            ground_palette=_EARTH,
        ),
        ScenePreset(
            "natural",
            "natural image statistics (Yu, Chen and Gandelsman 2024): any viewpoint, dead-leaves and 1/f "
            "backdrops, floors and clothing, moving textured occluders and distractors, camera shake, "
            "frequent pans",
            elevation_deg=(-5.0, 40.0),
            pan_deg=(-20.0, 20.0),
            dolly=(-0.2, 0.2),
            camera_motion_probability=0.5,
            background_kinds=NATURAL_TEXTURE_KINDS,
            ground_kinds=NATURAL_TEXTURE_KINDS,
            shake_deg=(0.0, 1.5),
            occluders=(1, 4),
            clothing_kinds=NATURAL_TEXTURE_KINDS,
        ),
        ScenePreset(
            "natural-static",
            "the natural preset's textures and moving occluders, filmed by a still camera (no pan, dolly or "
            "shake): all motion comes from the person and the occluders",
            elevation_deg=(-5.0, 40.0),
            camera_motion_probability=0.0,
            background_kinds=NATURAL_TEXTURE_KINDS,
            ground_kinds=NATURAL_TEXTURE_KINDS,
            occluders=(1, 4),
            clothing_kinds=NATURAL_TEXTURE_KINDS,
        ),
    )
}
PRESET_NAMES = tuple(PRESETS)


def get_preset(name: str) -> ScenePreset:
    """The preset called `name`; a `SynaptError` naming the valid presets otherwise."""
    if name not in PRESETS:
        raise SynaptError(f"preset: must be one of {', '.join(PRESET_NAMES)}, got {name!r}")
    return PRESETS[name]
