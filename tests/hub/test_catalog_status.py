"""Catalog entry status (planned | local | published): derivation, the status filter, publish-catalog skipping
planned entries, planned entries claiming numbers, and dataset display names for folder-valued rows."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import synapt_hf
from synapt_hf.cli import main
from synapt_hf.errors import SynaptError
from synapt_hf.hub.cards import render_model_card
from synapt_hf.hub.catalog import DEFAULT_CATALOG, load_catalog
from synapt_hf.hub.hub_listing import list_hub_entries
from synapt_hf.hub.publish import publish_catalog
from synapt_hf.hub.results import dataset_name
from synapt_hf.hub.retry import RetryPolicy
from synapt_hf.hub.table import catalog_table, entry_details

FAST = RetryPolicy(attempts=3, base_delay=0.01)
REPO_ROOT = Path(__file__).resolve().parents[2]


def _add_planned(catalog_file: Path, tmp_path: Path, **extra) -> Path:
    """Append a planned entry whose model folder does not exist."""
    data = yaml.safe_load(catalog_file.read_text())
    data["models"].append(
        {
            "repo_id": "synapt-test/videomae-base-planned",
            "model_dir": str(tmp_path / "never-trained"),
            "architecture": "videomae",
            "size": "base",
            "num_frames": 16,
            "resolution": 224,
            "pretrain": "synapt150",
            "mode": "supervised",
            "status": "planned",
            **extra,
        }
    )
    catalog_file.write_text(yaml.safe_dump(data))
    return catalog_file


def test_status_is_declared_or_derived_from_the_model_folder(catalog_file, tmp_path):
    data = yaml.safe_load(catalog_file.read_text())
    data["models"][1]["status"] = "planned"  # declared planned, but its folder exists: at least local
    data["models"][1]["results_names"] = ["nothing-matches"]
    catalog_file.write_text(yaml.safe_dump(data))
    _add_planned(catalog_file, tmp_path)
    data = yaml.safe_load(catalog_file.read_text())
    data["models"].append(dict(data["models"][2], repo_id="synapt-test/declared-local", status="local"))
    data["models"].append(dict(data["models"][2], repo_id="synapt-test/on-the-hub", status="published"))
    catalog_file.write_text(yaml.safe_dump(data))

    entries = {entry.name: entry for entry in load_catalog(catalog_file).models}
    assert (
        entries["videomae-tiny"].status == "local" and entries["videomae-tiny"].built
    )  # no field, folder here
    assert entries["timesformer-tiny"].status == "local"
    assert entries["videomae-base-planned"].status == "planned"
    assert entries["videomae-base-planned"].status_label == "planned — not trained yet"
    assert entries["declared-local"].status == "local" and not entries["declared-local"].built
    assert entries["declared-local"].status_label == "not built here (model_dir missing)"
    assert entries["on-the-hub"].status == "published"

    data["models"][0]["status"] = "trained"
    catalog_file.write_text(yaml.safe_dump(data))
    with pytest.raises(SynaptError, match=r"\(synapt-test/videomae-tiny\): status must be one of planned"):
        load_catalog(catalog_file)


def test_planned_entry_must_not_claim_numbers(catalog_file, tmp_path):
    _add_planned(catalog_file, tmp_path, results_names=["videomae-tiny-synapt"])  # rows with top-1 values
    with pytest.raises(
        SynaptError,
        match=r"\(synapt-test/videomae-base-planned\): status is 'planned' .* results rows claim numbers",
    ):
        load_catalog(catalog_file)


def test_status_filter_in_python_and_cli(catalog_file, tmp_path, capsys):
    _add_planned(catalog_file, tmp_path)
    planned = synapt_hf.list_pretrained(catalog=catalog_file, status="planned")
    assert [entry.repo_id for entry in planned] == ["synapt-test/videomae-base-planned"]
    local = synapt_hf.list_pretrained(catalog=catalog_file, status="local", arch="videomae")
    assert [entry.repo_id for entry in local] == ["synapt-test/videomae-tiny"]
    assert synapt_hf.list_pretrained(catalog=catalog_file, status="published") == []
    with pytest.raises(SynaptError, match="status filter must be one of planned, local, published"):
        synapt_hf.list_pretrained(catalog=catalog_file, status="trained")

    args = ["catalog", "list", "--source", "local", "--catalog", str(catalog_file)]
    assert main([*args, "--status", "planned"]) == 0
    out = capsys.readouterr().out
    assert "videomae-base-planned" in out and "planned — not trained yet" in out
    assert "synapt-test/videomae-tiny " not in out
    assert main(["catalog", "show", "videomae-base-planned", *args[2:]]) == 0
    out = capsys.readouterr().out
    assert "not trained yet: there is no checkpoint to load" in out and "from_pretrained" not in out


def test_publish_catalog_skips_planned_entries(fake_hub, catalog_file, tmp_path, capsys):
    _add_planned(catalog_file, tmp_path)
    catalog = load_catalog(catalog_file)
    with pytest.raises(SynaptError, match="status is 'planned'"):  # never a card for a planned entry
        render_model_card(catalog.entry("videomae-base-planned"))
    reports = publish_catalog(catalog, endpoint=fake_hub.url, retry=FAST)
    assert [r.repo_id for r in reports] == ["synapt-test/videomae-tiny", "synapt-test/timesformer-tiny"]
    (collection,) = fake_hub.collections.values()
    assert "synapt-test/videomae-base-planned" not in {item["id"] for item in collection["items"]}
    assert "synapt-test/videomae-base-planned" not in fake_hub.repos  # never created

    hub_entries = list_hub_entries(endpoint=fake_hub.url)  # the online listing marks them published
    assert {entry.status for entry in hub_entries} == {"published"}

    assert main(["publish-catalog", str(catalog_file), "--no-collection"]) == 0
    out = capsys.readouterr().out
    assert (
        "skipped synapt-test/videomae-base-planned: status planned (not trained yet), nothing to publish"
        in out
    )
    assert "synapt-test/videomae-tiny: up to date" in out


def test_local_install_of_catalog_skips_planned(catalog_file, tmp_path, capsys):
    _add_planned(catalog_file, tmp_path)
    cache = tmp_path / "hub-cache"
    assert main(["publish-catalog", str(catalog_file), "--local", "--cache-dir", str(cache)]) == 0
    out = capsys.readouterr().out
    assert "skipped synapt-test/videomae-base-planned" in out
    assert sorted(path.name for path in cache.iterdir()) == [
        "models--synapt-test--timesformer-tiny",
        "models--synapt-test--videomae-tiny",
    ]


def test_folder_valued_datasets_are_named_like_the_evaluation_report(catalog_file, rows_writer, make_row):
    assert dataset_name("outputs/weizmann/weizmann") == "Weizmann"
    assert dataset_name("ucf101") == "UCF101" and dataset_name("my_set") == "my_set"
    results = catalog_file.parent / "weizmann_results.jsonl"
    rows_writer(results, [make_row("outputs/weizmann/weizmann", "finetune", 0, 0.2)])
    data = yaml.safe_load(catalog_file.read_text())
    data["models"][0]["results"] = str(results)
    catalog_file.write_text(yaml.safe_dump(data))
    entry = load_catalog(catalog_file).models[0]
    assert "Weizmann" in catalog_table([entry]).splitlines()[0]
    assert "Weizmann  finetune" in entry_details(entry)
    card = render_model_card(entry)
    assert "| Weizmann | finetune | 20.00 |" in card and "outputs/weizmann/weizmann |" not in card


def test_shipped_catalog_is_honest_about_status():
    catalog = load_catalog(DEFAULT_CATALOG)
    planned = [entry for entry in catalog.models if entry.status == "planned"]
    assert planned and all(entry.results == () for entry in planned)
    cpu = catalog.entry("synapt-hf/videomae-tiny-synth-cpu")
    assert (cpu.architecture, cpu.size, cpu.num_frames, cpu.resolution) == ("videomae", "tiny", 8, 64)
    assert cpu.status in ("planned", "local") and cpu.recipe.hardware.startswith("2-core CPU")


ORDER = "Array.from(document.querySelectorAll('#catalog tbody tr')).filter(r => !r.hidden).map(r => r.dataset.repo_id)"


def test_page_shows_status_and_folder_datasets(catalog_file, tmp_path, rows_writer, make_row, browser):
    results = catalog_file.parent / "weizmann_results.jsonl"
    rows_writer(results, [make_row("outputs/weizmann/weizmann", "finetune", 0, 0.2)])
    _add_planned(catalog_file, tmp_path)
    data = yaml.safe_load(catalog_file.read_text())
    data["models"][0]["results"] = str(results)
    catalog_file.write_text(yaml.safe_dump(data))
    out = tmp_path / "site"
    assert main(["catalog", "html", "--out", str(out), "--catalog", str(catalog_file)]) == 0
    browser.navigate((out / "index.html").as_uri())
    assert browser.evaluate("document.body.dataset.ready") == "true"
    headers = browser.evaluate("Array.from(document.querySelectorAll('#catalog th')).map(h => h.textContent)")
    assert "Status" in headers and "Weizmann" in headers and not any("/" in h for h in headers)
    planned = "document.querySelector('tr[data-repo_id=\"synapt-test/videomae-base-planned\"]')"
    assert browser.evaluate(f"{planned}.className") == "status-planned"
    assert "planned — not trained yet" in browser.evaluate(f"{planned}.textContent")
    assert browser.evaluate(f"{planned}.querySelector('a')") is None  # no Hub link for a planned model
    grey = browser.evaluate(f"getComputedStyle({planned}.cells[0]).color")
    normal = browser.evaluate(
        "getComputedStyle(document.querySelector('tr[data-repo_id=\"synapt-test/videomae-tiny\"]').cells[0]).color"
    )
    assert grey != normal

    select = "document.getElementById('filter-status')"
    browser.evaluate(f"{select}.value = 'planned'; {select}.dispatchEvent(new Event('input'))")
    assert browser.evaluate(ORDER) == ["synapt-test/videomae-base-planned"]
    browser.evaluate(f"{select}.value = ''; {select}.dispatchEvent(new Event('input'))")
    browser.evaluate("document.querySelector('th[data-key=outputs_weizmann_weizmann]').click()")
    assert browser.evaluate(ORDER)[0] == "synapt-test/videomae-tiny"  # the only Weizmann result comes first
    assert browser.errors() == []
