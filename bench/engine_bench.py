"""Engine throughput against PySceneDetect and the decode floor, the analysis cache, and peak memory.

On the same 60 s H.264/AAC files (bench/media.py: 10 captioned segments with hard cuts at known times,
speech-like audio, one loud burst; 720p at ≤2 Mb/s and 1080p at ≤4 Mb/s), in the same run, rounds
interleaved in a shuffled order:

* decode floor: ``ffmpeg -i FILE -f null -`` (every frame, all threads);
* our analysis (``analyse_media``: cuts, motion, colour, faces, OCR, loudness, speech and sight — one
  pass), and the same without sight;
* PySceneDetect ``detect(FILE, ContentDetector())`` (its default OpenCV backend): cuts only;
* a smart-mix job (with sight, the default, and without) and a highlight job (``run_selection``) with a
  cold analysis cache, and the same job again over the same media (the cache): the second must be ≥ 20×
  faster. A smart-mix job with sight must stay faster than PySceneDetect and at least 0.7× the speed of
  the decode floor.

× real time = video seconds analysed per wall second. Models (OCR, jieba, sight) are loaded before
timing, as in a running emulator; what loading sight costs a fresh process is measured apart (cold: the
ONNX conversion and the label embeddings are built; warm: both come from the models cache). Peak memory
on a 30-minute video is measured by bench/scale.py.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, Section, Stat, child_environ, log
from bench.jobs import HIGHLIGHTS, SMART_MIX, run_here
from bench.media import montage, montage_cuts
from scene_select.workstation.engine.analyse import analyse_media
from scene_select.workstation.engine.probe import probe_media
from scene_select.workstation.engine.synth import ffmpeg_exe

TOLERANCE = 2 / 30 + 1e-6  # a cut is found within ±2 frames
CACHE_SPEEDUP = 20.0
FLOOR_SHARE = 0.7  # a smart-mix job with sight runs at ≥ 0.7× the speed of the decode floor


Measured = tuple[dict[str, float], list[float] | None]  # seconds per row name, cuts found (None: no cuts)


def decode_floor(path: Path) -> Measured:
    started = time.perf_counter()
    subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "null", "-"], check=True)
    return {"floor": time.perf_counter() - started}, None


def ours(path: Path, *, read_text: bool = True, sight: bool = True) -> Measured:
    from scene_select.workstation.engine.sight.model import load_sight

    info = probe_media(path)
    seer = load_sight() if sight else None
    started = time.perf_counter()
    analysis = analyse_media(path, info, read_text=read_text, sight=seer)
    name = "ours" if read_text else "ours without OCR"
    return {name if sight else name + " without sight": time.perf_counter() - started}, analysis.cuts


def pyscenedetect(path: Path) -> Measured:
    from scenedetect import ContentDetector, detect

    started = time.perf_counter()
    scenes = detect(str(path), ContentDetector())
    return {"pyscenedetect": time.perf_counter() - started}, [s[0].get_seconds() for s in scenes[1:]]


def job_twice(job_type: str, name: str, path: Path, *, sight: bool = True) -> Measured:
    """The job with a cold analysis cache, then the same job again over the same media."""
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as cache:
        cold = run_here(job_type, [path], Path(cache), sight=sight)
        cached = run_here(job_type, [path], Path(cache), sight=sight)
    return {name: cold, name + " (cached)": cached}, None


LOAD_CHILD = """
import json, sys, time
started = time.perf_counter()
import numpy as np
from scene_select.workstation.engine.sight.model import load_sight
imported = time.perf_counter()
sight = load_sight()
loaded = time.perf_counter()
sight.describe([np.zeros((360, 640, 3), np.uint8)])
first = time.perf_counter()
sight.read(["A cat sleeps next to a coffee mug."])
text = time.perf_counter()
sight.read(["一只猫在咖啡杯旁边睡觉。"])
chinese = time.perf_counter()
from bench.jobs import peak_mib
print(json.dumps({"import": imported - started, "image model": loaded - imported, "first picture": first - loaded,
                  "text side": text - first, "Chinese dictionary": chinese - text, "total": chinese - started,
                  "peak": peak_mib(), **{"stage " + k: v for k, v in sight.timings.items()}}))
"""


def sight_load(models: Path) -> dict[str, float]:
    """Seconds a fresh interpreter spends loading sight, stage by stage, with ``models`` as its models cache."""
    result = subprocess.run(
        [sys.executable, "-c", LOAD_CHILD],
        cwd=ROOT,
        env=child_environ({"SCENE_SELECT_MODELS_DIR": str(models)}),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"sight load failed:\n{result.stderr[-3000:]}")
    return {k: float(v) for k, v in json.loads(result.stdout.strip().splitlines()[-1]).items()}


def accuracy(found: list[float], truth: list[float]) -> tuple[int, int, int]:
    """(hits, misses, false cuts) with one-to-one matching within TOLERANCE seconds."""
    remaining = list(found)
    hits = 0
    for cut in truth:
        near = [f for f in remaining if abs(f - cut) <= TOLERANCE]
        if near:
            remaining.remove(min(near, key=lambda f: abs(f - cut)))
            hits += 1
    return hits, len(truth) - hits, len(remaining)


def _warm_models(path: Path) -> None:
    """Load OCR and the text models once, as a running emulator has them (not part of any timing)."""
    with tempfile.TemporaryDirectory() as cache:
        run_here(SMART_MIX, [path], Path(cache))


def _rounds(path: Path, rounds: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Seconds per row over ``rounds`` shuffled rounds, and the cuts each cut-finding method found."""
    methods = [
        lambda: decode_floor(path),
        lambda: ours(path),
        lambda: ours(path, sight=False),
        lambda: pyscenedetect(path),
        lambda: job_twice(SMART_MIX, "smart-mix", path),
        lambda: job_twice(SMART_MIX, "smart-mix without sight", path, sight=False),
        lambda: job_twice(HIGHLIGHTS, "highlights", path),
    ]
    seconds: dict[str, list[float]] = {}
    cuts: dict[str, list[float]] = {}
    rng = random.Random(6)
    for _ in range(rounds):
        for method in rng.sample(methods, len(methods)):
            timings, found = method()
            for name, value in timings.items():
                seconds.setdefault(name, []).append(value)
                if found is not None:
                    cuts[name] = found
    return seconds, cuts


def run(quick: bool = False) -> Section:
    section = Section("engine", "Engine throughput (`bench/engine_bench.py`)")
    seconds = 60.0  # quick mode too: shorter files would change the footage (more cuts per minute), not just its size
    rounds = 1 if quick else 3
    rows: list[list[object]] = []
    sight_cost: list[list[object]] = []
    for size in ("720p",) if quick else ("720p", "1080p"):
        path = montage(size, seconds)
        duration = probe_media(path).duration
        truth = montage_cuts(seconds)
        _warm_models(path)
        timings, cuts = _rounds(path, rounds)
        no_text = ours(path, read_text=False)[0]["ours without OCR"]
        stats = {name: Stat.of(values) for name, values in timings.items()}
        floor = stats["floor"].median
        speed = {name: duration / stat.median for name, stat in stats.items()}
        labels = {
            "floor": "ffmpeg -f null (decode floor)",
            "ours": "scene-select analysis (all signals + OCR + sight)",
            "ours without sight": "scene-select analysis without sight",
            "pyscenedetect": "PySceneDetect ContentDetector (cuts only)",
            "smart-mix": "smart-mix job with sight, cold cache (analysis + matching)",
            "smart-mix without sight": "smart-mix job without sight, cold cache",
            "smart-mix (cached)": "the same smart-mix job again (cache)",
            "highlights": "highlight job, cold cache (sight not used)",
            "highlights (cached)": "the same highlight job again (cache)",
        }
        for name, label in labels.items():
            hits = accuracy(cuts[name], truth) if name in cuts else None
            rows.append(
                [
                    size,
                    label,
                    stats[name].show(" s", 2),
                    f"{speed[name]:.1f}×",
                    f"{floor / stats[name].median:.2f}",
                    f"{speed[name] / speed['pyscenedetect']:.2f}",
                    "—" if hits is None else "{} / {} / {}".format(*hits),
                ]
            )
        rows.append(
            [
                size,
                "scene-select analysis without OCR (one run)",
                f"{no_text:.2f} s",
                f"{duration / no_text:.1f}×",
                f"{floor / no_text:.2f}",
                f"{duration / no_text / speed['pyscenedetect']:.2f}",
                "",
            ]
        )
        section.target(
            f"{size} smart-mix job with sight ≥ {FLOOR_SHARE}× the decode floor's speed",
            f"{speed['smart-mix']:.1f}× vs {speed['floor']:.1f}× real time = {speed['smart-mix'] / speed['floor']:.2f}",
            f"≥ {FLOOR_SHARE}",
            speed["smart-mix"] >= FLOOR_SHARE * speed["floor"],
        )
        sight_cost.append(
            [
                size,
                f"{speed['ours without sight']:.1f}× → {speed['ours']:.1f}×",
                f"{stats['ours'].median - stats['ours without sight'].median:+.2f} s",
                f"{speed['smart-mix without sight']:.1f}× → {speed['smart-mix']:.1f}×",
                f"{stats['smart-mix'].median - stats['smart-mix without sight'].median:+.2f} s",
                f"{speed['smart-mix'] / speed['floor']:.2f}",
            ]
        )
        for job in ("smart-mix", "highlights"):
            section.target(
                f"{size} {job} job faster than PySceneDetect",
                f"{speed[job]:.1f}× vs {speed['pyscenedetect']:.1f}× real time",
                "faster, doing more",
                speed[job] > speed["pyscenedetect"],
            )
            ratio = stats[job].median / stats[job + " (cached)"].median
            section.target(
                f"{size} {job} second job (cache)",
                f"{ratio:.0f}× faster",
                f"≥ {CACHE_SPEEDUP:.0f}×",
                ratio >= CACHE_SPEEDUP,
            )
        section.target(
            f"{size} analysis faster than PySceneDetect",
            f"{speed['ours']:.1f}× vs {speed['pyscenedetect']:.1f}× real time",
            "faster, doing more",
            speed["ours"] > speed["pyscenedetect"],
        )
        log(f"engine: {size} done")
    section.add(
        f"{seconds:g} s files, {rounds} round(s), median [p25–p75] wall seconds. *÷ floor* is the decode floor's "
        "time over the method's (above 1: faster than decoding every frame); *vs PySceneDetect* is the speed "
        "ratio. Cuts are counted within ±2 frames of the known ones.",
        "",
    )
    section.table(
        ["file", "method", "wall", "× real time", "÷ floor", "vs PySceneDetect", "cuts found / missed / false"], rows
    )
    section.add(
        "",
        "What sight adds, from the same rounds (median wall seconds on the 60 s file; *÷ floor speed* is the "
        f"smart-mix job's speed over the decode floor's, goal ≥ {FLOOR_SHARE}):",
        "",
    )
    section.table(
        [
            "file",
            "analysis, without → with sight",
            "sight adds",
            "smart-mix job, without → with",
            "sight adds",
            "÷ floor speed",
        ],
        sight_cost,
    )
    _load_rows(section, quick)
    section.add("", "Peak memory and long footage (up to 60 minutes) are in the scale section.")
    return section


def _load_rows(section: Section, quick: bool) -> None:
    """Loading sight in a fresh interpreter: the first time (conversion and label embeddings built) and after."""
    repeats = 1 if quick else 3
    with tempfile.TemporaryDirectory(prefix="bench-models-") as models:
        cold = sight_load(Path(models))
        warm = [sight_load(Path(models)) for _ in range(repeats)]
    stages = ["import", "image model", "first picture", "text side", "Chinese dictionary", "total"]
    rows = [[stage, f"{cold[stage]:.2f} s", Stat.of([w[stage] for w in warm]).show(" s", 2)] for stage in stages]
    rows.append(["peak resident memory of that process", f"{cold['peak']:.0f} MiB", f"{warm[-1]['peak']:.0f} MiB"])
    section.add(
        "",
        f"Loading sight once per process (fresh interpreter; warm: median of {repeats}). *image model*: ONNX "
        "session, labels and the person detector's LiteRT interpreter (cold: the .pth read without torch "
        "and converted, ~18 MB written); *text side*: "
        "the sentence encoder and the 1000 label embeddings (cold: computed and cached) with the first English "
        "sentence; *Chinese dictionary*: CC-CEDICT parsed on the first Chinese sentence.",
        "",
    )
    section.table(["stage", "cold models cache", "warm models cache"], rows)
