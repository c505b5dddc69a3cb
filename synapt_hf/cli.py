"""The `synapt` command: thin subcommands that parse arguments and call the library.

Each feature package exposes `register(subparsers)` in a light `cli` module (heavy imports happen
inside the handlers), so `synapt --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from synapt_hf.errors import SynaptError

COMMAND_MODULES = (
    "synapt_hf.data.cli",  # info
    "synapt_hf.datasets.cli",  # build-dataset
    "synapt_hf.synth.cli",  # generate, preview
    "synapt_hf.synth.mocap.cli",  # motions import
    "synapt_hf.training.cli",  # pretrain, finetune
    "synapt_hf.evaluation.cli",  # transfer, bias
    "synapt_hf.hub.cli",  # publish, publish-catalog, catalog
)


def build_parser() -> argparse.ArgumentParser:
    from synapt_hf import __version__

    parser = argparse.ArgumentParser(prog="synapt", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"synapt-hf {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    from synapt_hf.log_setup import configure_logging

    configure_logging()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        result = args.func(args)
    except SynaptError as exc:
        print(f"synapt {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"synapt {args.command}: interrupted", file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
