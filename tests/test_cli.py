"""The `synapt` entry point stays light: building its parser (what `synapt --help` does) imports no codec
or deep-learning library; those load when a command runs."""

from __future__ import annotations

import subprocess
import sys


def test_building_the_parser_imports_neither_pyav_nor_torch() -> None:
    code = (
        "import sys; from synapt_hf.cli import build_parser; build_parser(); "
        "print(sorted(m for m in ('av', 'torch', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
