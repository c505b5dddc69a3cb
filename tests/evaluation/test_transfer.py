"""The transfer benchmark end to end on CPU: 2 checkpoints x 2 tiny datasets x 2 protocols, resume, report."""

from __future__ import annotations

import json

import pytest

from synapt_hf.cli import main
from synapt_hf.errors import SynaptError
from synapt_hf.evaluation.report import build_report
from synapt_hf.evaluation.results import ResultStore
from synapt_hf.evaluation.transfer import TransferConfig, run_transfer

BUDGET = {"max_steps": 2, "per_device_train_batch_size": 2, "sampling_rate": 1, "warmup_ratio": 0.0}


def table_cells(markdown: str) -> dict[tuple[str, str], str]:
    lines = [line for line in markdown.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    cells = {}
    for line in lines[2:]:
        values = [cell.strip() for cell in line.strip("|").split("|")]
        for column, value in zip(header[1:], values[1:], strict=True):
            cells[(values[0], column)] = value
    return cells


def test_benchmark_end_to_end_resume_and_report(transfer_inputs, tmp_path):
    out = tmp_path / "bench"
    ckpt, set_a, set_b = (str(transfer_inputs[k]) for k in ("ckpt", "set_a", "set_b"))
    args = ["transfer", "--checkpoints", ckpt, "scratch", "--datasets", set_a, set_b, "--out", str(out)]
    args += ["--protocol", "finetune", "linear-probe", "--max-steps", "2", "--batch-size", "2"]
    args += ["--set", "sampling_rate=1", "--set", "warmup_ratio=0"]
    assert main(args) == 0
    store = ResultStore(out)
    rows = store.rows()
    assert len(rows) == 8 and all(row.status == "ok" for row in rows), [row.error for row in rows]
    assert {(r.checkpoint_name, r.dataset, r.protocol) for r in rows} == {
        (c, d, p) for c in ("ckpt", "scratch") for d in (set_a, set_b) for p in ("finetune", "linear-probe")
    }
    for row in rows:
        assert 0.0 <= row.top1 <= row.top5 <= 1.0 and row.num_train == 6 and row.num_val == 6
        assert row.config["max_steps"] == 2 and row.config["seed"] == 0
    scratch_row = next(r for r in rows if r.checkpoint == "scratch")
    assert scratch_row.config["scratch_of"] == ckpt and "scratch_models" in scratch_row.config["model"]

    # the report files exist and the table matches results.jsonl
    for name in ("results.csv", "results.md", "index.html", "plots/top1_set_a.png", "plots/top1_set_b.png"):
        assert (out / name).is_file(), name
    cells = table_cells((out / "results.md").read_text())
    for row in rows:
        text = cells[(row.dataset.rsplit("/", 1)[-1], f"{row.checkpoint_name} · {row.protocol}")]
        assert text.strip("*").startswith(f"{100 * row.top1:.1f}")

    # re-running skips every finished row
    before = store.path.read_text()
    assert main(args) == 0
    assert store.path.read_text() == before

    # an interrupted benchmark (last 3 rows lost, a torn line) resumes with exactly those
    lines = before.splitlines(keepends=True)
    store.path.write_text("".join(lines[:5]) + lines[5][:40])
    redone = run_transfer(
        TransferConfig([ckpt, "scratch"], [set_a, set_b], str(out), train_options=BUDGET, build_report=False)
    )
    assert [r.key for r in redone] == [store.rows()[i].key for i in range(5, 8)]
    assert len(store.latest()) == 8

    # the report is rebuilt from results.jsonl alone
    (out / "results.md").unlink()
    assert main(["transfer", "--report", str(out)]) == 0
    assert table_cells((out / "results.md").read_text()).keys() == cells.keys()


def test_incompatible_pair_is_recorded_and_benchmark_goes_on(transfer_inputs, tmp_path):
    long, ckpt, set_a = (str(transfer_inputs[k]) for k in ("long", "ckpt", "set_a"))
    rows = run_transfer(
        TransferConfig([long, ckpt], [set_a], str(tmp_path), ["linear-probe"], train_options=BUDGET)
    )
    assert [row.status for row in rows] == ["failed", "ok"]
    error = rows[0].error
    assert long in error and set_a in error and "8-frame" in error and "6 frames" in error
    saved = json.loads(ResultStore(tmp_path).path.read_text().splitlines()[0])
    assert saved["status"] == "failed" and saved["error"] == error and saved["top1"] is None
    build_report(tmp_path)
    assert "| failed |" in (tmp_path / "results.md").read_text()
    assert error in (tmp_path / "index.html").read_text()


def test_bad_configuration_fails_before_any_work(transfer_inputs, tmp_path):
    with pytest.raises(SynaptError, match="scratch:videomae-tiny"):
        run_transfer(TransferConfig(["scratch"], [str(transfer_inputs["set_a"])], str(tmp_path)))
    with pytest.raises(SynaptError, match="unknown training option"):
        run_transfer(
            TransferConfig(["scratch:videomae-tiny"], ["x/y"], str(tmp_path), train_options={"lr": 1})
        )
    with pytest.raises(SynaptError, match="does not exist"):
        run_transfer(TransferConfig(["scratch:videomae-tiny"], ["/no/such/data"], str(tmp_path)))
    assert not (tmp_path / "results.jsonl").exists()


def test_a_fold_collection_is_run_fold_by_fold_and_pooled_in_the_report(tmp_path, tiny_model_config):
    from .conftest import coloured_dataset, tiny_videomae

    collection = tmp_path / "toy-loao"
    for seed, fold in enumerate(("ann", "bob"), start=1):
        coloured_dataset(collection / fold, seed=seed)
    (collection / "folds.json").write_text(json.dumps({"benchmark": "toy-loao", "folds": ["ann", "bob"]}))
    ckpt = str(tiny_videomae(tmp_path / "ckpt", tiny_model_config("videomae")))
    out = tmp_path / "bench"
    config = TransferConfig(
        [ckpt, "scratch"], [str(collection)], str(out), ["finetune"], [0, 1], train_options=BUDGET
    )
    rows = run_transfer(config)
    assert len(rows) == 8 and all(row.status == "ok" for row in rows), [row.error for row in rows]
    assert {(row.benchmark, row.fold, row.dataset) for row in rows} == {
        ("toy-loao", fold, str(collection / fold)) for fold in ("ann", "bob")
    }
    assert {p.name for p in (out / "runs").iterdir()} >= {"ckpt__toy-loao-ann__finetune__seed0"}
    report = (out / "results.md").read_text()
    pooled, per_fold = report.split("## Per fold")
    cells = table_cells(pooled)
    for name in ("ckpt", "scratch"):
        top1 = [100 * row.top1 for row in rows if row.checkpoint_name == name]
        mean = sum(top1) / 4
        std = (sum((v - mean) ** 2 for v in top1) / 3) ** 0.5
        text = cells[("toy-loao", f"{name} · finetune")].strip("*")
        assert text.startswith(f"{mean:.1f} ± {std:.1f}") and text.endswith("n=4"), text
    assert {key[0] for key in table_cells(per_fold)} == {"ann", "bob"}


def test_progress_bars_on_a_terminal_and_none_with_quiet(transfer_inputs, tmp_path, tty_stderr):
    """One bar over all runs plus each run's step bar; ``--quiet`` prints neither."""
    ckpt, set_a = str(transfer_inputs["ckpt"]), str(transfer_inputs["set_a"])
    args = ["transfer", "--checkpoints", ckpt, "--datasets", set_a, "--protocol", "finetune"]
    args += ["--max-steps", "1", "--batch-size", "2", "--set", "sampling_rate=1"]
    quiet = tty_stderr()
    assert main([*args, "--out", str(tmp_path / "quiet"), "--quiet"]) == 0
    assert "%|" not in quiet.getvalue() and "it/s" not in quiet.getvalue()
    shown = tty_stderr()
    assert main([*args, "--out", str(tmp_path / "bars")]) == 0
    assert "transfer: 100%" in shown.getvalue() and "1/1" in shown.getvalue()  # the bar over all runs
    assert "steps: 100%" in shown.getvalue()  # the run's own step bar
