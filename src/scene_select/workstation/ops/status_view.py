"""How batches are shown: text for people, the JSON programs read, and the HTML page (the dashboard's, and
the static one ``scene-select status --html`` writes into the bucket). The data comes from the status use
case (``scene_select.cloud.pipeline.status``); nothing here reads the bucket."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from importlib import resources
from typing import Any

from scene_select.cloud.pipeline.status import BatchHistory, BatchPage, BatchRow

__all__ = ["age_text", "history_lines", "list_lines", "page_json", "status_page"]


def age_text(seconds: float | None) -> str:
    """``42 s``, ``3 min``, ``5 h``, ``2 d``; ``-`` when unknown."""
    if seconds is None:
        return "-"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} d"


def _cut(text: str | None, width: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def list_lines(page: BatchPage, *, where: str) -> list[str]:
    """The list view: one line per batch, newest news first, and how to see the next page."""
    if not page.rows:
        if page.total:
            return [f"{where}: no batch on this page ({page.total} in all)"]
        return [f"{where}: no batch yet (upload one under inbox/smart-mix/<batch>/ or inbox/highlights/)"]
    shown = f"page {page.page}" if page.page else "continued"
    lines = [f"{where}: {page.total} batch(es), newest first ({shown}, {len(page.rows)} shown)", ""]
    width = max(len("BATCH"), *(len(row.batch) for row in page.rows))
    lines.append(f"{'BATCH':<{width}}  {'STATE':<18}  {'AGE':>6}  {'STEP':<9}  {'JOB ID':<32}  DETAIL")
    for row in page.rows:
        detail = row.detail or ""
        if row.error and row.state != "rejected":
            detail = (detail + "; " if detail else "") + f"newer refused upload: {row.error.get('message')}"
        lines.append(
            f"{row.batch:<{width}}  {row.state:<18}  {age_text(row.age_seconds):>6}  {row.step or '-':<9}  "
            f"{row.job_id or '-':<32}  {_cut(detail, 90)}"
        )
    if page.next:
        lines += ["", f"More: scene-select status --next {page.next}"]
    return lines


def history_lines(history: BatchHistory) -> list[str]:
    """One batch: where it stands and what to do, every run with its steps, the error records, the files."""
    row = history.row
    since = f", since {row.since} ({age_text(row.age_seconds)} ago)" if row.since else ""
    lines = [f"{history.batch} — {row.state} ({row.words}){since}"]
    if row.detail:
        lines.append(f"  {row.detail}")
    if row.what_to_do:
        lines.append(f"  what to do: {row.what_to_do}")
    lines.append(f"  results: {history.results_dir}")
    if history.files:
        lines.append("  latest files: " + ", ".join(f["name"] for f in history.files))
    lines += ["", f"Runs ({len(history.runs)}, newest first):" if history.runs else "Runs: none yet"]
    for run in history.runs:
        mark = "  [newest]" if run.newest else ""
        lines.append(f"  run {run.run_key}{mark}: {run.state} ({run.words}), step {run.step or 'selection'}")
        times = [
            f"{n} {v}"
            for n, v in (("claimed", run.claimed_at), ("submitted", run.submitted_at), ("completed", run.completed_at))
            if v
        ]
        if times:
            lines.append("      " + ", ".join(times))
        if run.retry:
            lines.append(
                f"      retry {run.retry.get('generation')} of run {run.retry.get('of')} at {run.retry.get('at')}: "
                f"{run.retry.get('reason')}"
            )
        for step in run.steps:
            parts = [f"step {step.get('step')}: {step.get('state')}"]
            parts += [
                f"{label} {step[k]}"
                for k, label in (("jobId", "ICE job"), ("submittedAt", "submitted"), ("completedAt", "completed"))
                if step.get(k)
            ]
            lines.append("      " + ", ".join(parts))
            if isinstance(step.get("error"), dict):
                lines.append(f"        error {step['error'].get('code')}: {step['error'].get('message')}")
        if run.error:
            lines.append(f"      error {run.error.get('code')}: {run.error.get('message')}")
        if run.note:
            lines.append(f"      note: {run.note}")
        for warning in run.warnings:
            lines.append(f"      warning: {warning}")
        if run.markers:
            lines.append("      markers: " + ", ".join(run.markers))
        if run.files:
            lines.append("      files: " + ", ".join(f["name"] for f in run.files))
        if run.retried_as:
            lines.append(
                f"      retried as run {run.retried_as.get('run')} at {run.retried_as.get('at')} "
                f"({run.retried_as.get('reason')})"
            )
    if history.errors:
        lines += ["", f"Refused uploads ({history.errors_total}, newest first):"]
        for error in history.errors:
            lines.append(f"  {error.get('at')}  {error.get('key')}: {error.get('error')}: {error.get('message')}")
            if error.get("whatToDo"):
                lines.append(f"      what to do: {error['whatToDo']}")
        if history.errors_total > len(history.errors):
            lines.append(f"  … and {history.errors_total - len(history.errors)} older, in {history.results_dir}errors/")
    return lines


def _row_json(row: BatchRow, results_prefix: str) -> dict[str, Any]:
    return {**row.to_json(), "resultsDir": f"{results_prefix}{row.type}/{row.batch.split('/', 1)[1]}/"}


def page_json(page: BatchPage, *, bucket: str, results_prefix: str, now: float) -> dict[str, Any]:
    """The list as programs (and the page) read it."""
    data = page.to_json()
    data["batches"] = [_row_json(row, results_prefix) for row in page.rows]
    return {"bucket": bucket, "generated": _iso(now), **data}


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_page(
    data: dict[str, Any],
    *,
    live: bool,
    link_base: str,
    title: str = "scene-select batches",
    options: dict[str, Any] | None = None,
) -> str:
    """The HTML page: self-contained (no external asset), rendered in the browser from ``data``.

    ``live``: the dashboard (polls ``api/status`` and ``api/batch``, shows the upload form); otherwise the
    static page ``status --html`` writes, with every batch's history in ``data["histories"]``.
    ``link_base`` is prefixed to bucket keys to link results (``/bucket/`` live, ``../../`` from
    ``results/_status/index.html``).
    """
    template = resources.files("scene_select.workstation.ops").joinpath("status_page.html").read_text("utf-8")
    config = {"live": live, "linkBase": link_base, "title": title, **(options or {})}
    embedded = json.dumps({"config": config, "data": data}, ensure_ascii=False).replace("</", "<\\/")
    return template.replace("__TITLE__", _html_escape(title)).replace("__DATA__", embedded)


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
