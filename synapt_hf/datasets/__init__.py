"""Dataset builders: raw video trees and split files -> the dataset format (see docs/datasets.md).

Register a builder with one line in `BUILDERS`: its name -> ``"module:Class"`` (a `VideoDatasetBuilder`
subclass whose `name` is that name). The name is the dataset's only spelling: a named builder's spec is
`specs/<name>.yaml` (`synapt_hf.datasets.registry`). Modules are imported only when a builder is used or
the CLI lists them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from synapt_hf.errors import SynaptError

if TYPE_CHECKING:
    from synapt_hf.datasets.builder import VideoDatasetBuilder

BUILDERS: dict[str, str] = {
    "folder": "synapt_hf.datasets.folder:FolderBuilder",
    "synapt150": "synapt_hf.datasets.synapt150:SynAPT150Builder",
    "kinetics150": "synapt_hf.datasets.kinetics150:Kinetics150Builder",
    "ucf101": "synapt_hf.datasets.ucf101:UCF101Builder",
    "hmdb51": "synapt_hf.datasets.hmdb51:HMDB51Builder",
    "diving48": "synapt_hf.datasets.diving48:Diving48Builder",
    "mini-ssv2": "synapt_hf.datasets.mini_ssv2:MiniSSV2Builder",
    "ikea-fa": "synapt_hf.datasets.ikea_fa:IkeaFABuilder",
    "uav-human": "synapt_hf.datasets.uav_human:UAVHumanBuilder",
}


def get_builder(name: str) -> type[VideoDatasetBuilder]:
    """The builder class registered as `name`; SynaptError naming the known ones otherwise."""
    if name not in BUILDERS:
        raise SynaptError(f"unknown dataset builder {name!r} (choose from {', '.join(BUILDERS)})")
    module_name, _, class_name = BUILDERS[name].partition(":")
    builder = getattr(importlib.import_module(module_name), class_name)
    if getattr(builder, "name", None) != name:
        raise SynaptError(
            f"builder {BUILDERS[name]} declares name {getattr(builder, 'name', None)!r}, not {name!r}"
        )
    return builder
