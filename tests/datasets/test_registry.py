"""The dataset registry: every spec file parses, names its builder's dataset, and ships with the package."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest
import yaml

import synapt_hf
from synapt_hf.datasets import BUILDERS, get_builder
from synapt_hf.datasets.registry import _parse_spec, find_spec, get_spec, list_specs
from synapt_hf.errors import SynaptError

PACKAGE = Path(synapt_hf.__file__).parent
SPECS = PACKAGE / "datasets" / "specs"


@pytest.mark.parametrize("name", [name for name in BUILDERS if name != "folder"])
def test_every_named_builder_takes_name_and_card_metadata_from_its_spec(name: str) -> None:
    builder, spec = get_builder(name), get_spec(name)
    assert builder.name == spec.name == name
    assert (builder.pretty_name, builder.description, builder.license) == (
        spec.pretty_name,
        spec.description,
        spec.license,
    )
    assert builder.homepage == spec.sources[0].homepage and builder.citation == spec.citation


@pytest.mark.parametrize("spec", list_specs(), ids=lambda spec: spec.name)
def test_every_spec_is_complete_and_its_class_list_matches_its_class_count(spec) -> None:
    assert spec.ppma_key and spec.display_name and spec.pretty_name and spec.description
    assert spec.citation.count("@") >= len(spec.sources) + len(spec.papers)
    if spec.classes_file is None:
        assert spec.name not in BUILDERS  # only a dataset without a named builder may lack a class list
        return
    names = spec.class_names
    assert len(names) == spec.num_classes == len(set(names))
    assert all(name == name.strip() and name for name in names)
    assert set(spec.split_sizes) <= {"train", "validation"}
    assert all(0 <= label < spec.num_classes for label in spec.empty_classes)


def test_specs_are_listed_in_results_column_order_and_found_by_name_or_ppma_key() -> None:
    specs = list_specs()
    columns = [spec.results_column for spec in specs]
    assert columns == sorted(columns) and len(set(columns)) == len(columns)
    assert len({spec.ppma_key for spec in specs}) == len(specs)
    assert find_spec("ikea-fa") is find_spec("ikea_furniture") is get_spec("ikea-fa")
    assert find_spec("UAV") is get_spec("uav-human")
    assert find_spec("my_set") is None
    with pytest.raises(SynaptError, match=r"no dataset spec 'ssv2' \(known: .*mini-ssv2"):
        get_spec("ssv2")


def test_a_malformed_spec_is_refused_naming_the_file_and_the_field() -> None:
    data = yaml.safe_load((SPECS / "ikea-fa.yaml").read_text(encoding="utf-8"))
    with pytest.raises(SynaptError, match=r"specs/x\.yaml: field 'display_name' must be a str"):
        _parse_spec("x", {**data, "display_name": None})
    with pytest.raises(SynaptError, match=r"specs/x\.yaml: unknown field\(s\) pretty"):
        _parse_spec("x", {**data, "pretty": "IKEA"})
    with pytest.raises(SynaptError, match=r"specs/x\.yaml: field 'split_sizes'"):
        _parse_spec("x", {**data, "split_sizes": {"train": -1}})


def test_every_spec_file_is_package_data() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    pyproject = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["synapt_hf"]
    files = [path.relative_to(PACKAGE).as_posix() for path in SPECS.rglob("*") if path.is_file()]
    assert any(file.endswith(".txt") for file in files) and any(file.endswith(".bib") for file in files)
    for file in files:
        assert any(fnmatch.fnmatch(file, pattern) for pattern in patterns), file
