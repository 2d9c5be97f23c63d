"""The submit function through the FC shim: one job per complete batch, errors written, nothing looped."""

from __future__ import annotations

import json
import threading
from types import SimpleNamespace

import pytest

from scene_select.cloud.errors import ConfigError
from scene_select.cloud.fc.handlers import FunctionRuntime
from scene_select.workstation.local.fc_runtime import LocalContext, invoke
from scene_select.workstation.local.stack import LocalStack
from scene_select_testkit.events import oss_event
from scene_select_testkit.ice import emulator_jobs
from scene_select_testkit.stack import placeholder_video, wait_for_state

VIDEO = placeholder_video("x")
BATCH = "inbox/smart-mix/周末 vlog/"
RESULTS = "results/smart-mix/周末 vlog/"


def upload_batch(stack: LocalStack, prefix: str = BATCH, script: str = "第一句。第二句。") -> None:
    stack.store.put(prefix + "海边 a+b.mp4", VIDEO)
    stack.store.put(prefix + "city%20night.mp4", VIDEO + b"2")
    stack.store.put(prefix + "script.txt", script.encode("utf-8"))


def test_a_batch_becomes_one_job_and_results(stack: LocalStack) -> None:
    upload_batch(stack)
    record = wait_for_state(stack, RESULTS, {"finished"})
    selection = json.loads(stack.store.get(RESULTS + "selection.json"))
    keys = {clip["mediaKey"] for s in selection["outputs"][0]["sentences"] for clip in s["clips"]}
    assert keys <= {BATCH + "海边 a+b.mp4", BATCH + "city%20night.mp4"} and keys
    assert json.loads(stack.store.get(RESULTS + "raw.json"))["textMatchMediaOutputList"]
    report = stack.store.get(RESULTS + "report.html").decode("utf-8")
    assert "第一句。" in report and "<script" not in report
    assert record["job_id"] and len(emulator_jobs(stack.emulator)) == 1


def test_duplicate_and_concurrent_deliveries_submit_one_job(stack: LocalStack) -> None:
    stack.watcher.stop()  # type: ignore[union-attr]  # deliver by hand, many times
    upload_batch(stack)
    event = oss_event(stack.store, BATCH + "script.txt")
    for _ in range(3):
        stack.deliver_upload_event(event)
    threads = [threading.Thread(target=stack.deliver_upload_event, args=(event,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wait_for_state(stack, RESULTS, {"finished"})
    stack.deliver_upload_event(event)  # a late duplicate after completion
    assert len(emulator_jobs(stack.emulator)) == 1


def test_a_changed_manifest_is_a_new_run_that_keeps_the_old_record(stack: LocalStack) -> None:
    upload_batch(stack)
    first = wait_for_state(stack, RESULTS, {"finished"})
    stack.store.put(BATCH + "script.txt", "全新的脚本。".encode())
    second = stack.store.head(BATCH + "script.txt")
    assert second is not None
    for _ in range(200):
        latest = json.loads(stack.store.get(RESULTS + "job.json"))
        if latest["run_key"] != first["run_key"] and latest["state"] == "finished":
            break
        threading.Event().wait(0.05)
    assert latest["run_key"] != first["run_key"]
    old = json.loads(stack.store.get(f"{RESULTS}runs/{first['run_key']}/job.json"))
    assert old["state"] == "finished" and old["job_id"] == first["job_id"]
    assert len(emulator_jobs(stack.emulator)) == 2


def test_bad_input_gets_an_error_record_and_no_job(stack: LocalStack) -> None:
    stack.store.put("inbox/smart-mix/bad/a.mp4", VIDEO)
    stack.store.put("inbox/smart-mix/bad/job.json", b'{"SpeechTextArray": ["ok"], "Media": ["../x.mp4"]}')
    stack.store.put("inbox/smart-mix/other/notes.docx", b"not media")
    stack.store.put("inbox/smart-mix/empty/a.mp4", b"")
    stack.store.put("inbox/smart-mix/empty/script.txt", "一句。".encode())
    for folder in ("bad", "other", "empty"):
        for _ in range(200):
            if list(stack.store.list(f"results/smart-mix/{folder}/errors/")):
                break
            threading.Event().wait(0.05)
        errors = list(stack.store.list(f"results/smart-mix/{folder}/errors/"))
        assert errors, folder
        for error in errors:  # one record per offending upload
            document = json.loads(stack.store.get(error.key))
            assert document["message"] and document["retried"] is False
    assert emulator_jobs(stack.emulator) == []


def test_results_and_foreign_keys_never_start_a_job(stack: LocalStack) -> None:
    stack.watcher.stop()  # type: ignore[union-attr]
    stack.store.put("results/smart-mix/x/script.txt", "一句。".encode())
    stack.store.put("inbox/smart-mix/x/a.mp4", VIDEO)
    answer = invoke(
        stack.functions_dir / "submit", oss_event(stack.store, "results/smart-mix/x/script.txt"), environ=stack.environ
    )
    assert answer["records"][0]["outcome"] == "ignored"
    removed = oss_event(stack.store, "inbox/smart-mix/x/a.mp4", event_name="ObjectRemoved:DeleteObject")
    assert invoke(stack.functions_dir / "submit", removed, environ=stack.environ)["records"][0]["outcome"] == "ignored"
    assert emulator_jobs(stack.emulator) == []


def test_a_malformed_event_is_reported_not_retried(stack: LocalStack) -> None:
    for event in (b"not json", b'{"events": "x"}', b'{"events": [{"eventName": 1}]}'):
        answer = invoke(stack.functions_dir / "submit", event, environ=stack.environ)
        assert answer["ok"] is False and answer["error"]
    assert emulator_jobs(stack.emulator) == []


def test_highlight_video_with_sidecar(stack: LocalStack) -> None:
    stack.store.put("inbox/highlights/show/ep1.json", b'{"HighlightStrategy": {"TargetDuration": 30}}')
    stack.store.put("inbox/highlights/show/ep1.mp4", VIDEO)
    record = wait_for_state(stack, "results/highlights/show/ep1.mp4/", {"finished"})
    assert record["request"]["InputConfig"]["HighlightStrategy"] == {"TargetDuration": 30}
    selection = json.loads(stack.store.get("results/highlights/show/ep1.mp4/selection.json"))
    assert selection["outputs"][0]["highlights"][0]["mediaKey"] == "inbox/highlights/show/ep1.mp4"


def test_media_metadata_may_name_batch_files_and_reaches_ice_as_urls(stack: LocalStack) -> None:
    editing = {"MediaConfig": {"MediaMetaDataArray": [{"Media": "a.mp4", "TimeRangeList": [{"In": 1, "Out": 3}]}]}}
    stack.store.put("inbox/smart-mix/ranges/a.mp4", VIDEO)
    stack.store.put(
        "inbox/smart-mix/ranges/job.json",
        json.dumps({"SpeechTextArray": ["一句。"], "EditingConfig": editing}).encode(),
    )
    record = wait_for_state(stack, "results/smart-mix/ranges/", {"finished"})
    (entry,) = record["request"]["EditingConfig"]["MediaConfig"]["MediaMetaDataArray"]
    assert entry["Media"] == stack.store.url_for("inbox/smart-mix/ranges/a.mp4")


def test_a_deployment_problem_keeps_the_batch_pending_until_it_is_fixed(stack: LocalStack) -> None:
    stack.watcher.stop()  # type: ignore[union-attr]
    right_secret = stack.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"]
    stack.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = "rotated-away"
    upload_batch(stack)
    answer = invoke(stack.functions_dir / "submit", oss_event(stack.store, BATCH + "script.txt"), environ=stack.environ)
    assert answer["records"][0]["outcome"] == "deferred"
    assert "SignatureDoesNotMatch" in answer["records"][0]["detail"]
    assert list(stack.store.list(RESULTS + "errors/")) == [] and emulator_jobs(stack.emulator) == []
    stack.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = right_secret  # the operator fixes the role / keys
    assert stack.reconcile_now()["ok"]
    wait_for_state(stack, RESULTS, {"submitted", "finished"})
    assert len(emulator_jobs(stack.emulator)) == 1


def test_the_runtimes_region_serves_when_fc_region_is_absent(stack: LocalStack) -> None:
    """A runtime that gives the region only in the context (no FC_REGION variable) still deploys right."""
    stack.watcher.stop()  # type: ignore[union-attr]
    environ = {name: value for name, value in stack.environ.items() if name != "FC_REGION"}
    runtime = FunctionRuntime(environ)
    upload_batch(stack)
    event = oss_event(stack.store, BATCH + "script.txt")
    with pytest.raises(ConfigError, match="no region"):
        runtime.submit(event, SimpleNamespace(request_id="no-region"))
    context = LocalContext(function_name="submit", region=stack.options.region)
    answer = runtime.submit(event, context)
    assert answer["records"][0]["outcome"] == "submitted"
    record = json.loads(stack.store.get(RESULTS + "job.json"))
    assert all(f".oss-{stack.options.region}." in url for url in record["request"]["InputConfig"]["MediaArray"])
