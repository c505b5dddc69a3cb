"""Progress bars go to stderr, only on a terminal, and never when quiet."""

from __future__ import annotations

import io
import sys

from synapt_hf.progress import progress_bar


def _run_bar(quiet: bool = False) -> None:
    with progress_bar(total=3, desc="probing", unit="file", quiet=quiet) as bar:
        for _ in range(3):
            bar.update(1)


def test_a_bar_shows_on_a_terminal_only_and_not_when_quiet(capsys, tty_stderr, monkeypatch) -> None:
    terminal = tty_stderr()
    _run_bar()
    assert "probing: 100%" in terminal.getvalue() and "3/3" in terminal.getvalue()
    assert capsys.readouterr().out == ""  # never on stdout
    quiet = tty_stderr()
    _run_bar(quiet=True)
    assert quiet.getvalue() == ""
    redirected = io.StringIO()  # a file or a pipe: not a terminal
    monkeypatch.setattr(sys, "stderr", redirected)
    _run_bar()
    assert redirected.getvalue() == ""
