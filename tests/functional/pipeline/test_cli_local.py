"""The local-stack commands as a person runs them: local up, invoke, and their errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from scene_select.workstation.cli import main
from scene_select.workstation.local.stack import LocalStack
from scene_select_testkit.ice import emulator_jobs
from scene_select_testkit.waiting import wait_until

EVENTS = Path(__file__).resolve().parents[2] / "events"


def test_local_up_writes_stack_json_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    state = tmp_path / "state"
    process = subprocess.Popen(
        [sys.executable, "-m", "scene_select.workstation.cli", "local", "up", "--state-dir", str(state)],
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("SCENE_SELECT_")},
    )
    try:
        wait_until((state / "stack.json").exists, interval=0.1, what="stack.json")
        stack = json.loads((state / "stack.json").read_text())
        assert set(stack) == {
            "iceEndpoint",
            "callbackUrl",
            "bucketDir",
            "bucket",
            "region",
            "authKey",
            "accessKeyId",
            "accessKeySecret",
            "dashboardUrl",
        }
        assert (
            stack["iceEndpoint"].startswith("http://127.0.0.1:") and (state / "stack.json").stat().st_mode & 0o077 == 0
        )
    finally:
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=60)
    assert process.returncode == 0, errors
    assert "press Ctrl-C" in errors and not (state / "stack.json").exists()
    assert f"dashboard      {stack['dashboardUrl']}" in errors and stack["dashboardUrl"].startswith("http://127.0.0.1:")


def test_invoke_runs_a_handler_with_a_running_stacks_environment(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    stack.watcher.stop()  # type: ignore[union-attr]
    event = json.loads((EVENTS / "oss_put_object.json").read_text())
    record = event["events"][0]
    record["oss"]["bucket"]["name"] = stack.store.bucket
    record["oss"]["object"]["key"] = "results/smart-mix/x/selection.json"  # never a job
    event_file = stack.state_dir / "event.json"
    event_file.write_text(json.dumps(event))
    assert main(["invoke", "submit", "--event", str(event_file), "--stack", str(stack.state_dir)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["records"][0]["outcome"] == "ignored"
    assert emulator_jobs(stack.emulator) == []


def test_invoke_errors_say_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["invoke", "nope", "--event", "x.json"]) == 1
    assert "choose submit, callback or reconcile" in capsys.readouterr().err
    assert main(["invoke", "submit", "--event", str(tmp_path / "missing.json")]) == 1
    assert "cannot read the event file" in capsys.readouterr().err
    (tmp_path / "e.json").write_text("{}")
    assert main(["invoke", "submit", "--event", str(tmp_path / "e.json"), "--stack", str(tmp_path)]) == 1
    assert "scene-select local up" in capsys.readouterr().err


def test_invoke_exits_non_zero_when_the_function_did_not_do_what_was_asked(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    stack.watcher.stop()  # type: ignore[union-attr]
    malformed = stack.state_dir / "malformed.json"
    malformed.write_text("not an OSS event")
    assert main(["invoke", "submit", "--event", str(malformed), "--stack", str(stack.state_dir)]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["ok"] is False  # the function's answer, as the runtime serialises it
    assert "did not do what the event asked" in captured.err
    forged = stack.state_dir / "forged.json"
    forged.write_text(json.dumps({"version": "v1", "rawPath": "/", "body": "{}", "headers": {}}))
    assert main(["invoke", "callback", "--event", str(forged), "--stack", str(stack.state_dir)]) == 1
    assert "answered HTTP 4" in capsys.readouterr().err
