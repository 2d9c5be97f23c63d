"""Hostile and broken uploads: a clear error record, no job, nothing written outside results/, nothing
read outside the batch — and the OSS-event decoder fuzzed to raise only EventError."""

from __future__ import annotations

import json
import logging
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scene_select.cloud.errors import EventError
from scene_select.cloud.models.job_config import MAX_ARRAY_ITEMS
from scene_select.cloud.models.oss_event import parse_oss_event
from scene_select.workstation.engine.synth import Segment, make_video
from scene_select.workstation.local.fc_runtime import invoke
from scene_select.workstation.local.stack import LocalStack
from scene_select_testkit.chaos import ObservedStore, submit_directly, tally, verify_and_tally, wait_for_batches
from scene_select_testkit.events import oss_event
from scene_select_testkit.ice import emulator_jobs
from scene_select_testkit.stack import placeholder_video, start_stack

VIDEO = placeholder_video("h")

HOSTILE_KEYS = [
    "inbox/smart-mix/../../etc/passwd",
    "inbox/smart-mix/a/../b/script.txt",
    "inbox/highlights/../../results/smart-mix/x/job.json",
    "inbox/smart-mix/./x/script.txt",
    "/inbox/smart-mix/x/script.txt",
    "/etc/passwd",
    "../inbox/smart-mix/x/script.txt",
    "inbox/smart-mix/x\\..\\..\\y/script.txt",
    "inbox/smart-mix/x\n/script.txt",
    "inbox/smart-mix/x/scr\x00ipt.txt",
    "inbox/smart-mix/x/\x1b[31mred.mp4",
    "inbox/smart-mix/x/\u0085.mp4",
    "inbox/smart-mix//x/script.txt",
    "inbox/smart-mix/x/",
    "inbox/smart-mix/" + "a" * 300 + "/script.txt",  # fine for OSS, too long for a directory
    "inbox/highlights/" + "b" * 300 + ".mp4",
    "inbox/smart-mix/x/" + "c" * 2000 + ".mp4",  # over OSS's 1023 bytes
    "inbox/smart-mix/.scene-select-tmp-x/script.txt",  # the local store's own names
    "inbox/smart-mix/x/.scene-select/meta.mp4",
    "inbox/highlights/" + "视频" * 200 + ".mp4",
]


@pytest.fixture(scope="module")
def quiet_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """One stack for the module, its trigger off: each test delivers its own events, on its own keys."""
    running = start_stack(tmp_path_factory.mktemp("hostile") / "state")
    assert running.watcher is not None
    running.watcher.stop()
    try:
        yield running
    finally:
        running.stop()


def check_contained(store: ObservedStore, batch_prefixes: tuple[str, ...]) -> None:
    """Writes only under results/; reads only in the batch (and the run's own records under results/)."""
    assert all(key.startswith("results/") for key in store.writes), store.writes
    outside = [key for key in store.reads if not key.startswith(("results/", *batch_prefixes))]
    assert outside == []


@pytest.mark.parametrize("key", HOSTILE_KEYS, ids=lambda key: repr(key)[:40])
def test_a_hostile_key_gets_an_error_record_or_is_ignored(
    quiet_stack: LocalStack, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    stack = quiet_stack
    observed = ObservedStore(stack.store)
    report = submit_directly(stack, oss_event(stack.store, key, data=VIDEO), store=observed)
    [outcome] = report.outcomes
    assert outcome.outcome in ("rejected", "ignored"), outcome
    if outcome.outcome == "rejected":
        assert len(observed.writes) == 1  # the error record, and nothing else
        record = json.loads(stack.store.get(observed.writes[0]))
        assert record["key"] == key and record["message"] and record["retried"] is False
    check_contained(observed, (key.rsplit("/", 1)[0] + "/",))  # at most its own folder (a valid OSS key)
    answer = invoke(stack.functions_dir / "submit", oss_event(stack.store, key, data=VIDEO), environ=stack.environ)
    assert answer["ok"] is True  # handled, not raised: FC must not retry it forever
    assert emulator_jobs(stack.emulator) == []
    controls = {char for char in key if unicodedata.category(char) == "Cc"}
    forged_lines = [r.getMessage() for r in caplog.records if controls & set(r.getMessage())]
    assert forged_lines == []  # a key cannot write raw control characters (a fake log line) into the log
    tally("hostile object keys", events=2, hostile=1)


BAD_BATCHES: dict[str, dict[str, bytes]] = {
    "manifest-not-json": {"a.mp4": VIDEO, "job.json": b"{not json"},
    "manifest-empty": {"a.mp4": VIDEO, "job.json": b""},
    "manifest-not-utf8": {"a.mp4": VIDEO, "job.json": b'{"SpeechTextArray": ["\xff\xfe"]}'},
    "manifest-deeply-nested": {"a.mp4": VIDEO, "job.json": b"[" * 100_000},
    "manifest-huge": {"a.mp4": VIDEO, "job.json": b'{"SpeechTextArray": ["' + b"x" * 300_000 + b'"]}'},
    "manifest-unknown-field": {"a.mp4": VIDEO, "job.json": b'{"SpeechTextArray": ["a"], "MediaArrray": []}'},
    "names-parent-folder": {"a.mp4": VIDEO, "job.json": b'{"SpeechTextArray": ["a"], "Media": ["../mine/a.mp4"]}'},
    "names-absolute-path": {"a.mp4": VIDEO, "job.json": b'{"SpeechTextArray": ["a"], "Media": ["/etc/passwd"]}'},
    "names-subfolder": {"a.mp4": VIDEO, "job.json": b'{"SpeechTextArray": ["a"], "Media": ["mine/a.mp4"]}'},
    "names-a-non-media": {"a.mp4": VIDEO, "job.json": b'{"SpeechTextArray": ["a"], "Media": ["a.exe"]}'},
    "media-list-over-limit": {
        "a.mp4": VIDEO,
        "job.json": json.dumps(
            {"SpeechTextArray": ["a"], "Media": [f"m{i}.mp4" for i in range(MAX_ARRAY_ITEMS + 1)]}
        ).encode(),
    },
    "folder-over-limit": {
        **{f"m{i:02d}.jpg": VIDEO for i in range(MAX_ARRAY_ITEMS + 1)},
        "script.txt": "一句。".encode(),
    },
    "script-empty": {"a.mp4": VIDEO, "script.txt": b"\n\n  \n"},
    "zero-byte-media": {"a.mp4": b"", "script.txt": "一句。".encode()},
    "config-ice-refuses": {"a.mp4": VIDEO, "job.json": b'{"SpeechTextArray": ["a"], "OutputConfig": {"Count": 500}}'},
}


@pytest.mark.parametrize("name", list(BAD_BATCHES))
def test_a_broken_batch_gets_a_clear_error_record_and_no_job(quiet_stack: LocalStack, name: str) -> None:
    stack = quiet_stack
    prefix = f"inbox/smart-mix/{name}/"
    files = BAD_BATCHES[name]
    for file_name, data in files.items():
        stack.store.put(prefix + file_name, data)
    last = prefix + ("job.json" if "job.json" in files else "script.txt")
    observed = ObservedStore(stack.store)
    report = submit_directly(stack, oss_event(stack.store, last), store=observed)
    assert [o.outcome for o in report.outcomes] == ["rejected"], report.summary()
    [error_key, index_key] = observed.writes  # the error record, then the batch index's news of it
    assert error_key.startswith(f"results/smart-mix/{name}/errors/")
    assert index_key == f"results/_index/batches/smart-mix/{name}/error.json"
    record = json.loads(stack.store.get(error_key))
    assert record["message"] and len(record["message"]) < 2000 and record["whatToDo"]
    check_contained(observed, (prefix,))
    assert emulator_jobs(stack.emulator) == []
    verify_and_tally(stack, "broken batches", batches=1, jobs=0, events=1, hostile=1)


def test_a_manifest_over_the_limit_is_refused_without_being_read(quiet_stack: LocalStack) -> None:
    stack = quiet_stack
    stack.store.put("inbox/smart-mix/big/a.mp4", VIDEO)
    stack.store.put("inbox/smart-mix/big/job.json", b" " * 2_000_000 + b"{}")
    observed = ObservedStore(stack.store)
    report = submit_directly(stack, oss_event(stack.store, "inbox/smart-mix/big/job.json"), store=observed)
    assert "at most" in report.outcomes[0].detail
    assert observed.reads.count("inbox/smart-mix/big/job.json") == 1  # its HEAD; never its 2 MB


def test_truncated_media_with_the_real_engine_is_reported_per_file(tmp_path: Path) -> None:
    good = make_video(tmp_path / "good.mp4", [Segment(2.0, "navy", "")], width=160, height=90, audio=False)
    whole = make_video(tmp_path / "cut.mp4", [Segment(2.0, "darkgreen", "")], width=160, height=90, audio=False)
    cut = whole.read_bytes()[: whole.stat().st_size // 2]
    stack = start_stack(tmp_path / "state", runner=None)  # the real engine
    try:
        stack.store.put("inbox/smart-mix/cut/good.mp4", good.read_bytes())
        stack.store.put("inbox/smart-mix/cut/cut.mp4", cut)
        stack.store.put("inbox/smart-mix/cut/script.txt", "一句话。".encode())
        wait_for_batches(stack, ["cut"], {"finished", "failed"}, timeout=120)
        selection = json.loads(stack.store.get("results/smart-mix/cut/selection.json"))
        [error] = selection["mediaErrors"]
        assert error["mediaURL"].endswith("/cut.mp4") and error["code"] and error["message"]
        assert "cut.mp4" in stack.store.get("results/smart-mix/cut/report.html").decode()
        verify_and_tally(stack, "truncated media, real engine", batches=1, hostile=1)
    finally:
        stack.stop()


OSS_RECORD = st.fixed_dictionaries(
    {},
    optional={
        "eventName": st.sampled_from(["ObjectCreated:PutObject", "ObjectRemoved:DeleteObject"]) | st.text(),
        "eventSource": st.just("acs:oss") | st.text(),
        "eventTime": st.just("2026-01-01T00:00:00.000Z") | st.text() | st.integers(),
        "region": st.text(),
        "oss": st.fixed_dictionaries(
            {},
            optional={
                "bucket": st.dictionaries(st.sampled_from(["name", "arn"]), st.text() | st.integers()),
                "object": st.dictionaries(
                    st.sampled_from(["key", "size", "eTag", "deltaSize"]),
                    st.text() | st.integers() | st.none() | st.floats(),
                ),
            },
        ),
        "responseElements": st.none() | st.dictionaries(st.just("requestId"), st.text() | st.integers()),
    },
)
EVENTS = (
    st.binary(max_size=512)
    | st.text(max_size=512)
    | st.fixed_dictionaries({"events": st.lists(OSS_RECORD, max_size=3)}).map(json.dumps)
    | st.recursive(
        st.none() | st.integers() | st.text(), lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner)
    ).map(json.dumps)
)


@settings(max_examples=300, deadline=None)
@given(event=EVENTS)
def test_the_oss_event_decoder_raises_only_event_error(event: bytes | str) -> None:
    tally("fuzzed OSS events", hostile=1)
    try:
        records = parse_oss_event(event)
    except EventError:
        return
    for record in records:
        assert record.key and record.bucket  # what it accepts is usable


def test_the_oss_event_decoder_survives_nesting_deeper_than_its_stack() -> None:
    for event in (b"[" * 100_000, b'{"events": ' + b"[" * 100_000, b'{"events": [' + b"{" * 50_000):
        with pytest.raises(EventError):
            parse_oss_event(event)
