"""The .pth → ONNX conversion: the graph against a pure-numpy reference, determinism, and the cache
(keyed by the weights' hash and the converter version, so a new converter rebuilds)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from scene_select.workstation.engine.sight import convert
from scene_select.workstation.engine.sight.pth_reader import load_state_dict


@pytest.fixture(scope="module")
def weights() -> dict[str, np.ndarray]:
    return load_state_dict(convert.packaged_weights())


def test_blocks_recovered_from_weights(weights: dict[str, np.ndarray]) -> None:
    blocks = convert.infer_blocks(weights)
    assert len(blocks) == 16
    assert [b.stride for b in blocks] == [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1]
    assert [b.kernel for b in blocks][:5] == [3, 3, 3, 5, 5]
    assert sum(b.residual for b in blocks) == 9


def test_onnx_matches_numpy_reference(weights: dict[str, np.ndarray]) -> None:
    model = convert.build_onnx(weights)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(1)
    # Random noise and a smooth picture with odd features (TF-SAME padding matters at the borders).
    noise = rng.uniform(0, 255, size=(1, 3, 224, 224)).astype(np.float32)
    yy, xx = np.mgrid[0:224, 0:224]
    smooth = np.stack([128 + 100 * np.sin(xx / 17.0), 128 + 100 * np.cos(yy / 23.0), (xx + yy) / 2.0])[None]
    x = np.concatenate([noise, smooth.astype(np.float32)])
    logits, probs, feature = session.run(["logits", "probs", "feature"], {"image": x})
    ref_logits, ref_feature = convert.reference_forward(weights, x)
    np.testing.assert_allclose(logits, ref_logits, atol=1e-3, rtol=1e-4)
    np.testing.assert_allclose(feature, ref_feature, atol=1e-3, rtol=1e-4)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert feature.shape == (2, 1280)


def test_conversion_is_deterministic_and_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = convert.ensure_onnx(cache_dir=tmp_path)
    stamp = first.stat().st_mtime_ns
    assert first.name.startswith("efficientnet-lite0-")
    assert first.name.endswith(f"-c{convert.CONVERTER_VERSION}.onnx")
    assert convert.ensure_onnx(cache_dir=tmp_path) == first
    assert first.stat().st_mtime_ns == stamp  # reused, not rebuilt
    again = convert.ensure_onnx(cache_dir=tmp_path / "other")
    assert again.read_bytes() == first.read_bytes()
    assert not list(tmp_path.glob("*.tmp"))
    # A new converter version is a new file: the old graph is never reused for it.
    monkeypatch.setattr(convert, "CONVERTER_VERSION", convert.CONVERTER_VERSION + 1)
    newer = convert.ensure_onnx(cache_dir=tmp_path)
    assert newer != first and newer.is_file() and first.is_file()


def test_default_cache_is_the_models_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCENE_SELECT_MODELS_DIR", str(tmp_path / "models"))
    path = convert.ensure_onnx()
    assert path.parent == tmp_path / "models"


def test_no_torch_needed() -> None:
    import importlib.util

    assert importlib.util.find_spec("torch") is None, "the sight stack must not pull torch into the environment"
