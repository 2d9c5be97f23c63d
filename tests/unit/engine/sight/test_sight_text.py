"""The text side of sight: the label space (names, WordNet reach) and the lexicon (English n-grams, Chinese
through CC-CEDICT)."""

from __future__ import annotations

import pytest

from scene_select.workstation.engine.sight.labels import LabelSpace
from scene_select.workstation.engine.sight.lexicon import Lexicon, english_terms, singular


def test_english_terms_and_singular() -> None:
    assert singular("dogs") == "dog" and singular("puppies") == "puppy" and singular("leaves") == "leaf"
    assert singular("glass") == "glass" and singular("bus") == "bus"
    terms = english_terms("Two dogs near the wall clocks")
    assert "dog" in terms and "wall clock" in terms and "the" not in terms


@pytest.fixture(scope="module")
def labels() -> LabelSpace:
    return LabelSpace.load()


def test_label_space(labels: LabelSpace) -> None:
    assert len(labels) == 1000
    assert labels.short_name(21) == "kite" and labels.names[978] == "beach"
    assert len(set(labels.names)) == 1000  # duplicate clean names made unique
    index = labels.term_index()
    assert len(index["dog"]) > 100  # WordNet hypernyms reach the dog breeds
    assert "head" not in index and "toy" not in index  # rare senses blocked
    assert any(labels.names[k] == "wall clock" for k, _ in index["clock"])
    assert len(labels.fingerprint) == 16


def test_wordnet_notice_ships_with_the_data() -> None:
    import json
    from pathlib import Path

    from scene_select.workstation.engine.sight import labels as module

    data = json.loads(Path(module.WORDNET_FILE).read_text(encoding="utf-8"))
    assert "Princeton University" in data["license"] and len(data["classes"]) == 1000
    assert (Path(module.__file__).parent / "WORDNET-LICENSE.txt").is_file()


def test_chinese_bridge(labels: LabelSpace) -> None:
    lexicon = Lexicon(labels.term_index(), similarity=lambda a, b: 0.9 if "puppy" in a else 0.1)
    assert lexicon.cedict.segment("一只小瓢虫在爬") == ["一", "只", "小", "瓢虫", "在", "爬"]
    weights, terms = lexicon.class_weights("一只小瓢虫在爬")
    assert "ladybug" in terms and max(weights, key=weights.__getitem__) == 301
    _, dog_terms = lexicon.class_weights("一群小狗")  # 小狗 (puppy) → head character 狗 (dog), verified
    assert dog_terms == {"dog": 0.8}
    _, splash_terms = lexicon.class_weights("溅起水花")  # 水花 (spray) must not become 花 (flower)
    assert "flower" not in splash_terms


def test_chinese_measure_words_and_noun_or_verb_characters(labels: LabelSpace) -> None:
    lexicon = Lexicon(labels.term_index())
    cedict = lexicon.cedict
    # 株 after a numeral counts plants (its noun gloss is "tree trunk"); 朵 after 一 counts flowers.
    assert cedict.is_classifier("株") and not cedict.is_classifier("狗")  # 狗's "CL:只" names its own classifier
    assert cedict.content_words("一株芦荟") == ["芦荟"] and "朵" not in cedict.content_words("一朵花")
    assert "几" not in cedict.content_words("几只长颈鹿")  # a numeral, not 几 "a small table"
    assert "株" in cedict.content_words("株")  # not after a numeral: kept
    # 种 is zhǒng (seed, kind) and zhòng (to plant): alone, which one is not known; 花 has one reading.
    assert cedict.also_a_verb("种") and not cedict.also_a_verb("花") and not cedict.also_a_verb("狗")
    _, terms = lexicon.class_weights("一株芦荟种在旧陶土花盆里。")
    assert not {"seed", "tree trunk"} & set(terms) and "pot" in terms
    assert "flower" in lexicon.class_weights("一朵花")[1]  # the noun after the classifier still names it


def test_colours_and_rare_synonyms_name_no_thing(labels: LabelSpace) -> None:
    """A colour named after a fruit colours the next word; CC-CEDICT's "(color)" senses are colours; "cell"
    and "remote" are a phone's and a remote control's synonyms only in a sense sentences rarely mean."""
    lexicon = Lexicon(labels.term_index())
    assert "orange" not in english_terms("An astronaut in an orange spacesuit.")
    assert "orange" not in english_terms("An orange-red marigold.")
    assert {"orange", "lemon"} <= set(english_terms("Sliced orange and lemon, half a kiwi."))
    assert "orange" in english_terms("An orange on the table.")
    assert lexicon.cedict.glosses("橙色") == [] and "orange" in lexicon.cedict.glosses("橙子")
    assert "orange" not in lexicon.class_weights("一位穿着橙色宇航服的宇航员")[1]
    assert "orange" in lexicon.class_weights("桌上放着一个橙子")[1]
    assert not lexicon.class_weights("Cells under a microscope.")[1].keys() & {"cell", "mobile phone"}
    assert "remote" not in lexicon.class_weights("夜空中布满了遥远的星系")[1]
    assert "remote" not in lexicon.class_weights("A remote village in the hills.")[1]


def test_chinese_segmentation_both_ways(labels: LabelSpace) -> None:
    """Forward matching alone reads 戴着墨镜 as 戴 / 着墨 / 镜 (a mirror); backward matching alone reads 蓝天下 as
    蓝 / 天下 (the world). The cut with fewer words, then fewer lone characters that are no function
    characters, is kept."""
    cedict = Lexicon(labels.term_index()).cedict
    assert cedict._forward("戴着墨镜") == ["戴", "着墨", "镜"]
    assert cedict.segment("一只戴着墨镜的狗") == ["一", "只", "戴", "着", "墨镜", "的", "狗"]
    assert cedict._backward("耸立在蓝天下") == ["耸立", "在", "蓝", "天下"]
    assert cedict.segment("耸立在蓝天下") == ["耸立", "在", "蓝天", "下"]
    assert cedict.segment("系蓝领带的男士") == ["系", "蓝", "领带", "的", "男士"]  # not 蓝领 (blue-collar)
    assert cedict.segment("研究生命起源") == ["研究", "生命", "起源"]  # fewer words: not 研究生 / 命


def test_chinese_readings_that_name_nothing(labels: LabelSpace) -> None:
    """A lone character before the aspect particle 着, 了 or 过 is a verb; a reading that CC-CEDICT marks as
    Taiwanese, dialect or slang is not what a sentence means; a character that is also a variant of another
    reads its own senses first."""
    lexicon = Lexicon(labels.term_index())
    cedict = lexicon.cedict
    assert "摆" not in cedict.content_words("木板上摆着一盘寿司") and "摆" in cedict.content_words("摆")
    assert "戴" not in cedict.content_words("戴着帽子")
    assert "saddle horse" not in cedict.glosses("骑") and "mounted soldier" not in cedict.glosses("骑")
    assert cedict.glosses("钟")[0] == "clock"  # 鐘 (clock, bell) before 鍾 (a goblet; a variant of 鐘)
    assert "cup" not in lexicon.class_weights("墙上挂着一个旧钟")[1]
    assert "clock" in lexicon.class_weights("墙上挂着一个旧钟")[1]
    assert "mirror" not in lexicon.class_weights("一只戴着墨镜的狗坐在车里")[1]
    assert "racket" not in lexicon.class_weights("俯拍镜头里，一位女子站在砂石地上")[1]  # 拍: to pat, first
    assert "egret" in lexicon.class_weights("一只白鹭站在浅水里")[1]  # "(bird species of China) little egret"


def test_materials_before_a_noun() -> None:
    assert "glass" not in english_terms("A man before a glass building.")
    assert "glass" in english_terms("A glass of water on the table.")
    assert "iron" not in english_terms("An old iron gate.") and "denim" not in english_terms("A denim jacket.")
    lexicon = Lexicon(LabelSpace.load().term_index())
    assert "glass" not in lexicon.terms("夜幕下，玻璃幕墙的摩天大楼灯火通明。")  # a glass curtain wall
    assert "glass" in lexicon.terms("桌上放着一块玻璃。") and "glass" in lexicon.terms("玻璃的杯子")
    assert {"orange", "lemon"} <= set(lexicon.terms("一个橙子和一个柠檬"))  # 橙子 is the fruit; 橙色 the colour


def test_head_words_of_phrases_only(labels: LabelSpace) -> None:
    """ "X Y" is usually a kind of Y, but a drop-off (a cliff) is no kind of "off"."""
    index = labels.term_index()
    assert "off" not in index and any(labels.names[k] == "T-shirt" for k, _ in index["shirt"])


def test_words_about_the_shot_name_nothing_seen(labels: LabelSpace) -> None:
    """The camera one smiles at, the close-up and the background describe the shot, not what it shows; a
    camera someone holds is in the picture."""
    lexicon = Lexicon(labels.term_index())
    assert "camera" not in lexicon.terms("A woman smiles at the camera.")
    assert "camera" not in lexicon.terms("A bearded man looks straight into the camera.")
    assert "camera" in lexicon.terms("An old man with a camera on a tripod.")
    assert "lens" not in lexicon.terms("A cat looks toward the lens.")
    # 镜头 (camera lens; shot), 特写 (close-up; also a feature article), 画面中央 (the middle of the picture)
    assert lexicon.terms("特写镜头里，一只猫坐在画面中央。") == {"cat": 1.0}
    assert lexicon.terms("一位女子对着镜头笑着。") == {}
    assert not {"foreground", "background"} & set(english_terms("A cat in the foreground, trees in the background."))


def test_a_classifier_after_a_numeral_is_cut_off_its_word(labels: LabelSpace) -> None:
    """几个人 is 几 / 个 / 人 (a few people), not 几 / 个人 (an individual, "personal"); a word whose first
    character is no classifier stays whole, and so does 一个人 (alone), a headword of its own."""
    cedict = Lexicon(labels.term_index()).cedict
    assert cedict.segment("几个人沿着路走着") == ["几", "个", "人", "沿着", "路", "走", "着"]
    assert cedict.segment("两个人") == ["两", "个", "人"] and cedict.segment("这个人") == ["这", "个", "人"]
    assert cedict.segment("五个孩子") == ["五", "个", "孩子"] and cedict.segment("一个人") == ["一个人"]
    assert cedict.content_words("几个人") == ["人"]  # 个 counts, names nothing
    assert cedict.segment("他个人的看法")[1] == "个人"  # no numeral before it: the word stays
    assert cedict.segment("五。个人")[-1] == "个人"  # a numeral in another run counts nothing here
