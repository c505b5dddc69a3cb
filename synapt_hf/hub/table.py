"""Plain-text views of catalog entries for the terminal."""

from __future__ import annotations

from synapt_hf.hub.catalog import CatalogEntry, transfer_datasets
from synapt_hf.hub.results import dataset_name


def _format_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=False)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def catalog_table(entries: list[CatalogEntry]) -> str:
    """One line per model: id, architecture, input, data, mode, then top-1 (%) per transfer dataset."""
    if not entries:
        return "(no catalog entries match)"
    datasets = transfer_datasets(entries)
    header = ["repo id", "arch", "size", "frames x res", "pretrain", "mode", "status"]
    header += [dataset_name(dataset) for dataset in datasets]
    rows = []
    for entry in entries:
        row = [entry.repo_id, entry.architecture, entry.size, f"{entry.num_frames} x {entry.resolution}"]
        row += [entry.pretrain.key, entry.mode, entry.status_label]
        for dataset in datasets:
            value = entry.top1(dataset)
            row.append("-" if value is None else f"{value * 100:.1f}")
        rows.append(row)
    notes = ["(transfer columns: top-1 %, fine-tuning where measured, else linear probe)"]
    if any(entry.status == "planned" for entry in entries):
        notes.append("(planned entries are not trained yet: no checkpoint exists, nothing to load)")
    return _format_table(header, rows) + "\n" + "\n".join(notes)


def entry_details(entry: CatalogEntry) -> str:
    """Everything about one entry: fields, per-protocol results and the load snippet."""
    pretrain = entry.pretrain
    data = pretrain.key + (f" ({pretrain.description})" if pretrain.description else "")
    if pretrain.num_classes or pretrain.num_videos:
        data += f", {pretrain.num_classes or '?'} classes, {pretrain.num_videos or '?'} videos"
    fields = [
        ("repo id", entry.repo_id),
        ("status", entry.status_label),
        ("model folder", entry.model_dir),
        ("note", entry.note),
        ("recipe", entry.recipe.pretrain.name if entry.recipe else None),
        ("benchmark", entry.recipe.benchmark.name if entry.recipe and entry.recipe.benchmark else None),
        ("built on", f"{entry.recipe.hardware}; {entry.recipe.time}".strip("; ") if entry.recipe else None),
        ("architecture", f"{entry.architecture} ({entry.size})"),
        ("input", f"{entry.num_frames} frames x {entry.resolution}x{entry.resolution}"),
        ("pretraining data", data),
        ("pretraining mode", entry.mode),
        ("epochs", entry.epochs),
        ("steps", entry.steps),
        ("base model", entry.base_model),
        ("license", entry.license),
        ("hub dataset", pretrain.hub_dataset),
    ]
    width = max(len(name) for name, _ in fields)
    lines = [f"{name.ljust(width)}  {value}" for name, value in fields if value not in (None, "")]
    lines.append("")
    if entry.results:
        rows = [
            [
                result.dataset_name,
                result.protocol,
                f"{result.top1 * 100:.2f}",
                "-" if result.top5 is None else f"{result.top5 * 100:.2f}",
                "-" if result.mean_class_accuracy is None else f"{result.mean_class_accuracy * 100:.2f}",
                str(result.num_seeds),
            ]
            for result in entry.results
        ]
        lines.append(
            _format_table(["dataset", "protocol", "top-1 %", "top-5 %", "mean class %", "seeds"], rows)
        )
    else:
        lines.append("no transfer results recorded yet")
    if entry.status == "planned":
        lines += ["", "not trained yet: there is no checkpoint to load."]
    elif entry.status == "local":
        where = entry.model_dir if entry.built else "(not built here)"
        lines += [
            "",
            f"not on the Hub: load the folder {where} directly, or install it under its repo id with",
        ]
        lines += [
            "`synapt publish MODEL_DIR --repo-id " + entry.repo_id + " --local`, then:",
            entry.load_snippet(),
        ]
    else:
        lines += ["", "load it:", entry.load_snippet()]
    return "\n".join(lines)
