"""Re-encoding while building: H.264 at a short side, cached and resumable, in parallel processes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from synapt_hf.data.video import decode_frames, probe
from synapt_hf.datasets.clip_collection import Clip
from synapt_hf.datasets.reencode import cached_path, reencode_clips


def clip(file: Path, root: Path) -> Clip:
    return Clip(file=file, path=file.relative_to(root).as_posix(), label=0, split="train")


def test_reencode_resizes_keeps_frames_and_reuses_the_cache(
    tmp_path: Path, make_video: Callable[..., Path], known_content
) -> None:
    (tmp_path / "c").mkdir()
    big = make_video("c/big.avi", num_frames=12, width=64, height=48, codec="mpeg4")
    small = make_video("c/small.mp4", num_frames=8, width=32, height=24)  # already H.264, below the target
    broken = tmp_path / "c" / "broken.mp4"
    broken.write_bytes(b"\x00" * 100)
    cache = tmp_path / "cache"
    clips = [clip(f, tmp_path) for f in (big, small, broken)]
    kept, bad = reencode_clips(clips, cache, short_side=32, num_proc=2)
    assert [c.path for c in kept] == ["c/big.avi", "c/small.mp4"]
    assert [b.path for b in bad] == ["c/broken.mp4"] and "cannot re-encode" in bad[0].reason
    target = cached_path(cache, "c/big.avi", 32)
    assert kept[0].file == target and kept[1].file == small
    info = probe(target)
    assert (info.width, info.height, info.codec, info.num_frames) == (42, 32, "h264", 12)
    assert known_content.indices(decode_frames(target, range(12))) == list(range(12))
    stamp = target.stat().st_mtime_ns
    again, _ = reencode_clips(clips[:1], cache, short_side=32, num_proc=1)
    assert again[0].file == target and target.stat().st_mtime_ns == stamp  # resumed from the cache
    assert not list(cache.rglob("*.tmp"))
