"""`synapt build-dataset NAME ...`: one sub-command per registered builder, plus the common build flags."""

from __future__ import annotations

import argparse
import shlex
import sys

from synapt_hf.datasets import BUILDERS, get_builder
from synapt_hf.errors import SynaptError


def add_build_options(parser: argparse.ArgumentParser) -> None:
    """The flags every builder shares (see `BuildOptions`)."""
    group = parser.add_argument_group("build options")
    group.add_argument(
        "--out", required=True, help="output folder for the saved DatasetDict (written atomically)"
    )
    group.add_argument("--num-proc", type=int, default=1, help="processes for probing files (default 1)")
    group.add_argument(
        "--quiet", action="store_true", help="no progress bars (they show only when stderr is a terminal)"
    )
    group.add_argument(
        "--strict", action="store_true", help="stop before writing anything if any file is bad"
    )
    group.add_argument(
        "--no-verify",
        dest="verify",
        action="store_false",
        help="skip the completeness check (reading every packet) after probing each file",
    )
    group.add_argument("--overwrite", action="store_true", help="replace an existing non-empty --out")
    group.add_argument(
        "--split-by",
        choices=("auto", "none", "ratio", "group"),
        default="auto",
        help="auto: the source's splits if it has them, else the builder default; none: keep (unsplit -> train); "
        "ratio: stratified --val-ratio; group: whole groups from --group-pattern to validation",
    )
    group.add_argument(
        "--val-ratio", type=float, default=0.2, help="fraction (of clips or groups) for validation"
    )
    group.add_argument("--seed", type=int, default=0, help="seed of the deterministic split (default 0)")
    group.add_argument(
        "--group-pattern",
        metavar="REGEX",
        help="regex on file names with a (?P<group>...) capture, e.g. '^(?P<group>[^_]+)_' for Weizmann actors",
    )
    group.add_argument(
        "--val-groups",
        metavar="G1,G2",
        help="with --split-by group: these groups form validation (e.g. one held-out actor)",
    )
    group.add_argument(
        "--leave-one-group-out",
        action="store_true",
        help="with --split-by group: write one dataset per group into OUT/<group> (that group held out) "
        "and OUT/folds.json; `synapt transfer --datasets OUT` reports mean and spread over the folds",
    )
    group.add_argument(
        "--push-to-hub", metavar="ORG/NAME", help="also upload parquet shards and a dataset card"
    )
    group.add_argument("--private", action="store_true", help="create the Hub repository as private")
    group.add_argument(
        "--license",
        metavar="ID",
        help="Hub licence id for the dataset card (cc-by-4.0, other...); required with --push-to-hub, where "
        "'--license unknown' says the terms are not known",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "build-dataset",
        help="turn raw videos / split files into a DatasetDict (video bytes embedded)",
        description="Build a dataset in the synapt format from raw videos. See docs/datasets.md.",
    )
    builders = parser.add_subparsers(dest="builder", metavar="NAME", required=True)
    for name in BUILDERS:
        try:
            builder = get_builder(name)
        except ModuleNotFoundError as exc:  # one missing builder module must not break every command
            if not BUILDERS[name].startswith(f"{exc.name}:"):
                raise
            sub = builders.add_parser(name, help=f"(unavailable: module {exc.name} is missing)")
            sub.set_defaults(func=_unavailable(name, str(exc.name)))
            continue
        sub = builders.add_parser(name, help=builder.description, description=builder.description)
        builder.add_arguments(sub)
        add_build_options(sub)
        sub.set_defaults(func=run_build)


def _unavailable(name: str, module: str):
    def handler(args: argparse.Namespace) -> int:
        raise SynaptError(f"dataset builder {name!r} is registered but its module {module} is missing")

    return handler


def run_build(args: argparse.Namespace) -> int:
    import datasets

    from synapt_hf.datasets.builder import BuildOptions

    datasets.disable_progress_bars()  # the build logs its own progress; keep the summary readable

    options = BuildOptions(
        out=args.out,
        num_proc=args.num_proc,
        strict=args.strict,
        verify=args.verify,
        quiet=args.quiet,
        overwrite=args.overwrite,
        split_by=args.split_by,
        val_ratio=args.val_ratio,
        seed=args.seed,
        group_pattern=args.group_pattern,
        val_groups=tuple(g.strip() for g in args.val_groups.split(",") if g.strip())
        if args.val_groups
        else None,
        push_to_hub=args.push_to_hub,
        private=args.private,
        license=args.license,
        command=shlex.join(["synapt", *sys.argv[1:]])
        if sys.argv and sys.argv[0].endswith("synapt")
        else None,
    )
    builder = get_builder(args.builder).from_args(args)
    if args.leave_one_group_out:
        from synapt_hf.datasets.folds import build_group_folds

        for result in build_group_folds(builder, options):
            print(f"saved {result.out}")
            print(result.summary())
        print(f"saved the fold list {options.out}/folds.json")
        return 0
    result = builder.build(options)
    print(f"saved {result.out}")
    print(result.summary())
    if result.bad:
        print(f"{len(result.bad)} bad file(s) left out (listed above)")
    if result.pushed_to:
        print(f"pushed to https://huggingface.co/datasets/{result.pushed_to}")
    return 0
