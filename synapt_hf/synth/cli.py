"""`synapt generate` and `synapt preview` (heavy imports inside the handlers)."""

from __future__ import annotations

import argparse

from synapt_hf.synth.presets import PRESET_NAMES  # light: the package itself is already imported


def _add_generator_options(parser: argparse.ArgumentParser, default_classes: str) -> None:
    parser.add_argument("--classes", default=default_classes,
                        help="N (the first N actions), 'all', or comma-separated action names "
                             f"(default: {default_classes}; see docs/synth.md)")  # fmt: skip
    parser.add_argument("--frames", type=int, default=16, help="frames per clip (default 16)")
    parser.add_argument(
        "--size", type=int, default=112, help="frame width = height in pixels, even (default 112)"
    )
    parser.add_argument(
        "--fps", type=float, default=12.0, help="frame rate of the encoded clips (default 12)"
    )
    parser.add_argument("--seed", type=int, default=0, help="dataset seed: clip i is a function of (seed, i)")
    parser.add_argument("--scene-bias", choices=("independent", "correlated"), default="independent",
                        help="backgrounds drawn independently of the class (default) or tied to it")  # fmt: skip
    parser.add_argument("--antialias", action="store_true", help="2x2 supersampling (4x the render cost)")
    parser.add_argument("--no-camera-motion", action="store_true", help="no slow pan/dolly")
    parser.add_argument("--no-shadows", action="store_true", help="no ground shadows")
    parser.add_argument("--preset", default="default", metavar="NAME",
                        help=f"scene preset: {' | '.join(PRESET_NAMES)} (camera, lighting and background "
                             "ranges; default: default; see docs/synth.md)")  # fmt: skip
    parser.add_argument("--motions", default=None, metavar="DIR|ORG/NAME",
                        help="motion library (`synapt motions import`): its classes join the class list "
                             "and feed the classes it shares with the procedural actions")  # fmt: skip
    parser.add_argument(
        "--motions-share",
        type=float,
        default=0.5,
        help="share of a shared class's clips that take a library motion (default 0.5)",
    )


def _config(args: argparse.Namespace):
    from synapt_hf.synth.config import GeneratorConfig

    return GeneratorConfig.create(
        args.classes,
        frames=args.frames,
        size=args.size,
        fps=args.fps,
        seed=args.seed,
        scene_bias=args.scene_bias,
        antialias=args.antialias,
        camera_motion=not args.no_camera_motion,
        shadows=not args.no_shadows,
        preset=args.preset,
        motions=args.motions,
        motions_share=args.motions_share,
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    generate = subparsers.add_parser(
        "generate", help="generate a synthetic human-action dataset (train/validation, H.264)",
        description="Render procedural human-action clips and write them in the project dataset format.",
    )  # fmt: skip
    _add_generator_options(generate, default_classes="10")
    generate.add_argument("--clips-per-class", type=int, required=True, help="training clips per class")
    generate.add_argument("--val-clips-per-class", type=int, default=None,
                          help="validation clips per class (default: clips-per-class // 5, at least 1)")  # fmt: skip
    generate.add_argument("--out", required=True, help="output dataset directory (save_to_disk format)")
    generate.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    generate.add_argument("--num-proc", type=int, default=1, help="worker processes (default 1)")
    generate.add_argument("--batch-size", type=int, default=16, help="clips rendered per call (default 16)")
    generate.add_argument("--num-shards", type=int, default=None,
                          help="split the work between N machines/processes (default: WORLD_SIZE under a "
                               "distributed launch, else 1)")  # fmt: skip
    generate.add_argument(
        "--shard-index", type=int, default=None, help="this machine's shard (default: RANK)"
    )
    generate.add_argument("--push-to-hub", default=None, metavar="ORG/NAME",
                          help="also upload parquet shards + a dataset card (with the generator settings) to "
                               "this Hub dataset repository in one commit; needs HF_TOKEN or `hf auth login`, "
                               "checked before generating")  # fmt: skip
    generate.add_argument("--fused-render", action="store_true", default=None,
                          help="render with torch.compile-fused kernels (same pixels, faster; compiled once per "
                               "process, ~25-50 s; also SYNAPT_FUSED_RENDER=1; the default on CUDA)")  # fmt: skip
    generate.add_argument("--no-progress", action="store_true", help="no progress bar")
    generate.set_defaults(func=run_generate)

    preview = subparsers.add_parser("preview", help="contact sheet PNG + animated GIF of generated clips")
    _add_generator_options(preview, default_classes="all")
    preview.add_argument("--clips-per-class", type=int, default=3, help="clips per class (default 3)")
    preview.add_argument(
        "--sheet-frames", type=int, default=4, help="frames per clip on the sheet (default 4)"
    )
    preview.add_argument("--gif-scale", type=float, default=1.0, help="scale of the GIF (default 1.0)")
    preview.add_argument("--out", required=True, help="directory for contact_sheet.png and preview.gif")
    preview.set_defaults(func=run_preview)


def run_generate(args: argparse.Namespace) -> int:
    import logging

    from synapt_hf.synth.writer import generate_dataset

    config = _config(args)
    result = generate_dataset(
        config,
        args.clips_per_class,
        args.out,
        val_clips_per_class=args.val_clips_per_class,
        num_proc=args.num_proc,
        batch_size=args.batch_size,
        overwrite=args.overwrite,
        num_shards=args.num_shards,
        shard_index=args.shard_index,
        progress=not args.no_progress,
        push_to_hub=args.push_to_hub,
        fused=args.fused_render,
    )
    log = logging.getLogger("synapt")
    if result is None:
        log.info(
            "shard finished; waiting for the other shards (rerun without shards to finish any missing part)"
        )
    else:
        sizes = ", ".join(f"{name}: {len(split)}" for name, split in result.items())
        log.info("wrote %s (%s clips, %d classes)", args.out, sizes, config.num_classes)
    return 0


def run_preview(args: argparse.Namespace) -> int:
    import logging

    from synapt_hf.synth.preview import write_preview

    sheet, gif = write_preview(
        _config(args), args.out, args.clips_per_class, args.sheet_frames, args.gif_scale
    )
    logging.getLogger("synapt").info("wrote %s and %s", sheet, gif)
    return 0
