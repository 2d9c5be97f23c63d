"""Inbox keys: what each upload is to its batch, and hostile keys refused before any read."""

from __future__ import annotations

import pytest

from scene_select.cloud.errors import PermanentError
from scene_select.cloud.models.job_config import JobType
from scene_select.cloud.pipeline.layout import BatchRef, BucketLayout, Role

layout = BucketLayout()


@pytest.mark.parametrize(
    ("key", "job_type", "batch", "role"),
    [
        ("inbox/smart-mix/周末 vlog/海边.mp4", JobType.SMART_MIX, "周末 vlog", Role.MEDIA),
        ("inbox/smart-mix/b1/a+b%20c.JPG", JobType.SMART_MIX, "b1", Role.MEDIA),
        ("inbox/smart-mix/b1/job.json", JobType.SMART_MIX, "b1", Role.MANIFEST),
        ("inbox/smart-mix/b1/script.txt", JobType.SMART_MIX, "b1", Role.SCRIPT),
        ("inbox/smart-mix/b1/a.srt", JobType.SMART_MIX, "b1", Role.SUBTITLES),
        ("inbox/smart-mix/b1/notes.docx", JobType.SMART_MIX, "b1", Role.UNSUPPORTED),
        ("inbox/highlights/ep01.mp4", JobType.HIGHLIGHTS, "ep01.mp4", Role.MEDIA),
        ("inbox/highlights/show/ep02.mov", JobType.HIGHLIGHTS, "show/ep02.mov", Role.MEDIA),
        ("inbox/highlights/ep01.json", JobType.HIGHLIGHTS, "ep01", Role.SIDECAR),
        ("inbox/highlights/ep01.srt", JobType.HIGHLIGHTS, "ep01", Role.SUBTITLES),
        ("inbox/highlights/poster.png", JobType.HIGHLIGHTS, "poster.png", Role.UNSUPPORTED),
    ],
)
def test_classify(key: str, job_type: JobType, batch: str, role: Role) -> None:
    upload = layout.classify(key)
    assert upload is not None
    assert (upload.batch, upload.role) == (BatchRef(job_type, batch), role)
    assert (upload.problem is not None) == (role is Role.UNSUPPORTED)


@pytest.mark.parametrize(
    "key",
    [
        "inbox/smart-mix/../../results/x.mp4",
        "inbox/smart-mix/b/./a.mp4",
        "inbox/smart-mix/b\x07/a.mp4",
        "inbox/smart-mix/b\\a.mp4",
        "inbox/smart-mix//a.mp4",
        "inbox/smart-mix/b/" + "x" * 1100 + ".mp4",
        "inbox/elsewhere/a.mp4",
        "inbox/smart-mix/a.mp4",
        "inbox/smart-mix/b/sub/a.mp4",
        "inbox/highlights",
    ],
)
def test_hostile_or_misplaced_keys_are_refused(key: str) -> None:
    with pytest.raises(PermanentError):
        layout.classify(key)


def test_folder_placeholders_are_ignored() -> None:
    assert layout.classify("inbox/smart-mix/b1/") is None


def test_results_are_never_inbox_keys_even_with_nested_prefixes() -> None:
    nested = BucketLayout(inbox_prefix="media/in/", results_prefix="media/out/")
    assert nested.is_inbox_key("media/in/smart-mix/b/a.mp4")
    assert not nested.is_inbox_key("media/out/smart-mix/b/selection.json")
    assert not layout.is_inbox_key("results/smart-mix/b/job.json")


def test_result_keys_stay_under_results() -> None:
    batch = BatchRef(JobType.SMART_MIX, "周末")
    for key in (
        layout.results_dir(batch),
        layout.run_dir(batch, "abc"),
        layout.error_key(batch, "inbox/smart-mix/周末/x.docx"),
        layout.rejected_key("inbox/../../etc/passwd"),
        layout.pending_key("abc"),
        layout.run_index_key("abc"),
        layout.callback_seen_key("sig", "job"),
    ):
        assert key.startswith("results/") and ".." not in key
