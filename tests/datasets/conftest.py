"""Fixtures of the datasets tests: small class-folder trees of real encoded videos, and bad inputs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

# (class, actor) pairs of the tiny tree: 3 classes x 3 actors, Weizmann-style names "<actor>_<class>".
CLASSES = ("clap", "run", "wave")
ACTORS = ("ann", "bob", "cid")


@pytest.fixture
def video_tree(tmp_path: Path, make_video: Callable[..., Path]) -> Path:
    """``tmp_path/raw/<class>/<actor>_<class>.<ext>``: 9 real clips (8-12 frames, 32x24), mp4 and avi."""
    root = tmp_path / "raw"
    for c, name in enumerate(CLASSES):
        (root / name).mkdir(parents=True)
        for a, actor in enumerate(ACTORS):
            suffix = ".avi" if a == 2 else ".mp4"
            codec = "mpeg4" if suffix == ".avi" else "libx264"
            make_video(
                f"raw/{name}/{actor}_{name}{suffix}", num_frames=8 + c + a, width=32, height=24, codec=codec
            )
    return root


@pytest.fixture
def bad_files(
    tmp_path: Path, make_video: Callable[..., Path], make_audio_only: Callable[..., Path]
) -> dict[str, Path]:
    """Bad inputs next to each other in ``tmp_path/bad``: corrupt, truncated (MP4 without its index, AVI that
    still probes), empty, audio-only, text."""
    folder = tmp_path / "bad"
    folder.mkdir()
    good = make_video("bad/source.mp4", num_frames=24, width=32, height=24)
    data = good.read_bytes()
    good.unlink()
    files = {
        "corrupt": folder / "corrupt.mp4",
        "truncated": folder / "truncated.mp4",
        "empty": folder / "empty.mp4",
        "text": folder / "notes.txt",
    }
    files["corrupt"].write_bytes(bytes(range(256)) * 8)
    files["truncated"].write_bytes(data[: len(data) // 3])
    files["empty"].write_bytes(b"")
    files["text"].write_text("not a video\n")
    avi = make_video("bad/whole.avi", num_frames=60, width=32, height=24, codec="mpeg4")
    files["truncated_avi"] = folder / "truncated.avi"
    files["truncated_avi"].write_bytes(avi.read_bytes()[: avi.stat().st_size * 7 // 10])  # header kept
    avi.unlink()
    files["audio"] = make_audio_only("bad/audio.wav")
    return files
