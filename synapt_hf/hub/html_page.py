"""`synapt catalog html`: a static page with a sortable, filterable table, result bars, the scene-bias plot
from the transfer report and preview GIFs of the synthetic data."""

from __future__ import annotations

import json
import re
from pathlib import Path

from synapt_hf.errors import SynaptError
from synapt_hf.hub.catalog import CatalogEntry, transfer_datasets
from synapt_hf.hub.results import dataset_name
from synapt_hf.io import copy_atomic, write_text_atomic

TEMPLATE = Path(__file__).with_name("templates") / "catalog.html.j2"
MAX_PREVIEWS = 24


def find_bias_plot(report_dir: Path | None) -> Path | None:
    """The scene-bias plot in a transfer report folder (`*bias*.png`), else None."""
    if report_dir is None:
        return None
    if not report_dir.is_dir():
        raise SynaptError(f"{report_dir}: report folder not found")
    plots = sorted(report_dir.rglob("*bias*.png"))
    return plots[0] if plots else None


def collect_previews(paths: list[Path] | tuple[Path, ...]) -> list[Path]:
    """GIF files given directly or found in the given folders."""
    gifs: list[Path] = []
    for path in paths:
        if path.is_dir():
            gifs.extend(sorted(path.rglob("*.gif")))
        elif path.is_file():
            gifs.append(path)
        else:
            raise SynaptError(f"{path}: preview GIF or folder not found")
    return gifs[:MAX_PREVIEWS]


def shown_path(path: Path | None) -> str:
    """A path as the page shows it: relative to the current folder when under it, else as it is."""
    if path is None:
        return ""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def dataset_slug(dataset: str) -> str:
    """A dataset key usable in `data-*` attributes (and JS `dataset`) and the URL hash: `outputs/x/weizmann` ->
    `outputs_x_weizmann`; benchmark keys (`ucf101`, `ikea_furniture`) stay as they are."""
    return re.sub(r"[^a-z0-9_]+", "_", dataset.lower()).strip("_") or "dataset"


def _row(entry: CatalogEntry, datasets: list[str]) -> dict:
    cells = []
    for dataset in datasets:
        result = next((r for r in entry.results if r.dataset == dataset and r.protocol == "finetune"), None)
        result = result or next((r for r in entry.results if r.dataset == dataset), None)
        cells.append(
            {
                "dataset": dataset_slug(dataset),
                "value": None if result is None else round(result.top1 * 100, 2),
                "protocol": None if result is None else result.protocol,
            }
        )
    return {"entry": entry, "cells": cells}


def write_catalog_page(
    entries: list[CatalogEntry],
    out_dir: str | Path,
    *,
    report_dir: Path | None = None,
    previews: list[Path] | tuple[Path, ...] = (),
    title: str = "SynAPT model catalog",
) -> Path:
    """Write `out_dir/index.html` (+ `assets/`); index.html is written last, so a complete page means done."""
    import jinja2

    out_dir = Path(out_dir)
    bias_plot = find_bias_plot(report_dir)
    gifs = collect_previews(previews)
    out_dir.mkdir(parents=True, exist_ok=True)
    assets = out_dir / "assets"
    bias_name = None
    if bias_plot is not None:
        bias_name = f"assets/{bias_plot.name}"
        copy_atomic(bias_plot, out_dir / bias_name)
    preview_names = []
    for index, gif in enumerate(gifs):
        name = f"assets/previews/{index:02d}-{gif.name}"
        copy_atomic(gif, out_dir / name)
        preview_names.append({"src": name, "caption": gif.stem})
    datasets = transfer_datasets(entries)
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    html = environment.from_string(TEMPLATE.read_text(encoding="utf-8")).render(
        title=title,
        datasets=[{"key": dataset_slug(key), "name": dataset_name(key)} for key in datasets],
        rows=[_row(entry, datasets) for entry in entries],
        data_json=json.dumps([entry.to_dict() for entry in entries], sort_keys=True).replace("</", "<\\/"),
        bias_plot=bias_name,
        previews=preview_names,
        architectures=sorted({entry.architecture for entry in entries}),
        pretrain_keys=sorted({entry.pretrain.key for entry in entries}),
        modes=sorted({entry.mode for entry in entries}),
        statuses=sorted({entry.status for entry in entries}),
        shown_path=shown_path,
    )
    assets.mkdir(exist_ok=True)
    return write_text_atomic(out_dir / "index.html", html)
