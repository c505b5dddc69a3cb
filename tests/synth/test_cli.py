from __future__ import annotations

from PIL import Image

from synapt_hf.cli import main


def test_preview_writes_a_contact_sheet_and_an_animated_gif(tmp_path):
    out = tmp_path / "preview"
    code = main(["preview", "--classes", "walking,clapping", "--clips-per-class", "2", "--frames", "4",
                 "--size", "32", "--out", str(out)])  # fmt: skip
    assert code == 0
    sheet = Image.open(out / "contact_sheet.png")
    assert sheet.size == (120 + 2 * 4 * 32, 2 * 32)
    gif = Image.open(out / "preview.gif")
    assert gif.n_frames == 4 and gif.size == (2 * 32, 2 * 32)


def test_generate_reports_bad_input_as_one_line(tmp_path, capsys):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "x").write_text("x")
    assert main(["generate", "--clips-per-class", "1", "--out", str(out)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert main(["generate", "--classes", "walking,moonwalk", "--clips-per-class", "1",
                 "--out", str(tmp_path / "new")]) == 2  # fmt: skip
    assert "unknown action" in capsys.readouterr().err
    assert main(["generate", "--size", "111", "--clips-per-class", "1", "--out", str(tmp_path / "new")]) == 2
    assert "even" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()


def test_generate_writes_a_dataset(tmp_path):
    out = tmp_path / "ds"
    code = main(["generate", "--classes", "2", "--clips-per-class", "2", "--val-clips-per-class", "1",
                 "--frames", "2", "--size", "16", "--out", str(out), "--no-progress"])  # fmt: skip
    assert code == 0 and (out / "dataset_dict.json").is_file()
