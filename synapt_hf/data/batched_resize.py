"""Crop + resize + flip of a whole batch of clips in two batched matrix products.

`ClipTransform.augment_clips` on a GPU used to crop and resize each clip with its own `F.interpolate` call:
a few hundred kernel launches and about 0.3 ms of Python per clip, all holding the interpreter lock that the
training loop needs to launch its own kernels. Here each clip's crop box, resize and flip become two
matrices (rows: output pixels; columns: input pixels) built on the CPU, and one batched product per axis
applies them to every clip at once. The matrices hold the weights of PyTorch's antialiased bilinear resize
(``F.interpolate(mode="bilinear", align_corners=False, antialias=True)``), so the result equals the
per-clip path up to float rounding.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import torch

from synapt_hf.device_copy import to_device

CHUNK_CLIPS = 16  # clips per product: bounds the float32 copies of the batch held at once


def resize_weights(length: int, out_size: int, offset: int = 0, full: int | None = None) -> np.ndarray:
    """(out_size, full) float32 matrix ``M`` with ``M @ v == resize(v[offset : offset + length], out_size)``
    for PyTorch's antialiased bilinear resize along one axis (a triangle filter widened by the scale when
    shrinking, weights normalised per output pixel)."""
    matrix = np.zeros((out_size, length if full is None else full), dtype=np.float32)
    rows, columns, weights = _taps(length, out_size)
    matrix[rows, offset + columns] = weights
    return matrix


@functools.lru_cache(maxsize=1024)
def _taps(length: int, out_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The non-zero (row, column, weight) entries of the resize of `length` pixels to `out_size` (cached:
    crops of one batch share few lengths)."""
    # ATen computes the weights of a float tensor in float32: so do we, to match its rounding
    f32 = np.float32
    scale = f32(length) / f32(out_size)
    support = scale if scale >= 1.0 else f32(1.0)
    inverse = f32(1.0) / scale if scale >= 1.0 else f32(1.0)
    centre = scale * (np.arange(out_size, dtype=f32) + f32(0.5))
    first = np.maximum((centre - support + f32(0.5)).astype(np.int64), 0)  # truncation, as in ATen
    last = np.minimum((centre + support + f32(0.5)).astype(np.int64), length)
    taps = int((last - first).max())
    columns = first[:, None] + np.arange(taps)[None, :]
    valid = columns < last[:, None]
    distance = np.abs((columns.astype(f32) - centre[:, None] + f32(0.5)) * inverse)
    weights = np.where(valid & (distance < 1.0), f32(1.0) - distance, f32(0.0)).astype(f32)
    total = weights.sum(axis=1, keepdims=True, dtype=f32)
    weights = np.divide(weights, total, out=np.zeros_like(weights), where=total != 0)
    rows = np.broadcast_to(np.arange(out_size)[:, None], columns.shape)
    entries = (rows[valid], columns[valid], weights[valid])
    for array in entries:
        array.flags.writeable = False
    return entries


def crop_resize_flip(
    clips: torch.Tensor,
    boxes: Sequence[tuple[int, int, int, int]],
    flips: Sequence[bool],
    out_size: tuple[int, int],
) -> torch.Tensor:
    """Uint8 clips ``(B, T, H, W, 3)`` -> float ``(B, T, 3, h, w)``: clip ``b`` cropped to ``boxes[b]``
    (top, left, height, width), resized to `out_size` (antialiased bilinear) and mirrored if ``flips[b]``,
    where the clips are (one host-to-device copy of the matrices, two batched products per chunk)."""
    batch, _, height, width, _ = clips.shape
    out_h, out_w = out_size
    rows = np.zeros((batch, out_h, height), dtype=np.float32)
    cols = np.zeros((batch, out_w, width), dtype=np.float32)
    for b, ((top, left, box_h, box_w), flip) in enumerate(zip(boxes, flips, strict=True)):
        out_rows, in_rows, weights = _taps(box_h, out_h)
        rows[b, out_rows, top + in_rows] = weights
        out_cols, in_cols, weights = _taps(box_w, out_w)
        mirrored = out_w - 1 - out_cols if flip else out_cols  # a flip mirrors the output columns
        cols[b, mirrored, left + in_cols] = weights
    rows_t = to_device(torch.from_numpy(rows), clips.device)
    cols_t = to_device(torch.from_numpy(cols), clips.device)
    parts = []
    for start in range(0, batch, CHUNK_CLIPS):
        part = slice(start, start + CHUNK_CLIPS)
        pixels = clips[part].to(torch.float32)
        across = torch.einsum("bpw,bthwc->bthpc", cols_t[part], pixels)
        parts.append(torch.einsum("boh,bthpc->btcop", rows_t[part], across))
    return torch.cat(parts) if len(parts) > 1 else parts[0]
