"""The optional image-text scorer, exercised with tiny ONNX towers built at test time (no downloads).

Two models are built with `onnx` from numpy weights: a *designed* one whose image tower maps mean
red/green/blue to a 3-d embedding and whose text tower maps the made-up words "alpha"/"gamma" to the
red/blue directions — so the test can check that the scorer really steers the choice — and a
*random* one, checking that any exported pair of the documented shape loads and runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from scene_select.cloud.errors import ConfigError
from scene_select.workstation.engine.clip_scorer import ImageTextScorer, WordPieceTokenizer
from scene_select.workstation.engine.synth import make_image
from scene_select_testkit.media import MediaSet

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "alpha", "gamma", "delta", "##s", "城", "市"]
SIZE = 32
LENGTH = 8


def build_towers(root: Path, projection: np.ndarray, embedding: np.ndarray) -> tuple[Path, Path, Path]:
    """Image: mean over H, W → MatMul(projection). Text: Gather(embedding) → mean over tokens."""
    dim = projection.shape[1]
    image_graph = helper.make_graph(
        [
            helper.make_node("ReduceMean", ["pixels"], ["pooled"], axes=[2, 3], keepdims=0),
            helper.make_node("MatMul", ["pooled", "projection"], ["embedding"]),
        ],
        "image_tower",
        [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["n", 3, SIZE, SIZE])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["n", dim])],
        [numpy_helper.from_array(projection.astype(np.float32), "projection")],
    )
    text_graph = helper.make_graph(
        [
            helper.make_node("Gather", ["table", "input_ids"], ["vectors"]),
            helper.make_node("ReduceMean", ["vectors"], ["embedding"], axes=[1], keepdims=0),
        ],
        "text_tower",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["n", LENGTH])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["n", dim])],
        [numpy_helper.from_array(embedding.astype(np.float32), "table")],
    )
    paths = root / "image.onnx", root / "text.onnx", root / "vocab.txt"
    for graph, path in zip((image_graph, text_graph), paths, strict=False):
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        model.ir_version = 8
        onnx.checker.check_model(model)
        onnx.save(model, str(path))
    paths[2].write_text("\n".join(VOCAB), encoding="utf-8")
    return paths


@pytest.fixture(scope="module")
def designed(tmp_path_factory: pytest.TempPathFactory) -> ImageTextScorer:
    root = tmp_path_factory.mktemp("towers")
    table = np.zeros((len(VOCAB), 3))
    table[VOCAB.index("alpha")] = [1.0, -0.5, -0.5]  # "alpha" means red
    table[VOCAB.index("gamma")] = [-0.5, -0.5, 1.0]  # "gamma" means blue
    return ImageTextScorer(*build_towers(root, np.eye(3), table))


def test_tokenizer_wordpiece_and_cjk() -> None:
    tokenizer = WordPieceTokenizer.__new__(WordPieceTokenizer)
    tokenizer.vocab = {token: index for index, token in enumerate(VOCAB)}
    assert tokenizer.encode("Alphas 城市!", 8) == [2, 4, 7, 8, 9, 1, 3, 0]


def test_designed_towers_rank_pictures_by_meaning(designed: ImageTextScorer) -> None:
    red = np.zeros((40, 60, 3), dtype=np.uint8)
    red[..., 0] = 220
    blue = np.zeros((40, 60, 3), dtype=np.uint8)
    blue[..., 2] = 220
    images = designed.embed_images([red, blue])
    alpha, gamma = designed.embed_texts(["alpha", "gamma"])
    assert np.dot(images[0], alpha) > np.dot(images[1], alpha)
    assert np.dot(images[1], gamma) > np.dot(images[0], gamma)
    assert designed.image_size == SIZE and designed.context_length == LENGTH


def test_scorer_steers_smart_mix_and_is_cached_separately(
    designed: ImageTextScorer, select: Any, tmp_path: Path
) -> None:
    red = make_image(tmp_path / "one.png", color="0xdd1010")
    blue = make_image(tmp_path / "two.png", color="0x1010dd")
    config = {"MediaArray": [str(red), str(blue)], "SpeechTextArray": ["gamma delta. alpha delta."]}
    result = select("Smart_Mix_Media_Select", config, image_text_scorer=designed, cache_dir=tmp_path / "c")
    first, second = result["textMatchMediaOutputList"][0]["textMatchMediaSentenceOutputList"]
    assert first["matchClipList"][0]["mediaURL"] == str(blue)
    assert second["matchClipList"][0]["mediaURL"] == str(red)
    assert first["matchClipList"][0]["explain"]["signals"]["imageText"] > 0.5
    swapped = {"MediaArray": [str(red), str(blue)], "SpeechTextArray": ["alpha delta. gamma delta."]}
    again = select("Smart_Mix_Media_Select", swapped, image_text_scorer=designed, cache_dir=tmp_path / "c")
    assert again["textMatchMediaOutputList"][0]["textMatchMediaSentenceOutputList"][0]["matchClipList"][0][
        "mediaURL"
    ] == str(red)


def test_random_towers_run_on_video_deterministically(media: MediaSet, select: Any, tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    scorer = ImageTextScorer(*build_towers(tmp_path, rng.normal(size=(3, 16)), rng.normal(size=(len(VOCAB), 16))))
    config = {"MediaArray": [str(media.montage)], "SpeechText": "alpha gamma. 城市。"}
    first = select("Smart_Mix_Media_Select", config, image_text_scorer=scorer, cache_dir=tmp_path / "c")
    second = select("Smart_Mix_Media_Select", config, image_text_scorer=scorer, cache_dir=tmp_path / "c")
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    clips = [
        c for s in first["textMatchMediaOutputList"][0]["textMatchMediaSentenceOutputList"] for c in s["matchClipList"]
    ]
    assert all(-1.0 <= c["explain"]["signals"]["imageText"] <= 1.0 for c in clips)


def test_missing_or_broken_model_files_are_config_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not onnx")
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(VOCAB), encoding="utf-8")
    with pytest.raises(ConfigError, match="not a file"):
        ImageTextScorer(tmp_path / "none.onnx", bad, vocab)
    with pytest.raises(ConfigError, match="cannot load"):
        ImageTextScorer(bad, bad, vocab)
