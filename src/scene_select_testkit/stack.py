"""A running local stack for pipeline tests and benchmarks, and helpers to wait on what it writes.

The stack is the real one (emulator over HTTP with ACS3 signatures, handlers through the FC shim, the
bucket directory store). Pipeline tests run it with :func:`quick_runner`, a deterministic selection instead
of the engine, so that what they check — exactly-once jobs, records, callbacks — does not wait on video
analysis; the end-to-end tests pass ``runner=None`` to run the real engine.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from scene_select.cloud.ice.callback_auth import callback_signature
from scene_select.cloud.models.job_config import HighlightsInputConfig, SelectionJobRequest
from scene_select.workstation.local.emulator import Runner
from scene_select.workstation.local.stack import LocalStack, StackOptions
from scene_select_testkit.ice import deterministic_clip, highlights_result
from scene_select_testkit.waiting import wait_until

__all__ = ["callback_headers", "placeholder_video", "quick_runner", "start_stack", "wait_for_state"]


def quick_runner(request: SelectionJobRequest) -> dict[str, Any]:
    """Deterministic ICE-shaped results: per output (OutputConfig.Count), one 2 s clip per sentence of the
    output's script (output k reads script k mod their number), from the media in turn (a highlights job
    gets one highlight of its first media)."""
    media = request.input_config.media_array
    if isinstance(request.input_config, HighlightsInputConfig):
        return highlights_result(media)
    scripts = request.input_config.scripts()
    outputs = []
    for index in range(request.output_config.count):
        script = scripts[index % len(scripts)]
        sentences = [
            {
                "text": text,
                "textId": str(i),
                "duration": 2.0,
                "matchClipList": [deterministic_clip(media[(i + index) % len(media)], 0.0)],
            }
            for i, text in enumerate(script.replace("。", "。\n").split("\n"))
            if text.strip()
        ]
        outputs.append({"textMatchMediaSentenceOutputList": sentences, "scriptIndex": index % len(scripts)})
    return {"textMatchMediaOutputList": outputs}


def start_stack(state_dir: Path, runner: Runner | None = quick_runner, **options: Any) -> LocalStack:
    """Start a local stack in ``state_dir`` (``options`` are StackOptions fields). Reconcile runs only when a
    test calls ``reconcile_now()``, and the watcher polls the bucket directory every 50 ms. With the quick
    runner the media are placeholders, so rendering is the placeholder renderer too (a real, playable MP4 of
    the right size and length, in one colour); ``runner=None`` runs the real engine and renderer."""
    options.setdefault("reconcile_interval_seconds", 3600.0)
    options.setdefault("watch_interval_seconds", 0.05)
    if runner is quick_runner:
        from scene_select.workstation.render.placeholder import placeholder_renderer

        options.setdefault("renderer", placeholder_renderer())
    return LocalStack(StackOptions(state_dir=state_dir, **options), runner=runner).start()


def wait_for_state(
    stack: LocalStack, results_dir: str, states: set[str], timeout: float | None = None
) -> dict[str, Any]:
    """Poll a batch's record (``<results_dir>job.json``, its latest run's RunRecord) until its state is one of
    ``states``; returns it."""
    key = results_dir + "job.json"
    last: dict[str, Any] = {}

    def reached() -> dict[str, Any] | None:
        if stack.store.head(key) is None:
            return None
        last.clear()
        last.update(json.loads(stack.store.get(key)))
        return dict(last) if last["state"] in states else None

    return wait_until(reached, timeout=timeout, interval=0.05, what=lambda: f"{key} to reach {states}; last: {last}")


def placeholder_video(fill: str = "v", size: int = 64) -> bytes:
    """Bytes that start like an MP4 file, ``size`` of ``fill`` after the header (vary ``fill`` for distinct
    files). The quick runner never decodes media and the batch planner only checks a size above 0, so
    pipeline tests need no real video."""
    return b"\x00\x00\x00\x18ftypmp42" + fill.encode("utf-8") * size


def callback_headers(
    stack: LocalStack, *, timestamp: int | None = None, url: str | None = None, auth_key: str | None = None
) -> dict[str, str]:
    """``x-ice-timestamp`` and ``x-ice-signature`` as ICE sends them to the stack's callback URL: signed now
    (or at ``timestamp``) with the stack's auth key; ``url`` and ``auth_key`` forge a signature for another."""
    signed_at = str(int(time.time()) if timestamp is None else timestamp)
    signature = callback_signature(url or stack.callback_url, signed_at, auth_key or stack.auth_key)
    return {"x-ice-timestamp": signed_at, "x-ice-signature": signature}
