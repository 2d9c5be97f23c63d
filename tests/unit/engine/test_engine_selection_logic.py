"""Assignment, occupancy and highlight selection on hand-made windows."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np

from scene_select.workstation.engine.analysis import MediaAnalysis, MediaInfo
from scene_select.workstation.engine.highlights import default_target, score_windows, select_highlights
from scene_select.workstation.engine.matching import Occupancy, assign_primaries, visual_prior
from scene_select.workstation.engine.resolve import MediaSource
from scene_select.workstation.engine.windows import MediaItem, Window, allowed_ranges


def test_hungarian_assignment_is_one_to_one() -> None:
    score = np.array([[0.9, 0.8, 0.0], [0.85, 0.1, 0.0]])
    assert assign_primaries(score, temporal=False) == [1, 0]


def test_temporal_assignment_keeps_source_order() -> None:
    score = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    chosen = assign_primaries(score, temporal=True)
    picked = [c for c in chosen if c is not None]
    assert picked == sorted(picked) and len(set(picked)) == len(picked)
    assert sum(score[i, c] for i, c in enumerate(chosen) if c is not None) == 2.0


def test_more_sentences_than_windows_leaves_some_without_primary() -> None:
    assert assign_primaries(np.ones((3, 1)), temporal=True).count(None) == 2
    assert assign_primaries(np.ones((3, 1)), temporal=False).count(None) == 2


def test_occupancy_free_spans() -> None:
    occupancy = Occupancy()
    occupancy.take(0, 2.0, 3.0)
    occupancy.take(0, 5.0, 6.0)
    assert occupancy.free_spans(0, 0.0, 10.0) == [(0.0, 2.0), (3.0, 5.0), (6.0, 10.0)]
    assert occupancy.is_free(1, 2.0, 3.0) and not occupancy.is_free(0, 2.5, 4.0)


def test_allowed_ranges_clip_and_merge() -> None:
    assert allowed_ranges(10.0, None) == [(0.0, 10.0)]
    assert allowed_ranges(10.0, [(8.0, 20.0), (0.0, 2.0), (1.0, 3.0), (30.0, 40.0)]) == [(0.0, 3.0), (8.0, 10.0)]


def test_visual_prior_only_when_the_sentence_names_a_look() -> None:
    blue = {"hue_blue": 0.9, "saturation": 0.6, "brightness": 0.4}
    red = {"hue_red": 0.9, "saturation": 0.6, "brightness": 0.4}
    assert visual_prior("蓝色的大海", blue) > visual_prior("蓝色的大海", red)
    assert visual_prior("a meeting", blue) == 0.0


def test_default_target_rule() -> None:
    assert default_target(24.0) == 10.0
    assert default_target(200.0) == 30.0
    assert default_target(7200.0) == 90.0
    assert default_target(6.0) == 6.0


def fake_item(length: float) -> MediaItem:
    info = MediaInfo("video", length, 320, 180, 25.0, True, "h264", "mp4")
    return MediaItem(0, MediaSource("x.mp4", Path("x.mp4")), MediaAnalysis(info=info), [(0.0, length)])


def test_highlight_selection_fills_target_without_overlap_and_puts_the_hook_first() -> None:
    item = fake_item(40.0)
    windows = []
    for k in range(10):
        window = Window(item, 4.0 * k, 4.0 * k + 4.0)
        hot = k == 6
        window.signals = {
            "loudness": -10.0 if hot else -30.0 + k,
            "motion": 9.0 if hot else float(k % 3),
            "brightness": 0.5,
        }
        windows.append(window)
    clips = select_highlights(score_windows(windows), 8.0, intro=True)
    assert clips[0].is_intro and clips[0].start == 24.0
    body = clips[1:]
    assert sum(c.duration for c in body) == 8.0
    assert all(c.start >= 0 and not (c.start < 28.0 and c.end > 24.0) for c in body)
    assert [c.start for c in body] == sorted(c.start for c in body)


def test_engine_import_stays_light() -> None:
    code = (
        "import sys, scene_select.workstation.engine; "
        "heavy = {'av','numpy','scipy','cv2','rapidocr_onnxruntime','jieba'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_scarce_material_still_covers_every_sentence_without_reuse() -> None:
    from scene_select.workstation.engine.matching import RelevanceModel, Sentence, plan_outputs

    clips = []
    for index, length in enumerate((3.0, 3.0)):
        item = fake_item(length)
        item.index = index
        clips.append(item)
    still_info = MediaInfo("image", 0.0, 320, 180, 0.0, False, "png", "png_pipe")
    still = MediaItem(2, MediaSource("s.png", Path("s.png")), MediaAnalysis(info=still_info), [(0.0, 0.0)])
    windows = [Window(item, 0.0, 3.0) for item in clips] + [Window(still, 0.0, 0.0, flexible=True)]
    for window in windows:
        window.signals = {"brightness": 0.5}
    sentences = [Sentence(f"句子{k}。", str(k), 1.5, "rate-model") for k in range(5)]
    (plans,) = plan_outputs(RelevanceModel(sentences, windows), 1, temporal=False, single_shot=None)
    used: dict[int, list[tuple[float, float]]] = {}
    stills = 0
    for plan in plans:
        assert sum(c.duration for c in plan.clips) >= plan.sentence.duration - 1e-6
        for clip in plan.clips:
            if clip.window.flexible:
                stills += 1
            else:
                used.setdefault(clip.window.media.index, []).append((clip.start, clip.end))
    assert stills == 1
    for spans in used.values():
        spans.sort()
        assert all(b[0] >= a[1] - 1e-6 for a, b in itertools.pairwise(spans))


def test_words_that_say_what_kind_of_file_it_is_name_nothing_it_shows() -> None:
    """ "still_03.png" is a still, not something still: a sentence about a still river at sunset must not
    find it by its name; the words that name what it shows, and the tags, still count."""
    from scene_select.workstation.engine.matching import RelevanceModel, Sentence

    info = MediaInfo("image", 0.0, 320, 180, 0.0, False, "png", "png_pipe")

    def item(index: int, path: str, folder: str, tags: tuple[str, ...] = ()) -> MediaItem:
        source = MediaSource(path, Path(path), tags, folder_words=(folder,))
        return MediaItem(index, source, MediaAnalysis(info=info), [(0.0, 0.0)])

    still, beach = item(0, "stills/still_03.png", "stills", ("raft",)), item(1, "IMG_2034_beach-final.jpg", "footage")
    assert still.name_text() == "03 raft" and beach.name_text() == "2034 beach"
    windows = [Window(still, 0.0, 0.0, flexible=True), Window(beach, 0.0, 0.0, flexible=True)]
    model = RelevanceModel([Sentence("The river lies still at sunset.", "s1", 3.0, "rate")], windows)
    assert model.evidence[0][0].name == 0.0 and model.evidence[0][1].name == 0.0
    raft, noon = (
        Sentence("A bamboo raft on the river.", "s1", 3.0, "rate"),
        Sentence("The beach at noon.", "s2", 3.0, "rate"),
    )
    model = RelevanceModel([raft, noon], windows)
    assert model.evidence[0][0].name > 0.0 and model.evidence[1][1].name > 0.0
