"""Handler cold start: what a new FC instance pays before it answers, against the floor of its dependencies.

Each sample is a fresh interpreter (as a new FC instance is) that imports ``functions/<name>/index.py``
and then serves two real events on the cloud path (bench/cloud.py: fake OSS over HTTP, the ICE emulator):

* submit: the upload of a highlight video → plan, claim, SubmitSceneMediaSelectionJob, record;
* callback: a signed ICE callback captured from the emulator → verify, GetBatchMediaProducingJob, results;
* reconcile: a timer tick over a bucket with nothing pending (the steady state) → one listing.

The **cold start** is everything the first event costs that the second does not: the import plus the
first invocation minus the second (lazy imports, settings, the oss2 bucket, the HTTP client, pydantic
schemas built on first use). It is compared with the **floor**, a fresh interpreter importing only the
unavoidable dependencies — ``import httpx, oss2`` and ``from pydantic import BaseModel`` (pydantic's
package import is lazy: ``import pydantic`` alone loads almost nothing of it, so the bare statement is
shown too but is not the floor). Floors and handlers are interleaved round by round.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.cloud import CloudRig, ReceivedCallback, http_trigger_event
from bench.common import ROOT, Section, Stat, log

FUNCTIONS = ROOT / "functions"
HEAVY = ("av", "numpy", "scipy", "cv2", "onnxruntime", "PIL", "rapidocr_onnxruntime", "jieba", "imageio_ffmpeg")
TARGET_RATIO = 1.25

# The sample run in the fresh interpreter. The preamble before the clock is what every FC runtime has
# already imported; the same preamble precedes the floors.
CHILD = """
import json, sys, time, types
started = time.perf_counter()
{imports}
imported = time.perf_counter()
out = {{"import_ms": (imported - started) * 1000}}
events = json.load(open(sys.argv[1])) if len(sys.argv) > 1 else []
for label, event in zip(("first", "second"), events):
    context = types.SimpleNamespace(request_id="bench-" + label, credentials=None, region="cn-shanghai",
                                    function=types.SimpleNamespace(name="bench"))
    began = time.perf_counter()
    answer = index.handler(event.encode("utf-8"), context)
    out[label + "_ms"] = (time.perf_counter() - began) * 1000
    out[label + "_answer"] = answer
out["modules"] = len(sys.modules)
out["heavy"] = sorted(set(sys.modules) & set({heavy!r}))
print(json.dumps(out, default=str))
"""

FLOOR = "import httpx, oss2\nfrom pydantic import BaseModel"
BARE = "import httpx, pydantic, oss2"
PROGRAMS = {
    "floor": CHILD.format(imports=FLOOR, heavy=HEAVY),
    "bare": CHILD.format(imports=BARE, heavy=HEAVY),
    "handler": CHILD.format(imports="import index", heavy=HEAVY),
}


def _child(program: str, cwd: Path, environ: dict[str, str], events_file: Path | None) -> dict[str, object]:
    args = [str(events_file)] if events_file else []
    result = subprocess.run(
        [sys.executable, "-c", program, *args], cwd=cwd, env=environ, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"cold-start child in {cwd.name} failed:\n{result.stderr[-3000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def _child_environ(rig_environ: dict[str, str]) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SCENE_SELECT_", "ALIBABA_CLOUD_", "FC_"))}
    return {**base, **rig_environ}


def _check(name: str, sample: dict[str, object]) -> None:
    """A benchmark that measured a failure measures nothing: every answer must be the success case."""
    for label in ("first", "second"):
        answer = sample.get(f"{label}_answer")
        if name == "callback":
            ok = isinstance(answer, dict) and answer.get("statusCode") == 200
        else:
            ok = isinstance(answer, dict) and answer.get("ok") is True
        if name == "submit" and ok:
            records = answer.get("records") if isinstance(answer, dict) else None
            ok = bool(records) and all(r.get("outcome") == "submitted" for r in records)  # type: ignore[union-attr]
        if not ok:
            raise RuntimeError(f"{name} {label} invocation did not succeed: {answer}")
    if sample.get("heavy"):
        raise RuntimeError(f"{name} imported heavy modules: {sample['heavy']}")


def run(quick: bool = False) -> Section:
    rounds = 4 if quick else 15
    section = Section("cold-start", "Handler cold start (`bench/cold_start.py`)")
    started = time.perf_counter()
    samples: dict[str, list[dict[str, object]]] = {k: [] for k in ("floor", "bare", "submit", "callback", "reconcile")}
    with CloudRig() as rig, CloudRig(bucket="bench-quiet") as quiet, tempfile.TemporaryDirectory() as tmp:
        environ = _child_environ(rig.environ)
        quiet_environ = _child_environ(quiet.environ)
        callbacks = _prepare_callbacks(rig, rounds + 1)
        rng = random.Random(6)
        for index in range(-1, rounds):  # round -1 warms the OS file cache and the bytecode caches
            order = list(samples)
            rng.shuffle(order)
            for name in order:
                events: list[bytes] = []
                if name == "submit":
                    events = [rig.upload(f"inbox/highlights/cold-{index}-{n}.mp4", b"\0" * 2048) for n in (1, 2)]
                elif name == "callback":
                    events = [http_trigger_event(c) for c in callbacks[2 * index + 2 : 2 * index + 4]]
                elif name == "reconcile":
                    events = [b'{"triggerName":"reconcile-timer","payload":""}'] * 2
                events_file = None
                if events:
                    events_file = Path(tmp) / f"{name}-{index}.json"
                    events_file.write_text(json.dumps([e.decode("utf-8") for e in events]))
                program = PROGRAMS.get(name, PROGRAMS["handler"])
                cwd = FUNCTIONS / name if name in ("submit", "callback", "reconcile") else Path(tmp)
                sample = _child(program, cwd, quiet_environ if name == "reconcile" else environ, events_file)
                if events:
                    _check(name, sample)
                if index >= 0:
                    samples[name].append(sample)
            log(f"cold start: round {index + 1}/{rounds}")
    _report(section, samples)
    section.seconds = time.perf_counter() - started
    return section


def _prepare_callbacks(rig: CloudRig, rounds: int) -> list[ReceivedCallback]:
    """Two finished jobs per callback sample: submitted through the submit handler, callbacks captured."""
    from scene_select.fc.shim import invoke

    for index in range(2 * rounds):
        event = rig.upload(f"inbox/highlights/prepared-{index}.mp4", b"\0" * 2048)
        invoke(FUNCTIONS / "submit", event, environ=rig.environ)
    return rig.inbox.wait_for(2 * rounds)


def _report(section: Section, samples: dict[str, list[dict[str, object]]]) -> None:
    def stat(name: str, key: str) -> Stat:
        return Stat.of([float(s[key]) for s in samples[name]])  # type: ignore[arg-type]

    floor = stat("floor", "import_ms")
    bare = stat("bare", "import_ms")
    n = floor.n
    section.add(
        f"Fresh interpreter per sample, {n} rounds, floors and handlers interleaved in a shuffled order; "
        "milliseconds as median [p25–p75]. Cold start = import + first invocation − second invocation "
        "(what a new instance pays that a warm one does not). Events are real: a highlight upload that is "
        "submitted to the ICE emulator, a signed ICE callback that writes results, a reconcile tick; OSS is "
        "the fake OSS server over HTTP (the cloud code path, oss2 included).",
        "",
    )
    rows = [
        ["floor: `import httpx, oss2; from pydantic import BaseModel`", floor.show(" ms"), "", "", "", "1.00"],
        ["bare `import httpx, pydantic, oss2` (pydantic not really loaded)", bare.show(" ms"), "", "", "", ""],
    ]
    for name in ("submit", "callback", "reconcile"):
        cold = Stat.of(
            [
                float(s["import_ms"]) + float(s["first_ms"]) - float(s["second_ms"])  # type: ignore[arg-type]
                for s in samples[name]
            ]
        )
        ratio = cold.median / floor.median
        section.add()
        rows.append(
            [
                f"functions/{name}",
                stat(name, "import_ms").show(" ms"),
                stat(name, "first_ms").show(" ms"),
                stat(name, "second_ms").show(" ms"),
                cold.show(" ms"),
                f"**{ratio:.2f}**",
            ]
        )
        section.target(
            f"{name} cold start vs floor",
            f"{cold.median:.0f} ms vs {floor.median:.0f} ms = {ratio:.2f}×",
            f"≤ {TARGET_RATIO:.2f}×",
            ratio <= TARGET_RATIO,
        )
    section.table(
        ["what", "import", "first invocation", "second (warm)", "cold start", "÷ floor"],
        rows,
    )
    modules = {name: int(samples[name][0]["modules"]) for name in ("floor", "submit", "callback", "reconcile")}  # type: ignore[call-overload]
    section.add(
        "Modules loaded at the end of the sample (sys.modules): "
        + ", ".join(f"{k} {v}" for k, v in modules.items())
        + f". No handler loaded any of {', '.join(HEAVY)}."
    )
