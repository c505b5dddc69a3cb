"""`GeneratorConfig`: what to generate (classes, clip size, seed, scene bias), validated up front."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from synapt_hf.errors import SynaptError
from synapt_hf.synth.actions import ACTION_NAMES, resolve_classes
from synapt_hf.synth.presets import get_preset

SCENE_BIAS_MODES = ("independent", "correlated")
SPLIT_CODES = {"train": 0, "validation": 1, "test": 2}
MIN_SIZE, MAX_SIZE = 16, 1024
MAX_FRAMES = 512
# The default class set: the first 10 table entries, chosen to be visually distinct.
DEFAULT_NUM_CLASSES = 10


@dataclass(frozen=True)
class GeneratorConfig:
    """Everything that determines the generated pixels: clip ``i`` of a split is a pure function of it.

    ``classes`` is a tuple of action names (see `synapt_hf.synth.actions.ACTION_NAMES`); use
    `GeneratorConfig.create` to pass ``N``/``"all"``/comma-separated names. ``size`` must be even
    (H.264 with 4:2:0 chroma needs even frame sizes). ``preset`` names the scene domain (camera, lighting
    and background ranges; see `synapt_hf.synth.presets.PRESETS`). ``motions`` names a motion library
    (folder or Hub dataset id, `synapt_hf.synth.mocap.library`): its classes join the class list after the
    table's actions, and a class that is also a table action takes a library motion in a ``motions_share``
    of its clips (drawn per clip).
    """

    classes: tuple[str, ...] = field(default_factory=lambda: ACTION_NAMES[:DEFAULT_NUM_CLASSES])
    frames: int = 16
    size: int = 112
    fps: float = 12.0
    seed: int = 0
    scene_bias: str = "independent"
    antialias: bool = False
    camera_motion: bool = True
    shadows: bool = True
    joint_noise_deg: float = 3.0
    preset: str = "default"
    motions: str | None = None
    motions_share: float = 0.5

    def __post_init__(self) -> None:
        get_preset(self.preset)  # unknown names fail first, listing the valid ones
        object.__setattr__(
            self, "classes", resolve_classes(list(self.classes), library_classes(self.motions))
        )
        if isinstance(self.motions_share, bool) or not isinstance(self.motions_share, (int, float)):
            raise SynaptError(f"motions_share: must be a number in [0, 1], got {self.motions_share!r}")
        object.__setattr__(self, "motions_share", float(self.motions_share))
        if not 0.0 <= self.motions_share <= 1.0:
            raise SynaptError(f"motions_share: must be in [0, 1], got {self.motions_share!r}")
        if not isinstance(self.frames, int) or not 1 <= self.frames <= MAX_FRAMES:
            raise SynaptError(f"frames: must be an integer in 1..{MAX_FRAMES}, got {self.frames!r}")
        if not isinstance(self.size, int) or not MIN_SIZE <= self.size <= MAX_SIZE:
            raise SynaptError(f"size: must be an integer in {MIN_SIZE}..{MAX_SIZE}, got {self.size!r}")
        if self.size % 2:
            raise SynaptError(f"size: must be even for H.264 (4:2:0 chroma), got {self.size}")
        if isinstance(self.fps, bool) or not isinstance(self.fps, (int, float)):
            raise SynaptError(f"fps: must be a number, got {self.fps!r}")
        object.__setattr__(self, "fps", float(self.fps))
        object.__setattr__(self, "joint_noise_deg", float(self.joint_noise_deg))
        if not self.fps > 0 or self.fps > 240:
            raise SynaptError(f"fps: must be in (0, 240], got {self.fps!r}")
        if self.scene_bias not in SCENE_BIAS_MODES:
            raise SynaptError(
                f"scene_bias: must be one of {', '.join(SCENE_BIAS_MODES)}, got {self.scene_bias!r}"
            )
        if not isinstance(self.seed, int) or self.seed < 0:
            raise SynaptError(f"seed: must be a non-negative integer, got {self.seed!r}")
        if not 0 <= self.joint_noise_deg <= 20:
            raise SynaptError(f"joint_noise_deg: must be in [0, 20], got {self.joint_noise_deg!r}")

    @classmethod
    def create(
        cls, classes: int | str | list[str] | tuple[str, ...] | None = None, **kwargs
    ) -> GeneratorConfig:
        """Build a config from a class spec: ``N`` (first N actions), ``"all"``, or names."""
        extra = library_classes(kwargs.get("motions"))
        names = resolve_classes(classes, extra) if classes is not None else ACTION_NAMES[:DEFAULT_NUM_CLASSES]
        return cls(classes=names, **kwargs)

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["classes"] = list(self.classes)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> GeneratorConfig:
        data = dict(data)
        data["classes"] = tuple(data["classes"])
        return cls(**data)


def library_classes(motions: str | None) -> tuple[str, ...]:
    """The class names of motion library `motions` (loaded once per process), or () without one."""
    if not motions:
        return ()
    from synapt_hf.synth.mocap.library import load_library

    return load_library(motions).class_names


def split_code(split: str) -> int:
    if split not in SPLIT_CODES:
        raise SynaptError(f"split: must be one of {', '.join(SPLIT_CODES)}, got {split!r}")
    return SPLIT_CODES[split]
