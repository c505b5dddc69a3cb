"""Model cards: Hub metadata (`ModelCardData` + `EvalResult`s) rendered through the Jinja template in `model_cards/`.

`model-index` follows the Hub's spec: `dataset.type` is a Hub dataset id (`synapt_hf.hub.dataset_ids`; a
dataset without one is left out of `model-index`, which requires it), `dataset.config` is not used (it names a
`load_dataset` config), and the transfer protocol is in each metric's name and `args.protocol`. Every result,
with or without a Hub id, is also under `synapt.transfer_results` and in the card's table. Cards are validated
by parsing them back with `ModelCard` and comparing both with their source; no local path may appear in the
metadata.
"""

from __future__ import annotations

import json
from pathlib import Path

from synapt_hf import MODEL_CARDS_DIR
from synapt_hf.constants import ALL_RESULTS_FILE, TRAINING_ARGS_FILE
from synapt_hf.errors import SynaptError
from synapt_hf.hub.catalog import CatalogEntry, PretrainData
from synapt_hf.hub.dataset_ids import check_mapping, dataset_hub_id, looks_like_path
from synapt_hf.hub.results import TransferResult

TEMPLATE_DIR = MODEL_CARDS_DIR
MODEL_CARD_TEMPLATE = TEMPLATE_DIR / "model_card.md.j2"
METRIC_CONFIGS = {
    "top1": "Top-1 accuracy",
    "top5": "Top-5 accuracy",
    "mean_class_accuracy": "Mean class accuracy",
}
TASK = "video-classification"
ARCHITECTURE_NAMES = {"videomae": "VideoMAE", "timesformer": "TimeSformer"}
MODE_DESCRIPTIONS = {
    "supervised": "supervised classification pretraining",
    "mae": "masked video autoencoding (VideoMAE, self-supervised)",
    "mae-then-supervised": "masked video autoencoding followed by supervised classification",
}
PROTOCOL_LABELS = {"finetune": "fine-tune", "linear-probe": "linear probe"}


def percent(value: float) -> float:
    """Fractions are stored on cards as percentages with two decimals."""
    return round(value * 100.0, 2)


def eval_results_for(entry: CatalogEntry, dataset_hub_ids: dict[str, str] | None = None) -> list:
    """The `model-index` results of `entry`: one per (dataset with a Hub id, protocol, metric)."""
    from huggingface_hub import EvalResult

    out = []
    for result in entry.results:
        hub_id = dataset_hub_id(result.dataset, dataset_hub_ids)
        if hub_id is None:
            continue
        for metric, metric_name in METRIC_CONFIGS.items():
            value = getattr(result, metric)
            if value is None:
                continue
            out.append(
                EvalResult(
                    task_type=TASK,
                    task_name="Video Classification",
                    dataset_type=hub_id,
                    dataset_name=result.dataset_name,
                    dataset_split="validation",
                    metric_type="accuracy",
                    metric_name=f"{metric_name} ({PROTOCOL_LABELS.get(result.protocol, result.protocol)})",
                    metric_config=metric,
                    metric_value=percent(value),
                    metric_args={"protocol": result.protocol, "seeds": result.num_seeds},
                )
            )
    return out


def dataset_key(dataset: str) -> str:
    """The dataset's key on a card: the results row's dataset, or the last component of a local path."""
    return Path(dataset.replace("\\", "/")).name if looks_like_path(dataset) else dataset


def transfer_results_metadata(entry: CatalogEntry, dataset_hub_ids: dict[str, str] | None = None) -> list:
    """Every transfer result, Hub id or not, as kept under `synapt.transfer_results` (percentages)."""
    rows = []
    for result in entry.results:
        row = {
            "dataset": dataset_key(result.dataset),
            "name": result.dataset_name,
            "hub_id": dataset_hub_id(result.dataset, dataset_hub_ids),
            "protocol": result.protocol,
            "seeds": result.num_seeds,
        }
        row.update(
            {
                metric: percent(getattr(result, metric))
                for metric in METRIC_CONFIGS
                if getattr(result, metric) is not None
            }
        )
        rows.append({key: value for key, value in row.items() if value is not None})
    return rows


def synapt_metadata(entry: CatalogEntry, dataset_hub_ids: dict[str, str] | None = None) -> dict:
    """The catalog fields kept in the card's YAML under `synapt:` (read back by `catalog list` online)."""
    data = {
        "architecture": entry.architecture,
        "size": entry.size,
        "num_frames": entry.num_frames,
        "resolution": entry.resolution,
        "pretrain_data": entry.pretrain.key,
        "pretrain_description": entry.pretrain.description or None,
        "pretrain_num_classes": entry.pretrain.num_classes,
        "pretrain_num_videos": entry.pretrain.num_videos,
        "pretrain_mode": entry.mode,
        "epochs": entry.epochs,
        "steps": entry.steps,
        "transfer_results": transfer_results_metadata(entry, dataset_hub_ids) or None,
    }
    return {key: value for key, value in data.items() if value is not None}


def build_card_data(entry: CatalogEntry, dataset_hub_ids: dict[str, str] | None = None):
    from huggingface_hub import ModelCardData

    tags = ["synapt", "synthetic-data", "video-classification", "action-recognition", entry.architecture]
    return ModelCardData(
        library_name="transformers",
        pipeline_tag=TASK,
        license=entry.license,
        tags=tags,
        datasets=[entry.pretrain.hub_dataset] if entry.pretrain.hub_dataset else None,
        base_model=entry.base_model,
        model_name=entry.name,
        eval_results=eval_results_for(entry, dataset_hub_ids) or None,
        synapt=synapt_metadata(entry, dataset_hub_ids),
    )


def _training_files(entry: CatalogEntry) -> tuple[str | None, str | None]:
    if entry.model_dir is None:
        return None, None
    texts = []
    for name in (TRAINING_ARGS_FILE, ALL_RESULTS_FILE):
        path = Path(entry.model_dir) / name
        if path.is_file():
            try:
                texts.append(
                    json.dumps(json.loads(path.read_text(encoding="utf-8")), indent=2, sort_keys=True)
                )
            except json.JSONDecodeError as exc:
                raise SynaptError(f"{path}: malformed JSON ({exc.msg})") from None
        else:
            texts.append(None)
    return texts[0], texts[1]


def saved_sampling(model_dir: Path | None) -> dict:
    """How the model reads clips, from its folder: `num_frames`, `sampling_rate`, `sampling_strategy`.

    Training saves them in `preprocessor_config.json`; `training_args.json` gives the rate and strategy of
    folders saved before. Missing values are left out (the card then shows no `frame_sampling_rate`).
    """
    if model_dir is None:
        return {}
    found: dict = {}
    for name in (TRAINING_ARGS_FILE, "preprocessor_config.json"):  # the processor's values win
        path = Path(model_dir) / name
        if not path.is_file():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise SynaptError(f"{path}: malformed JSON ({exc.msg})") from None
        for key in ("num_frames", "sampling_rate", "sampling_strategy"):
            if isinstance(data, dict) and data.get(key) is not None:
                found[key] = data[key]
    rate = found.get("sampling_rate")
    if rate is not None and (isinstance(rate, bool) or not isinstance(rate, int) or rate < 1):
        raise SynaptError(f"{model_dir}: saved sampling_rate must be a positive integer, got {rate!r}")
    return found


def usage_snippets(entry: CatalogEntry, sampling: dict) -> dict:
    """The card's Python snippets: the pipeline with the model's own frame sampling, and direct loading."""
    call = 'classifier("path/to/video.mp4"'
    if sampling.get("sampling_strategy", "dense") == "dense" and sampling.get("sampling_rate"):
        call += f", frame_sampling_rate={sampling['sampling_rate']}"
    pipeline = (
        "from transformers import pipeline\n"
        f'classifier = pipeline("video-classification", model="{entry.repo_id}")\n'
        f"print({call}))"
    )
    load = (
        "from transformers import AutoImageProcessor, AutoModelForVideoClassification\n"
        f'model = AutoModelForVideoClassification.from_pretrained("{entry.repo_id}")\n'
        f'processor = AutoImageProcessor.from_pretrained("{entry.repo_id}")'
    )
    return {"pipeline_snippet": pipeline, "load_snippet": load}


def check_no_local_paths(metadata: object, where: str) -> None:
    """Raise SynaptError if any string in the card metadata names a local file or folder (absolute path,
    home or relative `./` path, or an existing path on this disk)."""
    if isinstance(metadata, dict):
        for key, value in metadata.items():
            check_no_local_paths(value, f"{where}.{key}")
    elif isinstance(metadata, list):
        for index, value in enumerate(metadata):
            check_no_local_paths(value, f"{where}[{index}]")
    elif isinstance(metadata, str) and (
        metadata.startswith(("/", "~", "./", "../")) or ("/" in metadata and Path(metadata).exists())
    ):
        raise SynaptError(f"{where}: {metadata!r} is a local path; card metadata must not name local files")


def render_model_card(
    entry: CatalogEntry, template: str | Path | None = None, dataset_hub_ids: dict[str, str] | None = None
) -> str:
    """The card text (YAML metadata + prose) for `entry`; deterministic for the same inputs.

    `dataset_hub_ids` maps a results dataset (or its folder name) to its Hub dataset id (see
    `synapt_hf.hub.dataset_ids`); a local path there is refused, naming the dataset.
    """
    from huggingface_hub import ModelCard

    if entry.status == "planned":
        raise SynaptError(
            f"{entry.repo_id}: status is 'planned' (not trained yet): no model card is rendered"
        )
    dataset_hub_ids = check_mapping(dataset_hub_ids)
    template = Path(template) if template else MODEL_CARD_TEMPLATE
    if not template.is_file():
        raise SynaptError(f"{template}: model card template not found")
    training_args, all_results = _training_files(entry)
    card_data = build_card_data(entry, dataset_hub_ids)
    check_no_local_paths(card_data.to_dict(), f"model card of {entry.repo_id}")
    sampling = saved_sampling(entry.model_dir)
    card = ModelCard.from_template(
        card_data,
        template_path=str(template),
        entry=entry,
        arch_name=ARCHITECTURE_NAMES.get(entry.architecture, entry.architecture),
        mode_description=MODE_DESCRIPTIONS.get(entry.mode, entry.mode),
        training_args=training_args,
        all_results=all_results,
        results=[_result_row(result) for result in entry.results],
        sampling=sampling,
        **usage_snippets(entry, sampling),
    )
    return str(card).rstrip() + "\n"


def _result_row(result: TransferResult) -> dict:
    def cell(value: float | None) -> str:
        return "–" if value is None else f"{percent(value):.2f}"

    return {
        "dataset": result.dataset_name,
        "protocol": result.protocol,
        "top1": cell(result.top1),
        "top5": cell(result.top5),
        "mean_class_accuracy": cell(result.mean_class_accuracy),
        "seeds": result.num_seeds,
    }


def results_from_eval_results(eval_results: list | None) -> list[TransferResult]:
    """Invert `eval_results_for`: card eval results back into per-(dataset id, protocol) results (fractions).

    The protocol is the metric's `args.protocol` (cards before it was moved there kept it in `dataset.config`).
    """
    grouped: dict[tuple[str, str], dict] = {}
    for item in eval_results or []:
        args = item.metric_args or {}
        protocol = args.get("protocol") or item.dataset_config
        if item.metric_config not in METRIC_CONFIGS or not protocol:
            continue
        slot = grouped.setdefault((item.dataset_type, protocol), {"seeds": 1})
        slot[item.metric_config] = float(item.metric_value) / 100.0
        slot["seeds"] = int(args.get("seeds", 1))
    return [
        TransferResult(
            dataset=dataset,
            protocol=protocol,
            top1=values.get("top1"),
            top5=values.get("top5"),
            mean_class_accuracy=values.get("mean_class_accuracy"),
            num_seeds=values["seeds"],
        )
        for (dataset, protocol), values in sorted(grouped.items())
        if values.get("top1") is not None
    ]


def results_from_metadata(rows: list | None) -> list[TransferResult]:
    """Invert `transfer_results_metadata` (the dataset is its key: the row's dataset, a folder by its name)."""
    out = []
    for row in rows or []:
        if not isinstance(row, dict) or row.get("top1") is None or not row.get("protocol"):
            continue

        def fraction(key: str, row: dict = row) -> float | None:
            return None if row.get(key) is None else float(row[key]) / 100.0

        out.append(
            TransferResult(
                dataset=str(row.get("dataset") or row.get("hub_id")),
                protocol=str(row["protocol"]),
                top1=fraction("top1"),
                top5=fraction("top5"),
                mean_class_accuracy=fraction("mean_class_accuracy"),
                num_seeds=int(row.get("seeds", 1)),
            )
        )
    return sorted(out, key=lambda result: (result.dataset, result.protocol))


def entry_from_card_data(repo_id: str, data: dict, eval_results: list | None = None) -> CatalogEntry:
    """A catalog entry from a card's metadata (as listed by the Hub)."""
    meta = data.get("synapt") or {}
    datasets = data.get("datasets") or []
    return CatalogEntry(
        repo_id=repo_id,
        architecture=str(meta.get("architecture", "unknown")),
        size=str(meta.get("size", "unknown")),
        num_frames=int(meta.get("num_frames", 0)),
        resolution=int(meta.get("resolution", 0)),
        pretrain=PretrainData(
            key=str(meta.get("pretrain_data", "unknown")),
            description=meta.get("pretrain_description", ""),
            num_classes=meta.get("pretrain_num_classes"),
            num_videos=meta.get("pretrain_num_videos"),
            hub_dataset=datasets[0] if datasets else None,
        ),
        mode=str(meta.get("pretrain_mode", "unknown")),
        epochs=meta.get("epochs"),
        steps=meta.get("steps"),
        base_model=data.get("base_model"),
        license=data.get("license") or "unknown",
        results=tuple(
            results_from_metadata(meta.get("transfer_results")) or results_from_eval_results(eval_results)
        ),
        status="published",  # read back from the Hub listing
    )


def validate_card(text: str, entry: CatalogEntry, dataset_hub_ids: dict[str, str] | None = None) -> None:
    """Parse the card back with huggingface_hub: its eval results and `synapt.transfer_results` must equal the
    entry's results, `model-index` must round-trip through huggingface_hub's parser, no local path anywhere."""
    from huggingface_hub import ModelCard
    from huggingface_hub.repocard_data import eval_results_to_model_index, model_index_to_eval_results

    try:
        card = ModelCard(text)
    except Exception as exc:  # huggingface_hub raises ValueError or yaml errors for broken metadata
        raise SynaptError(f"model card of {entry.repo_id}: metadata does not parse ({exc})") from None
    metadata = card.data.to_dict()
    check_no_local_paths(metadata, f"model card of {entry.repo_id}")
    parsed = results_from_eval_results(card.data.eval_results)
    expected = results_from_eval_results(eval_results_for(entry, dataset_hub_ids))
    if parsed != expected:
        raise SynaptError(f"model card of {entry.repo_id}: eval results do not round-trip")
    if "model-index" in metadata:
        name, again = model_index_to_eval_results(metadata["model-index"])
        if eval_results_to_model_index(name, again) != metadata["model-index"]:
            raise SynaptError(f"model card of {entry.repo_id}: model-index does not round-trip")
    stored = results_from_metadata((metadata.get("synapt") or {}).get("transfer_results"))
    if stored != results_from_metadata(transfer_results_metadata(entry, dataset_hub_ids)):
        raise SynaptError(f"model card of {entry.repo_id}: synapt.transfer_results do not round-trip")
    if "synapt" not in (card.data.tags or []):
        raise SynaptError(f"model card of {entry.repo_id}: tag 'synapt' missing")
