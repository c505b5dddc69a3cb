"""`synapt catalog html` in headless Chromium (DevTools protocol): no console errors, sorting by clicks and by
link, filtering, every image loads, and a screenshot."""

from __future__ import annotations

import re
from pathlib import Path

from synapt_hf.cli import main

ORDER = "Array.from(document.querySelectorAll('#catalog tbody tr')).filter(r => !r.hidden).map(r => r.dataset.repo_id)"


def _assets(tmp_path: Path) -> tuple[Path, Path]:
    from PIL import Image, ImageDraw

    report = tmp_path / "report" / "plots"
    report.mkdir(parents=True)
    plot = Image.new("RGB", (320, 200), "white")
    ImageDraw.Draw(plot).rectangle((40, 60, 120, 180), fill="steelblue")
    plot.save(report / "synapt_gain_vs_bias.png")
    previews = tmp_path / "previews"
    previews.mkdir()
    for name in ("jump", "wave"):
        frames = [Image.new("RGB", (32, 32), (40 * i, 80, 160)) for i in range(4)]
        frames[0].save(
            previews / f"{name}.gif", save_all=True, append_images=frames[1:], duration=100, loop=0
        )
    return report.parent, previews


def test_catalog_page_in_headless_chromium(catalog_file, tmp_path, browser):
    report, previews = _assets(tmp_path)
    out = tmp_path / "site"
    assert (
        main(
            [
                "catalog",
                "html",
                "--out",
                str(out),
                "--catalog",
                str(catalog_file),
                "--report-dir",
                str(report),
                "--previews",
                str(previews),
            ]
        )
        == 0
    )
    html = (out / "index.html").read_text()
    sources = re.findall(r'<img[^>]* src="([^"]+)"', html)
    assert (
        "assets/synapt_gain_vs_bias.png" in sources and len([s for s in sources if s.endswith(".gif")]) == 2
    )

    url = (out / "index.html").as_uri()
    browser.navigate(url)
    assert browser.evaluate("document.body.dataset.ready") == "true"
    assert (
        browser.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)") is True
    )
    assert browser.evaluate(ORDER) == [
        "synapt-test/videomae-tiny",
        "synapt-test/timesformer-tiny",
    ]  # catalog order

    browser.evaluate("document.querySelector('th[data-key=ucf101]').click()")  # best first
    assert browser.evaluate(ORDER) == ["synapt-test/timesformer-tiny", "synapt-test/videomae-tiny"]
    assert (
        browser.evaluate("document.querySelector('th[data-key=ucf101]').getAttribute('aria-sort')")
        == "descending"
    )
    browser.evaluate("document.querySelector('th[data-key=ucf101]').click()")  # and back
    assert browser.evaluate(ORDER) == ["synapt-test/videomae-tiny", "synapt-test/timesformer-tiny"]
    assert browser.evaluate("location.hash") == "#sort=ucf101&dir=asc"
    browser.evaluate("document.querySelector('th[data-key=diving48]').click()")  # missing results go last
    assert browser.evaluate(ORDER) == ["synapt-test/videomae-tiny", "synapt-test/timesformer-tiny"]
    browser.evaluate("document.querySelector('th[data-key=repo_id]').click()")  # text column
    assert browser.evaluate(ORDER) == ["synapt-test/videomae-tiny", "synapt-test/timesformer-tiny"]
    browser.evaluate("document.querySelector('th[data-key=repo_id]').click()")
    assert browser.evaluate(ORDER) == ["synapt-test/timesformer-tiny", "synapt-test/videomae-tiny"]

    select = "document.getElementById('filter-arch')"
    browser.evaluate(f"{select}.value = 'videomae'; {select}.dispatchEvent(new Event('input'))")
    assert browser.evaluate(ORDER) == ["synapt-test/videomae-tiny"]
    assert browser.evaluate("document.getElementById('status').textContent").startswith("1 of 2 models")
    text = "document.getElementById('filter-text')"
    browser.evaluate(
        f"{select}.value = ''; {text}.value = 'kinetics'; {text}.dispatchEvent(new Event('input'))"
    )
    assert browser.evaluate(ORDER) == ["synapt-test/timesformer-tiny"]

    browser.navigate("about:blank")
    browser.navigate(url + "#sort=ucf101&dir=desc")  # a linked, sorted view, freshly loaded
    assert browser.evaluate("document.getElementById('filter-text').value") == ""
    assert browser.evaluate(ORDER) == ["synapt-test/timesformer-tiny", "synapt-test/videomae-tiny"]

    assert browser.errors() == []
    screenshot = browser.screenshot(tmp_path / "catalog.png")
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 10_000


def test_console_errors_are_detected(tmp_path, browser):
    """The error check itself can fail: a missing image and a script error are both reported."""
    page = tmp_path / "broken.html"
    page.write_text('<html><body><img src="missing.png"><script>undefinedCall();</script></body></html>')
    browser.navigate(page.as_uri())
    errors = browser.errors()
    assert any("undefinedCall is not defined" in error for error in errors)
    assert any("ERR_FILE_NOT_FOUND" in error for error in errors), errors
