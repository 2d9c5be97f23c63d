"""The analysis cache: content-keyed, versioned, atomic, tolerant of damage."""

from __future__ import annotations

import json
from pathlib import Path

from scene_select.workstation.engine.analysis import ANALYSIS_VERSION, MediaAnalysis, MediaInfo, OcrLine
from scene_select.workstation.engine.cache import AnalysisCache, file_sha256


def sample() -> MediaAnalysis:
    info = MediaInfo("video", 2.0, 320, 180, 25.0, True, "h264", "mp4")
    analysis = MediaAnalysis(info=info, cuts=[1.0], motion=[1.0, 2.0, 3.0, 4.0], loudness_db=[-20.0] * 20)
    analysis.ocr = [OcrLine(0.5, "字幕", 0.99, "bottom")]
    analysis.embeddings = {"x": [(0.0, [0.1, 0.2])]}
    return analysis


def test_round_trip_and_content_key(tmp_path: Path) -> None:
    media = tmp_path / "a.bin"
    media.write_bytes(b"abc" * 1000)
    cache = AnalysisCache(tmp_path / "cache")
    key = cache.key(file_sha256(media))
    assert cache.load(key) is None
    cache.store(key, sample())
    loaded = cache.load(key)
    assert loaded == sample()
    copy = tmp_path / "b.bin"
    copy.write_bytes(media.read_bytes())
    assert cache.key(file_sha256(copy)) == key
    assert cache.key(file_sha256(copy), "scorer") != key
    assert not list((tmp_path / "cache").rglob(".tmp-*"))


def test_other_versions_and_damaged_entries_are_ignored(tmp_path: Path) -> None:
    cache = AnalysisCache(tmp_path)
    cache.store("k1", sample())
    path = next(tmp_path.rglob("k1.json"))
    data = json.loads(path.read_text())
    data["version"] = ANALYSIS_VERSION + 1
    path.write_text(json.dumps(data))
    assert cache.load("k1") is None
    path.write_text("{not json")
    assert cache.load("k1") is None
    path.write_text(json.dumps({"version": ANALYSIS_VERSION, "info": {"kind": "video"}}))
    assert cache.load("k1") is None
