"""Project-wide fixtures: tiny real videos with known frame content, and the shared real data folder.

Frame ``k`` of a generated video is a flat colour that encodes ``k``: red = ``(k % 16) * 16 + 8``,
green = ``(k // 16) * 16 + 8``, blue = 128. Steps of 16 grey levels survive lossy compression, so
``known_content.index(frame)`` recovers ``k`` from a decoded frame (up to 256 frames).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

SHARED_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


class KnownContent:
    """Encode a frame index into pixels and read it back."""

    @staticmethod
    def frame(index: int, height: int, width: int) -> np.ndarray:
        pixels = np.empty((height, width, 3), dtype=np.uint8)
        pixels[..., 0] = (index % 16) * 16 + 8
        pixels[..., 1] = (index // 16) * 16 + 8
        pixels[..., 2] = 128
        return pixels

    @classmethod
    def frames(cls, num_frames: int, height: int, width: int) -> np.ndarray:
        return np.stack([cls.frame(k, height, width) for k in range(num_frames)])

    @staticmethod
    def index(frame: np.ndarray) -> int:
        """The index encoded in one decoded (H, W, 3) frame (read from its central region)."""
        height, width = frame.shape[:2]
        centre = frame[
            height // 4 : max(height // 4 + 1, 3 * height // 4),
            width // 4 : max(width // 4 + 1, 3 * width // 4),
        ]
        red, green = centre[..., 0].mean(), centre[..., 1].mean()
        return round((float(red) - 8) / 16) + 16 * round((float(green) - 8) / 16)

    @classmethod
    def indices(cls, frames: np.ndarray) -> list[int]:
        return [cls.index(frame) for frame in frames]


@pytest.fixture
def known_content() -> type[KnownContent]:
    return KnownContent


_CONTAINER_OF_SUFFIX = {
    ".mp4": "mp4",
    ".mkv": "matroska",
    ".webm": "webm",
    ".avi": "avi",
    ".mov": "mov",
    ".ts": "mpegts",
    ".h264": "h264",
}


def write_video(
    path: Path,
    num_frames: int = 24,
    width: int = 64,
    height: int = 48,
    fps: int = 25,
    codec: str = "libx264",
    gop_size: int = 8,
    pts_ms: Sequence[int] | None = None,
    options: dict[str, str] | None = None,
) -> Path:
    """Write a video of KnownContent frames with PyAV directly (independent of synapt_hf's encoder).

    `pts_ms` gives each frame's presentation time in milliseconds (variable frame rate).
    """
    container_format = _CONTAINER_OF_SUFFIX[path.suffix]
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), mode="w", format=container_format) as output:
        stream = output.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.gop_size = gop_size
        defaults = {"libx264": {"crf": "12"}}.get(codec, {})
        stream.options = {**defaults, **(options or {})}
        if codec == "libvpx":
            stream.bit_rate = 5_000_000
        if codec == "mpeg4":  # fixed fine quantiser
            stream.codec_context.qmin = stream.codec_context.qmax = 3
            stream.bit_rate = 20_000_000
        if pts_ms is not None:
            stream.codec_context.time_base = Fraction(1, 1000)
        for k in range(num_frames):
            frame = av.VideoFrame.from_ndarray(KnownContent.frame(k, height, width), format="rgb24")
            if pts_ms is not None:
                frame.pts = int(pts_ms[k])
                frame.time_base = Fraction(1, 1000)
            for packet in stream.encode(frame):
                output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return path


def write_audio_only(path: Path, seconds: float = 0.5, sample_rate: int = 16000) -> Path:
    """Write a mono sine-wave audio file with no video stream."""
    with av.open(str(path), mode="w") as output:
        stream = output.add_stream("pcm_s16le", rate=sample_rate)
        stream.layout = "mono"
        samples = (
            np.sin(np.linspace(0, 440 * 2 * np.pi * seconds, int(sample_rate * seconds))) * 8000
        ).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(samples[None, :], format="s16", layout="mono")
        frame.sample_rate = sample_rate
        for packet in stream.encode(frame):
            output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return path


@pytest.fixture
def make_video(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``make_video("clip.mp4", num_frames=24, width=64, height=48, fps=25, codec="libx264", ...)``.

    The suffix picks the container (.mp4 .mkv .webm .avi .mov .ts .h264); `name` may contain folders
    (created under tmp_path, or used as is when absolute); frames carry KnownContent. Returns the path.
    """

    def make(name: str = "clip.mp4", **kwargs) -> Path:
        return write_video(tmp_path / name, **kwargs)

    return make


@pytest.fixture
def make_audio_only(tmp_path: Path) -> Callable[..., Path]:
    def make(name: str = "audio.wav", **kwargs) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_audio_only(path, **kwargs)

    return make


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real data folder next to the repository (``../shared/data``); skips the test when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} not present")
    return SHARED_DATA.resolve()


TINY_SIZES = {  # the smallest transformer that still builds: 2x2 patches of 16 px, 4 frames, one layer
    "image_size": 32,
    "patch_size": 16,
    "num_frames": 4,
    "hidden_size": 32,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
    "intermediate_size": 64,
}
TINY_VIDEOMAE_EXTRA = {
    "tubelet_size": 2,
    "decoder_hidden_size": 32,
    "decoder_num_hidden_layers": 1,
    "decoder_num_attention_heads": 2,
    "decoder_intermediate_size": 64,
}


def tiny_video_config(architecture: str = "videomae", labels: Sequence[str] | None = None, **overrides):
    """A tiny real `VideoMAEConfig` (with a tiny MAE decoder) or `TimesformerConfig`; `labels` names the classes."""
    from transformers import TimesformerConfig, VideoMAEConfig

    fields = dict(TINY_SIZES)
    if labels is not None:
        fields.update(
            num_labels=len(labels),
            id2label=dict(enumerate(labels)),
            label2id={label: index for index, label in enumerate(labels)},
        )
    if architecture == "videomae":
        return VideoMAEConfig(**{**fields, **TINY_VIDEOMAE_EXTRA, **overrides})
    if architecture == "timesformer":
        return TimesformerConfig(**{**fields, **overrides})
    raise ValueError(f"no tiny config for {architecture!r}")


def tiny_image_processor():
    """The VideoMAE image processor sized for `tiny_video_config` (32 px short side and crop)."""
    from transformers import VideoMAEImageProcessor

    return VideoMAEImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})


@pytest.fixture(scope="session")
def tiny_model_config() -> Callable[..., object]:
    """Factory: ``tiny_model_config("videomae" | "timesformer", labels=None, **overrides)`` (see `tiny_video_config`)."""
    return tiny_video_config


@pytest.fixture(scope="session")
def tiny_processor() -> Callable[[], object]:
    """Factory: ``tiny_processor()`` -> a VideoMAE image processor matching `tiny_model_config`."""
    return tiny_image_processor


def _assert_same_pixels_up_to_rounding(
    got, expected, level: float = 1 / 255 / 0.224, fraction: float = 1e-3
) -> None:
    """Normalised clips equal but for rare values that rounded to the neighbouring grey level (at most one
    level apart, in at most `fraction` of the values): two exact computations in different float order."""
    assert got.shape == expected.shape
    difference = (got - expected).abs()
    assert float(difference.max()) <= level * 1.01, float(difference.max())
    assert float((difference > 1e-4).float().mean()) <= fraction


@pytest.fixture(scope="session")
def same_pixels_up_to_rounding() -> Callable[..., None]:
    """``check(got, expected)``: see `_assert_same_pixels_up_to_rounding`."""
    return _assert_same_pixels_up_to_rounding


@pytest.fixture
def fake_hub(monkeypatch, tmp_path: Path):
    """The loopback Hub of tests/hub/fake_hub.py, started; HF_TOKEN is its token and HF_ENDPOINT its URL (also
    seen by subprocesses); xet is off so the client takes the plain LFS path."""
    import importlib.util
    import sys

    from huggingface_hub import constants

    name = "synapt_tests_fake_hub"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, Path(__file__).resolve().parent / "hub" / "fake_hub.py"
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    token = "hf_synapt_test_secret_0123456789"
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)
    monkeypatch.setenv("HF_HUB_DISABLE_XET", "1")
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "no-saved-token"))
    monkeypatch.setenv("HF_TOKEN_PATH", str(tmp_path / "no-saved-token"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_TOKEN", token)
    with sys.modules[name].FakeHub(token=token) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        # `datasets` and `huggingface_hub` read HF_ENDPOINT at import: point their copies at the loopback Hub
        import datasets
        from huggingface_hub import hf_api

        monkeypatch.setattr(constants, "ENDPOINT", hub.url)
        monkeypatch.setattr(hf_api.api, "endpoint", hub.url)  # the default client behind `upload_file` & co.
        monkeypatch.setattr(
            constants, "HUGGINGFACE_CO_URL_TEMPLATE", hub.url + "/{repo_id}/resolve/{revision}/{filename}"
        )
        monkeypatch.setattr(datasets.config, "HF_ENDPOINT", hub.url)
        monkeypatch.setattr(
            datasets.config, "HUB_DATASETS_URL", hub.url + "/datasets/{repo_id}/resolve/{revision}/{path}"
        )
        for variable, folder in (
            ("HF_HUB_CACHE", "hf-hub-cache"),
            ("HF_DATASETS_CACHE", "hf-datasets-cache"),
        ):
            monkeypatch.setenv(variable, str(tmp_path / folder))  # downloads stay inside the test
        monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf-hub-cache"))
        monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-datasets-cache")
        monkeypatch.setattr(
            datasets.config, "DOWNLOADED_DATASETS_PATH", tmp_path / "hf-datasets-cache" / "downloads"
        )
        yield hub


class _TerminalText(io.StringIO):
    """Text written to a stream that says it is a terminal (as a user's stderr does)."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def tty_stderr(monkeypatch) -> Callable[[], io.StringIO]:
    """``stream = tty_stderr()`` replaces `sys.stderr` by a terminal-like buffer (`.getvalue()` reads it).
    Call it in the test body: pytest's output capture sets `sys.stderr` again when the test starts."""

    def install() -> io.StringIO:
        stream = _TerminalText()
        monkeypatch.setattr(sys, "stderr", stream)
        return stream

    return install
