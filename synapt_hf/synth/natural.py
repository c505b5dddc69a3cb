"""Natural-statistics textures: dead leaves and 1/f random-phase noise with random colour statistics.

Both follow the procedural image models that pretrain vision models best among synthetic data (Baradad
et al. 2021, "Learning to See by Looking at Noise"; Yu, Chen and Gandelsman 2024, "Learning Video
Representations without Natural Videos"): natural images have a power spectrum close to 1/f^2, are made
of occluding objects whose sizes follow a power law, and have correlated colour channels dominated by
luminance. Every function draws only from the `numpy.random.Generator` it is given, is vectorised (no
per-texel or per-leaf Python loop) and returns (3, size, size) float32 colour planes that tile seamlessly.
"""

from __future__ import annotations

import functools

import numpy as np

ALPHA_RANGE = (1.0, 2.5)  # amplitude spectrum exponent of the 1/f textures (power falls as f^-2alpha)
LEAVES = 900  # leaves per dead-leaves texture (about 2 % of a texture stays uncovered, showing the mean)
LEAF_RADIUS = (0.012, 0.25)  # leaf radius range as a fraction of the texture side
LEAF_ELLIPSE_PROBABILITY = 0.6  # the other leaves are rectangles


def colour_mixing(rng: np.random.Generator, strength: tuple[float, float]) -> np.ndarray:
    """A random 3x3 colour mixing matrix: unit-variance channels in, correlated RGB deviations out.

    Its first column points near the grey axis (luminance dominates natural colour variation) with a
    standard deviation drawn from `strength`; the two orthogonal chromatic columns are weaker (at most
    60 % of it)."""
    grey = np.ones(3) / np.sqrt(3.0) + rng.normal(0.0, 0.15, 3)
    basis, _ = np.linalg.qr(np.stack([grey, rng.standard_normal(3), rng.standard_normal(3)], axis=1))
    basis *= np.sign(basis[:, :1].sum())  # keep the first column bright-ward (QR may flip it)
    lead = rng.uniform(*strength)
    scales = np.array([lead, *rng.uniform(0.05, 0.6, 2) * lead])
    return basis * scales[None, :]


@functools.lru_cache(maxsize=4)
def _frequencies(size: int) -> np.ndarray:
    """Radial frequency (cycles per texture side) of an rfft2 grid; the DC term is set to inf."""
    fy = np.fft.fftfreq(size, 1.0 / size)[:, None]
    fx = np.fft.rfftfreq(size, 1.0 / size)[None, :]
    radius = np.sqrt(fx * fx + fy * fy)
    radius[0, 0] = np.inf
    radius.flags.writeable = False
    return radius


def spectral_noise(rng: np.random.Generator, size: int, alpha: float, channels: int = 3) -> np.ndarray:
    """(channels, size, size) float64 random-phase noise with amplitude spectrum 1/f^alpha (power
    f^-2alpha), zero mean and unit standard deviation per channel; periodic, so it tiles."""
    amplitude = _frequencies(size) ** -alpha
    shape = (channels, *amplitude.shape)
    spectrum = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) * amplitude
    noise = np.fft.irfft2(spectrum, s=(size, size))
    return noise / np.maximum(noise.std(axis=(1, 2), keepdims=True), 1e-12)


def one_over_f_planes(
    rng: np.random.Generator, mean: np.ndarray, size: int, alpha: float | None = None
) -> np.ndarray:
    """A 1/f statistical texture around the colour `mean` (3,): three independent 1/f^alpha noise fields
    (`alpha` None: drawn uniformly from `ALPHA_RANGE`) mixed by a random colour matrix (`colour_mixing`),
    clipped to [0, 1]."""
    alpha = rng.uniform(*ALPHA_RANGE) if alpha is None else alpha
    noise = spectral_noise(rng, size, alpha)
    mixing = colour_mixing(rng, (0.08, 0.25))
    tex = mean[:, None, None] + np.einsum("ck,khw->chw", mixing, noise)
    return np.clip(tex, 0.0, 1.0).astype(np.float32)


def leaf_radii(rng: np.random.Generator, count: int, low: float, high: float) -> np.ndarray:
    """Radii with density proportional to r^-3 on [low, high] (scale invariance, as in natural images)."""
    u = rng.random(count)
    return (low**-2 - u * (low**-2 - high**-2)) ** -0.5


def dead_leaves_planes(rng: np.random.Generator, mean: np.ndarray, size: int) -> np.ndarray:
    """A dead-leaves texture: `LEAVES` ellipses and rectangles (random aspect and orientation, power-law
    radii in `LEAF_RADIUS`, uniform positions with wrap-around) stacked in random order, each flat-coloured
    from a random colour distribution around `mean` (`colour_mixing`); uncovered texels show `mean`.

    Vectorised rasterisation: every (leaf, texel) pair inside a leaf's bounding square is tested at once,
    and each texel takes the last (topmost) leaf covering it."""
    n = LEAVES
    radius = leaf_radii(rng, n, *LEAF_RADIUS)
    centre = rng.random((n, 2))
    aspect = rng.uniform(0.35, 1.0, n)
    angle = rng.uniform(0.0, np.pi, n)
    ellipse = rng.random(n) < LEAF_ELLIPSE_PROBABILITY
    colours = mean[None, :] + rng.standard_normal((n, 3)) @ colour_mixing(rng, (0.12, 0.3)).T
    colours = np.clip(colours, 0.0, 1.0)
    # Bounding squares (half side `half` texels) around each leaf's centre texel; int32/float32 pairs.
    reach = np.where(ellipse, 1.0, np.sqrt(1.0 + aspect * aspect)) * radius
    half = (np.ceil(reach * size) + 1).astype(np.int32)
    side = 2 * half + 1
    counts = side * side
    leaf = np.repeat(np.arange(n, dtype=np.int32), counts)
    local = np.arange(counts.sum(), dtype=np.int32) - np.repeat(
        np.cumsum(counts, dtype=np.int32) - counts, counts
    )
    row = local // side[leaf] - half[leaf]
    col = local - (row + half[leaf]) * side[leaf] - half[leaf]
    first = np.floor(centre * size).astype(np.int32)
    ty, tx = first[leaf, 0] + row, first[leaf, 1] + col
    f32 = np.float32
    offset = ((first + 0.5) / size - centre).astype(f32)  # centre texel's centre minus the leaf centre
    dy = row.astype(f32) * f32(1.0 / size) + offset[leaf, 0]
    dx = col.astype(f32) * f32(1.0 / size) + offset[leaf, 1]
    cos, sin = (np.cos(angle) / radius).astype(f32), (np.sin(angle) / radius).astype(f32)
    squash = (1.0 / aspect).astype(f32)
    cos, sin, squash = cos[leaf], sin[leaf], squash[leaf]
    along = dx * cos + dy * sin
    across = (dy * cos - dx * sin) * squash
    inside = np.where(ellipse[leaf], along * along + across * across < 1.0,
                      np.maximum(np.abs(along), np.abs(across)) < 1.0)  # fmt: skip
    texel = (ty % size) * size + (tx % size)
    top = np.full(size * size, -1, dtype=np.int32)
    np.maximum.at(top, texel[inside], leaf[inside])
    palette = np.concatenate([colours, mean[None, :]])  # index -1: uncovered
    return np.ascontiguousarray(palette[top].T.reshape(3, size, size), dtype=np.float32)


def radial_power_slope(image: np.ndarray, low: float = 4.0, high: float | None = None) -> float:
    """Least-squares slope of log radially averaged power against log frequency, over frequencies in
    [low, high] cycles per side (default high: a quarter of the side), for a (size, size) image."""
    size = image.shape[0]
    high = size / 4 if high is None else high
    power = np.abs(np.fft.fft2(image - image.mean())) ** 2
    fy = np.fft.fftfreq(size, 1.0 / size)[:, None]
    fx = np.fft.fftfreq(size, 1.0 / size)[None, :]
    ring = np.rint(np.sqrt(fx * fx + fy * fy)).astype(int)
    totals = np.bincount(ring.ravel(), power.ravel())
    counts = np.bincount(ring.ravel())
    f = np.arange(len(totals))
    keep = (f >= low) & (f <= high) & (counts > 0)
    return float(np.polyfit(np.log(f[keep]), np.log(totals[keep] / counts[keep]), 1)[0])
