"""The analyser protocol: every analyser of the pass is an Analyser, a new one plugs in beside the others, the
pass state is shared, sample plans reach the worker in order, and sight samples survive the cache."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from scene_select.workstation.engine.analyse import analyse_media, default_analysers
from scene_select.workstation.engine.analyser import Analyser, PassState
from scene_select.workstation.engine.analysis import MediaAnalysis, MediaInfo, SightSample
from scene_select.workstation.engine.cache import AnalysisCache
from scene_select.workstation.engine.clip_scorer import EmbeddingAnalyser
from scene_select.workstation.engine.ocr import OcrSampler
from scene_select.workstation.engine.probe import probe_media
from scene_select.workstation.engine.shots import CutDetector
from scene_select.workstation.engine.signals import AudioFeatures, FaceCounter, VideoBins
from scene_select.workstation.engine.synth import Segment, make_video
from scene_select.workstation.engine.visual import VisualAnalyser, window_samples


def test_every_analyser_follows_the_protocol() -> None:
    for kind in (CutDetector, VideoBins, AudioFeatures, FaceCounter, OcrSampler, VisualAnalyser, EmbeddingAnalyser):
        assert issubclass(kind, Analyser) and kind.name != Analyser.name
    names = [a.name for a in default_analysers(read_text=False)]
    assert names == ["cuts", "video", "audio", "faces"]  # cuts first: the others read its motion and cuts


class _Recorder(Analyser):
    """A new analyser: counts thumbnails, asks for every scheduled sample, notes the shot it came from."""

    name = "recorder"

    def __init__(self) -> None:
        self.thumbs = 0
        self.samples: list[tuple[float, int, tuple[int, ...]]] = []

    def on_thumb(self, t: float, thumb: np.ndarray, state: PassState) -> None:
        self.thumbs += 1

    def plan_sample(self, t: float, state: PassState) -> object | None:
        return len(state.cuts) if state.scheduled or state.after_cut else None

    def on_sample(self, t: float, rgb: np.ndarray, plan: object) -> None:
        assert isinstance(plan, int)
        self.samples.append((t, plan, rgb.shape))

    def complete(self, analysis: MediaAnalysis, state: PassState) -> None:
        analysis.embeddings["recorder"] = [(t, [float(shot)]) for t, shot, _ in self.samples]


def test_a_new_analyser_plugs_into_the_one_pass(tmp_path: Path) -> None:
    path = make_video(
        tmp_path / "two.mp4",
        [Segment(2.0, "navy", "", "silence"), Segment(2.0, "testsrc2", "", "silence")],
        width=320,
        height=180,
    )
    recorder = _Recorder()
    analysers = [*default_analysers(read_text=False), recorder]
    analysis = analyse_media(path, probe_media(path), analysers=analysers)
    assert recorder.thumbs >= 20 and analysis.cuts == [2.0]  # B-frames are skipped
    times = [t for t, _, _ in recorder.samples]
    assert times == sorted(times) and times[0] == 0.0
    assert any(shot == 1 and t >= 2.0 for t, shot, _ in recorder.samples)  # the cut was known when it planned
    assert all(shape[1] == 320 for _, _, shape in recorder.samples)
    assert analysis.embeddings["recorder"] and len(analysis.faces) == len(analysis.motion) == 8


class _Slow(Analyser):
    """A sampling analyser that notes the thread and order of its samples; ``seconds`` of work each."""

    def __init__(self, name: str, seconds: float = 0.0, *, fail_at: int | None = None, write: bool = False) -> None:
        self.name = name
        self.seconds, self.fail_at, self.write = seconds, fail_at, write
        self.seen: list[tuple[float, str]] = []
        self.finished = 0.0

    def plan_sample(self, t: float, state: PassState) -> object | None:
        return True if state.scheduled else None

    def on_sample(self, t: float, rgb: np.ndarray, plan: object) -> None:
        if self.fail_at is not None and len(self.seen) == self.fail_at:
            raise RuntimeError(f"{self.name} broke at {t}")
        if self.write:
            rgb[0, 0] = 0
        time.sleep(self.seconds)
        self.seen.append((t, threading.current_thread().name))
        self.finished = time.perf_counter()


@pytest.fixture(scope="module")
def six_seconds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(
        tmp_path_factory.mktemp("pass") / "six.mp4", [Segment(6.0, "testsrc2", "", "silence")], width=320, height=180
    )


def test_each_sampling_analyser_has_its_own_worker_and_sees_its_samples_in_order(six_seconds: Path) -> None:
    slow, quick = _Slow("slow", 0.05), _Slow("quick")
    analyse_media(six_seconds, probe_media(six_seconds), analysers=[CutDetector(), slow, quick])
    for analyser in (slow, quick):
        times = [t for t, _ in analyser.seen]
        assert times == sorted(times) and len(times) == 6
        assert {thread for _, thread in analyser.seen} == {f"analysis-{analyser.name}"}
    # a slow analyser does not hold a quick one up (with one worker for both, each of the quick one's samples
    # would wait for the slow one's)
    assert quick.finished < slow.finished - 0.1
    assert not any(t.name.startswith("analysis-") for t in threading.enumerate())


def test_a_failing_analyser_stops_the_pass_with_its_error_and_leaves_no_thread(six_seconds: Path) -> None:
    broken, other = _Slow("broken", fail_at=2), _Slow("other", 0.01)
    with pytest.raises(RuntimeError, match="broken broke at 2"):
        analyse_media(six_seconds, probe_media(six_seconds), analysers=[CutDetector(), broken, other])
    assert not any(t.name.startswith("analysis-") for t in threading.enumerate())


def test_sample_pictures_are_read_only_for_analysers_that_share_them(six_seconds: Path) -> None:
    with pytest.raises(ValueError, match="read-only"):
        analyse_media(six_seconds, probe_media(six_seconds), analysers=[_Slow("scribbler", write=True)])


def _analysis_with_sight() -> MediaAnalysis:
    info = MediaInfo("video", 10.0, 640, 360, 25.0, False, "h264", "mp4")
    analysis = MediaAnalysis(info=info, cuts=[4.0])
    analysis.sight = [
        SightSample(0.0, ((978, 0.6), (975, 0.1)), 0.7),
        SightSample(4.25, ((293, 0.9),), 0.9),
        SightSample(8.25, ((293, 0.8),), 0.85),
    ]
    analysis.sight_model = "effnet-test"
    return analysis


def test_sight_samples_survive_the_cache(tmp_path: Path) -> None:
    cache = AnalysisCache(tmp_path)
    cache.store("k", _analysis_with_sight())
    assert cache.load("k") == _analysis_with_sight()


def test_window_samples_inside_else_nearest_of_the_same_shot() -> None:
    analysis = _analysis_with_sight()
    assert [s.t for s in window_samples(analysis, 4.0, 10.0, still=False)] == [4.25, 8.25]
    assert [s.t for s in window_samples(analysis, 5.0, 7.0, still=False)] == [4.25]  # none inside: nearest
    assert [s.t for s in window_samples(analysis, 1.0, 3.5, still=False)] == [0.0]  # never from another shot
    analysis.sight = analysis.sight[1:]
    assert window_samples(analysis, 1.0, 3.5, still=False) == []
