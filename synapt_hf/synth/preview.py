"""`synapt preview`: a contact-sheet PNG and an animated GIF of a few clips per class."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from synapt_hf.errors import SynaptError
from synapt_hf.synth.clips import clip_label, render_clips
from synapt_hf.synth.config import GeneratorConfig

LABEL_WIDTH = 120


def class_clip_indices(
    config: GeneratorConfig, class_index: int, count: int, split: str = "train"
) -> list[int]:
    """The first `count` clip indices of `split` whose label is `class_index` (one per label block)."""
    c = config.num_classes
    out = []
    for block in range(count):
        for position in range(c):
            index = block * c + position
            if clip_label(config.seed, split, index, c) == class_index:
                out.append(index)
                break
    return out


def _label_strip(names: list[str], height: int) -> np.ndarray:
    from PIL import Image, ImageDraw

    strip = Image.new("RGB", (LABEL_WIDTH, height * len(names)), (20, 20, 20))
    draw = ImageDraw.Draw(strip)
    for row, name in enumerate(names):
        draw.text((4, row * height + height // 2 - 5), name[:19], fill=(235, 235, 235))
    return np.asarray(strip)


def write_preview(
    config: GeneratorConfig, out_dir: str | Path, clips_per_class: int = 3, sheet_frames: int = 4,
    gif_scale: float = 1.0,
) -> tuple[Path, Path]:  # fmt: skip
    """Render `clips_per_class` clips of every class; write ``contact_sheet.png`` and ``preview.gif``.

    The sheet has one row per class and, per clip, `sheet_frames` frames spread over the clip; the GIF
    animates the same clips in a near-square grid (a class's clips side by side, in class order).
    """
    from PIL import Image

    if clips_per_class < 1 or sheet_frames < 1:
        raise SynaptError("preview: clips_per_class and sheet_frames must be >= 1")
    out = Path(out_dir).expanduser()
    if out.exists() and not out.is_dir():
        raise SynaptError(f"--out {out}: exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)
    indices = [i for c in range(config.num_classes) for i in class_clip_indices(config, c, clips_per_class)]
    frames, _ = render_clips(config, indices)
    clips = frames.numpy().reshape(
        config.num_classes, clips_per_class, config.frames, config.size, config.size, 3
    )
    picks = np.linspace(0, config.frames - 1, sheet_frames).round().astype(int)
    rows = [np.concatenate([clips[c, k, f] for k in range(clips_per_class) for f in picks], axis=1)
            for c in range(config.num_classes)]  # fmt: skip
    sheet = np.concatenate(rows, axis=0)
    sheet = np.concatenate([_label_strip(list(config.classes), config.size), sheet], axis=1)
    sheet_path = out / "contact_sheet.png"
    _save_atomic(Image.fromarray(sheet), sheet_path, format="PNG", optimize=True)
    grid = _tile_grid(clips.reshape(-1, *clips.shape[2:]), clips_per_class)
    images = [Image.fromarray(g) for g in grid]
    if gif_scale != 1.0:
        size = (max(1, round(images[0].width * gif_scale)), max(1, round(images[0].height * gif_scale)))
        images = [im.resize(size, Image.BILINEAR) for im in images]
    gif_path = out / "preview.gif"
    duration = max(20, round(1000 / config.fps))
    _save_atomic(images[0], gif_path, format="GIF", save_all=True, append_images=images[1:], duration=duration,
                 loop=0, optimize=True)  # fmt: skip
    return sheet_path, gif_path


def _tile_grid(tiles: np.ndarray, group: int) -> np.ndarray:
    """Arrange clips (N, T, H, W, 3) in a near-square grid (columns a multiple of `group`) per frame."""
    count, frames, height, width, _ = tiles.shape
    columns = max(group, math.ceil(math.sqrt(count)))
    columns = min(math.ceil(columns / group) * group, max(count, group))
    rows = math.ceil(count / columns)
    canvas = np.zeros((frames, rows * height, columns * width, 3), np.uint8)
    for k in range(count):
        r, c = divmod(k, columns)
        canvas[:, r * height : (r + 1) * height, c * width : (c + 1) * width] = tiles[k]
    return canvas


def _save_atomic(image, path: Path, **kwargs) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    image.save(temporary, **kwargs)
    temporary.replace(path)
