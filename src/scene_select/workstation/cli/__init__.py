"""The ``scene-select`` command: parse and validate arguments, call the library, print a summary.

No business logic lives here: each command turns its
arguments into library calls and turns the outcome, or a :class:`~scene_select.cloud.errors.SceneSelectError`,
into readable output and an exit code. ``--json`` output is for programs; everything else is for people.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scene_select.cloud.config import ENV_FC_REGION, ENV_ICE_ENDPOINT, ENV_REGION, resolve_region
from scene_select.cloud.credentials import env_credentials
from scene_select.cloud.errors import ConfigError, SceneSelectError
from scene_select.cloud.ice.client import IceClient
from scene_select.cloud.models.ice_api import IceJob
from scene_select.cloud.models.job_config import JobType, SelectionJobRequest
from scene_select.workstation.cli.ops_commands import add_ops_commands
from scene_select.workstation.cli.text_output import job_lines, jobs_table_lines

if TYPE_CHECKING:
    from scene_select.workstation.engine.resolve import MediaResolver

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_JOB_FAILED = 3
EXIT_WAIT_TIMEOUT = 4

JOB_STATUSES = ("Init", "Processing", "Finished", "Failed")

Command = Callable[[argparse.Namespace], int]


class SelectionFailedError(SceneSelectError):
    """``select`` could not make the selection asked for (no usable media, or sentences left without clips)."""


class TimelineFailedError(SceneSelectError):
    """``select --timeline``: no timeline file could be written (each format's reason is printed)."""


class FunctionFailedError(SceneSelectError):
    """``invoke``: the function raised, or answered that it did not do what the event asked."""


class RenderFailedError(SceneSelectError):
    """``render``: some video could not be rendered (each one's reason is printed)."""


# ------------------------------------------------------------------------------------------- ICE commands


def _read_json_argument(option: str, value: str | None) -> str | None:
    """A JSON argument as given, or the contents of the file after ``@`` (``@-`` reads stdin)."""
    if value is None or not value.startswith("@"):
        return value
    source = value[1:]
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"{option} {value}: cannot read {source!r} ({reason}); pass JSON or @FILE") from None


def _ice_client(args: argparse.Namespace, environ: Mapping[str, str]) -> IceClient:
    """An IceClient from flags and environment; credentials are checked now so nothing half-starts."""
    credentials = env_credentials(environ)
    credentials()
    endpoint = args.endpoint or environ.get(ENV_ICE_ENDPOINT) or None
    if endpoint is None:
        region: str | None = resolve_region(args.region, environ)
    else:
        region = args.region or environ.get(ENV_FC_REGION) or environ.get(ENV_REGION) or None
    return IceClient(region=region, endpoint=endpoint, credentials=credentials)


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def _job_json(job: IceJob) -> dict[str, Any]:
    """ICE's EditingBatchJob (Extend decoded) plus the decoded selection result under ``Selection``."""
    data = job.model_dump(by_alias=True, exclude_none=True, mode="json")
    selection = job.selection()
    if selection is not None:
        data["Selection"] = selection.raw
    return data


def _request_from_args(args: argparse.Namespace, *, default_output: str = "") -> SelectionJobRequest:
    """The job request named by --job-type and the --*-config options (JSON or @FILE each)."""
    return SelectionJobRequest.from_wire(
        args.job_type,
        _read_json_argument("--input-config", args.input_config) or "",
        _read_json_argument("--output-config", args.output_config) or default_output,
        _read_json_argument("--editing-config", args.editing_config),
        _read_json_argument("--user-data", getattr(args, "user_data", None)),
    )


def _cmd_submit(args: argparse.Namespace) -> int:
    request = _request_from_args(args)
    with _ice_client(args, os.environ) as client:
        result = client.submit_scene_media_selection_job(request)
    if args.json:
        _print_json({"JobId": result.job_id, "RequestId": result.request_id})
    else:
        print(f"Submitted {request.job_type.value} job {result.job_id} (RequestId {result.request_id or '-'})")
        print(f"Follow it with: scene-select job get {result.job_id} --wait")
    return EXIT_OK


def _wait_for(client: IceClient, job_id: str, *, interval: float, timeout: float) -> IceJob:
    """Poll until the job is Finished or Failed; a progress line on a terminal, silence otherwise."""
    started = time.monotonic()
    show = sys.stderr.isatty()
    job = client.get_batch_media_producing_job(job_id)
    while not job.is_terminal:
        elapsed = time.monotonic() - started
        if elapsed >= timeout:
            break
        if show:
            print(f"\rjob {job_id}: {job.status or 'unknown'}, {elapsed:.0f} s", end="", file=sys.stderr, flush=True)
        time.sleep(min(interval, max(0.0, timeout - elapsed)))
        job = client.get_batch_media_producing_job(job_id)
    if show:
        print("\r\033[K", end="", file=sys.stderr, flush=True)
    return job


def _cmd_job_get(args: argparse.Namespace) -> int:
    if args.interval <= 0 or args.timeout <= 0:
        raise ConfigError("--interval and --timeout must be positive numbers of seconds")
    with _ice_client(args, os.environ) as client:
        if args.wait:
            job = _wait_for(client, args.job_id, interval=args.interval, timeout=args.timeout)
        else:
            job = client.get_batch_media_producing_job(args.job_id)
    if args.json:
        _print_json(_job_json(job))
    else:
        print("\n".join(job_lines(job)))
    if args.wait and not job.is_terminal:
        print(
            f"scene-select: job {job.job_id} is still {job.status} after {args.timeout:g} s; "
            "run the same command again to keep waiting",
            file=sys.stderr,
        )
        return EXIT_WAIT_TIMEOUT
    return EXIT_JOB_FAILED if args.wait and job.status == "Failed" else EXIT_OK


def _cmd_job_list(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise ConfigError("--limit must be at least 1")
    with _ice_client(args, os.environ) as client:
        listing = client.list_batch_media_producing_jobs(
            status=args.status, job_type=args.job_type, page_size=min(args.limit, 100)
        )
        jobs = list(itertools.islice(listing, args.limit))
    if args.json:
        _print_json([_job_json(job) for job in jobs])
    else:
        print("\n".join(jobs_table_lines(jobs)))
    return EXIT_OK


def _add_ice_target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--region", help=f"ICE region, e.g. cn-shanghai (default: ${ENV_FC_REGION}, ${ENV_REGION})")
    parser.add_argument(
        "--endpoint", help=f"ICE endpoint URL (default: ${ENV_ICE_ENDPOINT}, else https://ice.<region>.aliyuncs.com)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON for programs instead of text")


def _add_ice_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    json_or_file = "JSON|@FILE"
    submit = sub.add_parser(
        "submit",
        help="submit a SubmitSceneMediaSelectionJob (configs are validated before anything is sent)",
        description="Credentials come from ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET (/ _SECURITY_TOKEN).",
    )
    submit.add_argument("--job-type", required=True, help=" or ".join(t.value for t in JobType))
    submit.add_argument("--input-config", required=True, metavar=json_or_file)
    submit.add_argument("--output-config", required=True, metavar=json_or_file)
    submit.add_argument("--editing-config", metavar=json_or_file)
    submit.add_argument("--user-data", metavar=json_or_file)
    _add_ice_target_options(submit)
    submit.set_defaults(func=_cmd_submit)

    job = sub.add_parser("job", help="look at ICE jobs (GetBatchMediaProducingJob, ListBatchMediaProducingJobs)")
    job_sub = job.add_subparsers(dest="job_command", metavar="JOB_COMMAND")
    job_sub.required = True
    get = job_sub.add_parser(
        "get",
        help="one job, with its selection once finished",
        description=f"With --wait the exit status is {EXIT_OK} when the job finished, {EXIT_JOB_FAILED} when it "
        f"failed and {EXIT_WAIT_TIMEOUT} when --timeout passed first.",
    )
    get.add_argument("job_id", metavar="JOB_ID")
    get.add_argument("--wait", action="store_true", help="poll until the job is Finished or Failed")
    get.add_argument("--interval", type=float, default=5.0, metavar="S", help="seconds between polls (default 5)")
    get.add_argument("--timeout", type=float, default=1800.0, metavar="S", help="give up waiting after S seconds")
    _add_ice_target_options(get)
    get.set_defaults(func=_cmd_job_get)

    listing = job_sub.add_parser("list", help="recent jobs, newest first")
    listing.add_argument("--status", choices=JOB_STATUSES)
    listing.add_argument("--job-type", help="e.g. Smart_Mix_Media_Select")
    listing.add_argument("--limit", type=int, default=20, metavar="N", help="at most N jobs (default 20)")
    _add_ice_target_options(listing)
    listing.set_defaults(func=_cmd_job_list)


# ------------------------------------------------------------------------------------------- local stack


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _cmd_demo(args: argparse.Namespace) -> int:
    from scene_select.cloud.models.selection import parse_extend_output
    from scene_select.workstation.cli.text_output import selection_lines, sight_lines, video_lines
    from scene_select.workstation.local.demo import run_demo

    result = run_demo(Path(args.state_dir), progress=_say, timeout_seconds=args.timeout)
    failed = 0
    print(f"\nscene-select demo finished in {result.seconds:.0f} s\n")
    for batch in result.batches:
        record = batch.record
        assert record is not None
        print(f"{batch.label} — {record.state.value}, ICE job {record.job_id or '-'}")
        if record.state.value == "failed":
            failed += 1
            print(f"  error: {record.error}")
            continue
        raw = (batch.results_dir / "raw.json").read_text(encoding="utf-8")
        selection = parse_extend_output(record.job_type, raw)
        print("\n".join("  " + line for line in selection_lines(selection)))
        if batch.sight:
            print("  No caption and no telling file name: what matched each sentence is what sight saw.")
            print("\n".join("  " + line for line in sight_lines(selection)))
        print("\n".join("  " + line for line in video_lines(batch.results_dir, result.bucket_dir)))
        print(f"  selection.json  {batch.results_dir / 'selection.json'}")
        print(f"  report.html     {batch.results_dir / 'report.html'}\n")
    if result.doctor is not None:
        print("\n".join(result.doctor.lines()) + "\n")
    print(f"Everything the demo wrote is under {result.bucket_dir}; nothing is left running.")
    return EXIT_ERROR if failed else EXIT_OK


def _cmd_local_up(args: argparse.Namespace) -> int:
    from scene_select.workstation.local.stack import LocalStack, StackOptions

    options = StackOptions(state_dir=Path(args.state_dir), ice_port=args.port, dashboard_port=args.dashboard_port)
    with LocalStack(options) as stack:
        assert stack.emulator is not None
        _say(f"dashboard      {stack.dashboard_url}  (every batch, live; results; an upload form)")
        _say(f"ICE emulator   {stack.emulator.endpoint}")
        _say(f"callback       {stack.callback_url}")
        _say(f"bucket dir     {stack.bucket_dir}  (drop files under inbox/smart-mix/<batch>/ or inbox/highlights/)")
        _say(f"stack.json     {stack.state_dir / 'stack.json'}  (credentials, auth key, endpoints)")
        _say("running; press Ctrl-C to stop")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            _say("stopping…")
    return EXIT_OK


def _cmd_invoke(args: argparse.Namespace) -> int:
    from scene_select.workstation.local.fc_runtime import invoke_raw
    from scene_select.workstation.local.stack import find_functions_dir

    function_dir = find_functions_dir() / args.function
    if not (function_dir / "index.py").is_file():
        raise ConfigError(f"no function {args.function!r}: choose submit, callback or reconcile")
    if args.event == "-":
        event = sys.stdin.buffer.read()
    else:
        try:
            event = Path(args.event).read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read the event file {args.event}: {exc.strerror}") from None
    environ = dict(os.environ)
    if args.stack:
        from scene_select.workstation.ops.deployment import stack_environment

        environ.update(stack_environment(Path(args.stack)))
    with contextlib.redirect_stdout(sys.stderr):  # the function's log lines; stdout is its answer
        payload, failed = invoke_raw(function_dir, event, environ=environ)
    print(payload.decode("utf-8", errors="replace"))  # what the runtime answers, as `s local invoke` shows it
    if failed:
        raise FunctionFailedError(f"the {args.function} function raised (its error is printed above)")
    refusal = _refusal(payload)
    if refusal:
        raise FunctionFailedError(f"the {args.function} function did not do what the event asked: {refusal}")
    return EXIT_OK


def _refusal(payload: bytes) -> str | None:
    """What a handler's answer says went wrong: ``"ok": false`` with its error, or an HTTP status ≥ 400."""
    try:
        answer = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(answer, dict):
        return None
    status = answer.get("statusCode")
    if isinstance(status, int) and status >= 400:
        return f"it answered HTTP {status}"
    if answer.get("ok") is False:
        return str(answer.get("error") or answer.get("errors") or "it answered ok: false")
    return None


def _add_local_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = sub.add_parser("demo", help="run the whole chain offline on generated sample media")
    demo.add_argument("--state-dir", default=".state/demo", help="where the demo keeps its bucket and state")
    demo.add_argument("--timeout", type=float, default=900.0, metavar="S", help="give up after S seconds")
    demo.set_defaults(func=_cmd_demo)

    local = sub.add_parser("local", help="the embedded local stack")
    local_sub = local.add_subparsers(dest="local_command", metavar="LOCAL_COMMAND")
    local_sub.required = True
    up = local_sub.add_parser("up", help="run the ICE emulator, bucket watcher and FC shim until Ctrl-C")
    up.add_argument("--state-dir", default=".state/local", help="bucket, jobs and stack.json live here")
    up.add_argument("--port", type=int, default=0, help="ICE emulator port on 127.0.0.1 (default: any free port)")
    up.add_argument(
        "--dashboard-port", type=int, default=0, help="the dashboard's port on 127.0.0.1 (default: any free port)"
    )
    up.set_defaults(func=_cmd_local_up)

    run = sub.add_parser("invoke", help="run functions/FUNCTION/index.py through the FC shim, like `s local invoke`")
    run.add_argument("function", metavar="FUNCTION", help="submit, callback or reconcile")
    run.add_argument("--event", required=True, metavar="FILE|-", help="event JSON file (or - for stdin)")
    run.add_argument("--stack", metavar="STATE_DIR", help="use the environment of a running `local up` stack")
    run.set_defaults(func=_cmd_invoke)


# ------------------------------------------------------------------------------------------- local engine


def _bucket_dirs(values: Sequence[str]) -> dict[str, Path]:
    mapping: dict[str, Path] = {}
    for value in values:
        bucket, sep, directory = value.partition("=")
        if not sep or not bucket or not directory:
            raise ConfigError(f"--bucket-dir {value!r}: expected BUCKET=DIR, e.g. --bucket-dir my-bucket=./bucket")
        mapping[bucket] = Path(directory)
    return mapping


def _cmd_select(args: argparse.Namespace) -> int:
    from scene_select.workstation.engine import MediaResolver, run_selection
    from scene_select.workstation.engine.summary import selection_problem, summary_lines, terminal_progress

    request = _request_from_args(args, default_output="{}")
    timeline = _timeline_target(args.timeline)  # a wrong suffix is said before minutes of analysis
    resolver = MediaResolver(bucket_dirs=_bucket_dirs(args.bucket_dir or []), base_dir=Path.cwd())
    scorer = None
    if args.clip_image_model or args.clip_text_model or args.clip_vocab:
        if not (args.clip_image_model and args.clip_text_model and args.clip_vocab):
            raise ConfigError("--clip-image-model, --clip-text-model and --clip-vocab go together")
        from scene_select.workstation.engine.clip_scorer import ImageTextScorer

        scorer = ImageTextScorer(Path(args.clip_image_model), Path(args.clip_text_model), Path(args.clip_vocab))
    with terminal_progress() as progress:
        result = run_selection(
            request,
            resolver=resolver,
            cache_dir=Path(args.cache_dir) if args.cache_dir else None,
            progress=progress,
            explain=True,
            image_text_scorer=scorer,
            duration_measure=args.durations,
            sight=not args.no_sight,
        )
    problem = selection_problem(result, len(request.input_config.media_array))
    if problem is not None and problem[1]:
        raise SelectionFailedError(problem[0])
    print("\n".join(summary_lines(result, explain=args.explain)))
    if args.out:
        Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"Result written to {args.out}")
    if timeline is not None:
        _write_timelines(timeline, request, result, resolver)
    if problem is not None:
        raise SelectionFailedError(problem[0])
    return EXIT_OK


def _timeline_target(value: str | None) -> Path | None:
    if value is None:
        return None
    from scene_select.cloud.timelines import format_for_path

    try:
        format_for_path(value)
    except ValueError as exc:
        raise ConfigError(f"--timeline {exc}") from None
    return Path(value)


def _write_timelines(
    target: Path, request: SelectionJobRequest, result: dict[str, Any], resolver: MediaResolver
) -> None:
    """The selection's editor timeline(s) in the format the suffix picks: ``target`` for one output,
    ``<stem>-<n><suffix>`` for output n of several. Prints what was written and what failed, and why."""
    from scene_select.cloud.timelines import export_selection, format_for_path
    from scene_select.workstation.engine.timeline_media import local_selection, probe_media_info

    selection = local_selection(request, result, name=target.stem)
    export = export_selection(selection, probe_media_info(resolver), formats=[format_for_path(target)])
    several = len(export.written) + len(export.failed) > 1

    def path_of(entry: Mapping[str, Any]) -> Path:
        return target.with_name(f"{target.stem}-{entry['output']}{target.suffix}") if several else target

    for entry in export.written:
        path = path_of(entry)
        _write_file(path, export.files[entry["file"]])
        print(f"Timeline written to {path}")
    for entry in export.failed:
        print(f"Timeline not written: {path_of(entry)}: {entry['reason']}")
    for warning in export.warnings:
        print(f"  timeline warning: {warning}")
    if not export.written:
        why = "; ".join(f"{path_of(e)}: {e['reason']}" for e in export.failed) or "; ".join(export.warnings)
        raise TimelineFailedError(f"no timeline could be written ({why})")


def _write_file(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically, readable by everyone (editors may run under another account)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temp.write_bytes(data)
        temp.chmod(0o644)
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _add_select_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    select = sub.add_parser(
        "select",
        help="run a selection job on this machine with the local engine (no cloud)",
        description="Analyses the media (cached by content hash) and prints the chosen clips; --out writes the "
        "ICE-shaped ExtendOutput JSON.",
    )
    select.add_argument("--job-type", required=True, help=" or ".join(t.value for t in JobType))
    select.add_argument("--input-config", required=True, metavar="JSON|@FILE")
    select.add_argument("--output-config", metavar="JSON|@FILE", help='default {"Count":1}')
    select.add_argument("--editing-config", metavar="JSON|@FILE")
    select.add_argument("--out", metavar="FILE", help="write the result JSON here")
    select.add_argument(
        "--timeline",
        metavar="FILE",
        help="also write the selection as an editor timeline; the suffix picks the format: .otio (OpenTimelineIO), "
        ".xml (FCP7 XML: Premiere Pro, DaVinci Resolve), .fcpxml (Final Cut Pro X), .edl (CMX 3600); several outputs "
        "give FILE-1, FILE-2, … (docs/editor-timelines.md)",
    )
    select.add_argument("--explain", action="store_true", help="print why each clip was chosen")
    select.add_argument("--cache-dir", metavar="DIR", help="analysis cache (default ~/.cache/scene-select/analysis)")
    select.add_argument(
        "--bucket-dir", action="append", metavar="BUCKET=DIR", help="map an OSS bucket to a local directory"
    )
    select.add_argument(
        "--durations",
        choices=("model", "espeak"),
        default="model",
        help="sentence durations from the rate model (default) or measured with espeak-ng when installed",
    )
    select.add_argument(
        "--no-sight",
        action="store_true",
        help="do not recognise what the footage shows (match on text, names and the visual prior only)",
    )
    select.add_argument("--clip-image-model", metavar="ONNX", help="optional image tower of a CLIP-style model")
    select.add_argument("--clip-text-model", metavar="ONNX", help="its text tower")
    select.add_argument("--clip-vocab", metavar="TXT", help="the text tower's WordPiece vocab.txt")
    select.set_defaults(func=_cmd_select)


# ------------------------------------------------------------------------------------------- local renderer


def _cmd_render(args: argparse.Namespace) -> int:
    from scene_select.workstation.cli.text_output import render_summary_lines
    from scene_select.workstation.engine.summary import terminal_progress
    from scene_select.workstation.render.media import MediaFacts, media_resolver, probe_facts
    from scene_select.workstation.render.render import render_timeline
    from scene_select.workstation.render.spec import OutputSpec, Progress
    from scene_select.workstation.render.timeline import SelectionError, organize_timelines
    from scene_select.workstation.render.voice import voice_status

    try:
        selection_text = Path(args.selection).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise ConfigError(f"--selection {args.selection}: cannot read it ({reason})") from None
    configs: dict[str, Any] = {}
    for option, value in (
        ("--input-config", args.input_config),
        ("--output-config", args.output_config),
        ("--editing-config", args.editing_config),
    ):
        text = _read_json_argument(option, value)
        try:
            configs[option] = json.loads(text) if text else {}
        except ValueError as exc:
            raise ConfigError(f"{option}: not JSON ({exc}); pass a JSON object or @FILE") from None
        if not isinstance(configs[option], dict):
            raise ConfigError(f"{option}: must be a JSON object")
    out = Path(args.out)
    if out.suffix.lower() != ".mp4":
        raise ConfigError(f"--out {args.out}: the renderer writes MP4; name the file …/NAME.mp4")
    resolve = media_resolver(bucket_dirs=_bucket_dirs(args.bucket_dir or []), base_dir=Path.cwd())

    def facts(reference: str) -> MediaFacts | None:
        try:
            return probe_facts(resolve(reference))
        except SceneSelectError:
            return None

    try:
        timelines = organize_timelines(
            selection_text,
            configs["--input-config"],
            configs["--editing-config"],
            configs["--output-config"],
            facts=facts,
        )
    except SelectionError as exc:
        raise ConfigError(f"--selection {args.selection}: {exc}") from None
    if not timelines:
        raise ConfigError(f"--selection {args.selection}: the selection has no output to render")
    spec, warnings = OutputSpec.from_output_config(configs["--output-config"])
    voiced, voice_note = voice_status()
    if not voiced and args.require_voice:
        raise RenderFailedError(f"no voice available: {voice_note}")
    several = len(timelines) > 1
    results: list[dict[str, Any]] = []
    failures: list[str] = []
    for number, timeline in enumerate(timelines, start=1):
        target = out.with_name(f"{out.stem}-{number}{out.suffix}") if several else out
        with terminal_progress() as report:

            def progress(step: Progress, name: str = target.name) -> None:
                report(f"rendering {name}: {int(step.fraction * 10) * 10}%", step.fraction)

            try:
                result = render_timeline(
                    timeline, target, spec, resolve, progress=progress, require_voice=args.require_voice
                )
            except SceneSelectError as exc:
                failures.append(f"{target}: {exc}")
                results.append({"output": number, "path": str(target), "status": "failed", "error": str(exc)})
                continue
        results.append(
            {
                "output": number,
                "path": str(result.output),
                "status": "rendered",
                "duration": round(result.duration, 3),
                "size": result.size,
                "width": result.width,
                "height": result.height,
                "voice": result.voice,
                "seconds": round(result.wall_seconds, 2),
                "warnings": [*warnings, *result.warnings],
            }
        )
    if args.json:
        _print_json({"videos": results, "voice": voice_note})
    else:
        print("\n".join(render_summary_lines(results, voice_note=voice_note)))
    if failures:
        raise RenderFailedError(f"{len(failures)} of {len(timelines)} video(s) could not be rendered (why: above)")
    return EXIT_OK


def _add_render_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    render = sub.add_parser(
        "render",
        help="render a selection into finished videos on this machine (no stack, no cloud)",
        description="Builds the ICE timelines the local stack would (clips per sentence, voiceover, music, "
        "subtitles, title) from a selection made with `scene-select select --out` and renders each output with "
        "ffmpeg into an MP4 (docs/rendering.md). Pass the configs the selection was made with.",
    )
    render.add_argument("--selection", required=True, metavar="FILE", help="the selection (select --out, or raw.json)")
    render.add_argument("--input-config", metavar="JSON|@FILE", help="MediaArray, BackgroundMusic, TitleArray")
    render.add_argument(
        "--output-config", metavar="JSON|@FILE", help="Width, Height (default 1080x1920), Count, Video.Fps/Crf"
    )
    render.add_argument("--editing-config", metavar="JSON|@FILE", help="the volumes, SpeechRate, AlignmentMode")
    render.add_argument(
        "--out", required=True, metavar="FILE.mp4", help="the video; several outputs give FILE-1.mp4, FILE-2.mp4, …"
    )
    render.add_argument(
        "--bucket-dir", action="append", metavar="BUCKET=DIR", help="map an OSS bucket to a local directory"
    )
    render.add_argument(
        "--require-voice", action="store_true", help="fail when no voice is available instead of rendering silence"
    )
    render.add_argument("--json", action="store_true", help="print JSON for programs instead of text")
    render.set_defaults(func=_cmd_render)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser; every subcommand sets ``func`` to its handler."""
    parser = argparse.ArgumentParser(
        prog="scene-select",
        description="Run Alibaba Cloud ICE scene media selection jobs, in the cloud or fully offline.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    _add_local_commands(sub)
    add_ops_commands(sub)
    _add_ice_commands(sub)
    _add_select_command(sub)
    _add_render_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``scene-select`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Command = args.func
    try:
        return func(args)
    except SceneSelectError as exc:
        print(f"scene-select: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("scene-select: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
