"""The submit / job get / job list commands end to end, over real HTTP, against the local ICE emulator.

The emulator is the product's own (``scene_select.workstation.local.emulator``), recording what arrived
(:class:`~scene_select_testkit.ice.RecordingEmulator`) so the tests can check which parameters travelled in
the query and which in the form body; its jobs are held by a :class:`~scene_select_testkit.ice.GatedRunner`
until a test lets them finish (or fail).
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scene_select.cloud.errors import MediaError
from scene_select.workstation.cli import EXIT_ERROR, EXIT_JOB_FAILED, EXIT_OK, EXIT_WAIT_TIMEOUT, main
from scene_select_testkit.ice import (
    AK_ID,
    AK_SECRET,
    ApiCall,
    GatedRunner,
    RecordingEmulator,
    emulator_job,
    emulator_jobs,
    emulator_options,
)
from scene_select_testkit.waiting import wait_until

SUBMIT = "SubmitSceneMediaSelectionJob"
GET = "GetBatchMediaProducingJob"
CREDENTIALS = {"ALIBABA_CLOUD_ACCESS_KEY_ID": AK_ID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": AK_SECRET}
SMART_MIX_INPUT = {
    "MediaArray": ["https://bucket-a.oss-cn-shanghai.aliyuncs.com/inbox/a.mp4"],
    "SpeechTextArray": ["第一句 脚本 🎬", "second script + more"],
}
HIGHLIGHTS_INPUT = {"MediaArray": ["https://bucket-a.oss-cn-shanghai.aliyuncs.com/inbox/第1集.mp4"]}
OUTPUT = {"MediaURL": "https://bucket-a.oss-cn-shanghai.aliyuncs.com/out/{index}.mp4", "Count": 1}
UNUSED_ENDPOINT = "http://unused"


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def gate() -> Iterator[GatedRunner]:
    """Holds the emulator's jobs (the first Processing, the rest Init) until the test releases them."""
    runner = GatedRunner()
    yield runner
    runner.release.set()


@pytest.fixture
def ice(tmp_path: Path, gate: GatedRunner) -> Iterator[RecordingEmulator]:
    emulator = RecordingEmulator(tmp_path / "ice", {AK_ID: AK_SECRET}, runner=gate, options=emulator_options())
    emulator.start()
    try:
        yield emulator
    finally:
        gate.release.set()
        emulator.stop()


def _submit_args(
    endpoint: str,
    *extra: str,
    input_config: object = SMART_MIX_INPUT,
    job_type: str = "Smart_Mix_Media_Select",
) -> list[str]:
    return [
        "submit",
        "--job-type",
        job_type,
        "--input-config",
        input_config if isinstance(input_config, str) else json.dumps(input_config, ensure_ascii=False),
        "--output-config",
        json.dumps(OUTPUT),
        "--endpoint",
        endpoint,
        *extra,
    ]


def _submitted_job(ice: RecordingEmulator, capsys: pytest.CaptureFixture[str], gate: GatedRunner) -> str:
    """Submit the smart-mix job with --json; returns its JobId once the (gated) job is Processing."""
    assert main([*_submit_args(ice.endpoint), "--json"]) == EXIT_OK
    job_id: str = json.loads(capsys.readouterr().out)["JobId"]
    wait_until(gate.started.is_set, what="the job to start")
    return job_id


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("scene-select: error: ")
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.usefixtures("creds")
def test_submit_prints_the_job_id_and_splits_query_and_body(
    ice: RecordingEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file = tmp_path / "input.json"
    config_file.write_text(json.dumps(SMART_MIX_INPUT, ensure_ascii=False), encoding="utf-8")
    editing = '{"SpeechConfig":{"Voice":"zhiru","SpeechRate":100}}'
    args = _submit_args(ice.endpoint, "--editing-config", editing, "--user-data", '{"NotifyAddress":"ice-callback-q"}')
    args[args.index("--input-config") + 1] = f"@{config_file}"
    assert main(args) == EXIT_OK
    out = capsys.readouterr().out
    (job_id,) = [job["JobId"] for job in emulator_jobs(ice)]
    assert job_id in out
    (seen,) = ice.seen(SUBMIT)
    assert (seen.status, seen.code) == (200, None)
    assert set(seen.query) == {"JobType", "OutputConfig", "UserData"}
    assert set(seen.form) == {"InputConfig", "EditingConfig"}
    assert json.loads(seen.form["InputConfig"]) == SMART_MIX_INPUT
    assert json.loads(seen.form["EditingConfig"]) == json.loads(editing)


@pytest.mark.usefixtures("creds")
def test_submit_json_output(ice: RecordingEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*_submit_args(ice.endpoint), "--json"]) == EXIT_OK
    printed = json.loads(capsys.readouterr().out)
    assert printed["JobId"] in [job["JobId"] for job in emulator_jobs(ice)] and printed["RequestId"]


@pytest.mark.usefixtures("creds")
@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"--job-type": "Smart_Mix"}, "JobType: 'Smart_Mix' is not supported"),
        ({"--input-config": "{not json"}, "InputConfig is not valid JSON"),
        ({"--input-config": "[1, 2]"}, "InputConfig must be a JSON object"),
        ({"--input-config": '{"SpeechTextArray":["x"]}'}, "MediaArray"),
        ({"--output-config": '{"MediaURL":"https://b.oss-cn-shanghai.aliyuncs.com/o.mp4","Count":3}'}, "{index}"),
        ({"--user-data": '{"NotifyAddress":"mns-queue"}'}, "NotifyAddress"),
        ({"--input-config": "@/nonexistent/input.json"}, "cannot read '/nonexistent/input.json'"),
        ({"--input-config": json.dumps({"MediaArray": ["a.mp4"], "SpeechTextArray": ["x" * 1001]})}, "1000"),
    ],
)
def test_invalid_configs_are_refused_before_anything_is_sent(
    ice: RecordingEmulator, capsys: pytest.CaptureFixture[str], change: dict[str, str], fragment: str
) -> None:
    args = _submit_args(ice.endpoint)
    for option, value in change.items():
        if option in args:
            args[args.index(option) + 1] = value
        else:
            args += [option, value]
    assert main(args) == EXIT_ERROR
    assert fragment in _one_error_line(capsys.readouterr().err)
    assert ice.seen() == []


def test_missing_credentials_one_line_nothing_sent(ice: RecordingEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_submit_args(ice.endpoint)) == EXIT_ERROR
    line = _one_error_line(capsys.readouterr().err)
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in line and "ALIBABA_CLOUD_ACCESS_KEY_SECRET" in line
    assert ice.seen() == []


@pytest.mark.usefixtures("creds")
def test_region_problems_say_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    args = _submit_args(UNUSED_ENDPOINT)
    args = args[: args.index("--endpoint")]  # no endpoint, no region anywhere
    assert main(args) == EXIT_ERROR
    assert "--region" in _one_error_line(capsys.readouterr().err)
    assert main([*args, "--region", "Shanghai"]) == EXIT_ERROR
    assert "cn-shanghai" in _one_error_line(capsys.readouterr().err)


@pytest.mark.usefixtures("creds")
def test_unreachable_endpoint_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert main(_submit_args(f"http://127.0.0.1:{port}")) == EXIT_ERROR
    line = _one_error_line(capsys.readouterr().err)
    assert "could not connect to ICE" in line and "check the endpoint" in line


@pytest.mark.usefixtures("creds")
def test_job_get_wait_shows_the_selection(
    ice: RecordingEmulator, gate: GatedRunner, capsys: pytest.CaptureFixture[str]
) -> None:
    job_id = _submitted_job(ice, capsys, gate)
    assert main(["job", "get", job_id, "--endpoint", ice.endpoint]) == EXIT_OK
    assert "Processing" in capsys.readouterr().out
    gate.release.set()
    assert main(["job", "get", job_id, "--wait", "--interval", "0.01", "--endpoint", ice.endpoint]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Status    Finished" in out
    assert "第一句 脚本 🎬" in out and "a.mp4" in out and "0.00" in out and "2.00" in out
    assert main(["job", "get", job_id, "--json", "--endpoint", ice.endpoint]) == EXIT_OK
    printed = json.loads(capsys.readouterr().out)
    assert printed["Status"] == "Finished"
    sentences = printed["Selection"]["textMatchMediaOutputList"][0]["textMatchMediaSentenceOutputList"]
    assert [s["text"] for s in sentences] == SMART_MIX_INPUT["SpeechTextArray"]


@pytest.mark.usefixtures("creds")
def test_job_get_wait_on_a_failed_job_exits_non_zero(
    ice: RecordingEmulator, gate: GatedRunner, capsys: pytest.CaptureFixture[str]
) -> None:
    job_id = _submitted_job(ice, capsys, gate)
    gate.failure = MediaError("media not found")
    gate.failure.__cause__ = FileNotFoundError("a.mp4")  # a missing file: ICE's InvalidMaterial.NotFound
    gate.release.set()
    assert main(["job", "get", job_id, "--wait", "--interval", "0.01", "--endpoint", ice.endpoint]) == EXIT_JOB_FAILED
    assert "Error     InvalidMaterial.NotFound: media not found" in capsys.readouterr().out


@pytest.mark.usefixtures("creds")
def test_job_get_wait_timeout(ice: RecordingEmulator, gate: GatedRunner, capsys: pytest.CaptureFixture[str]) -> None:
    job_id = _submitted_job(ice, capsys, gate)  # never released: Processing for good
    args = ["job", "get", job_id, "--wait", "--interval", "0.02", "--timeout", "0.1", "--endpoint", ice.endpoint]
    assert main(args) == EXIT_WAIT_TIMEOUT
    captured = capsys.readouterr()
    assert "still Processing after 0.1 s" in captured.err
    assert "Status    Processing" in captured.out


@pytest.mark.usefixtures("creds")
def test_job_get_unknown_job_is_one_line(ice: RecordingEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["job", "get", "f" * 32, "--endpoint", ice.endpoint]) == EXIT_ERROR
    assert "InvalidParameter.JobNotExist" in _one_error_line(capsys.readouterr().err)


@pytest.mark.usefixtures("creds")
def test_job_list_with_limit_and_filters(
    ice: RecordingEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(4):
        assert main(_submit_args(ice.endpoint)) == EXIT_OK
    highlights = json.dumps(HIGHLIGHTS_INPUT, ensure_ascii=False)
    args = _submit_args(ice.endpoint, input_config=highlights, job_type="Screen_Media_Highlights_Media_Select")
    assert main(args) == EXIT_OK
    capsys.readouterr()
    monkeypatch.setenv("SCENE_SELECT_ICE_ENDPOINT", ice.endpoint)  # the endpoint from the environment this time
    assert main(["job", "list", "--limit", "3"]) == EXIT_OK
    rows = capsys.readouterr().out.strip().splitlines()
    assert rows[0].split() == ["JobId", "JobType", "Status", "Created"]
    assert len(rows) == 4
    assert main(["job", "list", "--job-type", "Screen_Media_Highlights_Media_Select", "--json"]) == EXIT_OK
    listed = json.loads(capsys.readouterr().out)
    assert [j["JobType"] for j in listed] == ["Screen_Media_Highlights_Media_Select"]
    assert main(["job", "list", "--status", "Finished"]) == EXIT_OK  # every job is still held by the gate
    assert capsys.readouterr().out.strip() == "no jobs"


@pytest.mark.usefixtures("creds")
def test_highlights_job_text_output(
    ice: RecordingEmulator, gate: GatedRunner, capsys: pytest.CaptureFixture[str]
) -> None:
    highlights = json.dumps(HIGHLIGHTS_INPUT, ensure_ascii=False)
    args = _submit_args(
        ice.endpoint, "--json", input_config=highlights, job_type="Screen_Media_Highlights_Media_Select"
    )
    assert main(args) == EXIT_OK
    job_id = json.loads(capsys.readouterr().out)["JobId"]
    gate.release.set()
    wait_until(lambda: emulator_job(ice, job_id)["Status"] == "Finished", what="the highlights job to finish")
    assert main(["job", "get", job_id, "--endpoint", ice.endpoint]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Selection: highlights, 1 output(s), 1 clip(s)" in out
    assert "第1集.mp4" in out


def _console_script() -> str:
    script = Path(sys.executable).parent / "scene-select"
    assert script.exists(), "the scene-select console script is not installed in this environment"
    return str(script)


def test_console_script_submits_and_refuses(ice: RecordingEmulator) -> None:
    env = {**os.environ, **CREDENTIALS, "FC_REGION": "cn-shanghai"}
    done = subprocess.run(
        [_console_script(), *_submit_args(ice.endpoint)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (job_id,) = [job["JobId"] for job in emulator_jobs(ice)]
    assert job_id in done.stdout
    assert set(ice.seen(SUBMIT)[0].query) == {"JobType", "OutputConfig"}
    assert set(ice.seen(SUBMIT)[0].form) == {"InputConfig"}

    refused = subprocess.run(
        [_console_script(), *_submit_args(ice.endpoint, input_config='{"MediaArray": []}')],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == EXIT_ERROR
    assert "MediaArray" in _one_error_line(refused.stderr)
    assert len(ice.seen()) == 1


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.usefixtures("creds")
def test_wait_shows_a_progress_line_on_a_terminal(
    ice: RecordingEmulator, gate: GatedRunner, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = _submitted_job(ice, capsys, gate)

    def finish_after_the_second_poll(call: ApiCall) -> None:
        # Runs before the second poll's answer (Processing) is sent: the third poll finds the job Finished.
        if call.action == GET and len(ice.seen(GET)) == 2:
            gate.release.set()
            wait_until(lambda: emulator_job(ice, job_id)["Status"] == "Finished", what="the job to finish")

    ice.on_answer = finish_after_the_second_poll
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["job", "get", job_id, "--wait", "--interval", "0.01", "--endpoint", ice.endpoint]) == EXIT_OK
    progress = terminal.getvalue()
    assert progress.count(f"\rjob {job_id}: Processing") == 2
    assert progress.endswith("\r\033[K")  # the line is cleared before the summary is printed
