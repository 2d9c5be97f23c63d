"""After the callback answered ICE: the follow-up writes the editor timelines next to the results."""

from __future__ import annotations

import json

from scene_select.workstation.local.stack import LocalStack
from scene_select_testkit.stack import wait_for_state

BATCH = "inbox/smart-mix/editors/"
RESULTS = "results/smart-mix/editors/"
VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"e" * 64  # the quick runner never decodes


def test_editor_timelines_appear_after_the_callback_without_a_reconcile_pass(stack: LocalStack) -> None:
    stack.store.put(BATCH + "beach.mp4", VIDEO)
    stack.store.put(BATCH + "script.txt", "海边的日落。A red kite.".encode())
    record = wait_for_state(stack, RESULTS, {"finished"})
    stack.wait_settled()  # the callback asked FC (the shim) for an async follow-up; it ran
    assert stack.callback_server is not None and stack.callback_server.async_invocations.failures == []
    report = json.loads(stack.store.get(RESULTS + "timelines.json"))
    written = {entry["file"] for entry in report["written"]}
    assert "timeline.otio" in written  # the media's rate is unknown (not an MP4 header): the .otio only
    assert stack.store.head(RESULTS + "timeline.otio") is not None
    assert stack.store.head(f"{RESULTS}runs/{record['run_key']}/timeline.otio") is not None
    assert list(stack.store.list("results/_index/exports/")) == []
    html = stack.store.get(RESULTS + "report.html").decode()
    assert "timeline.otio" in html  # the report links the editor files
    latest = json.loads(stack.store.get(RESULTS + "job.json"))
    assert latest["state"] == "finished" and latest["results"]["timeline.otio"].endswith("/timeline.otio")


def test_a_lost_follow_up_is_run_by_the_reconcile_pass(stack: LocalStack) -> None:
    assert stack.callback_server is not None
    stack.callback_server.async_invocations.stop()  # FC loses the asynchronous invocation
    stack.store.put(BATCH + "beach.mp4", VIDEO)
    stack.store.put(BATCH + "script.txt", "海边的日落。".encode())
    wait_for_state(stack, RESULTS, {"finished"})
    assert [i.key for i in stack.store.list("results/_index/exports/")]  # still to do
    assert stack.store.head(RESULTS + "timelines.json") is None
    assert stack.reconcile_now()["ok"]
    assert stack.store.head(RESULTS + "timelines.json") is not None
    assert list(stack.store.list("results/_index/exports/")) == []
