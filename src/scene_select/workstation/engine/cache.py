"""Per-media analysis cached on disk by content hash.

The key is the SHA-256 of the file's bytes (streamed in 1 MiB blocks, so a multi-GB file never sits in
memory), the analysis version and the analysis options — not the path: the same footage uploaded
twice under different names is analysed once, and a file replaced in place is analysed again. Entries
are JSON written atomically (temp file + ``os.replace``), so a crash never leaves a half entry and
concurrent writers of the same key simply race to an identical file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from scene_select.workstation.engine.analysis import ANALYSIS_VERSION, MediaAnalysis

BLOCK = 1 << 20


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/scene-select/analysis`` (``~/.cache/…`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "scene-select" / "analysis"


def default_models_dir() -> Path:
    """Where models converted or derived on this machine are kept (sight's ONNX graph, its label embeddings):
    ``$SCENE_SELECT_MODELS_DIR``, else ``$XDG_CACHE_HOME/scene-select/models`` (``~/.cache/…`` when unset).

    Separate from the analysis cache: a job's ``cache_dir`` is often a temporary directory, and these files
    depend on the installed packages, not on the footage.
    """
    explicit = os.environ.get("SCENE_SELECT_MODELS_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "scene-select" / "models"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


class AnalysisCache:
    """Read and write :class:`MediaAnalysis` entries under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def key(self, content_hash: str, variant: str = "") -> str:
        suffix = hashlib.sha256(variant.encode("utf-8")).hexdigest()[:12] if variant else "default"
        return f"{content_hash}-v{ANALYSIS_VERSION}-{suffix}"

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def load(self, key: str) -> MediaAnalysis | None:
        """The cached analysis, or None when absent, of another version, or unreadable."""
        path = self._path(key)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("version") != ANALYSIS_VERSION:
            return None
        try:
            return MediaAnalysis.from_json(data)
        except (TypeError, KeyError, ValueError):
            return None

    def store(self, key: str, analysis: MediaAnalysis) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(analysis.to_json(), out, ensure_ascii=False, separators=(",", ":"))
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
