"""The submit / job get / job list commands against the signature-verifying fake ICE, over real HTTP."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from fake_ice import OUTPUT, SMART_MIX_INPUT, SUBMIT, FakeIce

from scene_select.workstation.cli import EXIT_ERROR, EXIT_JOB_FAILED, EXIT_OK, EXIT_WAIT_TIMEOUT, main


class _NoServer:
    url = "http://unused"


CREDENTIALS = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "ak-test", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "sk-test"}
HIGHLIGHTS_INPUT = {"MediaArray": ["https://bucket-a.oss-cn-shanghai.aliyuncs.com/inbox/第1集.mp4"]}


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)


def _submit_args(
    fake: FakeIce | _NoServer,
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
        fake.url,
        *extra,
    ]


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("scene-select: error: ")
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.usefixtures("creds")
def test_submit_prints_the_job_id_and_splits_query_and_body(
    fake: FakeIce, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file = tmp_path / "input.json"
    config_file.write_text(json.dumps(SMART_MIX_INPUT, ensure_ascii=False), encoding="utf-8")
    editing = '{"SpeechConfig":{"Voice":"zhiru","SpeechRate":100}}'
    args = _submit_args(fake, "--editing-config", editing, "--user-data", '{"NotifyAddress":"ice-callback-q"}')
    args[args.index("--input-config") + 1] = f"@{config_file}"
    assert main(args) == EXIT_OK
    out = capsys.readouterr().out
    (job_id,) = fake.jobs
    assert job_id in out
    seen = fake.seen(SUBMIT)[0]
    assert seen.rejected is None
    assert set(seen.query) == {"JobType", "OutputConfig", "UserData"}
    assert set(seen.form) == {"InputConfig", "EditingConfig"}
    assert json.loads(seen.form["InputConfig"]) == SMART_MIX_INPUT
    assert json.loads(seen.form["EditingConfig"]) == json.loads(editing)


@pytest.mark.usefixtures("creds")
def test_submit_json_output(fake: FakeIce, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*_submit_args(fake), "--json"]) == EXIT_OK
    printed = json.loads(capsys.readouterr().out)
    assert printed["JobId"] in fake.jobs and printed["RequestId"]


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
    fake: FakeIce, capsys: pytest.CaptureFixture[str], change: dict[str, str], fragment: str
) -> None:
    args = _submit_args(fake)
    for option, value in change.items():
        if option in args:
            args[args.index(option) + 1] = value
        else:
            args += [option, value]
    assert main(args) == EXIT_ERROR
    assert fragment in _one_error_line(capsys.readouterr().err)
    assert fake.seen() == []


def test_missing_credentials_one_line_nothing_sent(fake: FakeIce, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_submit_args(fake)) == EXIT_ERROR
    line = _one_error_line(capsys.readouterr().err)
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in line and "ALIBABA_CLOUD_ACCESS_KEY_SECRET" in line
    assert fake.seen() == []


@pytest.mark.usefixtures("creds")
def test_region_problems_say_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    args = _submit_args(_NoServer())
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
    args = _submit_args(_NoServer())
    args[args.index("--endpoint") + 1] = f"http://127.0.0.1:{port}"
    assert main(args) == EXIT_ERROR
    line = _one_error_line(capsys.readouterr().err)
    assert "could not connect to ICE" in line and "check the endpoint" in line


@pytest.mark.usefixtures("creds")
def test_job_get_wait_shows_the_selection(fake: FakeIce, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*_submit_args(fake), "--json"]) == EXIT_OK
    job_id = json.loads(capsys.readouterr().out)["JobId"]
    assert main(["job", "get", job_id, "--endpoint", fake.url]) == EXIT_OK
    assert "Processing" in capsys.readouterr().out
    assert main(["job", "get", job_id, "--wait", "--interval", "0.01", "--endpoint", fake.url]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Status    Finished" in out
    assert "第一句 脚本 🎬" in out and "a.mp4" in out and "1.00" in out and "3.50" in out
    assert main(["job", "get", job_id, "--json", "--endpoint", fake.url]) == EXIT_OK
    printed = json.loads(capsys.readouterr().out)
    assert printed["Status"] == "Finished"
    sentences = printed["Selection"]["textMatchMediaOutputList"][0]["textMatchMediaSentenceOutputList"]
    assert [s["text"] for s in sentences] == SMART_MIX_INPUT["SpeechTextArray"]


@pytest.mark.usefixtures("creds")
def test_job_get_wait_on_a_failed_job_exits_non_zero(fake: FakeIce, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*_submit_args(fake), "--json"]) == EXIT_OK
    job_id = json.loads(capsys.readouterr().out)["JobId"]
    fake.fail_job_ids.add(job_id)
    assert main(["job", "get", job_id, "--wait", "--interval", "0.01", "--endpoint", fake.url]) == EXIT_JOB_FAILED
    assert "Error     InvalidMaterial.NotFound: media not found" in capsys.readouterr().out


@pytest.mark.usefixtures("creds")
def test_job_get_wait_timeout(fake: FakeIce, capsys: pytest.CaptureFixture[str]) -> None:
    fake.finish_after_polls = 10_000
    assert main([*_submit_args(fake), "--json"]) == EXIT_OK
    job_id = json.loads(capsys.readouterr().out)["JobId"]
    args = ["job", "get", job_id, "--wait", "--interval", "0.02", "--timeout", "0.1", "--endpoint", fake.url]
    assert main(args) == EXIT_WAIT_TIMEOUT
    captured = capsys.readouterr()
    assert "still Processing after 0.1 s" in captured.err
    assert "Status    Processing" in captured.out


@pytest.mark.usefixtures("creds")
def test_job_get_unknown_job_is_one_line(fake: FakeIce, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["job", "get", "f" * 32, "--endpoint", fake.url]) == EXIT_ERROR
    assert "InvalidParameter.JobNotFound" in _one_error_line(capsys.readouterr().err)


@pytest.mark.usefixtures("creds")
def test_job_list_with_limit_and_filters(
    fake: FakeIce, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(4):
        assert main(_submit_args(fake)) == EXIT_OK
    highlights = json.dumps(HIGHLIGHTS_INPUT, ensure_ascii=False)
    assert main(_submit_args(fake, input_config=highlights, job_type="Screen_Media_Highlights_Media_Select")) == 0
    capsys.readouterr()
    monkeypatch.setenv("SCENE_SELECT_ICE_ENDPOINT", fake.url)  # the endpoint from the environment this time
    assert main(["job", "list", "--limit", "3"]) == EXIT_OK
    rows = capsys.readouterr().out.strip().splitlines()
    assert rows[0].split() == ["JobId", "JobType", "Status", "Created"]
    assert len(rows) == 4
    assert main(["job", "list", "--job-type", "Screen_Media_Highlights_Media_Select", "--json"]) == EXIT_OK
    listed = json.loads(capsys.readouterr().out)
    assert [j["JobType"] for j in listed] == ["Screen_Media_Highlights_Media_Select"]
    assert main(["job", "list", "--status", "Finished"]) == EXIT_OK
    assert capsys.readouterr().out.strip() == "no jobs"


@pytest.mark.usefixtures("creds")
def test_highlights_job_text_output(fake: FakeIce, capsys: pytest.CaptureFixture[str]) -> None:
    highlights = json.dumps(HIGHLIGHTS_INPUT, ensure_ascii=False)
    args = _submit_args(fake, "--json", input_config=highlights, job_type="Screen_Media_Highlights_Media_Select")
    assert main(args) == EXIT_OK
    job_id = json.loads(capsys.readouterr().out)["JobId"]
    fake.finish_after_polls = 1
    assert main(["job", "get", job_id, "--endpoint", fake.url]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Selection: highlights, 1 output(s), 1 clip(s)" in out
    assert "第1集.mp4" in out


def _console_script() -> str:
    script = Path(sys.executable).parent / "scene-select"
    assert script.exists(), "the scene-select console script is not installed in this environment"
    return str(script)


def test_console_script_submits_and_refuses(fake: FakeIce) -> None:
    env = {**os.environ, **CREDENTIALS, "FC_REGION": "cn-shanghai"}
    done = subprocess.run(
        [_console_script(), *_submit_args(fake)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    (job_id,) = fake.jobs
    assert job_id in done.stdout
    assert set(fake.seen(SUBMIT)[0].query) == {"JobType", "OutputConfig"}
    assert set(fake.seen(SUBMIT)[0].form) == {"InputConfig"}

    refused = subprocess.run(
        [_console_script(), *_submit_args(fake, input_config='{"MediaArray": []}')],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == EXIT_ERROR
    assert "MediaArray" in _one_error_line(refused.stderr)
    assert len(fake.seen()) == 1


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.usefixtures("creds")
def test_wait_shows_a_progress_line_on_a_terminal(
    fake: FakeIce, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.finish_after_polls = 3
    assert main([*_submit_args(fake), "--json"]) == EXIT_OK
    job_id = json.loads(capsys.readouterr().out)["JobId"]
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["job", "get", job_id, "--wait", "--interval", "0.01", "--endpoint", fake.url]) == EXIT_OK
    progress = terminal.getvalue()
    assert progress.count(f"\rjob {job_id}: Processing") == 2
    assert progress.endswith("\r\033[K")  # the line is cleared before the summary is printed
