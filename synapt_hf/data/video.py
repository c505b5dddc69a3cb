"""The only place that touches codecs: probe, decode and encode videos with PyAV.

Frame indices
-------------
Frame ``i`` means the frame on screen at presentation time ``start + i / fps`` where ``fps`` is the
stream's average frame rate and times come from each frame's ``pts * time_base``. For constant-frame-rate
files this is exactly the ``i``-th frame; for variable-frame-rate files it is the frame a player would show
at that moment (so sampling stays uniform in *time*). Indices past the real end clamp to the last decoded
frame, so an over-estimated frame count never fails a decode.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from synapt_hf.errors import SynaptError, VideoDecodeError

VideoSource = str | Path | bytes | bytearray | memoryview

# A frame whose position is within this fraction of a frame of a target counts as that target
# (absorbs timestamp rounding to the container's time base).
_POSITION_TOLERANCE = 0.01

_CONTAINER_FORMATS = {"mp4": "mp4", "mkv": "matroska", "matroska": "matroska", "webm": "webm", "avi": "avi"}
_CODEC_ALIASES = {"h264": "libx264", "vp8": "libvpx", "vp9": "libvpx-vp9"}


@dataclass(frozen=True)
class VideoInfo:
    """What `probe` learns about a file's first video stream."""

    num_frames: int
    fps: float
    width: int
    height: int
    duration: float
    codec: str


def source_name(source: VideoSource) -> str:
    """How a source is named in error messages: the path, or ``<bytes>``."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "<bytes>"
    return str(source)


@contextmanager
def _open_video(
    source: VideoSource, threads: int | None = None
) -> Iterator[tuple[av.container.InputContainer, av.video.stream.VideoStream]]:
    """Open `source` in this process and yield (container, first video stream); errors become VideoDecodeError.
    `threads`: decoder threads (None: FFmpeg's automatic count)."""
    name = source_name(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) == 0:
            raise VideoDecodeError(f"{name}: empty input (0 bytes)")
        file: io.BytesIO | str = io.BytesIO(bytes(source))
    else:
        path = Path(source)
        if path.is_dir():
            raise VideoDecodeError(f"{name}: is a directory, not a video file")
        if not path.is_file():
            raise VideoDecodeError(f"{name}: no such file")
        if path.stat().st_size == 0:
            raise VideoDecodeError(f"{name}: empty file (0 bytes)")
        file = str(path)
    try:
        container = av.open(file, mode="r")
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise VideoDecodeError(f"{name}: not a readable video container ({_reason(exc)})") from exc
    try:
        if not container.streams.video:
            kinds = sorted({s.type for s in container.streams}) or ["none"]
            raise VideoDecodeError(f"{name}: no video stream (streams: {', '.join(kinds)})")
        stream = container.streams.video[0]
        if stream.codec_context is None:
            raise VideoDecodeError(f"{name}: video stream has no decoder available")
        if threads is not None:
            stream.codec_context.thread_count = threads
        yield container, stream
    except (av.FFmpegError, OSError, ValueError, EOFError) as exc:
        raise VideoDecodeError(f"{name}: decoding failed ({_reason(exc)})") from exc
    finally:
        container.close()


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) if isinstance(exc, av.FFmpegError) else None
    text = (text or str(exc)).strip() or type(exc).__name__
    return text.splitlines()[0][:200]


def _stream_fps(stream: av.video.stream.VideoStream) -> float | None:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate is not None and rate > 0:
            return float(rate)
    return None


def _stream_duration(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> float | None:
    if stream.duration is not None and stream.time_base is not None and stream.duration > 0:
        return float(stream.duration * stream.time_base)
    if container.duration is not None and container.duration > 0:
        return container.duration / av.time_base
    return None


def probe(source: VideoSource) -> VideoInfo:
    """Read the metadata of the first video stream and check that its first frame decodes.

    ``num_frames`` is the stream's frame count when the container stores one and it agrees with
    ``duration * fps`` within a factor of 2; otherwise ``round(duration * fps)``; when neither is known,
    the number of video packets. Decoding clamps indices past the real end, so an estimate is safe.
    """
    name = source_name(source)
    with _open_video(source) as (container, stream):
        fps = _stream_fps(stream)
        duration = _stream_duration(container, stream)
        estimate = round(duration * fps) if duration is not None and fps is not None else None
        stored = stream.frames or 0
        first = next(iter(container.decode(stream)), None)
        if first is None:
            raise VideoDecodeError(f"{name}: video stream has no decodable frames")
        codec = stream.codec_context.name
    if stored > 0 and (not estimate or 0.5 <= stored / estimate <= 2.0):
        num_frames = stored
    elif estimate:
        num_frames = estimate
    else:  # no usable metadata (raw elementary streams): count the packets in a second pass
        with _open_video(source) as (container, stream):
            num_frames = sum(1 for packet in container.demux(stream) if packet.size > 0)
    if num_frames <= 0:
        raise VideoDecodeError(f"{name}: video stream has no frames")
    if fps is None:
        fps = num_frames / duration if duration else 25.0
    if duration is None:
        duration = num_frames / fps
    return VideoInfo(
        num_frames=int(num_frames),
        fps=float(fps),
        width=int(first.width),
        height=int(first.height),
        duration=float(duration),
        codec=codec,
    )


# A file holding fewer than this fraction of the frames its container declares counts as truncated.
MIN_PRESENT_FRACTION = 0.9


def completeness_problem(source: VideoSource) -> str | None:
    """Why the video stream of `source` is incomplete (truncated, corrupt mid-stream), or None when whole.

    Reads every packet of the first video stream without decoding (about as fast as reading the file):
    a truncated AVI still probes and decodes its first frames, but holds fewer packets than it declares.
    """
    try:
        with _open_video(source) as (container, stream):
            declared = int(stream.frames or 0)
            present = sum(
                1
                for packet in container.demux(stream)
                if packet.size > 0 or packet.pts is not None or packet.dts is not None
            )
    except VideoDecodeError as exc:
        prefix = f"{source_name(source)}: "
        message = str(exc)
        return message[len(prefix) :] if message.startswith(prefix) else message
    if declared > 0 and present < MIN_PRESENT_FRACTION * declared:
        return f"truncated: the container declares {declared} frames but only {present} are present"
    return None


def resized_shape(width: int, height: int, short_side: int | None) -> tuple[int, int]:
    """(width, height) after scaling so the shorter side is `short_side`.

    The long side is truncated (``int(short_side * long / short)``) exactly as transformers'
    ``VideoMAEImageProcessor`` computes it, so frames decoded at `short_side` have the processor's size.
    """
    if short_side is None:
        return width, height
    if short_side <= 0:
        raise SynaptError(f"short_side must be a positive integer, got {short_side}")
    if width <= height:
        return short_side, max(1, int(short_side * height / width))
    return max(1, int(short_side * width / height)), short_side


def _check_indices(indices: Sequence[int] | np.ndarray, name: str) -> np.ndarray:
    array = np.asarray(indices)
    if array.ndim != 1 or array.size == 0:
        raise SynaptError(f"{name}: indices must be a non-empty 1-D sequence of frame numbers")
    if not np.issubdtype(array.dtype, np.integer):
        if not np.all(np.equal(np.mod(array, 1), 0)):
            raise SynaptError(f"{name}: frame indices must be integers, got {array.dtype}")
        array = array.astype(np.int64)
    if array.min() < 0:
        raise SynaptError(f"{name}: frame indices must be >= 0, got {int(array.min())}")
    return array.astype(np.int64)


def decode_frames(
    source: VideoSource,
    indices: Sequence[int] | np.ndarray,
    short_side: int | None = None,
    threads: int | None = None,
) -> np.ndarray:
    """Decode the frames at `indices` as a (T, H, W, 3) uint8 RGB array, in the order of `indices`.

    Indices may repeat or be unsorted. The decoder seeks to the keyframe before the first needed frame,
    stops after the last one, converts only the needed frames, and lets libswscale resize them so the
    shorter side is `short_side` (bilinear) during the RGB conversion. If a seek lands past the first
    target (unreliable indexes, e.g. some AVI files) it decodes from the start instead. `threads`: decoder
    threads (None: FFmpeg's automatic count; 1 where many processes decode at once, as DataLoader workers
    do: the automatic threads cost about a quarter more CPU time on a 224 px H.264 clip for no gain there).
    """
    name = source_name(source)
    targets = _check_indices(indices, name)
    wanted = np.unique(targets)
    picked = None
    if wanted[0] > 0:
        with _open_video(source, threads) as (container, stream):
            picked = _decode_targets(container, stream, wanted, short_side, seek=True)
    if picked is None:  # no seek needed, or it failed / landed after the first target: decode from the start
        with _open_video(source, threads) as (container, stream):
            picked = _decode_targets(container, stream, wanted, short_side, seek=False)
    if not picked:
        raise VideoDecodeError(f"{name}: video stream has no decodable frames")
    order = {int(index): i for i, index in enumerate(wanted)}
    stacked = np.stack([picked[order[int(index)]] for index in targets])
    return stacked


def _decode_targets(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    wanted: np.ndarray,
    short_side: int | None,
    seek: bool,
) -> list[np.ndarray] | None:
    """Decode the sorted unique `wanted` indices.

    With `seek`, returns None when seeking is impossible or lands after the first wanted frame (the
    caller then decodes from the start).
    """
    fps = _stream_fps(stream) or 25.0
    time_base = stream.time_base
    start = stream.start_time or 0
    if seek:
        if time_base is None:
            return None
        target_pts = start + math.floor(float(wanted[0]) / fps / float(time_base))
        try:
            container.seek(target_pts, stream=stream, backward=True, any_frame=False)
        except (av.FFmpegError, OSError):
            return None
    out: list[np.ndarray] = []
    converted: tuple[int, np.ndarray] | None = None  # (ordinal of the frame, its pixels): reuse for repeats
    # One reformatter for the clip keeps its libswscale context: `frame.to_ndarray(width=..., ...)` builds a
    # new one per frame, 3x the conversion time of a 224 px frame (same pixels).
    reformatter = VideoReformatter()
    previous: tuple[int, av.VideoFrame] | None = None
    ordinal = -1
    next_target = 0

    def convert(item: tuple[int, av.VideoFrame]) -> np.ndarray:
        nonlocal converted
        if converted is None or converted[0] != item[0]:
            frame = item[1]
            width, height = resized_shape(frame.width, frame.height, short_side)
            rgb = reformatter.reformat(frame, width=width, height=height, format="rgb24")
            converted = (item[0], rgb.to_ndarray())
        return converted[1]

    for frame in container.decode(stream):
        ordinal += 1
        if frame.pts is not None and time_base is not None:
            position = float((frame.pts - start) * time_base) * fps
        elif seek:
            return None  # no timestamps: only counting from the first frame is meaningful
        else:
            position = float(ordinal)
        current = (ordinal, frame)
        while next_target < len(wanted):
            target = float(wanted[next_target])
            if abs(position - target) <= _POSITION_TOLERANCE:
                out.append(convert(current))
            elif position > target:
                if previous is None:
                    if seek:
                        return None
                    out.append(convert(current))  # the stream starts late: use its first frame
                else:
                    out.append(convert(previous))
            else:
                break
            next_target += 1
        if next_target == len(wanted):
            return out
        previous = current
    if previous is None:
        return [] if not seek else None
    while next_target < len(wanted):  # past the real end: clamp to the last decoded frame
        out.append(convert(previous))
        next_target += 1
    return out


def _frames_array(frames: np.ndarray) -> np.ndarray:
    array = np.asarray(frames)
    if array.ndim != 4 or array.shape[-1] != 3 or array.shape[0] == 0:
        raise SynaptError(f"encode_video: frames must have shape (T, H, W, 3) with T > 0, got {array.shape}")
    if array.dtype != np.uint8:
        raise SynaptError(f"encode_video: frames must be uint8, got {array.dtype}")
    return array


def encode_video(
    frames: np.ndarray,
    fps: float,
    codec: str = "h264",
    container: str = "mp4",
    crf: int = 23,
    pix_fmt: str = "yuv420p",
    gop_size: int | None = None,
    options: dict[str, str] | None = None,
    threads: int | None = 1,
) -> bytes:
    """Encode (T, H, W, 3) uint8 RGB frames into a complete video file held in memory.

    `codec` is an FFmpeg encoder name (``h264``/``libx264``, ``mpeg4``, ``vp8``/``libvpx``,
    ``vp9``/``libvpx-vp9``...), `container` one of mp4, mkv, webm, avi. `crf` sets constant quality for
    x264/VPx (for ``mpeg4``, which has no CRF, it maps to the quantiser ``max(2, crf // 8)``). With a
    chroma-subsampled `pix_fmt` (``yuv420p``, ``yuv422p``...) odd widths/heights are padded by repeating
    the last row/column, so the decoded video is at most one pixel larger than the input.

    The same frames and settings give the same bytes: `threads` pins the encoder's thread count (default
    1; None lets FFmpeg pick one from the machine's cores, and x264/VPx then write different bytes on
    machines with different core counts), and x264 runs without its macroblock tree, whose assembly path
    gave different bytes for the same frames from call to call (see `encoder_options`).
    """
    array = _frames_array(frames)
    if not fps or fps <= 0 or not math.isfinite(fps):
        raise SynaptError(f"encode_video: fps must be a positive number, got {fps}")
    format_name = _CONTAINER_FORMATS.get(container.lower())
    if format_name is None:
        raise SynaptError(
            f"encode_video: unknown container {container!r} (choose from {sorted(_CONTAINER_FORMATS)})"
        )
    encoder = _CODEC_ALIASES.get(codec, codec)
    if encoder not in av.codecs_available:
        raise SynaptError(f"encode_video: codec {codec!r} is not available in this FFmpeg build")
    if pix_fmt.startswith(("yuv420", "yuvj420", "nv12")):
        array = _pad_to_even(array, rows=True, cols=True)
    elif pix_fmt.startswith(("yuv422", "yuvj422")):
        array = _pad_to_even(array, rows=False, cols=True)
    _, height, width, _ = array.shape
    rate = Fraction(fps).limit_denominator(100_000)
    buffer = io.BytesIO()
    try:
        with av.open(buffer, mode="w", format=format_name) as output:
            stream = output.add_stream(encoder, rate=rate)
            stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
            if gop_size is not None:
                stream.codec_context.gop_size = int(gop_size)
            if threads is not None:
                stream.codec_context.thread_count = int(threads)
            stream.options = {**encoder_options(encoder, crf, threads), **(options or {})}
            if encoder == "libvpx":  # VP8 CRF is capped by the target bit rate: keep it generous
                stream.bit_rate = 20_000_000
            if encoder in _QUANTISER_CODECS:  # no CRF: pin the quantiser (a generous bit-rate cap)
                stream.codec_context.qmin = stream.codec_context.qmax = mpeg_quantiser(crf)
                stream.bit_rate = 50_000_000
            for frame_pixels in array:
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame_pixels), format="rgb24")
                for packet in stream.encode(frame):
                    output.mux(packet)
            for packet in stream.encode(None):
                output.mux(packet)
    except (av.FFmpegError, ValueError) as exc:
        raise SynaptError(f"encode_video: {encoder} in {format_name} failed ({_reason(exc)})") from exc
    return buffer.getvalue()


def encoder_options(codec: str, crf: int, threads: int | None = 1) -> dict[str, str]:
    """The FFmpeg options `encode_video` gives `codec` (quality, thread count, reproducibility)."""
    encoder = _CODEC_ALIASES.get(codec, codec)
    options = _quality_options(encoder, crf)
    if encoder == "libx264":
        options["x264-params"] = "mbtree=0"
    if threads is not None:
        options["threads"] = str(int(threads))
    return options


def _quality_options(encoder: str, crf: int) -> dict[str, str]:
    if encoder in ("libx264", "libx265"):
        return {"crf": str(crf)}
    if encoder == "libvpx":
        return {"crf": str(min(max(crf, 4), 63))}
    if encoder == "libvpx-vp9":
        return {"crf": str(min(max(crf, 0), 63)), "b": "0"}
    return {}


_QUANTISER_CODECS = ("mpeg4", "mpeg2video", "mpeg1video", "msmpeg4v2", "msmpeg4", "mjpeg")


def mpeg_quantiser(crf: int) -> int:
    """The fixed quantiser (2 best .. 31 worst) used for encoders without CRF: ``clip(round(crf / 5), 2, 31)``."""
    return int(min(max(round(crf / 5), 2), 31))


def _pad_to_even(array: np.ndarray, rows: bool, cols: bool) -> np.ndarray:
    pad_rows = array.shape[1] % 2 if rows else 0
    pad_cols = array.shape[2] % 2 if cols else 0
    if not (pad_rows or pad_cols):
        return array
    return np.pad(array, ((0, 0), (0, pad_rows), (0, pad_cols), (0, 0)), mode="edge")
