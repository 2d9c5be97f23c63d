"""The dashboard's upload rules: every refusal says why, and one refusal stores nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from scene_select.cloud.pipeline.layout import BucketLayout
from scene_select.cloud.storage.local import LocalDirectoryStore
from scene_select.workstation.local.uploads import UploadRefusedError, plan_files, store_files

LAYOUT = BucketLayout()


@pytest.fixture
def store(tmp_path: Path) -> LocalDirectoryStore:
    return LocalDirectoryStore(tmp_path / "bucket", bucket="b", region="cn-shanghai")


def plan(store: LocalDirectoryStore, kind: str, batch: str, files: list[tuple[str, bytes]]):  # type: ignore[no-untyped-def]
    return plan_files(kind, batch, files, store=store, layout=LAYOUT, max_manifest_bytes=1024, max_file_bytes=4096)


def refusal(store: LocalDirectoryStore, kind: str, batch: str, files: list[tuple[str, bytes]]) -> str:
    with pytest.raises(UploadRefusedError) as refused:
        plan(store, kind, batch, files)
    return str(refused.value)


@pytest.mark.parametrize(
    ("kind", "batch", "files", "words"),
    [
        ("smart-mix", "s", [("../evil.mp4", b"v")], "is a path"),
        ("smart-mix", "s", [("..", b"v")], "is not a name"),
        ("smart-mix", "../up", [("a.mp4", b"v")], "is a path"),
        ("smart-mix", "..", [("a.mp4", b"v")], "is not a name"),
        ("highlights", "a/../../x", [("a.mp4", b"v")], "is not a name"),
        ("smart-mix", "s", [("", b"v")], "has no name"),
        ("smart-mix", "", [("a.mp4", b"v")], "name the batch"),
        ("smart-mix", "s", [(".scene-select-meta.mp4", b"v")], "reserved"),
        ("smart-mix", "s", [(".hidden.mp4", b"v")], "hidden or looks like a partial download"),
        ("smart-mix", "s", [("clip.mp4.part", b"v")], "partial download"),
        ("smart-mix", "s", [("a\x01.mp4", b"v")], "control character"),
        ("smart-mix", "s", [("notes.docx", b"v")], "not a supported video or image"),
        ("highlights", "", [("still.jpg", b"v")], "highlight material must be video"),
        ("smart-mix", "s", [("a.mp4", b"v" * 5000)], "over the limit"),
        ("smart-mix", "s", [("job.json", b"{" + b" " * 2000 + b"}")], "over the limit"),
        ("smart-mix", "s", [("a.mp4", b"")], "empty (0 bytes)"),
        ("smart-mix", "s", [], "at least one file"),
        ("smart-mix", "s", [("a.mp4", b"v"), ("a.mp4", b"w")], "twice"),
        ("movies", "s", [("a.mp4", b"v")], "choose smart-mix or highlights"),
        ("smart-mix", "s", [("x" * 260 + ".mp4", b"v")], "longer than"),
    ],
)
def test_each_bad_upload_is_refused_with_its_reason(
    store: LocalDirectoryStore, kind: str, batch: str, files: list[tuple[str, bytes]], words: str
) -> None:
    assert words in refusal(store, kind, batch, files)
    assert not list(store.list("inbox/"))


def test_one_bad_file_stores_nothing_and_names_only_itself(store: LocalDirectoryStore) -> None:
    message = refusal(store, "smart-mix", "s", [("a.mp4", b"v"), ("evil.exe", b"x"), ("script.txt", b"hi")])
    assert "evil.exe" in message and "a.mp4" not in message
    assert not list(store.list(""))


def test_a_good_upload_lands_where_a_copy_would_media_before_the_manifest(store: LocalDirectoryStore) -> None:
    planned = plan(store, "smart-mix", "seaside", [("script.txt", b"Hi."), ("job.json", b"{}"), ("b.mp4", b"v")])
    assert [key for key, _ in planned.files] == [
        "inbox/smart-mix/seaside/b.mp4",
        "inbox/smart-mix/seaside/job.json",
        "inbox/smart-mix/seaside/script.txt",
    ]
    assert store_files(planned, store) == [key for key, _ in planned.files]
    assert (store.root / "inbox/smart-mix/seaside/b.mp4").read_bytes() == b"v"
    highlight = plan(store, "highlights", "drama/", [("ep1.mp4", b"v"), ("ep1.json", b"{}")])
    assert [key for key, _ in highlight.files] == ["inbox/highlights/drama/ep1.json", "inbox/highlights/drama/ep1.mp4"]
