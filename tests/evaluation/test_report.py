"""The report is rebuilt from results.jsonl alone; its table and CSV match the rows; resume bookkeeping."""

from __future__ import annotations

import csv
import json

import pytest

from synapt_hf.errors import SynaptError
from synapt_hf.evaluation.bias_formula import BiasRecord, representation_bias, write_bias_record
from synapt_hf.evaluation.report import build_report
from synapt_hf.evaluation.results import ResultRow, ResultStore


def fill(store: ResultStore) -> None:
    values = {
        ("d1", "scratch", "finetune"): [0.40, 0.50],
        ("d1", "pre", "finetune"): [0.70, 0.80],
        ("d1", "scratch", "linear-probe"): [0.20, 0.20],
        ("d1", "pre", "linear-probe"): [0.60, 0.60],
        ("d2", "scratch", "finetune"): [0.90, 0.90],
        ("d2", "pre", "finetune"): [0.30, 0.50],
    }
    for (dataset, checkpoint, protocol), top1s in values.items():
        for seed, top1 in enumerate(top1s):
            store.append(
                ResultRow(checkpoint, checkpoint, dataset, protocol, seed, "ok", top1, 1.0, top1, 4, 8, 8)
            )
    store.append(ResultRow("bad", "bad", "d2", "finetune", 0, "failed", error="frames 16 != 8 <x>"))


def test_report_files_and_table_match_rows(tmp_path):
    store = ResultStore(tmp_path)
    fill(store)
    write_bias_record(BiasRecord("d1", "d1", 4, "static-video", 0.5), tmp_path / "bias" / "d1.json")
    write_bias_record(BiasRecord("d2", "d2", 4, "static-video", 1.0), tmp_path / "bias" / "d2.json")
    written = build_report(tmp_path)
    for key in ("csv", "markdown", "html", "plot:d1", "plot:d2", "synapt_plot"):
        assert written[key].is_file() and written[key].stat().st_size > 0, key
    lines = (tmp_path / "results.md").read_text().splitlines()
    assert lines[0] == (
        "| dataset | scratch · finetune | scratch · linear-probe | pre · finetune | pre · linear-probe | bad · finetune |"
    )
    assert lines[2] == "| d1 | 45.0 ± 7.1 | 20.0 ± 0.0 | **75.0 ± 7.1 (+30.0)** | 60.0 ± 0.0 (+40.0) | – |"
    assert lines[3] == "| d2 | **90.0 ± 0.0** | – | 40.0 ± 14.1 (−50.0) | – | failed |"
    with (tmp_path / "results.csv").open() as handle:
        csv_rows = list(csv.DictReader(handle))
    jsonl_rows = [json.loads(line) for line in store.path.read_text().splitlines()]
    assert len(csv_rows) == len(jsonl_rows) == 13
    for got, want in zip(csv_rows, jsonl_rows, strict=True):
        assert (got["checkpoint"], got["dataset"], got["protocol"], int(got["seed"]), got["status"]) == (
            want["checkpoint"],
            want["dataset"],
            want["protocol"],
            want["seed"],
            want["status"],
        )
        assert (float(got["top1"]) if got["top1"] else None) == want["top1"]
    html = (tmp_path / "index.html").read_text()
    assert (
        "frames 16 != 8 &lt;x&gt;" in html and "plots/synapt_gain_vs_bias.png" in html and "<b>75.0" in html
    )


def test_latest_row_wins_and_torn_line_is_skipped(tmp_path):
    store = ResultStore(tmp_path)
    store.append(ResultRow("c", "c", "d", "finetune", 0, "failed", error="boom"))
    with store.path.open("a") as handle:
        handle.write('{"checkpoint": "c", "dataset"')  # an interrupted write
    store.append(ResultRow("c", "c", "d", "finetune", 0, "ok", 0.5, 1.0, 0.5))
    store.append(ResultRow("c", "c", "d", "linear-probe", 0, "failed", error="boom"))
    latest = store.latest()
    assert [(row.protocol, row.status) for row in latest] == [("finetune", "ok"), ("linear-probe", "failed")]
    assert store.finished() == {("c", "d", "finetune", 0), ("c", "d", "linear-probe", 0)}
    assert store.finished(retry_failed=True) == {("c", "d", "finetune", 0)}


def test_report_without_results_is_a_clear_error(tmp_path):
    with pytest.raises(SynaptError, match="no results file"):
        build_report(tmp_path)


def test_bias_formula():
    assert representation_bias(0.1, 10) == pytest.approx(0.0)
    assert representation_bias(1.0, 10) == pytest.approx(1.0)
    assert representation_bias(0.5, 4) == pytest.approx(0.5)
    record = BiasRecord("d", "d", 10, "static-video", 0.05)
    assert record.bias == 0.0 and record.bias_unclipped < 0
    with pytest.raises(SynaptError):
        representation_bias(0.5, 1)
