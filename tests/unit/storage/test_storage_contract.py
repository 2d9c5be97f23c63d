"""The ObjectStore contract, run against both adapters (LocalDirectoryStore and OssStore on the fake OSS)."""

from __future__ import annotations

import time

import pytest

from scene_select.cloud.errors import ObjectKeyError, ObjectNotFoundError
from scene_select.cloud.storage.base import ObjectStore, content_etag

KEYS_WITH_SPECIAL_CHARACTERS = [
    "inbox/smart-mix/batch 1/clip one.mp4",
    "inbox/智能混剪/批次/视频.mp4",
    "inbox/a+b/c%20d.mp4",
    "inbox/emoji/🎬.mp4",
]


def test_is_an_object_store(store: ObjectStore) -> None:
    assert isinstance(store, ObjectStore)
    assert store.bucket == "scene-bucket"


def test_put_then_get_returns_the_bytes_and_head_describes_them(store: ObjectStore) -> None:
    before = time.time()
    info = store.put("results/job.json", b'{"state":"claimed"}', content_type="application/json")
    assert info.key == "results/job.json"
    assert info.size == 19
    assert info.etag == content_etag(b'{"state":"claimed"}')
    assert store.get("results/job.json") == b'{"state":"claimed"}'
    head = store.head("results/job.json")
    assert head is not None
    assert (head.key, head.size, head.etag) == ("results/job.json", 19, info.etag)
    assert before - 2 <= head.last_modified <= time.time() + 2


def test_put_replaces(store: ObjectStore) -> None:
    store.put("results/a.json", b"one")
    info = store.put("results/a.json", b"two!")
    assert store.get("results/a.json") == b"two!"
    assert info.etag == content_etag(b"two!")
    head = store.head("results/a.json")
    assert head is not None and head.size == 4 and head.etag == info.etag


def test_empty_object(store: ObjectStore) -> None:
    store.put("results/empty", b"")
    assert store.get("results/empty") == b""
    head = store.head("results/empty")
    assert head is not None and head.size == 0


@pytest.mark.parametrize("key", KEYS_WITH_SPECIAL_CHARACTERS)
def test_keys_with_spaces_chinese_plus_and_percent_round_trip(store: ObjectStore, key: str) -> None:
    store.put(key, key.encode())
    assert store.get(key) == key.encode()
    assert store.head(key) is not None
    assert [info.key for info in store.list("inbox/")] == [key]


def test_get_of_an_absent_key_raises_object_not_found(store: ObjectStore) -> None:
    with pytest.raises(ObjectNotFoundError) as caught:
        store.get("results/missing.json")
    assert caught.value.key == "results/missing.json"


def test_head_of_an_absent_key_is_none(store: ObjectStore) -> None:
    assert store.head("results/missing.json") is None


def test_put_if_absent_writes_once(store: ObjectStore) -> None:
    assert store.put_if_absent("results/b/claim.json", b"first") is True
    assert store.put_if_absent("results/b/claim.json", b"second") is False
    assert store.get("results/b/claim.json") == b"first"
    head = store.head("results/b/claim.json")
    assert head is not None and head.etag == content_etag(b"first")


def test_put_if_absent_after_delete_writes_again(store: ObjectStore) -> None:
    assert store.put_if_absent("results/c.json", b"1") is True
    store.delete("results/c.json")
    assert store.put_if_absent("results/c.json", b"2") is True
    assert store.get("results/c.json") == b"2"


def test_delete_removes_and_deleting_absent_is_fine(store: ObjectStore) -> None:
    store.put("results/d.json", b"x")
    store.delete("results/d.json")
    assert store.head("results/d.json") is None
    store.delete("results/d.json")
    store.delete("results/never/existed.json")


def test_list_is_sorted_by_key_in_utf8_order_and_filtered_by_prefix(store: ObjectStore) -> None:
    keys = [
        "results/b/job.json",
        "results/a-b/job.json",  # '-' (0x2d) sorts before '/' (0x2f): a-b/ comes before a/
        "results/a/job.json",
        "results/a/raw.json",
        "results/a.json",
        "results/中/job.json",
        "results/Z/job.json",
        "inbox/x.mp4",
        "resultsX",
    ]
    for key in keys:
        store.put(key, b"x")
    listed = [info.key for info in store.list("results/")]
    assert listed == sorted(k for k in keys if k.startswith("results/"))
    assert listed == sorted(listed, key=lambda k: k.encode("utf-8"))
    assert [info.key for info in store.list("results/a")] == [
        "results/a-b/job.json",
        "results/a.json",
        "results/a/job.json",
        "results/a/raw.json",
    ]
    assert [info.key for info in store.list("")] == sorted(keys)
    assert list(store.list("nothing/here/")) == []


def test_list_limit(store: ObjectStore) -> None:
    for index in range(5):
        store.put(f"results/p/{index}.json", b"x")
    assert [info.key for info in store.list("results/p/", limit=3)] == [f"results/p/{i}.json" for i in range(3)]
    assert list(store.list("results/p/", limit=0)) == []


def test_list_reports_size_and_etag(store: ObjectStore) -> None:
    store.put("results/s/one.json", b"12345")
    (info,) = store.list("results/s/")
    assert (info.size, info.etag) == (5, content_etag(b"12345"))


@pytest.mark.parametrize("key", ["../escape", "/abs", "a//b", "a\\b", "a\x01b", "x" * 1024])
def test_every_operation_refuses_unsafe_keys_before_any_io(store: ObjectStore, key: str) -> None:
    for operation in (
        lambda: store.get(key),
        lambda: store.get_range(key, 0, 10),
        lambda: store.put(key, b"x"),
        lambda: store.put_if_absent(key, b"x"),
        lambda: store.head(key),
        lambda: store.delete(key),
        lambda: store.url_for(key),
    ):
        with pytest.raises(ObjectKeyError):
            operation()
    with pytest.raises(ObjectKeyError):
        list(store.list("../"))


def test_url_for_is_the_public_oss_url(store: ObjectStore) -> None:
    assert store.url_for("inbox/b/clip.mp4") == "https://scene-bucket.oss-cn-shanghai.aliyuncs.com/inbox/b/clip.mp4"
    assert store.url_for("inbox/b/中 文.mp4") == (
        "https://scene-bucket.oss-cn-shanghai.aliyuncs.com/inbox/b/%E4%B8%AD%20%E6%96%87.mp4"
    )


def test_binary_content_is_kept_exactly(store: ObjectStore) -> None:
    data = bytes(range(256)) * 64
    store.put("results/bin", data, content_type="application/octet-stream")
    assert store.get("results/bin") == data


# -- byte ranges (a media file's header without downloading the file) --------------------------------


def test_get_range_returns_the_bytes_asked_for(store: ObjectStore) -> None:
    data = bytes(range(256)) * 4
    store.put("inbox/b/clip.mp4", data)
    assert store.get_range("inbox/b/clip.mp4", 0, 16) == data[:16]
    assert store.get_range("inbox/b/clip.mp4", 100, 300) == data[100:400]
    assert store.get_range("inbox/b/clip.mp4", 1023, 1) == data[1023:]


def test_get_range_past_the_end_returns_what_there_is(store: ObjectStore) -> None:
    data = b"0123456789"
    store.put("inbox/b/short.mp4", data)
    assert store.get_range("inbox/b/short.mp4", 4, 65536) == b"456789"
    assert store.get_range("inbox/b/short.mp4", 0, 65536) == data
    assert store.get_range("inbox/b/short.mp4", 10, 8) == b""
    assert store.get_range("inbox/b/short.mp4", 500, 8) == b""
    assert store.get_range("inbox/b/short.mp4", 3, 0) == b""


def test_get_range_of_an_empty_object_is_empty(store: ObjectStore) -> None:
    store.put("inbox/b/empty.mp4", b"")
    assert store.get_range("inbox/b/empty.mp4", 0, 16) == b""


def test_get_range_of_an_absent_key_raises_object_not_found(store: ObjectStore) -> None:
    for start, length in ((0, 16), (5, 0)):
        with pytest.raises(ObjectNotFoundError) as caught:
            store.get_range("inbox/b/missing.mp4", start, length)
        assert caught.value.key == "inbox/b/missing.mp4"


@pytest.mark.parametrize(("start", "length"), [(-1, 4), (0, -1)])
def test_get_range_refuses_negative_ranges(store: ObjectStore, start: int, length: int) -> None:
    store.put("inbox/b/x.mp4", b"abc")
    with pytest.raises(ValueError, match="start >= 0 and length >= 0"):
        store.get_range("inbox/b/x.mp4", start, length)


@pytest.mark.parametrize("key", KEYS_WITH_SPECIAL_CHARACTERS)
def test_get_range_with_special_keys(store: ObjectStore, key: str) -> None:
    store.put(key, b"header-and-more")
    assert store.get_range(key, 0, 6) == b"header"
