"""`synapt publish`, `synapt publish-catalog`, `synapt catalog list|show|html|build`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def register(subparsers) -> None:
    publish = subparsers.add_parser(
        "publish", help="publish a model folder to the Hub (or to the local HF cache with --local)"
    )
    publish.add_argument("model_dir", type=Path, help="a save_pretrained folder (config.json + weights)")
    publish.add_argument("--repo-id", required=True, help="ORG/NAME on the Hub")
    publish.add_argument("--private", action="store_true", help="create the repo as private")
    publish.add_argument("--revision", default=None, help="branch to commit to (default: main)")
    publish.add_argument("--local", action="store_true", help="install into the local HF cache; no network")
    publish.add_argument(
        "--cache-dir", type=Path, default=None, help="hub cache for --local (default: HF_HUB_CACHE)"
    )
    publish.add_argument(
        "--catalog", type=Path, default=None, help="take card metadata from this catalog entry"
    )
    publish.add_argument("--results", type=Path, default=None, help="results.jsonl of the transfer benchmark")
    publish.add_argument(
        "--pretrain", default=None, help="pretraining data key for the card (e.g. synapt150)"
    )
    publish.add_argument(
        "--mode", default=None, choices=("supervised", "mae", "mae-then-supervised"), help="pretraining mode"
    )
    publish.add_argument("--template", type=Path, default=None, help="model card Jinja template")
    _dataset_hub_id_arg(publish)
    publish.set_defaults(func=run_publish)

    publish_catalog = subparsers.add_parser(
        "publish-catalog", help="publish every model of a catalog and update its Hub collection"
    )
    publish_catalog.add_argument("catalog", type=Path, help="catalog YAML (e.g. model_cards/catalog.yaml)")
    publish_catalog.add_argument(
        "--local", action="store_true", help="install all models into the local HF cache"
    )
    publish_catalog.add_argument("--cache-dir", type=Path, default=None)
    publish_catalog.add_argument(
        "--no-collection", action="store_true", help="do not touch the Hub collection"
    )
    _dataset_hub_id_arg(publish_catalog)
    publish_catalog.set_defaults(func=run_publish_catalog)

    catalog = subparsers.add_parser("catalog", help="browse the catalog of synthetic-pretrained checkpoints")
    actions = catalog.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="print the catalog as a table")
    _catalog_source_args(listing)
    listing.add_argument("--arch", default=None, help="architecture, e.g. videomae")
    listing.add_argument("--pretrain", default=None, help="pretraining data key, e.g. synapt150")
    listing.add_argument("--mode", default=None, help="supervised | mae | mae-then-supervised")
    listing.add_argument(
        "--status",
        default=None,
        choices=("planned", "local", "published"),
        help="planned (not trained yet) | local (folder on this disk) | published (on the Hub)",
    )
    listing.add_argument(
        "--sort", default=None, metavar="DATASET", help="sort by top-1 on DATASET (e.g. ucf101)"
    )
    listing.set_defaults(func=run_catalog_list)
    show = actions.add_parser("show", help="print one entry with its results and the load snippet")
    _catalog_source_args(show)
    show.add_argument("id", help="ORG/NAME (or NAME)")
    show.set_defaults(func=run_catalog_show)
    html = actions.add_parser("html", help="write a static catalog page")
    html.add_argument("--out", type=Path, required=True, help="output folder (index.html + assets/)")
    html.add_argument(
        "--catalog", type=Path, default=None, help="catalog YAML (default: model_cards/catalog.yaml)"
    )
    html.add_argument(
        "--report-dir", type=Path, default=None, help="transfer report folder (scene-bias plot)"
    )
    html.add_argument(
        "--previews", type=Path, nargs="*", default=None, help="preview GIFs or folders of GIFs"
    )
    html.set_defaults(func=run_catalog_html)
    _register_build(actions)


def _register_build(actions) -> None:
    build = actions.add_parser(
        "build",
        help="run an entry's recipe: data, pretraining, transfer benchmark, card, then install or publish",
        description="Run a catalog entry's recipe end to end in --work; finished stages are skipped. "
        "See docs/catalog.md.",
    )
    build.add_argument("id", help="ORG/NAME (or NAME) of the catalog entry")
    target = build.add_mutually_exclusive_group()
    target.add_argument("--local", action="store_true", help="finally install into the local HF cache")
    target.add_argument("--publish", action="store_true", help="finally publish to the Hub")
    build.add_argument("--catalog", type=Path, default=None, help="catalog YAML (default: the repository's)")
    build.add_argument(
        "--work", type=Path, default=None, help="where the stages run (default: synapt-build/NAME)"
    )
    build.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="the raw videos of a dataset the recipe builds (e.g. weizmann=/data/weizmann); repeatable",
    )
    build.add_argument("--weizmann", type=Path, default=None, help="same as --data weizmann=PATH")
    build.add_argument(
        "--override",
        type=Path,
        default=None,
        metavar="FILE",
        help="YAML with 'pretrain:' (TrainConfig fields) and 'benchmark:' (seeds, protocols, num_epochs, "
        "batch_size, baselines, train_options) laid over the recipe, e.g. for a smaller machine",
    )
    build.add_argument("--cache-dir", type=Path, default=None, help="hub cache for --local")
    build.add_argument("--private", action="store_true", help="with --publish: create the repo as private")
    build.set_defaults(func=run_catalog_build)


def _data_paths(args) -> dict[str, Path]:
    from synapt_hf.errors import SynaptError

    paths = {}
    for item in args.data:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise SynaptError(f"--data {item!r}: expected NAME=PATH")
        paths[name] = Path(path).expanduser()
    if args.weizmann is not None:
        paths["weizmann"] = args.weizmann.expanduser()
    return paths


def _overrides(path: Path | None) -> tuple[dict, dict]:
    from synapt_hf.errors import SynaptError
    from synapt_hf.hub.recipe import read_yaml_mapping

    if path is None:
        return {}, {}
    raw = read_yaml_mapping(path)
    unknown = sorted(set(raw) - {"pretrain", "benchmark"})
    if unknown or not all(isinstance(raw.get(key, {}), dict) for key in ("pretrain", "benchmark")):
        raise SynaptError(f"--override {path}: expected mappings 'pretrain' and/or 'benchmark' only")
    return dict(raw.get("pretrain") or {}), dict(raw.get("benchmark") or {})


def run_catalog_build(args) -> int:
    from synapt_hf.hub.build import BuildOptions, build_entry
    from synapt_hf.hub.catalog import load_catalog

    entry = load_catalog(args.catalog).entry(args.id)
    pretrain, benchmark = _overrides(args.override)
    options = BuildOptions(
        work=args.work or Path("synapt-build") / entry.name,
        data=_data_paths(args),
        target="local" if args.local else "publish" if args.publish else None,
        pretrain_overrides=pretrain,
        benchmark_overrides=benchmark,
        cache_dir=args.cache_dir,
        private=args.private,
    )
    result = build_entry(entry, options)
    print(f"built {entry.repo_id}: model {result.model_dir}, card {result.card}")
    if args.local:
        print(f'load it: model, processor = synapt_hf.load_pretrained("{entry.repo_id}")')
    elif not args.publish:
        print("install it with --local, or publish it with --publish (finished stages are skipped)")
    return 0


def _dataset_hub_id_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dataset-hub-id",
        action="append",
        default=[],
        metavar="NAME=ORG/ID",
        help="Hub dataset id of a transfer dataset (NAME: the results' dataset or its folder name), for the "
        "card's model-index; repeatable. A dataset without one is left out of model-index",
    )


def _catalog_source_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--catalog", type=Path, default=None, help="local catalog YAML")
    parser.add_argument(
        "--source",
        choices=("auto", "hub", "local"),
        default="auto",
        help="auto: the Hub when reachable (models tagged 'synapt'), else the local catalog",
    )
    parser.add_argument("--author", default=None, help="only Hub models of this org/user")


def _entry_for_publish(args):
    from dataclasses import replace

    from synapt_hf.hub.catalog import load_catalog, with_results
    from synapt_hf.hub.model_folder import check_model_dir, entry_from_model_dir
    from synapt_hf.hub.repo_ids import validate_repo_id
    from synapt_hf.hub.results import read_results, rows_for_checkpoint, summarize

    repo_id = validate_repo_id(args.repo_id, "--repo-id")
    model_dir = check_model_dir(args.model_dir)
    if args.catalog is not None:
        entry = replace(load_catalog(args.catalog).entry(repo_id), model_dir=model_dir)
    else:
        entry = entry_from_model_dir(model_dir, repo_id, pretrain=args.pretrain, mode=args.mode)
    if args.results is not None:
        names = {repo_id, repo_id.split("/", 1)[1], model_dir.name, str(model_dir), str(model_dir.resolve())}
        names.update(entry.results_names)
        entry = with_results(entry, summarize(rows_for_checkpoint(read_results(args.results), names)))
    return model_dir, entry


def run_publish(args) -> int:
    from synapt_hf.hub.dataset_ids import parse_dataset_hub_ids

    hub_ids = parse_dataset_hub_ids(args.dataset_hub_id)
    model_dir, entry = _entry_for_publish(args)
    if args.local:
        from synapt_hf.hub.local_install import install_local

        snapshot = install_local(
            model_dir,
            entry,
            revision=args.revision or "main",
            cache_dir=args.cache_dir,
            template=args.template,
            dataset_hub_ids=hub_ids,
        )
        print(f"installed {entry.repo_id} into {snapshot}")
        print(f'load offline: AutoModelForVideoClassification.from_pretrained("{entry.repo_id}")')
        return 0
    from synapt_hf.hub.publish import publish_model

    report = publish_model(
        model_dir,
        entry,
        private=args.private,
        revision=args.revision,
        endpoint=os.environ.get("HF_ENDPOINT"),
        template=args.template,
        dataset_hub_ids=hub_ids,
    )
    if report.commit is None:
        print(f"{report.repo_id}@{report.revision}: up to date, nothing uploaded")
    else:
        print(
            f"{report.repo_id}@{report.revision}: committed {report.commit[:12]} ({len(report.uploaded)} files)"
        )
    return 0


def run_publish_catalog(args) -> int:
    from synapt_hf.hub.catalog import load_catalog
    from synapt_hf.hub.dataset_ids import parse_dataset_hub_ids

    hub_ids = parse_dataset_hub_ids(args.dataset_hub_id)
    catalog = load_catalog(args.catalog)
    for entry in catalog.models:
        if entry.status == "planned":
            print(f"skipped {entry.repo_id}: status planned (not trained yet), nothing to publish")
    if args.local:
        from synapt_hf.hub.local_install import install_local
        from synapt_hf.hub.publish import check_catalog_folders, publishable_entries

        check_catalog_folders(catalog)
        for entry in publishable_entries(catalog):
            print(
                f"installed {entry.repo_id} into {install_local(entry.model_dir, entry, cache_dir=args.cache_dir, dataset_hub_ids=hub_ids)}"
            )
        return 0
    from synapt_hf.hub.publish import publish_catalog

    reports = publish_catalog(
        catalog,
        endpoint=os.environ.get("HF_ENDPOINT"),
        collection=not args.no_collection,
        dataset_hub_ids=hub_ids,
    )
    for report in reports:
        state = "up to date" if report.commit is None else f"committed {report.commit[:12]}"
        print(f"{report.repo_id}: {state}")
    return 0


def _entries(args) -> list:
    from synapt_hf.hub.catalog import load_catalog

    if args.source in ("auto", "hub"):
        from synapt_hf.hub.hub_listing import hub_reachable, list_hub_entries

        if args.source == "hub":
            return list_hub_entries(author=args.author)
        if hub_reachable():
            entries = list_hub_entries(author=args.author)
            if entries:
                return entries
            print("(no models tagged 'synapt' on the Hub yet: showing the local catalog)", file=sys.stderr)
        else:
            print("(Hub not reachable: showing the local catalog)", file=sys.stderr)
    return list(load_catalog(args.catalog).models)


def run_catalog_list(args) -> int:
    from synapt_hf.hub.catalog import filter_entries
    from synapt_hf.hub.table import catalog_table

    entries = filter_entries(
        _entries(args),
        arch=args.arch,
        pretrain=args.pretrain,
        mode=args.mode,
        status=args.status,
        sort=args.sort,
    )
    print(catalog_table(entries))
    return 0


def run_catalog_show(args) -> int:
    from synapt_hf.errors import SynaptError
    from synapt_hf.hub.table import entry_details

    entries = _entries(args)
    match = [entry for entry in entries if args.id in (entry.repo_id, entry.name)]
    if not match:
        raise SynaptError(
            f"no catalog entry {args.id!r} (known: {', '.join(e.repo_id for e in entries) or 'none'})"
        )
    print(entry_details(match[0]))
    return 0


def run_catalog_html(args) -> int:
    from synapt_hf.hub.catalog import load_catalog
    from synapt_hf.hub.html_page import write_catalog_page

    catalog = load_catalog(args.catalog)
    report_dir, previews = args.report_dir, args.previews
    if report_dir is None and catalog.report_dir is not None:  # the catalog's defaults may not exist yet
        report_dir = catalog.report_dir if catalog.report_dir.is_dir() else None
        if report_dir is None:
            print(
                f"(no transfer report at {catalog.report_dir}: page without the scene-bias plot)",
                file=sys.stderr,
            )
    if previews is None:
        previews = [path for path in catalog.previews if path.exists()]
    index = write_catalog_page(list(catalog.models), args.out, report_dir=report_dir, previews=previews)
    print(f"wrote {index}")
    return 0
