"""The pretrain/finetune commands shared by ``scripts/*.py`` (under ``accelerate launch``) and ``synapt``."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

from synapt_hf.errors import SynaptError

COMMAND_DEFAULTS: dict[str, dict[str, Any]] = {
    "pretrain": {},
    "finetune": {"protocol": "finetune"},
}
# The main job (`pretrain` with no arguments) must finish within 10 minutes on a 2-core CPU even when the
# machine is busy: its training phase gets a wall-clock budget (evaluation and saving follow it).
MAIN_JOB_DEFAULTS: dict[str, Any] = {"max_train_minutes": 7.0}
# What the pretrain summary suggests as `--dataset`: any folder of class subfolders or built dataset works.
DATASET_HINT = "DATASET_DIR"


def run_command(command: str, argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Parse `argv` for `command` (pretrain | finetune), train, print a summary; returns the results."""
    from synapt_hf.training.arguments import parse_train_config
    from synapt_hf.training.loop import train

    args = list(sys.argv[1:] if argv is None else argv)
    defaults = dict(COMMAND_DEFAULTS[command])
    if command == "pretrain" and not args:
        defaults.update(MAIN_JOB_DEFAULTS)
    config = parse_train_config(args, defaults=defaults, prog=command)
    if command == "finetune" and config.dataset is None and config.model == "videomae-tiny":
        logging.getLogger(__name__).warning(
            "finetune without --dataset/--model trains videomae-tiny from scratch on generated clips"
        )
    results = train(config)
    _print_summary(command, results)
    return results


def _print_summary(command: str, results: dict[str, Any]) -> None:
    from synapt_hf.training.launch import distributed_state

    if not distributed_state().is_main_process:
        return
    shown = {k: results.get(k) for k in ("top1", "top5", "mean_class_accuracy", "eval_loss", "global_step")}
    print(f"\n{command} finished: {json.dumps(shown)}")
    print(f"model saved in {results['output_dir']}")
    if results.get("pushed_to"):
        print(f"pushed to https://huggingface.co/{results['pushed_to']}")
    if command == "pretrain":
        print(
            "fine-tune it on a real dataset with:\n"
            f"  accelerate launch scripts/finetune.py --model {results['output_dir']} "
            f"--dataset {DATASET_HINT} --ignore-mismatched-sizes\n"
            f"  ({DATASET_HINT}: a folder of class subfolders of videos, or a dataset from `synapt build-dataset`)"
        )
    else:
        print(
            "use it with:\n  from transformers import pipeline\n"
            f"  pipeline('video-classification', model='{results['output_dir']}')('clip.avi')"
        )


def main(command: str, argv: Sequence[str] | None = None) -> int:
    """Script entry point: SynaptError becomes one line on stderr and exit code 2."""
    from synapt_hf.log_setup import configure_logging

    configure_logging()
    try:
        run_command(command, argv)
    except SynaptError as exc:
        print(f"{command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{command}: interrupted", file=sys.stderr)
        return 130
    return 0
