"""The command line logs synapt's INFO messages but not the INFO records of other libraries (httpx)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from synapt_hf.cli import main

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def model_dir(tmp_path: Path, tiny_model_config) -> Path:
    from transformers import VideoMAEForVideoClassification

    out = tmp_path / "model"
    VideoMAEForVideoClassification(tiny_model_config("videomae", labels=["a", "b"])).save_pretrained(out)
    return out


@pytest.fixture
def restore_levels():
    """`main` sets the root and `synapt_hf` logger levels; put them back for the other tests."""
    saved = {name: logging.getLogger(name).level for name in ("", "synapt_hf")}
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def test_publish_logs_synapt_info_but_not_http_requests(fake_hub, model_dir, caplog, restore_levels) -> None:
    assert main(["publish", str(model_dir), "--repo-id", "synapt-test/logging"]) == 0
    assert "synapt-test/logging" in fake_hub.repos  # the upload went through httpx
    shown = [(record.name, record.getMessage()) for record in caplog.records]
    assert any(name == "synapt_hf.hub.publish" and "uploaded" in text for name, text in shown), shown
    assert not any(name.startswith(("httpx", "httpcore")) for name, _ in shown), shown
    assert logging.getLogger().level == logging.WARNING


def test_the_command_prints_no_http_request_lines(fake_hub, model_dir) -> None:
    """What a user sees on the terminal: a fresh `synapt publish` process (its own logging setup)."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "OMP_NUM_THREADS": "1"}
    command = [
        sys.executable,
        "-m",
        "synapt_hf.cli",
        "publish",
        str(model_dir),
        "--repo-id",
        "synapt-test/cli",
    ]
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert finished.returncode == 0, finished.stderr
    assert "synapt-test/cli@main: " in finished.stderr  # synapt's INFO line (publish.py)
    assert "HTTP Request:" not in finished.stderr + finished.stdout
