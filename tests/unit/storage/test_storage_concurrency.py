"""put_if_absent under contention: threads and processes racing for the same keys, on both adapters."""

from __future__ import annotations

import multiprocessing
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from scene_select.cloud.storage.base import ObjectStore
from scene_select.cloud.storage.local import LocalDirectoryStore
from scene_select_testkit.fakes.credentials import ACCESS_KEY
from scene_select_testkit.fakes.oss_server import FakeOssServer
from scene_select_testkit.fakes.store_race import race

KEYS = [f"results/smart-mix/batch-{n}/job.json" for n in range(5)]


def _assert_one_winner_each(store: ObjectStore, outcomes: list[tuple[str, int, bool]], racers: int) -> None:
    by_key: dict[str, list[tuple[int, bool]]] = defaultdict(list)
    for key, owner, won in outcomes:
        by_key[key].append((owner, won))
    assert sorted(by_key) == sorted(KEYS)
    for key, results in by_key.items():
        assert len(results) == racers
        winners = [owner for owner, won in results if won]
        assert len(winners) == 1, f"{key}: winners {winners}"
        assert store.get(key) == f"owner-{winners[0]}".encode()


def test_threads_racing_put_if_absent_get_exactly_one_winner(store: ObjectStore) -> None:
    racers = 12
    barrier = threading.Barrier(racers)
    outcomes: list[tuple[str, int, bool]] = []
    lock = threading.Lock()

    def run(owner: int) -> None:
        for key in KEYS:
            barrier.wait(timeout=30)
            won = store.put_if_absent(key, f"owner-{owner}".encode())
            with lock:
                outcomes.append((key, owner, won))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    _assert_one_winner_each(store, outcomes, racers)


@pytest.mark.parametrize("kind", ["local", "oss"])
def test_processes_racing_put_if_absent_get_exactly_one_winner(
    kind: str, tmp_path: Path, fake_oss: FakeOssServer, request: pytest.FixtureRequest
) -> None:
    racers = 4
    if kind == "local":
        spec: dict[str, Any] = {
            "kind": "local",
            "root": str(tmp_path / "bucket"),
            "bucket": "b",
            "region": "cn-shanghai",
        }
        store: ObjectStore = LocalDirectoryStore(tmp_path / "bucket", bucket="b", region="cn-shanghai")
    else:
        spec = {
            "kind": "oss",
            "endpoint": fake_oss.endpoint,
            "bucket": fake_oss.bucket,
            "region": fake_oss.region,
            "credentials": (ACCESS_KEY.access_key_id, ACCESS_KEY.access_key_secret, ACCESS_KEY.security_token),
        }
        store = request.getfixturevalue("oss_store")
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(racers)
    results = context.Queue()
    processes = [context.Process(target=race, args=(spec, KEYS, n, barrier, results)) for n in range(racers)]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=60) for _ in range(racers * len(KEYS))]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    _assert_one_winner_each(store, outcomes, racers)
