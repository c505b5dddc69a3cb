"""Batched torch ray-caster: capsule bodies, textured ground and backdrop, ground shadows.

One code path for CPU and CUDA. Per batch of ``B`` clips x ``T`` frames:

1. background: ray/plane intersection with the ground and a vertical backdrop, bilinear texture lookups
   (computed once per clip when its camera is static), Lambert + ambient lighting;
2. shadows: a small per-frame shadow map of the body's capsules projected on the ground along the light,
   sampled at each ground pixel;
3. body: for each of the 19 capsules, closed-form ray/capsule intersection inside the capsule's screen
   bounding tile (shared tile size across the batch), a z-buffer test and a shaded write (Lambert +
   ambient, optional shirt stripes);
4. optional 2x2 supersampling for anti-aliasing, then uint8.

Only exact IEEE operations (add, mul, div, sqrt, min/max, floor, comparisons, gathers) touch pixels, so
a clip renders to the same bytes whatever else shares its batch.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from synapt_hf.synth.scene import BACKDROP_TILE_M, GROUND_TILE_M, SHADOW_MAP, TEXTURE_SIZE, ClipScene

SHADOW_DARKNESS = 0.75  # fraction of the direct light a full shadow removes


def stack_scenes(scenes: Sequence[ClipScene], device: torch.device | str = "cpu") -> dict[str, torch.Tensor]:
    """Stack per-clip arrays into batch tensors on `device`."""
    import numpy as np

    out: dict[str, torch.Tensor] = {}
    for name in ClipScene.__dataclass_fields__:
        values = [getattr(s, name) for s in scenes]
        array = np.array(values) if name == "static_camera" else np.stack(values)
        out[name] = torch.from_numpy(np.ascontiguousarray(array)).to(device)
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
    gx = grid[None, None, :]
    gy = grid[None, :, None]
    coverage = torch.zeros(b * t, SHADOW_MAP, SHADOW_MAP, device=seg.device)
    for k in range(s):
        ax, ay, bx, by = (seg[:, k, i, None, None] for i in range(4))
        ex, ey = bx - ax, by - ay
        length2 = torch.clamp(ex * ex + ey * ey, min=1e-6)
        px, py = gx - ax, gy - ay
        along = torch.clamp((px * ex + py * ey) / length2, 0.0, 1.0)
        qx, qy = px - along * ex, py - along * ey
        dist = torch.sqrt(qx * qx + qy * qy)
        cover = torch.clamp(radius[:, k, None, None] - dist + 0.5, 0.0, 1.0)
        coverage = torch.maximum(coverage, cover)
    return coverage


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


# Items of a part are sorted by screen extent and drawn in this many tile-size groups: more groups waste
# fewer pixels on small capsules, fewer groups launch fewer kernels (what GPUs prefer). Any value gives the
# same image.
TILE_GROUPS = {"cpu": 4, "cuda": 1}  # cuda: 1 group measured 2.9x faster than 4 on an H100 (112 px)


def _draw_body(
    batch: dict[str, torch.Tensor], zbuf: torch.Tensor, height: int, width: int, scale: int
) -> None:
    """Ray-cast every capsule inside its screen tile and z-test into `zbuf` (N*H*W + 1, 4)."""
    seg_a = batch["seg_a"].flatten(0, 1)  # (N, P, 3)
    seg_b = batch["seg_b"].flatten(0, 1)
    n, parts, _ = seg_a.shape
    t = batch["seg_a"].shape[1]
    device = seg_a.device
    per_item = {
        "focal": batch["focal_px"].reshape(n) * scale,
        "light": batch["light_cam"].reshape(n, 3),
        "light_rgb": batch["light_rgb"].repeat_interleave(t, dim=0),
        "ambient": batch["ambient"].repeat_interleave(t, dim=0),
        "base": torch.arange(n, device=device) * (height * width),
    }
    radius = batch["radius"].repeat_interleave(t, dim=0)  # (N, P)
    albedo = batch["albedo"].repeat_interleave(t, dim=0)  # (N, P, 3)
    stripe_freq = batch["stripe_freq"].repeat_interleave(t, dim=0)
    stripe_amp = batch["stripe_amp"].repeat_interleave(t, dim=0)
    focal = per_item["focal"]
    cx, cy = width / 2, height / 2
    for p in range(parts):
        a, b, r = seg_a[:, p], seg_b[:, p], radius[:, p]
        za = torch.clamp(a[:, 2], min=1e-3)
        zb = torch.clamp(b[:, 2], min=1e-3)
        ua, va = cx + focal * a[:, 0] / za, cy + focal * a[:, 1] / za
        ub, vb = cx + focal * b[:, 0] / zb, cy + focal * b[:, 1] / zb
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
        extent_w = torch.clamp(
            torch.clamp(torch.ceil(torch.maximum(ua, ub) + rp), max=width) - x0, 1, width + 1
        )
        extent_h = torch.clamp(
            torch.clamp(torch.ceil(torch.maximum(va, vb) + rp), max=height) - y0, 1, height + 1
        )
        order = torch.argsort(extent_w * extent_h, stable=True)
        part = {
            **per_item, "a": a, "b": b, "r": r, "x0": x0, "y0": y0, "albedo": albedo[:, p],
            "stripe_freq": stripe_freq[:, p], "stripe_amp": stripe_amp[:, p],
        }  # fmt: skip
        groups = TILE_GROUPS.get(device.type, TILE_GROUPS["cuda"])
        for group in torch.tensor_split(order, min(groups, n)):
            if len(group) == 0:
                continue
            tile_w = int(extent_w[group].max().item())
            tile_h = int(extent_h[group].max().item())
            items = {k: v.index_select(0, group) for k, v in part.items()}
            _draw_capsules(items, zbuf, tile_h, tile_w, height, width)


def _draw_capsules(
    item: dict[str, torch.Tensor], zbuf: torch.Tensor, tile_h: int, tile_w: int, height: int, width: int
) -> None:
    """Ray-cast one capsule per item over a (tile_h, tile_w) pixel tile and z-test into `zbuf`."""
    device = zbuf.device
    cx, cy = width / 2, height / 2
    v = lambda tensor: tensor[:, None, None]  # noqa: E731
    a, b, r, focal = item["a"], item["b"], item["r"], item["focal"]
    px = v(item["x0"]) + torch.arange(tile_w, device=device, dtype=torch.float32)[None, None, :]
    py = v(item["y0"]) + torch.arange(tile_h, device=device, dtype=torch.float32)[None, :, None]
    dx = (px + (0.5 - cx)) / v(focal)  # (N, 1, tw)
    dy = (py + (0.5 - cy)) / v(focal)  # (N, th, 1)
    ba = b - a
    bax, bay, baz = v(ba[:, 0]), v(ba[:, 1]), v(ba[:, 2])
    ax, ay, az = v(a[:, 0]), v(a[:, 1]), v(a[:, 2])
    baba = bax * bax + bay * bay + baz * baz
    baoa = -(bax * ax + bay * ay + baz * az)
    oaoa = ax * ax + ay * ay + az * az
    r2 = v(r) * v(r)
    # Closed-form ray/capsule intersection (rays from the origin along (dx, dy, 1): depth = ray t).
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
    # Shade and z-test only the pixels that hit the capsule (compacted).
    hits = valid.reshape(-1).nonzero().squeeze(1)
    if hits.numel() == 0:
        return
    per_tile = tile_h * tile_w
    owner = torch.div(hits, per_tile, rounding_mode="floor")
    within = hits - owner * per_tile
    row = torch.div(within, tile_w, rounding_mode="floor")
    col = within - row * tile_w
    light = item["light"]
    params = torch.stack(
        [a[:, 0], a[:, 1], a[:, 2], ba[:, 0], ba[:, 1], ba[:, 2], 1.0 / r, light[:, 0], light[:, 1], light[:, 2],
         item["stripe_freq"], item["stripe_amp"], *item["albedo"].unbind(1), *item["ambient"].unbind(1),
         *item["light_rgb"].unbind(1)], 1,
    ).index_select(0, owner)  # fmt: skip
    hx = dx.reshape(-1, tile_w).reshape(-1).index_select(0, owner * tile_w + col)
    hy = dy.reshape(-1, tile_h).reshape(-1).index_select(0, owner * tile_h + row)
    hd = depth.reshape(-1).index_select(0, hits)
    hs = s.reshape(-1).index_select(0, hits)
    # Surface normal from the capsule axis point nearest to the hit; Lambert + ambient shading.
    p = params.unbind(1)
    nx = (hd * hx - (p[0] + hs * p[3])) * p[6]
    ny = (hd * hy - (p[1] + hs * p[4])) * p[6]
    nz = (hd - (p[2] + hs * p[5])) * p[6]
    lam = torch.clamp(nx * p[7] + ny * p[8] + nz * p[9], min=0.0)
    pattern = 1.0 - (torch.floor(hs * p[10] * 2.0) % 2.0) * p[11]
    shade = [p[12 + c] * pattern * (p[15 + c] + p[18 + c] * lam) for c in range(3)]
    column = item["x0"].long().index_select(0, owner) + col
    line = item["y0"].long().index_select(0, owner) + row
    index = item["base"].index_select(0, owner) + line * width + column
    candidate = torch.stack([hd, *shade], -1)
    current = zbuf.index_select(0, index)
    closer = (candidate[:, 0] < current[:, 0]).unsqueeze(-1)
    zbuf.index_copy_(0, index, torch.where(closer, candidate, current))


# Pixels (clips x frames x height x width) rendered per internal call: bounded so the working set stays
# in cache on CPUs; GPUs prefer large calls.
PIXEL_BUDGET = {"cpu": 4_000_000, "cuda": 256_000_000}


def render_batch(
    batch: dict[str, torch.Tensor],
    size: int,
    antialias: bool = False,
    shadows: bool = True,
    return_mask: bool = False,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """Render stacked scenes (see `stack_scenes`) to uint8 frames ``(B, T, size, size, 3)``.

    With `return_mask`, also return the body's foreground mask ``(B, T, size, size)`` (bool; with
    anti-aliasing a pixel counts when any of its samples shows the body). Large batches are rendered
    in sub-batches of at most `PIXEL_BUDGET` pixels (this never changes the result).
    """
    b, t = batch["seg_a"].shape[:2]
    scale = 2 if antialias else 1
    device = batch["seg_a"].device
    budget = PIXEL_BUDGET.get(device.type, PIXEL_BUDGET["cuda"])
    step = max(1, budget // (t * (size * scale) ** 2))
    if step >= b:
        return _render(batch, size, scale, shadows, return_mask)
    parts = [_render({k: v[i : i + step] for k, v in batch.items()}, size, scale, shadows, return_mask)
             for i in range(0, b, step)]  # fmt: skip
    if return_mask:
        return torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])
    return torch.cat(parts)


def _render(
    batch: dict[str, torch.Tensor], size: int, scale: int, shadows: bool, return_mask: bool
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
    colour, ground_depth = _background(batch, keys // t, keys % t, scale, res)
    # The z-buffer starts as the background: depth (ground depth, inf on the backdrop) + colour; its last
    # row is a trash slot for tile pixels outside the image.
    zbuf = torch.empty(n * res * res + 1, 4, device=device)
    zbuf[-1] = float("inf")
    background = torch.cat([ground_depth.unsqueeze(-1), colour], -1).reshape(-1, res * res * 4)
    torch.index_select(background, 0, inverse, out=zbuf[:-1].view(n, res * res * 4))
    if shadows:
        # Soft shadows are smooth: sample them at half the output size, apply to 2x2 (or 4x4) pixel blocks.
        half = size // 2
        rep = res // half
        assert half * rep == res, "sizes are even"
        world = _ground_points(batch, keys // t, keys % t, half, size).index_select(0, inverse)
        coverage = _shadow_map(batch)
        origin = batch["shadow_origin"].repeat_interleave(t, dim=0)
        shadow = _sample_shadow(coverage, world, origin)
        g_light = batch["ground_light"]
        ambient_part = batch["ambient"] * g_light[:, 0:1]
        direct_part = batch["light_rgb"] * g_light[:, 1:2]
        darkness = (SHADOW_DARKNESS * direct_part / (ambient_part + direct_part)).repeat_interleave(t, dim=0)
        shadow = torch.nn.functional.interpolate(shadow.unsqueeze(1), scale_factor=rep, mode="nearest")
        factor = 1.0 - shadow.reshape(n, res * res, 1) * darkness[:, None, :]
        zbuf[:-1].view(n, res * res, 4)[..., 1:] *= factor
    background_depth = zbuf[:-1, 0].clone() if return_mask else None
    _draw_body(batch, zbuf, res, res, scale)
    image = zbuf[:-1].view(n, res, res, 4)[..., 1:]
    if scale == 2:
        image = (
            image[:, 0::2, 0::2] + image[:, 1::2, 0::2] + image[:, 0::2, 1::2] + image[:, 1::2, 1::2]
        ) * 0.25
    # Round to nearest: values are >= 0.5 after the offset, so truncation is floor.
    image = (image * 255.0).add_(0.5).clamp_(0.0, 255.0).to(torch.uint8)
    image = image.reshape(b, t, size, size, 3)
    if background_depth is None:
        return image
    mask = (zbuf[:-1, 0] != background_depth).reshape(n, size, scale, size, scale).any(4).any(2)
    return image, mask.reshape(b, t, size, size)
