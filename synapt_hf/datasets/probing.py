"""Probe many files, optionally in a process pool; a bad file gives a reason, never an exception.

Each worker process opens its own containers (`video.probe` opens and closes one per call), and the pool
uses the ``spawn`` start method so no decoder state or thread is inherited from the parent.

Besides `probe` (container, video stream, first frame), `video.completeness_problem` reads every packet of
the video stream without decoding it, so truncated or mid-stream-corrupt files are reported too.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from synapt_hf.data.video import VideoInfo, completeness_problem, probe
from synapt_hf.errors import SynaptError
from synapt_hf.progress import progress_bar

log = logging.getLogger(__name__)

ProbeResult = VideoInfo | str  # the metadata, or the reason the file is unusable


def probe_file(file: Path, verify: bool = True) -> ProbeResult:
    """Probe one file (and with `verify`, check it is complete); its `VideoInfo` or a one-line reason."""
    try:
        info = probe(file)
        problem = completeness_problem(file) if verify else None
        return info if problem is None else problem
    except SynaptError as exc:
        message = str(exc)
        prefix = f"{file}: "
        return message[len(prefix) :] if message.startswith(prefix) else message
    except Exception as exc:  # an unexpected library failure must not stop a long build
        return f"unexpected {type(exc).__name__} while probing ({str(exc).strip()[:200]})"


def probe_files(
    files: Sequence[Path],
    num_proc: int = 1,
    verify: bool = True,
    progress_every: int = 500,
    quiet: bool = False,
) -> list[ProbeResult]:
    """Probe `files` (in order) with `num_proc` processes; results are in the same order as `files`.
    A progress bar shows on a terminal unless `quiet` (see `synapt_hf.progress`)."""
    if num_proc < 1:
        raise SynaptError(f"--num-proc must be at least 1, got {num_proc}")
    results: list[ProbeResult] = []
    bar = progress_bar(total=len(files), desc="probing", unit="file", quiet=quiet)
    if num_proc == 1 or len(files) < 2:
        with bar:
            for done, file in enumerate(files, start=1):
                results.append(probe_file(file, verify=verify))
                bar.update(1)
                _report(done, len(files), progress_every)
        return results
    context = multiprocessing.get_context("spawn")
    chunksize = max(1, min(32, len(files) // (num_proc * 4)))
    try:
        with bar, ProcessPoolExecutor(max_workers=num_proc, mp_context=context) as pool:
            work = pool.map(functools.partial(probe_file, verify=verify), files, chunksize=chunksize)
            for done, result in enumerate(work, start=1):
                results.append(result)
                bar.update(1)
                _report(done, len(files), progress_every)
    except BrokenProcessPool as exc:
        near = files[len(results)] if len(results) < len(files) else files[-1]
        raise SynaptError(
            f"a probing process died (a file that crashes FFmpeg?) after {len(results)} of {len(files)} files, "
            f"near {near}; move that file away or rerun with --num-proc 1 to find it"
        ) from exc
    return results


def _report(done: int, total: int, every: int) -> None:
    if done % every == 0 or (done == total and total >= every):
        log.info("probed %d/%d files", done, total)
