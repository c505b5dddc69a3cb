"""Batched torch ray-caster: capsule bodies, textured ground and backdrop, ground shadows.

One code path for CPU and CUDA. Per batch of ``B`` clips x ``T`` frames:

1. background: ray/plane intersection with the ground and a vertical backdrop, bilinear texture lookups
   (computed once per clip when its camera is static), Lambert + ambient lighting;
2. shadows: a small per-frame shadow map of the body's capsules projected on the ground along the light,
   sampled at each ground pixel;
3. moving occluders (presets with ``occluders``): for each slot, flat camera-facing textured ellipses or
   rectangles inside their screen tiles, z-tested into the z-buffer before the body;
4. body: for each of the 19 capsules, closed-form ray/capsule intersection inside the capsule's screen
   bounding tile (shared tile size across the batch), a z-buffer test and a shaded write (Lambert +
   ambient, optional shirt stripes; presets with textured clothing look the clothed parts' albedo up in
   their clip's small clothing textures, at coordinates fixed to the part: see `_shade_textured`);
5. optional 2x2 supersampling for anti-aliasing, then uint8.

Only exact IEEE operations (add, mul, div, sqrt, min/max, floor, comparisons, gathers) touch pixels, so
a clip renders to the same bytes whatever else shares its batch. The per-pixel stages are plain functions
collected in `Kernels`; `kernels(fused=True)` compiles them with `torch.compile` (one fused loop or Triton
kernel per stage instead of dozens of elementwise kernels).
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from synapt_hf.errors import SynaptError
from synapt_hf.synth.occluders import OCCLUDER_TEXTURE_SIZE
from synapt_hf.synth.scene import (
    BACKDROP_TILE_M,
    CLOTHING_TEXTURE_SIZE,
    GROUND_TILE_M,
    PART_CLOTHING_TEXTURE,
    SHADOW_MAP,
    TEXTURE_SIZE,
    ClipScene,
)

SHADOW_DARKNESS = 0.75  # fraction of the direct light a full shadow removes


def stack_scenes(
    scenes: Sequence[ClipScene], device: torch.device | str = "cpu", shared: bool = False
) -> dict[str, torch.Tensor]:
    """Stack per-clip arrays into batch tensors on `device`: each clip's arrays are copied once, into its
    row. `shared` (CPU only) allocates the batch in shared memory, so a DataLoader worker hands it to the
    main process without another copy."""
    import numpy as np

    out: dict[str, torch.Tensor] = {}
    for name in ClipScene.__dataclass_fields__:
        values = [np.asarray(getattr(scene, name)) for scene in scenes]
        first = values[0]
        batch = torch.empty((len(values), *first.shape), dtype=torch.from_numpy(first).dtype)
        if shared:
            batch.share_memory_()
        rows = batch.numpy()
        for row, value in enumerate(values):
            if value.shape != first.shape or value.dtype != first.dtype:
                raise ValueError(
                    f"scene field {name}: clip {row} is {value.dtype}{list(value.shape)}, clip 0 is "
                    f"{first.dtype}{list(first.shape)}"
                )
            rows[row] = value
        out[name] = batch.to(device)
    return out


def _bilinear(
    table: torch.Tensor, base: torch.Tensor, u: torch.Tensor, v: torch.Tensor, size: int
) -> torch.Tensor:
    """Wrapping bilinear lookup of textures stored as rows of `table` (K*size*size, 3).

    `base` (K, 1, 1) is each texture's first row; u, v are (K, H, W) in texture repeats.
    """
    x = u * size - 0.5
    y = v * size - 0.5
    x0 = torch.floor(x)
    y0 = torch.floor(y)
    fx = (x - x0).unsqueeze(-1)
    fy = (y - y0).unsqueeze(-1)
    xi = torch.remainder(x0.to(torch.int32), size)
    yi = torch.remainder(y0.to(torch.int32), size)
    xj = torch.remainder(xi + 1, size)
    yj = torch.remainder(yi + 1, size)
    r0 = base + yi * size
    r1 = base + yj * size
    shape = (*u.shape, table.shape[-1])

    def fetch(index: torch.Tensor) -> torch.Tensor:
        return table.index_select(0, index.reshape(-1)).reshape(shape)

    top = fetch(r0 + xi) * (1 - fx) + fetch(r0 + xj) * fx
    bottom = fetch(r1 + xi) * (1 - fx) + fetch(r1 + xj) * fx
    return top * (1 - fy) + bottom * fy


def _plane_hit(plane: torch.Tensor, dx: torch.Tensor, dy: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Depth (ray parameter, = camera z) and (u, v) of rays (dx, dy, 1) on planes (K, 12)."""
    p = plane[:, :, None, None]
    denom = p[:, 0] * dx + p[:, 1] * dy + p[:, 2]
    depth = p[:, 3] / denom
    depth = torch.where((depth > 0) & torch.isfinite(depth), depth, torch.full_like(depth, float("inf")))
    safe = torch.where(torch.isfinite(depth), depth, torch.zeros_like(depth))
    u = (p[:, 4] * dx + p[:, 5] * dy + p[:, 6]) * safe + p[:, 7]
    v = (p[:, 8] * dx + p[:, 9] * dy + p[:, 10]) * safe + p[:, 11]
    return depth, u, v


def _rays(focal: torch.Tensor, height: int, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Ray direction components dx (K, 1, W) and dy (K, H, 1) for pixel centres (z component 1)."""
    device = focal.device
    xs = torch.arange(width, device=device, dtype=torch.float32) + (0.5 - width / 2)
    ys = torch.arange(height, device=device, dtype=torch.float32) + (0.5 - height / 2)
    f = focal[:, None, None]
    return xs[None, None, :] / f, ys[None, :, None] / f


def _background(
    batch: dict[str, torch.Tensor], clip: torch.Tensor, frame: torch.Tensor, scale: int, size: int
):
    """Lit background colour (K, H, W, 3) and ground depth (K, H, W) (inf on the backdrop) for frames."""
    focal = batch["focal_px"][clip, frame] * scale
    dx, dy = _rays(focal, size, size)
    ground_depth, gu, gv = _plane_hit(batch["ground"][clip, frame], dx, dy)
    back_depth, bu, bv = _plane_hit(batch["backdrop"][clip, frame], dx, dy)
    textures = batch["textures"].reshape(-1, 3)
    per_texture = TEXTURE_SIZE * TEXTURE_SIZE
    base_back = (clip * 2 * per_texture)[:, None, None]
    base_ground = base_back + per_texture
    use_ground = ground_depth < back_depth
    # One texture lookup per pixel: ground texels where the ground is nearer, backdrop texels elsewhere.
    base = torch.where(use_ground, base_ground, base_back).to(torch.int32)
    u = torch.where(use_ground, gu, bu)
    v = torch.where(use_ground, gv, bv)
    albedo = _bilinear(textures, base, u, v, TEXTURE_SIZE)
    # Cheap texture filtering: where a pixel covers several texels (far or grazing surfaces), fade the
    # texture to its mean colour instead of aliasing. Pixel footprint on a plane at distance |offset|:
    # depth^2 |ray|^2 / (focal |offset|) metres.
    rdrd = dx * dx + (dy * dy + 1.0)
    depth = torch.where(use_ground, ground_depth, back_depth)
    offset = torch.where(use_ground, batch["ground"][clip, frame][:, 3, None, None].abs(),
                         batch["backdrop"][clip, frame][:, 3, None, None].abs())  # fmt: skip
    texel_m = torch.where(use_ground, GROUND_TILE_M / TEXTURE_SIZE, BACKDROP_TILE_M / TEXTURE_SIZE)
    texels = depth * depth * rdrd / (focal[:, None, None] * torch.clamp(offset, min=1e-3) * texel_m)
    fade = torch.clamp((texels - 1.5) * 0.25, 0.0, 1.0).unsqueeze(-1)
    mean = batch["texture_mean"][clip]  # (K, 2, 3): backdrop, ground
    mean = torch.where(use_ground.unsqueeze(-1), mean[:, None, None, 1], mean[:, None, None, 0])
    albedo = albedo + (mean - albedo) * fade
    ambient = batch["ambient"][clip][:, None, None, :]
    light = batch["light_rgb"][clip][:, None, None, :]
    g_light = batch["ground_light"][clip][:, None, None, :]
    b_light = batch["backdrop_light"][clip][:, None, None, :]
    ground_mask = use_ground.unsqueeze(-1)
    amb_w = torch.where(ground_mask, g_light[..., 0:1], b_light[..., 0:1])
    dir_w = torch.where(ground_mask, g_light[..., 1:2], b_light[..., 1:2])
    colour = albedo * (ambient * amb_w + light * dir_w)
    ground_depth = torch.where(use_ground, ground_depth, torch.full_like(ground_depth, float("inf")))
    return colour, ground_depth


def _ground_points(
    batch: dict[str, torch.Tensor], clip: torch.Tensor, frame: torch.Tensor, size: int, image_size: int
) -> torch.Tensor:
    """World (x, z) of the ground under each pixel of a `size` grid for the given frames; NaN off the ground."""
    focal = batch["focal_px"][clip, frame] * (size / image_size)
    dx, dy = _rays(focal, size, size)
    ground_depth, gu, gv = _plane_hit(batch["ground"][clip, frame], dx, dy)
    back_depth, _, _ = _plane_hit(batch["backdrop"][clip, frame], dx, dy)
    off_ground = (ground_depth >= back_depth).unsqueeze(-1)
    world = torch.stack([gu * GROUND_TILE_M, gv * GROUND_TILE_M], -1)
    return torch.where(off_ground, torch.full_like(world, float("nan")), world)


def _shadow_map(batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """(B*T, G, G) soft shadow coverage in [0, 1] over each clip's shadow-map square."""
    seg = batch["shadow_segments"]  # (B, T, S, 4)
    b, t, s, _ = seg.shape
    seg = seg.reshape(b * t, s, 4)
    radius = batch["shadow_radius"].repeat_interleave(t, dim=0)  # (B*T, S)
    grid = torch.arange(SHADOW_MAP, device=seg.device, dtype=torch.float32)
    gx = grid[None, None, None, :]
    gy = grid[None, None, :, None]
    ax, ay, bx, by = (seg[..., i, None, None] for i in range(4))  # (B*T, S, 1, 1)
    ex, ey = bx - ax, by - ay
    length2 = torch.clamp(ex * ex + ey * ey, min=1e-6)
    px, py = gx - ax, gy - ay
    along = torch.clamp((px * ex + py * ey) / length2, 0.0, 1.0)
    qx, qy = px - along * ex, py - along * ey
    dist = torch.sqrt(qx * qx + qy * qy)
    cover = torch.clamp(radius[..., None, None] - dist + 0.5, 0.0, 1.0)  # (B*T, S, G, G)
    return cover.amax(1).clamp_(min=0.0)


def _sample_shadow(coverage: torch.Tensor, world: torch.Tensor, origin: torch.Tensor) -> torch.Tensor:
    """Bilinear lookup of the shadow maps (N, G, G) at ground points world (N, H, W, 2); 0 outside."""
    n = coverage.shape[0]
    x = (world[..., 0] - origin[:, 0, None, None]) * origin[:, 2, None, None]
    y = (world[..., 1] - origin[:, 1, None, None]) * origin[:, 2, None, None]
    inside = (x >= 0) & (y >= 0) & (x <= SHADOW_MAP - 1) & (y <= SHADOW_MAP - 1)  # False for NaN
    x = torch.where(inside, x, torch.zeros_like(x)).clamp_(0, SHADOW_MAP - 1.001)
    y = torch.where(inside, y, torch.zeros_like(y)).clamp_(0, SHADOW_MAP - 1.001)
    x0, y0 = torch.floor(x), torch.floor(y)
    fx, fy = x - x0, y - y0
    base = (torch.arange(n, device=coverage.device) * SHADOW_MAP * SHADOW_MAP)[:, None, None]
    idx = (base + y0.long() * SHADOW_MAP + x0.long()).reshape(-1)
    flat = coverage.reshape(-1)

    def fetch(offset: int) -> torch.Tensor:
        return flat.index_select(0, idx + offset).view(fx.shape)

    top = fetch(0) * (1 - fx) + fetch(1) * fx
    bottom = fetch(SHADOW_MAP) * (1 - fx) + fetch(SHADOW_MAP + 1) * fx
    value = top * (1 - fy) + bottom * fy
    return torch.where(inside, value, torch.zeros_like(value))


# Spare z-buffer rows after the image rows: dense tiles write their misses there (never read back).
SPARE_ROWS = 4096

# Items of a part are sorted by screen extent and drawn in this many tile-size groups: more groups waste
# fewer pixels on small capsules, fewer groups launch fewer kernels (what GPUs prefer). Any value gives the
# same image.
TILE_GROUPS = {"cpu": 4, "cuda": 1}  # cuda: 1 group measured 2.9x faster than 4 on an H100 (112 px)


def _draw_body(
    batch: dict[str, torch.Tensor], zbuf: torch.Tensor, height: int, width: int, scale: int, kernels: Kernels
) -> None:
    """Ray-cast every capsule inside its screen tile and z-test into `zbuf` (N*H*W + SPARE_ROWS, 4)."""
    seg_a = batch["seg_a"].flatten(0, 1)  # (N, P, 3)
    seg_b = batch["seg_b"].flatten(0, 1)
    n, parts, _ = seg_a.shape
    t = batch["seg_a"].shape[1]
    device = seg_a.device
    focal = batch["focal_px"].reshape(n) * scale
    radius = batch["radius"].repeat_interleave(t, dim=0)  # (N, P)
    x0, y0, extent_w, extent_h = _screen_tiles(seg_a, seg_b, radius, focal[:, None], height, width)
    # Items of a part sorted by tile area, cut into groups; every group's tile size in one host transfer.
    groups = min(TILE_GROUPS.get(device.type, TILE_GROUPS["cuda"]), n)
    order = torch.argsort(extent_w * extent_h, dim=0, stable=True) if groups > 1 else None
    chunks = torch.tensor_split(torch.arange(n, device=device), groups)
    extent = torch.stack([extent_h, extent_w], -1)  # (N, P, 2)
    if order is not None:
        extent = extent.gather(0, order[..., None].expand_as(extent))
    tiles = torch.stack([extent[chunk].amax(0) for chunk in chunks]).long().tolist()  # [group][part] = [h, w]
    # Shading constants per item and part (N, P, 15): 1/r, light direction, stripes, albedo, ambient, light.
    per_clip = torch.cat([batch["ambient"], batch["light_rgb"]], 1).repeat_interleave(t, dim=0)
    shading = torch.cat(
        [
            (1.0 / radius).unsqueeze(-1),
            batch["light_cam"].reshape(n, 1, 3).expand(n, parts, 3),
            batch["stripe_freq"].repeat_interleave(t, dim=0).unsqueeze(-1),
            batch["stripe_amp"].repeat_interleave(t, dim=0).unsqueeze(-1),
            batch["albedo"].repeat_interleave(t, dim=0),
            per_clip[:, None, :].expand(n, parts, 6),
        ],
        -1,
    )
    capsule = torch.cat([seg_a, seg_b - seg_a, radius.unsqueeze(-1)], -1)  # (N, P, 7): a, b - a, r
    base = torch.arange(n, device=device) * (height * width)
    table, texture, clothing = _clothing_constants(batch, capsule)
    textured_shading = None if clothing is None else torch.cat([shading, clothing], -1)
    for p in range(parts):
        item = {"capsule": capsule[:, p], "shading": shading[:, p], "x0": x0[:, p], "y0": y0[:, p],
                "focal": focal, "base": base}  # fmt: skip
        extra = ()
        if table is not None and PART_CLOTHING_TEXTURE[p] >= 0:
            item.update(shading=textured_shading[:, p], texture=texture[:, p])
            extra = (table,)
        for g, chunk in enumerate(chunks):  # never empty: groups <= n
            selected = item
            if order is not None:
                selected = {k: v.index_select(0, order[chunk, p]) for k, v in item.items()}
            kernels.draw_tile(selected, zbuf, *tiles[g][p], height, width, *extra)


def _clothing_constants(
    batch: dict[str, torch.Tensor], capsule: torch.Tensor
) -> tuple[torch.Tensor | None, torch.Tensor | None, torch.Tensor | None]:
    """For batches with textured clothing: the texture table (B*S*size*size, 3), each item and part's
    first texture row (N, P) int32, and its texture constants (N, P, 10): reference directions r1, r2,
    repeats around, repeats per metre along / |b - a|^2, u and v offsets. None (three times) otherwise."""
    textures = batch["clothing_textures"]  # (B, S, size, size, 3)
    b, slots = textures.shape[:2]
    if slots == 0:
        return None, None, None
    t = batch["seg_a"].shape[1]
    n = b * t
    per_texture = CLOTHING_TEXTURE_SIZE * CLOTHING_TEXTURE_SIZE
    slot = torch.as_tensor(PART_CLOTHING_TEXTURE, device=capsule.device).clamp(min=0)
    clip = torch.div(torch.arange(n, device=capsule.device), t, rounding_mode="floor")
    texture = ((clip[:, None] * slots + slot[None, :]) * per_texture).to(torch.int32)
    uv = batch["clothing_uv"].repeat_interleave(t, dim=0)  # (N, P, 4)
    ba = capsule[..., 3:6]
    along = uv[..., 1:2] / torch.clamp((ba * ba).sum(-1, keepdim=True), min=1e-12)
    constants = torch.cat([batch["clothing_frame"].flatten(0, 1), uv[..., 0:1], along, uv[..., 2:4]], -1)
    return textures.reshape(-1, 3), texture, constants


def _screen_tiles(
    a: torch.Tensor, b: torch.Tensor, r: torch.Tensor, focal: torch.Tensor, height: int, width: int
) -> tuple[torch.Tensor, ...]:
    """Top-left pixel (x0, y0) and extent (w, h) of each capsule's screen tile, all (N, P) float."""
    cx, cy = width / 2, height / 2
    za = torch.clamp(a[..., 2], min=1e-3)
    zb = torch.clamp(b[..., 2], min=1e-3)
    ua, va = cx + focal * a[..., 0] / za, cy + focal * a[..., 1] / za
    ub, vb = cx + focal * b[..., 0] / zb, cy + focal * b[..., 1] / zb
    # Projected radius bound: f tan(alpha) with tan(alpha) <= r / (z - r), times sec^2 of the largest
    # off-axis angle (a sphere's image stretches away from the centre), plus a pixel.
    off_axis = (
        torch.maximum(
            torch.maximum((ua - cx).abs(), (ub - cx).abs()),
            torch.maximum((va - cy).abs(), (vb - cy).abs()),
        )
        / focal
    )
    rp = focal * r / torch.clamp(torch.minimum(za, zb) - r, min=1e-3) * (1.05 + off_axis * off_axis) + 1.0
    x0 = torch.clamp(torch.floor(torch.minimum(ua, ub) - rp), -1, width)
    y0 = torch.clamp(torch.floor(torch.minimum(va, vb) - rp), -1, height)
    extent_w = torch.clamp(torch.clamp(torch.ceil(torch.maximum(ua, ub) + rp), max=width) - x0, 1, width + 1)
    extent_h = torch.clamp(
        torch.clamp(torch.ceil(torch.maximum(va, vb) + rp), max=height) - y0, 1, height + 1
    )
    return x0, y0, extent_w, extent_h


def _tile_rays(
    item: dict[str, torch.Tensor], tile_h: int, tile_w: int, height: int, width: int
) -> tuple[torch.Tensor, ...]:
    """Pixel coordinates px (N, 1, tw), py (N, th, 1) of the items' tiles and their ray directions dx, dy."""
    device = item["x0"].device
    px = item["x0"][:, None, None] + torch.arange(tile_w, device=device, dtype=torch.float32)[None, None, :]
    py = item["y0"][:, None, None] + torch.arange(tile_h, device=device, dtype=torch.float32)[None, :, None]
    focal = item["focal"][:, None, None]
    return px, py, (px + (0.5 - width / 2)) / focal, (py + (0.5 - height / 2)) / focal


def _draw_tile_compacted(
    item: dict[str, torch.Tensor],
    zbuf: torch.Tensor,
    tile_h: int,
    tile_w: int,
    height: int,
    width: int,
    table: torch.Tensor | None = None,
) -> None:
    """Ray-cast one capsule per item over a (tile_h, tile_w) tile, then shade and z-test only the pixels
    that hit it (compacted): the fastest order for eager kernels. With a clothing texture `table`, items
    carry their first texture row (``texture``) and texture constants (see `_shade_textured`)."""
    px, py, dx, dy = _tile_rays(item, tile_h, tile_w, height, width)
    depth, s, valid = _capsule_surface(item["capsule"], px, py, dx, dy, height, width)
    hits = valid.reshape(-1).nonzero().squeeze(1)
    if hits.numel() == 0:
        return
    owner, row, col, index = _hit_pixels(item, hits, tile_h, tile_w, width)
    hx = dx.reshape(-1).index_select(0, owner * tile_w + col)
    hy = dy.reshape(-1).index_select(0, owner * tile_h + row)
    hd = depth.reshape(-1).index_select(0, hits)
    hs = s.reshape(-1).index_select(0, hits)
    constants = torch.cat([item["capsule"][:, :6], item["shading"]], 1).index_select(0, owner)
    if table is None:
        candidate = _shade(hd, hs, hx, hy, constants.unbind(1))
    else:
        texture = item["texture"].index_select(0, owner)
        candidate = _shade_textured(hd, hs, hx, hy, constants.unbind(1), table, texture)
    _write_nearer(zbuf, index, candidate)


def _draw_tile_dense(
    item: dict[str, torch.Tensor],
    zbuf: torch.Tensor,
    tile_h: int,
    tile_w: int,
    height: int,
    width: int,
    table: torch.Tensor | None = None,
) -> None:
    """`_draw_tile_compacted` without compaction: every tile pixel is shaded and z-tested, the misses
    written to the spare rows. More arithmetic, no data-dependent shapes: one fused kernel when compiled."""
    px, py, dx, dy = _tile_rays(item, tile_h, tile_w, height, width)
    depth, s, valid = _capsule_surface(item["capsule"], px, py, dx, dy, height, width)
    constants = torch.cat([item["capsule"][:, :6], item["shading"]], 1)
    columns = [constants[:, k, None, None] for k in range(constants.shape[1])]
    if table is None:
        candidate = _shade(depth, s, dx, dy, columns)
    else:
        candidate = _shade_textured(depth, s, dx, dy, columns, table, item["texture"][:, None, None])
    index = item["base"][:, None, None] + py.long() * width + px.long()
    _write_nearer_or_spare(zbuf, index, valid, candidate)


def _hit_pixels(
    item: dict[str, torch.Tensor], hits: torch.Tensor, tile_h: int, tile_w: int, width: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """For flat positions `hits` in the stacked tiles: the tile that owns each, its row and column in the
    tile, and its z-buffer row."""
    per_tile = tile_h * tile_w
    owner = torch.div(hits, per_tile, rounding_mode="floor")
    within = hits - owner * per_tile
    row = torch.div(within, tile_w, rounding_mode="floor")
    col = within - row * tile_w
    line = item["y0"].long().index_select(0, owner) + row
    column = item["x0"].long().index_select(0, owner) + col
    index = item["base"].index_select(0, owner) + line * width + column
    return owner, row, col, index


def _write_nearer(zbuf: torch.Tensor, index: torch.Tensor, candidate: torch.Tensor) -> None:
    """Write each candidate (depth, r, g, b) into row `index` of the z-buffer where it is nearer."""
    current = zbuf.index_select(0, index)
    closer = (candidate[:, 0] < current[:, 0]).unsqueeze(-1)
    zbuf.index_copy_(0, index, torch.where(closer, candidate, current))


def _write_nearer_or_spare(
    zbuf: torch.Tensor, index: torch.Tensor, valid: torch.Tensor, candidate: torch.Tensor
) -> None:
    """The dense form of `_write_nearer`: every pixel of a tile is a candidate; misses (`valid` false) and
    farther candidates are written to the spare rows instead, spread so that GPU stores do not pile onto
    one address. No data-dependent shapes, so it compiles into one kernel."""
    spare = zbuf.shape[0] - SPARE_ROWS + torch.arange(index.numel(), device=zbuf.device) % SPARE_ROWS
    valid, candidate = valid.reshape(-1), candidate.reshape(-1, 4)
    index = torch.where(valid, index.reshape(-1), spare)
    current = zbuf.index_select(0, index)
    closer = valid & (candidate[:, 0] < current[:, 0])
    zbuf.index_copy_(0, torch.where(closer, index, spare), candidate)


def _draw_occluders(
    batch: dict[str, torch.Tensor], zbuf: torch.Tensor, height: int, width: int, scale: int, kernels: Kernels
) -> None:
    """Draw every occluder slot (see `synapt_hf.synth.occluders`) of every frame into `zbuf`, one slot at
    a time over screen tiles shared across the batch (an empty slot covers one pixel and writes nothing)."""
    rows = batch["occluders"]  # (B, T, K, F)
    t, slots = rows.shape[1:3]
    occ = rows.flatten(0, 1)  # (N, K, F)
    n = occ.shape[0]
    device = occ.device
    focal = batch["focal_px"].reshape(n) * scale
    f = focal[:, None]
    u = width / 2 + f * occ[..., 0] / occ[..., 2]
    v = height / 2 + f * occ[..., 1] / occ[..., 2]
    reach = f * occ[..., 8] / occ[..., 2] + 1.0
    x0 = torch.clamp(torch.floor(u - reach), -1, width)
    y0 = torch.clamp(torch.floor(v - reach), -1, height)
    extent_w = torch.clamp(torch.clamp(torch.ceil(u + reach), max=width) - x0, 1, width + 1)
    extent_h = torch.clamp(torch.clamp(torch.ceil(v + reach), max=height) - y0, 1, height + 1)
    tiles = torch.stack([extent_h.amax(0), extent_w.amax(0)], -1).long().tolist()  # [slot] = [h, w]
    table = batch["occluder_textures"].reshape(-1, 3)
    per_texture = OCCLUDER_TEXTURE_SIZE * OCCLUDER_TEXTURE_SIZE
    clip = torch.div(torch.arange(n, device=device), t, rounding_mode="floor")
    base = torch.arange(n, device=device) * (height * width)
    for k in range(slots):
        item = {"occluder": occ[:, k], "x0": x0[:, k], "y0": y0[:, k], "focal": focal, "base": base,
                "texture": ((clip * slots + k) * per_texture).to(torch.int32)}  # fmt: skip
        kernels.draw_occluder(item, zbuf, table, *tiles[k], height, width)


def _occluder_shape(
    item: dict[str, torch.Tensor], tile_h: int, tile_w: int, height: int, width: int
) -> tuple[torch.Tensor, ...]:
    """Ray-cast one flat occluder per item (a camera-facing plane at depth z) over its tile: pixel
    coordinates px (N, 1, tw), py (N, th, 1), shape coordinates su, sv and the hit mask (N, th, tw)."""
    px, py, dx, dy = _tile_rays(item, tile_h, tile_w, height, width)
    o = item["occluder"]
    c = lambda k: o[:, k, None, None]  # noqa: E731
    ox = dx * c(2) - c(0)
    oy = dy * c(2) - c(1)
    su = c(3) * ox + c(4) * oy
    sv = c(5) * ox + c(6) * oy
    ellipse = su * su + sv * sv < 1.0
    rectangle = torch.maximum(su.abs(), sv.abs()) < 1.0
    inside = (px >= 0) & (px < width) & (py >= 0) & (py < height)
    valid = torch.where(c(7) > 0.5, rectangle, ellipse) & inside & (c(12) > 0.5)
    return px, py, su, sv, valid


def _occluder_colour(
    table: torch.Tensor, texture: torch.Tensor, su: torch.Tensor, sv: torch.Tensor, light: torch.Tensor
) -> torch.Tensor:
    """Lit texture colour (..., 3) at shape coordinates (su, sv) in [-1, 1]: bilinear lookup in `table`
    (rows of the clips' occluder textures, `texture` each hit's first row) times the `light` factor."""
    return _bilinear(table, texture, su * 0.5 + 0.5, sv * 0.5 + 0.5, OCCLUDER_TEXTURE_SIZE) * light


def _draw_occluder_compacted(
    item: dict[str, torch.Tensor],
    zbuf: torch.Tensor,
    table: torch.Tensor,
    tile_h: int,
    tile_w: int,
    height: int,
    width: int,
) -> None:
    """Draw one occluder per item into `zbuf`: shape test over the tile, then texture, lighting and z-test
    only for the pixels inside the shape (compacted, the fastest order for eager kernels)."""
    _, _, su, sv, valid = _occluder_shape(item, tile_h, tile_w, height, width)
    hits = valid.reshape(-1).nonzero().squeeze(1)
    if hits.numel() == 0:
        return
    owner, _, _, index = _hit_pixels(item, hits, tile_h, tile_w, width)
    o = item["occluder"].index_select(0, owner)
    colour = _occluder_colour(table, item["texture"].index_select(0, owner), su.reshape(-1).index_select(0, hits),
                              sv.reshape(-1).index_select(0, hits), o[:, 9:12])  # fmt: skip
    candidate = torch.cat([o[:, 2:3], colour], -1)
    _write_nearer(zbuf, index, candidate)


def _draw_occluder_dense(
    item: dict[str, torch.Tensor],
    zbuf: torch.Tensor,
    table: torch.Tensor,
    tile_h: int,
    tile_w: int,
    height: int,
    width: int,
) -> None:
    """`_draw_occluder_compacted` without compaction, like `_draw_tile_dense` (misses go to the spare
    rows): no data-dependent shapes, one fused kernel when compiled."""
    px, py, su, sv, valid = _occluder_shape(item, tile_h, tile_w, height, width)
    o = item["occluder"]
    colour = _occluder_colour(table, item["texture"][:, None, None], su, sv, o[:, None, None, 9:12])
    candidate = torch.cat([o[:, 2, None, None].expand(su.shape).unsqueeze(-1), colour], -1)
    index = item["base"][:, None, None] + py.long() * width + px.long()
    _write_nearer_or_spare(zbuf, index, valid, candidate)


def _capsule_surface(
    capsule: torch.Tensor,
    px: torch.Tensor,
    py: torch.Tensor,
    dx: torch.Tensor,
    dy: torch.Tensor,
    height: int,
    width: int,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Closed-form ray/capsule intersection over tiles: depth, axial coordinate and hit mask (N, th, tw).

    `capsule` (N, 7): end point a, axis b - a, radius; rays leave the origin along (dx, dy, 1), so the
    depth is the ray parameter. `px`, `py` are the tile pixels' image coordinates (hits outside the
    image are dropped). Purely elementwise: one fused kernel when compiled.
    """
    v = lambda k: capsule[:, k, None, None]  # noqa: E731
    ax, ay, az, bax, bay, baz, r = (v(k) for k in range(7))
    baba = bax * bax + bay * bay + baz * baz
    baoa = -(bax * ax + bay * ay + baz * az)
    oaoa = ax * ax + ay * ay + az * az
    r2 = r * r
    bard = bax * dx + (bay * dy + baz)  # (N, th, tw)
    rdoa = -(ax * dx + (ay * dy + az))
    rdrd = dx * dx + (dy * dy + 1.0)
    qa = baba * rdrd - bard * bard
    qb = baba * rdoa - baoa * bard
    qc = baba * oaoa - baoa * baoa - r2 * baba
    h = qb * qb - qa * qc
    t_cyl = (-qb - torch.sqrt(torch.clamp(h, min=0.0))) / qa
    along = baoa + t_cyl * bard
    cyl = (h > 0) & (along > 0) & (along < baba)
    lower = along <= 0
    cx_, cy_, cz_ = (torch.where(lower, ac, ac + bc) for ac, bc in ((ax, bax), (ay, bay), (az, baz)))
    bq = -(cx_ * dx + cy_ * dy + cz_)
    cq = cx_ * cx_ + cy_ * cy_ + cz_ * cz_ - r2
    hq = bq * bq - rdrd * cq
    t_cap = (-bq - torch.sqrt(torch.clamp(hq, min=0.0))) / rdrd
    depth = torch.where(cyl, t_cyl, t_cap)
    inside = (px >= 0) & (px < width) & (py >= 0) & (py < height)
    valid = (cyl | (hq > 0)) & inside & (depth > 0)
    # Axial coordinate of the hit (0..1 along the capsule; 0 or 1 on the end caps).
    s = torch.where(cyl, along / baba, (~lower).to(along.dtype))
    return depth, s, valid


def _shade(
    depth: torch.Tensor, s: torch.Tensor, dx: torch.Tensor, dy: torch.Tensor, p: Sequence[torch.Tensor]
) -> torch.Tensor:
    """(depth, r, g, b) of capsule hits, stacked on a new last axis: normal from the axis point nearest to
    the hit, Lambert + ambient shading, optional shirt stripes. `p`: 21 constants broadcastable to the
    hits (a, b - a, 1/r, light direction, stripe frequency and amplitude, albedo, ambient, light colour)."""
    nx, ny, nz = _normal(depth, s, dx, dy, p)
    lam = torch.clamp(nx * p[7] + ny * p[8] + nz * p[9], min=0.0)
    pattern = 1.0 - (torch.floor(s * p[10] * 2.0) % 2.0) * p[11]
    shade = [p[12 + c] * pattern * (p[15 + c] + p[18 + c] * lam) for c in range(3)]
    return torch.stack([depth, *shade], -1)


def _normal(
    depth: torch.Tensor, s: torch.Tensor, dx: torch.Tensor, dy: torch.Tensor, p: Sequence[torch.Tensor]
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Unit surface normal of capsule hits: from the axis point nearest to the hit (a + s (b - a))."""
    nx = (depth * dx - (p[0] + s * p[3])) * p[6]
    ny = (depth * dy - (p[1] + s * p[4])) * p[6]
    nz = (depth - (p[2] + s * p[5])) * p[6]
    return nx, ny, nz


def _turns(y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """atan2(y, x) in turns (-0.5..0.5) from add, mul, div and comparisons only (a polynomial arctangent,
    error below 4e-5 turns), so that it rounds the same in every kernel; 0 where x = y = 0."""
    ax, ay = x.abs(), y.abs()
    a = torch.minimum(ax, ay) / torch.clamp(torch.maximum(ax, ay), min=1e-30)
    q = a * a
    # atan(a) / (2 pi) for a in [0, 1].
    r = (((-0.0464964749 / (2 * torch.pi)) * q + 0.15931422 / (2 * torch.pi)) * q
         - 0.327622764 / (2 * torch.pi)) * q * a + a * (1 / (2 * torch.pi))  # fmt: skip
    r = torch.where(ay > ax, 0.25 - r, r)
    r = torch.where(x < 0, 0.5 - r, r)
    return torch.where(y < 0, -r, r)


def _shade_textured(
    depth: torch.Tensor,
    s: torch.Tensor,
    dx: torch.Tensor,
    dy: torch.Tensor,
    p: Sequence[torch.Tensor],
    table: torch.Tensor,
    texture: torch.Tensor,
) -> torch.Tensor:
    """`_shade` with the albedo looked up in a clothing texture (rows of `table`, `texture` each hit's first
    row) instead of the flat one: `p` holds `_shade`'s 21 constants, then the part's camera-space reference
    directions r1, r2 (perpendicular to its axis), repeats around, repeats per metre along / |b - a|^2 and
    the u, v offsets. u is the hit's angle around the axis from r1 towards r2 (whole repeats: seamless),
    v its distance along the axis from a (end caps continue it), so the texture sticks to the part."""
    nx, ny, nz = _normal(depth, s, dx, dy, p)
    u = _turns(nx * p[24] + ny * p[25] + nz * p[26], nx * p[21] + ny * p[22] + nz * p[23]) * p[27] + p[29]
    v = ((depth * dx - p[0]) * p[3] + (depth * dy - p[1]) * p[4] + (depth - p[2]) * p[5]) * p[28] + p[30]
    # Misses (dense tiles) may be inf or NaN: look up texel 0 for them (never written to the image).
    u = torch.where(u.abs() < 1e4, u, torch.zeros_like(u))
    v = torch.where(v.abs() < 1e4, v, torch.zeros_like(v))
    albedo = _bilinear(table, texture, u, v, CLOTHING_TEXTURE_SIZE)
    lam = torch.clamp(nx * p[7] + ny * p[8] + nz * p[9], min=0.0)
    pattern = 1.0 - (torch.floor(s * p[10] * 2.0) % 2.0) * p[11]
    shade = [albedo[..., c] * pattern * (p[15 + c] + p[18 + c] * lam) for c in range(3)]
    return torch.stack([depth, *shade], -1)


def _fill_zbuf(
    zbuf: torch.Tensor,
    background: torch.Tensor,
    inverse: torch.Tensor,
    shadow: torch.Tensor | None,
    darkness: torch.Tensor | None,
    res: int,
) -> None:
    """Copy each frame's background (K, res*res, 4) into the first N*res*res rows of `zbuf`, darkened by its
    shadow coverage (N, h, h) (nearest upsampling to res) times `darkness` (N, 3)."""
    n, pixels = inverse.shape[0], res * res
    frames = zbuf[: n * pixels]
    torch.index_select(background.reshape(background.shape[0], -1), 0, inverse, out=frames.view(n, -1))
    if shadow is None:
        return
    half = shadow.shape[-1]
    rep = res // half
    # The factor per shadow texel, broadcast over its rep x rep pixel block (nearest upsampling, no copy).
    factor = 1.0 - shadow[..., None] * darkness[:, None, None, :]  # (N, h, h, 3)
    frames.view(n, half, rep, half, rep, 4)[..., 1:] *= factor[:, :, None, :, None, :]


def _to_image(zbuf: torch.Tensor, res: int, scale: int) -> torch.Tensor:
    """uint8 colours (N, res/scale, res/scale, 3) of a z-buffer, 2x2-averaged when `scale` is 2."""
    image = zbuf[:-SPARE_ROWS].view(-1, res, res, 4)[..., 1:]
    if scale == 2:
        image = (
            image[:, 0::2, 0::2] + image[:, 1::2, 0::2] + image[:, 0::2, 1::2] + image[:, 1::2, 1::2]
        ) * 0.25
    # Round to nearest: values are >= 0.5 after the offset, so truncation is floor.
    return (image * 255.0).add_(0.5).clamp_(0.0, 255.0).to(torch.uint8)


@dataclass(frozen=True)
class Kernels:
    """The renderer's per-pixel arithmetic, eager or fused by `torch.compile` (see `kernels`)."""

    background: Callable
    ground_points: Callable
    shadow_map: Callable
    sample_shadow: Callable
    draw_tile: Callable
    draw_occluder: Callable


EAGER_KERNELS = Kernels(
    background=_background,
    ground_points=_ground_points,
    shadow_map=_shadow_map,
    sample_shadow=_sample_shadow,
    draw_tile=_draw_tile_compacted,
    draw_occluder=_draw_occluder_compacted,
)
_FUSED_KERNELS: Kernels | None = None


# Environment switch for the fused kernels, read where no explicit `fused` is given (so it reaches DataLoader
# workers and `synapt generate` processes too): 1 = fused (a failed build is an error), 0 = eager, auto = fused
# where torch.compile can build it, else eager with a warning. Unset: auto on CUDA (4x faster there, a
# one-off compile of about a minute), eager on CPU (1.4x faster for a compile of about 50 s per process).
FUSED_ENV = "SYNAPT_FUSED_RENDER"
_ON, _OFF, _AUTO = ("1", "true", "yes", "on"), ("0", "false", "no", "off"), ("auto",)
_FUSED_BUILD_FAILED = False  # an automatic choice fell back to eager in this process


class FusedBuildError(SynaptError):
    """torch.compile could not build the fused kernels."""


def fused_choice(device_type: str = "cpu") -> str:
    """``on``, ``off`` or ``auto`` for `device_type` (``cpu``/``cuda``), from ``SYNAPT_FUSED_RENDER``."""
    value = os.environ.get(FUSED_ENV, "").strip().lower()
    if not value:
        return "auto" if device_type == "cuda" else "off"
    for choice, names in (("on", _ON), ("off", _OFF), ("auto", _AUTO)):
        if value in names:
            return choice
    raise SynaptError(f"{FUSED_ENV}: must be 0, 1 or auto, got {value!r}")


def fused_default(device_type: str = "cpu") -> bool:
    """Whether `render_batch` tries the fused kernels on `device_type` when no `fused` is given."""
    choice = fused_choice(device_type)
    return choice == "on" or (choice == "auto" and not _FUSED_BUILD_FAILED)


def kernels(fused: bool) -> Kernels:
    """Eager kernels, or the same functions compiled by `torch.compile` (inductor: one C++ loop on CPU, one
    Triton kernel on CUDA per function, instead of ~50 elementwise kernels that each read and write the
    whole tile). Compiled once per process, for any tile or batch size (dynamic shapes); the fused pixels
    match the eager ones up to float rounding (a few values differ by one step of 255)."""
    global _FUSED_KERNELS
    if not fused:
        return EAGER_KERNELS
    if _FUSED_KERNELS is None:
        eager = {**vars(EAGER_KERNELS), "draw_tile": _draw_tile_dense, "draw_occluder": _draw_occluder_dense}
        _FUSED_KERNELS = Kernels(**{name: _compiled(fn) for name, fn in eager.items()})
    return _FUSED_KERNELS


def _compiled(fn: Callable) -> Callable:
    """`fn` compiled by `torch.compile`; a failure to build it (no C++ compiler, no Triton) is a one-line
    `FusedBuildError` that says how to render without it."""
    compiled = torch.compile(fn, dynamic=True, fullgraph=True)

    @functools.wraps(fn)
    def run(*args):
        try:
            return compiled(*args)
        except torch._dynamo.exc.BackendCompilerFailed as exc:
            reason = str(exc.inner_exception or exc).strip().splitlines()[0][:300]
            raise FusedBuildError(
                f"fused renderer: torch.compile could not build {fn.__name__} "
                f"({reason}); render without it ({FUSED_ENV}=0) or install what inductor needs (a C++ "
                "compiler on CPU, Triton on CUDA)"
            ) from exc

    return run


# Pixels (clips x frames x height x width) rendered per internal call: bounded so the working set stays
# in cache on CPUs; GPUs prefer large calls.
PIXEL_BUDGET = {"cpu": 4_000_000, "cuda": 256_000_000}


def render_batch(
    batch: dict[str, torch.Tensor],
    size: int,
    antialias: bool = False,
    shadows: bool = True,
    return_mask: bool = False,
    fused: bool | None = None,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """Render stacked scenes (see `stack_scenes`) to uint8 frames ``(B, T, size, size, 3)``.

    With `return_mask`, also return the body's foreground mask ``(B, T, size, size)`` (bool; with
    anti-aliasing a pixel counts when any of its samples shows the body). Large batches are rendered
    in sub-batches of at most `PIXEL_BUDGET` pixels (this never changes the result). `fused` runs the
    per-pixel arithmetic through `torch.compile` (see `kernels`; None: ``SYNAPT_FUSED_RENDER``, see
    `fused_choice`).
    """
    device = batch["seg_a"].device
    if fused is None and fused_default(device.type):
        try:
            return render_batch(batch, size, antialias, shadows, return_mask, fused=True)
        except FusedBuildError as error:
            if fused_choice(device.type) != "auto":
                raise
            _fall_back_to_eager(error)
    ops = kernels(bool(fused))
    b, t = batch["seg_a"].shape[:2]
    scale = 2 if antialias else 1
    budget = PIXEL_BUDGET.get(device.type, PIXEL_BUDGET["cuda"])
    step = max(1, budget // (t * (size * scale) ** 2))
    if step >= b:
        return _render(batch, size, scale, shadows, return_mask, ops)
    parts = [_render({k: v[i : i + step] for k, v in batch.items()}, size, scale, shadows, return_mask, ops)
             for i in range(0, b, step)]  # fmt: skip
    if return_mask:
        return torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])
    return torch.cat(parts)


def _fall_back_to_eager(error: FusedBuildError) -> None:
    """An automatic fused choice could not be built: warn once, render eagerly from now on."""
    global _FUSED_BUILD_FAILED
    _FUSED_BUILD_FAILED = True
    warnings.warn(f"{error}; rendering with the eager kernels instead", RuntimeWarning, stacklevel=3)


def _render(
    batch: dict[str, torch.Tensor], size: int, scale: int, shadows: bool, return_mask: bool, ops: Kernels
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    b, t = batch["seg_a"].shape[:2]
    res = size * scale
    device = batch["seg_a"].device
    n = b * t
    # Backgrounds: one per clip for static cameras, one per frame otherwise.
    static = batch["static_camera"].to(device)
    frame_ids = torch.arange(t, device=device)[None, :].expand(b, t)
    source_frame = torch.where(static[:, None], torch.zeros_like(frame_ids), frame_ids)
    unique_key = torch.arange(b, device=device)[:, None] * t + source_frame
    keys, inverse = torch.unique(unique_key.reshape(-1), return_inverse=True)
    colour, ground_depth = ops.background(batch, keys // t, keys % t, scale, res)
    background = torch.cat([ground_depth.unsqueeze(-1), colour], -1).reshape(-1, res * res, 4)
    shadow = darkness = None
    if shadows:
        # Soft shadows are smooth: sample them at half the output size, apply to 2x2 (or 4x4) pixel blocks.
        half = size // 2
        assert half * (res // half) == res, "sizes are even"
        world = ops.ground_points(batch, keys // t, keys % t, half, size).index_select(0, inverse)
        coverage = ops.shadow_map(batch)
        origin = batch["shadow_origin"].repeat_interleave(t, dim=0)
        shadow = ops.sample_shadow(coverage, world, origin)
        g_light = batch["ground_light"]
        ambient_part = batch["ambient"] * g_light[:, 0:1]
        direct_part = batch["light_rgb"] * g_light[:, 1:2]
        darkness = (SHADOW_DARKNESS * direct_part / (ambient_part + direct_part)).repeat_interleave(t, dim=0)
    # The z-buffer (N*res*res + SPARE_ROWS, 4) starts as the background: depth (ground depth, inf on the
    # backdrop) + colour; the spare rows at its end absorb the misses of dense tiles.
    pixels = n * res * res
    zbuf = torch.empty(pixels + SPARE_ROWS, 4, device=device)
    zbuf[pixels:] = float("inf")
    _fill_zbuf(zbuf, background, inverse, shadow, darkness, res)
    if batch["occluders"].shape[2]:
        _draw_occluders(batch, zbuf, res, res, scale, ops)
    # The body's mask: the pixels whose depth the body changes (occluders in front of it hide it).
    background_depth = zbuf[:pixels, 0].clone() if return_mask else None
    _draw_body(batch, zbuf, res, res, scale, ops)
    image = _to_image(zbuf, res, scale).reshape(b, t, size, size, 3)
    if background_depth is None:
        return image
    mask = (zbuf[:pixels, 0] != background_depth).reshape(n, size, scale, size, scale).any(4).any(2)
    return image, mask.reshape(b, t, size, size)
