"""Decoding pictures upright: a phone stores a photo taken upright on its side and says so in the EXIF
orientation (a video in its display matrix); what the analysers see must be the picture as it is shown."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from scene_select.workstation.engine.decode import (
    THUMB_HEIGHT,
    THUMB_WIDTH,
    DecodeOptions,
    decode_media,
    decoder_threads,
)
from scene_select.workstation.engine.probe import probe_media
from scene_select.workstation.engine.synth import Segment, make_video


class _Keep:
    """A sink that keeps the last thumbnail and sample."""

    def __init__(self) -> None:
        self.thumb = np.zeros(0, np.uint8)
        self.sample = np.zeros(0, np.uint8)

    def on_thumb(self, t: float, thumb: npt.NDArray[np.uint8]) -> None:
        self.thumb = thumb

    def want_sample(self, t: float) -> bool:
        return True

    def on_sample(self, t: float, rgb: npt.NDArray[np.uint8]) -> None:
        self.sample = rgb

    def on_audio(self, samples: npt.NDArray[np.float32]) -> None:
        pass


@pytest.mark.parametrize(("orientation", "turns"), [(1, 0), (6, 1), (8, 3), (3, 2)])
def test_a_photo_is_seen_the_way_up_it_is_shown(tmp_path: Path, orientation: int, turns: int) -> None:
    """Upright, the picture is 300 wide and 400 high, red above and blue below; it is stored turned so that
    its EXIF orientation (6: turn clockwise to show, 8: anticlockwise, 3: half a turn) brings it back."""
    from PIL import Image, ImageOps

    upright = np.zeros((400, 300, 3), np.uint8)
    upright[:200, :, 0] = 255
    upright[200:, :, 2] = 255
    stored = Image.fromarray(np.ascontiguousarray(np.rot90(upright, turns)))
    exif = stored.getexif()
    exif[0x0112] = orientation
    path = tmp_path / f"photo-{orientation}.jpg"
    stored.save(path, exif=exif)
    shown = np.asarray(ImageOps.exif_transpose(Image.open(path)))  # Pillow's reading of the same tag
    assert shown.shape == (400, 300, 3) and shown[:100, :, 0].mean() > 200

    info = probe_media(path)
    assert (info.width, info.height) == (300, 400)  # the size it is shown at
    sink = _Keep()
    decode_media(path, info, sink)
    assert sink.sample.shape == (400, 300, 3)
    assert sink.sample[:100, :, 0].mean() > 200 and sink.sample[:100, :, 2].mean() < 50  # red on top
    assert sink.sample[-100:, :, 2].mean() > 200  # blue below
    assert sink.thumb.shape == (THUMB_HEIGHT, THUMB_WIDTH, 3)
    assert sink.thumb[:8, :, 0].mean() > 200 and sink.thumb[-8:, :, 2].mean() > 200


class _KeepAll(_Keep):
    """A sink that keeps every thumbnail and sample, with its time."""

    def __init__(self) -> None:
        super().__init__()
        self.pictures: list[tuple[float, npt.NDArray[np.uint8]]] = []

    def on_thumb(self, t: float, thumb: npt.NDArray[np.uint8]) -> None:
        self.pictures.append((t, thumb))

    def on_sample(self, t: float, rgb: npt.NDArray[np.uint8]) -> None:
        self.pictures.append((t, rgb))


def test_the_decoder_takes_every_core_but_one_and_sees_the_same_pictures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for cores, threads in ((None, 1), (1, 1), (2, 1), (8, 7)):
        monkeypatch.setattr("os.cpu_count", lambda cores=cores: cores)
        assert decoder_threads() == threads
    monkeypatch.undo()
    path = make_video(tmp_path / "moving.mp4", [Segment(3.0, "testsrc2", "", "silence")], width=320, height=180)
    info = probe_media(path)
    one, three = _KeepAll(), _KeepAll()
    decode_media(path, info, one, options=DecodeOptions(threads=1))
    decode_media(path, info, three, options=DecodeOptions(threads=3))
    assert len(one.pictures) == len(three.pictures) > 20
    for (t1, a), (t3, b) in zip(one.pictures, three.pictures, strict=True):
        assert t1 == t3 and np.array_equal(a, b)
