"""`synapt motions import`: build a motion library from BVH / ASF+AMC capture (heavy imports in the handler)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    motions = subparsers.add_parser("motions", help="motion-capture libraries for the generator")
    commands = motions.add_subparsers(dest="motions_command", metavar="COMMAND", required=True)
    imp = commands.add_parser(
        "import", help="retarget BVH / ASF+AMC files onto the generator's body and save labelled segments",
        description="Read .bvh/.amc files (optionally .gz; folders are searched), label them, retarget them "
                    "and save the segments as a Hugging Face dataset (save_to_disk) with a README.md card.",
    )  # fmt: skip
    imp.add_argument("sources", nargs="+", metavar="SRC", help="capture files or folders")
    imp.add_argument("--labels", default=None, metavar="FILE",
                     help="CSV 'file_glob_or_name,class' or YAML {glob: class}")  # fmt: skip
    imp.add_argument("--cmu-index", default=None, metavar="FILE",
                     help="CMU index CSV: label NN_TT trials by keyword rules over their descriptions")  # fmt: skip
    imp.add_argument("--out", required=True, help="output library folder")
    imp.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    imp.add_argument("--segment-seconds", type=float, default=4.0, help="segment length (default 4)")
    imp.add_argument("--stride-seconds", type=float, default=2.0, help="segment stride (default 2)")
    imp.add_argument("--licence", default=None, help="licence of files from unknown sources")
    imp.add_argument("--citation", default=None, help="acknowledgement of files from unknown sources")
    imp.add_argument("--push-to-hub", default=None, metavar="ORG/NAME",
                     help="also upload the library (parquet + card) to this Hub dataset repository")  # fmt: skip
    imp.set_defaults(func=run_import)


def run_import(args: argparse.Namespace) -> int:
    import logging
    from collections import Counter

    from synapt_hf.data.format import save_dataset_atomic
    from synapt_hf.synth.mocap.card import render_library_card
    from synapt_hf.synth.mocap.labels import Labeller, read_cmu_index, read_label_file
    from synapt_hf.synth.mocap.library import import_motions

    if args.push_to_hub:
        from synapt_hf.datasets.push import check_push_target

        check_push_target(args.push_to_hub)
    labeller = Labeller(
        read_label_file(args.labels) if args.labels else None,
        read_cmu_index(args.cmu_index) if args.cmu_index else None,
    )
    dataset = import_motions(
        args.sources, labeller, args.segment_seconds, args.stride_seconds, args.licence, args.citation
    )
    out = save_dataset_atomic(dataset, args.out, overwrite=args.overwrite)
    (out / "README.md").write_text(render_library_card(dataset), encoding="utf-8")
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(Counter(dataset["class_name"]).items()))
    logging.getLogger("synapt").info("wrote %s (%d segments; %s)", out, len(dataset), counts)
    if args.push_to_hub:
        from synapt_hf.datasets.push import push_dataset

        push_dataset(out, args.push_to_hub, lambda files: render_library_card(dataset, files))
    return 0
