"""Crop + resize + flip of a whole batch of clips in two batched matrix products.

`ClipTransform.augment_clips` on a GPU used to crop and resize each clip with its own `F.interpolate` call:
a few hundred kernel launches and about 0.3 ms of Python per clip, all holding the interpreter lock that the
training loop needs to launch its own kernels. Here each clip's crop box, resize and flip become two
matrices (rows: output pixels; columns: input pixels), and one batched product per axis applies them to
every clip at once. The matrices are computed where the clips are, from the boxes alone, by a fixed number
of whole-batch tensor operations (no per-clip Python, no large host-to-device copy). They hold the weights
of PyTorch's antialiased bilinear resize (``F.interpolate(mode="bilinear", align_corners=False,
antialias=True)``), so the result equals the per-clip path up to float rounding.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from synapt_hf.device_copy import to_device

CHUNK_CLIPS = 16  # clips per product: bounds the float32 copies of the batch held at once


def resize_weights(length: int, out_size: int, offset: int = 0, full: int | None = None) -> torch.Tensor:
    """(out_size, full) float32 matrix ``M`` with ``M @ v == resize(v[offset : offset + length], out_size)``
    for PyTorch's antialiased bilinear resize along one axis (one row of `resize_matrices`)."""
    starts, lengths = torch.tensor([offset]), torch.tensor([length])
    return resize_matrices(starts, lengths, length if full is None else full, out_size)[0]


def resize_matrices(
    starts: torch.Tensor,
    lengths: torch.Tensor,
    full: int,
    out_size: int,
    mirror: torch.Tensor | None = None,
) -> torch.Tensor:
    """(B, out_size, full) float32 matrices, on the device of `starts`: row ``b`` resizes the crop
    ``[starts[b], starts[b] + lengths[b])`` of an axis of `full` pixels to `out_size` pixels (a triangle
    filter widened by the scale when shrinking, weights normalised per output pixel, as ATen computes them
    in float32), its output reversed where ``mirror[b]``."""
    f32 = torch.float32
    device = starts.device
    length = lengths.to(f32)[:, None, None]
    scale = length / out_size
    shrinking = scale >= 1.0
    support = torch.where(shrinking, scale, 1.0)
    inverse = torch.where(shrinking, 1.0 / scale, 1.0)
    centre = scale * (torch.arange(out_size, dtype=f32, device=device)[None, :, None] + 0.5)
    first = (centre - support + 0.5).to(torch.int64).clamp_(min=0)  # truncation, as in ATen
    last = torch.minimum((centre + support + 0.5).to(torch.int64), lengths[:, None, None])
    column = torch.arange(full, device=device)[None, None, :] - starts[:, None, None]  # in crop pixels
    distance = ((column.to(f32) - centre + 0.5) * inverse).abs_()
    inside = (column >= first) & (column < last) & (distance < 1.0)
    weights = torch.where(inside, 1.0 - distance, 0.0)
    total = weights.sum(dim=2, keepdim=True)
    weights = torch.where(total != 0, weights / total, 0.0)
    if mirror is not None:  # a flip mirrors the output pixels
        weights = torch.where(mirror[:, None, None], weights.flip(1), weights)
    return weights


def crop_resize_flip(
    clips: torch.Tensor,
    boxes: Sequence[tuple[int, int, int, int]],
    flips: Sequence[bool],
    out_size: tuple[int, int],
) -> torch.Tensor:
    """Uint8 clips ``(B, T, H, W, 3)`` -> float ``(B, T, 3, h, w)``: clip ``b`` cropped to ``boxes[b]``
    (top, left, height, width), resized to `out_size` (antialiased bilinear) and mirrored if ``flips[b]``,
    where the clips are (one small host-to-device copy of the boxes, two batched products per chunk)."""
    batch, _, height, width, _ = clips.shape
    out_h, out_w = out_size
    if len(boxes) != batch or len(flips) != batch:
        raise ValueError(f"crop_resize_flip: {batch} clips, {len(boxes)} boxes, {len(flips)} flips")
    table = torch.tensor([[*box, flip] for box, flip in zip(boxes, flips, strict=True)], dtype=torch.int64)
    table = to_device(table, clips.device)
    top, left, box_h, box_w, flip = table.unbind(1)
    rows = resize_matrices(top, box_h, height, out_h)
    cols = resize_matrices(left, box_w, width, out_w, mirror=flip.bool())
    parts = []
    for start in range(0, batch, CHUNK_CLIPS):
        part = slice(start, start + CHUNK_CLIPS)
        pixels = clips[part].to(torch.float32)
        across = torch.einsum("bpw,bthwc->bthpc", cols[part], pixels)
        parts.append(torch.einsum("boh,bthpc->btcop", rows[part], across))
    return torch.cat(parts) if len(parts) > 1 else parts[0]
