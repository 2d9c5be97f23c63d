"""The submit function's use case: every record of an OSS event, to at most one job per run.

Each record is handled on its own and the outcome of each is reported. Permanent problems (a hostile
key, a stray file, a malformed manifest, an over-limit batch, a config ICE would refuse) become an
error record in results/ and are not retried. Transient failures are raised after every record had
its turn, so FC retries the event; the records already done are idempotent on the retry.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass, field

from scene_select.cloud.config import Settings
from scene_select.cloud.errors import (
    BatchError,
    ClaimHeldError,
    ObjectKeyError,
    PermanentError,
    RetryableError,
    SubmitOutcomeUnknownError,
)
from scene_select.cloud.models.oss_event import OssEventRecord, parse_oss_event
from scene_select.cloud.pipeline.batch_index import write_error_entry, write_waiting_entry
from scene_select.cloud.pipeline.layout import InboxObject, Role
from scene_select.cloud.pipeline.plan import NotReady, plan_upload
from scene_select.cloud.pipeline.ports import ClaimPolicy, PipelineDeps
from scene_select.cloud.pipeline.records import iso_time
from scene_select.cloud.pipeline.submit import submit_run

__all__ = ["ACCEPTED_EVENTS", "IngestReport", "RecordOutcome", "handle_upload_event"]

log = logging.getLogger(__name__)

ACCEPTED_EVENTS = frozenset(
    {
        "ObjectCreated:PutObject",
        "ObjectCreated:PostObject",
        "ObjectCreated:CompleteMultipartUpload",
        "ObjectCreated:CopyObject",
    }
)


@dataclass(frozen=True)
class RecordOutcome:
    key: str
    outcome: (
        str  # submitted | adopted | duplicate | in-progress | outcome-unknown | waiting | ignored | rejected | failed
    )
    detail: str = ""
    job_id: str | None = None
    batch: str | None = None  # the batch's label, when the key maps to one
    run: str | None = None  # the run key, when a run was planned
    step: str | None = None  # the step the record started (selection; timeline for an approval)


@dataclass
class IngestReport:
    outcomes: list[RecordOutcome] = field(default_factory=list)

    def summary(self) -> str:
        return "; ".join(f"{o.key}: {o.outcome}{' — ' + o.detail if o.detail else ''}" for o in self.outcomes)


def handle_upload_event(event: bytes | str, deps: PipelineDeps, *, settings: Settings, holder: str) -> IngestReport:
    """Decode an OSS-trigger event and act on each record. EventError if the event itself is malformed.

    ``holder`` names this invocation in the claims it takes (FC's request id).
    """
    claim = ClaimPolicy.from_settings(settings, holder)
    report = IngestReport()
    retry: RetryableError | None = None
    for record in parse_oss_event(event):
        try:
            outcome = _handle_record(record, deps, settings, claim)
        except RetryableError as exc:
            log.warning("%r: transient failure, FC will retry the event: %s", record.key, exc)
            retry = retry or exc
            outcome = RecordOutcome(record.key, "retry", str(exc))
        report.outcomes.append(outcome)
        log.info("%r: %s %s", outcome.key, outcome.outcome, outcome.detail)  # repr: a key may hold control chars
    if retry is not None:
        raise retry
    return report


def _handle_record(record: OssEventRecord, deps: PipelineDeps, settings: Settings, claim: ClaimPolicy) -> RecordOutcome:
    key, store, layout = record.key, deps.store, deps.layout
    if record.event_name not in ACCEPTED_EVENTS:
        return RecordOutcome(key, "ignored", f"event {record.event_name} does not finish an upload")
    if record.bucket != store.bucket:
        return RecordOutcome(key, "ignored", f"bucket {record.bucket!r} is not the configured {store.bucket!r}")
    if not layout.is_inbox_key(key):
        return RecordOutcome(key, "ignored", f"outside {layout.inbox_prefix}: never a job (no loops)")
    upload: InboxObject | None = None
    try:
        upload = layout.classify(key)
        if upload is None:
            return RecordOutcome(key, "ignored", "folder placeholder")
        if upload.role is Role.UNSUPPORTED:
            raise BatchError(upload.problem or f"{key!r} is not a supported file")
        if upload.role is Role.APPROVAL:
            return _approve(upload, deps, settings, claim)
        planned = plan_upload(upload, store, settings, layout)
        if isinstance(planned, NotReady):
            write_waiting_entry(store, layout, planned.batch, key=key, reason=planned.reason, at=iso_time(deps.clock()))
            return RecordOutcome(key, "waiting", planned.reason, batch=planned.batch.label)
        outcomes = []
        for plan in planned:
            label, run = plan.batch.label, plan.run_key
            try:
                result = submit_run(plan, deps, claim)
                detail = f"{label} {result.detail}"
                outcomes.append(RecordOutcome(key, result.kind, detail, result.job_id, label, run, "selection"))
            except ClaimHeldError as exc:
                outcomes.append(RecordOutcome(key, "in-progress", str(exc), batch=label, run=run))
            except SubmitOutcomeUnknownError as exc:
                detail = f"{exc}; the reconciler will finish it"
                outcomes.append(RecordOutcome(key, "outcome-unknown", detail, batch=label, run=run))
        return outcomes[0] if len(outcomes) == 1 else _combine(key, outcomes)
    except PermanentError as exc:
        _write_error_record(deps, upload=upload, key=key, exc=exc)
        return RecordOutcome(key, "rejected", str(exc), batch=upload.batch.label if upload else None)


def _approve(upload: InboxObject, deps: PipelineDeps, settings: Settings, claim: ClaimPolicy) -> RecordOutcome:
    """A person's approval of a review batch (approval.py); the file is read as a manifest is, size-capped."""
    from scene_select.cloud.pipeline.approval import handle_approval

    info = deps.store.head(upload.key)
    if info is None:
        return RecordOutcome(upload.key, "ignored", "the approval is gone again (deleted before it was read)")
    if info.size > settings.max_manifest_bytes:
        raise BatchError(f"{upload.key}: the approval is {info.size} bytes, at most {settings.max_manifest_bytes}")
    try:
        outcome = handle_approval(upload, info, deps.store.get(upload.key), deps, claim)
    except ClaimHeldError as exc:
        return RecordOutcome(upload.key, "in-progress", str(exc))
    except SubmitOutcomeUnknownError as exc:
        return RecordOutcome(upload.key, "outcome-unknown", f"{exc}; the reconciler will finish it")
    label = upload.batch.label
    return RecordOutcome(upload.key, outcome.kind, outcome.detail, None, label, outcome.run_key, "timeline")


def _combine(key: str, outcomes: list[RecordOutcome]) -> RecordOutcome:
    first = outcomes[0]
    detail = " | ".join(o.detail for o in outcomes)
    return RecordOutcome(key, first.outcome, detail, first.job_id, first.batch, first.run, first.step)


def _write_error_record(deps: PipelineDeps, *, upload: InboxObject | None, key: str, exc: PermanentError) -> None:
    """Say what was wrong next to the batch (or under _rejected/ when the key maps to no batch, or
    when the store cannot hold a key under the batch's folder — a name too long for a directory, or
    one the local store reserves: the record must be written, whatever the upload was called)."""
    document = {
        "key": key,
        "error": type(exc).__name__,
        "message": str(exc),
        "at": iso_time(deps.clock()),
        "retried": False,
        "whatToDo": "fix the file or the manifest and upload it again; nothing was submitted for it",
    }
    data = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    if upload is not None:
        record_key = deps.layout.error_key(upload.batch, key)
        try:
            deps.store.put(record_key, data, content_type="application/json")
        except ObjectKeyError as unstorable:
            log.warning(
                "error record for %r cannot go next to its batch (%s); it goes under _rejected/", key, unstorable
            )
        else:
            with contextlib.suppress(ObjectKeyError):  # the batch's name may be unstorable in the index too
                write_error_entry(deps.store, deps.layout, upload.batch, record_key=record_key, document=document)
            return
    deps.store.put(deps.layout.rejected_key(key), data, content_type="application/json")
