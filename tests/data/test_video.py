"""Real PyAV files in several containers/codecs: probe, exact frame selection, resizing, errors."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from synapt_hf.data.video import VideoInfo, decode_frames, encode_video, probe, resized_shape
from synapt_hf.errors import SynaptError, VideoDecodeError

FORMATS = [
    ("clip.mp4", "libx264", "h264"),
    ("clip.avi", "mpeg4", "mpeg4"),
    ("clip.webm", "libvpx", "vp8"),
    ("clip.webm", "libvpx-vp9", "vp9"),
    ("clip.mkv", "libx264", "h264"),
    ("clip.mov", "libx264", "h264"),
    ("clip.ts", "libx264", "h264"),  # MPEG-TS: no index, seeks by timestamp search and starts at 1.4 s
    ("clip.h264", "libx264", "h264"),  # raw elementary stream: no timestamps, no seeking, no frame count
]


def _require(codec: str) -> None:
    if codec not in av.codecs_available:
        pytest.skip(f"encoder {codec} not in this FFmpeg build")


@pytest.mark.parametrize(("name", "codec", "decoder"), FORMATS, ids=[f"{n}-{c}" for n, c, _ in FORMATS])
def test_probe_and_exact_frames_per_container(make_video, known_content, name, codec, decoder):
    _require(codec)
    path = make_video(name, num_frames=30, width=64, height=48, fps=25, codec=codec, gop_size=8)
    info = probe(path)
    assert info == VideoInfo(
        num_frames=30, fps=25.0, width=64, height=48, duration=pytest.approx(1.2), codec=decoder
    )
    indices = [17, 3, 3, 29, 0, 9, 17]  # unsorted, repeated, spanning several GOPs
    frames = decode_frames(path, indices)
    assert frames.shape == (7, 48, 64, 3) and frames.dtype == np.uint8
    assert known_content.indices(frames) == indices
    from_bytes = decode_frames(path.read_bytes(), indices)
    np.testing.assert_array_equal(from_bytes, frames)


def test_late_frames_after_seek_match_a_full_decode(make_video, known_content):
    path = make_video("long.mp4", num_frames=120, gop_size=10)
    late = [101, 118, 100, 119]
    frames = decode_frames(path, late)
    assert known_content.indices(frames) == late
    reference = decode_frames(path, list(range(120)))
    np.testing.assert_array_equal(frames, reference[late])


def _damage_frames(path: Path, frames: range) -> bytes:
    """The file's bytes with the compressed payload of `frames` overwritten (container structure intact)."""
    data = bytearray(path.read_bytes())
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        scale, start = float(stream.time_base) * 25, stream.start_time or 0
        for packet in container.demux(stream):
            if packet.size and round((packet.pts - start) * scale) in frames:
                data[packet.pos : packet.pos + packet.size] = b"\xff" * packet.size
    return bytes(data)


@pytest.mark.parametrize(("name", "codec"), [("gop.mp4", "libx264"), ("gop.avi", "mpeg4")])
def test_decoding_skips_frames_before_the_keyframe_and_after_the_last_target(
    make_video, known_content, name, codec
):
    path = make_video(name, num_frames=60, gop_size=10, codec=codec, fps=25)
    broken_head = _damage_frames(path, range(10))  # the first GOP is unreadable
    assert known_content.indices(decode_frames(broken_head, [35, 25])) == [35, 25]  # seeks past it
    with pytest.raises(VideoDecodeError, match="<bytes>"):
        decode_frames(broken_head, [0, 5])
    broken_tail = _damage_frames(path, range(40, 60))
    assert known_content.indices(decode_frames(broken_tail, [5, 30])) == [5, 30]  # stops before it
    with pytest.raises(VideoDecodeError, match="<bytes>"):
        decode_frames(broken_tail, [45])


def test_short_side_resize_keeps_aspect(make_video, known_content):
    path = make_video("wide.mp4", num_frames=10, width=80, height=48)
    frames = decode_frames(path, [2, 5], short_side=24)
    assert frames.shape == (2, 24, 40, 3)
    assert known_content.indices(frames) == [2, 5]
    tall = make_video("tall.mkv", num_frames=4, width=48, height=80)
    assert decode_frames(tall, [1], short_side=30).shape == (1, 50, 30, 3)
    assert resized_shape(180, 144, 224) == (280, 224)
    assert resized_shape(320, 240, 224) == (298, 224)  # truncated like transformers (298.67)
    with pytest.raises(SynaptError, match="short_side"):
        decode_frames(path, [0], short_side=0)


def test_weizmann_late_frames_match_a_full_decode(shared_data):
    clip = shared_data / "weizmann" / "jack" / "ido_jack.avi"
    total = probe(clip).num_frames
    everything = decode_frames(clip, list(range(total)))
    picks = [total - 1, total // 2, 2 * total // 3, total // 2]
    np.testing.assert_array_equal(decode_frames(clip, picks), everything[picks])


def test_one_decoder_thread_and_a_resize_give_the_same_pixels(shared_data):
    clip = shared_data / "weizmann" / "run" / "daria_run.avi"
    picks = [3, 9, 9, 20, 1]
    for short_side in (None, 112):
        automatic = decode_frames(clip, picks, short_side=short_side)
        single = decode_frames(clip, picks, short_side=short_side, threads=1)
        np.testing.assert_array_equal(single, automatic)
        if short_side:
            assert automatic.shape[1:3] == (112, 140)  # 180x144 -> short side 112, aspect kept


def test_indices_past_the_end_clamp_to_last_frame(make_video, known_content):
    path = make_video("short.avi", num_frames=12, codec="mpeg4")
    frames = decode_frames(path, [11, 12, 40, 0])
    assert known_content.indices(frames) == [11, 11, 11, 0]


def test_overestimated_frame_count_clamps_to_the_real_last_frame(make_video, known_content):
    data = make_video("cut.mkv", num_frames=60, gop_size=10).read_bytes()
    cut = data[: len(data) // 2]  # Matroska keeps the header's duration: probe over-estimates
    info = probe(cut)
    assert info.num_frames == 60
    frames = known_content.indices(decode_frames(cut, [0, 10, info.num_frames - 1]))
    assert frames[:2] == [0, 10] and 10 < frames[2] < 59  # the last frame that survived the cut


def test_bad_indices_are_user_errors(make_video):
    path = make_video("clip.mp4", num_frames=4)
    for bad in ([], [-1], [[0, 1]], [0.5]):
        with pytest.raises(SynaptError, match="indices"):
            decode_frames(path, bad)


@pytest.mark.parametrize("name", ["vfr.mkv", "vfr.mp4"])
def test_variable_frame_rate_maps_indices_by_time(make_video, known_content, name):
    pts_ms = [0, 40, 80, 200, 240, 280, 600, 640, 680, 720]
    path = make_video(name, num_frames=len(pts_ms), fps=25, pts_ms=pts_ms)
    info = probe(path)
    indices = list(range(info.num_frames + 2))
    decoded = known_content.indices(decode_frames(path, indices))
    # frame i is the one on screen at time i / fps: the last frame whose pts <= that time
    expected = [int(np.searchsorted(pts_ms, 1000 * i / info.fps + 1e-6, side="right")) - 1 for i in indices]
    assert decoded == expected
    if info.fps == pytest.approx(25.0):  # at the nominal rate (mkv) every real frame is reachable
        assert sorted(set(decoded)) == list(range(len(pts_ms)))


@pytest.mark.parametrize(
    ("codec", "container", "decoder"),
    [
        ("h264", "mp4", "h264"),
        ("mpeg4", "avi", "mpeg4"),
        ("vp8", "webm", "vp8"),
        ("vp9", "webm", "vp9"),
        ("h264", "mkv", "h264"),
    ],
)
def test_encode_video_round_trip(known_content, codec, container, decoder):
    frames = known_content.frames(20, 32, 48)
    data = encode_video(frames, fps=12.5, codec=codec, container=container, gop_size=6)
    info = probe(data)
    assert (info.num_frames, info.width, info.height, info.codec) == (20, 48, 32, decoder)
    assert info.fps == pytest.approx(12.5)
    order = [19, 0, 7, 7, 13]
    assert known_content.indices(decode_frames(data, order)) == order


@pytest.mark.parametrize(
    ("codec", "container"), [("h264", "mp4"), ("mpeg4", "avi"), ("vp8", "webm"), ("vp9", "webm")]
)
def test_encode_video_crf_controls_quality(codec, container):
    rng = np.random.default_rng(0)
    blocks = rng.integers(0, 256, (6, 8, 10, 3), dtype=np.uint8)
    frames = np.kron(blocks, np.ones((1, 8, 8, 1), dtype=np.uint8))  # (6, 64, 80, 3) hard-edged texture
    fine, coarse = (
        encode_video(frames, fps=10, codec=codec, container=container, crf=crf) for crf in (8, 50)
    )
    assert len(fine) > 1.3 * len(coarse)
    error = np.abs(decode_frames(fine, range(6)).astype(int) - frames).mean()
    assert error < np.abs(decode_frames(coarse, range(6)).astype(int) - frames).mean()


def test_encode_video_pads_odd_sizes_by_edge_repeat(known_content):
    frames = known_content.frames(6, 61, 97)
    frames[:, -1, :, 2] = 250  # a distinctive last row/column survives as the padding
    frames[:, :, -1, 2] = 250
    data = encode_video(frames, fps=10, crf=0)
    info = probe(data)
    assert (info.width, info.height) == (98, 62)
    decoded = decode_frames(data, [0, 5])
    assert known_content.indices(decoded) == [0, 5]
    # the padding repeats the last real row/column (blue 250), far from the interior blue (128)
    assert decoded[0, 61, 40, 2] > 200 and decoded[0, 30, 97, 2] > 200
    assert abs(int(decoded[0, 61, 40, 2]) - int(decoded[0, 60, 40, 2])) <= 8


def test_encode_video_rejects_bad_input(known_content):
    with pytest.raises(SynaptError, match="shape"):
        encode_video(np.zeros((4, 8, 8), np.uint8), fps=10)
    with pytest.raises(SynaptError, match="uint8"):
        encode_video(np.zeros((1, 8, 8, 3), np.float32), fps=10)
    with pytest.raises(SynaptError, match="container"):
        encode_video(known_content.frames(2, 8, 8), fps=10, container="flv2")
    with pytest.raises(SynaptError, match="fps"):
        encode_video(known_content.frames(2, 8, 8), fps=0)


def _bad_inputs(tmp_path: Path, make_video, make_audio_only) -> dict[str, Path | bytes]:
    good = make_video("good.mp4", num_frames=30).read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(good[: len(good) // 2])
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    text = tmp_path / "notes.avi"
    text.write_text("this is not a video\n" * 20)
    garbage = np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    return {
        "truncated": truncated,
        "empty": empty,
        "text": text,
        "audio": make_audio_only("audio.wav"),
        "missing": tmp_path / "missing.mp4",
        "corrupt-bytes": garbage,
        "empty-bytes": b"",
    }


def test_bad_inputs_raise_video_decode_error_naming_the_source(tmp_path, make_video, make_audio_only):
    for label, source in _bad_inputs(tmp_path, make_video, make_audio_only).items():
        name = "<bytes>" if isinstance(source, bytes) else source.name
        for call in (lambda s=source: probe(s), lambda s=source: decode_frames(s, [0, 3])):
            with pytest.raises(VideoDecodeError) as caught:
                call()
            message = str(caught.value)
            assert name in message, (label, message)
            assert len(message.splitlines()) == 1, (label, message)


def test_audio_only_and_empty_reasons(tmp_path, make_audio_only):
    with pytest.raises(VideoDecodeError, match="no video stream"):
        probe(make_audio_only("voice.wav"))
    empty = tmp_path / "zero.webm"
    empty.touch()
    with pytest.raises(VideoDecodeError, match="0 bytes"):
        decode_frames(empty, [0])


@pytest.mark.parametrize(
    ("name", "container", "codec"), [("zero.avi", "avi", "mpeg4"), ("zero.mp4", "mp4", "libx264")]
)
def test_zero_frame_videos_raise(tmp_path, name, container, codec):
    path = tmp_path / name
    with av.open(str(path), mode="w", format=container) as output:  # a header, a video stream, no frames
        stream = output.add_stream(codec, rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        output.start_encoding()
    assert path.stat().st_size > 0
    for call in (probe, lambda source: decode_frames(source, [0])):
        with pytest.raises(VideoDecodeError, match=rf"{name}: .*(no decodable frames|no video stream)"):
            call(path)


def test_corrupted_payload_raises_or_decodes_but_never_leaks_pyav_errors(make_video):
    data = bytearray(make_video("c.avi", num_frames=30, codec="mpeg4").read_bytes())
    rng = np.random.default_rng(3)
    positions = rng.integers(len(data) // 4, len(data), 400)
    data[positions[0] : positions[0] + 64] = bytes(64)  # wipe a run of bytes
    for p in positions:
        data[p] = int(rng.integers(0, 256))
    try:
        frames = decode_frames(bytes(data), [0, 10, 29])
    except VideoDecodeError as exc:
        assert "<bytes>" in str(exc)
    else:
        assert frames.shape[0] == 3


def test_all_weizmann_clips_decode(shared_data):
    clips = sorted((shared_data / "weizmann").glob("*/*.avi"))
    assert len(clips) == 90
    for clip in clips:
        info = probe(clip)
        assert (info.width, info.height, info.codec) == (180, 144, "mpeg4")
        assert 30 <= info.num_frames <= 200 and info.fps == pytest.approx(25.0)
        indices = [info.num_frames - 1, 0, info.num_frames // 2]
        frames = decode_frames(clip, indices)
        assert frames.shape == (3, 144, 180, 3)
        assert frames.std() > 5  # real content, not blank frames
    for clip in clips[::30]:  # the probed count is the real count (AVI header), not an estimate
        with av.open(str(clip)) as container:
            assert sum(1 for _ in container.decode(video=0)) == probe(clip).num_frames
    resized = decode_frames(clips[0], [0, 1], short_side=112)
    assert resized.shape == (2, 112, 140, 3)
