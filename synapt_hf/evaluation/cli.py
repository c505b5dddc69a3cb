"""`synapt transfer` (benchmark, resume, report) and `synapt bias` (scene-object bias, temporal gap)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from synapt_hf.errors import SynaptError


def add_train_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("training budget (TrainConfig fields applied to every run)")
    group.add_argument("--train-config", help="YAML/JSON file of TrainConfig fields")
    group.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="one TrainConfig field, e.g. --set warmup_ratio=0",
    )
    group.add_argument("--max-steps", type=int)
    group.add_argument("--num-epochs", type=float)
    group.add_argument("--batch-size", type=int, help="per_device_train_batch_size")
    group.add_argument("--learning-rate", type=float)


def train_options(args: argparse.Namespace) -> dict[str, Any]:
    """Merge --train-config, --set and the shorthand flags (later wins) into TrainConfig fields."""
    import yaml

    options: dict[str, Any] = {}
    if args.train_config:
        path = Path(args.train_config)
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise SynaptError(f"--train-config {path}: cannot read ({exc})") from exc
        if not isinstance(loaded, dict):
            raise SynaptError(f"--train-config {path}: must hold a mapping of TrainConfig fields")
        options.update(loaded)
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SynaptError(f"--set {item!r}: expected KEY=VALUE")
        name = key.strip().replace("-", "_")
        options[name] = _set_value(name, value)
    shorthands = {
        "max_steps": args.max_steps,
        "num_epochs": args.num_epochs,
        "per_device_train_batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
    }
    options.update({k: v for k, v in shorthands.items() if v is not None})
    return options


def _set_value(name: str, text: str) -> Any:
    """The value of ``--set NAME=TEXT``: text fields keep the text as given (YAML would read ``no`` as
    False), other fields are parsed as YAML (numbers, booleans, null, lists)."""
    import typing

    import yaml

    from synapt_hf.training.config import TrainConfig

    declared = typing.get_type_hints(TrainConfig).get(name)
    if declared is str or declared == (str | None):
        if declared is not str and text.strip() in ("null", "None", "~", ""):
            return None
        return text
    return yaml.safe_load(text)


def run_transfer_command(args: argparse.Namespace) -> int:
    from synapt_hf.evaluation.report import build_report

    if args.report:
        written = build_report(
            args.report, reference=args.reference, bias_dirs=[Path(d) for d in args.bias_dir]
        )
        print(f"report rebuilt in {args.report}: {', '.join(sorted(str(p.name) for p in written.values()))}")
        return 0
    if not args.out or not args.checkpoints or not args.datasets:
        raise SynaptError("give --checkpoints, --datasets and --out (or --report DIR to rebuild a report)")
    from synapt_hf.evaluation.transfer import TransferConfig, run_transfer

    config = TransferConfig(
        checkpoints=args.checkpoints,
        datasets=args.datasets,
        out_dir=args.out,
        protocols=args.protocol,
        seeds=args.seeds,
        train_options=train_options(args),
        retry_failed=args.retry_failed,
        build_report=False,
        quiet=args.quiet,
    )
    rows = run_transfer(config)
    build_report(args.out, reference=args.reference, bias_dirs=[Path(d) for d in args.bias_dir])
    failed = [row for row in rows if row.status == "failed"]
    print(f"{len(rows)} runs done ({len(failed)} failed); results in {Path(args.out) / 'results.jsonl'}")
    print((Path(args.out) / "results.md").read_text(encoding="utf-8"))
    return 0


def run_bias_command(args: argparse.Namespace) -> int:
    from synapt_hf.evaluation.bias import BiasConfig, measure_bias
    from synapt_hf.evaluation.results import dataset_display_name

    work_dir = args.work_dir or str(Path("bias_runs") / dataset_display_name(args.data))
    config = BiasConfig(
        data=args.data,
        work_dir=work_dir,
        out=args.out,
        method=args.method,
        model=args.model,
        backbone=args.backbone,
        seed=args.seed,
        temporal_gap=args.temporal_gap,
        train_options=train_options(args),
    )
    record = measure_bias(config)
    print(json.dumps(record.to_dict(), indent=2))
    print(f"bias written to {config.out_path}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    transfer = subparsers.add_parser(
        "transfer",
        help="fine-tune / linear-probe checkpoints on datasets; results.jsonl, table, plots",
        description="Run every (checkpoint, dataset, protocol, seed), append to OUT/results.jsonl (re-running "
        "resumes), and build results.csv, results.md, plots/ and index.html. --report DIR rebuilds the "
        "report from DIR/results.jsonl alone.",
    )
    transfer.add_argument(
        "--checkpoints", nargs="+", help="local folders, Hub ids, presets, 'scratch' or 'scratch:<model>'"
    )
    transfer.add_argument("--datasets", nargs="+", help="saved DatasetDict folders or Hub ids")
    transfer.add_argument(
        "--protocol", nargs="+", default=["finetune", "linear-probe"], choices=["finetune", "linear-probe"]
    )
    transfer.add_argument("--seeds", nargs="+", type=int, default=[0])
    transfer.add_argument("--out", help="benchmark folder (results.jsonl and the report)")
    transfer.add_argument(
        "--report", metavar="DIR", help="only rebuild the report of DIR from its results.jsonl"
    )
    transfer.add_argument("--reference", default="scratch", help="checkpoint name gains are measured against")
    transfer.add_argument("--bias-dir", action="append", default=[], help="extra folder of bias JSON records")
    transfer.add_argument("--retry-failed", action="store_true", help="re-run keys whose last row failed")
    transfer.add_argument(
        "--quiet",
        action="store_true",
        help="no progress bars (by default, on a terminal: one bar over all runs and each run's step bar)",
    )
    add_train_options(transfer)
    transfer.set_defaults(func=run_transfer_command)

    bias = subparsers.add_parser(
        "bias",
        help="scene-object bias B = log(M a)/log(M) of a dataset (and the temporal gap)",
        description="Measure representation bias (Li and Vasconcelos, ECCV 2018): a classifier that sees static "
        "appearance only. Writes a bias.json record that the transfer report's SynAPT plot reads.",
    )
    bias.add_argument("--data", required=True, help="saved DatasetDict folder or Hub id")
    bias.add_argument("--out", help="bias JSON path (default WORK_DIR/bias.json)")
    bias.add_argument("--work-dir", help="where static copies and models go (default bias_runs/<dataset>)")
    bias.add_argument("--method", default="static-video", choices=["static-video", "image-probe"])
    bias.add_argument(
        "--model", default="videomae-tiny", help="video model (preset or checkpoint) for static-video"
    )
    bias.add_argument("--backbone", help="image model (Hub id or folder) for --method image-probe")
    bias.add_argument("--seed", type=int, default=0)
    bias.add_argument(
        "--temporal-gap", action="store_true", help="also train on normal clips; evaluate on static/shuffled"
    )
    add_train_options(bias)
    bias.set_defaults(func=run_bias_command)
