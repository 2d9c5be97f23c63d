"""Saving a file into the local bucket again, as people do: identical bytes start nothing, a changed byte a run.

Files are written into the bucket directory by hand (an editor, ``cp``, ``mv``, ``touch``), not through the
store, because that is how people, the demo and every other tool use the local bucket.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

from scene_select.workstation.local.stack import LocalStack
from scene_select_testkit.ice import emulator_jobs
from scene_select_testkit.stack import placeholder_video, wait_for_state
from scene_select_testkit.waiting import wait_until

BATCH = "inbox/smart-mix/resave/"
RESULTS = "results/smart-mix/resave/"
VIDEO = placeholder_video()


def _wait_for_deliveries(stack: LocalStack, at_least: int) -> None:
    watcher = stack.watcher
    assert watcher is not None
    wait_until(
        lambda: watcher.delivered >= at_least and watcher.idle(),
        interval=0.05,
        what=lambda: f"{at_least} event(s) delivered (the watcher delivered {watcher.delivered})",
    )


def _runs(stack: LocalStack) -> set[str]:
    return {info.key.split("/")[4] for info in stack.store.list(RESULTS + "runs/")}


def test_saving_a_finished_batchs_manifest_again_unchanged_starts_nothing(stack: LocalStack) -> None:
    folder = stack.bucket_dir / BATCH
    folder.mkdir(parents=True)
    (folder / "beach.mp4").write_bytes(VIDEO)
    time.sleep(0.3)  # media first, then the manifest, as a person uploads them
    script = folder / "script.txt"
    script.write_bytes("清晨的海边。A red kite.".encode())
    first = wait_for_state(stack, RESULTS, {"finished"})
    assert stack.watcher is not None
    delivered = stack.watcher.delivered
    original = script.read_bytes()
    elsewhere = stack.state_dir / "script-copy.txt"

    def save_in_place() -> None:
        script.write_bytes(original)

    def save_atomically() -> None:  # what most editors do
        temp = folder / ".script.txt.swp"
        temp.write_bytes(original)
        os.replace(temp, script)

    def copy_over() -> None:
        elsewhere.write_bytes(original)
        shutil.copyfile(elsewhere, script)

    def move_over() -> None:
        elsewhere.write_bytes(original)
        shutil.move(str(elsewhere), str(script))

    def touch() -> None:
        script.touch()

    for save in (save_in_place, save_atomically, copy_over, move_over, touch, save_in_place):
        time.sleep(0.02)  # a later mtime, as a person saving a few seconds apart gives
        save()
        delivered += 1
        _wait_for_deliveries(stack, delivered)
    assert len(emulator_jobs(stack.emulator)) == 1
    assert _runs(stack) == {first["run_key"]}

    script.write_bytes(original.replace(b"kite.", b"kite!"))  # one byte changed: a new run, as in OSS
    _wait_for_deliveries(stack, delivered + 1)

    def new_run_finished() -> dict[str, Any] | None:
        record = wait_for_state(stack, RESULTS, {"finished"})
        return record if record["run_key"] != first["run_key"] else None

    latest = wait_until(new_run_finished, interval=0.05, what="a new run to finish")
    assert len(emulator_jobs(stack.emulator)) == 2
    assert _runs(stack) == {first["run_key"], latest["run_key"]}


def test_media_saved_again_unchanged_starts_nothing(stack: LocalStack, tmp_path: Path) -> None:
    folder = stack.bucket_dir / BATCH
    folder.mkdir(parents=True)
    (folder / "beach.mp4").write_bytes(VIDEO)
    (folder / "job.json").write_bytes(b'{"SpeechTextArray": ["A red kite."], "Media": ["beach.mp4"]}')
    first = wait_for_state(stack, RESULTS, {"finished"})
    assert stack.watcher is not None
    delivered = stack.watcher.delivered
    copy = tmp_path / "beach.mp4"
    copy.write_bytes(VIDEO)
    shutil.copy2(copy, folder / "beach.mp4")  # the same video uploaded again
    _wait_for_deliveries(stack, delivered + 1)
    assert len(emulator_jobs(stack.emulator)) == 1 and _runs(stack) == {first["run_key"]}
