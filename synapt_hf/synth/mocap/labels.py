"""Labels of capture files: a mapping file, CMU index keyword rules, and the HDM05 file-name rule.

All shipped rules live here: `CMU_KEYWORDS` (ordered, first match wins; a description matching none is left
unlabelled) and `HDM05_CLASSES` (HDM05 motion class -> our class; procedural action names where the motion is
the same, otherwise a descriptive name). The licences and acknowledgements of the known databases are in
`SOURCES`.
"""

from __future__ import annotations

import csv
import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path

from synapt_hf.errors import SynaptError
from synapt_hf.synth.mocap.take import stem

CMU_KEYWORDS: tuple[tuple[str, str], ...] = (
    (r"\brun", "running"),
    (r"\bjog", "jogging"),
    (r"\bwalk", "walking"),
    (r"\bjump", "jumping"),
    (r"\bhop", "hopping"),
    (r"\bsquat", "squatting"),
    (r"\bkick", "kicking"),
    (r"\bpunch|\bbox", "punching"),
    (r"\bwav", "waving_one_hand"),
)
HDM05_CLASSES = {
    "squat": "squatting",
    "kick": "kicking",
    "rotateArms": "arm_circling",
    "jog": "jogging",
    "hopBothLegs": "jumping_in_place",
    "hopLLeg": "hopping",
    "hopRLeg": "hopping",
    "throwBasketball": "throwing",
    "depositFloor": "depositing_on_floor",
    "grabHigh": "grabbing_high",
    "elbowToKnee": "elbow_to_knee",
    "lieDownFloor": "lying_down",
    "sneak": "sneaking",
    "walk": "walking",
    "jumpingJack": "jumping_jack",
    "clap": "clapping",
}
_HDM05_NAME = re.compile(r"^HDM_(?P<actor>[A-Za-z]+)_(?P<motion>[A-Za-z0-9]+?)_\d+(_\d+)?$")
_CMU_NAME = re.compile(r"^(?P<subject>\d+)_(?P<trial>\d+)$")


@dataclass(frozen=True)
class Source:
    name: str
    licence: str
    citation: str


SOURCES = {
    "cmu": Source(
        "CMU Graphics Lab Motion Capture Database",
        "free for all uses including commercial products; the data itself may not be resold",
        "The data used in this project was obtained from mocap.cs.cmu.edu. The database was created with "
        "funding from NSF EIA-0196217.",
    ),
    "hdm05": Source(
        "Mocap Database HDM05",
        "CC-BY-SA-3.0",
        'M. Müller, T. Röder, M. Clausen, B. Eberhardt, B. Krüger, A. Weber, "Documentation Mocap Database '
        'HDM05", Universität Bonn, CG-2007-2, 2007.',
    ),
}


def hdm05_class(path: str | Path) -> str | None:
    """The class of an HDM05 file name (``HDM_bd_squat1Reps_001_120.amc``), or None for other names."""
    match = _HDM05_NAME.match(stem(path))
    if not match:
        return None
    motion = match.group("motion")
    for prefix in sorted(HDM05_CLASSES, key=len, reverse=True):
        if motion.startswith(prefix):
            return HDM05_CLASSES[prefix]
    return re.sub(r"(?<!^)(?=[A-Z])", "_", re.sub(r"\d.*$", "", motion)).lower() or None


def known_source(path: str | Path) -> str | None:
    """``"hdm05"`` or ``"cmu"`` when the file name follows that database's naming, else None."""
    name = stem(path)
    if _HDM05_NAME.match(name):
        return "hdm05"
    if _CMU_NAME.match(name):
        return "cmu"
    return None


def read_cmu_index(path: str | Path) -> dict[tuple[int, int], str]:
    """(subject, trial) -> motion description, from the CMU index CSV (columns Subject, Trial #, Motion
    Description; other columns ignored)."""
    try:
        with open(path, newline="", encoding="utf-8", errors="replace") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise SynaptError(f"{path}: cannot read the CMU index ({exc})") from exc
    if not rows:
        raise SynaptError(f"{path}: the CMU index is empty")
    columns = {c.strip().lower(): c for c in rows[0]}
    need = ("subject", "trial #", "motion description")
    if any(c not in columns for c in need):
        raise SynaptError(f"{path}: the CMU index needs the columns Subject, Trial #, Motion Description")
    out = {}
    for line, row in enumerate(rows, 2):
        try:
            key = (int(row[columns["subject"]]), int(row[columns["trial #"]]))
        except (TypeError, ValueError):
            raise SynaptError(f"{path}: line {line}: Subject and Trial # must be integers") from None
        out[key] = row[columns["motion description"]].strip()
    return out


def cmu_class(description: str) -> str | None:
    for pattern, name in CMU_KEYWORDS:
        if re.search(pattern, description, re.IGNORECASE):
            return name
    return None


def read_label_file(path: str | Path) -> list[tuple[str, str]]:
    """(file glob or name, class) pairs from a CSV (``file_glob_or_name,class``; a header row is skipped) or a
    YAML file (a mapping of glob -> class)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SynaptError(f"{path}: cannot read the label file ({exc})") from exc
    pairs: list[tuple[str, str]] = []
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(text)
        if not isinstance(data, dict):
            raise SynaptError(f"{path}: a YAML label file must be a mapping of file glob -> class")
        pairs = [(str(k), str(v)) for k, v in data.items()]
    else:
        for line, row in enumerate(csv.reader(text.splitlines()), 1):
            if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                continue
            if len(row) != 2:
                raise SynaptError(f"{path}: line {line}: expected 'file_glob_or_name,class', got {row}")
            if line == 1 and row[1].strip().lower() in ("class", "label"):
                continue
            pairs.append((row[0].strip(), row[1].strip()))
    for pattern, name in pairs:
        if not re.fullmatch(r"[A-Za-z0-9_\-]+", name):
            raise SynaptError(
                f"{path}: class {name!r} for {pattern!r}: use letters, digits, '_' and '-' only"
            )
    if not pairs:
        raise SynaptError(f"{path}: no labels")
    return pairs


@dataclass
class Labeller:
    """Labels a file by, in order: the label file, the CMU index (``NN_TT`` names), the HDM05 name rule."""

    pairs: list[tuple[str, str]] | None = None
    cmu_index: dict[tuple[int, int], str] | None = None

    def label(self, path: str | Path) -> str | None:
        name, base = Path(path).name, stem(path)
        for pattern, label in self.pairs or ():
            if fnmatch.fnmatch(name, pattern) or fnmatch.fnmatch(base, pattern) or pattern in (name, base):
                return label
        match = _CMU_NAME.match(base)
        if match and self.cmu_index is not None:
            description = self.cmu_index.get((int(match.group("subject")), int(match.group("trial"))))
            return cmu_class(description) if description else None
        return hdm05_class(path)
