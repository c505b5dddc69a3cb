"""A `save_pretrained` model folder: checks, the files to publish, and a catalog entry read from its configs."""

from __future__ import annotations

import json
from pathlib import Path

from synapt_hf.errors import SynaptError
from synapt_hf.hub.catalog import CatalogEntry, PretrainData
from synapt_hf.hub.results import TransferResult

WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin")
SIZES_BY_HIDDEN = {384: "small", 768: "base", 1024: "large", 1280: "huge"}
SKIPPED_PARTS = ("checkpoint-", "runs", ".")
SKIPPED_NAMES = ("optimizer.pt", "scheduler.pt", "rng_state.pth", "README.md")


def check_model_dir(model_dir: str | Path, where: str = "model folder") -> Path:
    """Fail clearly unless `model_dir` holds `config.json` and weights."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise SynaptError(f"{where}: {model_dir} is not a folder")
    if not (model_dir / "config.json").is_file():
        raise SynaptError(f"{where}: {model_dir} has no config.json (not a save_pretrained folder)")
    if not any((model_dir / name).is_file() for name in WEIGHT_FILES):
        raise SynaptError(f"{where}: {model_dir} has no weights ({' or '.join(WEIGHT_FILES)})")
    return model_dir


def read_json(path: Path) -> dict | None:
    """A JSON object from `path`, None when absent; a clear error when malformed."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SynaptError(f"{path}: malformed JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise SynaptError(f"{path}: expected a JSON object")
    return data


def files_to_publish(model_dir: Path) -> list[Path]:
    """Relative paths of the files to upload: weights, configs, training args, results; no trainer state."""
    chosen = []
    for path in sorted(model_dir.rglob("*")):
        relative = path.relative_to(model_dir)
        if not path.is_file() or path.name in SKIPPED_NAMES:
            continue
        if any(part.startswith(SKIPPED_PARTS) for part in relative.parts[:-1]) or path.name.startswith("."):
            continue
        chosen.append(relative)
    return chosen


def entry_from_model_dir(
    model_dir: Path,
    repo_id: str,
    results: list[TransferResult] | None = None,
    pretrain: str | None = None,
    mode: str | None = None,
) -> CatalogEntry:
    """A catalog entry described by the folder's own `config.json` and `training_args.json`."""
    config = read_json(model_dir / "config.json") or {}
    args = read_json(model_dir / "training_args.json") or {}
    architecture = str(config.get("model_type", "unknown"))
    hidden = config.get("hidden_size")
    size = SIZES_BY_HIDDEN.get(hidden, f"hidden{hidden}" if hidden else "unknown")
    guessed_mode = "mae" if "VideoMAEForPreTraining" in (config.get("architectures") or []) else "supervised"
    pretrain_key = pretrain or args.get("pretrain_data") or args.get("dataset") or args.get("train_dataset")
    return CatalogEntry(
        repo_id=repo_id,
        architecture=architecture,
        size=size,
        num_frames=int(config.get("num_frames", 0) or 0),
        resolution=int(config.get("image_size", 0) or 0),
        pretrain=PretrainData(key=str(pretrain_key or "unknown")),
        mode=mode or str(args.get("mode") or guessed_mode),
        epochs=args.get("num_train_epochs") or args.get("epochs"),
        steps=args.get("max_steps")
        if isinstance(args.get("max_steps"), int) and args["max_steps"] > 0
        else None,
        model_dir=model_dir,
        results=tuple(results or ()),
    )
