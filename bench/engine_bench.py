"""Engine throughput against PySceneDetect and the decode floor, the analysis cache, and peak memory.

On the same 60 s H.264/AAC files (bench/media.py: 10 captioned segments with hard cuts at known times,
speech-like audio, one loud burst; 720p at ≤2 Mb/s and 1080p at ≤4 Mb/s), in the same run, rounds
interleaved in a shuffled order:

* decode floor: ``ffmpeg -i FILE -f null -`` (every frame, all threads);
* our analysis (``analyse_media``: cuts, motion, colour, faces, OCR, loudness, speech — one pass);
* PySceneDetect ``detect(FILE, ContentDetector())`` (its default OpenCV backend): cuts only;
* a smart-mix job and a highlight job (``run_selection``) with a cold analysis cache, and the same job
  again over the same media (the cache): the second must be ≥ 20× faster.

× real time = video seconds analysed per wall second. Models (OCR, jieba) are loaded before timing, as in
a running emulator. Peak memory on a 30-minute video is measured by bench/scale.py.
"""

from __future__ import annotations

import random
import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import Section, Stat, log
from bench.jobs import HIGHLIGHTS, SMART_MIX, run_here
from bench.media import montage, montage_cuts
from scene_select.workstation.engine.analyse import analyse_media
from scene_select.workstation.engine.probe import probe_media
from scene_select.workstation.engine.synth import ffmpeg_exe

TOLERANCE = 2 / 30 + 1e-6  # a cut is found within ±2 frames
CACHE_SPEEDUP = 20.0


Measured = tuple[dict[str, float], list[float] | None]  # seconds per row name, cuts found (None: no cuts)


def decode_floor(path: Path) -> Measured:
    started = time.perf_counter()
    subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "null", "-"], check=True)
    return {"floor": time.perf_counter() - started}, None


def ours(path: Path, *, read_text: bool = True) -> Measured:
    info = probe_media(path)
    started = time.perf_counter()
    analysis = analyse_media(path, info, read_text=read_text)
    return {"ours" if read_text else "ours without OCR": time.perf_counter() - started}, analysis.cuts


def pyscenedetect(path: Path) -> Measured:
    from scenedetect import ContentDetector, detect

    started = time.perf_counter()
    scenes = detect(str(path), ContentDetector())
    return {"pyscenedetect": time.perf_counter() - started}, [s[0].get_seconds() for s in scenes[1:]]


def job_twice(job_type: str, name: str, path: Path) -> Measured:
    """The job with a cold analysis cache, then the same job again over the same media."""
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as cache:
        cold = run_here(job_type, [path], Path(cache))
        cached = run_here(job_type, [path], Path(cache))
    return {name: cold, name + " (cached)": cached}, None


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
        lambda: pyscenedetect(path),
        lambda: job_twice(SMART_MIX, "smart-mix", path),
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
            "ours": "scene-select analysis (all signals + OCR)",
            "pyscenedetect": "PySceneDetect ContentDetector (cuts only)",
            "smart-mix": "smart-mix job, cold cache (analysis + matching)",
            "smart-mix (cached)": "the same smart-mix job again (cache)",
            "highlights": "highlight job, cold cache",
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
    section.add("", "Peak memory and long footage (up to 60 minutes) are in the scale section.")
    return section
