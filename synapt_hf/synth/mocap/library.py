"""The motion library: import capture files into labelled segments saved as a Hugging Face dataset, load it
(once per process, cached by path or Hub id) and draw a clip's motion from it.

One row per segment: ``id``, ``class_name``, ``source_file``, ``source``, ``licence``, ``citation``, ``fps``,
``num_frames``, ``start_s`` and the `Motion` arrays (``directions``, ``frames``, ``root``, ``lift``; float32).
Segments are windows of ``segment_seconds`` every ``stride_seconds`` (a shorter take is one segment), facing
+z on average, stored at ``fps``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from synapt_hf.errors import SynaptError
from synapt_hf.synth.mocap.labels import SOURCES, Labeller, known_source
from synapt_hf.synth.mocap.retarget import BONES, Motion, facing_yaw, resample, retarget, transform
from synapt_hf.synth.mocap.take import AMC_SUFFIXES, ASF_SUFFIXES, BVH_SUFFIXES, Take, has_suffix, stem

log = logging.getLogger(__name__)

STORE_FPS = 30.0
MIN_SEGMENT_SECONDS = 0.5
# Per-clip augmentation ranges drawn by `draw_motion`.
SPEED_RANGE = (0.85, 1.15)
HEADING_DEG = 20.0
UNKNOWN_LICENCE = "unknown (pass --licence)"


def find_captures(sources: Sequence[str | Path]) -> list[Path]:
    """BVH and AMC files named by `sources` (files, or folders searched recursively), sorted."""
    found: set[Path] = set()
    for source in sources:
        path = Path(source).expanduser()
        if path.is_dir():
            found.update(
                p for p in path.rglob("*") if p.is_file() and has_suffix(p, BVH_SUFFIXES + AMC_SUFFIXES)
            )
        elif path.is_file():
            if not has_suffix(path, BVH_SUFFIXES + AMC_SUFFIXES):
                raise SynaptError(f"{path}: not a .bvh/.amc file (optionally .gz)")
            found.add(path)
        else:
            raise SynaptError(f"{path}: no such file or directory")
    return sorted(found)


def find_asf(amc: Path) -> Path:
    """The ASF skeleton of `amc`: in its folder or the one above, the ASF whose name is the longest prefix
    of the AMC's name (``HDM_bd.asf`` for ``HDM_bd_squat1Reps_001_120.amc``), or the only ASF there."""
    options = [
        p for d in (amc.parent, amc.parent.parent) for p in sorted(d.glob("*")) if has_suffix(p, ASF_SUFFIXES)
    ]
    prefixed = [p for p in options if stem(amc).startswith(stem(p))]
    if prefixed:
        return max(prefixed, key=lambda p: len(stem(p)))
    if len(options) == 1:
        return options[0]
    raise SynaptError(f"{amc}: no matching .asf skeleton in {amc.parent} or {amc.parent.parent}")


def read_capture(path: Path, skeletons: dict[Path, Any] | None = None) -> Take:
    """Read a BVH or AMC file (AMC with its ASF, parsed once per ASF through `skeletons`)."""
    from synapt_hf.synth.mocap.asf_amc import read_amc, read_asf
    from synapt_hf.synth.mocap.bvh import read_bvh

    if has_suffix(path, BVH_SUFFIXES):
        return read_bvh(path)
    asf = find_asf(path)
    cache = skeletons if skeletons is not None else {}
    if asf not in cache:
        cache[asf] = read_asf(asf)
    return read_amc(path, cache[asf])


def segments(motion: Motion, segment_seconds: float, stride_seconds: float) -> list[tuple[float, Motion]]:
    """(start in seconds, window) pairs; every window turned to face +z on average."""
    if motion.duration < MIN_SEGMENT_SECONDS:
        return []
    if motion.duration <= segment_seconds:
        starts = [0.0]
    else:
        starts = list(np.arange(0.0, motion.duration - segment_seconds + 1e-9, stride_seconds))
    out = []
    for start in starts:
        length = min(segment_seconds, motion.duration)
        times = start + np.arange(0.0, length + 1e-9, 1.0 / STORE_FPS)
        window = resample(motion, times - 0.0)
        window = Motion(STORE_FPS, window.directions, window.frames, window.root, window.lift)
        out.append((float(start), transform(window, -facing_yaw(window))))
    return out


def import_motions(
    sources: Sequence[str | Path],
    labeller: Labeller,
    segment_seconds: float = 4.0,
    stride_seconds: float = 2.0,
    licence: str | None = None,
    citation: str | None = None,
):
    """Read, label, retarget and segment every capture of `sources` into a `datasets.Dataset`.

    Unlabelled files are skipped (logged); no labelled file at all raises SynaptError."""
    import datasets

    if not segment_seconds > 0 or not stride_seconds > 0:
        raise SynaptError("segment and stride seconds must be positive")
    rows: dict[str, list] = {name: [] for name in _features()}
    skeletons: dict[Path, Any] = {}
    captures = find_captures(sources)
    if not captures:
        raise SynaptError(f"no .bvh/.amc files in {', '.join(map(str, sources))}")
    skipped = []
    for path in captures:
        label = labeller.label(path)
        if label is None:
            skipped.append(path.name)
            continue
        motion = retarget(read_capture(path, skeletons))
        known = SOURCES.get(known_source(path) or "")
        for start, window in segments(motion, segment_seconds, stride_seconds):
            rows["id"].append(f"{stem(path)}@{start:.2f}")
            rows["class_name"].append(label)
            rows["source_file"].append(path.name)
            rows["source"].append(known.name if known and not licence else "user capture")
            rows["licence"].append(licence or (known.licence if known else UNKNOWN_LICENCE))
            rows["citation"].append(citation or (known.citation if known else ""))
            rows["fps"].append(window.fps)
            rows["num_frames"].append(window.num_frames)
            rows["start_s"].append(start)
            rows["directions"].append(window.directions.astype(np.float32))
            rows["frames"].append(window.frames.astype(np.float32))
            rows["root"].append(window.root.astype(np.float32))
            rows["lift"].append(window.lift.astype(np.float32))
    if skipped:
        log.info("no label for %d file(s), skipped: %s", len(skipped), ", ".join(skipped[:20]))
    if not rows["id"]:
        raise SynaptError("no labelled segments: check --labels / --cmu-index (every file was unlabelled)")
    return datasets.Dataset.from_dict(rows, features=_features())


def _features():
    import datasets

    text, f32 = datasets.Value("string"), datasets.Value("float32")
    return datasets.Features({
        "id": text, "class_name": text, "source_file": text, "source": text, "licence": text, "citation": text,
        "fps": f32, "num_frames": datasets.Value("int32"), "start_s": f32,
        "directions": datasets.Array3D((None, len(BONES), 3), "float32"),
        "frames": datasets.Array4D((None, 2, 3, 3), "float32"),
        "root": datasets.Array2D((None, 3), "float32"),
        "lift": datasets.Sequence(f32),
    })  # fmt: skip


@dataclass(frozen=True)
class MotionLibrary:
    """A loaded library: segments (as `Motion`) with their ids and classes, grouped by class."""

    spec: str
    ids: tuple[str, ...]
    classes: tuple[str, ...]
    motions: tuple[Motion, ...]

    @functools.cached_property
    def by_class(self) -> dict[str, tuple[int, ...]]:
        out: dict[str, list[int]] = {}
        for k, name in enumerate(self.classes):
            out.setdefault(name, []).append(k)
        return {name: tuple(v) for name, v in out.items()}

    @property
    def class_names(self) -> tuple[str, ...]:
        """The library's classes in first-appearance order."""
        return tuple(self.by_class)


def _load_rows(spec: str):
    import datasets

    path = Path(spec).expanduser()
    try:
        loaded = datasets.load_from_disk(str(path)) if path.exists() else datasets.load_dataset(spec)
    except Exception as exc:  # any loading failure becomes one clear error
        raise SynaptError(f"motions {spec}: cannot load the motion library ({exc})") from exc
    if isinstance(loaded, datasets.DatasetDict):
        loaded = loaded["train"] if "train" in loaded else next(iter(loaded.values()))
    missing = [
        c
        for c in ("id", "class_name", "directions", "frames", "root", "lift", "fps")
        if c not in loaded.column_names
    ]
    if missing:
        raise SynaptError(f"motions {spec}: not a motion library (lacks {', '.join(missing)})")
    return loaded


@functools.lru_cache(maxsize=4)
def load_library(spec: str) -> MotionLibrary:
    """The library saved at folder `spec` (or Hub dataset id `spec`), loaded once per process."""
    rows = _load_rows(spec).with_format("numpy")
    motions = []
    for row in rows:
        motions.append(Motion(
            float(row["fps"]), np.asarray(row["directions"], np.float64), np.asarray(row["frames"], np.float64),
            np.asarray(row["root"], np.float64), np.asarray(row["lift"], np.float64),
        ))  # fmt: skip
    if not motions:
        raise SynaptError(f"motions {spec}: the library has no segments")
    return MotionLibrary(spec, tuple(str(i) for i in rows["id"]), tuple(str(c) for c in rows["class_name"]),
                         tuple(motions))  # fmt: skip


def draw_motion(
    library: MotionLibrary,
    class_name: str,
    rng: np.random.Generator,
    frames: int,
    fps: float,
    force_mirrored: bool | None = None,
) -> tuple[Motion, dict[str, Any]]:
    """A clip's motion of `class_name`: segment, start, speed, mirroring and heading drawn from `rng` (in that
    order; `force_mirrored` overrides the draw), resampled to `frames` frames at `fps` and centred on the
    ground origin. Returns it and its metadata."""
    options = library.by_class[class_name]
    k = options[int(rng.integers(len(options)))]
    segment = library.motions[k]
    speed = float(rng.uniform(*SPEED_RANGE))
    span = (frames - 1) / fps * speed
    start = float(rng.uniform(0.0, max(segment.duration - span, 0.0)))
    mirrored = bool(rng.random() < 0.5)
    mirrored = mirrored if force_mirrored is None else force_mirrored
    heading = float(rng.uniform(-HEADING_DEG, HEADING_DEG))
    times = start + np.arange(frames) * speed / fps
    motion = transform(resample(segment, times), np.deg2rad(heading), mirrored)
    centre = motion.root[:, [0, 2]].mean(0)
    root = motion.root.copy()
    root[:, [0, 2]] -= centre
    motion = Motion(fps, motion.directions, motion.frames, root, motion.lift)
    info = {"segment": library.ids[k], "start_s": start, "speed": speed, "mirrored": mirrored,
            "heading_deg": heading}  # fmt: skip
    return motion, info
