"""The settings a checkpoint was trained with (``run_settings.json``), and checking them on resume.

Every checkpoint records the `TrainConfig` fields that decide the data order and the optimisation, plus
the number of processes and the resolved mixed precision. ``--resume-from-checkpoint`` compares them with
the new run before any data or model is built, and refuses a mismatch (``--resume-ignore-settings`` turns
the refusal into a warning), so a resumed run is always the continuation of the run that wrote it.

Fields in `NOT_COMPARED` may change between the two runs: they decide where results go, what is logged,
how often checkpoints are kept, how fast clips are decoded, when to stop early and how evaluation is done,
but not which batches the model sees nor how it is optimised. Every other field is compared (a field added
to `TrainConfig` later is compared unless it is listed here). Fields that `TrainConfig` resolves from the
protocol (layer decay, label smoothing, drop path) are compared by their resolved values, local paths by
their absolute form, and ``num_epochs`` only when ``max_steps`` does not override it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import fields
from pathlib import Path
from typing import Any

from synapt_hf.errors import SynaptError
from synapt_hf.training.config import TrainConfig

logger = logging.getLogger(__name__)

RUN_SETTINGS = "run_settings.json"
FORMAT_VERSION = 1

NOT_COMPARED = frozenset(
    {
        # where the run lives and how it was started
        "output_dir",
        "overwrite_output_dir",
        "resume_from_checkpoint",
        "resume_ignore_settings",
        # logging and progress
        "report_to",
        "logging_steps",
        "disable_progress_bar",
        # publishing the finished folder
        "push_to_hub",
        "hub_model_id",
        "hub_private_repo",
        # checkpoint bookkeeping
        "checkpointing_steps",
        "checkpoints_total_limit",
        # speed only: per-clip randomness is seeded by (seed, epoch, index), whatever the worker count
        "dataloader_num_workers",
        "attn_implementation",  # sdpa and eager compute the same attention
        "sdpa_kernel",  # which fused kernel computes it
        "torch_compile",
        "torch_compile_mode",
        "synthetic_device",  # the online generator renders the same clips on the GPU or in CPU workers
        "augment_device",  # the same crops and flips, in the workers or on the training device
        "synthetic_render_group",
        "synthetic_renderer",  # the fused kernels draw the same pixels as the eager ones
        # when to stop early (the run can be continued later with the same settings)
        "max_train_minutes",
        # only lets a checkpoint with another head load; the resumed weights come from the checkpoint
        "ignore_mismatched_sizes",
        # evaluation
        "eval_split",
        "per_device_eval_batch_size",
        "max_eval_samples",
        "synthetic_eval_clips",
        "eval_every_epoch",
    }
)
_PATH_FIELDS = ("model", "dataset", "synthetic_dir")
# Launch settings recorded next to the config fields, with the value older checkpoints were written with.
_LAUNCH_DEFAULTS = {"sharding": "none"}


def run_settings(
    config: TrainConfig, num_processes: int, mixed_precision: str, sharding: str = "none"
) -> dict[str, Any]:
    """The comparable settings of a run: every `TrainConfig` field not in `NOT_COMPARED`, normalised, plus
    the launch's process count, precision and `sharding` (``none`` for one process or DDP, ``fsdp``,
    ``deepspeed``: their checkpoints have different formats)."""
    settings: dict[str, Any] = {
        f.name: getattr(config, f.name) for f in fields(config) if f.name not in NOT_COMPARED
    }
    for name in _PATH_FIELDS:
        if name in settings:
            settings[name] = _normalised_path(settings[name])
    if "model_overrides" in settings:
        settings["model_overrides"] = config.model_overrides_dict()
    settings["layer_decay"] = config.resolved_layer_decay
    settings["label_smoothing"] = config.resolved_label_smoothing
    settings["drop_path_rate"] = config.resolved_drop_path_rate
    if config.max_steps is not None:
        settings["num_epochs"] = None  # max_steps decides the length
    settings["num_processes"] = int(num_processes)
    settings["mixed_precision"] = str(mixed_precision)
    settings["sharding"] = str(sharding)
    return settings


def _normalised_path(value: Any) -> Any:
    """An existing local path as an absolute path (so a relative path from another cwd still matches)."""
    if not isinstance(value, str) or not value:
        return value
    path = Path(value).expanduser()
    return str(path.resolve()) if path.exists() else value


def save_run_settings(folder: Path, settings: dict[str, Any]) -> None:
    """Write ``run_settings.json`` into the (temporary) checkpoint folder `folder`."""
    payload = {"format": FORMAT_VERSION, "settings": settings}
    (folder / RUN_SETTINGS).write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")


def load_run_settings(checkpoint: Path) -> dict[str, Any] | None:
    """The settings recorded in `checkpoint`, or None for a checkpoint written before they were recorded."""
    path = checkpoint / RUN_SETTINGS
    if not path.is_file():
        return None
    try:
        payload = json.loads(path.read_text())
        settings = payload["settings"]
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise SynaptError(f"{path}: unreadable run settings ({exc})") from exc
    if not isinstance(settings, dict):
        raise SynaptError(f"{path}: unreadable run settings (not an object)")
    return settings


def differences(old: dict[str, Any], new: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Fields whose values differ, as ``{field: (old, new)}``.

    A field that only one side records (added to or removed from `TrainConfig` in between) counts as
    different only when its value there is not the field's default.
    """
    defaults = {f.name: f.default for f in fields(TrainConfig)}
    changed = {}
    for name in sorted(set(old) | set(new)):
        if name in NOT_COMPARED:
            continue
        if name in old and name in new:
            if _comparable(old[name]) != _comparable(new[name]):
                changed[name] = (old[name], new[name])
            continue
        present = old.get(name, new.get(name))
        if name in _LAUNCH_DEFAULTS and present == _LAUNCH_DEFAULTS[name]:
            continue  # recorded since a later version: an older checkpoint was written with the default
        if name not in defaults or present != defaults[name]:
            changed[name] = (old.get(name, "<not recorded>"), new.get(name, "<not recorded>"))
    return changed


def _comparable(value: Any) -> Any:
    """JSON round trip, so a tuple equals its saved list and an int-valued float its saved int."""
    value = json.loads(json.dumps(value, sort_keys=True))
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def check_resume_settings(
    checkpoint: Path, settings: dict[str, Any], ignore: bool, announce: bool = True
) -> None:
    """Refuse to resume `checkpoint` with other `settings` than it was written with.

    With `ignore`, a mismatch is only a warning. A checkpoint without ``run_settings.json`` (written before
    the settings were recorded) resumes with a warning. `announce` False keeps the warnings quiet (processes
    other than the main one).
    """
    old = load_run_settings(checkpoint)
    if old is None:
        if announce:
            logger.warning(
                "%s has no %s (written by an older version): resuming without checking that the settings match",
                checkpoint,
                RUN_SETTINGS,
            )
        return
    changed = differences(old, settings)
    if not changed:
        return
    listed = "; ".join(f"{name}: {_show(a)} -> {_show(b)}" for name, (a, b) in changed.items())
    if ignore:
        if announce:
            logger.warning(
                "--resume-ignore-settings: resuming %s although its settings differ (%s)", checkpoint, listed
            )
        return
    raise SynaptError(
        f"--resume-from-checkpoint {checkpoint}: the checkpoint was trained with other settings ({listed}); "
        "resume with the same settings, start a new --output-dir, or pass --resume-ignore-settings"
    )


def _show(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, str) else value
