"""The catalog spec (`model_cards/catalog.yaml`): one entry per checkpoint, with its transfer results.

`list_pretrained(**filters)` is the Python view of the catalog, in the spirit of open_clip's
`list_pretrained()` and timm's `list_models(pretrained=True)`; `CatalogEntry.load()` returns
`(model, processor)`.

The catalog is a user-supplied file (`--catalog FILE`, `catalog=` or `$SYNAPT_CATALOG`); in a source checkout
the repository's own `model_cards/catalog.yaml` is the default. An installed package ships no catalog.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from synapt_hf.errors import SynaptError
from synapt_hf.evaluation.results import ResultRow, pool_folds
from synapt_hf.hub.hf_cache import cached_snapshot
from synapt_hf.hub.recipe import Recipe, parse_recipe, recipe_facts
from synapt_hf.hub.repo_ids import validate_repo_id
from synapt_hf.hub.results import (
    TransferResult,
    read_results,
    rows_for_checkpoint,
    summarize,
)

PRETRAIN_MODES = ("supervised", "mae", "mae-then-supervised")
MODE_ALIASES = {"mae+supervised": "mae-then-supervised"}  # synapt_hf.training's spelling
ARCHITECTURES = ("videomae", "timesformer")
CATALOG_ENV = "SYNAPT_CATALOG"
# The repository's catalog, found relative to the source tree (absent in an installed package).
DEFAULT_CATALOG = Path(__file__).resolve().parents[2] / "model_cards" / "catalog.yaml"
FILTER_KEYS = ("arch", "pretrain", "mode", "status", "sort", "protocol")
STATUSES = ("planned", "local", "published")  # not trained yet | folder on this disk | on the Hub
STATUS_RANK = {status: rank for rank, status in enumerate(STATUSES)}


@dataclass(frozen=True)
class PretrainData:
    """What a checkpoint was pretrained on: a key (`synapt150`, `kinetics150`, ...) and its description."""

    key: str
    description: str = ""
    num_classes: int | None = None
    num_videos: int | None = None
    hub_dataset: str | None = None


@dataclass(frozen=True)
class CatalogEntry:
    """One published (or publishable) checkpoint."""

    repo_id: str
    architecture: str
    size: str
    num_frames: int
    resolution: int
    pretrain: PretrainData
    mode: str
    epochs: float | None = None
    steps: int | None = None
    base_model: str | None = None
    license: str = "apache-2.0"
    model_dir: Path | None = None
    results_names: tuple[str, ...] = ()
    note: str = ""
    results: tuple[TransferResult, ...] = field(default_factory=tuple)
    status: str = "local"
    build: str = ""
    recipe: Recipe | None = None
    cached: Path | None = None  # its snapshot in the local Hugging Face cache, when installed there

    @property
    def name(self) -> str:
        return self.repo_id.split("/", 1)[1]

    @property
    def built(self) -> bool:
        """True when the model folder exists here with its config.json, or the HF cache holds the model."""
        return self.cached is not None or (
            self.model_dir is not None and (self.model_dir / "config.json").is_file()
        )

    @property
    def loadable(self) -> bool:
        """True when `load()` can work: built here (folder or HF cache) or published on the Hub."""
        return self.built or self.status == "published"

    def load(self, **kwargs):
        """`(model, processor)` of this checkpoint (see `synapt_hf.hub.loading.load_entry`)."""
        from synapt_hf.hub.loading import load_entry

        return load_entry(self, **kwargs)

    @property
    def status_label(self) -> str:
        """What the status means for a reader: planned, local, not built here (and how to build), published."""
        if self.status == "planned":
            return "planned — not trained yet"
        if self.status == "local" and not self.built:
            return "not built here" + (f"; {self.build}" if self.build else " (model_dir missing)")
        return self.status

    def top1(self, dataset: str, protocol: str | None = None) -> float | None:
        """Top-1 on `dataset` (fine-tuning first, then linear probe unless `protocol` is given)."""
        protocols = (protocol,) if protocol else ("finetune", "linear-probe")
        for wanted in protocols:
            for result in self.results:
                if result.dataset == dataset and result.protocol == wanted:
                    return result.top1
        return None

    def load_snippet(self) -> str:
        return (
            "import synapt_hf\n"
            f'model, processor = synapt_hf.load_pretrained("{self.repo_id}")\n'
            "# or, with transformers alone:\n"
            "from transformers import AutoModelForVideoClassification, AutoImageProcessor\n"
            f'model = AutoModelForVideoClassification.from_pretrained("{self.repo_id}")\n'
            f'processor = AutoImageProcessor.from_pretrained("{self.repo_id}")'
        )

    def to_dict(self) -> dict:
        return {
            "repo_id": self.repo_id,
            "architecture": self.architecture,
            "size": self.size,
            "num_frames": self.num_frames,
            "resolution": self.resolution,
            "pretrain": self.pretrain.key,
            "pretrain_description": self.pretrain.description,
            "pretrain_num_classes": self.pretrain.num_classes,
            "pretrain_num_videos": self.pretrain.num_videos,
            "pretrain_dataset": self.pretrain.hub_dataset,
            "mode": self.mode,
            "epochs": self.epochs,
            "steps": self.steps,
            "base_model": self.base_model,
            "license": self.license,
            "note": self.note,
            "status": self.status,
            "status_label": self.status_label,
            "results": [result.to_dict() for result in self.results],
            "recipe": None if self.recipe is None else _recipe_dict(self.recipe),
        }


def _recipe_dict(recipe: Recipe) -> dict:
    return {
        "pretrain": recipe.pretrain.name,
        "benchmark": recipe.benchmark.name if recipe.benchmark else None,
        "hardware": recipe.hardware,
        "time": recipe.time,
        "time_source": recipe.time_source,
    }


@dataclass(frozen=True)
class CollectionSpec:
    title: str
    namespace: str
    description: str = ""
    private: bool = False


@dataclass(frozen=True)
class DatasetRef:
    repo_id: str
    note: str = ""


@dataclass(frozen=True)
class Catalog:
    path: Path
    collection: CollectionSpec | None
    models: tuple[CatalogEntry, ...]
    datasets: tuple[DatasetRef, ...] = ()
    report_dir: Path | None = None
    previews: tuple[Path, ...] = ()

    def entry(self, repo_id: str) -> CatalogEntry:
        for entry in self.models:
            if entry.repo_id == repo_id or entry.name == repo_id:
                return entry
        known = ", ".join(entry.repo_id for entry in self.models) or "none"
        raise SynaptError(f"{self.path}: no catalog entry {repo_id!r} (known: {known})")


def _require(mapping: dict, key: str, kind: type | tuple[type, ...], where: str):
    if key not in mapping or mapping[key] is None:
        raise SynaptError(f"{where}: missing required field '{key}'")
    value = mapping[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise SynaptError(f"{where}: field '{key}' has the wrong type ({type(value).__name__})")
    return value


def _optional(mapping: dict, key: str, kind: type | tuple[type, ...], where: str):
    if mapping.get(key) is None:
        return None
    return _require(mapping, key, kind, where)


def _resolve(base: Path, value: str | None) -> Path | None:
    if value is None:
        return None
    path = Path(os.path.expandvars(value)).expanduser()
    return Path(os.path.normpath(path if path.is_absolute() else base / path))


def parse_pretrain(raw: object, where: str) -> PretrainData:
    if isinstance(raw, str):
        return PretrainData(key=raw)
    if not isinstance(raw, dict):
        raise SynaptError(f"{where}: field 'pretrain' must be a key or a mapping with 'data'")
    where = f"{where}.pretrain"
    hub_dataset = _optional(raw, "hub_dataset", str, where)
    if hub_dataset:
        validate_repo_id(hub_dataset, f"{where}.hub_dataset")
    return PretrainData(
        key=_require(raw, "data", str, where),
        description=_optional(raw, "description", str, where) or "",
        num_classes=_optional(raw, "num_classes", int, where),
        num_videos=_optional(raw, "num_videos", int, where),
        hub_dataset=hub_dataset,
    )


def parse_entry(raw: object, where: str, base: Path, shared_rows: list[ResultRow] | None) -> CatalogEntry:
    """Build one entry from its YAML mapping; every error names `where` (e.g. `catalog.yaml: models[2]`)."""
    if not isinstance(raw, dict):
        raise SynaptError(f"{where}: expected a mapping")
    repo_id = validate_repo_id(_require(raw, "repo_id", str, where), f"{where}.repo_id")
    where = f"{where} ({repo_id})"
    recipe = parse_recipe(raw["recipe"], base, where) if raw.get("recipe") is not None else None
    if recipe is not None:
        raw = with_recipe_facts(raw, recipe_facts(recipe.pretrain_config(), str(recipe.pretrain)), where)
    architecture = _require(raw, "architecture", str, where)
    if architecture not in ARCHITECTURES:
        raise SynaptError(
            f"{where}: architecture must be one of {', '.join(ARCHITECTURES)}, got {architecture!r}"
        )
    mode = _require(raw, "mode", str, where)
    mode = MODE_ALIASES.get(mode, mode)
    if mode not in PRETRAIN_MODES:
        raise SynaptError(f"{where}: mode must be one of {', '.join(PRETRAIN_MODES)}, got {mode!r}")
    if "pretrain" not in raw:
        raise SynaptError(f"{where}: missing required field 'pretrain'")
    base_model = _optional(raw, "base_model", str, where)
    if base_model:
        validate_repo_id(base_model, f"{where}.base_model")
    model_dir = _resolve(base, _optional(raw, "model_dir", str, where))
    names = {repo_id, repo_id.split("/", 1)[1]}
    if model_dir is not None:
        names.update({model_dir.name, str(model_dir)})
    names.update(_optional(raw, "results_names", list, where) or [])
    results_file = _resolve(base, _optional(raw, "results", str, where))
    rows = read_results(results_file) if results_file is not None else (shared_rows or [])
    results = tuple(summarize(pool_folds(rows_for_checkpoint(rows, names))))
    cached = cached_snapshot(repo_id)
    status = derive_status(_optional(raw, "status", str, where), model_dir, where, cached is not None)
    if status == "planned" and results:
        claimed = ", ".join(f"{r.dataset} {r.protocol}" for r in results)
        raise SynaptError(
            f"{where}: status is 'planned' (not trained yet) but results rows claim numbers for it ({claimed})"
        )
    return CatalogEntry(
        repo_id=repo_id,
        architecture=architecture,
        size=str(_require(raw, "size", (str, int), where)),
        num_frames=_require(raw, "num_frames", int, where),
        resolution=_require(raw, "resolution", int, where),
        pretrain=parse_pretrain(raw["pretrain"], where),
        mode=mode,
        epochs=_optional(raw, "epochs", (int, float), where),
        steps=_optional(raw, "steps", int, where),
        base_model=base_model,
        license=_optional(raw, "license", str, where) or "apache-2.0",
        model_dir=model_dir,
        results_names=tuple(sorted(str(name) for name in names)),
        note=_optional(raw, "note", str, where) or "",
        results=results,
        status=status,
        build=_optional(raw, "build", str, where) or "",
        recipe=recipe,
        cached=cached,
    )


def with_recipe_facts(raw: dict, facts: dict, where: str) -> dict:
    """`raw` with the fields its recipe decides filled in; a declared field must agree with the recipe."""
    merged = dict(raw)
    pretrain = raw.get("pretrain")
    num_classes = facts.pop("pretrain_num_classes", None)
    if num_classes is not None and isinstance(pretrain, dict):
        facts_pretrain = {"num_classes": num_classes}
        for key, value in facts_pretrain.items():
            if pretrain.get(key) is not None and pretrain[key] != value:
                raise SynaptError(
                    f"{where}: pretrain.{key} is {pretrain[key]!r} but its recipe gives {value!r}"
                )
        merged["pretrain"] = {**pretrain, **facts_pretrain}
    for key, value in facts.items():
        declared = raw.get(key)
        if declared is not None and MODE_ALIASES.get(declared, declared) != value:
            raise SynaptError(
                f"{where}: {key} is {declared!r} but its recipe ({raw['recipe']['pretrain']}) gives {value!r}"
            )
        merged[key] = value
    return merged


def derive_status(declared: str | None, model_dir: Path | None, where: str, cached: bool = False) -> str:
    """The entry's status: the declared one, raised to `local` when its model folder exists on disk or the
    local Hugging Face cache holds it (`cached`).

    Without a declaration an entry is `local` (a real checkpoint; `status_label` says when its folder is missing
    here). `published` is declared, or comes from the Hub listing.
    """
    if declared is not None and declared not in STATUSES:
        raise SynaptError(f"{where}: status must be one of {', '.join(STATUSES)}, got {declared!r}")
    status = declared or "local"
    on_disk = cached or (model_dir is not None and (model_dir / "config.json").is_file())
    if on_disk and STATUS_RANK[status] < STATUS_RANK["local"]:
        status = "local"
    return status


def catalog_path(path: str | Path | None = None) -> Path:
    """The catalog to read: `path`, else `$SYNAPT_CATALOG`, else the source checkout's `model_cards/catalog.yaml`."""
    chosen = path or os.environ.get(CATALOG_ENV)
    if chosen:
        return Path(chosen).expanduser()
    if DEFAULT_CATALOG.is_file():
        return DEFAULT_CATALOG
    raise SynaptError(
        "no catalog given: pass --catalog FILE (catalog= in Python) or set SYNAPT_CATALOG; an installed "
        "synapt-hf ships no catalog (the repository's is model_cards/catalog.yaml)"
    )


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Read and validate a catalog YAML file (default: see `catalog_path`)."""
    import yaml

    path = catalog_path(path)
    if not path.is_file():
        raise SynaptError(f"{path}: catalog file not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SynaptError(f"{path}: invalid YAML ({exc})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("models"), list):
        raise SynaptError(f"{path}: expected a mapping with a 'models' list")
    base = path.resolve().parent
    results_file = _resolve(base, _optional(raw, "results", str, str(path)))
    shared_rows = read_results(results_file) if results_file is not None and results_file.exists() else None
    models = tuple(
        parse_entry(item, f"{path.name}: models[{index}]", base, shared_rows)
        for index, item in enumerate(raw["models"])
    )
    seen: set[str] = set()
    for entry in models:
        if entry.repo_id in seen:
            raise SynaptError(f"{path.name}: repo id {entry.repo_id!r} appears twice")
        seen.add(entry.repo_id)
    collection = None
    if raw.get("collection") is not None:
        where = f"{path.name}: collection"
        spec = _require(raw, "collection", dict, path.name)
        collection = CollectionSpec(
            title=_require(spec, "title", str, where),
            namespace=_require(spec, "namespace", str, where),
            description=_optional(spec, "description", str, where) or "",
            private=bool(spec.get("private", False)),
        )
    datasets = []
    for index, item in enumerate(raw.get("datasets") or []):
        where = f"{path.name}: datasets[{index}]"
        if not isinstance(item, dict):
            raise SynaptError(f"{where}: expected a mapping with 'repo_id'")
        repo_id = validate_repo_id(_require(item, "repo_id", str, where), f"{where}.repo_id")
        datasets.append(DatasetRef(repo_id=repo_id, note=_optional(item, "note", str, where) or ""))
    previews = tuple(_resolve(base, item) for item in raw.get("previews") or [])
    return Catalog(
        path=path,
        collection=collection,
        models=models,
        datasets=tuple(datasets),
        report_dir=_resolve(base, _optional(raw, "report_dir", str, path.name)),
        previews=previews,
    )


def filter_entries(
    entries: list[CatalogEntry] | tuple[CatalogEntry, ...],
    arch: str | None = None,
    pretrain: str | None = None,
    mode: str | None = None,
    sort: str | None = None,
    protocol: str | None = None,
    status: str | None = None,
) -> list[CatalogEntry]:
    """Keep entries matching every given filter; `sort=DATASET` orders by top-1 there, best first."""
    if status is not None and status.lower() not in STATUSES:
        raise SynaptError(f"status filter must be one of {', '.join(STATUSES)}, got {status!r}")
    chosen = [
        entry
        for entry in entries
        if (arch is None or entry.architecture == arch.lower())
        and (pretrain is None or entry.pretrain.key.lower() == pretrain.lower())
        and (mode is None or entry.mode == mode)
        and (status is None or entry.status == status.lower())
    ]
    if sort:
        scored = [(entry.top1(sort, protocol), entry) for entry in chosen]
        with_score = sorted((pair for pair in scored if pair[0] is not None), key=lambda pair: -pair[0])
        chosen = [entry for _, entry in with_score] + [entry for score, entry in scored if score is None]
    return chosen


def list_pretrained(
    catalog: str | Path | Catalog | None = None, include_planned: bool = False, **filters
) -> list[CatalogEntry]:
    """The loadable catalog entries (built here or published; every entry with `include_planned=True` or a
    `status` filter), optionally filtered: `arch`, `pretrain`, `mode`, `status` (planned | local |
    published), `sort` (dataset), `protocol`.

    >>> import synapt_hf
    >>> [e.repo_id for e in synapt_hf.list_pretrained(arch="videomae", sort="ucf101")]
    """
    unknown = sorted(set(filters) - set(FILTER_KEYS))
    if unknown:
        raise SynaptError(
            f"list_pretrained: unknown filter(s) {', '.join(unknown)} (use {', '.join(FILTER_KEYS)})"
        )
    loaded = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    entries = filter_entries(loaded.models, **filters)
    if include_planned or filters.get("status") is not None:
        return entries
    return [entry for entry in entries if entry.loadable]


def transfer_datasets(entries: list[CatalogEntry] | tuple[CatalogEntry, ...]) -> list[str]:
    """The datasets with results in any entry, in the benchmark's usual order."""
    from synapt_hf.datasets.registry import list_specs

    seen = {result.dataset for entry in entries for result in entry.results}
    order = [spec.ppma_key for spec in list_specs()]
    return sorted(seen, key=lambda name: (order.index(name) if name in order else len(order), name))


def with_results(entry: CatalogEntry, results: list[TransferResult]) -> CatalogEntry:
    return replace(entry, results=tuple(results))
