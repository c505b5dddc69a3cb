"""Training configuration: one dataclass for every mode and protocol, parsed by ``HfArgumentParser``.

The same fields are CLI flags (``--learning-rate`` or ``--learning_rate``), keys of a YAML/JSON config
file (``--config file.yaml``; flags given on the command line win) and the keyword arguments of
``TrainConfig(...)`` for in-process callers such as the transfer benchmark.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from synapt_hf.errors import SynaptError
from synapt_hf.models.sdpa_kernels import SDPA_KERNELS

MODES = ("supervised", "mae", "mae+supervised")
PROTOCOLS = ("pretrain", "finetune", "linear-probe")
SYNTHETIC_MODES = ("online", "disk")
SYNTHETIC_DEVICES = ("auto", "cpu")
SYNTHETIC_RENDERERS = ("auto", "fused", "eager")
AUGMENT_DEVICES = ("auto", "workers", "device")
MIXED_PRECISION = ("no", "fp16", "bf16")
PARAM_DTYPES = ("fp32", "bf16")
COMPILE_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")
# The names of the transformers/diffusers example scripts, accepted for these fields (flags and config files).
ALIASES = {
    "model_name_or_path": "model",
    "dataset_name": "dataset",
    "num_train_epochs": "num_epochs",
    "lr_scheduler_type": "lr_scheduler",
}


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass
class TrainConfig:
    """Everything one training run needs; see docs/training.md for the recipes."""

    # model
    model: str = field(
        default="videomae-tiny",
        metadata=_help("preset name, local checkpoint folder or Hub id (alias --model_name_or_path)"),
    )
    model_overrides: str | None = field(
        default=None,
        metadata=_help("JSON object of config fields for a preset, e.g. '{\"num_hidden_layers\": 2}'"),
    )
    ignore_mismatched_sizes: bool = field(
        default=False,
        metadata=_help("replace a checkpoint's classification head whose labels differ from the data's"),
    )
    attn_implementation: str = field(
        default="sdpa",
        metadata=_help("sdpa | eager (TimeSformer: sdpa is the project's, models/timesformer_sdpa.py)"),
    )
    sdpa_kernel: str = field(
        default="auto",
        metadata=_help(
            "auto (PyTorch's order) | flash | efficient | cudnn | math: the SDPA kernel tried first on a "
            "GPU, the others stay as fallbacks (models/sdpa_kernels.py)"
        ),
    )
    fused_qkv: bool = field(
        default=False,
        metadata=_help(
            "VideoMAE: one fused query/key/value projection per attention (models/fused_qkv.py); "
            "checkpoints and the exported folder keep transformers' stock weights"
        ),
    )
    # what to train
    mode: str = field(
        default="supervised", metadata=_help("supervised | mae | mae+supervised (two stages, PPMA)")
    )
    protocol: str = field(
        default="pretrain",
        metadata=_help(
            "pretrain (all weights) | finetune (all weights + LLRD, smoothing, "
            "drop path) | linear-probe (frozen backbone, BN + linear head)"
        ),
    )
    mask_ratio: float = field(default=0.9, metadata=_help("MAE tube-mask ratio"))
    norm_pix_loss: bool = field(default=True, metadata=_help("MAE: normalise each target patch"))
    mae_epochs: float | None = field(default=None, metadata=_help("mae+supervised: epochs of the MAE stage"))
    mae_max_steps: int | None = field(default=None, metadata=_help("mae+supervised: steps of the MAE stage"))
    # data
    dataset: str | None = field(
        default=None,
        metadata=_help(
            "DatasetDict folder, Hub id, or folder of class subfolders; "
            "none = the built-in synthetic generator (alias --dataset_name)"
        ),
    )
    train_split: str = "train"
    eval_split: str = "validation"
    synthetic: str = field(
        default="online", metadata=_help("online (streamed) | disk (generated once, cached)")
    )
    synthetic_classes: int = field(default=10, metadata=_help("generator: number of action classes"))
    synthetic_train_clips: int = field(
        default=64, metadata=_help("generator: training clips per class (an epoch)")
    )
    synthetic_eval_clips: int = field(default=8, metadata=_help("generator: held-out clips per class"))
    synthetic_seed: int = field(default=0, metadata=_help("generator seed (held-out clips use another seed)"))
    synthetic_preset: str = field(
        default="default",
        metadata=_help("generator scene preset: default | side-view | easy (docs/synth.md)"),
    )
    synthetic_motions: str | None = field(
        default=None,
        metadata=_help(
            "generator motion library: folder or Hub id from `synapt motions import` (docs/synth.md)"
        ),
    )
    synthetic_dir: str | None = field(
        default=None, metadata=_help("disk mode: where to generate (reused if present)")
    )
    synthetic_device: str = field(
        default="auto",
        metadata=_help(
            "online generator: auto (render on the training GPU when there is one, scenes sampled by the "
            "DataLoader workers) | cpu (render in the DataLoader workers)"
        ),
    )
    synthetic_render_group: int = field(
        default=256, metadata=_help("online generator on a GPU: clips rendered per renderer call")
    )
    synthetic_renderer: str = field(
        default="auto",
        metadata=_help(
            "online generator kernels: auto (SYNAPT_FUSED_RENDER; unset: fused on a GPU, eager on CPU) | "
            "fused (torch.compile, compiled once per process) | eager; the same pixels"
        ),
    )
    repeated_sampling: int = field(
        default=1,
        metadata=_help(
            "online generator: use each rendered clip this many times in its batch, each time with its "
            "own crop and flip (and MAE mask); divides the rendering cost per training sample by it "
            "(MAE-ST's repeated sampling). Must divide --per-device-train-batch-size"
        ),
    )
    num_frames: int | None = field(default=None, metadata=_help("frames per clip (default: the model's)"))
    image_size: int | None = field(default=None, metadata=_help("crop size in px (default: the model's)"))
    sampling_rate: int = field(default=2, metadata=_help("dense sampling: take every n-th frame"))
    sampling_strategy: str = field(default="dense", metadata=_help("dense | segment"))
    augment_device: str = field(
        default="auto",
        metadata=_help(
            "where training clips are cropped/flipped/normalised: auto (on the training GPU when there is "
            "one; DataLoader workers only decode) | workers | device"
        ),
    )
    train_crop_min_scale: float = field(
        default=0.25, metadata=_help("training random resized crop: smallest area fraction kept (max 1)")
    )
    max_train_samples: int | None = None
    max_eval_samples: int | None = None
    dataloader_num_workers: int = field(
        default=1, metadata=_help("DataLoader worker processes (decode/render)")
    )
    # optimisation
    output_dir: str | None = field(default=None, metadata=_help("default: runs/<mode>-<model>"))
    overwrite_output_dir: bool = False
    seed: int = 42
    num_epochs: float = field(default=3.0, metadata=_help("training epochs (alias --num_train_epochs)"))
    max_steps: int | None = field(default=None, metadata=_help("overrides num_epochs"))
    max_train_minutes: float | None = field(
        default=None, metadata=_help("stop training (then evaluate and save) after this many minutes")
    )
    per_device_train_batch_size: int = 8
    per_device_eval_batch_size: int | None = None
    gradient_accumulation_steps: int = 1
    learning_rate: float = 1e-3
    weight_decay: float = 0.05
    adam_beta2: float = 0.999
    warmup_ratio: float = 0.1
    lr_scheduler: str = field(
        default="cosine", metadata=_help("any transformers scheduler name (alias --lr_scheduler_type)")
    )
    max_grad_norm: float | None = 1.0
    layer_decay: float | None = field(default=None, metadata=_help("layer-wise LR decay (finetune: 0.75)"))
    label_smoothing: float | None = field(default=None, metadata=_help("finetune: 0.1, else 0"))
    drop_path_rate: float | None = field(default=None, metadata=_help("finetune: 0.1, else 0"))
    mixed_precision: str | None = field(
        default=None, metadata=_help("no | fp16 | bf16 (default: accelerate config)")
    )
    param_dtype: str = field(
        default="fp32",
        metadata=_help(
            "fp32 | bf16: bf16 parameters and activations without autocast, the optimizer updating fp32 "
            "master copies (training/master_weights.py); the exported weights are the fp32 copies. "
            "Excludes --mixed-precision fp16/bf16"
        ),
    )
    torch_compile: bool = False
    torch_compile_mode: str = field(
        default="default",
        metadata=_help(
            "with --torch-compile: default | reduce-overhead (CUDA graphs: fewer kernel launches) | "
            "max-autotune | max-autotune-no-cudagraphs"
        ),
    )
    # bookkeeping
    checkpointing_steps: int | None = field(
        default=None, metadata=_help("save_state every N optimizer steps")
    )
    checkpoints_total_limit: int | None = 2
    resume_from_checkpoint: str | None = field(default=None, metadata=_help("latest | path to checkpoint-N"))
    resume_ignore_settings: bool = field(
        default=False,
        metadata=_help("resume even if the checkpoint was trained with other settings (only warn)"),
    )
    report_to: str = field(default="tensorboard", metadata=_help("tensorboard | wandb | ... | all | none"))
    logging_steps: int = 10
    eval_every_epoch: bool = True
    disable_progress_bar: bool = field(
        default=False, metadata=_help("no step bar (it shows only when stderr is a terminal)")
    )
    # publishing
    push_to_hub: bool = field(
        default=False,
        metadata=_help(
            "at the end of training, upload the model folder with its model card to --hub-model-id "
            "(main process only; token from HF_TOKEN or `hf auth login`, checked before training)"
        ),
    )
    hub_model_id: str | None = field(
        default=None, metadata=_help("with --push-to-hub: the Hub repo ORG/NAME")
    )
    hub_private_repo: bool = field(
        default=False, metadata=_help("with --push-to-hub: create the repo as private")
    )

    def __post_init__(self) -> None:
        if self.mixed_precision is False:  # YAML 1.1 reads `mixed_precision: no` as False
            self.mixed_precision = "no"
        self.validate()

    def validate(self) -> None:
        """Cheap checks of single fields (no files touched)."""
        _choice("mode", self.mode, MODES)
        _choice("protocol", self.protocol, PROTOCOLS)
        _choice("synthetic", self.synthetic, SYNTHETIC_MODES)
        _choice("synthetic_device", self.synthetic_device, SYNTHETIC_DEVICES)
        _choice("synthetic_renderer", self.synthetic_renderer, SYNTHETIC_RENDERERS)
        _choice("augment_device", self.augment_device, AUGMENT_DEVICES)
        _choice("torch_compile_mode", self.torch_compile_mode, COMPILE_MODES)
        _choice("sdpa_kernel", self.sdpa_kernel, SDPA_KERNELS)
        from synapt_hf.synth.presets import PRESET_NAMES

        _choice("synthetic_preset", self.synthetic_preset, PRESET_NAMES)
        if self.synthetic_render_group < 1:
            raise SynaptError(f"--synthetic-render-group: must be >= 1, got {self.synthetic_render_group}")
        if self.repeated_sampling < 1:
            raise SynaptError(f"--repeated-sampling: must be >= 1, got {self.repeated_sampling}")
        if self.per_device_train_batch_size % self.repeated_sampling:
            raise SynaptError(
                f"--repeated-sampling {self.repeated_sampling} must divide --per-device-train-batch-size "
                f"{self.per_device_train_batch_size}: each batch holds whole groups of repeats"
            )
        if self.repeated_sampling > 1 and (self.dataset is not None or self.synthetic != "online"):
            raise SynaptError(
                "--repeated-sampling applies to the online generator (no --dataset, --synthetic online): "
                "a dataset's clips are decoded once per epoch already"
            )
        if not 0 < self.train_crop_min_scale <= 1:
            raise SynaptError(f"--train-crop-min-scale: must be in (0, 1], got {self.train_crop_min_scale}")
        if self.mixed_precision is not None:
            _choice("mixed_precision", self.mixed_precision, MIXED_PRECISION)
        _choice("param_dtype", self.param_dtype, PARAM_DTYPES)
        if self.param_dtype != "fp32" and self.mixed_precision not in (None, "no"):
            raise SynaptError(
                f"--param-dtype {self.param_dtype} computes in {self.param_dtype} without autocast; "
                f"drop --mixed-precision {self.mixed_precision} (or use --param-dtype fp32 with it)"
            )
        if self.param_dtype != "fp32" and self.protocol == "linear-probe":
            raise SynaptError(
                "--param-dtype bf16 does not apply to --protocol linear-probe (its BatchNorm statistics "
                "are not optimizer state): use --mixed-precision bf16"
            )
        if self.mode != "supervised" and self.protocol != "pretrain":
            raise SynaptError(
                f"--protocol {self.protocol} is a supervised protocol; use it with --mode supervised"
            )
        positive = {
            "per_device_train_batch_size": self.per_device_train_batch_size,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
            "synthetic_classes": self.synthetic_classes,
            "synthetic_train_clips": self.synthetic_train_clips,
            "synthetic_eval_clips": self.synthetic_eval_clips,
            "sampling_rate": self.sampling_rate,
            "logging_steps": self.logging_steps,
        }
        for name, value in positive.items():
            if value is None or value <= 0:
                raise SynaptError(f"--{name.replace('_', '-')} must be positive, got {value}")
        if self.max_steps is not None and self.max_steps <= 0:
            raise SynaptError(f"--max-steps must be positive, got {self.max_steps}")
        if self.max_steps is None and self.num_epochs <= 0:
            raise SynaptError(f"--num-epochs must be positive, got {self.num_epochs}")
        if self.max_train_minutes is not None and self.max_train_minutes <= 0:
            raise SynaptError(f"--max-train-minutes must be positive, got {self.max_train_minutes}")
        if self.checkpointing_steps is not None and self.checkpointing_steps <= 0:
            raise SynaptError(f"--checkpointing-steps must be positive, got {self.checkpointing_steps}")
        if self.checkpoints_total_limit is not None and self.checkpoints_total_limit <= 0:
            raise SynaptError(
                f"--checkpoints-total-limit must be positive, got {self.checkpoints_total_limit}"
            )
        if not 0.0 < self.mask_ratio < 1.0:
            raise SynaptError(f"--mask-ratio must be in (0, 1), got {self.mask_ratio}")
        if self.layer_decay is not None and not 0.0 < self.layer_decay <= 1.0:
            raise SynaptError(f"--layer-decay must be in (0, 1], got {self.layer_decay}")
        if self.push_to_hub:
            if not self.hub_model_id:
                raise SynaptError("--push-to-hub needs --hub-model-id ORG/NAME (the repo to publish to)")
            from synapt_hf.hub.repo_ids import validate_repo_id

            validate_repo_id(self.hub_model_id, "--hub-model-id")
        self.model_overrides_dict()

    # resolved values -----------------------------------------------------------------------------
    def model_overrides_dict(self) -> dict[str, Any] | None:
        if not self.model_overrides:
            return None
        if isinstance(self.model_overrides, dict):
            return dict(self.model_overrides)
        try:
            value = json.loads(self.model_overrides)
        except json.JSONDecodeError as exc:
            raise SynaptError(f"--model-overrides is not valid JSON ({exc})") from exc
        if not isinstance(value, dict):
            raise SynaptError("--model-overrides must be a JSON object")
        return value

    @property
    def resolved_output_dir(self) -> Path:
        if self.output_dir:
            return Path(self.output_dir).expanduser()
        name = Path(self.model).name if Path(self.model).exists() else self.model.replace("/", "--")
        mode = self.protocol if self.protocol != "pretrain" else self.mode.replace("+", "-")
        return Path("runs") / f"{mode}-{name}"

    @property
    def resolved_layer_decay(self) -> float:
        return (
            self.layer_decay
            if self.layer_decay is not None
            else (0.75 if self.protocol == "finetune" else 1.0)
        )

    @property
    def resolved_label_smoothing(self) -> float:
        if self.label_smoothing is not None:
            return self.label_smoothing
        return 0.1 if self.protocol == "finetune" else 0.0

    @property
    def resolved_drop_path_rate(self) -> float:
        if self.drop_path_rate is not None:
            return self.drop_path_rate
        return 0.1 if self.protocol == "finetune" else 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def save(self, path: str | Path) -> None:
        """Write the exact arguments as JSON (``training_args.json``)."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n")

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """A config from field names (or their `ALIASES`); unknown names and alias conflicts are errors."""
        values = resolve_aliases(values, "training options")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise SynaptError(f"unknown training option(s): {', '.join(unknown)}")
        return cls(**values)


def resolve_aliases(values: dict[str, Any], where: str) -> dict[str, Any]:
    """`values` with every alias key (`ALIASES`) renamed to its field; an alias given together with its field
    and a different value is a `SynaptError` naming both (and `where` the values come from)."""
    resolved = {key: value for key, value in values.items() if key not in ALIASES}
    for alias, name in ALIASES.items():
        if alias not in values:
            continue
        if name in values and values[name] != values[alias]:
            raise SynaptError(
                f"{where}: {alias} ({values[alias]!r}) and {name} ({values[name]!r}) are the same option "
                f"with different values; give one"
            )
        resolved[name] = values[alias]
    return resolved


def _choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise SynaptError(f"--{name.replace('_', '-')} must be one of {', '.join(choices)}, got {value!r}")
