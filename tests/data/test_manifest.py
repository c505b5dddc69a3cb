"""The split-manifest reader against the real SynAPT/PPMA split files and hand-made quirky ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from synapt_hf.data.manifest import (
    ManifestEntry,
    VideoPathResolver,
    read_labels_file,
    read_manifest,
)
from synapt_hf.errors import SynaptError


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_real_split_files_parse_completely(shared_data: Path) -> None:
    split_files = sorted((shared_data / "splits").rglob("*"))
    manifests = [p for p in split_files if p.is_file() and "labels" not in p.name]
    assert len(manifests) >= 14
    for path in manifests:
        non_blank = [line for line in path.read_bytes().decode("utf-8-sig").splitlines() if line.strip()]
        entries = read_manifest(path)
        assert len(entries) == len(non_blank), path
        assert all(entry.path and "\r" not in entry.path for entry in entries)
        if path.parent.parent.name == "ppma":
            assert all(isinstance(entry.label, int) for entry in entries), path


def test_real_ppma_quirks(shared_data: Path) -> None:
    hmdb = read_manifest(shared_data / "splits/ppma/hmdb51/train.csv")
    with_semicolon = [e for e in hmdb if ";" in e.path]
    assert with_semicolon, "the HMDB51 split has file names containing ';'"
    assert with_semicolon[0].path.startswith("laugh/Der_Lachsack") and with_semicolon[0].label == 25
    assert len({e.label for e in hmdb}) == 51
    ucf = read_manifest(shared_data / "splits/ppma/ucf101/train.csv")
    assert len({e.label for e in ucf}) == 101 and ucf[0].path == "ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01"
    diving = read_manifest(shared_data / "splits/ppma/diving48/train.csv")  # CRLF
    assert diving[0] == ManifestEntry("diving48/videos/-mmq0PT-u8k_00155.mp4", 0, 1, diving[0].source)


def test_real_synapt_folder_lines_with_labels_file(shared_data: Path) -> None:
    names = read_labels_file(shared_data / "splits/synapt/kinetics_labels.txt")
    assert len(names) == 150
    entries = read_manifest(shared_data / "splits/synapt/kinetics150_val.txt", folder_labels=names)
    assert entries[0].path == "peeling apples/erjpP2MAlOQ_000001_000011"
    assert entries[0].label == names.index("peeling apples")
    assert {e.label for e in entries} == set(range(150))
    syn_names = read_labels_file(shared_data / "splits/synapt/syn_labels.txt")
    assert len(syn_names) == 150 and all(name == name.strip() for name in syn_names)
    unlabelled = read_manifest(shared_data / "splits/synapt/sim150_val.txt")
    assert all(e.label is None for e in unlabelled) and unlabelled[0].folder == "a27"


def test_quirks_bom_crlf_blank_lines_semicolons(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbfa/x;1.avi;3\r\n\r\nb/y;0\r\n   \nc/z.mp4 ; 2\r\n"
    entries = read_manifest(_write(tmp_path / "m.csv", data))
    assert [(e.path, e.label, e.line) for e in entries] == [
        ("a/x;1.avi", 3, 1),
        ("b/y", 0, 3),
        ("c/z.mp4", 2, 5),
    ]
    assert entries[1].location.endswith("m.csv:3")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"a/x.mp4;1\nb/y.mp4\n", "m.csv:2: expected 'relative/path;label'"),
        (b"a/x.mp4;1\nb/y.mp4;zz\n", "m.csv:2: expected"),
        (b"a/x.mp4;-1\n", "m.csv:1: negative label"),
        (b"a/x.mp4;7\n", "m.csv:1: label 7 is out of range for 5 classes"),
        (b"/abs/x.mp4;1\n", "m.csv:1: absolute path"),
        (b"../x.mp4;1\n", "m.csv:1: path '../x.mp4' leaves the data root"),
        (b"a/x.mp4;1\n\xff\xfe;2\n", "m.csv:2: not UTF-8"),
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(SynaptError, match=message.replace("(", r"\(").replace(".", r"\.")):
        read_manifest(_write(tmp_path / "m.csv", data), num_classes=5)


def test_folder_labels_unknown_folder_and_missing_file(tmp_path: Path) -> None:
    manifest = _write(tmp_path / "val.txt", b"run/a1\nwalk/a2\njog/a3\n")
    with pytest.raises(SynaptError, match=r"val\.txt:3: folder 'jog'"):
        read_manifest(manifest, folder_labels=["run", "walk"])
    assert [e.label for e in read_manifest(manifest, folder_labels={"run": 4, "walk": 1, "jog": 0})] == [
        4,
        1,
        0,
    ]
    with pytest.raises(SynaptError, match="no such file"):
        read_manifest(tmp_path / "absent.csv")
    with pytest.raises(SynaptError, match=r"labels\.txt:3: duplicate class name 'a'"):
        read_labels_file(_write(tmp_path / "labels.txt", b"a\nb \na\n"))


def test_resolver_extensions_and_prefixes(tmp_path: Path) -> None:
    (tmp_path / "a27").mkdir()
    (tmp_path / "a27" / "PRE_clip1.mp4").write_bytes(b"x")
    (tmp_path / "a27" / "clip2.avi").write_bytes(b"x")
    (tmp_path / "a27" / "clip3.MP4").write_bytes(b"x")
    (tmp_path / "a27" / "clip4.webm").write_bytes(b"x")
    resolver = VideoPathResolver(tmp_path, prefixes=("PRE_",))
    assert resolver.resolve("a27/clip1") == tmp_path / "a27" / "PRE_clip1.mp4"
    assert resolver.resolve("a27/PRE_clip2") == tmp_path / "a27" / "clip2.avi"
    assert resolver.resolve("a27/clip3") == tmp_path / "a27" / "clip3.MP4"
    assert resolver.resolve("a27/clip4.webm") == tmp_path / "a27" / "clip4.webm"
    assert resolver.resolve("a27/clip5") is None
    assert resolver.resolve("nofolder/clip1") is None
    assert VideoPathResolver(tmp_path).resolve("a27/clip1") is None
