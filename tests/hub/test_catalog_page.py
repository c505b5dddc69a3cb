"""`synapt catalog html`: the page in headless Chromium: no console errors, sorting/filtering, a screenshot."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from synapt_hf.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian 'chromium' not installed (scripts/setup.sh installs it)"
)


def _chromium(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=3000",
        *args,
        url,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def _console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def _assets(tmp_path: Path) -> tuple[Path, Path]:
    from PIL import Image, ImageDraw

    report = tmp_path / "report"
    report.mkdir()
    plot = Image.new("RGB", (320, 200), "white")
    ImageDraw.Draw(plot).rectangle((40, 60, 120, 180), fill="steelblue")
    plot.save(report / "scene_bias.png")
    previews = tmp_path / "previews"
    previews.mkdir()
    for name in ("jump", "wave"):
        frames = [Image.new("RGB", (32, 32), (40 * i, 80, 160)) for i in range(4)]
        frames[0].save(
            previews / f"{name}.gif", save_all=True, append_images=frames[1:], duration=100, loop=0
        )
    return report, previews


def test_catalog_page_in_headless_chromium(catalog_file, tmp_path):
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
    assert "assets/scene_bias.png" in sources and len([s for s in sources if s.endswith(".gif")]) == 2
    assert all((out / source).is_file() for source in sources)

    url = (out / "index.html").as_uri()
    initial = _chromium(tmp_path, url, "--dump-dom")
    assert initial.returncode == 0 and _console(initial.stderr) == [], _console(initial.stderr)
    assert 'data-ready="true"' in initial.stdout
    assert (
        'data-order="synapt-test/videomae-tiny,synapt-test/timesformer-tiny"' in initial.stdout
    )  # catalog order

    best_first = _chromium(tmp_path, url + "#sort=ucf101&dir=desc", "--dump-dom")
    assert _console(best_first.stderr) == []
    assert 'data-sort="ucf101:desc"' in best_first.stdout
    assert 'data-order="synapt-test/timesformer-tiny,synapt-test/videomae-tiny"' in best_first.stdout
    assert 'aria-sort="descending"' in best_first.stdout

    filtered = _chromium(tmp_path, url + "#sort=ucf101&dir=asc&arch=timesformer", "--dump-dom")
    assert 'data-sort="ucf101:asc"' in filtered.stdout
    assert (
        'data-order="synapt-test/timesformer-tiny"' in filtered.stdout and "1 of 2 models" in filtered.stdout
    )

    screenshot = tmp_path / "catalog.png"
    shot = _chromium(
        tmp_path,
        url + "#sort=ucf101&dir=desc",
        f"--screenshot={screenshot}",
        "--window-size=1280,900",
        "--hide-scrollbars",
    )
    assert shot.returncode == 0 and screenshot.stat().st_size > 10_000
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_console_errors_are_detected(tmp_path):
    """The console check itself can fail: a page with a broken image and a script error is caught."""
    page = tmp_path / "broken.html"
    page.write_text(
        '<html><body><img src="missing.png"><script>'
        'window.addEventListener("load", () => { for (const i of document.images) '
        'if (!i.naturalWidth) console.error("image failed"); }); undefinedCall();</script></body></html>'
    )
    lines = _console(_chromium(tmp_path, page.as_uri(), "--dump-dom").stderr)
    assert any("image failed" in line for line in lines) and any(
        "Uncaught ReferenceError" in line for line in lines
    )
