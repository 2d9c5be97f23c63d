"""Handler cold start: what a new FC instance pays before it answers, against the floor of its dependencies.

Each sample is a fresh interpreter (as a new FC instance is) that imports ``functions/<name>/index.py``
and then serves two real events on the cloud path (bench/cloud.py: fake OSS over HTTP, the ICE emulator):

* submit: the upload of a highlight video → plan, claim, SubmitSceneMediaSelectionJob, record;
* callback: a signed ICE callback captured from the emulator → verify, GetBatchMediaProducingJob, results;
* reconcile: a timer tick over a bucket with nothing pending (the steady state) → one listing.

The **cold start** is everything the first event costs that the second does not: the import plus the
first invocation minus the second (lazy imports, settings, the oss2 bucket, the HTTP client, pydantic
validators built on first use). Importing ``index`` alone would say little: it is lazy on purpose.

Floors, each a fresh interpreter too: the bare ``import httpx, pydantic, oss2`` (pydantic's package
import is lazy and loads almost nothing of it); the imports with pydantic really loaded
(``from pydantic import BaseModel``); and the **floor the target is measured against**, those
dependencies put to use doing nothing of ours — one pydantic model validated, one ``httpx.Client`` (it
loads httpcore and a CA bundle), one ``oss2.Bucket``. Floors and handlers are interleaved round by round
in a shuffled order, and every interpreter shares one warm bytecode cache (bench/out/pycache).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.cloud import CloudRig, callback_event
from bench.common import ROOT, Section, Stat, child_environ, log
from scene_select_testkit.ice import ReceivedCallback

FUNCTIONS = ROOT / "functions"
HEAVY = ("av", "numpy", "scipy", "cv2", "onnxruntime", "PIL", "rapidocr_onnxruntime", "jieba", "imageio_ffmpeg")
TARGET_RATIO = 1.25

# The sample run in the fresh interpreter. The preamble before the clock is what every FC runtime has
# already imported; the same preamble precedes the floors.
CHILD = """
import json, sys, time, types
started, started_cpu = time.perf_counter(), time.process_time()
{imports}
imported, imported_cpu = time.perf_counter(), time.process_time()
out = {{"import_ms": (imported - started) * 1000, "import_cpu_ms": (imported_cpu - started_cpu) * 1000}}
events = json.load(open(sys.argv[1])) if len(sys.argv) > 1 else []
for label, event in zip(("first", "second"), events):
    context = types.SimpleNamespace(request_id="bench-" + label, credentials=None, region="cn-shanghai",
                                    function=types.SimpleNamespace(name="bench"))
    began, began_cpu = time.perf_counter(), time.process_time()
    answer = index.handler(event.encode("utf-8"), context)
    out[label + "_ms"] = (time.perf_counter() - began) * 1000
    out[label + "_cpu_ms"] = (time.process_time() - began_cpu) * 1000
    out[label + "_answer"] = answer
out["modules"] = len(sys.modules)
out["heavy"] = sorted(set(sys.modules) & set({heavy!r}))
print(json.dumps(out, default=str))
"""

BARE = "import httpx, pydantic, oss2"
IMPORTED = "import httpx, oss2\nfrom pydantic import BaseModel"
# The dependencies put to use, doing nothing of ours: one pydantic model validated (pydantic loads most of
# itself on the first model), one httpx.Client (httpcore and a CA bundle), one oss2.Bucket.
IN_USE = """import httpx, oss2
from pydantic import BaseModel
class Probe(BaseModel):
    name: str
Probe.model_validate({"name": "x"})
httpx.Client()
oss2.Bucket(oss2.Auth("id", "secret"), "https://oss-cn-shanghai.aliyuncs.com", "bucket")"""
PROGRAMS = {
    "bare": CHILD.format(imports=BARE, heavy=HEAVY),
    "imported": CHILD.format(imports=IMPORTED, heavy=HEAVY),
    "floor": CHILD.format(imports=IN_USE, heavy=HEAVY),
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
    rounds = 3 if quick else 15
    section = Section("cold-start", "Handler cold start (`bench/cold_start.py`)")
    started = time.perf_counter()
    names = ("bare", "imported", "floor", "submit", "callback", "reconcile")
    samples: dict[str, list[dict[str, object]]] = {k: [] for k in names}
    with CloudRig() as rig, CloudRig(bucket="bench-quiet") as quiet, tempfile.TemporaryDirectory() as tmp:
        environ = child_environ(rig.environ)
        quiet_environ = child_environ(quiet.environ)
        callbacks = prepare_callbacks(rig, rounds + 1)
        rng = random.Random(6)
        for index in range(-1, rounds):  # round -1 warms the OS file cache and the bytecode caches
            order = list(samples)
            rng.shuffle(order)
            for name in order:
                events: list[bytes] = []
                if name == "submit":
                    events = [rig.upload(f"inbox/highlights/cold-{index}-{n}.mp4", b"\0" * 2048) for n in (1, 2)]
                elif name == "callback":
                    events = [callback_event(c) for c in callbacks[2 * index + 2 : 2 * index + 4]]
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


def prepare_callbacks(rig: CloudRig, rounds: int) -> list[ReceivedCallback]:
    """Two finished jobs per callback sample: submitted through the submit handler, callbacks captured."""
    from scene_select.workstation.local.fc_runtime import invoke

    for index in range(2 * rounds):
        event = rig.upload(f"inbox/highlights/prepared-{index}.mp4", b"\0" * 2048)
        invoke(FUNCTIONS / "submit", event, environ=rig.environ)
    return rig.inbox.wait_for(2 * rounds, timeout=60)


def _report(section: Section, samples: dict[str, list[dict[str, object]]]) -> None:
    def stat(name: str, key: str) -> Stat:
        return Stat.of([float(s[key]) for s in samples[name]])  # type: ignore[arg-type]

    def cold(name: str, unit: str = "") -> Stat:
        parts = [f"import{unit}_ms", f"first{unit}_ms", f"second{unit}_ms"]
        return Stat.of([float(s[parts[0]]) + float(s[parts[1]]) - float(s[parts[2]]) for s in samples[name]])  # type: ignore[arg-type]

    floor, imported = stat("floor", "import_ms"), stat("imported", "import_ms")
    section.add(
        f"Fresh interpreter per sample, {floor.n} rounds, floors and handlers interleaved; milliseconds, "
        "median [p25–p75]. *Cold start* = import + first invocation − second invocation: what a new instance "
        "pays that a warm one does not. Events are real (a highlight upload submitted to the ICE emulator, a "
        "signed ICE callback that writes results, a reconcile tick); OSS is the fake OSS server over HTTP, so "
        "the cloud code path runs, oss2 included. *CPU* is the interpreter's process time, steadier than wall "
        "time on this shared machine.",
        "",
    )
    rows: list[list[object]] = [
        ["bare `import httpx, pydantic, oss2`", stat("bare", "import_ms").show(" ms"), "", "", "", "", "", ""],
        ["`import httpx, oss2` + `from pydantic import BaseModel`", imported.show(" ms"), "", "", "", "", "", "1.00"],
        [
            "**floor**: those, in use (one model validated, one httpx.Client, one oss2.Bucket)",
            floor.show(" ms"),
            "",
            "",
            "",
            stat("floor", "import_cpu_ms").show(" ms"),
            "1.00",
            f"{floor.median / imported.median:.2f}",
        ],
    ]
    for name in ("submit", "callback", "reconcile"):
        wall = cold(name)
        ratio = wall.median / floor.median
        rows.append(
            [
                f"functions/{name}",
                stat(name, "import_ms").show(" ms"),
                stat(name, "first_ms").show(" ms"),
                stat(name, "second_ms").show(" ms"),
                wall.show(" ms"),
                cold(name, "_cpu").show(" ms"),
                f"**{ratio:.2f}**",
                f"{wall.median / imported.median:.2f}",
            ]
        )
        section.target(
            f"{name} cold start ÷ floor (dependencies in use)",
            f"{wall.median:.0f} ms ÷ {floor.median:.0f} ms = {ratio:.2f}",
            f"≤ {TARGET_RATIO:.2f}",
            ratio <= TARGET_RATIO,
        )
    section.table(
        [
            "what",
            "import",
            "first invocation",
            "second (warm)",
            "cold start",
            "cold start CPU",
            "÷ floor",
            "÷ imports only",
        ],
        rows,
    )
    modules = {name: int(samples[name][0]["modules"]) for name in ("floor", "submit", "callback", "reconcile")}  # type: ignore[call-overload]
    section.add(
        "Modules loaded by the end of a sample (sys.modules): "
        + ", ".join(f"{k} {v}" for k, v in modules.items())
        + f". No handler loaded any of {', '.join(HEAVY)}."
    )
