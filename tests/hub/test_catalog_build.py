"""`synapt catalog build`: the shipped CPU recipe at a tiny scale end to end (data, pretraining, transfer, card,
install), resumption, loading offline with `synapt_hf.load_pretrained`, and the GPU recipe at a tiny scale."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import synapt_hf
from synapt_hf.cli import main
from synapt_hf.errors import SynaptError
from synapt_hf.hub.build import BuildOptions, build_entry, pretrain_config
from synapt_hf.hub.catalog import DEFAULT_CATALOG, load_catalog

CPU_ENTRY = "synapt-hf/videomae-tiny-synth-cpu"
TINY_MODEL = {
    "hidden_size": 32,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "decoder_hidden_size": 32,
    "decoder_num_attention_heads": 2,
    "decoder_intermediate_size": 64,
    "image_size": 32,
    "num_frames": 4,
}
TINY_PRETRAIN = {
    "max_steps": 2,
    "per_device_train_batch_size": 4,
    "synthetic_classes": 3,
    "synthetic_train_clips": 4,
    "synthetic_eval_clips": 1,
    "model_overrides": json.dumps(TINY_MODEL),
    "dataloader_num_workers": 0,
    "disable_progress_bar": True,
}
TINY_BENCHMARK = {
    "seeds": [0],
    "protocols": ["linear-probe"],
    "num_epochs": 1,
    "batch_size": 4,
    "train_options": {"dataloader_num_workers": 0, "eval_every_epoch": False},
}
LOAD_OFFLINE = """
import json, synapt_hf
from transformers import AutoModelForVideoClassification
model, processor = synapt_hf.load_pretrained("synapt-hf/videomae-tiny-synth-cpu")
again = AutoModelForVideoClassification.from_pretrained("synapt-hf/videomae-tiny-synth-cpu")
print(json.dumps({"type": model.config.model_type, "frames": model.config.num_frames,
                  "processor": type(processor).__name__, "same": again.config.to_dict() == model.config.to_dict()}))
"""


@pytest.fixture
def raw_weizmann(make_video) -> Path:
    """A tiny raw tree in Weizmann's layout, ``<class>/<actor>_<class>.avi``: 2 classes x 3 actors."""
    for action in ("clap", "wave"):
        for actor in ("ann", "bob", "cid"):
            path = make_video(
                f"raw/{action}/{actor}_{action}.avi", num_frames=10, width=40, height=32, codec="mpeg4"
            )
    return path.parents[1]


@pytest.fixture
def hf_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "hf-home"
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    return home


def test_tiny_build_end_to_end_resumes_and_loads_offline(tmp_path, raw_weizmann, hf_home, capsys):
    assert CPU_ENTRY not in [entry.repo_id for entry in synapt_hf.list_pretrained()]  # planned: not loadable
    override = tmp_path / "tiny.yaml"
    override.write_text(yaml.safe_dump({"pretrain": TINY_PRETRAIN, "benchmark": TINY_BENCHMARK}))
    work = tmp_path / "work"
    argv = ["catalog", "build", "videomae-tiny-synth-cpu", "--local", "--work", str(work)]
    argv += ["--weizmann", str(raw_weizmann), "--override", str(override)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    for number, stage in enumerate(("data", "pretrain", "transfer", "card", "install"), start=1):
        assert f"[{number}/5] {stage}: running" in out and f"[{number}/5] {stage}: done in" in out
        assert (work / "stages" / f"{stage}.json").is_file()

    folds = json.loads((work / "data" / "weizmann" / "folds.json").read_text())
    assert folds["folds"] == ["ann", "bob", "cid"]
    rows = [json.loads(line) for line in (work / "transfer" / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 6 and {row["status"] for row in rows} == {"ok"}  # 3 folds x (model, scratch)
    assert {row["checkpoint_name"] for row in rows} == {"videomae-tiny-synth-cpu", "scratch"}
    card = (work / "card" / "README.md").read_text()
    assert "Weizmann" in card and CPU_ENTRY in card
    assert (work / "card" / "results.jsonl").read_bytes() == (
        work / "transfer" / "results.jsonl"
    ).read_bytes()
    report = json.loads((work / "build.json").read_text())
    assert set(report["stages"]) == {"data", "pretrain", "transfer", "card", "install"}
    assert "CPU cores" in report["stages"]["pretrain"]["machine"]

    entry = load_catalog().entry(CPU_ENTRY)  # installed in the HF cache: local and loadable
    assert entry.status == "local" and entry.loadable and entry.cached is not None
    assert CPU_ENTRY in [e.repo_id for e in synapt_hf.list_pretrained()]

    assert main(argv) == 0  # everything finished: every stage is skipped
    again = capsys.readouterr().out
    assert again.count("finished earlier") == 5 and "running" not in again

    env = {key: value for key, value in os.environ.items() if not key.startswith(("HF_", "HUGGINGFACE"))}
    env.update(HF_HOME=str(hf_home), HF_HUB_OFFLINE="1", HF_ENDPOINT="http://127.0.0.1:9")
    env["PYTHONPATH"] = str(Path(synapt_hf.__file__).parents[1])
    done = subprocess.run(
        [sys.executable, "-c", LOAD_OFFLINE], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == {"type": "videomae", "frames": 4, "processor": loaded["processor"], "same": True}
    assert "Processor" in loaded["processor"]


def test_interrupted_build_resumes_from_the_unfinished_stage(tmp_path, raw_weizmann, hf_home, capsys):
    entry = load_catalog().entry(CPU_ENTRY)
    options = BuildOptions(
        work=tmp_path / "work",
        data={"weizmann": raw_weizmann},
        pretrain_overrides=TINY_PRETRAIN,
        benchmark_overrides={**TINY_BENCHMARK, "baselines": []},
    )
    lines: list[str] = []
    result = build_entry(entry, options, log=lines.append)
    assert result.stages == {"data": "ran", "pretrain": "ran", "transfer": "ran", "card": "ran"}
    assert result.entry.results and result.entry.results[0].num_seeds == 3  # 3 folds x 1 seed, one row
    (options.work / "stages" / "card.json").unlink()  # as if interrupted during the card stage
    (options.work / "card" / "README.md").unlink()
    result = build_entry(entry, options, log=lines.append)
    assert result.stages == {"data": "skipped", "pretrain": "skipped", "transfer": "skipped", "card": "ran"}
    assert result.card.is_file()
    with pytest.raises(SynaptError, match="holds a build of another recipe"):
        build_entry(
            entry, BuildOptions(**{**options.__dict__, "pretrain_overrides": {**TINY_PRETRAIN, "seed": 3}})
        )


def test_build_refuses_missing_raw_data_and_planned_load(tmp_path, hf_home):
    entry = load_catalog().entry(CPU_ENTRY)
    with pytest.raises(SynaptError, match="pass --data weizmann=PATH"):
        build_entry(entry, BuildOptions(work=tmp_path / "work"))
    with pytest.raises(SynaptError, match="not a directory"):
        build_entry(entry, BuildOptions(work=tmp_path / "work", data={"weizmann": tmp_path / "missing"}))
    with pytest.raises(
        SynaptError, match=r"planned \(not trained yet\): build it with `synapt catalog build"
    ):
        entry.load()


def test_gpu_recipe_runs_at_a_tiny_scale_on_cpu(tmp_path):
    """The videomae-small generator entry's own recipe (MAE then supervised), shrunk, trains on the CPU."""
    from synapt_hf.training import train

    entry = load_catalog().entry("synapt-hf/videomae-small-synth")
    assert (entry.size, entry.num_frames, entry.resolution, entry.mode) == (
        "small",
        16,
        112,
        "mae-then-supervised",
    )
    overrides = {
        **TINY_PRETRAIN,
        "max_steps": 1,
        "mae_max_steps": 1,
        "mixed_precision": "no",
        "repeated_sampling": 1,
    }
    options = BuildOptions(work=tmp_path, pretrain_overrides=overrides)
    config = pretrain_config(entry, options, tmp_path / "model")
    assert config["mode"] == "mae+supervised" and config["model"] == "videomae-small"
    results = train(config)
    model = json.loads((tmp_path / "model" / "config.json").read_text())
    assert (model["hidden_size"], model["num_frames"]) == (32, 4) and results["global_step"] == 1
    assert (tmp_path / "model" / "stage1-mae" / "config.json").is_file()


def test_list_pretrained_shows_loadable_entries_unless_planned_are_asked_for(catalog_file):
    data = yaml.safe_load(catalog_file.read_text())
    planned = dict(data["models"][0], repo_id="synapt-test/not-yet", status="planned")
    planned.pop("model_dir")
    data["models"].append(planned)
    catalog_file.write_text(yaml.safe_dump(data))
    every = [entry.repo_id for entry in synapt_hf.list_pretrained(catalog=catalog_file, include_planned=True)]
    loadable = [entry.repo_id for entry in synapt_hf.list_pretrained(catalog=catalog_file)]
    assert "synapt-test/not-yet" in every and "synapt-test/not-yet" not in loadable
    assert loadable == [repo for repo in every if repo != "synapt-test/not-yet"]
    model, processor = synapt_hf.load_pretrained(loadable[0], catalog=catalog_file)  # from its model folder
    assert model.config.num_labels == 10 and processor.crop_size == {"height": 32, "width": 32}


def test_shipped_catalog_is_self_contained_and_its_recipes_are_valid():
    from synapt_hf.hub.recipe import read_yaml_mapping
    from synapt_hf.training.config import TrainConfig

    raw = yaml.safe_load(DEFAULT_CATALOG.read_text())
    text = DEFAULT_CATALOG.read_text()
    assert "../" not in text and "runs/" not in text
    catalog = load_catalog(DEFAULT_CATALOG)
    for entry in catalog.models:
        assert entry.recipe is not None and entry.recipe.benchmark is not None and entry.recipe.hardware
        assert entry.recipe.time, entry.repo_id  # measured, or an estimate with its source
        for path in entry.recipe.files():
            assert DEFAULT_CATALOG.parent in path.parents
        TrainConfig.from_dict(read_yaml_mapping(entry.recipe.pretrain)).validate()
        benchmark = entry.recipe.load_benchmark()
        assert (benchmark.num_epochs, benchmark.batch_size, benchmark.seeds) == (30, 8, (0, 1))
    assert all(entry.status == "planned" and not entry.results for entry in catalog.models)
    assert "recipe" in raw["models"][0] and raw["models"][0]["recipe"]["pretrain"].endswith("-cpu.yaml")


def test_installed_package_without_a_catalog_asks_for_one(monkeypatch, tmp_path):
    import synapt_hf.hub.catalog as catalog_module

    monkeypatch.delenv("SYNAPT_CATALOG", raising=False)
    monkeypatch.setattr(catalog_module, "DEFAULT_CATALOG", tmp_path / "absent.yaml")
    with pytest.raises(SynaptError, match="pass --catalog FILE"):
        load_catalog()


def test_recipe_decides_the_entry_fields(tmp_path):
    recipes = tmp_path / "recipes"
    recipes.mkdir()
    (recipes / "r.yaml").write_text("model: videomae-tiny\nmode: mae\nmax_steps: 7\n")
    entry = {"repo_id": "org/x", "recipe": {"pretrain": "recipes/r.yaml"}, "pretrain": "generator"}
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump({"models": [entry]}))
    loaded = load_catalog(path).entry("org/x")
    assert (loaded.architecture, loaded.size, loaded.num_frames, loaded.resolution) == (
        "videomae",
        "tiny",
        8,
        64,
    )
    assert (loaded.mode, loaded.steps) == ("mae", 7)
    path.write_text(yaml.safe_dump({"models": [{**entry, "mode": "supervised"}]}))
    with pytest.raises(SynaptError, match=r"models\[0\] \(org/x\): mode is 'supervised' but its recipe"):
        load_catalog(path)
    path.write_text(yaml.safe_dump({"models": [{**entry, "recipe": {"pretrain": "../r.yaml"}}]}))
    with pytest.raises(SynaptError, match="must be a path inside the catalog's folder"):
        load_catalog(path)
