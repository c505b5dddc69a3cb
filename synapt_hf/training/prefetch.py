"""Prepare batches ahead in a background thread, on a side CUDA stream, while the model trains.

Online rendering on the training GPU launches thousands of small kernels per group of clips. Run inline,
the GPU would train, then render, then train; run from a producer thread on its own CUDA stream, the
renderer's launches happen while the training thread waits for its step, and its kernels fill the gaps
the model leaves on the GPU. Batches come out in the producer's order, so results stay deterministic.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from typing import Any

import torch

_DONE = object()


def prefetch_in_thread(
    make_batches: Callable[[], Iterable[dict[str, Any]]], device: torch.device, depth: int = 2
) -> Iterator[dict[str, Any]]:
    """Iterate `make_batches()` in a background thread, at most `depth` batches ahead.

    On CUDA the producer runs on a side stream; each batch carries an event that the consumer's stream
    waits on, and its tensors are marked as used by the consumer's stream (safe memory reuse). An
    exception in the producer is raised in the consumer. Closing the iterator early stops the producer.
    """
    cuda = device.type == "cuda"
    side = torch.cuda.Stream(device) if cuda else None
    items: queue.Queue = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            with torch.cuda.stream(side) if cuda else nullcontext():
                for batch in make_batches():
                    event = None
                    if cuda:
                        event = torch.cuda.Event()
                        event.record(side)
                    if not put((batch, event)):
                        return
            put(_DONE)
        except BaseException as error:  # handed to the consumer
            put(error)

    thread = threading.Thread(target=produce, name="synapt-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = items.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            batch, event = item
            if event is not None:
                current = torch.cuda.current_stream(device)
                current.wait_event(event)
                for value in batch.values():
                    if isinstance(value, torch.Tensor) and value.is_cuda:
                        value.record_stream(current)
            yield batch
    finally:
        stop.set()
        thread.join(timeout=10)
