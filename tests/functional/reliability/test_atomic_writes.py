"""A reader never sees a half-written result: every write is a complete file renamed into place."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from scene_select.cloud.errors import ObjectNotFoundError
from scene_select.cloud.storage.local import LocalDirectoryStore

KEY = "results/smart-mix/x/selection.json"
WRITES = 40


def document(version: int) -> bytes:
    """A selection-sized JSON document (~250 KB), different for every version."""
    clips = [{"mediaKey": f"inbox/smart-mix/x/{i}.mp4", "in": i, "out": i + 2, "v": version} for i in range(3_000)]
    return json.dumps({"version": version, "clips": clips}).encode()


def test_readers_see_the_old_or_the_new_selection_never_a_mix(tmp_path: Path) -> None:
    store = LocalDirectoryStore(tmp_path / "bucket", bucket="b", region="cn-shanghai")
    versions = [document(v) for v in range(3)]
    done = threading.Event()
    seen: dict[str, list[int]] = {"store": [], "file": []}
    torn: list[str] = []

    def writer() -> None:
        for n in range(WRITES):
            store.put(KEY, versions[n % len(versions)], content_type="application/json")
        done.set()

    def reader(how: str) -> None:
        path = store.path_for(KEY)
        while not done.is_set():
            try:
                data = store.get(KEY) if how == "store" else path.read_bytes()  # as a person's tool reads it
            except (ObjectNotFoundError, FileNotFoundError):
                continue
            try:
                seen[how].append(json.loads(data)["version"])
            except ValueError:
                torn.append(f"{how}: {len(data)} bytes")

    threads = [threading.Thread(target=writer), threading.Thread(target=reader, args=("store",))]
    threads.append(threading.Thread(target=reader, args=("file",)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert torn == []
    assert len(seen["store"]) + len(seen["file"]) > WRITES  # the readers really raced the writer
    assert set(seen["store"]) | set(seen["file"]) <= {0, 1, 2}
    assert not [p for p in store.root.rglob("*") if ".scene-select-tmp-" in p.name]  # no temp file left behind
