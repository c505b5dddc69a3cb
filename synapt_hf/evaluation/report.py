"""The transfer report, rebuilt from `results.jsonl` alone (plus any `bias.json` records).

Writes into the benchmark folder: `results.csv` (one line per latest row), `results.md` (rows datasets,
columns checkpoint x protocol, mean top-1 over seeds, best per row in bold, gain over scratch),
`plots/top1_<dataset>.png` (bars per checkpoint), `plots/synapt_gain_vs_bias.png` (gain over the
reference checkpoint against scene-object bias, one point per dataset) and `index.html`.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synapt_hf.errors import SynaptError
from synapt_hf.evaluation.bias_formula import BIAS_FILE, read_bias_file
from synapt_hf.evaluation.results import ROW_FIELDS, ResultRow, ResultStore, dataset_display_name, pool_folds
from synapt_hf.io import safe_file_name, write_atomic, write_text_atomic

REFERENCE_DEFAULT = "scratch"
METRIC_FIELDS = ("top1", "top5", "mean_class_accuracy")


@dataclass
class Cell:
    """All seeds of one (dataset, checkpoint, protocol)."""

    ok: list[ResultRow] = field(default_factory=list)
    failed: list[ResultRow] = field(default_factory=list)

    def mean(self, metric: str = "top1") -> float | None:
        values = [getattr(row, metric) for row in self.ok if getattr(row, metric) is not None]
        return sum(values) / len(values) if values else None

    def std(self, metric: str = "top1") -> float | None:
        values = [getattr(row, metric) for row in self.ok if getattr(row, metric) is not None]
        if len(values) < 2:
            return None
        mean = sum(values) / len(values)
        return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


@dataclass
class Summary:
    """The latest rows arranged as datasets x (checkpoint, protocol)."""

    datasets: list[str]
    columns: list[tuple[str, str]]  # (checkpoint_name, protocol)
    cells: dict[tuple[str, str, str], Cell]  # (dataset, checkpoint_name, protocol)
    dataset_labels: dict[str, str]
    rows: list[ResultRow]

    def cell(self, dataset: str, checkpoint: str, protocol: str) -> Cell | None:
        return self.cells.get((dataset, checkpoint, protocol))


def summarize(rows: list[ResultRow]) -> Summary:
    datasets: list[str] = []
    columns: list[tuple[str, str]] = []
    cells: dict[tuple[str, str, str], Cell] = defaultdict(Cell)
    for row in rows:
        if row.dataset not in datasets:
            datasets.append(row.dataset)
        column = (row.checkpoint_name, row.protocol)
        if column not in columns:
            columns.append(column)
        cell = cells[(row.dataset, row.checkpoint_name, row.protocol)]
        (cell.ok if row.status == "ok" else cell.failed).append(row)
    # scratch first, then in order of appearance; protocols in a fixed order
    protocol_rank = {"finetune": 0, "linear-probe": 1}
    seen = list(dict.fromkeys(name for name, _ in columns))
    checkpoints = sorted(seen, key=lambda name: (not name.startswith(REFERENCE_DEFAULT), seen.index(name)))
    columns.sort(key=lambda col: (checkpoints.index(col[0]), protocol_rank.get(col[1], 9), col[1]))
    labels = unique_labels(datasets)
    return Summary(datasets, columns, dict(cells), labels, rows)


def unique_labels(datasets: list[str]) -> dict[str, str]:
    """Short display names (folder names), made unique by appending the parent folder when they clash."""
    labels = {dataset: dataset_display_name(dataset) for dataset in datasets}
    counts = defaultdict(int)
    for label in labels.values():
        counts[label] += 1
    for dataset, label in labels.items():
        if counts[label] > 1:
            parent = Path(dataset).resolve().parent.name
            labels[dataset] = f"{parent}/{label}"
    return labels


def percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}"


def gain_over_reference(
    summary: Summary, dataset: str, checkpoint: str, protocol: str, reference: str
) -> float | None:
    """Top-1 of (checkpoint, protocol) minus that of the reference checkpoint, same dataset and protocol."""
    cell, ref = summary.cell(dataset, checkpoint, protocol), summary.cell(dataset, reference, protocol)
    if cell is None or ref is None or checkpoint == reference:
        return None
    mine, theirs = cell.mean(), ref.mean()
    return None if mine is None or theirs is None else mine - theirs


def table_cells(summary: Summary, reference: str) -> list[list[dict[str, Any]]]:
    """Per dataset, per column: text, bold flag, status; shared by Markdown and HTML."""
    table = []
    for dataset in summary.datasets:
        means = [
            (summary.cell(dataset, *col).mean() if summary.cell(dataset, *col) else None)
            for col in summary.columns
        ]
        present = [m for m in means if m is not None]
        best = max(present) if present else None
        row = []
        for col, mean in zip(summary.columns, means, strict=True):
            cell = summary.cell(dataset, *col)
            if cell is None:
                row.append({"text": "–", "bold": False, "status": "missing"})
                continue
            if mean is None:
                error = cell.failed[-1].error or "failed"
                row.append({"text": "failed", "bold": False, "status": "failed", "error": error})
                continue
            text = percent(mean)
            std = cell.std()
            if std is not None:
                text += f" ± {percent(std)}"
            gain = gain_over_reference(summary, dataset, col[0], col[1], reference)
            if gain is not None:
                text += f" ({'+' if gain >= 0 else '−'}{percent(abs(gain))})"
            if cell.failed:
                text += f" [{len(cell.failed)} failed]"
            row.append({"text": text, "bold": best is not None and mean == best, "status": "ok"})
        table.append(row)
    return table


def markdown_table(summary: Summary, reference: str = REFERENCE_DEFAULT, over: str | None = None) -> str:
    """Datasets x (checkpoint, protocol), each cell the mean ± std over seeds; with `over` (e.g. "folds x
    seeds"), over the runs it names, and each cell also gives its number of runs."""
    header = ["dataset"] + [f"{name} · {protocol}" for name, protocol in summary.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for dataset, row in zip(summary.datasets, table_cells(summary, reference), strict=True):
        texts = [f"**{cell['text']}**" if cell["bold"] else cell["text"] for cell in row]
        counts = [summary.cell(dataset, *col) for col in summary.columns]
        texts = [
            f"{text} n={len(cell.ok)}" if over and cell is not None and cell.ok else text
            for text, cell in zip(texts, counts, strict=True)
        ]
        texts = [text.replace("|", "\\|") for text in texts]
        lines.append("| " + " | ".join([summary.dataset_labels[dataset], *texts]) + " |")
    notes = [
        "",
        f"Top-1 accuracy (%) on the validation split, mean ± std over {over + ' (n = runs)' if over else 'seeds'}; "
        f"(±x) = gain over `{reference}` with the same protocol; best per row in bold; `failed` = every "
        f"{'run' if over else 'seed'} failed (see results.csv).",
    ]
    return "\n".join(lines + notes) + "\n"


def fold_summary(rows: list[ResultRow]) -> Summary | None:
    """The rows of fold datasets pooled per benchmark (every fold and seed in one cell), or None if none."""
    pooled = [row for row in pool_folds(rows) if row.benchmark]
    return summarize(pooled) if pooled else None


def markdown_report(rows: list[ResultRow], reference: str = REFERENCE_DEFAULT) -> str:
    """`results.md`: the benchmarks pooled over their folds (if any), then every dataset or fold."""
    summary = summarize(rows)
    pooled = fold_summary(rows)
    if pooled is None:
        return markdown_table(summary, reference)
    return (
        "## Over folds\n\n"
        + markdown_table(pooled, reference, over="folds x seeds")
        + "\n## Per fold\n\n"
        + markdown_table(summary, reference)
    )


def csv_text(rows: list[ResultRow]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(ROW_FIELDS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        data = {name: getattr(row, name) for name in ROW_FIELDS}
        data["config"] = json.dumps(row.config, sort_keys=True, default=str)
        writer.writerow(data)
    return buffer.getvalue()


def find_bias_records(
    bench_dir: Path, datasets: list[str], extra_dirs: list[Path] | None = None
) -> dict[str, dict]:
    """Bias records by dataset: `<bench>/bias/*.json`, extra folders, then `<dataset>/bias.json`."""
    candidates: list[Path] = []
    for folder in [bench_dir / "bias", *(extra_dirs or [])]:
        if folder.is_dir():
            candidates += sorted(folder.glob("*.json"))
    candidates += [Path(d) / BIAS_FILE for d in datasets if (Path(d) / BIAS_FILE).is_file()]
    found: dict[str, dict] = {}
    for path in candidates:
        record = read_bias_file(path)
        for dataset in datasets:
            same = record["dataset"] == dataset or (
                Path(record["dataset"]).exists()
                and Path(dataset).exists()
                and Path(record["dataset"]).resolve() == Path(dataset).resolve()
            )
            if same or record.get("dataset_name") == dataset_display_name(dataset):
                found.setdefault(dataset, record)
    return found


def plot_dataset_bars(summary: Summary, dataset: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    checkpoints = list(dict.fromkeys(name for name, _ in summary.columns))
    protocols = list(dict.fromkeys(protocol for _, protocol in summary.columns))
    width = 0.8 / max(1, len(protocols))
    fig, ax = plt.subplots(figsize=(max(4.0, 1.2 * len(checkpoints) + 2), 3.2))
    for p_index, protocol in enumerate(protocols):
        xs, heights, errors, failed_xs = [], [], [], []
        for c_index, checkpoint in enumerate(checkpoints):
            cell = summary.cell(dataset, checkpoint, protocol)
            x = c_index + (p_index - (len(protocols) - 1) / 2) * width
            if cell is None:
                continue
            mean = cell.mean()
            if mean is None:
                failed_xs.append(x)
                continue
            xs.append(x)
            heights.append(100 * mean)
            errors.append(100 * (cell.std() or 0.0))
        ax.bar(xs, heights, width, yerr=errors, label=protocol, capsize=3)
        for x in failed_xs:
            ax.text(x, 1, "failed", rotation=90, ha="center", va="bottom", fontsize=8, color="red")
    ax.set_xticks(range(len(checkpoints)), checkpoints, rotation=20, ha="right")
    ax.set_ylabel("top-1 (%)")
    ax.set_ylim(0, 100)
    ax.set_title(summary.dataset_labels[dataset])
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)


def plot_gain_vs_bias(summary: Summary, biases: dict[str, dict], reference: str, path: Path) -> bool:
    """SynAPT picture: gain of each checkpoint over `reference` vs dataset bias. False if nothing to plot."""
    points = []
    for checkpoint, protocol in summary.columns:
        if checkpoint == reference:
            continue
        for dataset in summary.datasets:
            gain = gain_over_reference(summary, dataset, checkpoint, protocol, reference)
            if gain is not None and dataset in biases:
                points.append((checkpoint, protocol, dataset, biases[dataset]["bias"], 100 * gain))
    if not points:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4))
    markers = {"finetune": "o", "linear-probe": "s"}
    for series in dict.fromkeys((c, p) for c, p, *_ in points):
        chosen = [pt for pt in points if (pt[0], pt[1]) == series]
        ax.scatter(
            [pt[3] for pt in chosen],
            [pt[4] for pt in chosen],
            marker=markers.get(series[1], "^"),
            label=f"{series[0]} · {series[1]}",
        )
        for pt in chosen:
            ax.annotate(
                summary.dataset_labels[pt[2]],
                (pt[3], pt[4]),
                fontsize=7,
                xytext=(3, 3),
                textcoords="offset points",
            )
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_xlabel("scene-object bias B (0 = chance, 1 = solvable from appearance)")
    ax.set_ylabel(f"top-1 gain over {reference} (points)")
    ax.set_title("Pretraining gain vs scene-object bias")
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)
    return True


def save_figure(fig, path: Path) -> None:
    write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))


def render_html(summary: Summary, reference: str, plots: list[str], biases: dict[str, dict]) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("synapt_hf.evaluation", "templates"),
        autoescape=True,
    )
    template = env.get_template("report.html.j2")
    return template.render(
        summary=summary,
        table=table_cells(summary, reference),
        reference=reference,
        plots=plots,
        biases=biases,
        failed=[row for row in summary.rows if row.status == "failed"],
    )


def build_report(
    bench_dir: str | Path, reference: str = REFERENCE_DEFAULT, bias_dirs: list[Path] | None = None
) -> dict[str, Path]:
    """Rebuild every report file in `bench_dir` from its `results.jsonl`; returns the written paths."""
    bench_dir = Path(bench_dir)
    store = ResultStore(bench_dir)
    if not store.path.is_file():
        raise SynaptError(f"{store.path}: no results file to build a report from")
    rows = store.latest()
    if not rows:
        raise SynaptError(f"{store.path}: contains no readable rows")
    summary = summarize(rows)
    biases = find_bias_records(bench_dir, summary.datasets, bias_dirs)
    written = {
        "csv": bench_dir / "results.csv",
        "markdown": bench_dir / "results.md",
        "html": bench_dir / "index.html",
    }
    write_text_atomic(written["csv"], csv_text(rows))
    write_text_atomic(written["markdown"], markdown_report(rows, reference))
    plots = []
    for dataset in summary.datasets:
        path = bench_dir / "plots" / f"top1_{safe_file_name(summary.dataset_labels[dataset], 'dataset')}.png"
        plot_dataset_bars(summary, dataset, path)
        written[f"plot:{dataset}"] = path
        plots.append(path.relative_to(bench_dir).as_posix())
    synapt_plot = bench_dir / "plots" / "synapt_gain_vs_bias.png"
    if plot_gain_vs_bias(summary, biases, reference, synapt_plot):
        written["synapt_plot"] = synapt_plot
        plots.append(synapt_plot.relative_to(bench_dir).as_posix())
    write_text_atomic(written["html"], render_html(summary, reference, plots, biases))
    return written
