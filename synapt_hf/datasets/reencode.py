"""Optional re-encoding while building: every clip to H.264 MP4 with a given short side, in parallel.

VideoMAE and PPMA re-encode their training sets this way (short side 256 or 320) so that decoding
during training is cheap. Re-encoded files go to a cache folder, mirroring the clips' relative paths;
each is written to a temporary name and renamed, so an interrupted build resumes where it stopped and
a second build reuses the cache. A clip whose short side is already at most the target and that is
already H.264 is used as it is (never upscaled, never re-compressed for nothing).
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

from synapt_hf.datasets.clip_collection import BadFile, Clip
from synapt_hf.errors import SynaptError
from synapt_hf.io import write_bytes_atomic

log = logging.getLogger(__name__)

H264_NAMES = ("h264", "libx264")


def cached_path(cache_dir: Path, relative: str, short_side: int) -> Path:
    """Where the re-encoded copy of `relative` lives: `cache/<short side>/<relative path>.mp4`."""
    return cache_dir / str(short_side) / f"{relative}.mp4"


def reencode_file(source: Path, target: Path, short_side: int, crf: int = 23) -> Path | str:
    """Re-encode `source` to H.264 MP4 at `target` (short side `short_side`); return the file to use, or a reason.

    Returns `source` itself when it is already H.264 with a short side of at most `short_side`, and
    `target` untouched when it already exists (a previous run made it).
    """
    from synapt_hf.data.video import decode_frames, encode_video, probe

    if target.is_file():
        return target
    try:
        info = probe(source)
        if min(info.width, info.height) <= short_side and info.codec in H264_NAMES:
            return source
        resize = short_side if min(info.width, info.height) > short_side else None
        frames = decode_frames(source, range(info.num_frames), short_side=resize)
        data = encode_video(frames, info.fps, codec="h264", container="mp4", crf=crf)
    except SynaptError as exc:
        message = str(exc)
        return message.removeprefix(f"{source}: ")
    except Exception as exc:  # a library failure on one file must not stop a long build
        return f"unexpected {type(exc).__name__} while re-encoding ({str(exc).strip()[:200]})"
    return write_bytes_atomic(target, data)


def _job(arguments: tuple[Path, Path, int, int]) -> Path | str:
    return reencode_file(*arguments)


def reencode_clips(
    clips: Sequence[Clip], cache_dir: Path, short_side: int, num_proc: int = 1, crf: int = 23
) -> tuple[list[Clip], list[BadFile]]:
    """Point every clip at its re-encoded copy (made with `num_proc` processes); failures become bad files.

    The clips keep their `path` (the original relative path); only `file` changes.
    """
    if short_side < 16:
        raise SynaptError(f"--short-side must be at least 16, got {short_side}")
    if num_proc < 1:
        raise SynaptError(f"--num-proc must be at least 1, got {num_proc}")
    jobs = [(clip.file, cached_path(cache_dir, clip.path, short_side), short_side, crf) for clip in clips]
    if num_proc == 1 or len(jobs) < 2:
        results = [_job(job) for job in jobs]
    else:
        context = multiprocessing.get_context("spawn")
        chunksize = max(1, min(16, len(jobs) // (num_proc * 4)))
        with ProcessPoolExecutor(max_workers=num_proc, mp_context=context) as pool:
            results = list(pool.map(_job, jobs, chunksize=chunksize))
    kept: list[Clip] = []
    bad: list[BadFile] = []
    for clip, result in zip(clips, results, strict=True):
        if isinstance(result, Path):
            kept.append(replace(clip, file=result))
        else:
            bad.append(BadFile(clip.path, f"cannot re-encode ({result})", clip.split))
    log.info(
        "re-encoded %d clip(s) to short side %d in %s (%d failed)", len(kept), short_side, cache_dir, len(bad)
    )
    return kept, bad
