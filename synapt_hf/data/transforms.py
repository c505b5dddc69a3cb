"""Clip transforms: uint8 (T, H, W, C) frames -> normalized float (T, C, H, W) tensors.

Evaluation: resize the short side with PIL bilinear (long side ``int(S * long / short)``, truncated), centre
crop, rescale, normalize: the same calls, in the same order, as transformers' ``VideoMAEImageProcessor``
PIL backend, so training-time evaluation sees the pixels that ``pipeline("video-classification")`` feeds the
model. Training: a random resized crop (or short-side scale jitter + random crop) and a horizontal flip,
the same for every frame of a clip, drawn from a ``torch.Generator``.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from synapt_hf.data.batched_resize import crop_resize_flip
from synapt_hf.data.video import resized_shape
from synapt_hf.errors import SynaptError

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
VIDEOMAE_MEAN = (0.5, 0.5, 0.5)  # transformers' VideoMAEImageProcessor defaults
VIDEOMAE_STD = (0.5, 0.5, 0.5)
PIL_BILINEAR = 2
TRAIN_MODES = ("random_resized_crop", "scale_jitter")
PROCESSOR_CONFIG = "preprocessor_config.json"


def shortest_edge_size(height: int, width: int, shortest_edge: int) -> tuple[int, int]:
    """(height, width) after resizing the short side to `shortest_edge`, as transformers computes it."""
    new_width, new_height = resized_shape(width, height, shortest_edge)
    return new_height, new_width


def as_uint8_frames(frames: np.ndarray | torch.Tensor) -> np.ndarray:
    """Validate and return (T, H, W, 3) uint8 frames as a numpy array."""
    array = frames.numpy() if isinstance(frames, torch.Tensor) else np.asarray(frames)
    if array.ndim != 4 or array.shape[-1] != 3 or array.shape[0] == 0:
        raise SynaptError(
            f"clip transform expects (T, H, W, 3) frames with T > 0, got shape {tuple(array.shape)}"
        )
    if array.dtype != np.uint8:
        raise SynaptError(f"clip transform expects uint8 frames, got {array.dtype}")
    return array


@dataclass(frozen=True)
class ClipTransform:
    """Resize/crop/flip/normalize a clip; `train` picks random augmentation, else the exact eval path.

    `resize` is the short side (int) or an exact ``(height, width)``; None skips resizing. `crop` is
    ``(height, width)``; None skips cropping. Training modes: ``random_resized_crop`` (area fraction in
    `scale`, aspect ratio in `ratio`, then resized to `crop`) or ``scale_jitter`` (short side uniform in
    `jitter`, then a random `crop`).
    """

    resize: int | tuple[int, int] | None = 224
    crop: tuple[int, int] | None = (224, 224)
    mean: tuple[float, ...] = VIDEOMAE_MEAN
    std: tuple[float, ...] = VIDEOMAE_STD
    rescale_factor: float = 1 / 255
    resample: int = PIL_BILINEAR
    normalize: bool = True
    train: bool = False
    mode: str = "random_resized_crop"
    scale: tuple[float, float] = (0.08, 1.0)
    ratio: tuple[float, float] = (3 / 4, 4 / 3)
    jitter: tuple[int, int] | None = None
    flip: bool = True
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.mode not in TRAIN_MODES:
            raise SynaptError(f"transform mode must be one of {', '.join(TRAIN_MODES)}, got {self.mode!r}")
        if len(self.mean) != 3 or len(self.std) != 3 or min(self.std) <= 0:
            raise SynaptError(f"mean/std must have 3 values with std > 0, got {self.mean} / {self.std}")
        if self.crop is not None and min(self.crop) <= 0:
            raise SynaptError(f"crop must be positive (height, width), got {self.crop}")
        if not 0 < self.scale[0] <= self.scale[1] <= 1:
            raise SynaptError(f"scale must satisfy 0 < min <= max <= 1, got {self.scale}")

    @property
    def output_size(self) -> tuple[int, int] | None:
        """(height, width) of every output frame when fixed by `crop` (or an exact `resize`)."""
        if self.crop is not None:
            return tuple(self.crop)
        if isinstance(self.resize, tuple):
            return tuple(self.resize)
        return None

    def with_train(self, train: bool) -> ClipTransform:
        return replace(self, train=train)

    def __call__(
        self, frames: np.ndarray | torch.Tensor, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        array = as_uint8_frames(frames)
        if self.train:
            clip = torch.from_numpy(np.ascontiguousarray(array)).permute(0, 3, 1, 2).float()
            return self._normalize(self._augment(clip, generator))
        return self._normalize(self._evaluate(array))

    def augment_clips(
        self, clips: torch.Tensor | list[torch.Tensor], generators: list[torch.Generator]
    ) -> torch.Tensor:
        """Training augmentation of a batch of uint8 clips ``(B, T, H, W, 3)`` (or a list of ``(T, H, W, 3)``
        clips of different sizes) where they are, e.g. on the training GPU: ``(B, T, 3, h, w)`` float, clip
        ``b`` drawing from ``generators[b]``. The crop boxes and flips are the ones `__call__` would draw;
        the pixels match it to float rounding. Needs an output size (`crop`) to stack the batch."""
        if not self.train:
            raise SynaptError("augment_clips: needs a training transform (train=True)")
        if self.output_size is None:
            raise SynaptError("augment_clips: the transform needs a crop size to make a batch")
        batch = clips if isinstance(clips, torch.Tensor) else None
        shapes = {tuple(batch.shape[1:])} if batch is not None else {tuple(clip.shape) for clip in clips}
        for shape in shapes:  # a batch tensor is checked once, not clip by clip
            if len(shape) != 4 or shape[-1] != 3:
                raise SynaptError(f"augment_clips: expects uint8 (T, H, W, 3) clips, got {shape}")
        if any(clip.dtype != torch.uint8 for clip in ([batch] if batch is not None else clips)):
            raise SynaptError("augment_clips: expects uint8 clips")
        if len(generators) != len(clips):
            raise SynaptError(f"augment_clips: {len(clips)} clips but {len(generators)} generators")
        if self.mode == "random_resized_crop" and len(shapes) == 1:
            return self._augment_batch(batch if batch is not None else torch.stack(clips), generators)
        out = [
            self._augment(clip.permute(0, 3, 1, 2).float(), generator)
            for clip, generator in zip(clips, generators, strict=True)
        ]
        return self._normalize(torch.stack(out))

    def _augment_batch(self, clips: torch.Tensor, generators: list[torch.Generator]) -> torch.Tensor:
        """`augment_clips` for same-sized clips: the boxes and flips `_augment` draws, applied to the whole
        batch by two batched products (`batched_resize.crop_resize_flip`) instead of a resize per clip."""
        height, width = clips.shape[2:4]
        boxes, flips = [], []
        for generator in generators:  # the draws of `_augment`, in its order
            boxes.append(random_resized_box(height, width, self.scale, self.ratio, generator))
            flips.append(bool(self.flip) and float(torch.rand((), generator=generator)) < 0.5)
        pixels = crop_resize_flip(clips, boxes, flips, self.output_size)
        return self._normalize(pixels.round_().clamp_(0, 255))

    # -- evaluation: the VideoMAEImageProcessor (PIL backend) path --------------------------------
    def _evaluate(self, array: np.ndarray) -> torch.Tensor:
        height, width = array.shape[1:3]
        target = self._resize_target(height, width)
        frames = array
        if target is not None and target != (height, width):
            frames = np.stack(
                [
                    np.asarray(Image.fromarray(frame).resize((target[1], target[0]), resample=self.resample))
                    for frame in array
                ]
            )
        if self.crop is not None:
            frames = centre_crop(frames, self.crop)
        return torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2)

    def _resize_target(self, height: int, width: int) -> tuple[int, int] | None:
        if self.resize is None:
            return None
        if isinstance(self.resize, tuple):
            return self.resize
        return shortest_edge_size(height, width, self.resize)

    # -- training augmentation --------------------------------------------------------------------
    def _augment(self, clip: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        """Random crop/scale + flip of one float (T, C, H, W) clip, on whatever device it is."""
        height, width = clip.shape[-2:]
        out_size = self.output_size or (height, width)
        if self.mode == "random_resized_crop":
            top, left, box_h, box_w = random_resized_box(height, width, self.scale, self.ratio, generator)
            clip = _resize(clip[..., top : top + box_h, left : left + box_w], out_size)
        else:
            low, high = self.jitter or _default_jitter(self.resize, out_size)
            short = int(torch.randint(low, high + 1, (1,), generator=generator))
            clip = _resize(clip, shortest_edge_size(height, width, short))
            clip = random_crop(clip, out_size, generator)
        if self.flip and float(torch.rand((), generator=generator)) < 0.5:
            clip = clip.flip(-1)
        return clip.round().clamp(0, 255)

    def _normalize(self, pixels: torch.Tensor) -> torch.Tensor:
        values = pixels.to(torch.float32) * self.rescale_factor
        if self.normalize:
            mean, std = _channel_stats(tuple(self.mean), tuple(self.std), values.device)
            values = (values - mean) / std
        return values.contiguous()

    # -- transformers interop ---------------------------------------------------------------------
    @classmethod
    def from_processor(cls, processor_or_dir: Any, train: bool = False, **overrides: Any) -> ClipTransform:
        """Rebuild the transform from a VideoMAE-style image processor, its dict, a folder or its JSON file."""
        config = read_processor_config(processor_or_dir)
        size = config.get("size") or {}
        if not config.get("do_resize", True):
            resize = None
        elif size.get("longest_edge"):
            raise SynaptError(f"processor config: size with longest_edge is not supported, got {size!r}")
        elif size.get("shortest_edge"):
            resize = int(size["shortest_edge"])
        elif size.get("height") and size.get("width"):
            resize = (int(size["height"]), int(size["width"]))
        else:
            raise SynaptError(
                f"processor config: unsupported size {size!r} (need shortest_edge or height+width)"
            )
        crop_size = config.get("crop_size") or {}
        crop = None
        if config.get("do_center_crop", True) and crop_size:
            crop = (int(crop_size["height"]), int(crop_size["width"]))
        mean = tuple(float(v) for v in _three(config.get("image_mean", VIDEOMAE_MEAN)))
        std = tuple(float(v) for v in _three(config.get("image_std", VIDEOMAE_STD)))
        rescale = float(config.get("rescale_factor", 1 / 255)) if config.get("do_rescale", True) else 1.0
        extra = {
            key: config[key] for key in ("num_frames", "sampling_rate", "sampling_strategy") if key in config
        }
        values: dict[str, Any] = {
            "resize": resize,
            "crop": crop,
            "mean": mean,
            "std": std,
            "rescale_factor": rescale,
            "resample": int(config.get("resample", PIL_BILINEAR)),
            "normalize": bool(config.get("do_normalize", True)),
            "train": train,
            "extra": extra,
        }
        values.update(overrides)
        return cls(**values)

    def to_processor(self, num_frames: int | None = None, **extra: Any):
        """The transformers image processor that reproduces this transform's evaluation path."""
        if isinstance(self.resize, tuple):
            raise SynaptError(
                "to_processor: only a shortest-edge resize can be saved in a VideoMAE processor"
            )
        return processor_config(
            self.mean,
            self.std,
            self.resize or 0,
            self.crop,
            num_frames,
            rescale_factor=self.rescale_factor,
            **extra,
        )


def _three(values: Any) -> list[float]:
    values = [values] * 3 if isinstance(values, (int, float)) else list(values)
    if len(values) != 3:
        raise SynaptError(f"processor config: mean/std must have 3 values, got {values}")
    return values


def _default_jitter(resize: int | tuple[int, int] | None, out_size: tuple[int, int]) -> tuple[int, int]:
    low = resize if isinstance(resize, int) else min(out_size)
    low = max(low, min(out_size))
    return low, max(low, round(low * 1.25))


def read_processor_config(processor_or_dir: Any) -> dict[str, Any]:
    """A processor's settings as a dict, from an image processor object, a dict, a folder or a JSON file."""
    if isinstance(processor_or_dir, dict):
        return dict(processor_or_dir)
    if hasattr(processor_or_dir, "to_dict"):
        return processor_or_dir.to_dict()
    path = Path(processor_or_dir)
    file = path / PROCESSOR_CONFIG if path.is_dir() else path
    if not file.is_file():
        raise SynaptError(f"{file}: no image processor config (expected {PROCESSOR_CONFIG})")
    try:
        config = json.loads(file.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SynaptError(f"{file}: not valid JSON ({exc})") from exc
    if not isinstance(config, dict):
        raise SynaptError(f"{file}: expected a JSON object")
    return config


def processor_config(
    mean: tuple[float, ...] | list[float],
    std: tuple[float, ...] | list[float],
    size: int,
    crop: int | tuple[int, int] | None,
    num_frames: int | None,
    rescale_factor: float = 1 / 255,
    **extra: Any,
):
    """A ``VideoMAEImageProcessor`` to save with a model: mean/std, short-side `size`, `crop`, `num_frames`.

    Extra keyword values (e.g. ``sampling_rate``) are stored in ``preprocessor_config.json`` too.
    """
    from transformers import VideoMAEImageProcessor

    try:  # the PIL backend directly (same class torchvision-less transformers falls back to, without a warning)
        from transformers import VideoMAEImageProcessorPil as processor_class
    except ImportError:  # pragma: no cover - older transformers
        processor_class = VideoMAEImageProcessor
    crop_hw = (crop, crop) if isinstance(crop, int) else crop
    settings: dict[str, Any] = {
        "do_resize": bool(size),
        "size": {"shortest_edge": int(size)} if size else {"shortest_edge": 224},
        "do_center_crop": crop_hw is not None,
        "image_mean": [float(v) for v in _three(mean)],
        "image_std": [float(v) for v in _three(std)],
        "rescale_factor": float(rescale_factor),
        "resample": PIL_BILINEAR,
    }
    if crop_hw is not None:
        settings["crop_size"] = {"height": int(crop_hw[0]), "width": int(crop_hw[1])}
    if num_frames is not None:
        settings["num_frames"] = int(num_frames)
    settings.update(extra)
    return processor_class(**settings)


def centre_crop(frames: np.ndarray, crop: tuple[int, int]) -> np.ndarray:
    """Centre crop (T, H, W, C) frames like transformers (offset ``(H - h) // 2``), zero-padding small frames."""
    crop_h, crop_w = crop
    height, width = frames.shape[1:3]
    if crop_h > height or crop_w > width:
        padded_h, padded_w = max(height, crop_h), max(width, crop_w)
        pad_top, pad_left = math.ceil((padded_h - height) / 2), math.ceil((padded_w - width) / 2)
        padded = np.zeros((frames.shape[0], padded_h, padded_w, frames.shape[3]), dtype=frames.dtype)
        padded[:, pad_top : pad_top + height, pad_left : pad_left + width] = frames
        frames, height, width = padded, padded_h, padded_w
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    return frames[:, top : top + crop_h, left : left + crop_w]


def random_resized_box(
    height: int,
    width: int,
    scale: tuple[float, float],
    ratio: tuple[float, float],
    generator: torch.Generator | None = None,
) -> tuple[int, int, int, int]:
    """(top, left, box_height, box_width) of a random crop with area fraction in `scale`, aspect in `ratio`."""
    area = height * width
    log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
    for _ in range(10):
        target_area = area * float(torch.empty(()).uniform_(scale[0], scale[1], generator=generator))
        aspect = math.exp(float(torch.empty(()).uniform_(log_ratio[0], log_ratio[1], generator=generator)))
        box_w = round(math.sqrt(target_area * aspect))
        box_h = round(math.sqrt(target_area / aspect))
        if 0 < box_w <= width and 0 < box_h <= height:
            top = int(torch.randint(0, height - box_h + 1, (1,), generator=generator))
            left = int(torch.randint(0, width - box_w + 1, (1,), generator=generator))
            return top, left, box_h, box_w
    # fallback: the largest centred box whose aspect ratio is within `ratio`
    in_ratio = width / height
    if in_ratio < ratio[0]:
        box_w, box_h = width, round(width / ratio[0])
    elif in_ratio > ratio[1]:
        box_h, box_w = height, round(height * ratio[1])
    else:
        box_w, box_h = width, height
    return (height - box_h) // 2, (width - box_w) // 2, box_h, box_w


def random_crop(
    clip: torch.Tensor, size: tuple[int, int], generator: torch.Generator | None = None
) -> torch.Tensor:
    """The same random (height, width) window of every frame of a (T, C, H, W) clip (zero-padded if small)."""
    crop_h, crop_w = size
    height, width = clip.shape[-2:]
    if crop_h > height or crop_w > width:
        pad_h, pad_w = max(0, crop_h - height), max(0, crop_w - width)
        clip = F.pad(clip, (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2))
        height, width = clip.shape[-2:]
    top = int(torch.randint(0, height - crop_h + 1, (1,), generator=generator))
    left = int(torch.randint(0, width - crop_w + 1, (1,), generator=generator))
    return clip[..., top : top + crop_h, left : left + crop_w]


@functools.lru_cache(maxsize=16)
def _channel_stats(
    mean: tuple[float, ...], std: tuple[float, ...], device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and std as (3, 1, 1) float32 tensors on `device`, made once (no copy to the GPU per batch)."""
    return tuple(  # type: ignore[return-value]
        torch.tensor(values, dtype=torch.float32).view(3, 1, 1).to(device) for values in (mean, std)
    )


def _resize(clip: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    if tuple(clip.shape[-2:]) == tuple(size):
        return clip
    return F.interpolate(clip, size=tuple(size), mode="bilinear", align_corners=False, antialias=True)
