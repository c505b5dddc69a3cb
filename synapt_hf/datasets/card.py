"""The dataset card (README.md of a pushed dataset), rendered from `model_cards/dataset_card.md.j2`.

The YAML header carries the Hub metadata (task category, license, tags, size, parquet configs); the body
lists the splits, columns, class names, how the set was built and the citations. Named builders fill the
citation through their `citation` class attribute.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from synapt_hf import MODEL_CARDS_DIR

if TYPE_CHECKING:
    from synapt_hf.datasets.builder import BuildOptions, BuildResult, VideoDatasetBuilder

TEMPLATE_DIR = MODEL_CARDS_DIR
TEMPLATE_NAME = "dataset_card.md.j2"


def size_category(num_clips: int) -> str:
    """The Hub `size_categories` bucket of a dataset with `num_clips` examples."""
    for limit, name in (
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
    ):
        if num_clips < limit:
            return name
    return "1M<n<10M"


def card_context(
    builder: VideoDatasetBuilder,
    result: BuildResult,
    options: BuildOptions,
    data_files: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """The template variables for one finished build; `data_files` lists each split's parquet files
    (default: the ``data/<split>-*`` pattern that `push_to_hub` uses)."""
    if result.split_method == "group":
        split_method = (
            f"whole groups to validation (group pattern `{result.group_pattern}` on file names, "
            f"validation ratio {options.val_ratio}, seed {options.seed}); no group is in two splits"
        )
    elif result.split_method == "ratio":
        split_method = f"stratified by class (validation ratio {options.val_ratio}, seed {options.seed})"
    else:
        split_method = "as given by the source"
    total = sum(split.clips for split in result.splits.values())
    return {
        "pretty_name": builder.pretty_name,
        "builder_name": builder.name,
        "description": builder.description,
        "homepage": builder.homepage,
        "license": options.license or builder.license,
        "citation": (builder.citation or "").strip() or None,
        "extra_tags": [],
        "size_category": size_category(total),
        "splits": list(result.splits.values()),
        "num_classes": len(result.class_names),
        "class_names": result.class_names,
        "split_method": split_method,
        "extra_columns": result.extra_columns,
        "command": options.command,
        "details": builder.card_details(),
        "num_bad": len(result.bad),
        "data_files": data_files or {name: [f"data/{name}-*"] for name in result.splits},
        "dataset_info_yaml": dataset_info_yaml(result),
    }


def dataset_info_yaml(result: BuildResult) -> str:
    """The ``dataset_info`` block of the YAML header: the split sizes.

    Features are left out: a pushed card takes its whole ``dataset_info`` (features with the class names and
    ``video: Video``) from the README.md that `push_to_hub` writes (`synapt_hf.datasets.push.merge_card`).
    """
    import yaml

    splits = [
        {"name": split.name, "num_bytes": split.bytes_on_disk, "num_examples": split.clips}
        for split in result.splits.values()
    ]
    return yaml.safe_dump({"dataset_info": {"splits": splits}}, sort_keys=False, allow_unicode=True)


def render_card(context: dict[str, Any]) -> str:
    """Render the dataset card template with `context`."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    return environment.get_template(TEMPLATE_NAME).render(**context)


def render_dataset_card(
    builder: VideoDatasetBuilder,
    result: BuildResult,
    options: BuildOptions,
    data_files: dict[str, list[str]] | None = None,
) -> str:
    """The README.md of a built dataset."""
    return render_card(card_context(builder, result, options, data_files))
