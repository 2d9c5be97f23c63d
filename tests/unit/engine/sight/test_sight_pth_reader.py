"""Reading torch .pth files without torch: the packaged legacy-format file, and synthetic legacy / zip files
written here without torch (channels-last strides, a shared storage, a 0-d tensor), and refusals."""

from __future__ import annotations

import collections
import io
import pickle
import struct
import sys
import types
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from scene_select.workstation.engine.sight.convert import packaged_weights
from scene_select.workstation.engine.sight.pth_reader import (
    LEGACY_MAGIC,
    LEGACY_PROTOCOL,
    PthFormatError,
    load_state_dict,
)


@pytest.fixture()
def fake_torch() -> Iterator[types.ModuleType]:
    """Just enough of a ``torch`` module for pickle to write GLOBAL opcodes the way torch.save does."""
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")

    class FloatStorage:
        pass

    class LongStorage:
        pass

    def _rebuild_tensor_v2(*args: object) -> None:  # pragma: no cover - only referenced
        raise AssertionError

    for cls in (FloatStorage, LongStorage):
        cls.__module__, cls.__qualname__ = "torch", cls.__name__
        setattr(torch, cls.__name__, cls)
    _rebuild_tensor_v2.__module__, _rebuild_tensor_v2.__qualname__ = "torch._utils", "_rebuild_tensor_v2"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2  # type: ignore[attr-defined]
    torch._utils = utils  # type: ignore[attr-defined]
    saved = {k: sys.modules.get(k) for k in ("torch", "torch._utils")}
    sys.modules["torch"], sys.modules["torch._utils"] = torch, utils
    try:
        yield torch
    finally:
        for key, module in saved.items():
            if module is None:
                sys.modules.pop(key, None)
            else:
                sys.modules[key] = module


class _Tensor:
    def __init__(self, storage_type: type, key: str, numel: int, offset: int, size: tuple, stride: tuple) -> None:
        self.pid = ("storage", storage_type, key, "cpu", numel)
        self.args = (offset, size, stride)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        rebuild = sys.modules["torch._utils"]._rebuild_tensor_v2
        return (rebuild, (_Persistent(self.pid), *self.args, False, collections.OrderedDict()))


class _Persistent:
    def __init__(self, pid: tuple) -> None:
        self.pid = pid


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj: object) -> object:
        return obj.pid if isinstance(obj, _Persistent) else None


def _dump(obj: object) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=2).dump(obj)
    return buffer.getvalue()


def _example(torch: types.ModuleType) -> tuple[dict[str, _Tensor], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """A weight stored channels-last (non-contiguous strides, like the packaged file), a bias that is a
    view at an offset of a shared storage, and an int64 scalar."""
    weight = np.arange(2 * 3 * 2 * 2, dtype=np.float32).reshape(2, 3, 2, 2)
    nhwc = np.ascontiguousarray(weight.transpose(0, 2, 3, 1))  # storage order N H W C
    shared = np.arange(10, dtype=np.float32)
    storages = {"w": nhwc.ravel(), "s": shared, "n": np.array([7], dtype=np.int64)}
    state = collections.OrderedDict(
        [
            ("conv.weight", _Tensor(torch.FloatStorage, "w", weight.size, 0, (2, 3, 2, 2), (12, 1, 6, 3))),
            ("conv.bias", _Tensor(torch.FloatStorage, "s", 10, 4, (3,), (2,))),
            ("bn.num_batches_tracked", _Tensor(torch.LongStorage, "n", 1, 0, (), ())),
        ]
    )
    expected = {"conv.weight": weight, "conv.bias": shared[4:10:2], "bn.num_batches_tracked": np.array(7)}
    return state, storages, expected


def _check(loaded: dict[str, np.ndarray], expected: dict[str, np.ndarray]) -> None:
    assert list(loaded) == list(expected)
    for name, value in expected.items():
        assert loaded[name].dtype == value.dtype
        assert loaded[name].flags["C_CONTIGUOUS"]
        np.testing.assert_array_equal(loaded[name], value)


def test_synthetic_legacy_file(tmp_path: Path, fake_torch: types.ModuleType) -> None:
    state, storages, expected = _example(fake_torch)
    blob = b"".join(
        [
            pickle.dumps(LEGACY_MAGIC, protocol=2),
            pickle.dumps(LEGACY_PROTOCOL, protocol=2),
            pickle.dumps({"protocol_version": LEGACY_PROTOCOL, "little_endian": True}, protocol=2),
            _dump(state),
            pickle.dumps(list(storages), protocol=2),
        ]
    )
    for data in storages.values():
        blob += struct.pack("<q", data.size) + data.tobytes()
    path = tmp_path / "legacy.pth"
    path.write_bytes(blob)
    _check(load_state_dict(path), expected)


def test_synthetic_zip_file(tmp_path: Path, fake_torch: types.ModuleType) -> None:
    state, storages, expected = _example(fake_torch)
    path = tmp_path / "zip.pth"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", _dump(state))
        archive.writestr("archive/byteorder", "little")
        for key, data in storages.items():
            archive.writestr(f"archive/data/{key}", data.tobytes())
    _check(load_state_dict(path), expected)


def test_refuses_code(tmp_path: Path) -> None:
    path = tmp_path / "evil.pth"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", b"cos\nsystem\n(S'echo pwned'\ntR.")
    with pytest.raises(PthFormatError, match=r"refusing to load global os\.system"):
        load_state_dict(path)


def test_bad_magic(tmp_path: Path) -> None:
    path = tmp_path / "bad.pth"
    path.write_bytes(pickle.dumps(12345, protocol=2))
    with pytest.raises(PthFormatError, match="magic"):
        load_state_dict(path)


def test_packaged_lite0_weights() -> None:
    weights = load_state_dict(packaged_weights())
    assert len(weights) == 296
    assert weights["_conv_stem.weight"].shape == (32, 3, 3, 3)
    assert weights["_fc.weight"].shape == (1000, 1280)
    assert sum(v.size for k, v in weights.items() if not k.endswith("num_batches_tracked")) == 4_694_024
    assert all(v.flags["C_CONTIGUOUS"] for v in weights.values())
    assert np.isfinite(weights["_blocks.15._project_conv.weight"]).all()
    # Batch-norm variances are never negative (some are exactly 0: dead channels in the TF checkpoint);
    # a wrong stride or offset would read weights (half of them negative) instead.
    assert all((v >= 0).all() for k, v in weights.items() if k.endswith("running_var"))
