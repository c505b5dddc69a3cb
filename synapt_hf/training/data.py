"""Training data for every source: a dataset in the foundation format, a class-folder tree, or the generator.

Sources (``TrainConfig.dataset``):
- a ``save_to_disk`` folder / parquet folder / Hub id in the dataset format -> `VideoClipDataset`;
- a folder of class subfolders -> built once into the format (cached under ``~/.cache/synapt/folders``);
- none -> the built-in generator, ``--synthetic disk`` (generated once into a cached folder) or
  ``--synthetic online`` (clips rendered while training; held-out clips come from another seed).

Transforms: evaluation resizes/crops exactly like the saved ``preprocessor_config.json`` (so the exported
folder sees in ``pipeline`` what evaluation saw); training adds a random resized crop and a flip.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset, IterableDataset, get_worker_info

from synapt_hf.data.transforms import IMAGENET_MEAN, IMAGENET_STD, ClipTransform
from synapt_hf.errors import SynaptError
from synapt_hf.io import is_class_folder_tree

CACHE_ROOT = Path.home() / ".cache" / "synapt"


@dataclass
class TrainData:
    """Datasets of one run plus what the exported model needs (labels, processor)."""

    train: Dataset | StreamedClips
    eval: Dataset | None
    label_names: list[str]
    num_train: int
    num_eval: int
    processor: Any
    streaming: bool = False
    make_stream: Callable[[int, int, int, int, int], Iterator[dict[str, torch.Tensor]]] | None = field(
        default=None, repr=False
    )
    render_device: torch.device | None = None  # online generator: render here (a GPU), else in workers
    device_transform: ClipTransform | None = None  # dataset sources: training augmentation on the device

    def finish_batch(self, batch: dict[str, Any]) -> dict[str, Any]:
        """Apply the training augmentation deferred to the device (``--augment-device``) to a batch whose
        workers only decoded (a no-op for other batches). Seeds come from the workers, so the crops and
        flips are the ones the workers would have drawn."""
        if "frames" not in batch:
            return batch
        generators = [torch.Generator().manual_seed(seed) for seed in batch["augment_seeds"]]
        pixels = self.device_transform.augment_clips(batch["frames"], generators)
        return {"pixel_values": pixels, "labels": batch["labels"]}

    @property
    def num_classes(self) -> int:
        return len(self.label_names)

    def stream_loader(self, run: Any, state: Any) -> Iterable[dict[str, torch.Tensor]]:
        """Batches of the online stream for this process, starting where `state` says the epoch stands.

        With ``--dataloader-num-workers N`` the batches are rendered in N worker processes (worker ``w``
        renders every N-th batch; the DataLoader returns them in order). With a render device (a GPU), the
        workers only sample scenes and a producer thread renders and augments on the device
        (`StreamedClips.device_batches` through `prefetch_in_thread`).
        """
        accelerator, config = run.accelerator, run.config
        batch = config.per_device_train_batch_size
        per_epoch = self.num_train // (batch * accelerator.num_processes)
        if self.render_device is not None:
            from synapt_hf.training.prefetch import prefetch_in_thread

            epoch, first = state.epoch, state.batches_in_epoch
            return prefetch_in_thread(
                lambda: self.train.device_batches(
                    epoch,
                    first,
                    per_epoch,
                    accelerator.process_index,
                    accelerator.num_processes,
                    self.render_device,
                    workers=config.dataloader_num_workers,
                    group=config.synthetic_render_group,
                ),
                self.render_device,
            )
        batches = _StreamBatches(
            self.make_stream,
            state.epoch,
            state.batches_in_epoch,
            per_epoch,
            accelerator.process_index,
            accelerator.num_processes,
        )
        workers = min(config.dataloader_num_workers, max(per_epoch - state.batches_in_epoch, 0))
        return DataLoader(batches, batch_size=None, num_workers=workers)


class _StreamBatches(IterableDataset):
    """Batches ``first..last`` of one epoch of the stream, split over DataLoader workers in turn."""

    def __init__(
        self, make_stream: Callable, epoch: int, first: int, last: int, rank: int, world: int
    ) -> None:
        self.make_stream, self.epoch, self.first, self.last = make_stream, epoch, first, last
        self.rank, self.world = rank, world

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        for index in range(self.first + worker, self.last, workers):
            yield from self.make_stream(self.epoch, index, index + 1, self.rank, self.world)


def eval_transform(source: Any, image_size: int) -> ClipTransform:
    """The evaluation transform: the checkpoint's processor (mean/std) if it has one, at the model's size."""
    base = ClipTransform(
        resize=image_size, crop=(image_size, image_size), mean=IMAGENET_MEAN, std=IMAGENET_STD
    )
    processor_file = Path(source.name) / "preprocessor_config.json" if source.kind == "local" else None
    if processor_file is not None and processor_file.is_file():
        saved = ClipTransform.from_processor(processor_file)
        base = replace(base, mean=saved.mean, std=saved.std, rescale_factor=saved.rescale_factor)
    return base


def build_data(config: Any, num_frames: int, image_size: int, source: Any, accelerator: Any) -> TrainData:
    """Build train/eval datasets for `config` (cheap checks first, heavy work only after them)."""
    evaluation = eval_transform(source, image_size)
    training = replace(evaluation, train=True, scale=(config.train_crop_min_scale, 1.0))
    processor = evaluation.to_processor(
        num_frames=num_frames, sampling_rate=config.sampling_rate, sampling_strategy=config.sampling_strategy
    )
    if config.dataset is None:
        if config.synthetic == "online":
            device = _render_device(config, accelerator)
            data = _online_synthetic(config, num_frames, image_size, training, evaluation, device)
        else:
            dataset_dict = _disk_synthetic(config, num_frames, image_size, accelerator)
            data = _from_dataset_dict(
                dataset_dict, config, num_frames, training, evaluation, "generated", accelerator
            )
    else:
        data = _from_dataset_dict(
            _load_dataset(config.dataset, accelerator),
            config,
            num_frames,
            training,
            evaluation,
            config.dataset,
            accelerator,
        )
    data.processor = processor
    return data


# -- the dataset format -------------------------------------------------------------------------
def _load_dataset(name: str, accelerator: Any):
    from synapt_hf.data.format import load_video_dataset

    path = Path(name).expanduser()
    if path.is_dir() and is_class_folder_tree(path):
        return load_video_dataset(_build_folder_dataset(path, accelerator))
    return load_video_dataset(name)


def _build_folder_dataset(root: Path, accelerator: Any) -> Path:
    """Build a class-folder tree into the dataset format once (main process), cached by absolute path."""
    from synapt_hf.datasets.builder import BuildOptions
    from synapt_hf.datasets.folder import FolderBuilder

    key = hashlib.sha1(str(root.resolve()).encode()).hexdigest()[:12]
    out = CACHE_ROOT / "folders" / f"{root.resolve().name}-{key}"
    if accelerator.is_main_process and not (out / "dataset_dict.json").is_file():
        builder = FolderBuilder(root)
        builder.check()
        builder.build(BuildOptions(out=out, overwrite=True))
    accelerator.wait_for_everyone()
    return out


def _augment_on_device(config: Any, accelerator: Any) -> bool:
    """``--augment-device``: auto = on the training GPU when there is one, else in the workers."""
    if config.augment_device == "auto":
        return accelerator.device.type == "cuda"
    return config.augment_device == "device"


def _from_dataset_dict(
    dataset_dict,
    config: Any,
    num_frames: int,
    training: ClipTransform,
    evaluation: ClipTransform,
    name: str,
    accelerator: Any,
) -> TrainData:
    from synapt_hf.data.format import class_names
    from synapt_hf.data.torch_dataset import VideoClipDataset

    for split in (config.train_split, config.eval_split):
        if split not in dataset_dict:
            raise SynaptError(
                f"{name}: no split {split!r} (has {', '.join(dataset_dict)}); set --train-split/--eval-split"
            )
    labels = class_names(dataset_dict)
    train_split, eval_split = dataset_dict[config.train_split], dataset_dict[config.eval_split]
    if config.max_train_samples:
        train_split = train_split.select(range(min(config.max_train_samples, len(train_split))))
    if config.max_eval_samples:
        eval_split = eval_split.select(range(min(config.max_eval_samples, len(eval_split))))
    common = {
        "num_frames": num_frames,
        "sampling_rate": config.sampling_rate,
        "strategy": config.sampling_strategy,
    }
    defer = _augment_on_device(config, accelerator)
    train = VideoClipDataset(
        train_split,
        transform=training,
        train=True,
        seed=config.seed,
        short_side=training.crop[0],
        defer_transform=defer,
        **common,
    )
    evaluation_set = VideoClipDataset(eval_split, transform=evaluation, train=False, **common)
    return TrainData(
        train,
        evaluation_set,
        labels,
        len(train),
        len(evaluation_set),
        None,
        device_transform=training if defer else None,
    )


# -- the generator -----------------------------------------------------------------------------
def _generator_config(config: Any, num_frames: int, image_size: int):
    from synapt_hf.synth.config import GeneratorConfig

    return GeneratorConfig.create(
        config.synthetic_classes,
        frames=num_frames,
        size=image_size,
        seed=config.synthetic_seed,
        preset=config.synthetic_preset,
        motions=getattr(config, "synthetic_motions", None),
    )


def _motions_suffix(motions: str | None) -> str:
    """Cache-key part for a motion library (a digest of its path or Hub id)."""
    import hashlib

    return f"-motions{hashlib.sha256(motions.encode()).hexdigest()[:8]}" if motions else ""


def _disk_synthetic(config: Any, num_frames: int, image_size: int, accelerator: Any):
    """Generate the synthetic dataset once (in as many processes as DataLoader workers) into a cache folder
    keyed by its parameters, then load it."""
    from synapt_hf.data.format import load_video_dataset
    from synapt_hf.synth.writer import generate_dataset

    frames = num_frames * config.sampling_rate
    out = (
        Path(config.synthetic_dir).expanduser()
        if config.synthetic_dir
        else CACHE_ROOT
        / "generated"
        / (
            f"c{config.synthetic_classes}-n{config.synthetic_train_clips}-v{config.synthetic_eval_clips}"
            f"-f{frames}-s{image_size}-seed{config.synthetic_seed}"
            + ("" if config.synthetic_preset == "default" else f"-{config.synthetic_preset}")
            + _motions_suffix(getattr(config, "synthetic_motions", None))
        )
    )
    if accelerator.is_main_process and not (out / "dataset_dict.json").is_file():
        generator = _generator_config(config, frames, image_size)
        generate_dataset(
            generator,
            clips_per_class=config.synthetic_train_clips,
            out_dir=out,
            val_clips_per_class=config.synthetic_eval_clips,
            num_proc=max(1, config.dataloader_num_workers),
            progress=not config.disable_progress_bar,
        )
    accelerator.wait_for_everyone()
    return load_video_dataset(out)


class StreamedClips:
    """Training clips rendered on the fly: epoch `e` is clip indices ``[e * N, (e + 1) * N)`` of the generator.

    Clip ``i`` is a pure function of (generator config, split, i), so resuming at (epoch, batch) renders
    exactly the clips the interrupted run would have. Each process takes whole batches in turn (batch
    ``b`` of the epoch goes to process ``b % world``); augmentation draws from a generator seeded by the
    clip index, so resumed runs also see the same pixels.

    With `repeats` K > 1 (repeated sampling) a batch holds ``batch_size / K`` rendered clips, each K times
    in a row with its own crop and flip, and an epoch renders ``N / K`` clips.
    """

    def __init__(
        self,
        generator_config: Any,
        transform: ClipTransform,
        clips_per_epoch: int,
        batch_size: int,
        seed: int,
        repeats: int = 1,
        fused: bool | None = None,
    ) -> None:
        if batch_size % repeats:
            raise SynaptError(f"repeated sampling: {repeats} repeats do not divide batch size {batch_size}")
        self.generator_config = generator_config
        self.transform = transform
        self.clips_per_epoch = clips_per_epoch
        self.batch_size = batch_size
        self.seed = seed
        self.repeats = repeats
        self.fused = fused
        self.rendered_per_batch = batch_size // repeats

    def augmentation_generator(self, index: int, repeat: int = 0) -> torch.Generator:
        """The generator of clip `index`'s crop and flip in its `repeat`-th use (the same on every device
        and after resuming). The CPU generator keeps only the low 32 bits of a seed, so repeats step
        through them by the golden-ratio constant."""
        return torch.Generator().manual_seed((self.seed * 1_000_003 + index + repeat * 0x9E3779B9) % 2**32)

    def clip_indices(self, epoch: int, batch_index: int, rank: int, world: int) -> range:
        """The clips rendered for one batch (each used `repeats` times)."""
        per_batch = self.rendered_per_batch
        start = epoch * (self.clips_per_epoch // self.repeats) + (batch_index * world + rank) * per_batch
        return range(start, start + per_batch)

    def _repeated(self, indices: list[int]) -> list[torch.Generator]:
        return [self.augmentation_generator(i, r) for i in indices for r in range(self.repeats)]

    def batches(
        self, epoch: int, first_batch: int, last_batch: int, rank: int, world: int
    ) -> Iterator[dict[str, torch.Tensor]]:
        from synapt_hf.synth.clips import render_clips

        for batch_index in range(first_batch, last_batch):
            indices = self.clip_indices(epoch, batch_index, rank, world)
            frames, samples = render_clips(
                self.generator_config, indices, "train", batch_size=len(indices), fused=self.fused
            )
            clips = [clip for clip in frames for _ in range(self.repeats)]
            pixels = [
                self.transform(clip, generator=generator)
                for clip, generator in zip(clips, self._repeated(list(indices)), strict=True)
            ]
            labels = torch.tensor([sample.label for sample in samples], dtype=torch.long)
            yield {"pixel_values": torch.stack(pixels), "labels": labels.repeat_interleave(self.repeats)}

    def device_batches(
        self,
        epoch: int,
        first_batch: int,
        last_batch: int,
        rank: int,
        world: int,
        device: torch.device,
        workers: int = 0,
        group: int = 256,
    ) -> Iterator[dict[str, torch.Tensor]]:
        """The batches `batches` yields, rendered and augmented on `device` (a GPU): `workers` processes
        sample the scenes of about `group` rendered clips at a time while the device renders the previous
        group."""
        from synapt_hf.synth.pipeline import render_batches

        batches = render_batches(
            self.generator_config,
            lambda b: self.clip_indices(epoch, first_batch + b, rank, world),
            last_batch - first_batch,
            self.rendered_per_batch,
            device,
            "train",
            workers,
            group_batches=max(1, group // self.rendered_per_batch),
            fused=self.fused,
        )
        for batch in batches:
            frames = batch.frames
            if self.repeats > 1:  # each rendered clip K times in a row (uint8: a small copy on the device)
                frames = frames.repeat_interleave(self.repeats, dim=0)
            pixels = self.transform.augment_clips(frames, self._repeated(batch.indices.tolist()))
            yield {"pixel_values": pixels, "labels": batch.labels.repeat_interleave(self.repeats)}


class ClipList(Dataset):
    """A fixed list of already transformed clips (the held-out generated set)."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.items[index]


def held_out_clips(
    generator_config: Any, count: int, transform: ClipTransform, device: torch.device | None = None
) -> ClipList:
    """`count` clips of the generator's ``validation`` split (disjoint seeds from ``train``), transformed;
    rendered on `device` when given (then brought back: evaluation batches go through a DataLoader)."""
    from synapt_hf.synth.clips import render_clips

    frames, samples = render_clips(generator_config, range(count), "validation", device=device)
    frames = frames.cpu()
    return ClipList(
        [
            {"pixel_values": transform(clip), "labels": sample.label}
            for clip, sample in zip(frames, samples, strict=True)
        ]
    )


def _render_device(config: Any, accelerator: Any) -> torch.device | None:
    """Where the online generator renders: the training GPU (``--synthetic-device auto``), else None
    (DataLoader workers on the CPU)."""
    if config.synthetic_device == "cpu" or accelerator.device.type != "cuda":
        return None
    return accelerator.device


def _online_synthetic(
    config: Any,
    num_frames: int,
    image_size: int,
    training: ClipTransform,
    evaluation: ClipTransform,
    render_device: torch.device | None = None,
) -> TrainData:
    generator_config = _generator_config(config, num_frames, image_size)
    num_train = config.synthetic_classes * config.synthetic_train_clips
    num_eval = config.synthetic_classes * config.synthetic_eval_clips
    if config.max_train_samples:
        num_train = min(num_train, config.max_train_samples)
    if config.max_eval_samples:
        num_eval = min(num_eval, config.max_eval_samples)
    stream = StreamedClips(
        generator_config,
        training,
        num_train,
        config.per_device_train_batch_size,
        config.seed,
        repeats=config.repeated_sampling,
        fused={"auto": None, "fused": True, "eager": False}[config.synthetic_renderer],
    )
    return TrainData(
        train=stream,
        eval=held_out_clips(generator_config, num_eval, evaluation, render_device),
        label_names=list(generator_config.classes),
        num_train=num_train,
        num_eval=num_eval,
        processor=None,
        streaming=True,
        make_stream=stream.batches,
        render_device=render_device,
    )
