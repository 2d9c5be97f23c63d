"""Sight's API: the picture square, describe (real model on a real photograph when the samples are installed),
and scoring: bounded relevance, confidence against other shots, evidence, nothing for sentences about
nothing visible."""

from __future__ import annotations

import numpy as np
import pytest

from scene_select.workstation.engine.sight.model import (
    CLASSES,
    Seen,
    Sight,
    WindowViews,
    load_sight,
    square,
)


def test_square_is_the_centre_of_the_shorter_side() -> None:
    wide = np.zeros((360, 640, 3), dtype=np.uint8)
    wide[:, 320:] = 255  # right half white
    out = square(wide)
    assert out.shape == (3, 224, 224) and out.dtype == np.float32
    assert 0.4 < out.mean() / 255 < 0.6  # the centre square straddles both halves
    assert square(np.zeros((50, 20, 3), dtype=np.uint8)).shape == (3, 224, 224)  # upscaled
    with pytest.raises(ValueError):
        square(np.zeros((10, 10), dtype=np.uint8))


@pytest.fixture(scope="module")
def sight() -> Sight:
    loaded = load_sight()
    assert loaded is not None, "sight must load from the local extra"
    return loaded


def _seen(k: int, p: float = 0.9) -> Seen:
    return Seen(((k, p), ((k + 1) % CLASSES, 1 - p)), certainty=0.9)


def test_describe_a_picture(sight: Sight) -> None:
    rng = np.random.default_rng(0)
    seen = sight.describe([rng.integers(0, 256, (120, 200, 3), dtype=np.uint8), np.zeros((64, 64, 3), np.uint8)])
    assert len(seen) == 2
    for one in seen:
        assert len(one.top) == 20 and 0.0 <= one.certainty <= 1.0
        probs = [p for _, p in one.top]
        assert probs == sorted(probs, reverse=True) and sum(probs) <= 1.0001
    assert sight.describe([]) == []
    assert sight.model_id.startswith("effnet-lite0-") and "image model" in sight.timings


def test_real_photograph(sight: Sight) -> None:
    from PIL import Image

    from scene_select.cloud.errors import MediaError
    from scene_select.workstation.engine import real_media

    try:
        path = real_media.picture("cat")
    except MediaError as exc:
        pytest.skip(str(exc))
    with Image.open(path) as image:
        seen = sight.describe([np.asarray(image.convert("RGB"))])[0]
    assert sight.labels.short_name(seen.top[0][0]) == "coffee mug" and seen.top[0][1] > 0.3


def test_scores_are_bounded_confident_and_explained(sight: Sight) -> None:
    cheetah, cup = 293, 968
    views = WindowViews.build([[_seen(cheetah)], [_seen(cup)], [], [_seen(cheetah, 0.5)]], groups=[0, 1, 2, 0])
    sentences = sight.read(["一只猎豹在草原上全速奔跑。", "A cup of tea on the table.", "我们下周二开会讨论预算。"])
    scores = sight.score(sentences, views)
    r, c = scores.relevance, scores.confidence
    assert r.shape == (3, 4) and (r >= 0).all() and (r <= 1.0).all()
    assert r[0, 0] > 0.5 > r[0, 1] and r[1, 1] > 0.5 > r[1, 0]
    assert r[2].max() < 0.2 and scores.visualness[2] < 0.2  # a sentence about nothing visible relates to nothing
    assert r[:, 2].max() == 0.0  # a window sight never looked at relates to nothing
    assert c[0, 0] > 0.7 and c[0, 1] == 0.0
    # Two windows of the same shot do not take each other's confidence away: the lead is over other shots.
    assert c[0, 3] > 0.7
    assert scores.sees(0, 0)[0] == ("cheetah", 0.9)
    assert scores.sees(1, 0) == ()  # nothing the cheetah window shows is about a cup
    assert scores.shows(1)[0] == ("tea cup", 0.9)


def test_label_embeddings_are_cached(sight: Sight) -> None:
    sight.load_text_side()
    cached = list(sight.cache_dir.glob("label-embeddings-*.npy"))
    assert cached
    vectors = np.load(cached[0])
    assert vectors.shape == (1000, 512)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_windows_that_look_alike_share_their_relevance() -> None:
    """Two landscapes seen as valley and alp differ to sight only in certainty: their relevance is shared;
    a ladybird, seen as something else, keeps its own; an unseen window stays at 0."""
    from scene_select.workstation.engine.sight.model import _share_among_lookalikes

    probs = np.zeros((4, 1000), dtype=np.float32)
    probs[0, [979, 970]] = [0.40, 0.35]  # valley, alp
    probs[1, [979, 970]] = [0.25, 0.18]  # the same look, less sure
    probs[2, 301] = 0.9  # ladybug
    seen = np.array([True, True, True, False])
    relevance = np.array([[0.40, 0.20, 0.0, 0.0], [0.0, 0.0, 0.8, 0.0]], dtype=np.float32)
    shared = _share_among_lookalikes(relevance, probs, seen, 0.8)
    assert np.allclose(shared[0, :2], 0.30) and shared[1, 2] == np.float32(0.8) and shared[:, 3].max() == 0.0
    probs[1, [979, 970, 975]] = [0.25, 0.02, 0.20]  # valley first, but another look beside it: not alike
    unchanged = _share_among_lookalikes(relevance, probs, seen, 0.8)
    assert np.allclose(unchanged, relevance)


def test_people_are_read_from_words_and_witnessed_by_faces(sight: Sight) -> None:
    """ImageNet-1k has no person: a sentence that names people (in English or Chinese) draws relevance from
    windows where a face shows, one that names none is not moved by faces, and the face is the evidence."""
    cup = 968
    views = WindowViews.build(
        [[_seen(cup, 0.4)], [_seen(cup, 0.4)], [_seen(cup, 0.4)]], groups=[0, 1, 2], faces=[0.0, 1.0, 3.0]
    )
    assert views.faces.tolist() == [0.0, 1.0, 1.0]  # a count, read as how surely a face shows
    sentences = sight.read(
        [
            "A woman sips from a cup.",
            "一位老人端着一杯茶。",
            "A cup of tea on the table.",
            "一面红旗在风中飘扬。",  # 旗帜/ensign is a person only in one reading: no
            "他在雪地里慢慢走着。",  # a personal pronoun is enough
        ]
    )
    people = [s.people for s in sentences]
    assert people[0] == 1.0 and people[1] == 1.0 and people[2] == 0.0 and people[3] == 0.0 and people[4] == 1.0
    assert "woman (a person)" in sentences[0].terms and "老人 (a person)" in sentences[1].terms
    assert sentences[4].visualness >= 0.5  # a sentence about a person is visual even when it names no label
    scores = sight.score(sentences, views)
    assert np.allclose(scores.relevance, scores.relevance[:, :1])  # the labels see three cups alike
    say = np.stack([scores.term(i) for i in range(len(sentences))])
    assert say[0, 1] > say[0, 0] + 0.3 and say[1, 1] > say[1, 0] + 0.3 and say[0, 1] == pytest.approx(say[0, 2])
    assert say[2, 0] == pytest.approx(say[2, 1]) and say[3, 1] == pytest.approx(say[3, 0])  # faces move no one else
    assert (say >= 0).all() and (say <= 1).all()
    assert scores.sees(0, 1)[0] == ("a face", 1.0) and ("a face", 1.0) not in scores.sees(2, 1)
    assert scores.sees(0, 0) == scores.sees(2, 0)  # no face: only the cup


def test_people_seen_whole_witness_them_where_no_face_shows(sight: Sight) -> None:
    """Walkers seen from above show no face; the person detector's presence in a window's pictures (their
    mean) witnesses them as a face would, and says so ("a person"); where a face shows as surely, the face
    is named."""
    from scene_select.workstation.engine.sight.model import Seen

    cup = 968
    views = WindowViews.build(
        [
            [_seen(cup, 0.4)],
            [Seen(((cup, 0.4),), 0.9, person=1.0), Seen(((cup, 0.4),), 0.9, person=0.5)],
            [Seen(((cup, 0.4),), 0.9, person=0.5)],
        ],
        groups=[0, 1, 2],
        faces=[0.0, 0.0, 1.0],
    )
    assert views.figures.tolist() == [0.0, 0.75, 0.5]
    sentences = sight.read(["A few people walk along a road.", "A cup of tea on the table."])
    scores = sight.score(sentences, views)
    assert scores.persons[0].tolist() == [0.0, 0.75, 1.0] and scores.persons[1].tolist() == [0.0, 0.0, 0.0]
    assert scores.term(0)[1] > scores.term(0)[0] + 0.3
    assert scores.sees(0, 1)[0] == ("a person", 0.75) and scores.sees(0, 2)[0] == ("a face", 1.0)


def test_which_words_name_people(sight: Sight) -> None:
    """A word names people by its first sense (not "sheep" or "giant", whose person senses come later),
    Chinese through its CC-CEDICT glosses; social groups no camera sees, words that name an animal label
    and bound characters do not count."""
    sight.load_text_side()
    lexicon = sight._lexicon
    assert lexicon is not None
    named = {
        "Two men in suits shake hands": {"men"},
        "A crowd gathers in the square": {"crowd"},
        "A giant tree above a herd of sheep": set(),
        "一群游客在寺庙前拍照": {"游客"},
        "一个人在雪地里行走": {"一个人"},
        "林间的小溪从长满青苔的岩石上流过": set(),  # 上流 "upper class" (a mis-segmentation) is no one to see
        "一只猫趴在窗台上": set(),
        # A word whose first senses include a label that is no person names the label (WordNet lists a
        # fierce person before the tiger, a sovereign before the monarch butterfly); a named individual
        # (the poet Crane, the navigator Drake) is no sense a sentence means; the bridegroom is a label and
        # a person.
        "A tiger and a lion rest in the shade": set(),
        "A monarch settles on a thistle": set(),
        "A crane lifts steel beams beside a drake on the pond": set(),
        "The groom waits at the altar": {"groom"},
        "一只虎斑猫趴在沙发上": set(),  # 虎 (tiger) is the animal
        "灰色的碎石子": set(),  # 子 (son; and the noun suffix of 石子, pebble) is bound: no one
        "两个孩子在海滩上堆沙堡": {"孩子"},
        # No sense of "shrimp" or "paddy" was ever tagged, and each also names a food or a place to see: their
        # person senses, listed first, do not count.
        "A creamy shrimp bake beside a farmer in a rice paddy": {"farmer"},
        "雨后的街道上，行人撑着伞走过": {"行人"},  # "traveler on foot": a traveler; 后 (also "empress") is no one
    }
    for sentence, words in named.items():
        assert set(lexicon.people(sentence)[1]) == words, sentence


def test_the_people_a_sentence_names_are_witnessed_by_their_own_faces(sight: Sight) -> None:
    """A woman's face witnesses "a woman" fully and a man's face half, an old man's face "an old man" more
    than a young man's; a window whose faces were not read (a profile; a figure seen whole) is even odds; a
    sentence about no one in particular is witnessed as before; the explanation names whom the faces show."""
    cup = 968
    woman, young_man, old_man = (0.98, 0.02, 0.0, 0.01), (0.01, 0.99, 0.0, 0.02), (0.02, 0.98, 0.01, 0.9)
    half_woman = tuple(v / 2 for v in woman)  # one of its two samples read a woman's face, the other none
    views = WindowViews.build(
        [[_seen(cup, 0.4)]] * 5,
        groups=[0, 1, 2, 3, 4],
        faces=[1.0, 1.0, 1.0, 1.0, 0.5],
        traits=[woman, young_man, old_man, (0.0, 0.0, 0.0, 0.0), half_woman],
        read=[1.0, 1.0, 1.0, 0.0, 0.5],
    )
    sentences = sight.read(
        ["一位女子端着一杯茶。", "A man drinks from a cup.", "An old man holds a cup.", "Someone holds a cup."]
    )
    assert [s.traits for s in sentences] == [("women",), ("men",), ("men", "elders"), ()]
    scores = sight.score(sentences, views)
    # 1 - TRAIT_SAY + TRAIT_SAY * (how surely they show; a sample not read: 0.5)
    assert np.allclose(scores.agreement[0], [0.99, 0.505, 0.51, 0.75, 0.87], atol=0.005)
    assert np.allclose(scores.agreement[1], [0.51, 0.995, 0.99, 0.75, 0.63], atol=0.005)
    assert np.allclose(scores.agreement[2], [0.5075, 0.7525, 0.97, 0.75, 0.629], atol=0.005)
    assert scores.agreement[3].tolist() == [1.0] * 5
    assert np.allclose(scores.persons[0], scores.agreement[0] * [1, 1, 1, 1, 0.5])
    assert scores.term(0)[0] > scores.term(0)[1] + 0.2 and scores.term(1)[1] > scores.term(1)[0] + 0.2
    assert scores.sees(0, 0)[0] == ("a woman", 0.98) and scores.sees(1, 1)[0] == ("a man", 0.99)
    assert scores.sees(0, 3)[0] == ("a face", 1.0)  # no face read: who it is, nothing says
    assert scores.sees(3, 0)[0] == ("a face", 1.0)  # the sentence names no one in particular


def test_which_people_a_sentence_names(sight: Sight) -> None:
    """Women, men, children, old people: from the words that name people, in English or Chinese, their
    pronouns and their modifiers; a group (friends, 他们, 年轻人) names no one in particular."""
    sight.load_text_side()
    lexicon = sight._lexicon
    assert lexicon is not None
    named = {
        "A woman in a striped headscarf sits on the floor": ("women",),
        "She laughs at the camera": ("women",),
        "A policewoman directs traffic": ("women",),  # a compound in -woman
        "The actress waves to the crowd": ("women",),  # a gendered noun WordNet files under actor
        "Two fishermen mend their nets": ("men",),
        "He keeps talking": ("men",),
        "A widow and her son": ("women", "men"),  # WordNet: female person, male person
        "A little girl blows out the candles": ("women", "children"),
        "An elderly couple walks along the beach": ("elders",),
        "A wild-haired old man with a moustache": ("men", "elders"),
        "A toddler plays in the sand": ("children",),
        "Six friends sit around a table": (),
        "一位头裹条纹围巾的女子坐在地毯上": ("women",),
        "一位穿深色西装的男子": ("men",),
        "两个孩子在海滩上堆沙堡": ("children",),
        "一位白发苍苍的老人在下棋": ("elders",),  # 老人: "old man or woman", neither alone
        "老奶奶坐在门口晒太阳": ("women", "elders"),
        "新娘和新郎在教堂前合影": ("women", "men"),  # through CC-CEDICT: bride, bridegroom
        "他们在公园里散步": (),  # Chinese says 他们 of men and women together
        "五个年轻人挤在礁石上": (),  # young people, not children
    }
    for sentence, traits in named.items():
        assert lexicon.traits(sentence, lexicon.people(sentence)[1]) == traits, sentence


def test_a_close_up_of_someone_is_witnessed_by_a_face_that_fills_the_frame(sight: Sight) -> None:
    """A sentence that says its shot is a close-up of a person is witnessed by a window whose largest face
    fills the frame more than by one where a face is small; a window without a face is even odds; a
    close-up of a thing, and "close up" the verb, say nothing of faces."""
    from scene_select.workstation.engine.face_traits import closeness

    cup, man = 968, (0.0, 1.0, 0.0, 0.0)
    assert closeness(0.6) == 1.0 and closeness(0.15) == 0.0 and 0.0 < closeness(0.4) < 1.0
    views = WindowViews.build(
        [[_seen(cup, 0.4)], [_seen(cup, 0.4)], [Seen(((cup, 0.4),), 0.9, person=0.8)]],
        groups=[0, 1, 2],
        faces=[1.0, 1.0, 0.0],
        traits=[man, man, (0.0, 0.0, 0.0, 0.0)],
        read=[1.0, 1.0, 0.0],
        closeness=[closeness(0.6), closeness(0.15), 0.5],
    )
    sentences = sight.read(
        ["特写镜头里，一位男子正在说话。", "Close-up of a man talking.", "A man talking.", "Close-up of a red rose."]
    )
    assert [s.close_up for s in sentences] == [True, True, False, False]
    scores = sight.score(sentences, views)
    for i in (0, 1):
        assert scores.agreement[i, 0] > scores.agreement[i, 2] > scores.agreement[i, 1]
        assert scores.sees(i, 0)[:2] == (("a man", 1.0), ("a close-up", 1.0))
    assert scores.agreement[2, 0] == scores.agreement[2, 1]  # no close-up said: the framing does not count
    assert scores.persons[3].tolist() == [0.0, 0.0, 0.0]


def test_which_sentences_say_their_shot_is_a_close_up() -> None:
    from scene_select.workstation.engine.sight.people import names_close_up

    for sentence in (
        "特写镜头里，一位老人笑着",
        "面部大特写",
        "A close-up of her face",
        "Closeup: a boy",
        "a close up of a man",
    ):
        assert names_close_up(sentence), sentence
    for sentence in ("They close up the shop at night", "A man walks closer to the camera", "近处的一朵花"):
        assert not names_close_up(sentence), sentence
