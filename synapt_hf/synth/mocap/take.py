"""`Take`: one capture file as world positions of its source skeleton's joints, and the file reading helpers."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from synapt_hf.errors import SynaptError

BVH_SUFFIXES = (".bvh", ".bvh.gz")
AMC_SUFFIXES = (".amc", ".amc.gz")
ASF_SUFFIXES = (".asf", ".asf.gz")


@dataclass(frozen=True)
class Take:
    """A capture: ``positions`` ``(T, J, 3)`` in the file's units and axes (y up), joint ``names`` (BVH end
    sites are ``<joint>_end``; ASF/AMC positions are bone tips), ``fps``, the file's ``kind`` (bvh | asf)."""

    path: str
    kind: str
    fps: float
    names: tuple[str, ...]
    positions: np.ndarray

    @property
    def num_frames(self) -> int:
        return int(self.positions.shape[0])

    def joint(self, name: str) -> np.ndarray:
        return self.positions[:, self.names.index(name)]


def read_text(path: str | Path) -> str:
    """The file's text; ``.gz`` files are decompressed. Unreadable files raise SynaptError naming the file."""
    path = Path(path)
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rt", encoding="utf-8", errors="replace") as handle:
                return handle.read()
        return path.read_text(encoding="utf-8", errors="replace")
    except (OSError, EOFError) as exc:
        raise SynaptError(f"{path}: cannot read ({exc})") from exc


def stem(path: str | Path) -> str:
    """File name without ``.gz`` and the format suffix (``02_01.bvh.gz`` -> ``02_01``)."""
    name = Path(path).name
    if name.endswith(".gz"):
        name = name[:-3]
    return name.rsplit(".", 1)[0] if "." in name else name


def has_suffix(path: str | Path, suffixes: tuple[str, ...]) -> bool:
    return Path(path).name.lower().endswith(suffixes)


def axis_rotation(axis: str, angle_rad: np.ndarray) -> np.ndarray:
    """(..., 3, 3) right-handed rotations about ``"x"``, ``"y"`` or ``"z"``."""
    from synapt_hf.synth.body import rotation_x, rotation_y, rotation_z

    return {"x": rotation_x, "y": rotation_y, "z": rotation_z}[axis.lower()](angle_rad)
