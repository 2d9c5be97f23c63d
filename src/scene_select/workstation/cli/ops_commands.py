"""``scene-select status``, ``retry`` and ``doctor``: parse, call the use case, print.

The use cases are ``scene_select.cloud.pipeline.status`` and ``.retry`` (run against the deployment's bucket
and ICE, as the functions would) and ``scene_select.workstation.ops.doctor``; the views are
``scene_select.workstation.ops.status_view``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from scene_select.cloud.errors import ConfigError

__all__ = ["add_ops_commands"]

EXIT_OK = 0
EXIT_ERROR = 1
_HTML_LIMIT = 100
_TEXT_LIMIT = 20


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def _deployment(args: argparse.Namespace) -> Any:
    from scene_select.workstation.ops.deployment import open_deployment

    return open_deployment(os.environ, Path(args.stack) if args.stack else None)


# ------------------------------------------------------------------------------------------- status


def _cmd_status(args: argparse.Namespace) -> int:
    from scene_select.cloud.pipeline.status import (
        batch_history,
        list_batches,
        parse_batch_label,
        reindex_batches,
    )
    from scene_select.workstation.ops.status_view import history_lines, list_lines, page_json

    batch = parse_batch_label(args.batch) if args.batch else None  # a malformed name is said before any I/O
    if args.next and args.page:
        raise ConfigError("--page and --next go separately: --next continues from where a page ended")
    deployment = _deployment(args)
    store, layout, now = deployment.store, deployment.layout, time.time()
    if args.reindex:
        written = reindex_batches(store, layout)
        print(f"index rebuilt: {written['runs']} run entr(ies) and {written['errors']} error entr(ies) written")
    if args.html is not None:
        return _write_html(args, deployment, now)
    if batch is not None:
        history = batch_history(store, layout, batch, now=now)
        if args.json:
            _print_json(history.to_json())
        else:
            print("\n".join(history_lines(history)))
        return EXIT_OK
    page = list_batches(
        store, layout, now=now, limit=args.limit or _TEXT_LIMIT, page=args.page or 1, after=args.next or None
    )
    if args.json:
        _print_json(page_json(page, bucket=store.bucket, results_prefix=layout.results_prefix, now=now))
    else:
        print("\n".join(list_lines(page, where=deployment.describe())))
    return EXIT_OK


def _write_html(args: argparse.Namespace, deployment: Any, now: float) -> int:
    """The static page: the list (``--limit`` batches) with each one's history, written into the bucket."""
    from scene_select.cloud.pipeline.status import batch_history, list_batches
    from scene_select.workstation.ops.status_view import page_json, status_page

    store, layout = deployment.store, deployment.layout
    key = args.html or f"{layout.results_prefix}_status/index.html"
    if not key.endswith(".html") or layout.is_inbox_key(key):
        raise ConfigError(f"--html {key!r}: name an .html key outside the inbox, e.g. {layout.results_prefix}_status/")
    page = list_batches(store, layout, now=now, limit=args.limit or _HTML_LIMIT, page=args.page or 1)
    data = page_json(page, bucket=store.bucket, results_prefix=layout.results_prefix, now=now)
    data["histories"] = {}
    for row in page.rows:
        data["histories"][row.batch] = batch_history(store, layout, _ref(row), now=now).to_json()
    html = status_page(data, live=False, link_base="../" * key.count("/"), title=f"scene-select: {store.bucket}")
    store.put(key, html.encode("utf-8"), content_type="text/html; charset=utf-8")
    print(f"status page written to {key} ({len(page.rows)} of {page.total} batches)")
    return EXIT_OK


def _ref(row: Any) -> Any:
    from scene_select.cloud.pipeline.status import parse_batch_label

    return parse_batch_label(row.batch)


# ------------------------------------------------------------------------------------------- retry


def _cmd_retry(args: argparse.Namespace) -> int:
    from scene_select.cloud.pipeline.ports import ClaimPolicy
    from scene_select.cloud.pipeline.retry import retry_batch
    from scene_select.cloud.pipeline.status import parse_batch_label

    batch = parse_batch_label(args.batch)
    if args.stuck_after <= 0:
        raise ConfigError("--stuck-after must be a positive number of hours")
    deployment = _deployment(args)
    holder = f"scene-select retry (pid {os.getpid()})"
    try:
        outcome = retry_batch(
            batch,
            deployment.deps(),
            ClaimPolicy.from_settings(deployment.settings, holder),
            force=args.force,
            reason=args.reason,
            stuck_after_seconds=args.stuck_after * 3600,
        )
    finally:
        deployment.close()
    if args.json:
        _print_json(outcome.to_json())
    else:
        who = "" if outcome.first else " (another retry had claimed it first; this one made sure it exists)"
        print(
            f"{outcome.batch}: run {outcome.previous_run} ({outcome.previous_state}) → run {outcome.run_key}, "
            f"retry {outcome.generation}{who}"
        )
        job = f", ICE job {outcome.job_id}" if outcome.job_id else ""
        print(f"  {outcome.kind}{job}: {outcome.detail}".rstrip(": "))
        print(f"Follow it with: scene-select status {outcome.batch}" + (f" --stack {args.stack}" if args.stack else ""))
    return EXIT_ERROR if outcome.kind == "failed" else EXIT_OK


# ------------------------------------------------------------------------------------------- doctor


def _cmd_doctor(args: argparse.Namespace) -> int:
    from scene_select.workstation.ops.doctor import run_doctor

    report = run_doctor(
        os.environ,
        stack_dir=Path(args.stack) if args.stack else None,
        s_yaml=Path(args.s_yaml) if args.s_yaml else None,
        timeout=args.timeout,
    )
    if args.json:
        _print_json(report.to_json())
    else:
        print("\n".join(report.lines()))
    return EXIT_OK if report.ok else EXIT_ERROR


# ------------------------------------------------------------------------------------------- parsers


def _stack_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stack", metavar="STATE_DIR", help="a running `local up` stack's bucket and ICE (default: the real ones)"
    )


def add_ops_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    status = sub.add_parser(
        "status",
        help="every batch with its state, or one batch's whole history",
        description="Without BATCH: every batch, newest first, paged. With BATCH (smart-mix/<batch> or "
        "highlights/<video path>): its runs, steps, ICE job ids, refused uploads and files. Reads the bucket the "
        "functions use (SCENE_SELECT_* settings and ALIBABA_CLOUD_* credentials), or a local stack's (--stack).",
    )
    status.add_argument("batch", nargs="?", metavar="BATCH", help="smart-mix/<batch> or highlights/<video path>")
    _stack_option(status)
    status.add_argument("--json", action="store_true", help="print JSON for programs")
    status.add_argument("--limit", type=int, metavar="N", help=f"batches per page (default {_TEXT_LIMIT})")
    status.add_argument("--page", type=int, metavar="N", help="which page (from 1)")
    status.add_argument("--next", metavar="TOKEN", help="the page after the one that printed TOKEN")
    status.add_argument(
        "--html",
        nargs="?",
        const="",
        metavar="KEY",
        help="write the status page into the bucket instead (default KEY: results/_status/index.html)",
    )
    status.add_argument(
        "--reindex", action="store_true", help="first write the index entries batches from before the index lack"
    )
    status.set_defaults(func=_cmd_status)

    retry = sub.add_parser(
        "retry",
        help="start a new run of a failed (or stuck) batch, exactly once",
        description="Runs the batch's newest run again, with the same files and configs, as a new run. Refused "
        "for a finished or running batch unless --force; two retries at once make one run.",
    )
    retry.add_argument("batch", metavar="BATCH", help="smart-mix/<batch> or highlights/<video path>")
    _stack_option(retry)
    retry.add_argument("--force", action="store_true", help="also retry a finished or running batch")
    retry.add_argument("--reason", metavar="TEXT", help="why (kept in the batch's history)")
    retry.add_argument(
        "--stuck-after",
        type=float,
        default=6.0,
        metavar="HOURS",
        help="a running batch without progress for this long counts as stuck and may be retried (default 6)",
    )
    retry.add_argument("--json", action="store_true", help="print JSON for programs")
    retry.set_defaults(func=_cmd_retry)

    doctor = sub.add_parser(
        "doctor",
        help="check a deployment before its first batch: each check ok, or what to do",
        description="Credentials and region, the bucket, the prefixes, ICE, the callback URL and AuthKey, and "
        "s.yaml's triggers. Exits 1 when any check fails.",
    )
    _stack_option(doctor)
    doctor.add_argument("--s-yaml", metavar="PATH", help="the s.yaml to compare (default: ./s.yaml, the checkout's)")
    doctor.add_argument("--timeout", type=float, default=5.0, metavar="S", help="per network probe (default 5)")
    doctor.add_argument("--json", action="store_true", help="print JSON for programs")
    doctor.set_defaults(func=_cmd_doctor)
