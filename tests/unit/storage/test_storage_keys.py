from __future__ import annotations

import re

import pytest

from scene_select.cloud.errors import ObjectKeyError
from scene_select.cloud.storage.keys import MAX_KEY_BYTES, object_url, validate_key, validate_prefix


@pytest.mark.parametrize(
    "key",
    [
        "a",
        "inbox/smart-mix/batch 1/clip.mp4",
        "inbox/中文 目录/视频.mp4",
        "inbox/a+b%20c/x.mp4",
        ".hidden/file",
        "a/..b/c..",
        "x" * MAX_KEY_BYTES,
    ],
)
def test_accepts_keys_oss_accepts_and_we_can_store(key: str) -> None:
    assert validate_key(key) == key


@pytest.mark.parametrize(
    ("key", "says"),
    [
        ("", "empty"),
        ("/etc/passwd", "absolute"),
        ("inbox/../results/x", "'..' segment"),
        ("..", "'..' segment"),
        ("inbox/./x", "'.' segment"),
        ("inbox//x", "empty segment"),
        ("inbox/", "ends with '/'"),
        ("inbox\\x.mp4", "backslash"),
        ("inbox/a\nb", "control character U+000A"),
        ("inbox/a\x00b", "control character U+0000"),
        ("inbox/a\x7fb", "control character U+007F"),
        ("inbox/a\x85b", "control character U+0085"),
        ("x" * (MAX_KEY_BYTES + 1), "1024 bytes"),
        ("中" * 342, "1026 bytes"),  # 342 chars but 1026 bytes: the limit is bytes
        ("inbox/\ud800", "not valid UTF-8"),
    ],
)
def test_refuses_unsafe_keys_naming_the_rule(key: str, says: str) -> None:
    with pytest.raises(ObjectKeyError, match=re.escape(says)) as caught:
        validate_key(key)
    assert caught.value.key == key
    assert not caught.value.retryable


def test_refuses_non_strings() -> None:
    with pytest.raises(ObjectKeyError, match="must be a string"):
        validate_key(b"inbox/x")


def test_error_message_is_bounded_for_huge_keys() -> None:
    with pytest.raises(ObjectKeyError) as caught:
        validate_key("y" * 5000)
    assert len(str(caught.value)) < 300


@pytest.mark.parametrize("prefix", ["", "inbox/", "inbox/smart-mix/b", "results/中文/"])
def test_prefixes_may_be_empty_or_end_with_slash(prefix: str) -> None:
    assert validate_prefix(prefix) == prefix


@pytest.mark.parametrize("prefix", ["/inbox/", "inbox/../", "inbox//", "a\tb"])
def test_refuses_unsafe_prefixes(prefix: str) -> None:
    with pytest.raises(ObjectKeyError):
        validate_prefix(prefix)


def test_object_url_percent_encodes_utf8_and_keeps_slashes() -> None:
    host = "oss-cn-shanghai.aliyuncs.com"
    assert object_url("bkt", "inbox/b-1/clip_01.mp4", host=host) == f"https://bkt.{host}/inbox/b-1/clip_01.mp4"
    assert object_url("bkt", "inbox/a b+c%/中.mp4", host=host) == f"https://bkt.{host}/inbox/a%20b%2Bc%25/%E4%B8%AD.mp4"
