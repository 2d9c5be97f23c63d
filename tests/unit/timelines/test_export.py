"""export_selection over real media probed by PyAV: every format read back through its own adapter.

"Round trip" means the file reads back through the same OTIO adapter with the same clips (media in
order, in/out within one frame); no editor is involved.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from scene_select.cloud.timelines import MediaInfo, MediaInfoFn, TimelineExport, export_selection
from scene_select_testkit.timelines import (
    BATCH,
    HIGHLIGHTS,
    HOST,
    INTEGER,
    MIXED,
    NTSC_TC_FRAMES,
    NTSC_TC_SECONDS,
    ODD_NAME,
    STILL,
    assert_same_clips,
    clip,
    read_one,
    text_selection,
)

otio = pytest.importorskip("opentimelineio")
pytest.importorskip("av", reason="PyAV probes the media (the local extra)")

from scene_select.cloud.timelines.build import build_timelines  # noqa: E402
from scene_select.workstation.engine.resolve import MediaResolver  # noqa: E402
from scene_select.workstation.engine.timeline_media import probe_media_info  # noqa: E402

ALL_SUFFIXES = (".otio", ".fcpxml", ".xml", ".edl")


@pytest.fixture
def probed(timeline_bucket: Path) -> MediaInfoFn:
    """The workstation's media facts: the OSS URLs of the selections map to the bucket directory."""
    return probe_media_info(MediaResolver(bucket_dirs={"scene-bucket": timeline_bucket}))


def _failed(export: TimelineExport) -> dict[str, str]:
    return {entry["file"]: entry["reason"] for entry in export.failed}


# --- building -----------------------------------------------------------------------------------------


def test_build_is_faithful_to_the_frame(probed: MediaInfoFn, timeline_bucket: Path) -> None:
    timelines = build_timelines(MIXED, probed)
    assert len(timelines) == 2
    first = timelines[0]
    clips = list(first.find_clips())
    # 1.234 s at 30000/1001 is frame 37 after the 01:00:00;00 (frame 107892) start timecode.
    ntsc = next(c for c in clips if c.name == "v2997.mov")
    assert ntsc.source_range.start_time.rate == pytest.approx(30000 / 1001, abs=0)
    assert ntsc.source_range.start_time.value == NTSC_TC_FRAMES + 37
    assert ntsc.source_range.duration.value == round(3.21 * 30000 / 1001) - 37
    available = ntsc.media_reference.available_range
    assert available.start_time.value == NTSC_TC_FRAMES and available.duration.value == 180
    assert ntsc.media_reference.metadata["scene_select"]["rate"] == "30000/1001"
    # Every media has its own rate and available range; references are file:// URLs of the files.
    for item in clips:
        reference = item.media_reference
        assert isinstance(reference, otio.schema.ExternalReference)
        assert reference.target_url.startswith("file:///")
        assert Path(otio.url_utils.filepath_from_url(reference.target_url)).is_file()
        assert reference.available_range.start_time <= item.source_range.start_time
        assert item.source_range.end_time_exclusive() <= reference.available_range.end_time_exclusive()
        assert item.name == Path(item.metadata["scene_select"]["mediaKey"]).name  # readable: the file name
    still = next(c for c in clips if c.name == STILL)
    assert still.media_reference.metadata["scene_select"]["still"] is True
    assert still.source_range.start_time.rate == 25  # a still takes the timeline rate
    assert [m.name for c in clips for m in c.markers] == [
        "清晨的海边，海浪轻轻拍打沙滩。",
        "It's a red kite.",
        "山顶的云。",
    ]
    assert list(first.metadata["scene_select"]["warnings"]) == []
    for output, timeline in enumerate(timelines):
        assert_same_clips(timeline, MIXED, output)


@pytest.mark.parametrize(("name", "rate"), [("v25.mp4", 25), ("v2997.mov", 30000 / 1001), ("v24.mp4", 24)])
def test_in_and_out_on_the_media_frame_grid(probed: MediaInfoFn, name: str, rate: float) -> None:
    """Half a frame rounds up, exactly: 0.5 s at 25 fps is frame 13 (never the banker's 12)."""
    selection = text_selection([[("One.", [clip(name, 0.5, 1.3)]), ("Two.", [clip(name, 1.02, 2.0)])]])
    (timeline,) = build_timelines(selection, probed)
    assert timeline.global_start_time.rate == pytest.approx(rate, abs=0)
    offset = NTSC_TC_FRAMES if name == "v2997.mov" else 0
    exact = Fraction(str(rate)) if rate != 30000 / 1001 else Fraction(30000, 1001)
    for item, (start, end) in zip(timeline.find_clips(), [(0.5, 1.3), (1.02, 2.0)], strict=True):
        first = int(Fraction(str(start)) * exact + Fraction(1, 2))
        last = int(Fraction(str(end)) * exact + Fraction(1, 2))
        assert item.source_range.start_time.value == offset + first
        assert item.source_range.duration.value == last - first
    assert_same_clips(timeline, selection, 0)
    if name == "v25.mp4":
        assert next(iter(timeline.find_clips())).source_range.start_time.value == 13


def test_highlights_intro_first_and_marked(probed: MediaInfoFn) -> None:
    (timeline,) = build_timelines(HIGHLIGHTS, probed)
    clips = list(timeline.find_clips())
    assert clips[0].metadata["scene_select"]["isIntro"] is True
    assert [m.name for m in clips[0].markers] == ["Intro"]
    assert [round(c.source_range.start_time.to_seconds(), 3) for c in clips] == [5.0, 1.0, 3.0]
    assert any("intro clip was not first" in w for w in timeline.metadata["scene_select"]["warnings"])
    assert_same_clips(timeline, HIGHLIGHTS, 0)


def test_sentence_without_clip_is_a_gap_with_its_marker(probed: MediaInfoFn) -> None:
    selection = text_selection([[("Has a clip.", [clip("v25.mp4", 0.0, 1.0)]), ("Has none.", [])]])
    (timeline,) = build_timelines(selection, probed)
    gap = next(item for item in timeline.tracks[0] if isinstance(item, otio.schema.Gap))
    assert [m.name for m in gap.markers] == ["Has none."]
    export = export_selection(selection, probed)
    assert export.report["failed"] == []


@pytest.mark.parametrize("kind", ["empty", "unrecognised"])
def test_selections_without_clips_give_no_files(kind: str) -> None:
    def no_media(clip: Any) -> MediaInfo:
        raise AssertionError("not called")

    export = export_selection({"kind": kind, "outputs": []}, no_media)
    assert export.files == {} and export.report["written"] == [] and export.report["failed"] == []
    assert kind in export.report["warnings"][0]


# --- every format, read back ---------------------------------------------------------------------------


def test_all_formats_one_file_per_output_and_each_reads_back(probed: MediaInfoFn) -> None:
    """Integer rates: all four formats for both outputs, named timeline-<n>.<ext>."""
    export = export_selection(INTEGER, probed)
    assert export.report["failed"] == [], export.report
    assert sorted(export.files) == sorted(f"timeline-{n}{ext}" for n in (1, 2) for ext in ALL_SUFFIXES)
    assert {(e["file"], e["format"], e["output"]) for e in export.report["written"]} >= {
        ("timeline-1.otio", "otio", 1),
        ("timeline-2.xml", "fcp7xml", 2),
        ("timeline-2.fcpxml", "fcpxml", 2),
        ("timeline-1.edl", "edl", 1),
    }
    json.dumps(export.report)  # JSON-able
    for output in (0, 1):
        stem = f"timeline-{output + 1}"
        assert_same_clips(read_one(export.files[f"{stem}.otio"], "otio"), INTEGER, output)
        assert_same_clips(read_one(export.files[f"{stem}.xml"], "fcp7xml"), INTEGER, output)
        assert_same_clips(read_one(export.files[f"{stem}.fcpxml"], "fcpxml"), INTEGER, output)
        assert_same_clips(read_one(export.files[f"{stem}.edl"], "edl", edl_rate=25), INTEGER, output)
    # The .otio keeps everything: URLs of the local files, rates, the still, metadata, markers.
    back = read_one(export.files["timeline-1.otio"], "otio")
    assert back.metadata["scene_select"]["kind"] == "text_match"
    first = list(back.find_clips())
    assert first[1].media_reference.metadata["scene_select"]["still"] is True
    assert [m.name for c in first for m in c.markers] == ["清晨的海边。", "It's a red kite."]
    # Markers survive FCP7 XML and FCPXML; the EDL upper-cases them (a CMX convention).
    for name, fmt in (("timeline-1.xml", "fcp7xml"), ("timeline-1.fcpxml", "fcpxml")):
        back = read_one(export.files[name], fmt)  # type: ignore[arg-type]
        assert [m.name for c in back.find_clips() for m in c.markers] == ["清晨的海边。", "It's a red kite."]
    edl = read_one(export.files["timeline-1.edl"], "edl", edl_rate=25)
    assert [m.name for c in edl.find_clips() for m in c.markers] == ["清晨的海边。", "IT'S A RED KITE."]
    fcpxml = export.files["timeline-1.fcpxml"].decode()
    assert "<event" in fcpxml and 'uid=""' not in fcpxml  # DTD-valid: clips and project inside an event
    assert "FCM: NON-DROP FRAME" in export.files["timeline-1.edl"].decode()


def test_one_output_is_timeline_dot_ext(probed: MediaInfoFn) -> None:
    selection = text_selection([[("One.", [clip("v24.mp4", 0.0, 1.0)])]])
    export = export_selection(selection, probed)
    assert sorted(export.files) == sorted(f"timeline{ext}" for ext in ALL_SUFFIXES)
    assert {e["output"] for e in export.report["written"]} == {1}


def test_ntsc_and_timecode_round_trip_and_fcpxml_is_refused_with_the_reason(probed: MediaInfoFn) -> None:
    """29.97 with a 01:00:00;00 timecode, 23.976, 24, 25 and a still in one output."""
    export = export_selection(MIXED, probed)
    failed = _failed(export)
    for output in (0, 1):
        stem = f"timeline-{output + 1}"
        assert_same_clips(read_one(export.files[f"{stem}.otio"], "otio"), MIXED, output)
        assert_same_clips(read_one(export.files[f"{stem}.xml"], "fcp7xml"), MIXED, output)
        edl = read_one(export.files[f"{stem}.edl"], "edl", edl_rate=25)
        # EDL source timecodes are absolute: the 29.97 media starts at 01:00:00;00.
        assert_same_clips(edl, MIXED, output, absolute_tc={"v2997.mov": NTSC_TC_SECONDS})
        # FCPXML: the adapter cannot write NTSC rates, so it is refused with the reason ...
        assert f"{stem}.fcpxml" not in export.files
        assert "29.97" in failed[f"{stem}.fcpxml"] and "24, 25, 30, 50 and 60" in failed[f"{stem}.fcpxml"]
    # ... the other formats appear all the same, and mixed rates in one EDL are said.
    assert any(w.startswith("timeline-1.edl: an EDL has one frame rate") for w in export.report["warnings"])
    xml = export.files["timeline-1.xml"].decode()
    assert "<timebase>30</timebase>" in xml and "<ntsc>TRUE</ntsc>" in xml
    assert "<string>01:00:00;00</string>" in xml  # the media's own drop-frame timecode


def test_all_ntsc_timeline_edl_is_drop_frame(probed: MediaInfoFn) -> None:
    selection = text_selection([[("NTSC only.", [clip("v2997.mov", 0.5, 2.0), clip("v2997.mov", 3.0, 4.5)])]])
    export = export_selection(selection, probed, formats=["edl", "fcp7xml"])
    assert export.report["failed"] == [] and sorted(export.files) == ["timeline.edl", "timeline.xml"]
    text = export.files["timeline.edl"].decode()
    assert "FCM: DROP FRAME" in text and "01:00:00;15" in text  # 0.5 s is frame 15 after the start
    edl = read_one(export.files["timeline.edl"], "edl", edl_rate=30000 / 1001)
    assert_same_clips(edl, selection, 0, absolute_tc={"v2997.mov": NTSC_TC_SECONDS})


def test_a_rate_no_interchange_format_carries_fails_per_format_and_otio_is_written(probed: MediaInfoFn) -> None:
    selection = text_selection([[("Odd rate.", [clip("v125.mp4", 0.4, 2.0)])]])
    export = export_selection(selection, probed)
    assert sorted(export.files) == ["timeline.otio"]
    failed = _failed(export)
    assert set(failed) == {"timeline.fcpxml", "timeline.xml", "timeline.edl"}
    assert "12.5" in failed["timeline.xml"] and "12.5" in failed["timeline.edl"]
    back = read_one(export.files["timeline.otio"], "otio")
    assert_same_clips(back, selection, 0)
    assert back.global_start_time.rate == 12.5


def test_a_text_that_does_not_read_back_is_not_handed_out(probed: MediaInfoFn, monkeypatch: pytest.MonkeyPatch) -> None:
    """Verification: an adapter that loses a clip gives a reported failure and no file; the rest appear."""
    selection = {**INTEGER, "outputs": INTEGER["outputs"][:1]}
    real = otio.adapters.write_to_string

    def lossy(obj: Any, adapter_name: str = "otio_json", **kwargs: Any) -> str:
        if adapter_name == "fcp_xml":
            obj = obj.deepcopy()
            for track in obj.video_tracks():
                del track[0]
        return str(real(obj, adapter_name, **kwargs))

    monkeypatch.setattr(otio.adapters, "write_to_string", lossy)
    export = export_selection(selection, probed)
    (failed,) = export.report["failed"]
    assert (failed["file"], failed["format"], failed["output"]) == ("timeline.xml", "fcp7xml", 1)
    assert "does not read back through fcp_xml" in failed["reason"]
    assert sorted(export.files) == ["timeline.edl", "timeline.fcpxml", "timeline.otio"]


def test_an_adapter_that_raises_costs_only_its_format(probed: MediaInfoFn, monkeypatch: pytest.MonkeyPatch) -> None:
    real = otio.adapters.write_to_string

    def broken(obj: Any, adapter_name: str = "otio_json", **kwargs: Any) -> str:
        if adapter_name == "cmx_3600":
            raise RuntimeError("boom")
        return str(real(obj, adapter_name, **kwargs))

    monkeypatch.setattr(otio.adapters, "write_to_string", broken)
    selection = text_selection([[("One.", [clip("v25.mp4", 0.0, 1.0)])]])
    export = export_selection(selection, probed)
    assert _failed(export) == {"timeline.edl": "the cmx_3600 adapter failed: RuntimeError: boom"}
    assert len(export.files) == 3


def test_unknown_rates_are_assumed_said_and_kept_to_the_otio() -> None:
    def unknown(clip: Any) -> MediaInfo:
        return MediaInfo(clip["mediaUrl"], None, None, rate_source="assumed", note="no header")

    export = export_selection(HIGHLIGHTS, unknown)
    assert sorted(export.files) == ["timeline.otio"]
    reasons = _failed(export)
    assert set(reasons) == {"timeline.fcpxml", "timeline.xml", "timeline.edl"}
    assert all("frame rate unknown (assumed) for v25.mp4" in reason for reason in reasons.values())
    assert any("v25.mp4: frame rate unknown (no header), assumed 25 fps" in w for w in export.report["warnings"])
    clip_back = next(iter(read_one(export.files["timeline.otio"], "otio").find_clips()))
    assert clip_back.media_reference.metadata["scene_select"]["rateSource"] == "assumed"
    assert clip_back.media_reference.target_url.startswith(HOST)
    forced = export_selection(HIGHLIGHTS, unknown, allow_assumed_rates=True)
    assert forced.report["failed"] == [] and len(forced.files) == 4


def test_a_media_info_that_raises_is_an_assumed_rate_not_a_crash() -> None:
    def failing(clip: Any) -> MediaInfo:
        raise OSError("disk on fire")

    export = export_selection(HIGHLIGHTS, failing, formats=["otio", "edl"])
    assert sorted(export.files) == ["timeline.otio"]
    assert any("OSError: disk on fire" in w for w in export.report["warnings"])


def test_odd_file_names(probed: MediaInfoFn, timeline_bucket: Path) -> None:
    """CJK, a space and an apostrophe: percent-encoded URLs, a safe EDL reel, FCPXML's XPath spared."""
    selection = text_selection([[("名字", [clip(ODD_NAME, 0.2, 1.5), clip(ODD_NAME, 2.0, 3.0)])]])
    export = export_selection(selection, probed)
    assert export.report["failed"] == [], export.report
    url = next(iter(read_one(export.files["timeline.otio"], "otio").find_clips())).media_reference.target_url
    assert url.startswith("file:///") and " " not in url and "'" not in url
    edl = export.files["timeline.edl"].decode()
    assert "001  its " in edl  # the reel: the ASCII letters of the name, at most 8
    assert f"* FROM CLIP: {timeline_bucket / BATCH / ODD_NAME}" in edl  # an EDL names a local file by its path
    for name, fmt in (("timeline.otio", "otio"), ("timeline.xml", "fcp7xml"), ("timeline.fcpxml", "fcpxml")):
        assert_same_clips(read_one(export.files[name], fmt), selection, 0)  # type: ignore[arg-type]


def test_repeated_identical_clip_is_written_in_full_in_fcp7_xml(probed: MediaInfoFn) -> None:
    """The FCP7 adapter writes a clip identical to an earlier one as a bare ``<clipitem id=…/>``
    back-reference that only its own reader resolves; each of our clips carries its position."""
    still = clip(STILL, 0.0, 2.0)
    selection = text_selection([[("One.", [still]), ("Two.", [dict(still)])]])
    export = export_selection(selection, probed, formats=["fcp7xml"])
    assert export.report["failed"] == [] and list(export.files) == ["timeline.xml"]
    xml = export.files["timeline.xml"].decode()
    assert xml.count("<clipitem ") == 2 and "<clipitem id=" not in xml
    assert xml.count("<file id=") == 2 and xml.count("<pathurl>") == 1  # the file itself is shared


def test_stills_and_silent_video_are_picture_only_in_fcp7_xml(probed: MediaInfoFn) -> None:
    selection = text_selection([[("One.", [clip(STILL, 0.0, 1.0), clip("v24.mp4", 0.0, 1.0)])]])
    export = export_selection(selection, probed, formats=["fcp7xml"])

    def declared(xml: bytes) -> dict[str | None, list[str]]:
        files = ElementTree.fromstring(xml).iter("file")
        return {file.findtext("name"): [child.tag for child in file.findall("media/*")] for file in files}

    assert declared(export.files["timeline.xml"]) == {STILL: ["video"], "v24.mp4": ["video"]}
    with_sound = export_selection(text_selection([[("One.", [clip("v25.mp4", 0.0, 1.0)])]]), probed)
    assert declared(with_sound.files["timeline.xml"]) == {"v25.mp4": ["video", "audio"]}


def test_unknown_format_is_a_caller_error(probed: MediaInfoFn) -> None:
    with pytest.raises(ValueError, match="unknown timeline format 'aaf'"):
        export_selection(INTEGER, probed, formats=["aaf"])  # type: ignore[list-item]


def test_clip_past_the_media_end_is_clamped_and_said(probed: MediaInfoFn) -> None:
    selection = text_selection([[("Long.", [clip("v24.mp4", 5.0, 9.0)])]])
    export = export_selection(selection, probed)
    assert export.report["failed"] == []
    assert any("past the media's end; clamped" in w for w in export.report["warnings"])
