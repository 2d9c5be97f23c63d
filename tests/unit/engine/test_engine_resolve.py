"""MediaArray entries → local files, sidecars and refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scene_select.cloud.errors import MediaError
from scene_select.workstation.engine.resolve import MediaResolver, read_srt


@pytest.fixture
def bucket(tmp_path: Path) -> Path:
    root = tmp_path / "bucket"
    (root / "inbox" / "batch 1").mkdir(parents=True)
    (root / "inbox" / "batch 1" / "a.mp4").write_bytes(b"x")
    (root / "inbox" / "batch 1" / "a.srt").write_text("1\n00:00:01,000 --> 00:00:02,500\nhello\n", encoding="utf-8")
    (root / "inbox" / "batch 1" / "job.json").write_text(json.dumps({"MediaTags": {"a.mp4": ["beach", 7]}}))
    return root


def test_oss_https_and_oss_scheme_map_to_the_bucket_dir(bucket: Path) -> None:
    resolver = MediaResolver(bucket_dirs={"my-bucket": bucket})
    expected = (bucket / "inbox" / "batch 1" / "a.mp4").resolve()
    for entry in (
        "https://my-bucket.oss-cn-shanghai.aliyuncs.com/inbox/batch%201/a.mp4",
        "https://my-bucket.oss-cn-shanghai-internal.aliyuncs.com/inbox/batch%201/a.mp4",
        "oss://my-bucket/inbox/batch 1/a.mp4",
    ):
        source = resolver.resolve(entry)
        assert source.path == expected and source.entry == entry
        assert source.tags == ("beach", "7")
        assert source.subtitles_path == expected.with_suffix(".srt")


def test_paths_and_file_urls(bucket: Path, tmp_path: Path) -> None:
    target = bucket / "inbox" / "batch 1" / "a.mp4"
    assert MediaResolver().resolve(str(target)).path == target
    assert MediaResolver().resolve(target.as_uri()).path == target
    assert MediaResolver(base_dir=bucket).resolve("inbox/batch 1/a.mp4").path == target


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("https://other.oss-cn-shanghai.aliyuncs.com/a.mp4", "not mapped"),
        ("https://example.com/a.mp4", "only OSS URLs"),
        ("oss://my-bucket/../secret.mp4", "plain relative key"),
        ("oss://my-bucket/", "plain relative key"),
        ("0123456789abcdef0123456789abcdef", "media asset id"),
        ("ftp://host/a.mp4", "unsupported URL scheme"),
        ("/nonexistent/a.mp4", "no such file"),
    ],
)
def test_refusals_name_the_problem(bucket: Path, entry: str, message: str) -> None:
    with pytest.raises(MediaError, match=message):
        MediaResolver(bucket_dirs={"my-bucket": bucket}).resolve(entry)


def test_srt_parsing_is_lenient(tmp_path: Path) -> None:
    path = tmp_path / "s.srt"
    path.write_bytes(
        "\ufeff1\r\n00:00:01,000 --> 00:00:02,500\r\n<i>Hello</i>\r\nworld\r\n\r\n"
        "00:01:00.5 --> 00:01:02.0\r\n第二句\r\n\r\nbroken block\r\n".encode()
    )
    cues = read_srt(path)
    assert [(c.start, c.end, c.text) for c in cues] == [(1.0, 2.5, "Hello world"), (60.5, 62.0, "第二句")]
    assert read_srt(tmp_path / "missing.srt") == []
