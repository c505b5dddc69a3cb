"""Parse `TrainConfig` from command-line flags and an optional YAML/JSON config file.

``--config run.yaml`` supplies defaults for any field; flags on the command line override them. The
pretrain and finetune entry points differ only in their default protocol. The names of the transformers
example scripts (`ALIASES`: ``--model_name_or_path``, ``--dataset_name``, ``--num_train_epochs``,
``--lr_scheduler_type``) are accepted for their fields, as flags and as config-file keys; an alias and its field
given together with different values (in the same place) is an error naming both.
"""

from __future__ import annotations

import argparse
import json
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from transformers import HfArgumentParser

from synapt_hf.errors import SynaptError
from synapt_hf.training.config import ALIASES, TrainConfig, resolve_aliases


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
    normalized = resolve_aliases(normalized, f"--config {file}")
    unknown = sorted(set(normalized) - known)
    if unknown:
        raise SynaptError(f"--config {file}: unknown option(s) {', '.join(unknown)}")
    return normalized


def build_parser(defaults: dict[str, Any] | None = None, prog: str | None = None) -> HfArgumentParser:
    """`TrainConfig`'s fields as flags (dashes or underscores), their aliases, and ``--config``."""
    parser = HfArgumentParser(TrainConfig, prog=prog)
    hints = typing.get_type_hints(TrainConfig)
    for alias, name in ALIASES.items():
        kind = next(t for t in (*typing.get_args(hints[name]), hints[name]) if t is not type(None))
        parser.add_argument(
            f"--{alias}",
            f"--{alias.replace('_', '-')}",
            dest=alias,
            type=kind,
            default=argparse.SUPPRESS,  # absent from the namespace unless given
            metavar=name.upper(),
            help=f"alias of --{name} (the transformers examples' name)",
        )
    parser.add_argument("--config", help="YAML or JSON file of options (command-line flags override it)")
    if defaults:
        parser.set_defaults(**defaults)
    return parser


_NOT_GIVEN = object()


def parse_train_config(
    argv: Sequence[str] | None = None, defaults: dict[str, Any] | None = None, prog: str | None = None
) -> TrainConfig:
    """`TrainConfig` from `argv` (sys.argv when None), with `defaults` and then ``--config`` underneath."""
    import sys

    argv = list(sys.argv[1:] if argv is None else argv)
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--config")
    known, _ = pre.parse_known_args(argv)
    merged = dict(defaults or {})
    if known.config:
        merged.update(read_config_file(known.config))
    parser = build_parser(merged, prog)
    namespace, extra = parser.parse_known_args(argv)
    if extra:
        raise SynaptError(f"unrecognized arguments: {' '.join(extra)}")
    values = vars(namespace)
    values.pop("config", None)
    given = _given_on_command_line(parser, argv)
    for alias, name in ALIASES.items():  # an alias on the command line overrides defaults and --config
        if alias not in values:
            continue
        if name in given and values[name] != values[alias]:
            raise SynaptError(
                f"--{alias} {values[alias]} and --{name} {values[name]} are the same option with different "
                "values; give one"
            )
        values[name] = values.pop(alias)
    return TrainConfig(**values)


def _given_on_command_line(parser: argparse.ArgumentParser, argv: list[str]) -> set[str]:
    """The field names that `argv` sets (parsing into a namespace whose every field is preset to a marker:
    argparse fills in defaults only for attributes the namespace lacks)."""
    probe = argparse.Namespace(**dict.fromkeys(TrainConfig.__dataclass_fields__, _NOT_GIVEN))
    parsed, _ = parser.parse_known_args(argv, namespace=probe)
    return {name for name in TrainConfig.__dataclass_fields__ if getattr(parsed, name) is not _NOT_GIVEN}
