"""Probe many files, optionally in a process pool; a bad file gives a reason, never an exception.

Each worker process opens its own containers (`video.probe` opens and closes one per call), and the pool
uses the ``spawn`` start method so no decoder state or thread is inherited from the parent.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from synapt_hf.data.video import VideoInfo, probe
from synapt_hf.errors import SynaptError

log = logging.getLogger(__name__)

ProbeResult = VideoInfo | str  # the metadata, or the reason the file is unusable


def probe_file(file: Path) -> ProbeResult:
    """Probe one file; return its `VideoInfo` or a one-line reason (without the path)."""
    try:
        return probe(file)
    except SynaptError as exc:
        message = str(exc)
        prefix = f"{file}: "
        return message[len(prefix) :] if message.startswith(prefix) else message
    except Exception as exc:  # an unexpected library failure must not stop a long build
        return f"unexpected {type(exc).__name__} while probing ({str(exc).strip()[:200]})"


def probe_files(files: Sequence[Path], num_proc: int = 1, progress_every: int = 500) -> list[ProbeResult]:
    """Probe `files` (in order) with `num_proc` processes; results are in the same order as `files`."""
    if num_proc < 1:
        raise SynaptError(f"--num-proc must be at least 1, got {num_proc}")
    results: list[ProbeResult] = []
    if num_proc == 1 or len(files) < 2:
        for done, file in enumerate(files, start=1):
            results.append(probe_file(file))
            _report(done, len(files), progress_every)
        return results
    context = multiprocessing.get_context("spawn")
    chunksize = max(1, min(32, len(files) // (num_proc * 4)))
    with ProcessPoolExecutor(max_workers=num_proc, mp_context=context) as pool:
        for done, result in enumerate(pool.map(probe_file, files, chunksize=chunksize), start=1):
            results.append(result)
            _report(done, len(files), progress_every)
    return results


def _report(done: int, total: int, every: int) -> None:
    if done % every == 0 or (done == total and total >= every):
        log.info("probed %d/%d files", done, total)
