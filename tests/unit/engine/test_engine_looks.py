"""The scene looks measured on thumbnails (signals.scene_looks) and the colour and light words that read
them (matching.VISUAL_HINTS): sky, sunset light, fog, meadow green; the prior beside sight and text."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scene_select.workstation.engine.analysis import LOOKS, MediaAnalysis, MediaInfo
from scene_select.workstation.engine.matching import (
    PRIOR_FLOOR,
    PRIOR_WEIGHT,
    RelevanceModel,
    Sentence,
    visual_hints,
    visual_prior,
)
from scene_select.workstation.engine.resolve import MediaSource
from scene_select.workstation.engine.signals import VideoBins, scene_looks
from scene_select.workstation.engine.windows import MediaItem, Window


def _picture(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> np.ndarray:
    """A 64×36 picture: ``top`` colour over the upper half, ``bottom`` over the lower half (RGB 0..255)."""
    picture = np.zeros((36, 64, 3), dtype=np.float32)
    picture[:18] = np.array(top, dtype=np.float32) / 255.0
    picture[18:] = np.array(bottom, dtype=np.float32) / 255.0
    return picture


def _looks(picture: np.ndarray) -> dict[str, float]:
    return dict(zip(LOOKS, scene_looks(picture), strict=True))


def test_a_blue_sky_over_a_green_meadow() -> None:
    looks = _looks(_picture((90, 150, 230), (70, 150, 40)))
    assert looks["sky"] == 1.0 and abs(looks["blue"] - 0.5) < 1e-6 and abs(looks["green"] - 0.5) < 1e-6
    assert looks["warm"] == 0.0 and looks["grey"] == 0.0 and looks["dark"] == 0.0


def test_a_sunset_over_dark_hills_and_fog_over_a_field() -> None:
    sunset = _looks(_picture((240, 140, 40), (20, 15, 10)))
    assert sunset["warm"] == 0.5 and sunset["dark"] == 0.5 and sunset["sky"] == 0.0
    fog = _looks(_picture((170, 170, 175), (150, 110, 60)))
    assert fog["grey"] == 0.5 and fog["warm"] == 0.5 and fog["sky"] == 1.0  # a bright colourless top: an open sky
    snow = _looks(_picture((235, 238, 240), (235, 238, 240)))
    assert snow["white"] == 1.0 and snow["grey"] == 0.0


def test_thumbnails_store_their_looks_per_bin() -> None:
    bins = VideoBins()
    thumb = (_picture((90, 150, 230), (70, 150, 40)) * 255).astype(np.uint8)
    for t in (0.0, 0.2, 0.6):
        bins.push(t, thumb, None)
    analysis = MediaAnalysis(info=MediaInfo("video", 1.0, 64, 36, 25.0, False, "h264", "mp4"))
    bins.finish(analysis, 1.0)
    assert len(analysis.looks) == 2 and len(analysis.looks[0]) == len(LOOKS)
    assert analysis.looks[0][LOOKS.index("sky")] == 1.0 and analysis.looks[1][LOOKS.index("green")] == 0.5


def test_colour_and_light_words_in_both_languages() -> None:
    assert visual_hints("The setting sun glows gold behind heavy clouds.") == ["look_sky", "look_warm"]
    assert visual_hints("夕阳从云层后面透出金色的光") == ["look_sky", "look_warm"]
    assert visual_hints("Morning fog drifts over a misty field.") == ["look_grey"]
    assert visual_hints("晨雾笼罩着山坡") == ["look_grey"]
    assert visual_hints("草地上开满了紫色的野花") == ["look_green", "look_purple"]
    assert visual_hints("A snowy meadow.") == ["look_green", "look_white"]


def test_a_hint_word_is_a_word_not_the_start_of_another() -> None:
    assert visual_hints("A wooden jetty.") == []  # wood(en) is a material, not woods
    assert visual_hints("Skyscrapers by the seaside at this season.") == []
    assert visual_hints("A cloudy sky.") == ["look_sky"]
    assert visual_hints("A drop of water.") == []  # water is clear, seas and lakes are blue


def test_a_black_and_white_photograph_is_not_a_black_and_white_subject() -> None:
    """ "A black-and-white photo" asks for a colourless picture; "a black and white rabbit" for its colours."""
    for text in (
        "一张黑白照片：公园上空飞着许多风筝。",
        "A black-and-white photo of kites.",
        "Shot in black and white.",
        "A monochrome street.",
        "黑白电影里的街道",
    ):
        assert visual_hints(text) == ["mono"], text
    assert visual_hints("一只黑白相间的兔子") == visual_hints("A black and white rabbit.") == ["dark", "look_white"]
    grey, washed_out, colourful = {"saturation": 0.0}, {"saturation": 0.07}, {"saturation": 0.3}
    text = "一张黑白照片：许多风筝。"
    assert visual_prior(text, grey) == 1.0 and visual_prior(text, washed_out) == visual_prior(text, colourful) == 0.0
    assert 0.0 < visual_prior(text, {"saturation": 0.03}) < 1.0


def test_the_looks_decide_between_scenery() -> None:
    sky = {"look_sky": 1.0, "look_blue": 0.6, "look_green": 0.3, "brightness": 0.5}
    sunset = {"look_sky": 0.3, "look_warm": 0.3, "look_dark": 0.4, "brightness": 0.25}
    fog = {"look_sky": 0.9, "look_grey": 0.5, "look_warm": 0.3, "brightness": 0.45}
    text = "Rolling green hills under a clear blue sky."
    assert visual_prior(text, sky) > max(visual_prior(text, sunset), visual_prior(text, fog))
    text = "The sun sets behind dark hills."
    assert visual_prior(text, sunset) > max(visual_prior(text, sky), visual_prior(text, fog))
    text = "雾笼罩着田野。"
    assert visual_prior(text, fog) > max(visual_prior(text, sky), visual_prior(text, sunset))
    assert visual_prior("a meeting", sky) == 0.0
    assert visual_prior("A bright day.", {"brightness": 1.0}) == 1.0  # never above 1


def _windows(tmp_path: Path, texts: list[str], signals: list[dict[str, float]]) -> list[Window]:
    windows = []
    for index, (text, looks) in enumerate(zip(texts, signals, strict=True)):
        info = MediaInfo("image", 0.0, 640, 360, 0.0, False, "mjpeg", "image2")
        path = tmp_path / f"m{index}.jpg"
        item = MediaItem(index, MediaSource(entry=str(path), path=path), MediaAnalysis(info=info), [(0.0, 0.0)])
        windows.append(Window(item, 0.0, 0.0, text=text, flexible=True, signals={"brightness": 0.5, **looks}))
    return windows


def test_the_prior_gives_way_to_text_that_names_the_sentence(tmp_path: Path) -> None:
    sentence = [Sentence("一只蜻蜓停在绿色的草地上。", "0", 2.0, "model")]
    windows = _windows(tmp_path, ["", "蜻蜓"], [{"look_green": 0.8}, {"look_green": 0.0}])
    model = RelevanceModel(sentence, windows)
    meadow = model.evidence[0][0]
    assert meadow.prior == 1.0 and abs(meadow.total - PRIOR_WEIGHT * PRIOR_FLOOR) < 1e-6
    unnamed = RelevanceModel(sentence, _windows(tmp_path, ["", ""], [{"look_green": 0.8}, {"look_green": 0.0}]))
    assert abs(unnamed.evidence[0][0].total - PRIOR_WEIGHT) < 1e-6
