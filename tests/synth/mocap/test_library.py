"""`synapt motions import` into a saved library, loading it, and the generator drawing motions from it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from synapt_hf.cli import main
from synapt_hf.errors import SynaptError
from synapt_hf.synth.body import JOINT_INDEX
from synapt_hf.synth.clips import render_clips, sample_clip
from synapt_hf.synth.config import GeneratorConfig
from synapt_hf.synth.mocap.labels import Labeller, cmu_class, hdm05_class, read_label_file
from synapt_hf.synth.mocap.library import import_motions, load_library

MOCAP = Path("/work/shared/data/mocap")


@pytest.fixture
def library(capture_dir: Path, tmp_path: Path) -> Path:
    labels = tmp_path / "labels.csv"
    labels.write_text("file,class\n02_*.bvh.gz,mocap_walk\n")
    out = tmp_path / "library"
    code = main(["motions", "import", str(capture_dir), "--labels", str(labels), "--out", str(out),
                 "--segment-seconds", "2", "--stride-seconds", "1"])  # fmt: skip
    assert code == 0
    return out


def test_import_writes_segments_and_card(library: Path) -> None:
    loaded = load_library(str(library))
    # the 3.3 s BVH walk: windows of 2 s every 1 s; each 0.74 s AMC squat is one segment (HDM05 name rule).
    assert loaded.classes.count("mocap_walk") == 2 and loaded.classes.count("squatting") == 2
    assert loaded.class_names == ("mocap_walk", "squatting")
    walk = loaded.motions[loaded.by_class["mocap_walk"][0]]
    assert walk.fps == 30.0 and walk.num_frames == 61 and walk.directions.dtype == np.float64
    card = (library / "README.md").read_text()
    assert "HDM05" in card and "CC-BY-SA-3.0" in card and "mocap.cs.cmu.edu" in card  # known by file name
    assert "| mocap_walk | 2 |" in card


def test_generator_draws_library_motions(library: Path) -> None:
    config = GeneratorConfig.create("walking,squatting,mocap_walk", motions=str(library), frames=8, size=32)
    assert GeneratorConfig.from_dict(config.to_dict()) == config
    assert GeneratorConfig.create("all", motions=str(library)).classes[-1] == "mocap_walk"
    sources: dict[str, set[str]] = {}
    for index in range(18):
        sample = sample_clip(config, "train", index)
        motion = sample.metadata["motion"]
        sources.setdefault(sample.metadata["class_name"], set()).add(motion["source"])
        again = sample_clip(config, "train", index)
        assert again.metadata == sample.metadata  # a pure function of (config, split, index)
        np.testing.assert_array_equal(again.scene.seg_a, sample.scene.seg_a)
    assert sources["mocap_walk"] == {"library"}
    assert sources["walking"] == {"procedural"}  # not in this library
    assert sources["squatting"] == {"library", "procedural"}  # both sources feed a shared class
    video, _ = render_clips(config, [0, 1, 2])
    assert video.shape == (3, 8, 32, 32, 3) and video.float().std() > 1


def test_procedural_classes_render_unchanged_beside_a_library(library: Path) -> None:
    plain = GeneratorConfig.create("walking,kicking", frames=4, size=32)
    with_library = GeneratorConfig.create("walking,kicking", frames=4, size=32, motions=str(library))
    a, _ = render_clips(plain, range(4))
    b, _ = render_clips(with_library, range(4))
    assert bool((a == b).all())


def test_labels_and_errors(tmp_path: Path, capture_dir: Path) -> None:
    assert hdm05_class("HDM_bd_kickLFront1Reps_001_120.amc.gz") == "kicking"
    assert hdm05_class("HDM_bd_cartwheelLHandStart1Reps_001_120.amc") == "cartwheel_l_hand_start"
    assert hdm05_class("02_01.bvh") is None
    assert (
        cmu_class("run/jog") == "running"
        and cmu_class("slow walk") == "walking"
        and cmu_class("climb") is None
    )
    yaml_labels = tmp_path / "l.yaml"
    yaml_labels.write_text("'*.bvh.gz': strolling\n")
    assert read_label_file(yaml_labels) == [("*.bvh.gz", "strolling")]
    bad = tmp_path / "bad.csv"
    bad.write_text("a.bvh,walking,extra\n")
    with pytest.raises(SynaptError, match=r"bad\.csv: line 1: expected 'file_glob_or_name,class'"):
        read_label_file(bad)
    with pytest.raises(SynaptError, match="no labelled segments"):
        import_motions([capture_dir / "02_01.bvh.gz"], Labeller())
    with pytest.raises(SynaptError, match="capture: cannot load the motion library"):
        GeneratorConfig.create(2, motions=str(capture_dir))


@pytest.mark.skipif(not MOCAP.exists(), reason="shared motion capture not present")
def test_real_library(tmp_path: Path) -> None:
    from synapt_hf.synth.mocap.labels import read_cmu_index

    sources = [MOCAP / "cmu" / f"{t}.bvh.gz" for t in ("02_01", "09_01", "13_39")]
    sources += [MOCAP / "hdm05" / "amc" / f"{c}.amc.gz" for c in
                ("HDM_bd_squat1Reps_001_120", "HDM_bd_rotateArmsBothBackward1Reps_001_120", "HDM_bd_sneak2StepsLStart_001_120")]  # fmt: skip
    dataset = import_motions(sources, Labeller(cmu_index=read_cmu_index(MOCAP / "cmu" / "index.csv")))
    assert set(dataset["class_name"]) == {
        "walking",
        "running",
        "jumping",
        "squatting",
        "arm_circling",
        "sneaking",
    }
    out = tmp_path / "real"
    dataset.save_to_disk(str(out))
    config = GeneratorConfig.create("walking,sneaking", motions=str(out), motions_share=1.0, frames=16)
    for index in range(6):
        assert sample_clip(config, "train", index).metadata["motion"]["source"] == "library"
    from synapt_hf.synth.body import BodyShape
    from synapt_hf.synth.mocap.library import draw_motion
    from synapt_hf.synth.mocap.retarget import motion_pose

    library = load_library(str(out))
    rng = np.random.default_rng(0)
    motion, _ = draw_motion(library, "walking", rng, 16, 12.0)
    pose = motion_pose(motion, BodyShape())
    pelvis = pose[:, JOINT_INDEX["pelvis"]]
    assert np.linalg.norm(pelvis[-1, [0, 2]] - pelvis[0, [0, 2]]) > 0.8  # ~1.3 s of walking
    assert abs(pelvis[:, [0, 2]].mean(0)).max() < 1e-9  # centred on the origin
    assert pose[..., 1].min() >= 0.0


def test_import_and_push_to_the_hub(capture_dir: Path, tmp_path: Path, fake_hub) -> None:
    import datasets
    from huggingface_hub import DatasetCard

    labels = tmp_path / "labels.csv"
    labels.write_text("file,class\n02_*.bvh.gz,mocap_walk\n")
    out, repo = tmp_path / "library", "synapt-test/motions"
    assert main(["motions", "import", str(capture_dir), "--labels", str(labels), "--out", str(out),
                 "--push-to-hub", repo]) == 0  # fmt: skip
    card = DatasetCard(fake_hub.files(repo)["README.md"].decode())
    assert card.data.pretty_name == "synapt-hf motion library" and "| mocap_walk |" in card.text
    assert card.data.configs[0]["data_files"][0]["split"] == "train"  # from push_to_hub
    pushed, local = datasets.load_dataset(repo, split="train"), datasets.load_from_disk(str(out))
    assert pushed["id"] == local["id"] and pushed["directions"] == local["directions"]
