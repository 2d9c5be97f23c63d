"""A finished selection's editor timelines: OpenTimelineIO, FCP XML, FCPXML and EDL next to selection.json.

complete.py puts the run in the exports index (``results/_index/exports/``) when its selection is
written; the follow-up (advance.py) calls :func:`export_pending`, which writes the files, records what
was written and what could not be (``timelines.json``), mirrors them next to the batch's own
selection.json when the run is the batch's newest, and leaves the index. Writing them is never part of
the callback's answer to ICE: importing OpenTimelineIO alone costs more than the callback may spend.
A format that cannot hold a timeline is reported in timelines.json; the others are still written.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from scene_select.cloud.errors import ObjectNotFoundError
from scene_select.cloud.pipeline.ports import PipelineDeps
from scene_select.cloud.pipeline.records import RunIndexEntry, RunStore, iso_time

__all__ = ["EDITOR_TIMELINES_FILE", "export_pending"]

log = logging.getLogger(__name__)

EDITOR_TIMELINES_FILE = "timelines.json"
"""What the export wrote (file, format, output) and what it could not write, with the reason."""

_CONTENT_TYPES = {
    ".otio": "application/json",
    ".xml": "application/xml",
    ".fcpxml": "application/xml",
    ".edl": "text/plain; charset=utf-8",
}


def export_pending(entry: RunIndexEntry, deps: PipelineDeps) -> bool:
    """Write the run's editor timelines if it is in the exports index; True when they were written now."""
    index_key = deps.layout.exports_key(entry.run_key)
    if deps.store.head(index_key) is None:
        return False
    runs = RunStore.of(deps, entry.batch, entry.run_key)
    try:
        selection = json.loads(deps.store.get(runs.run_dir + "selection.json"))
    except (ObjectNotFoundError, ValueError):
        deps.store.delete(index_key)  # nothing to export (the selection step failed or was never written)
        return False
    files, report = _export(selection, deps)
    for name, data in files.items():
        deps.store.put(runs.run_dir + name, data, content_type=_content_type(name))
    report = {"runKey": entry.run_key, "at": iso_time(deps.clock()), **report}
    encoded = json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8")
    deps.store.put(runs.run_dir + EDITOR_TIMELINES_FILE, encoded, content_type="application/json")
    record = runs.read_record()
    if record is not None and runs.is_latest_run(record):
        latest_dir = runs.layout.results_dir(entry.batch)
        for name, data in {**files, EDITOR_TIMELINES_FILE: encoded}.items():
            deps.store.put(latest_dir + name, data, content_type=_content_type(name))
    if record is not None:
        results = dict(record.results or {})
        results.update({name: runs.run_dir + name for name in files})
        runs.publish(record.model_copy(update={"results": results}))
    deps.store.delete(index_key)
    log.info("run %s: editor timelines %s", entry.run_key, ", ".join(sorted(files)) or "none written")
    return True


def _export(selection: dict[str, Any], deps: PipelineDeps) -> tuple[dict[str, bytes], dict[str, Any]]:
    """The files and the report; an export that fails as a whole is reported, never raised: editor files
    are a convenience next to the results, not a reason to fail a run."""
    try:
        from scene_select.cloud.timelines import export_selection, store_media_info

        export = export_selection(selection, store_media_info(deps.store))
    except Exception as exc:
        log.exception("editor timelines could not be written")
        return {}, {"written": [], "failed": [{"reason": f"{type(exc).__name__}: {exc}"}], "warnings": []}
    return dict(export.files), dict(export.report)


def _content_type(name: str) -> str:
    for suffix, content_type in _CONTENT_TYPES.items():
        if name.endswith(suffix):
            return content_type
    return "application/json"
