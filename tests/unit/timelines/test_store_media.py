"""store_media_info: the cloud's media facts from container headers read by byte range, over the local
bucket (LocalDirectoryStore) and over OSS (OssStore against the fake OSS server)."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest

from scene_select.cloud.credentials import static_credentials
from scene_select.cloud.storage.local import LocalDirectoryStore
from scene_select.cloud.storage.oss import OssStore
from scene_select.cloud.timelines import export_selection, store_media_info
from scene_select_testkit.fakes.credentials import ACCESS_KEY
from scene_select_testkit.fakes.oss_server import FakeOssServer
from scene_select_testkit.timelines import (
    BATCH,
    HOST,
    MEDIA,
    MIXED,
    STILL,
    assert_same_clips,
    clip,
    read_one,
    text_selection,
)

otio = pytest.importorskip("opentimelineio")


@pytest.fixture
def local_store(timeline_bucket: Path) -> LocalDirectoryStore:
    return LocalDirectoryStore(timeline_bucket, bucket="scene-bucket", region="cn-shanghai")


@pytest.fixture
def oss_store(fake_oss: FakeOssServer, timeline_bucket: Path) -> OssStore:
    store = OssStore.from_credentials(
        static_credentials(ACCESS_KEY),
        bucket_name=fake_oss.bucket,
        endpoint=fake_oss.endpoint,
        region=fake_oss.region,
        timeout_seconds=5,
    )
    for name in [*MEDIA, STILL]:
        store.put(f"{BATCH}/{name}", (timeline_bucket / BATCH / name).read_bytes())
    fake_oss.requests.clear()
    return store


def _references(export_files: dict[str, bytes], name: str = "timeline-1.otio") -> list[str]:
    return [c.media_reference.target_url for c in read_one(export_files[name], "otio").find_clips()]


def test_local_bucket_header_rates_and_file_urls(local_store: LocalDirectoryStore) -> None:
    media_info = store_media_info(local_store)
    ntsc = media_info(clip("v2997.mov", 0, 1))
    assert (ntsc.rate, ntsc.rate_source, ntsc.has_audio) == (Fraction(30000, 1001), "header", False)
    assert ntsc.location == "file://" + local_store.path_for(f"{BATCH}/v2997.mov").as_posix()
    assert media_info(clip("v23976.mp4", 0, 1)).rate == Fraction(24000, 1001)
    assert media_info(clip("v25.mp4", 0, 1)).has_audio is True
    assert media_info(clip(STILL, 0, 1)).is_still

    export = export_selection(MIXED, store_media_info(local_store))
    for output in (0, 1):
        stem = f"timeline-{output + 1}"
        # No timecode from a header: in/out count from the media's first frame, exactly as selected.
        assert_same_clips(read_one(export.files[f"{stem}.otio"], "otio"), MIXED, output)
        assert_same_clips(read_one(export.files[f"{stem}.xml"], "fcp7xml"), MIXED, output)
        assert_same_clips(read_one(export.files[f"{stem}.edl"], "edl", edl_rate=25), MIXED, output, absolute_tc={})
    for url in _references(export.files):
        assert url.startswith("file:///")
        assert Path(otio.url_utils.filepath_from_url(url)).is_file()  # a local editor opens it as it is
    assert {e["file"] for e in export.report["failed"]} == {"timeline-1.fcpxml", "timeline-2.fcpxml"}  # NTSC


def test_unknown_container_is_assumed_and_only_the_otio_is_written(local_store: LocalDirectoryStore) -> None:
    selection = text_selection([[("MKV.", [clip("v25.mkv", 0.5, 1.5)]), ("MP4.", [clip("v24.mp4", 0.0, 1.0)])]])
    export = export_selection(selection, store_media_info(local_store))
    assert sorted(export.files) == ["timeline.otio"]
    assert {e["format"] for e in export.report["failed"]} == {"fcpxml", "fcp7xml", "edl"}
    assert all("frame rate unknown (assumed) for v25.mkv" in e["reason"] for e in export.report["failed"])
    (warning,) = [w for w in export.report["warnings"] if "v25.mkv: frame rate unknown" in w]
    assert "no frame rate in its container header: not an ISO-BMFF (MP4/MOV) file" in warning
    assert "assumed 25 fps" in warning
    assert_same_clips(read_one(export.files["timeline.otio"], "otio"), selection, 0)  # times hold in seconds


def test_missing_and_unmapped_media_are_assumed_with_the_reason(local_store: LocalDirectoryStore) -> None:
    missing = clip("gone.mp4", 0.0, 1.0)
    unmapped = {**clip("elsewhere.mp4", 0.0, 1.0), "mediaKey": None, "mediaUrl": "https://other.example/x.mp4"}
    media_info = store_media_info(local_store, default_rate=Fraction(30))
    gone = media_info(missing)
    assert (gone.rate, gone.rate_source, gone.note) == (30, "assumed", "it is not in the bucket any more")
    other = media_info(unmapped)
    assert other.location == "https://other.example/x.mp4" and other.rate_source == "assumed"
    assert "object key is unknown" in (other.note or "")


def test_oss_reads_headers_by_range_and_references_the_oss_urls(oss_store: OssStore, fake_oss: FakeOssServer) -> None:
    export = export_selection(MIXED, store_media_info(oss_store), formats=["otio", "fcp7xml", "edl"])
    assert export.report["failed"] == [], export.report
    for output in (0, 1):
        assert_same_clips(read_one(export.files[f"timeline-{output + 1}.otio"], "otio"), MIXED, output)
        assert_same_clips(read_one(export.files[f"timeline-{output + 1}.xml"], "fcp7xml"), MIXED, output)
    assert all(url.startswith(HOST) for url in _references(export.files))
    assert HOST in export.files["timeline-1.edl"].decode()
    rates = {
        c.name: c.source_range.start_time.rate for c in read_one(export.files["timeline-1.otio"], "otio").find_clips()
    }
    assert rates["v2997.mov"] == pytest.approx(30000 / 1001, abs=0)
    assert rates["v23976.mp4"] == pytest.approx(24000 / 1001, abs=0)
    # Ranged GETs only (no HEAD, no whole download), each media looked at once, stills not at all.
    per_key = Counter(key.rsplit("/", 1)[-1] for method, key in fake_oss.requests if method == "GET")
    assert {method for method, _ in fake_oss.requests} == {"GET"}
    assert per_key["v23976.mp4"] == 1  # written with +faststart: one request
    assert all(count <= 3 for count in per_key.values()), per_key
    assert STILL not in per_key


def test_oss_failure_to_read_is_an_assumed_rate(oss_store: OssStore, fake_oss: FakeOssServer) -> None:
    fake_oss.revoke(ACCESS_KEY.access_key_id)
    info = store_media_info(oss_store)(clip("v25.mp4", 0.0, 1.0))
    assert info.rate_source == "assumed" and info.location == HOST + f"{BATCH}/v25.mp4"
    assert "its header could not be read" in (info.note or "") and "InvalidAccessKeyId" in (info.note or "")


def test_the_store_protocol_is_all_it_needs() -> None:
    """Anything with get_range and url_for will do (the port, typed structurally)."""

    class Bare:
        def get_range(self, key: str, start: int, length: int) -> bytes:
            return b""

        def url_for(self, key: str) -> str:
            return "https://b.example/" + key

    info = store_media_info(Bare())({"mediaKey": "a/b.mp4", "mediaUrl": None})
    assert info.location == "https://b.example/a/b.mp4" and info.rate_source == "assumed"
    assert "no moov box" in (info.note or "")
