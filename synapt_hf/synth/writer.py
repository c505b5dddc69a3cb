"""Write generated clips as a dataset in the project format (H.264 bytes, ClassLabel, parameter columns).

Work happens in a hidden sibling folder ``.<out>.partial/``: the clips are cut into fixed chunks of
`CHUNK_CLIPS` indices, each rendered, encoded and saved atomically (temporary folder + rename), so an
interrupted run resumes where it stopped and a crash never leaves ``<out>`` looking complete. Chunks
are independent of the batch size and the number of processes; ``num_shards``/``shard_index`` split
them between machines or ranks (chunk ``g`` belongs to shard ``g % num_shards``). When every chunk
exists, the chunks are concatenated in index order and saved to ``<out>`` with `save_dataset_atomic`.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synapt_hf.errors import SynaptError
from synapt_hf.io import write_text_atomic
from synapt_hf.synth.config import GeneratorConfig

logger = logging.getLogger(__name__)

CHUNK_CLIPS = 32
BODY_FIELDS = ("height", "arm_scale", "leg_scale", "torso_scale", "shoulder_width", "girth", "head_scale")
CAMERA_FIELDS = ("azimuth_deg", "elevation_deg", "focal", "fill", "pan_deg", "dolly", "backdrop_distance_m")
LIGHTING_FIELDS = ("azimuth_deg", "elevation_deg", "intensity", "ambient", "temperature")
WORK_FORMAT_VERSION = 1
# How generated clips are encoded (`encode_video` makes the bytes a pure function of the frames).
ENCODER_SETTINGS: dict[str, Any] = {"codec": "h264", "crf": 23, "pix_fmt": "yuv420p", "threads": 1}


@dataclass(frozen=True)
class Chunk:
    split: str
    number: int  # chunk number within the split
    start: int
    stop: int

    @property
    def name(self) -> str:
        return f"{self.split}-{self.number:06d}"


def plan_chunks(config: GeneratorConfig, clips_per_class: int, val_clips_per_class: int) -> list[Chunk]:
    """Every chunk of the dataset, train first, in index order."""
    chunks: list[Chunk] = []
    for split, per_class in (("train", clips_per_class), ("validation", val_clips_per_class)):
        total = per_class * config.num_classes
        for number, start in enumerate(range(0, total, CHUNK_CLIPS)):
            chunks.append(Chunk(split, number, start, min(start + CHUNK_CLIPS, total)))
    return chunks


def extra_features(library: bool = False) -> dict[str, Any]:
    """The generator's parameter columns (besides the standard format columns); with a motion `library` the
    ``motion`` column also says where each clip's motion came from."""
    import datasets

    f32 = datasets.Value("float32")
    motion = {"cycles": f32, "phase": f32, "amplitude": f32, "mirrored": datasets.Value("bool")}
    if library:
        text = datasets.Value("string")
        motion.update(source=text, segment=text, start_s=f32, speed=f32, heading_deg=f32)
    return {
        "class_name": datasets.Value("string"),
        "synapt_class": datasets.Value("string"),
        "seed": datasets.Value("int64"),
        "index": datasets.Value("int64"),
        "motion": motion,
        "body": dict.fromkeys(BODY_FIELDS, f32),
        "camera": dict.fromkeys(CAMERA_FIELDS, f32),
        "lighting": dict.fromkeys(LIGHTING_FIELDS, f32),
        "background": datasets.Value("string"),
        "ground": datasets.Value("string"),
        "scene": datasets.Value("string"),  # JSON: preset, shake, occluders (`SceneParams.scene_dict`)
    }


def _work_identity(config: GeneratorConfig, clips_per_class: int, val_clips_per_class: int) -> dict[str, Any]:
    return {
        "format": WORK_FORMAT_VERSION,
        "chunk_clips": CHUNK_CLIPS,
        "config": config.to_dict(),
        "encoder": encoder_identity(),
        "clips_per_class": clips_per_class,
        "val_clips_per_class": val_clips_per_class,
    }


def encoder_identity() -> dict[str, Any]:
    """The encoder settings plus the FFmpeg library versions that produced the bytes."""
    import av

    from synapt_hf.data.video import encoder_options

    versions = {name: ".".join(map(str, version)) for name, version in av.library_versions.items()}
    options = encoder_options(ENCODER_SETTINGS["codec"], ENCODER_SETTINGS["crf"], ENCODER_SETTINGS["threads"])
    return {
        **ENCODER_SETTINGS,
        "options": options,
        "pyav": av.__version__,
        "libavcodec": versions.get("libavcodec", ""),
    }


def work_dir_for(out_dir: Path) -> Path:
    return out_dir.parent / f".{out_dir.name}.partial"


def _check_out_dir(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise SynaptError(f"--out {out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise SynaptError(f"--out {out}: directory exists and is not empty (pass --overwrite to replace it)")


def _prepare_work_dir(work: Path, identity: dict[str, Any], overwrite: bool) -> None:
    marker = work / "generator.json"
    if work.is_dir() and marker.is_file():
        existing = json.loads(marker.read_text())
        if existing == identity:
            return
        if not overwrite:
            raise SynaptError(
                f"{work}: an interrupted generation with different settings is there; rerun it with the same "
                "settings to resume, or pass --overwrite to discard it"
            )
    if work.exists():
        shutil.rmtree(work)
    (work / "chunks").mkdir(parents=True)
    write_text_atomic(marker, json.dumps(identity, indent=2, sort_keys=True))


def _join_work_dir(work: Path, identity: dict[str, Any]) -> None:
    """Shards start concurrently: create the work folder if needed (never delete it), check the settings."""
    marker = work / "generator.json"
    (work / "chunks").mkdir(parents=True, exist_ok=True)
    if not marker.is_file():  # concurrent shards write the same content
        write_text_atomic(marker, json.dumps(identity, indent=2, sort_keys=True))
    if json.loads(marker.read_text()) != identity:
        raise SynaptError(
            f"{work}: this dataset was started with different settings; use the same settings for every shard "
            "(or remove the folder)"
        )


def _chunk_done(work: Path, chunk: Chunk) -> bool:
    return (work / "chunks" / chunk.name / "dataset_info.json").is_file()


def _init_worker() -> None:
    import torch

    torch.set_num_threads(1)


def render_chunk(
    config: GeneratorConfig, chunk: Chunk, work: Path, batch_size: int, fused: bool | None = None
) -> int:
    """Render, encode and atomically save one chunk; returns its number of clips. `fused`: see
    `render.render_batch`."""
    rows: dict[str, list[Any]] = {}
    indices = list(range(chunk.start, chunk.stop))
    _render_rows(
        config, chunk, indices, batch_size, rows, fused
    )  # one render thread (see clips.RENDER_THREADS)
    _save_chunk(config, chunk, work, rows)
    return len(indices)


def _render_rows(
    config: GeneratorConfig,
    chunk: Chunk,
    indices: list[int],
    batch_size: int,
    rows: dict[str, list[Any]],
    fused: bool | None,
) -> None:
    from synapt_hf.data.video import encode_video
    from synapt_hf.synth.clips import render_samples, sample_clip

    for k in range(0, len(indices), batch_size):
        samples = [sample_clip(config, chunk.split, i) for i in indices[k : k + batch_size]]
        frames = render_samples(config, samples, fused=fused).numpy()
        for sample, clip in zip(samples, frames, strict=True):
            path = f"synthetic/{chunk.split}/{sample.index:07d}_{sample.metadata['class_name']}.mp4"
            row = {
                "video": {"bytes": encode_video(clip, config.fps, **ENCODER_SETTINGS), "path": path},
                "label": sample.label,
                "num_frames": config.frames,
                "width": config.size,
                "height": config.size,
                "fps": float(config.fps),
                "path": path,
                **sample.metadata,
            }
            for key, value in row.items():
                rows.setdefault(key, []).append(value)


def _save_chunk(config: GeneratorConfig, chunk: Chunk, work: Path, rows: dict[str, list[Any]]) -> None:
    import datasets

    from synapt_hf.data.format import video_features

    features = video_features(list(config.classes), extra_features(bool(config.motions)))
    dataset = datasets.Dataset.from_dict(rows, features=features)
    final = work / "chunks" / chunk.name
    temporary = work / "chunks" / f".{chunk.name}.tmp-{uuid.uuid4().hex[:8]}"
    bars_were_enabled = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    try:
        dataset.save_to_disk(str(temporary))
    finally:
        if bars_were_enabled:
            datasets.enable_progress_bars()
    if final.exists():  # another process finished the same chunk first: keep theirs
        shutil.rmtree(temporary, ignore_errors=True)
    else:
        temporary.rename(final)


def _render_chunk_job(args: tuple[dict, Chunk, str, int, bool | None]) -> int:
    config_dict, chunk, work, batch_size, fused = args
    return render_chunk(GeneratorConfig.from_dict(config_dict), chunk, Path(work), batch_size, fused)


def _assemble(config: GeneratorConfig, chunks: list[Chunk], work: Path, out: Path, overwrite: bool):
    import datasets

    from synapt_hf.data.format import save_dataset_atomic

    splits = {}
    for split in ("train", "validation"):
        parts = [datasets.load_from_disk(str(work / "chunks" / c.name)) for c in chunks if c.split == split]
        if parts:
            splits[split] = datasets.concatenate_datasets(parts)
    description = "synapt-hf procedural synthetic actions; generator settings: " + json.dumps(
        _work_identity(config, *_clips_per_class(chunks, config)), sort_keys=True
    )
    for split in splits.values():
        split.info.description = description
    dataset = datasets.DatasetDict(splits)
    save_dataset_atomic(dataset, out, overwrite=overwrite)
    shutil.rmtree(work, ignore_errors=True)
    return datasets.load_from_disk(str(out))


def _clips_per_class(chunks: list[Chunk], config: GeneratorConfig) -> tuple[int, int]:
    totals = {"train": 0, "validation": 0}
    for chunk in chunks:
        totals[chunk.split] = max(totals[chunk.split], chunk.stop)
    return totals["train"] // config.num_classes, totals["validation"] // config.num_classes


def resolve_shard(num_shards: int | None, shard_index: int | None) -> tuple[int, int]:
    """(num_shards, shard_index) from the arguments, else from a distributed launch (RANK/WORLD_SIZE)."""
    if num_shards is None and shard_index is None:
        world = int(os.environ.get("WORLD_SIZE", "1"))
        rank = int(os.environ.get("RANK", "0"))
        return max(world, 1), rank if world > 1 else 0
    num_shards = 1 if num_shards is None else num_shards
    shard_index = 0 if shard_index is None else shard_index
    if num_shards < 1:
        raise SynaptError(f"--num-shards: must be >= 1, got {num_shards}")
    if not 0 <= shard_index < num_shards:
        raise SynaptError(f"--shard-index: must be in 0..{num_shards - 1}, got {shard_index}")
    return num_shards, shard_index


def generate_dataset(
    config: GeneratorConfig,
    clips_per_class: int,
    out_dir: str | Path,
    val_clips_per_class: int | None = None,
    num_proc: int = 1,
    batch_size: int = 16,
    overwrite: bool = False,
    num_shards: int | None = None,
    shard_index: int | None = None,
    progress: bool = True,
    push_to_hub: str | None = None,
    fused: bool | None = None,
):
    """Generate the train/validation dataset into `out_dir`; returns the `DatasetDict`, or None when
    this shard finished but others have not yet (the last shard to finish assembles the dataset).

    ``val_clips_per_class`` defaults to ``max(1, clips_per_class // 5)``. ``fused`` renders with the
    compiled kernels in every process (None: ``SYNAPT_FUSED_RENDER``; see `render.render_batch`).
    """
    if not isinstance(clips_per_class, int) or clips_per_class < 1:
        raise SynaptError(f"--clips-per-class: must be a positive integer, got {clips_per_class!r}")
    if val_clips_per_class is None:
        val_clips_per_class = max(1, clips_per_class // 5)
    if val_clips_per_class < 0:
        raise SynaptError(f"--val-clips-per-class: must be >= 0, got {val_clips_per_class}")
    if num_proc < 1:
        raise SynaptError(f"--num-proc: must be >= 1, got {num_proc}")
    if batch_size < 1:
        raise SynaptError(f"--batch-size: must be >= 1, got {batch_size}")
    if push_to_hub is not None:  # repository id and token, before anything is rendered
        from synapt_hf.datasets.push import check_push_target

        check_push_target(push_to_hub)
    num_shards, shard_index = resolve_shard(num_shards, shard_index)
    out = Path(out_dir).expanduser().resolve()
    _check_out_dir(out, overwrite)
    work = work_dir_for(out)
    identity = _work_identity(config, clips_per_class, val_clips_per_class)
    if num_shards == 1:
        _prepare_work_dir(work, identity, overwrite)
    else:
        _join_work_dir(work, identity)
    chunks = plan_chunks(config, clips_per_class, val_clips_per_class)
    mine = [c for g, c in enumerate(chunks) if g % num_shards == shard_index]
    pending = [c for c in mine if not _chunk_done(work, c)]
    total = sum(c.stop - c.start for c in mine)
    done = total - sum(c.stop - c.start for c in pending)
    if done:
        logger.info("resuming: %d of %d clips of this shard already generated in %s", done, total, work)
    _run_chunks(config, pending, work, num_proc, batch_size, progress, done, total, fused)
    if not all(_chunk_done(work, c) for c in chunks):
        logger.info(
            "shard %d/%d done; the dataset is assembled when every shard has finished",
            shard_index,
            num_shards,
        )
        return None
    lock = work / "assemble.lock"
    try:
        lock.mkdir()
    except FileExistsError:
        logger.info("another shard is assembling the dataset")
        return None
    dataset = _assemble(config, chunks, work, out, overwrite)
    if push_to_hub:
        push_generated(config, dataset, out, push_to_hub, num_proc=num_proc)
    return dataset


def push_generated(config: GeneratorConfig, dataset, out: Path, repo_id: str, num_proc: int = 1) -> str:
    """Upload the generated dataset saved in `out` with `synapt_hf.datasets.push.push_dataset` (parquet shards
    through `DatasetDict.push_to_hub`, then the generated-data card); `num_proc` processes write the shards."""
    from synapt_hf.datasets.push import push_dataset
    from synapt_hf.synth.hub_card import render_generated_card

    sizes = {split: len(rows) for split, rows in dataset.items()}

    def render(data_files: dict[str, list[str]]) -> str:
        return render_generated_card(config, sizes, data_files)

    try:
        return push_dataset(out, repo_id, render, num_proc=num_proc)
    except SynaptError as exc:
        raise SynaptError(f"{exc}; the generated dataset is kept in {out}") from exc


def _run_chunks(
    config: GeneratorConfig, pending: list[Chunk], work: Path, num_proc: int, batch_size: int, progress: bool,
    initial: int, total: int, fused: bool | None,
) -> None:  # fmt: skip
    from tqdm.auto import tqdm

    bar = tqdm(total=total, initial=initial, unit="clip", desc="generate", disable=not progress)
    try:
        if num_proc == 1 or len(pending) <= 1:
            for chunk in pending:
                bar.update(render_chunk(config, chunk, work, batch_size, fused))
            return
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        jobs = [(config.to_dict(), chunk, str(work), batch_size, fused) for chunk in pending]
        with ProcessPoolExecutor(num_proc, mp_context=context, initializer=_init_worker) as pool:
            for count in pool.map(_render_chunk_job, jobs):
                bar.update(count)
    finally:
        bar.close()
