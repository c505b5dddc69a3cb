"""`synapt info PATH`: metadata of a video file, or splits / features / class counts of a saved dataset."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from synapt_hf.errors import SynaptError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "info",
        help="print a video's metadata, or a dataset's splits, features and class counts",
        description="Print a video file's metadata, or a saved dataset's splits, features, clip counts per "
        "class and total duration.",
    )
    parser.add_argument(
        "path", help="a video file, a save_to_disk dataset folder, or a parquet dataset folder"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    parser.set_defaults(func=run_info)


def video_summary(path: Path) -> dict[str, Any]:
    """What `probe` says about one file, plus its size."""
    from synapt_hf.data.video import probe

    info = probe(path)
    return {
        "path": str(path),
        "size_bytes": path.stat().st_size,
        "codec": info.codec,
        "width": info.width,
        "height": info.height,
        "fps": round(info.fps, 3),
        "num_frames": info.num_frames,
        "duration_s": round(info.duration, 3),
    }


def dataset_summary(path: str | Path) -> dict[str, Any]:
    """Splits (clips, duration), features and per-class clip counts of a dataset in the format."""
    from synapt_hf.data import format as fmt

    loaded = fmt.load_video_dataset(path)
    names = fmt.class_names(loaded)
    first = next(iter(loaded.values()))
    splits: dict[str, Any] = {}
    for split_name, split in loaded.items():
        columns = [c for c in (fmt.LABEL, fmt.NUM_FRAMES, fmt.FPS) if c in split.column_names]
        values = split.with_format("numpy", columns=columns)[:] if len(split) else {c: [] for c in columns}
        counts = Counter(int(label) for label in values[fmt.LABEL])
        seconds = None
        if fmt.NUM_FRAMES in values and fmt.FPS in values and len(split):
            frames, fps = values[fmt.NUM_FRAMES].astype(float), values[fmt.FPS].astype(float)
            seconds = float((frames[fps > 0] / fps[fps > 0]).sum())
        splits[split_name] = {
            "clips": len(split),
            "classes": len(counts),
            "duration_s": None if seconds is None else round(seconds, 2),
            "class_counts": {names[label]: counts.get(label, 0) for label in range(len(names))},
        }
    return {
        "path": str(path),
        "num_classes": len(names),
        "features": {name: _feature_text(feature) for name, feature in first.features.items()},
        "splits": splits,
    }


def _feature_text(feature: Any) -> str:
    kind = type(feature).__name__
    if kind == "Value":
        return f"Value({feature.dtype})"
    if kind == "ClassLabel":
        return f"ClassLabel({feature.num_classes} names)"
    if kind == "Video":
        return f"Video(decode={feature.decode})"
    return kind


def _hours(seconds: float | None) -> str:
    return "?" if seconds is None else f"{seconds / 3600:.3f} h ({seconds:.1f} s)"


def format_video(summary: dict[str, Any]) -> str:
    rows = [
        ("file", summary["path"]),
        ("size", f"{summary['size_bytes']} bytes"),
        ("codec", summary["codec"]),
        ("resolution", f"{summary['width']}x{summary['height']}"),
        ("fps", f"{summary['fps']:g}"),
        ("frames", str(summary["num_frames"])),
        ("duration", f"{summary['duration_s']:.3f} s"),
    ]
    return "\n".join(f"{key:<11} {value}" for key, value in rows)


def format_dataset(summary: dict[str, Any]) -> str:
    lines = [f"dataset     {summary['path']}", f"classes     {summary['num_classes']}", "", "features:"]
    lines += [f"  {name:<12} {text}" for name, text in summary["features"].items()]
    split_names = list(summary["splits"])
    lines += ["", f"{'split':<12} {'clips':>7} {'classes':>7}  duration"]
    for name, split in summary["splits"].items():
        lines.append(f"{name:<12} {split['clips']:>7} {split['classes']:>7}  {_hours(split['duration_s'])}")
    total_seconds = [s["duration_s"] for s in summary["splits"].values()]
    total = None if any(s is None for s in total_seconds) else sum(total_seconds)
    lines.append(
        f"{'total':<12} {sum(s['clips'] for s in summary['splits'].values()):>7} {'':>7}  {_hours(total)}"
    )
    class_names = list(next(iter(summary["splits"].values()))["class_counts"]) if split_names else []
    width = max([len("class"), *(len(name) for name in class_names)])
    lines += ["", f"{'class':<{width}} " + " ".join(f"{name:>11}" for name in split_names)]
    for class_name in class_names:
        counts = " ".join(f"{summary['splits'][s]['class_counts'][class_name]:>11}" for s in split_names)
        lines.append(f"{class_name:<{width}} {counts}")
    return "\n".join(lines)


def run_info(args: argparse.Namespace) -> int:
    path = Path(args.path).expanduser()
    if path.is_file():
        summary = video_summary(path)
        text = format_video(summary)
    elif path.is_dir() or not path.exists():
        if not path.exists() and (args.path.startswith((".", "/", "~")) or args.path.count("/") != 1):
            raise SynaptError(f"{args.path}: no such file or directory")
        summary = dataset_summary(args.path if not path.exists() else path)
        text = format_dataset(summary)
    else:
        raise SynaptError(f"{args.path}: not a regular file or directory")
    print(json.dumps(summary, indent=2) if args.json else text)
    return 0
