"""Report thumbnails in the cloud: pre-signed OSS snapshot URLs on the public endpoint."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from scene_select.cloud.credentials import Credentials, static_credentials
from scene_select.cloud.pipeline.thumbnails import clip_frame, oss_snapshot_lookup
from scene_select.cloud.storage.oss import OssStore


def test_clip_frame_is_the_middle_of_the_clip() -> None:
    assert clip_frame({"mediaKey": "inbox/a.mp4", "in": 2.0, "out": 5.0}) == ("inbox/a.mp4", 3.5)
    assert clip_frame({"mediaKey": None, "in": 2.0}) is None


def test_snapshot_urls_are_signed_for_the_public_endpoint() -> None:
    store = OssStore.from_credentials(
        static_credentials(Credentials("AKID", "secret-value", "sts-token")),
        bucket_name="media",
        endpoint="https://oss-cn-shanghai-internal.aliyuncs.com",
        region="cn-shanghai",
    )
    lookup = oss_snapshot_lookup(lambda key, process: store.signed_url(key, process=process))
    video = urlsplit(lookup({"mediaKey": "inbox/smart-mix/周末/a b.mp4", "in": 1.0, "out": 3.0}) or "")
    assert video.netloc == "media.oss-cn-shanghai.aliyuncs.com"
    query = parse_qs(video.query)
    assert query["x-oss-process"] == ["video/snapshot,t_2000,f_jpg,w_320,m_fast"]
    assert "x-oss-signature" in query and query["x-oss-security-token"] == ["sts-token"]
    assert "secret-value" not in video.geturl()
    image = parse_qs(urlsplit(lookup({"mediaKey": "inbox/x/poster.png", "in": 0.0, "out": 2.0}) or "").query)
    assert image["x-oss-process"] == ["image/resize,w_320"]
