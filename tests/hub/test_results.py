"""results.jsonl reading: validation errors name file and line; summaries average the ok seeds."""

from __future__ import annotations

import json
import re

import pytest

from synapt_hf.errors import SynaptError
from synapt_hf.hub.results import read_results, rows_for_checkpoint, summarize


def test_summary_averages_ok_seeds_and_skips_failed(results_file):
    rows = rows_for_checkpoint(read_results(results_file), {"videomae-tiny-synapt"})
    summary = {(r.dataset, r.protocol): r for r in summarize(rows)}
    assert set(summary) == {("ucf101", "finetune"), ("diving48", "linear-probe")}
    ucf = summary["ucf101", "finetune"]
    assert ucf.top1 == pytest.approx(0.75) and ucf.top5 == pytest.approx(0.94)
    assert ucf.mean_class_accuracy == pytest.approx(0.74) and ucf.num_seeds == 2
    diving = summary["diving48", "linear-probe"]
    assert diving.top1 == pytest.approx(0.2345) and diving.top5 is None and diving.num_seeds == 1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "malformed JSON"),
        (json.dumps({"checkpoint": "a", "dataset": "ucf101"}), "missing field(s) checkpoint_name"),
        ("[1, 2]", "expected a JSON object"),
        (
            json.dumps(
                {"checkpoint": "a", "checkpoint_name": "a", "dataset": "ucf101", "protocol": "finetune"}
                | {"seed": 0, "status": "done"}
            ),
            "status 'done'",
        ),
        (
            json.dumps(
                {"checkpoint": "a", "checkpoint_name": "a", "dataset": "ucf101", "protocol": "finetune"}
                | {"seed": "first", "status": "failed"}
            ),
            "'first'",
        ),
    ],
)
def test_malformed_results_name_file_and_line(tmp_path, make_row, line, message):
    path = tmp_path / "results.jsonl"
    path.write_text(json.dumps(make_row("ucf101", "finetune", 0, 0.5)) + "\n" + line + "\n")
    with pytest.raises(SynaptError, match=rf"results.jsonl:2: .*{re.escape(message)}"):
        read_results(path)


def test_out_of_range_metric_and_bad_protocol_are_rejected(tmp_path, make_row, rows_writer):
    bad = make_row("ucf101", "finetune", 0, 75.0)  # a percentage where a fraction is required
    with pytest.raises(SynaptError, match=r"results\.jsonl:1: field 'top1' must be a fraction"):
        read_results(rows_writer(tmp_path / "results.jsonl", [bad]))
    bad = make_row("ucf101", "zero-shot", 0, 0.5)
    with pytest.raises(SynaptError, match="field 'protocol' must be one of"):
        read_results(rows_writer(tmp_path / "results.jsonl", [bad]))


def test_missing_results_file(tmp_path):
    with pytest.raises(SynaptError, match="results file not found"):
        read_results(tmp_path / "nope.jsonl")
