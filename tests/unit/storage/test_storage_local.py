"""LocalDirectoryStore specifics: the on-disk layout, atomic writes, files dropped in by hand."""

from __future__ import annotations

import errno
import os
import shutil
import threading
from pathlib import Path

import pytest

from scene_select.cloud.errors import ObjectKeyError, StorageError
from scene_select.cloud.storage.base import content_etag
from scene_select.cloud.storage.local import INTERNAL_PREFIX, LocalDirectoryStore


def _internal_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and any(part.startswith(INTERNAL_PREFIX) for part in p.parts)]


def test_objects_are_plain_files_under_the_root(local_store: LocalDirectoryStore) -> None:
    local_store.put("results/smart-mix/b1/selection.json", b"{}")
    path = local_store.root / "results" / "smart-mix" / "b1" / "selection.json"
    assert path.read_bytes() == b"{}"
    assert local_store.path_for("results/smart-mix/b1/selection.json") == path
    assert path.stat().st_mode & 0o777 == 0o666 & ~_umask()


def test_no_temp_file_is_left_behind(local_store: LocalDirectoryStore) -> None:
    local_store.put("a/b.json", b"1")
    local_store.put_if_absent("a/b.json", b"2")
    local_store.put_if_absent("a/c.json", b"3")
    leftovers = [p for p in local_store.root.rglob(f"{INTERNAL_PREFIX}-tmp-*")]
    assert leftovers == []


def test_files_dropped_in_by_hand_are_objects(local_store: LocalDirectoryStore) -> None:
    dropped = local_store.root / "inbox" / "highlights" / "match.mp4"
    dropped.parent.mkdir(parents=True)
    dropped.write_bytes(b"video bytes")
    info = local_store.head("inbox/highlights/match.mp4")
    assert info is not None and info.size == 11
    assert [i.key for i in local_store.list("inbox/")] == ["inbox/highlights/match.mp4"]
    assert local_store.get("inbox/highlights/match.mp4") == b"video bytes"
    assert local_store.content_type("inbox/highlights/match.mp4") == "video/mp4"
    assert info.etag == content_etag(b"video bytes")  # OSS's tag of a simple upload: the content MD5
    assert local_store.head("inbox/highlights/match.mp4") == info


def _save_by_hand(path: Path, data: bytes, how: str) -> None:
    """The ways people and tools put a file into a folder."""
    if how == "write":  # an editor saving in place (same inode)
        path.write_bytes(data)
    elif how == "replace":  # an editor's atomic save, or `mv` over the old file (new inode)
        temp = path.with_name(path.name + ".swp")
        temp.write_bytes(data)
        os.replace(temp, path)
    elif how == "copy":  # `cp` from elsewhere
        source = path.with_name("elsewhere.bin")
        source.write_bytes(data)
        shutil.copyfile(source, path)
        source.unlink()
    elif how == "recreate":  # deleted, then uploaded again
        path.unlink()
        path.write_bytes(data)
    else:
        raise AssertionError(how)


@pytest.mark.parametrize("how", ["write", "replace", "copy", "recreate"])
def test_a_file_saved_again_unchanged_keeps_its_tag_and_a_changed_byte_changes_it(
    local_store: LocalDirectoryStore, how: str
) -> None:
    path = local_store.root / "inbox" / "smart-mix" / "b1" / "script.txt"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"A quiet morning by the sea.")
    first = local_store.head("inbox/smart-mix/b1/script.txt")
    assert first is not None and first.etag == content_etag(b"A quiet morning by the sea.")
    os.utime(path, ns=(1_000_000_000, 2_000_000_000))  # a new mtime alone is not new content
    _save_by_hand(path, b"A quiet morning by the sea.", how)
    again = local_store.head("inbox/smart-mix/b1/script.txt")
    assert again is not None and again.etag == first.etag
    _save_by_hand(path, b"A quiet morning by the sea!", how)
    changed = local_store.head("inbox/smart-mix/b1/script.txt")
    assert changed is not None and changed.etag == content_etag(b"A quiet morning by the sea!")
    assert [i.etag for i in local_store.list("inbox/")] == [changed.etag]


def test_each_version_of_a_file_is_hashed_once(
    local_store: LocalDirectoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scene_select.cloud.storage.local as local_module

    reads: list[str] = []
    hash_arrival = local_module.LocalDirectoryStore._hash_arrival

    def counting(self: LocalDirectoryStore, key: str, stat: os.stat_result) -> tuple[str, os.stat_result]:
        reads.append(key)
        return hash_arrival(self, key, stat)

    monkeypatch.setattr(local_module.LocalDirectoryStore, "_hash_arrival", counting)
    path = local_store.root / "inbox" / "highlights" / "big.mp4"
    path.parent.mkdir(parents=True)
    path.write_bytes(os.urandom(3 * 1024 * 1024))
    for _ in range(3):
        local_store.head("inbox/highlights/big.mp4")
        list(local_store.list("inbox/"))
    assert reads == ["inbox/highlights/big.mp4"]
    # a new instance (another function invocation, another process) reads the recorded tag
    other = LocalDirectoryStore(local_store.root, bucket=local_store.bucket, region=local_store.region)
    assert other.head("inbox/highlights/big.mp4") == local_store.head("inbox/highlights/big.mp4")
    assert reads == ["inbox/highlights/big.mp4"]
    _save_by_hand(path, path.read_bytes() + b"!", "replace")
    local_store.head("inbox/highlights/big.mp4")
    assert reads == ["inbox/highlights/big.mp4"] * 2


def test_objects_written_through_the_store_are_never_hashed_again(
    local_store: LocalDirectoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scene_select.cloud.storage.local as local_module

    written = local_store.put("results/a.json", b"{}")

    def refuse(*_: object) -> None:
        raise AssertionError("hashed a file whose tag the store recorded when it wrote it")

    monkeypatch.setattr(local_module.LocalDirectoryStore, "_hash_arrival", refuse)
    assert local_store.head("results/a.json") == written
    assert written.etag == content_etag(b"{}")


def test_content_type_is_kept_and_a_stale_sidecar_is_ignored(local_store: LocalDirectoryStore) -> None:
    local_store.put("results/report.html", b"<html>", content_type="text/html; charset=utf-8")
    assert local_store.content_type("results/report.html") == "text/html; charset=utf-8"
    local_store.put("results/raw", b"{}")
    assert local_store.content_type("results/raw") == "application/octet-stream"
    assert local_store.content_type("results/absent.json") is None
    # someone replaces the file behind the store's back: the sidecar no longer describes it
    replacement = local_store.root / "results" / "report.tmp"
    replacement.write_bytes(b"<html>changed</html>")
    os.replace(replacement, local_store.root / "results" / "report.html")
    assert local_store.content_type("results/report.html") == "text/html"
    info = local_store.head("results/report.html")
    assert info is not None and info.etag != content_etag(b"<html>")


def test_internal_files_are_never_listed_and_their_names_are_refused(local_store: LocalDirectoryStore) -> None:
    local_store.put("results/x.json", b"1", content_type="application/json")
    assert _internal_files(local_store.root)  # the sidecar exists
    (local_store.root / "results" / f"{INTERNAL_PREFIX}-tmp-abandoned").write_bytes(b"partial")
    assert [i.key for i in local_store.list("")] == ["results/x.json"]
    for key in (f"{INTERNAL_PREFIX}/meta/results/x.json.json", f"results/{INTERNAL_PREFIX}-tmp-abandoned"):
        with pytest.raises(ObjectKeyError, match="reserved"):
            local_store.get(key)
        assert local_store.key_for_path(local_store.root / key) is None
    assert local_store.key_for_path(local_store.root / "results" / "x.json") == "results/x.json"
    assert local_store.key_for_path(local_store.root.parent / "elsewhere") is None


def test_a_file_and_a_folder_of_the_same_name_conflict_clearly(local_store: LocalDirectoryStore) -> None:
    local_store.put("results/a/job.json", b"1")
    for write in (local_store.put, local_store.put_if_absent):
        with pytest.raises(ObjectKeyError, match="is a folder"):
            write("results/a", b"2")
    local_store.put("results/file", b"1")
    with pytest.raises(ObjectKeyError, match="needs a folder"):
        local_store.put("results/file/inner.json", b"2")
    assert local_store.head("results/a") is None
    with pytest.raises(Exception, match="no object"):
        local_store.get("results/a")
    # once the folder's objects are gone, the name is free again
    local_store.delete("results/a/job.json")
    assert not (local_store.root / "results" / "a").exists()
    assert local_store.put_if_absent("results/a", b"now a file") is True


def test_segments_longer_than_a_filename_are_refused(local_store: LocalDirectoryStore) -> None:
    with pytest.raises(ObjectKeyError, match="longer than 250 bytes"):
        local_store.put("results/" + "n" * 251, b"x")
    local_store.put("results/" + "n" * 250, b"x")


def test_put_if_absent_needs_hard_links(local_store: LocalDirectoryStore, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(src: object, dst: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    with pytest.raises(StorageError, match="hard links"):
        local_store.put_if_absent("results/claim.json", b"1")
    assert local_store.head("results/claim.json") is None
    assert not list((local_store.root / "results").glob(f"{INTERNAL_PREFIX}-tmp-*"))


def test_a_reader_never_sees_a_partial_file(local_store: LocalDirectoryStore) -> None:
    versions = [bytes([65 + n]) * 2_000_000 for n in range(2)]
    local_store.put("results/big.bin", versions[0])
    stop = threading.Event()
    errors: list[str] = []

    def writer() -> None:
        n = 0
        while not stop.is_set():
            local_store.put("results/big.bin", versions[n % 2])
            n += 1

    def reader() -> None:
        for _ in range(60):
            data = local_store.get("results/big.bin")
            if data not in versions:
                errors.append(f"read {len(data)} bytes that are neither version")

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        reader()
    finally:
        stop.set()
        thread.join()
    assert errors == []


def test_root_is_created_and_relative_roots_are_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = LocalDirectoryStore(Path("relative/bucket"), bucket="b", region="cn-hangzhou")
    assert store.root == tmp_path / "relative" / "bucket"
    assert store.root.is_dir()
    assert store.url_for("k.mp4") == "https://b.oss-cn-hangzhou.aliyuncs.com/k.mp4"


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
