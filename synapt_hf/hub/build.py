"""`synapt catalog build ENTRY`: run an entry's recipe end to end, one resumable stage after another.

Stages, each in the work folder (``--work``):

1. ``data``: every dataset of the recipe (the pretraining data, if any, and the benchmark's) is built from its
   local raw videos with `synapt build-dataset` into ``data/<name>``;
2. ``pretrain``: `synapt_hf.training.train` with the recipe's pretraining config, into ``model/<entry name>``;
3. ``transfer``: `run_transfer` of the pretrained model and the baselines on the benchmark, into
   ``transfer/`` (``results.jsonl``, the report);
4. ``card``: the model card, rendered with the measured results, into ``card/README.md`` next to a copy of
   ``results.jsonl``;
5. ``install`` (into the local Hugging Face cache) or ``publish`` (to the Hub), when asked for.

A finished stage leaves ``stages/<stage>.json`` (written atomically, last) and is skipped on the next run;
an interrupted stage runs again (the transfer benchmark itself skips the runs it finished). The recipe as
run (configs after overrides) is kept in ``recipe.json``; a work folder refuses a different recipe. Each
stage prints one progress line when it starts and one when it ends; ``build.json`` records the machine and
every stage's duration.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from synapt_hf.constants import TRANSFER_RESULTS_FILE
from synapt_hf.errors import SynaptError
from synapt_hf.hub.catalog import CatalogEntry
from synapt_hf.hub.recipe import Benchmark, DataSpec
from synapt_hf.io import copy_atomic, write_text_atomic

TARGETS = ("local", "publish")


@dataclass
class BuildOptions:
    """How to build: the work folder, raw data folders by data-spec name, the final target and overrides.

    `pretrain_overrides` are `TrainConfig` fields laid over the recipe's pretraining config;
    `benchmark_overrides` are `Benchmark` fields (`seeds`, `protocols`, `num_epochs`, `batch_size`,
    `baselines`, `train_options`) laid over its benchmark.
    """

    work: Path
    data: dict[str, Path] = field(default_factory=dict)
    target: str | None = None
    pretrain_overrides: dict[str, Any] = field(default_factory=dict)
    benchmark_overrides: dict[str, Any] = field(default_factory=dict)
    cache_dir: Path | None = None
    private: bool = False


@dataclass
class BuildResult:
    entry: CatalogEntry  # the built entry: local, its model folder and measured results
    model_dir: Path
    card: Path
    stages: dict[str, str]  # stage -> "ran" | "skipped"


def _benchmark(entry: CatalogEntry, overrides: dict[str, Any]) -> Benchmark:
    benchmark = entry.recipe.load_benchmark() if entry.recipe else None
    if benchmark is None:
        raise SynaptError(f"{entry.repo_id}: its recipe names no benchmark (recipe.benchmark)")
    known = {"baselines", "protocols", "seeds", "num_epochs", "batch_size", "train_options"}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise SynaptError(f"benchmark overrides: unknown field(s) {', '.join(unknown)}")
    values = {key: tuple(value) if isinstance(value, list) else value for key, value in overrides.items()}
    return replace(benchmark, **values)


def _data_specs(entry: CatalogEntry, benchmark: Benchmark) -> list[DataSpec]:
    specs = [entry.recipe.pretrain_data] if entry.recipe.pretrain_data else []
    return specs + list(benchmark.datasets)


def _check_raw_data(entry: CatalogEntry, specs: list[DataSpec], data: dict[str, Path]) -> None:
    for spec in specs:
        path = data.get(spec.name)
        if path is None:
            raise SynaptError(
                f"{entry.repo_id}: its recipe needs the raw videos of {spec.name!r}: pass --data {spec.name}=PATH"
            )
        if not Path(path).is_dir():
            raise SynaptError(f"--data {spec.name}={path}: not a directory")


def pretrain_config(entry: CatalogEntry, options: BuildOptions, model_dir: Path) -> dict[str, Any]:
    from synapt_hf.training.config import TrainConfig

    config = {**entry.recipe.pretrain_config(), **options.pretrain_overrides}
    if entry.recipe.pretrain_data is not None:
        config["dataset"] = str(options.work / "data" / entry.recipe.pretrain_data.name)
    # an interrupted pretraining continues from its latest checkpoint (recipes with checkpointing_steps)
    config.update(output_dir=str(model_dir), overwrite_output_dir=False, resume_from_checkpoint="latest")
    TrainConfig.from_dict(config).validate()  # unknown or invalid fields stop the build before any stage
    return config


def _fingerprint(pretrain: dict[str, Any], benchmark: Benchmark, specs: list[DataSpec]) -> dict[str, Any]:
    recipe = {
        "pretrain": {k: v for k, v in pretrain.items() if k != "dataset"},
        "benchmark": {k: v for k, v in asdict(benchmark).items() if k != "path"},
        "data": [asdict(spec) for spec in specs],
    }
    text = json.dumps(recipe, sort_keys=True, default=str)
    return {"sha256": hashlib.sha256(text.encode()).hexdigest(), **json.loads(text)}


def _check_work(work: Path, recipe: dict[str, Any], entry: CatalogEntry) -> None:
    record = work / "recipe.json"
    if record.is_file():
        previous = json.loads(record.read_text(encoding="utf-8"))
        if previous.get("sha256") != recipe["sha256"] or previous.get("repo_id") != entry.repo_id:
            raise SynaptError(
                f"--work {work}: it holds a build of another recipe ({previous.get('repo_id')}, "
                f"recipe {str(previous.get('sha256'))[:12]}); use another --work folder or remove it"
            )
        return
    write_text_atomic(
        record, json.dumps({"repo_id": entry.repo_id, **recipe}, indent=2, sort_keys=True) + "\n"
    )


def machine_description() -> str:
    """The machine a stage ran on: CPU model and core count, and the accelerator when one is used."""
    import torch

    cpu = platform.processor() or platform.machine()
    text = f"{os.cpu_count()} CPU cores ({cpu})"
    if torch.cuda.is_available():
        text += f", {torch.cuda.device_count()} x {torch.cuda.get_device_name(0)}"
    return text


class _Stages:
    """Runs stages in order: skips finished ones (their marker exists), times and records the others."""

    def __init__(self, work: Path, names: list[str], log: Callable[[str], None]):
        self.work, self.names, self.log = work, names, log
        self.status: dict[str, str] = {}

    def marker(self, name: str) -> Path:
        return self.work / "stages" / f"{name}.json"

    def run(self, name: str, action: Callable[[], str]) -> None:
        number = f"[{self.names.index(name) + 1}/{len(self.names)}] {name}"
        if self.marker(name).is_file():
            done = json.loads(self.marker(name).read_text(encoding="utf-8"))
            self.log(f"{number}: finished earlier ({done['seconds']:.1f} s), skipped")
            self.status[name] = "skipped"
            return
        self.log(f"{number}: running")
        started = time.monotonic()
        detail = action()
        seconds = time.monotonic() - started
        record = {
            "stage": name,
            "seconds": round(seconds, 1),
            "machine": machine_description(),
            "detail": detail,
        }
        write_text_atomic(self.marker(name), json.dumps(record, indent=2, sort_keys=True) + "\n")
        self.log(f"{number}: done in {seconds:.1f} s ({detail})")
        self.status[name] = "ran"

    def write_report(self, entry: CatalogEntry) -> Path:
        stages = {}
        for name in self.names:
            if self.marker(name).is_file():
                stages[name] = json.loads(self.marker(name).read_text(encoding="utf-8"))
        report = {
            "repo_id": entry.repo_id,
            "stages": stages,
            "total_seconds": round(sum(stage["seconds"] for stage in stages.values()), 1),
        }
        return write_text_atomic(
            self.work / "build.json", json.dumps(report, indent=2, sort_keys=True) + "\n"
        )


def _build_dataset(spec: DataSpec, raw: Path, out: Path, log_file: Path) -> None:
    from synapt_hf.cli import build_parser

    argv = ["build-dataset", *spec.build, "--root", str(raw), "--out", str(out), "--overwrite"]
    args = build_parser().parse_args(argv)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("a", encoding="utf-8") as stream, contextlib.redirect_stdout(stream):
        args.func(args)


def _transfer(model_dir: Path, benchmark: Benchmark, work: Path) -> None:
    from synapt_hf.evaluation.transfer import TransferConfig, run_transfer

    config = TransferConfig(
        checkpoints=[str(model_dir), *benchmark.baselines],
        datasets=[str(work / "data" / spec.name) for spec in benchmark.datasets],
        out_dir=str(work / "transfer"),
        protocols=list(benchmark.protocols),
        seeds=list(benchmark.seeds),
        train_options={
            **benchmark.train_options,
            "num_epochs": benchmark.num_epochs,
            "per_device_train_batch_size": benchmark.batch_size,
        },
        retry_failed=True,
    )
    run_transfer(config)


def _results_rows(work: Path) -> list:
    from synapt_hf.hub.results import read_results

    return read_results(work / "transfer" / TRANSFER_RESULTS_FILE)


def built_entry(entry: CatalogEntry, model_dir: Path, rows: list) -> CatalogEntry:
    """`entry` as built: local, its model folder, geometry from the folder's config, the measured results."""
    from synapt_hf.evaluation.results import pool_folds
    from synapt_hf.hub.results import rows_for_checkpoint, summarize

    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    names = {entry.repo_id, entry.name, str(model_dir)}
    return replace(
        entry,
        status="local",
        model_dir=model_dir,
        architecture=config.get("model_type", entry.architecture),
        num_frames=config.get("num_frames", entry.num_frames),
        resolution=config.get("image_size", entry.resolution),
        results=tuple(summarize(pool_folds(rows_for_checkpoint(rows, names)))),
    )


def build_entry(
    entry: CatalogEntry, options: BuildOptions, log: Callable[[str], None] = print
) -> BuildResult:
    """Run `entry`'s recipe in `options.work` (see the module docstring); returns the built entry."""
    if entry.recipe is None:
        raise SynaptError(f"{entry.repo_id}: no recipe in the catalog (recipe.pretrain), nothing to build")
    if options.target is not None and options.target not in TARGETS:
        raise SynaptError(f"build target must be one of {', '.join(TARGETS)}, got {options.target!r}")
    work = Path(options.work).expanduser().resolve()
    model_dir = work / "model" / entry.name
    benchmark = _benchmark(entry, options.benchmark_overrides)
    specs = _data_specs(entry, benchmark)
    if not (work / "stages" / "data.json").is_file():  # the raw videos are read by the data stage only
        _check_raw_data(entry, specs, options.data)
    pretrain = pretrain_config(entry, replace(options, work=work), model_dir)
    _check_work(work, _fingerprint(pretrain, benchmark, specs), entry)
    names = ["data", "pretrain", "transfer", "card"] + (
        [{"local": "install", "publish": "publish"}[options.target]] if options.target else []
    )
    stages = _Stages(work, names, log)

    def data() -> str:
        for spec in specs:
            _build_dataset(
                spec, Path(options.data[spec.name]), work / "data" / spec.name, work / "logs" / "data.log"
            )
        return ", ".join(f"data/{spec.name}" for spec in specs)

    def pretrain_stage() -> str:
        from synapt_hf.training import train

        metrics = train(dict(pretrain))
        shown = {k: metrics[k] for k in ("top1", "global_step") if k in metrics}
        return f"{model_dir}, {json.dumps(shown)}"

    def transfer() -> str:
        _transfer(model_dir, benchmark, work)
        rows = _results_rows(work)
        failed = [row for row in rows if row.status != "ok"]
        if failed:
            raise SynaptError(
                f"transfer: {len(failed)} of {len(rows)} runs failed (first: {failed[0].checkpoint} on "
                f"{failed[0].dataset}: {failed[0].error}); fix the cause and run the build again"
            )
        return f"{len(rows)} runs, {work / 'transfer' / 'results.jsonl'}"

    def card() -> str:
        from synapt_hf.hub.cards import render_model_card, validate_card

        built = built_entry(entry, model_dir, _results_rows(work))
        text = render_model_card(built)
        validate_card(text, built)
        copy_atomic(work / "transfer" / TRANSFER_RESULTS_FILE, work / "card" / TRANSFER_RESULTS_FILE)
        write_text_atomic(work / "card" / "README.md", text)
        return str(work / "card" / "README.md")

    def install() -> str:
        from synapt_hf.hub.local_install import install_local

        snapshot = install_local(
            model_dir, built_entry(entry, model_dir, _results_rows(work)), cache_dir=options.cache_dir
        )
        return f"{entry.repo_id} in {snapshot}"

    def publish() -> str:
        from synapt_hf.hub.publish import publish_model

        report = publish_model(
            model_dir,
            built_entry(entry, model_dir, _results_rows(work)),
            private=options.private,
            endpoint=os.environ.get("HF_ENDPOINT"),
        )
        return f"{report.repo_id}@{report.revision}: " + (
            "up to date" if report.commit is None else f"commit {report.commit[:12]}"
        )

    actions = {
        "data": data,
        "pretrain": pretrain_stage,
        "transfer": transfer,
        "card": card,
        "install": install,
        "publish": publish,
    }
    for name in names:
        stages.run(name, actions[name])
    stages.write_report(entry)
    return BuildResult(
        entry=built_entry(entry, model_dir, _results_rows(work)),
        model_dir=model_dir,
        card=work / "card" / "README.md",
        stages=stages.status,
    )
