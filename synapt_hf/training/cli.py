"""`synapt pretrain` and `synapt finetune`: the same code as scripts/pretrain.py and scripts/finetune.py.

The options are `TrainConfig`'s fields; run ``synapt pretrain --help`` for the list. For several GPUs or
nodes use ``accelerate launch scripts/pretrain.py ...`` (or ``accelerate launch -m synapt_hf.cli pretrain``).
"""

from __future__ import annotations

import argparse

HELP = {
    "pretrain": "pretrain a video model (default: videomae-tiny on the built-in generator)",
    "finetune": "fine-tune or linear-probe a checkpoint on a dataset (--protocol finetune|linear-probe)",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    for command, text in HELP.items():
        parser = subparsers.add_parser(command, help=text, description=text, add_help=False, prefix_chars="+")
        # every token (flags included) is passed on to the TrainConfig parser
        parser.add_argument("options", nargs=argparse.REMAINDER, help="training options (see --help)")
        parser.set_defaults(func=_handler(command))


def _handler(command: str):
    def handle(args: argparse.Namespace) -> int:
        if any(option in ("-h", "--help") for option in args.options):
            from synapt_hf.training.arguments import build_parser
            from synapt_hf.training.entry import COMMAND_DEFAULTS

            build_parser(COMMAND_DEFAULTS[command], prog=f"synapt {command}").print_help()
            return 0
        from synapt_hf.training.entry import run_command

        run_command(command, args.options)
        return 0

    return handle
