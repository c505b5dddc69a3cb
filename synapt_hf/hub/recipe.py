"""A catalog entry's recipe: how its checkpoint is built and measured.

In `catalog.yaml` an entry's ``recipe:`` mapping names files next to the catalog (paths relative to it)::

    recipe:
      pretrain: recipes/generator-supervised-cpu.yaml    # a `scripts/pretrain.py --config` file
      pretrain_data: {name: synapt150, build: [synapt150]} # optional: a dataset the pretraining reads
      benchmark: recipes/benchmark-weizmann-loao.yaml      # the transfer benchmark it is evaluated on
      hardware: 2-core CPU                                 # what it was (or will be) built on
      time: "about 40 min (measured)"                      # how long it took, or an estimate ...
      time_source: docs/benchmarks.md, CPU training table  # ... and where the figure comes from

A data spec (``name``, ``build``) is a dataset made from local raw videos with
``synapt build-dataset <build...> --root <raw folder> --out <work>/data/<name>``; the raw folder is given
as ``--data NAME=PATH`` to `synapt catalog build`.

The pretraining config decides the entry's architecture, size, frames, resolution, mode and steps
(`recipe_facts`), so changing an entry's recipe is a one-line change of ``pretrain:``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synapt_hf.errors import SynaptError

MODE_NAMES = {"mae+supervised": "mae-then-supervised"}  # TrainConfig's spelling -> the catalog's


@dataclass(frozen=True)
class DataSpec:
    """A dataset built from raw videos: `name` (also the `--data NAME=PATH` key) and build-dataset args."""

    name: str
    build: tuple[str, ...]


@dataclass(frozen=True)
class Benchmark:
    """The transfer benchmark: datasets, baselines (e.g. `scratch`), protocols, seeds and the budget."""

    path: Path
    datasets: tuple[DataSpec, ...]
    baselines: tuple[str, ...] = ("scratch",)
    protocols: tuple[str, ...] = ("finetune", "linear-probe")
    seeds: tuple[int, ...] = (0,)
    num_epochs: float = 30
    batch_size: int = 8
    train_options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Recipe:
    """The files and facts of one entry's build (see the module docstring)."""

    pretrain: Path
    benchmark: Path | None = None
    pretrain_data: DataSpec | None = None
    hardware: str = ""
    time: str = ""
    time_source: str = ""

    def pretrain_config(self) -> dict[str, Any]:
        return read_yaml_mapping(self.pretrain)

    def load_benchmark(self) -> Benchmark | None:
        return load_benchmark(self.benchmark) if self.benchmark is not None else None

    def files(self) -> list[Path]:
        return [path for path in (self.pretrain, self.benchmark) if path is not None]


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """The mapping in a YAML file, keys with dashes normalised to underscores."""
    import yaml

    if not path.is_file():
        raise SynaptError(f"{path}: recipe file not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SynaptError(f"{path}: invalid YAML ({exc})") from None
    if not isinstance(raw, dict):
        raise SynaptError(f"{path}: expected a mapping")
    return {str(key).replace("-", "_"): value for key, value in raw.items()}


def parse_data_spec(raw: object, where: str) -> DataSpec:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"]:
        raise SynaptError(f"{where}: expected a mapping with 'name' and 'build'")
    build = raw.get("build")
    if not isinstance(build, list) or not build or not all(isinstance(arg, str) for arg in build):
        raise SynaptError(
            f"{where} ({raw['name']}): 'build' must be a non-empty list of build-dataset arguments"
        )
    reserved = [arg for arg in build if arg in ("--root", "--out")]
    if reserved:
        raise SynaptError(
            f"{where} ({raw['name']}): 'build' must not set {', '.join(reserved)} (the build does)"
        )
    return DataSpec(name=raw["name"], build=tuple(build))


def parse_recipe(raw: object, base: Path, where: str) -> Recipe:
    """A `Recipe` from an entry's ``recipe:`` mapping; paths are relative to `base` (the catalog's folder)."""
    if not isinstance(raw, dict):
        raise SynaptError(f"{where}: 'recipe' must be a mapping with 'pretrain'")
    unknown = sorted(set(raw) - {"pretrain", "pretrain_data", "benchmark", "hardware", "time", "time_source"})
    if unknown:
        raise SynaptError(f"{where}: unknown recipe field(s) {', '.join(unknown)}")
    paths = {}
    for key in ("pretrain", "benchmark"):
        value = raw.get(key)
        if value is None and key == "benchmark":
            continue
        if not isinstance(value, str) or not value:
            raise SynaptError(f"{where}: recipe field '{key}' must be a file path")
        path = Path(value)
        if path.is_absolute() or ".." in path.parts:
            raise SynaptError(f"{where}: recipe.{key} {value!r} must be a path inside the catalog's folder")
        paths[key] = base / path
        if not paths[key].is_file():
            raise SynaptError(f"{where}: recipe.{key} {paths[key]} not found")
    texts = {}
    for key in ("hardware", "time", "time_source"):
        value = raw.get(key, "")
        if not isinstance(value, str):
            raise SynaptError(f"{where}: recipe field '{key}' must be text")
        texts[key] = value
    data = raw.get("pretrain_data")
    return Recipe(
        pretrain=paths["pretrain"],
        benchmark=paths.get("benchmark"),
        pretrain_data=parse_data_spec(data, f"{where}.recipe.pretrain_data") if data is not None else None,
        **texts,
    )


def load_benchmark(path: Path) -> Benchmark:
    """Read and check a benchmark file (see `Benchmark`)."""
    raw = read_yaml_mapping(path)
    known = {"datasets", "baselines", "protocols", "seeds", "num_epochs", "batch_size", "train_options"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise SynaptError(f"{path}: unknown benchmark field(s) {', '.join(unknown)}")
    if not isinstance(raw.get("datasets"), list) or not raw["datasets"]:
        raise SynaptError(f"{path}: 'datasets' must be a non-empty list of data specs")
    datasets = tuple(
        parse_data_spec(item, f"{path.name}: datasets[{i}]") for i, item in enumerate(raw["datasets"])
    )
    lists = {}
    for key, kind in (("baselines", str), ("protocols", str), ("seeds", int)):
        value = raw.get(key, list(getattr(Benchmark, key)))
        if not isinstance(value, list) or not all(
            isinstance(v, kind) and not isinstance(v, bool) for v in value
        ):
            raise SynaptError(f"{path}: '{key}' must be a list of {kind.__name__}")
        lists[key] = tuple(value)
    options = raw.get("train_options") or {}
    if not isinstance(options, dict):
        raise SynaptError(f"{path}: 'train_options' must be a mapping of TrainConfig fields")
    num_epochs, batch_size = raw.get("num_epochs", 30), raw.get("batch_size", 8)
    if not isinstance(num_epochs, (int, float)) or isinstance(num_epochs, bool) or num_epochs <= 0:
        raise SynaptError(f"{path}: 'num_epochs' must be a positive number")
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
        raise SynaptError(f"{path}: 'batch_size' must be a positive integer")
    return Benchmark(
        path=path,
        datasets=datasets,
        num_epochs=num_epochs,
        batch_size=batch_size,
        train_options=dict(options),
        **lists,
    )


def _overrides(config: dict[str, Any], where: str) -> dict[str, Any]:
    value = config.get("model_overrides")
    if not value:
        return {}
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(value)
    except (TypeError, json.JSONDecodeError):
        parsed = None
    if not isinstance(parsed, dict):
        raise SynaptError(f"{where}: model_overrides must be a JSON object")
    return parsed


def recipe_facts(config: dict[str, Any], where: str) -> dict[str, Any]:
    """The entry fields a pretraining config decides: architecture, size, num_frames, resolution, mode, steps
    (and `pretrain_num_classes` for the built-in generator). Only preset models give architecture and size."""
    from synapt_hf.models.presets import PRESETS

    facts: dict[str, Any] = {}
    model = config.get("model", "videomae-tiny")
    preset = PRESETS.get(model)
    fields = {**(preset.config if preset else {}), **_overrides(config, where)}
    if preset is not None:
        facts["architecture"] = preset.family
        facts["size"] = model.split("-", 1)[1]
    frames = config.get("num_frames") or fields.get("num_frames")
    resolution = config.get("image_size") or fields.get("image_size")
    if frames:
        facts["num_frames"] = int(frames)
    if resolution:
        facts["resolution"] = int(resolution)
    mode = config.get("mode", "supervised")
    facts["mode"] = MODE_NAMES.get(mode, mode)
    if config.get("max_steps"):
        steps = int(config["max_steps"])
        if mode == "mae+supervised":
            steps += int(config.get("mae_max_steps") or config["max_steps"])
        facts["steps"] = steps
    if config.get("num_epochs") and not config.get("max_steps"):
        epochs = config["num_epochs"]
        if mode == "mae+supervised":
            epochs += config.get("mae_epochs") or config["num_epochs"]
        facts["epochs"] = epochs
    if config.get("synthetic") and not config.get("dataset") and config.get("synthetic_classes"):
        facts["pretrain_num_classes"] = int(config["synthetic_classes"])
    return facts
