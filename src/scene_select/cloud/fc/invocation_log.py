"""One JSON line at the end of every function invocation, for Simple Log Service to index.

FC's Python runtime passes what a function prints to stdout to the Logstore as it is (lines written through
``logging`` get a ``<time> <request id> [LEVEL]`` prefix), so the line is printed raw: a log whose whole
content is one JSON object, whose fields SLS indexes (docs/troubleshooting.md#structured-logs). The
human-readable lines the functions log stay as they are; this is one more line, written last:

    {"function": "submit", "requestId": "1-6655…", "outcome": "submitted", "durationMs": 182.4,
     "batch": "smart-mix/seaside", "run": "4d917625205d73405d81", "step": "selection",
     "jobId": "6e654695edf842c68892642b83c667f0", "key": "inbox/smart-mix/seaside/script.txt", "records": 1}

``outcome`` is what the invocation did: for submit the record's outcome (submitted, waiting, rejected,
failed, …; the most serious one when an event has several records), for the callback the step's new
state (finished, failed), ``duplicate``, ``refused``, ``not-ours`` or ``not-ready``, for reconcile
``ok``, ``errors`` or ``failed`` (a run it finished failed); ``error`` when the function raised (FC
retries), with the exception's class and message. Only these named fields are ever written — ids,
labels, keys, outcomes and the pipeline's own messages, which never carry a credential or the callback
AuthKey (tests/functional/reliability/test_secrets.py and test_invocation_log.py check both).

The local stack sets ``SCENE_SELECT_INVOCATION_LOG`` to a file, so that its lines gather there (its
``logs/invocations.jsonl``) instead of interleaving with the terminal's output; FC never sets it.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from scene_select.cloud.config import ENV_INVOCATION_LOG

__all__ = ["InvocationLine", "invocation_line"]

_MAX_TEXT = 500
_FIELDS = (
    "function",
    "requestId",
    "outcome",
    "durationMs",
    "batch",
    "run",
    "step",
    "jobId",
    "key",
    "status",
    "records",
    "items",
    "examined",
    "outcomes",
    "failedRuns",
    "detail",
    "error",
)
# The outcome an event of several records is summed up by: the most serious one.
_SERIOUSNESS = (
    "retry",
    "failed",
    "rejected",
    "outcome-unknown",
    "deferred",
    "in-progress",
    "submitted",
    "adopted",
    "approved",
    "waiting",
    "duplicate",
    "ignored",
)


class InvocationLine:
    """The fields of one invocation's line; a handler sets what it learns, the line is written at the end."""

    def __init__(self, function: str, request_id: str) -> None:
        self.fields: dict[str, Any] = {"function": function, "requestId": request_id, "outcome": "unknown"}

    def update(self, **fields: Any) -> None:
        self.fields.update({k: v for k, v in fields.items() if v is not None})

    def records(self, outcomes: list[Any]) -> None:
        """The submit function's outcomes (``RecordOutcome``): the most serious one, and all of them."""
        if not outcomes:
            self.update(outcome="ignored", records=0)
            return
        rank = {name: number for number, name in enumerate(_SERIOUSNESS)}
        first = min(outcomes, key=lambda o: rank.get(o.outcome, len(rank)))
        self.update(
            outcome=first.outcome,
            batch=first.batch,
            run=first.run,
            step=first.step,
            jobId=first.job_id,
            key=first.key,
            detail=first.detail,
            records=len(outcomes),
        )
        if len(outcomes) > 1:
            self.update(
                items=[
                    {k: v for k, v in (("batch", o.batch), ("run", o.run), ("outcome", o.outcome)) if v is not None}
                    for o in outcomes
                ]
            )

    def text(self, duration_ms: float) -> str:
        line = dict(self.fields, durationMs=round(duration_ms, 1))
        for name in ("detail", "error"):
            if isinstance(line.get(name), str):
                text = line[name].strip()
                line[name] = text[:_MAX_TEXT] + "…" if len(text) > _MAX_TEXT else text
                if not line[name]:
                    del line[name]
        return json.dumps({k: line[k] for k in _FIELDS if k in line}, ensure_ascii=False, separators=(",", ":"))


@contextmanager
def invocation_line(function: str, request_id: str, environ: Mapping[str, str]) -> Iterator[InvocationLine]:
    """Time the invocation and write its line when it ends, also when the handler raises."""
    started = time.perf_counter()
    line = InvocationLine(function, request_id)
    try:
        yield line
    except BaseException as exc:
        line.update(outcome="error", error=f"{type(exc).__name__}: {exc}")
        raise
    finally:
        _write(line.text((time.perf_counter() - started) * 1000), environ.get(ENV_INVOCATION_LOG))


def _write(text: str, path: str | None) -> None:
    if path:
        try:
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(text + "\n")
            return
        except OSError:
            pass  # the line is not lost: it goes to stdout as in FC
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
