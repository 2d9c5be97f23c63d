"""Sentence splitting, tokenisation and BM25 for Chinese and English."""

from __future__ import annotations

from scene_select.workstation.engine.text import Bm25Index, split_sentences, stem, tokenize


def test_split_on_chinese_and_english_punctuation() -> None:
    script = "今天天气很好！我们去海边吧。Is it far? No, it is close. 价格是3.5元；好的\n最后一句"
    assert split_sentences(script) == [
        "今天天气很好！",
        "我们去海边吧。",
        "Is it far?",
        "No, it is close.",
        "价格是3.5元；",
        "好的",
        "最后一句",
    ]


def test_stray_punctuation_joins_the_previous_sentence() -> None:
    assert split_sentences("真的吗？！……") == ["真的吗？！……"]


def test_stem_is_light() -> None:
    assert [stem(w) for w in ("jumps", "jumped", "jumping", "bikes", "class", "cities")] == [
        "jump",
        "jump",
        "jump",
        "bike",
        "class",
        "city",
    ]


def test_tokens_have_words_bigrams_and_trigrams() -> None:
    tokens = tokenize("附近的商场 Foxes jumped")
    assert "w:商场" in tokens and "b:商场" in tokens and "w:的" not in tokens
    assert "e:fox" in tokens and "e:jump" in tokens and "t:jum" in tokens
    assert "e:the" not in tokenize("the fox")


def test_bm25_ranks_the_document_that_shares_the_rare_words() -> None:
    documents = [
        tokenize(t) for t in ("海边的日落非常美丽", "附近的商场新开了一家超市", "Mountain bikes race downhill")
    ]
    index = Bm25Index(documents)
    query = tokenize("附近新开了一家商场")
    scores = [index.score(query, k).score for k in range(3)]
    assert scores.index(max(scores)) == 1 and scores[2] == 0.0
    assert "商场" in index.score(query, 1).terms
    assert 0 < scores[1] <= index.max_score(query)
