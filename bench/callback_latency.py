"""Callback latency: an ICE callback, request to response, through the FC shim's HTTP trigger.

The local stack runs as `scene-select local up` runs it (ICE emulator over HTTP, bucket directory, the
submit function behind the watcher), with two changes: jobs are run by the deterministic runner of the
tests (the engine's speed is another benchmark), and the emulator's own callbacks are dropped — this
benchmark sends each job's callback itself, signed as ICE signs it, and times it from request to
response. The callback function is served by a **fresh process** running the shim's HTTP trigger (as a
new FC instance would be): its first request is the cold one, the next ones are warm.

Each job is a smart-mix batch of two 12 s 720p videos and an 8-sentence script, so the report has 8
clips. In the local stack the callback embeds a preview of each clip in report.html, extracted within
the callback under a 1.2 s budget; the run is repeated with previews off (SCENE_SELECT_LOCAL_THUMBNAILS=0)
to show what they cost. The breakdown comes from the handler's own log line: verify (signature, window,
replay), fetch (GetBatchMediaProducingJob, run index), write (results, report, records).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import ROOT, Section, Stat, child_environ, log
from bench.media import short_clip
from scene_select.cloud.models.job_config import SelectionJobRequest
from scene_select.cloud.models.selection import clip_id_for
from scene_select.workstation.local.emulator import Faults
from scene_select.workstation.local.stack import LocalStack, StackOptions
from scene_select_testkit.events import ice_callback_body
from scene_select_testkit.ice import emulator_jobs
from scene_select_testkit.stack import callback_headers, quick_runner, wait_for_state
from scene_select_testkit.waiting import wait_until

WINDOW_MS = 3000.0
SENTENCES = 8
SCRIPT = "".join(f"第{i + 1}句话说的是海边的日落。" for i in range(SENTENCES))
_LAPS = re.compile(r"callback answered (\d+): .*\((verify [\d.]+ ms.*)\)")

SERVE = """
import logging, sys, json
from pathlib import Path
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s %(message)s")
from scene_select.workstation.local.fc_runtime import serve_http_trigger
server = serve_http_trigger(Path(sys.argv[1]), environ=json.loads(sys.argv[2]))
print(server.url, flush=True)
sys.stdin.read()
server.close()
"""


def _runner(request: SelectionJobRequest) -> dict[str, Any]:
    """The tests' deterministic results, with each sentence's clip at its own time: 8 distinct previews."""
    result = quick_runner(request)
    for output in result.get("textMatchMediaOutputList", []):
        for index, sentence in enumerate(output["textMatchMediaSentenceOutputList"]):
            for clip in sentence["matchClipList"]:
                clip["startTime"], clip["endTime"] = 1.3 * index, 1.3 * index + 2.0
                clip["clipId"] = clip_id_for(clip["mediaId"], clip["startTime"], clip["endTime"])
    return result


def _submit_jobs(stack: LocalStack, count: int, tag: str) -> list[str]:
    """``count`` finished jobs (callbacks dropped), one smart-mix batch each; their JobIds."""
    media = [short_clip(i, 12.0, "720p") for i in range(2)]
    jobs = []
    for index in range(count):
        batch = f"{tag}-{index:02d}"
        folder = stack.bucket_dir / "inbox" / "smart-mix" / batch
        folder.mkdir(parents=True, exist_ok=True)
        for number, path in enumerate(media):
            os.link(path, folder / f"clip-{number}.mp4")  # a file copied in by hand, as a user would
        stack.store.put(f"inbox/smart-mix/{batch}/script.txt", SCRIPT.encode("utf-8"))
        record = wait_for_state(stack, f"results/smart-mix/{batch}/", {"submitted"})
        jobs.append(str(record["job_id"]))
    wait_until(
        lambda: set(jobs) <= {j["JobId"] for j in emulator_jobs(stack.emulator) if j["Status"] == "Finished"},
        timeout=60,
        interval=0.05,
        what="the emulator to finish the benchmark jobs",
    )
    return jobs


def _post(client: httpx.Client, stack: LocalStack, url: str, job_id: str) -> tuple[int, float]:
    headers = {**callback_headers(stack), "Content-Type": "application/json"}
    body = ice_callback_body(job_id)
    started = time.perf_counter()
    response = client.post(url, content=body, headers=headers)
    return response.status_code, (time.perf_counter() - started) * 1000


def _instance(stack: LocalStack, jobs: list[str], environ: dict[str, str]) -> list[dict[str, float]]:
    """One fresh callback instance serving ``jobs`` in turn: latency and the handler's laps per request."""
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(ROOT / "functions" / "callback"), json.dumps(environ)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_environ({}),
    )
    assert process.stdout is not None and process.stdin is not None
    url = process.stdout.readline().strip()
    if not url.startswith("http"):
        process.kill()
        raise RuntimeError(f"the callback instance did not start: {process.communicate()[1][-2000:]}")
    with httpx.Client(timeout=30) as client:  # ICE's sender: one connection per instance, kept alive
        answers = [_post(client, stack, url + "/ice-callback", job) for job in jobs]
    _, errors = process.communicate(input="", timeout=30)
    laps = [dict(_parse_laps(m.group(2))) for m in _LAPS.finditer(errors) if m.group(1) == "200"]
    if any(status != 200 for status, _ in answers) or len(laps) != len(jobs):
        raise RuntimeError(f"callbacks failed: {answers}\n{errors[-3000:]}")
    return [{"total": total, **lap} for (_, total), lap in zip(answers, laps, strict=True)]


def _parse_laps(text: str) -> list[tuple[str, float]]:
    return [(stage, float(ms)) for stage, ms in re.findall(r"(\w+) ([\d.]+) ms", text)]


def _thumbnail_cost(stack: LocalStack, repeats: int) -> Stat:
    """One preview, measured alone (warm process): the local report's price per clip."""
    from scene_select.cloud.pipeline.thumbnails import THUMB_WIDTH
    from scene_select.cloud.storage.local_previews import frame_data_uri

    path = short_clip(0, 12.0, "720p")
    frame_data_uri(path, 0.5, 2.5, THUMB_WIDTH)  # the first one also imports PyAV and Pillow
    samples = []
    for index in range(repeats):
        started = time.perf_counter()
        if frame_data_uri(path, 1.0 + index % 10, 3.0 + index % 10, THUMB_WIDTH) is None:
            raise RuntimeError("no preview extracted")
        samples.append((time.perf_counter() - started) * 1000)
    return Stat.of(samples)


def run(quick: bool = False) -> Section:
    instances, per_instance = (2, 2) if quick else (5, 3)
    section = Section("callback-latency", "Callback latency through the FC shim (`bench/callback_latency.py`)")
    results: dict[str, list[list[dict[str, float]]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-callback-") as tmp:
        options = StackOptions(
            state_dir=Path(tmp) / "state", reconcile_interval_seconds=3600.0, watch_interval_seconds=0.05
        )
        with LocalStack(options, runner=_runner) as stack:
            assert stack.emulator is not None
            stack.emulator.set_faults(Faults(drop_callbacks=1.0))
            variants = (("without previews", {"SCENE_SELECT_LOCAL_THUMBNAILS": "0"}), ("with previews", {}))
            for variant, extra in variants:
                environ = {**stack.environ, **extra}
                jobs = _submit_jobs(stack, instances * per_instance, variant.split()[0])
                results[variant] = [
                    _instance(stack, jobs[i * per_instance : (i + 1) * per_instance], environ) for i in range(instances)
                ]
                log(f"callback latency: {variant} done")
            thumbnail = _thumbnail_cost(stack, 5 if quick else 20)
    _report(section, results, thumbnail, instances)
    return section


def _report(
    section: Section, results: dict[str, list[list[dict[str, float]]]], thumbnail: Stat, instances: int
) -> None:
    section.add(
        f"{instances} fresh callback instances per variant; the first request of each is *cold*, the others "
        "*warm*. Milliseconds, median [p25–p75]. *total* is measured by the caller (request sent → response "
        "read); the stages come from the handler's log. Each callback writes raw.json, selection.json and "
        f"report.html for 8 clips, the run record and its views. One preview alone: {thumbnail.show(' ms')}.",
        "",
    )
    rows = []
    for variant, runs in results.items():
        for kind, picked in (("cold", [r[0] for r in runs]), ("warm", [x for r in runs for x in r[1:]])):
            stats = {stage: Stat.of([p[stage] for p in picked]) for stage in ("total", "verify", "fetch", "write")}
            rows.append(
                [
                    variant,
                    kind,
                    len(picked),
                    *(stats[s].show(" ms", 0 if s == "total" else 1) for s in stats),
                    f"{stats['total'].median / WINDOW_MS * 100:.0f} %",
                ]
            )
            section.target(
                f"{kind} callback {variant} inside ICE's 3 s window",
                f"{stats['total'].median:.0f} ms (p75 {stats['total'].high:.0f} ms)",
                "far inside 3000 ms (≤ 1000 ms)",
                stats["total"].high <= 1000,
            )
    section.table(["variant", "instance", "n", "total", "verify", "fetch", "write", "of 3 s"], rows)
