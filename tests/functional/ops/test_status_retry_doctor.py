"""status, retry and doctor on the local stack, as a new user runs them (the CLI with --stack)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from scene_select.cloud.pipeline.ports import ClaimPolicy
from scene_select.cloud.pipeline.retry import RetryRefusedError, retry_batch
from scene_select.cloud.pipeline.status import parse_batch_label
from scene_select.workstation.cli import main
from scene_select.workstation.local.stack import LocalStack
from scene_select.workstation.ops.deployment import open_deployment
from scene_select.workstation.ops.doctor import run_doctor
from scene_select_testkit.ice import emulator_jobs
from scene_select_testkit.ops import upload
from scene_select_testkit.stack import wait_for_state


def run(capsys: pytest.CaptureFixture[str], stack: LocalStack, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--stack", str(stack.state_dir)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def settle_batches(stack: LocalStack) -> None:
    upload(stack, "good")
    upload(stack, "bad-media")
    upload(stack, "waits", script=False)
    stack.store.put("inbox/smart-mix/broken/job.json", b'{"Medai": ["a.mp4"]}')
    wait_for_state(stack, "results/smart-mix/good/", {"finished"})
    wait_for_state(stack, "results/smart-mix/bad-media/", {"failed"})
    stack.wait_settled()


def test_status_lists_every_batch_with_its_state(stack: LocalStack, capsys: pytest.CaptureFixture[str]) -> None:
    settle_batches(stack)
    code, out, _ = run(capsys, stack, "status", "--json")
    assert code == 0
    states = {row["batch"]: row["state"] for row in json.loads(out)["batches"]}
    assert states == {
        "smart-mix/good": "finished",
        "smart-mix/bad-media": "failed",
        "smart-mix/waits": "waiting",
        "smart-mix/broken": "rejected",
    }
    code, out, _ = run(capsys, stack, "status")
    assert code == 0 and "4 batch(es), newest first" in out
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("smart-mix/")}
    assert lines["smart-mix/good"].split()[1] == "finished" and lines["smart-mix/waits"].split()[1] == "waiting"
    assert "waiting for job.json or script.txt" in lines["smart-mix/waits"]
    assert "Extra inputs are not permitted" in lines["smart-mix/broken"]
    code, out, _ = run(capsys, stack, "status", "--limit", "2")
    assert "More: scene-select status --next " in out
    token = out.rsplit("--next ", 1)[1].split()[0]
    code, out, _ = run(capsys, stack, "status", "--limit", "2", "--next", token, "--json")
    assert len(json.loads(out)["batches"]) == 2 and json.loads(out)["next"] is None


def test_a_batch_history_shows_runs_steps_job_ids_and_what_to_do(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    settle_batches(stack)
    code, out, _ = run(capsys, stack, "status", "smart-mix/bad-media")
    job_id = json.loads(stack.store.get("results/smart-mix/bad-media/job.json"))["job_id"]
    assert code == 0 and "failed" in out.splitlines()[0] and job_id in out
    assert "cannot be decoded" in out and "what to do:" in out and "scene-select retry" in out
    code, out, _ = run(capsys, stack, "status", "smart-mix/broken", "--json")
    history = json.loads(out)
    assert history["status"]["state"] == "rejected" and history["errors"][0]["whatToDo"]
    assert history["errors"][0]["key"] == "inbox/smart-mix/broken/job.json"


def test_retry_starts_exactly_one_new_run_of_a_failed_batch(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    settle_batches(stack)
    before = json.loads(stack.store.get("results/smart-mix/bad-media/job.json"))
    jobs_before = len(emulator_jobs(stack.emulator))
    deployment = open_deployment({}, stack.state_dir)
    batch = parse_batch_label("smart-mix/bad-media")
    outcomes = []

    def retry(number: int) -> None:  # two people retry at the same moment
        claim = ClaimPolicy.from_settings(deployment.settings, f"person-{number}")
        outcomes.append(retry_batch(batch, deployment.deps(), claim, reason="ICE had a bad day"))

    threads = [threading.Thread(target=retry, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({o.run_key for o in outcomes}) == 1 and sorted(o.first for o in outcomes) == [False, True]
    new_run = outcomes[0].run_key
    assert new_run != before["run_key"]
    wait_for_state(stack, "results/smart-mix/bad-media/", {"failed"}, timeout=30)
    stack.wait_settled()
    assert len(emulator_jobs(stack.emulator)) == jobs_before + 1
    runs = {info.key.split("/")[4] for info in stack.store.list("results/smart-mix/bad-media/runs/")}
    assert runs == {before["run_key"], new_run}
    code, out, _ = run(capsys, stack, "status", "smart-mix/bad-media")
    assert f"retry 1 of run {before['run_key']}" in out and f"retried as run {new_run}" in out
    assert "ICE had a bad day" in out
    # the CLI: a second retry makes generation 2; a finished batch is refused with the reason
    code, out, _ = run(capsys, stack, "retry", "smart-mix/bad-media", "--json")
    assert code == 0 and json.loads(out)["generation"] == 2
    code, _, err = run(capsys, stack, "retry", "smart-mix/good")
    assert code == 1 and "finished" in err and "--force" in err


def test_retry_refuses_a_running_or_never_started_batch(stack: LocalStack, capsys: pytest.CaptureFixture[str]) -> None:
    settle_batches(stack)
    code, _, err = run(capsys, stack, "retry", "smart-mix/waits")
    assert code == 1 and "no run to retry" in err
    code, _, err = run(capsys, stack, "retry", "smart-mix/nope")
    assert code == 1 and "no run to retry" in err
    code, _, err = run(capsys, stack, "retry", "nope")
    assert code == 1 and "not a batch name" in err
    deployment = open_deployment({}, stack.state_dir)
    record = json.loads(stack.store.get("results/smart-mix/good/job.json"))  # as if ICE were still at it
    stack.store.put("results/smart-mix/good/job.json", json.dumps({**record, "state": "submitted"}).encode())
    claim = ClaimPolicy.from_settings(deployment.settings, "someone")
    with pytest.raises(RetryRefusedError, match="is running"):
        retry_batch(parse_batch_label("smart-mix/good"), deployment.deps(), claim)


def test_doctor_passes_on_a_healthy_stack_and_names_the_broken_piece(
    stack: LocalStack, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, stack, "doctor")
    assert code == 0 and "doctor: all 9 checks ok" in out, out
    for name in (
        "credentials",
        "region",
        "prefixes",
        "settings",
        "bucket",
        "ice",
        "callback-url",
        "callback-auth-key",
        "s.yaml",
    ):
        assert f"ok       {name}" in out
    monkeypatch.setenv("SCENE_SELECT_RESULTS_PREFIX", "inbox/results/")
    code, out, _ = run(capsys, stack, "doctor")
    assert code == 1 and "FAILED   prefixes" in out and "overlap" in out
    monkeypatch.delenv("SCENE_SELECT_RESULTS_PREFIX")
    stack_file = stack.state_dir / "stack.json"
    good = json.loads(stack_file.read_text())
    stack_file.write_text(json.dumps({**good, "authKey": "Wrong1Key2Here3"}))
    code, out, _ = run(capsys, stack, "doctor")
    assert code == 1 and "FAILED   callback-auth-key" in out and "another AuthKey" in out
    stack_file.write_text(json.dumps(good))
    report = run_doctor(
        {}, stack_dir=stack.state_dir, s_yaml=_s_yaml_with(tmp_path, "prefix: ${vars.inboxPrefix}", "prefix: uploads/")
    )
    assert [c.name for c in report.failed] == ["s.yaml"] and "uploads/" in report.failed[0].detail
    assert stack.emulator is not None
    stack.emulator.stop()
    code, out, _ = run(capsys, stack, "doctor", "--json")
    failed = {c["name"]: c for c in json.loads(out)["checks"] if c["ok"] is False}
    assert code == 1 and set(failed) == {"ice"} and "does not answer" in failed["ice"]["detail"]


def _s_yaml_with(tmp_path: Path, old: str, new: str) -> Path:
    source = Path(__file__).resolve().parents[3] / "s.yaml"
    text = source.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "s.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_commands_say_what_is_wrong_with_a_stack_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["status"], ["retry", "smart-mix/x"], ["doctor"]):
        code = main([*command, "--stack", str(tmp_path)])
        err = capsys.readouterr().err
        if command == ["doctor"]:
            assert code == 1 and "stack.json" in err, err
        else:
            assert code == 1 and f"no running local stack in {tmp_path}" in err and "scene-select local up" in err
