"""Joint-name maps from source skeletons onto the generator's joints (`synapt_hf.synth.body.JOINTS`).

A map gives, for each of our joints, candidate source names (first present wins; matching ignores case,
namespaces such as ``mixamorig:`` and the characters ``_ -.``). BVH positions are joint origins (``X_end`` is
joint X's end site); ASF/AMC positions are bone tips, hence the ASF map names the bone ending at our joint, and
the ``acclaim_bvh`` map (BVH files converted from Acclaim skeletons) the bone starting there.
``{s}`` stands for the side letter (``l``/``r``) and ``{side}`` for ``left``/``right``.
"""

from __future__ import annotations

import re

from synapt_hf.errors import SynaptError
from synapt_hf.synth.mocap.take import Take

# Our joints a retarget cannot do without; the others fall back (spine: along the torso, hand: along the forearm,
# toe: forward from the ankle; face always follows the head).
REQUIRED = (
    "pelvis", "chest", "neck", "head",
    "l_shoulder", "l_elbow", "l_wrist", "r_shoulder", "r_elbow", "r_wrist",
    "l_hip", "l_knee", "l_ankle", "r_hip", "r_knee", "r_ankle",
)  # fmt: skip
OPTIONAL = ("spine", "l_hand", "r_hand", "l_toe", "r_toe")

_CENTRE = {
    "cmu": {"pelvis": ["hip"], "spine": ["abdomen"], "chest": ["chest"], "neck": ["neck"], "head": ["head"]},
    "acclaim": {
        "pelvis": ["root"], "spine": ["lowerback"], "chest": ["upperback"], "neck": ["lowerneck"],
        "head": ["head"],
    },
    "acclaim_bvh": {
        "pelvis": ["hip", "root"], "spine": ["upperback"], "chest": ["thorax"], "neck": ["upperneck"],
        "head": ["head_end", "head"],
    },
    "generic": {
        "pelvis": ["hips", "hip", "pelvis", "root"], "spine": ["spine", "abdomen", "lowerback", "spine1"],
        "chest": ["chest", "spine2", "upperchest", "spine1", "thorax", "upperback"], "neck": ["neck", "neck1"],
        "head": ["head"],
    },
}  # fmt: skip
_SIDE = {
    "cmu": {
        "shoulder": ["{s}shldr"], "elbow": ["{s}forearm"], "wrist": ["{s}hand"], "hand": ["{s}mid1"],
        "hip": ["{s}thigh"], "knee": ["{s}shin"], "ankle": ["{s}foot"], "toe": ["{s}foot_end"],
    },
    "acclaim": {
        "shoulder": ["{s}clavicle"], "elbow": ["{s}humerus"], "wrist": ["{s}radius"], "hand": ["{s}hand"],
        "hip": ["{s}hipjoint"], "knee": ["{s}femur"], "ankle": ["{s}tibia"], "toe": ["{s}foot"],
    },
    "acclaim_bvh": {
        "shoulder": ["{s}humerus"], "elbow": ["{s}radius"], "wrist": ["{s}wrist"], "hand": ["{s}fingers", "{s}hand"],
        "hip": ["{s}femur"], "knee": ["{s}tibia"], "ankle": ["{s}foot"], "toe": ["{s}toes"],
    },
    "generic": {
        "shoulder": ["{side}arm", "{side}upperarm", "{s}upperarm", "upperarm{s}", "{s}shldr", "{s}arm"],
        "elbow": ["{side}forearm", "{side}lowerarm", "{s}forearm", "{s}lowerarm", "lowerarm{s}", "{side}elbow",
                  "{s}elbow"],
        "wrist": ["{side}hand", "{s}hand", "hand{s}", "{side}wrist", "{s}wrist"],
        "hand": ["{side}handmiddle1", "{s}mid1", "{side}hand_end", "{s}hand_end"],
        "hip": ["{side}upleg", "{side}thigh", "{side}upperleg", "{s}thigh", "{s}upperleg", "upperleg{s}",
                "{s}upleg"],
        "knee": ["{side}leg", "{side}shin", "{side}lowerleg", "{s}shin", "{s}lowerleg", "lowerleg{s}",
                 "{side}knee", "{s}knee", "{s}leg"],
        "ankle": ["{side}foot", "{s}foot", "foot{s}", "{side}ankle", "{s}ankle"],
        "toe": ["{side}toebase", "{side}toe", "{side}toes", "{s}toe", "{s}toes", "toe{s}", "{s}toebase",
                "{side}foot_end", "{s}foot_end"],
    },
}  # fmt: skip
# Which maps to try for each file kind, in order.
MAPS_FOR_KIND = {"bvh": ("cmu", "acclaim_bvh", "generic"), "asf": ("acclaim",)}


def normalise(name: str) -> str:
    """Case-, namespace- and separator-insensitive form of a joint name (``mixamorig:Left_Arm`` -> ``leftarm``)."""
    return re.sub(r"[\s_.\-]", "", name.rsplit(":", 1)[-1].lower()).removeprefix("mixamorig")


def candidates(skeleton: str) -> dict[str, list[str]]:
    """Our joint -> candidate source names (normalised) of map `skeleton`."""
    out = {joint: [normalise(n) for n in names] for joint, names in _CENTRE[skeleton].items()}
    for side, word in (("l", "left"), ("r", "right")):
        for joint, names in _SIDE[skeleton].items():
            out[f"{side}_{joint}"] = [normalise(n.format(s=side, side=word)) for n in names]
    return out


def map_names(names: tuple[str, ...], skeleton: str) -> dict[str, str]:
    """Our joint -> source joint name, for the joints of map `skeleton` found among `names`."""
    lookup: dict[str, str] = {}
    for name in names:
        lookup.setdefault(normalise(name), name)
    found = {}
    for joint, options in candidates(skeleton).items():
        hit = next((lookup[o] for o in options if o in lookup), None)
        if hit is not None:
            found[joint] = hit
    return found


def resolve_mapping(take: Take) -> tuple[str, dict[str, str]]:
    """(map name, our joint -> source name) for `take`: the first map of its kind covering every REQUIRED
    joint. SynaptError names the file and the unmapped required joints of the closest map."""
    best: tuple[str, dict[str, str], list[str]] | None = None
    for skeleton in MAPS_FOR_KIND[take.kind]:
        mapping = map_names(take.names, skeleton)
        missing = [j for j in REQUIRED if j not in mapping]
        if not missing:
            return skeleton, mapping
        if best is None or len(missing) < len(best[2]):
            best = (skeleton, mapping, missing)
    assert best is not None
    raise SynaptError(
        f"{take.path}: cannot map the skeleton onto the generator's body: required joint(s) "
        f"{', '.join(best[2])} have no match (closest map {best[0]!r}; the file's joints: "
        f"{', '.join(take.names[:40])}{' ...' if len(take.names) > 40 else ''})"
    )
