"""The dataset registry: one spec per dataset, read from the package's resources.

`synapt_hf/datasets/specs/<name>.yaml` describes the dataset `<name>`: the name `synapt build-dataset`
registers its builder under (`synapt_hf.datasets.BUILDERS`), and the only spelling of it in code. A spec
without a builder names a dataset built with the `folder` builder (Weizmann). Each spec's
`classes_file` (`<name>_classes.txt`) lists the class names in label order, one a line, like UCF101's
`classInd.txt` without the numbers; `papers` names BibTeX files (`specs/papers/<paper>.bib`) cited besides
the sources. Specs are read once per process; a malformed spec is a SynaptError naming its file and field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from synapt_hf.errors import SynaptError

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

SPECS_PACKAGE = "synapt_hf.datasets"
SPECS_FOLDER = "specs"
PAPERS_FOLDER = "papers"


@dataclass(frozen=True)
class Source:
    """One upstream source: its name, where users get it, the terms that apply, how to cite it."""

    name: str
    homepage: str
    licence: str
    citation: str


@dataclass(frozen=True)
class DatasetSpec:
    """What is documented about one dataset.

    `ppma_key` is the dataset's key in PPMA's split folders and in transfer-benchmark results;
    `display_name` its short name in results tables, `pretty_name` the title of its dataset card;
    `results_column` its position among the columns of results tables. `num_classes`, `split_sizes` and
    `empty_classes` (labels with no clip in any official split) are the documented numbers the builder
    checks. `license` is a Hub licence id; each source's `licence` says the terms in words.
    """

    name: str
    ppma_key: str
    display_name: str
    pretty_name: str
    results_column: int
    description: str
    license: str
    num_classes: int | None
    split_sizes: dict[str, int]
    classes_file: str | None
    split_files: str
    sources: tuple[Source, ...]
    papers: tuple[str, ...] = ()
    empty_classes: tuple[int, ...] = field(default=())

    @property
    def class_names(self) -> tuple[str, ...]:
        """The class names in label order, from `classes_file`; SynaptError when the spec has none."""
        if self.classes_file is None:
            raise SynaptError(f"{_spec_file(self.name)}: no classes_file")
        return _class_names(self.classes_file, self.num_classes)

    @property
    def homepage(self) -> str:
        """The first source's homepage."""
        return self.sources[0].homepage

    @property
    def citation(self) -> str:
        """BibTeX of every source, then of every paper in `papers`."""
        return "\n".join([source.citation for source in self.sources] + [_paper(p) for p in self.papers])


def get_spec(name: str) -> DatasetSpec:
    """The spec of the dataset `name`; SynaptError naming the known ones otherwise."""
    specs = _specs()
    if name not in specs:
        raise SynaptError(f"no dataset spec {name!r} (known: {', '.join(sorted(specs))})")
    return specs[name]


def list_specs() -> list[DatasetSpec]:
    """Every spec, in the order of the columns of results tables (`results_column`)."""
    return sorted(_specs().values(), key=lambda spec: (spec.results_column, spec.name))


def find_spec(key: str) -> DatasetSpec | None:
    """The spec whose name or PPMA key is `key` (case-insensitive), names first; None when there is none."""
    key = key.lower()
    specs = list_specs()
    for spec in specs:
        if spec.name == key:
            return spec
    return next((spec for spec in specs if spec.ppma_key == key), None)


def _spec_file(name: str) -> str:
    return f"{SPECS_PACKAGE.replace('.', '/')}/{SPECS_FOLDER}/{name}.yaml"


def _folder() -> Traversable:
    return resources.files(SPECS_PACKAGE).joinpath(SPECS_FOLDER)


@cache
def _specs() -> dict[str, DatasetSpec]:
    import yaml

    specs = {}
    for item in sorted(_folder().iterdir(), key=lambda item: item.name):
        if item.is_file() and item.name.endswith(".yaml"):
            name = item.name.removesuffix(".yaml")
            try:
                data = yaml.safe_load(item.read_text(encoding="utf-8"))
            except yaml.YAMLError as exc:
                raise SynaptError(f"{_spec_file(name)}: invalid YAML ({exc})") from None
            specs[name] = _parse_spec(name, data)
    return specs


_REQUIRED = {
    "ppma_key": str,
    "display_name": str,
    "pretty_name": str,
    "results_column": int,
    "description": str,
    "license": str,
    "split_files": str,
}


def _parse_spec(name: str, data: Any) -> DatasetSpec:
    where = _spec_file(name)
    if not isinstance(data, dict):
        raise SynaptError(f"{where}: expected a mapping of fields")
    known = {*_REQUIRED, "num_classes", "split_sizes", "classes_file", "sources", "papers", "empty_classes"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise SynaptError(f"{where}: unknown field(s) {', '.join(unknown)}")
    for key, kind in _REQUIRED.items():
        if not isinstance(data.get(key), kind):
            raise SynaptError(f"{where}: field '{key}' must be a {kind.__name__}, got {data.get(key)!r}")
    num_classes = data.get("num_classes")
    if num_classes is not None and (not isinstance(num_classes, int) or num_classes < 1):
        raise SynaptError(f"{where}: field 'num_classes' must be a positive integer or null")
    sizes = data.get("split_sizes") or {}
    if not isinstance(sizes, dict) or not all(isinstance(v, int) and v > 0 for v in sizes.values()):
        raise SynaptError(f"{where}: field 'split_sizes' must map split names to positive clip counts")
    sources = data.get("sources")
    if not isinstance(sources, list) or not sources:
        raise SynaptError(f"{where}: field 'sources' must be a non-empty list")
    return DatasetSpec(
        name=name,
        ppma_key=data["ppma_key"],
        display_name=data["display_name"],
        pretty_name=data["pretty_name"],
        results_column=data["results_column"],
        description=data["description"],
        license=data["license"],
        num_classes=num_classes,
        split_sizes={str(k): v for k, v in sizes.items()},
        classes_file=data.get("classes_file"),
        split_files=data["split_files"],
        sources=tuple(_parse_source(where, i, source) for i, source in enumerate(sources)),
        papers=tuple(data.get("papers") or ()),
        empty_classes=tuple(data.get("empty_classes") or ()),
    )


def _parse_source(where: str, index: int, data: Any) -> Source:
    fields_ = ("name", "homepage", "licence", "citation")
    if not isinstance(data, dict) or not all(isinstance(data.get(key), str) for key in fields_):
        raise SynaptError(f"{where}: sources[{index}] must have the text fields {', '.join(fields_)}")
    return Source(data["name"], data["homepage"], data["licence"], data["citation"].rstrip("\n"))


@cache
def _class_names(file_name: str, expected: int | None) -> tuple[str, ...]:
    item = _folder().joinpath(file_name)
    if not item.is_file():
        raise SynaptError(f"{SPECS_FOLDER}/{file_name}: class list not found in the package")
    names = tuple(item.read_text(encoding="utf-8").splitlines())
    if expected is not None and len(names) != expected:
        raise SynaptError(f"{SPECS_FOLDER}/{file_name}: {len(names)} class names, the spec says {expected}")
    if len(set(names)) != len(names) or not all(names):
        raise SynaptError(f"{SPECS_FOLDER}/{file_name}: class names must be unique and non-empty")
    return names


@cache
def _paper(key: str) -> str:
    item = _folder().joinpath(PAPERS_FOLDER, f"{key}.bib")
    if not item.is_file():
        raise SynaptError(f"{SPECS_FOLDER}/{PAPERS_FOLDER}/{key}.bib: cited paper not found in the package")
    return item.read_text(encoding="utf-8").rstrip("\n")
