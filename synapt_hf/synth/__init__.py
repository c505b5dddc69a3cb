"""Procedural synthetic human-action generator: body, actions, scene, batched torch renderer, writer, stream.

Light imports only here; see `synapt_hf.synth.clips` (sampling + rendering), `synapt_hf.synth.writer`
(`generate_dataset`) and `synapt_hf.synth.stream` (`SyntheticVideoStream`).
"""

from synapt_hf.synth.actions import ACTION_NAMES, ACTIONS, SYNAPT_CLASS
from synapt_hf.synth.config import GeneratorConfig

__all__ = ["ACTIONS", "ACTION_NAMES", "SYNAPT_CLASS", "GeneratorConfig"]
