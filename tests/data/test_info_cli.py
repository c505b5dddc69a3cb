"""`synapt info`: a real video file, a saved dataset, and user errors as one line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import datasets
import pytest

from synapt_hf.cli import main
from synapt_hf.data.format import info_columns, save_dataset_atomic, video_features, video_value
from synapt_hf.data.video import probe


def test_info_on_a_video(make_video: Callable[..., Path], capsys) -> None:
    path = make_video("walk.mp4", num_frames=30, width=48, height=32, fps=15)
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "resolution  48x32" in out and "frames      30" in out and "fps         15" in out
    assert "duration    2.000 s" in out and "codec       h264" in out
    assert main(["info", "--json", str(path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["num_frames"], data["width"], data["height"], data["codec"]) == (30, 48, 32, "h264")


def test_info_on_a_dataset(tmp_path: Path, make_video: Callable[..., Path], capsys) -> None:
    data = make_video("clip.mp4", num_frames=25, width=32, height=24, fps=25).read_bytes()
    info = info_columns(probe(data))
    features = video_features(["jump", "run", "wave"])

    def rows(labels: list[int]) -> list[dict]:
        return [
            {"video": video_value(data, f"c/{i}.mp4"), "label": label, **info, "path": f"c/{i}.mp4"}
            for i, label in enumerate(labels)
        ]

    dataset = datasets.DatasetDict(
        {
            "train": datasets.Dataset.from_list(rows([0, 0, 1, 2, 2, 2]), features=features),
            "validation": datasets.Dataset.from_list(rows([1, 2]), features=features),
        }
    )
    out_dir = save_dataset_atomic(dataset, tmp_path / "ds")
    assert main(["info", str(out_dir)]) == 0
    out = capsys.readouterr().out
    assert "classes     3" in out and "label        ClassLabel(3 names)" in out
    assert "train              6       3  0.002 h (6.0 s)" in out
    assert "validation         2       2  0.001 h (2.0 s)" in out
    table = {line.split()[0]: line.split()[1:] for line in out.splitlines()[-3:]}
    assert table == {"jump": ["2", "0"], "run": ["1", "1"], "wave": ["3", "1"]}
    assert main(["info", "--json", str(out_dir)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["splits"]["train"]["class_counts"] == {"jump": 2, "run": 1, "wave": 3}
    assert summary["splits"]["validation"]["duration_s"] == pytest.approx(2.0)


@pytest.mark.parametrize("kind", ["missing", "not_video", "empty_dir"])
def test_info_user_errors_are_one_line(tmp_path: Path, capsys, kind: str) -> None:
    target = {
        "missing": tmp_path / "absent.mp4",
        "not_video": tmp_path / "notes.txt",
        "empty_dir": tmp_path / "empty",
    }[kind]
    if kind == "not_video":
        target.write_text("hello\n")
    if kind == "empty_dir":
        target.mkdir()
    assert main(["info", str(target)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"synapt info: error: {target}") and "\n" not in err and "Traceback" not in err
