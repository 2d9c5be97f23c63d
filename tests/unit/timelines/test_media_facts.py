"""Media facts: exact rates, the MP4/MOV header reader (the cloud's, no FFmpeg) against PyAV, suffixes."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from scene_select.cloud.timelines import format_for_path, normalise_rate
from scene_select.cloud.timelines.formats import timeline_file_name
from scene_select.cloud.timelines.mp4 import HeaderInfo, Mp4HeaderError, read_mp4_header
from scene_select_testkit.timelines import BATCH, MEDIA, ODD_NAME, STILL

av = pytest.importorskip("av", reason="PyAV (the local extra) is the reference the header reader is checked against")

from scene_select.workstation.engine.timeline_media import probe_timeline_media  # noqa: E402

MP4_FAMILY = [name for name in MEDIA if not name.endswith(".mkv")]


def _read_file(path: Path, calls: list[tuple[int, int]] | None = None) -> HeaderInfo:
    data = path.read_bytes()

    def read(offset: int, length: int) -> bytes:
        if calls is not None:
            calls.append((offset, length))
        return data[offset : offset + length]

    return read_mp4_header(read)


def test_normalise_rate() -> None:
    assert normalise_rate(29.97) == Fraction(30000, 1001)
    assert normalise_rate(23.976) == Fraction(24000, 1001)
    assert normalise_rate(Fraction(2997, 100)) == Fraction(30000, 1001)
    assert normalise_rate(29.98) == Fraction(30000, 1001)  # a variable-frame-rate phone average
    assert normalise_rate(30) == 30
    assert normalise_rate(12.5) == Fraction(25, 2)
    assert normalise_rate("60000/1001") == Fraction(60000, 1001)
    with pytest.raises(ValueError, match="positive"):
        normalise_rate(0)


def test_format_for_path() -> None:
    assert format_for_path("a/timeline.otio") == "otio"
    assert format_for_path("T.FCPXML") == "fcpxml"
    assert format_for_path("timeline.xml") == "fcp7xml"
    assert format_for_path(Path("x.edl")) == "edl"
    with pytest.raises(ValueError, match=r"unknown timeline suffix \.aaf \(known: \.edl, \.fcpxml, \.otio, \.xml\)"):
        format_for_path("timeline.aaf")
    with pytest.raises(ValueError, match="unknown timeline suffix"):
        format_for_path("timeline")


def test_file_names_one_per_output() -> None:
    assert timeline_file_name("otio", 1, 1) == "timeline.otio"
    assert timeline_file_name("fcp7xml", 2, 3) == "timeline-2.xml"
    assert timeline_file_name("edl", 1, 2) == "timeline-1.edl"


def test_probe_gives_exact_rates_timecode_sound_and_stills(timeline_bucket: Path) -> None:
    folder = timeline_bucket / BATCH
    v25 = probe_timeline_media(folder / "v25.mp4")
    assert (v25.rate, v25.has_audio, v25.rate_source) == (25, True, "probed")
    assert v25.location.startswith("file:///") and v25.location.endswith("/v25.mp4")
    ntsc = probe_timeline_media(folder / "v2997.mov")
    assert ntsc.rate == Fraction(30000, 1001)
    assert ntsc.start_timecode == "01:00:00;00"
    assert ntsc.has_audio is False
    assert probe_timeline_media(folder / "v24.mp4").rate == 24
    assert probe_timeline_media(folder / "v23976.mp4").rate == Fraction(24000, 1001)
    assert probe_timeline_media(folder / "v125.mp4").rate == Fraction(25, 2)
    assert probe_timeline_media(folder / "v25.mkv").rate == 25  # PyAV reads every container
    still = probe_timeline_media(folder / STILL)
    assert still.is_still and still.rate is None
    odd = probe_timeline_media(folder / ODD_NAME)
    assert " " not in odd.location and "'" not in odd.location  # percent-encoded


@pytest.mark.parametrize("name", MP4_FAMILY)
def test_container_header_rate_matches_pyav_exactly(timeline_bucket: Path, name: str) -> None:
    path = timeline_bucket / BATCH / name
    header = _read_file(path)
    probed = probe_timeline_media(path)
    assert normalise_rate(header.rate) == probed.rate
    assert header.constant_rate
    assert header.has_audio is bool(probed.has_audio)
    assert probed.duration is not None and abs(header.duration - probed.duration) < 0.05


def test_header_reads_only_the_header(timeline_bucket: Path) -> None:
    """One read for a faststart file; three when moov follows mdat; never the media data."""
    faststart: list[tuple[int, int]] = []
    _read_file(timeline_bucket / BATCH / "v23976.mp4", faststart)
    assert len(faststart) == 1
    moov_last: list[tuple[int, int]] = []
    path = timeline_bucket / BATCH / "v24.mp4"
    _read_file(path, moov_last)
    assert len(moov_last) <= 3
    size = path.stat().st_size
    assert sum(length for _, length in moov_last) < size  # less than the file; no mdat read


@pytest.mark.parametrize("name", ["v25.mkv", STILL])
def test_header_reader_refuses_other_containers(timeline_bucket: Path, name: str) -> None:
    with pytest.raises(Mp4HeaderError, match="not an ISO-BMFF"):
        _read_file(timeline_bucket / BATCH / name)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "no moov box"),
        (b"\x00\x00\x00\x10ftypisom\x00\x00\x00\x00", "no moov box"),
        (b"\x00\x00\x00\x04ftyp", "invalid box size"),
        (b"\x00\x00\x00\x10ftypisom\x00\x00\x00\x00\x00\x00\x00\x08moov", "no video track"),
    ],
)
def test_header_reader_says_what_is_wrong(data: bytes, message: str) -> None:
    with pytest.raises(Mp4HeaderError, match=message):
        read_mp4_header(lambda offset, length: data[offset : offset + length])


def test_header_reader_with_a_known_size(timeline_bucket: Path) -> None:
    data = (timeline_bucket / BATCH / "v25.mp4").read_bytes()
    header = read_mp4_header(lambda offset, length: data[offset : offset + length], len(data), first_read=1024)
    assert header.rate == 25 and header.has_audio
