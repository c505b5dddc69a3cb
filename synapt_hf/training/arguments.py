"""Parse `TrainConfig` from command-line flags and an optional YAML/JSON config file.

``--config run.yaml`` supplies defaults for any field; flags on the command line override them. The
pretrain and finetune entry points differ only in their default protocol.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from transformers import HfArgumentParser

from synapt_hf.errors import SynaptError
from synapt_hf.training.config import TrainConfig


def read_config_file(path: str | Path) -> dict[str, Any]:
    """The mapping in a YAML or JSON config file (keys are `TrainConfig` field names, dashes allowed)."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise SynaptError(f"--config {file}: no such file")
    try:
        text = file.read_text()
        values = json.loads(text) if file.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SynaptError(
            f"--config {file}: not valid {'JSON' if file.suffix == '.json' else 'YAML'} ({exc})"
        ) from exc
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise SynaptError(f"--config {file}: expected a mapping of option names to values")
    known = set(TrainConfig.__dataclass_fields__)
    normalized = {str(key).replace("-", "_"): value for key, value in values.items()}
    unknown = sorted(set(normalized) - known)
    if unknown:
        raise SynaptError(f"--config {file}: unknown option(s) {', '.join(unknown)}")
    return normalized


def build_parser(defaults: dict[str, Any] | None = None, prog: str | None = None) -> HfArgumentParser:
    parser = HfArgumentParser(TrainConfig, prog=prog)
    parser.add_argument("--config", help="YAML or JSON file of options (command-line flags override it)")
    if defaults:
        parser.set_defaults(**defaults)
    return parser


def parse_train_config(
    argv: Sequence[str] | None = None, defaults: dict[str, Any] | None = None, prog: str | None = None
) -> TrainConfig:
    """`TrainConfig` from `argv` (sys.argv when None), with `defaults` and then ``--config`` underneath."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--config")
    known, _ = pre.parse_known_args(argv)
    merged = dict(defaults or {})
    if known.config:
        merged.update(read_config_file(known.config))
    parser = build_parser(merged, prog)
    outputs = parser.parse_args_into_dataclasses(args=argv, return_remaining_strings=True)
    config, extra = outputs[0], outputs[-1]
    if extra:
        raise SynaptError(f"unrecognized arguments: {' '.join(extra)}")
    return config


def config_from_namespace(args: argparse.Namespace) -> TrainConfig:
    """`TrainConfig` from an argparse namespace built with `add_train_arguments` (the `synapt` CLI)."""
    values = {name: getattr(args, name) for name in TrainConfig.__dataclass_fields__ if hasattr(args, name)}
    if getattr(args, "config", None):
        file_values = read_config_file(args.config)
        explicit = getattr(args, "_explicit", set())
        values = {**values, **{k: v for k, v in file_values.items() if k not in explicit}}
    return TrainConfig.from_dict(values)
