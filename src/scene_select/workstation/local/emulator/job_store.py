"""The emulator's jobs and editing projects, kept in sqlite so that they survive a restart like ICE's do.

One file, ``jobs.sqlite`` in the state directory. Besides what GetBatchMediaProducingJob returns (the
configs, ExtendInput, ExtendOutput, SubJobList), each job row records what happened to its completion
callback (state, attempts, a short log) so tests and people can see a dropped callback instead of
guessing. The editing projects that timeline organisation makes live in their own table, with their
timelines, for GetEditingProject and batch editing. Seen request nonces live here too: a replayed request
is refused even across a restart.

A state directory written before a column existed is brought up to date when it is opened (the column is
added, empty).

Times are ICE's: ISO 8601 UTC to the second, ``yyyy-MM-ddTHH:mm:ssZ``. Job ids are 32 lowercase hex.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

__all__ = [
    "CALLBACK_STATES",
    "TERMINAL_STATUSES",
    "EditingProjectRow",
    "JobFilter",
    "JobRow",
    "JobStore",
    "format_time",
    "parse_time",
    "utc_now",
]

TERMINAL_STATUSES = ("Finished", "Failed")
CALLBACK_STATES = (
    "none",  # no NotifyAddress in UserData
    "pending",  # due or being retried
    "delivered",  # a 200 came back within the timeout
    "dropped",  # every attempt failed, or a fault dropped it; ICE drops it too
    "not-delivered-locally",  # an ice-callback* MNS queue: there is no MNS here
)
_MAX_LOG_ENTRIES = 50
_ADDED_COLUMNS = {"extend_input": "TEXT", "sub_job_list": "TEXT NOT NULL DEFAULT '[]'"}
"""Columns added after the first release, with their definitions: added to an older jobs.sqlite on open."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL UNIQUE,
    job_type TEXT NOT NULL,
    status TEXT NOT NULL,
    input_config TEXT NOT NULL,
    editing_config TEXT,
    output_config TEXT NOT NULL,
    user_data TEXT,
    extend TEXT,
    extend_output TEXT,
    create_time TEXT NOT NULL,
    modified_time TEXT NOT NULL,
    complete_time TEXT,
    callback_state TEXT NOT NULL,
    callback_attempts INTEGER NOT NULL DEFAULT 0,
    callback_log TEXT NOT NULL DEFAULT '[]',
    extend_input TEXT,
    sub_job_list TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status);
CREATE TABLE IF NOT EXISTS editing_projects (
    project_id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL,
    output_index INTEGER NOT NULL,
    title TEXT NOT NULL,
    timeline TEXT NOT NULL,
    status TEXT NOT NULL,
    duration REAL,
    create_time TEXT NOT NULL,
    modified_time TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS nonces (
    access_key_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    seen_at REAL NOT NULL,
    PRIMARY KEY (access_key_id, nonce)
);
"""


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def format_time(moment: datetime) -> str:
    """ICE's time format: ``2024-01-09T08:37:24Z``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 time as clients send it (``Z`` or an offset; naive means UTC). ValueError if not."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


@dataclass(frozen=True)
class JobRow:
    """One job as stored."""

    seq: int
    job_id: str
    job_type: str
    status: str
    input_config: str
    editing_config: str | None
    output_config: str
    user_data: str | None
    extend: str | None
    extend_output: str | None
    create_time: str
    modified_time: str
    complete_time: str | None
    callback_state: str
    callback_attempts: int
    callback_log: list[dict[str, Any]]
    extend_input: str | None = None
    sub_job_list: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    def inspection(self) -> dict[str, Any]:
        """Everything about the job, for ``GET /_emulator/jobs``."""
        return {
            "JobId": self.job_id,
            "JobType": self.job_type,
            "Status": self.status,
            "UserData": self.user_data,
            "Extend": self.extend,
            "HasExtendOutput": self.extend_output is not None,
            "SubJobList": self.sub_job_list,
            "CreateTime": self.create_time,
            "ModifiedTime": self.modified_time,
            "CompleteTime": self.complete_time,
            "Callback": {"State": self.callback_state, "Attempts": self.callback_attempts, "Log": self.callback_log},
        }


@dataclass(frozen=True)
class EditingProjectRow:
    """An editing project made by timeline organisation: its timeline (ICE Timeline JSON, a string) and
    where it stands (``Draft`` until batch editing renders it: ``Producing``, then ``Produced`` or
    ``ProduceFailed``, GetEditingProject's documented statuses)."""

    project_id: str
    job_id: str
    output_index: int
    title: str
    timeline: str
    status: str
    duration: float | None
    create_time: str
    modified_time: str


@dataclass(frozen=True)
class JobFilter:
    """ListBatchMediaProducingJobs' filters; times compare against CreateTime (inclusive)."""

    status: str | None = None
    job_type: str | None = None
    job_id: str | None = None
    start_time: str | None = None
    end_time: str | None = None
    descending: bool = True


class JobStore:
    """Thread-safe access to ``jobs.sqlite``; one connection guarded by a lock (writes are tiny)."""

    def __init__(self, path: Path, *, clock: Callable[[], datetime] = utc_now) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        present = {row["name"] for row in self._db.execute("PRAGMA table_info(jobs)").fetchall()}
        for name, definition in _ADDED_COLUMNS.items():
            if name not in present:
                self._db.execute(f"ALTER TABLE jobs ADD COLUMN {name} {definition}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ---- jobs -----------------------------------------------------------------------------------------------

    def create(
        self,
        *,
        job_type: str,
        input_config: str,
        output_config: str,
        editing_config: str | None,
        user_data: str | None,
        callback_state: str,
        extend_input: str | None = None,
    ) -> JobRow:
        """Insert a new job in status Init and return it (``input_config`` "" for a job that has none)."""
        job_id = uuid.uuid4().hex
        now = format_time(self._clock())
        with self._lock:
            self._db.execute(
                "INSERT INTO jobs (job_id, job_type, status, input_config, editing_config, output_config, user_data,"
                " create_time, modified_time, callback_state, extend_input)"
                " VALUES (?, ?, 'Init', ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    job_id,
                    job_type,
                    input_config,
                    editing_config,
                    output_config,
                    user_data,
                    now,
                    now,
                    callback_state,
                    extend_input,
                ),
            )
        row = self.get(job_id)
        assert row is not None
        return row

    def get(self, job_id: str) -> JobRow | None:
        with self._lock:
            found = self._db.execute("SELECT * FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
        return _to_row(found) if found is not None else None

    def mark_processing(self, job_id: str) -> None:
        self._set_status(job_id, "Processing", complete=False)

    def finish(
        self, job_id: str, extend_output: str | None = None, *, sub_jobs: list[dict[str, Any]] | None = None
    ) -> None:
        """Finished, with the selection (ExtendOutput) or the per-output results (SubJobList)."""
        self._set_status(job_id, "Finished", complete=True, extend_output=extend_output, sub_jobs=sub_jobs)

    def fail(
        self, job_id: str, error_code: str, error_message: str, *, sub_jobs: list[dict[str, Any]] | None = None
    ) -> None:
        extend = json.dumps({"ErrorCode": error_code, "ErrorMessage": error_message}, ensure_ascii=False)
        self._set_status(job_id, "Failed", complete=True, extend=extend, sub_jobs=sub_jobs)

    def _set_status(
        self,
        job_id: str,
        status: str,
        *,
        complete: bool,
        extend: str | None = None,
        extend_output: str | None = None,
        sub_jobs: list[dict[str, Any]] | None = None,
    ) -> None:
        now = format_time(self._clock())
        sub_job_list = None if sub_jobs is None else json.dumps(sub_jobs, ensure_ascii=False)
        with self._lock:
            self._db.execute(
                "UPDATE jobs SET status = ?, modified_time = ?, complete_time = ?, extend = COALESCE(?, extend),"
                " extend_output = COALESCE(?, extend_output), sub_job_list = COALESCE(?, sub_job_list)"
                " WHERE job_id = ?",
                (status, now, now if complete else None, extend, extend_output, sub_job_list, job_id),
            )

    def unfinished(self) -> list[str]:
        """Ids of jobs left in Init or Processing, oldest first: what a restart must run again."""
        with self._lock:
            rows = self._db.execute("SELECT job_id FROM jobs WHERE status IN ('Init', 'Processing') ORDER BY seq")
            return [r["job_id"] for r in rows.fetchall()]

    def callbacks_pending(self) -> list[JobRow]:
        """Terminal jobs whose callback was still pending when the emulator stopped."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM jobs WHERE status IN ('Finished', 'Failed') AND callback_state = 'pending' ORDER BY seq"
            ).fetchall()
        return [_to_row(r) for r in rows]

    def query(self, filters: JobFilter, *, after_seq: int | None, limit: int) -> list[JobRow]:
        """Jobs matching ``filters`` in creation order (``descending`` = newest first), after ``after_seq``."""
        clauses: list[str] = []
        args: list[Any] = []
        for column, value in (("status", filters.status), ("job_type", filters.job_type), ("job_id", filters.job_id)):
            if value is not None:
                clauses.append(f"{column} = ?")
                args.append(value)
        if filters.start_time is not None:
            clauses.append("create_time >= ?")
            args.append(filters.start_time)
        if filters.end_time is not None:
            clauses.append("create_time <= ?")
            args.append(filters.end_time)
        if after_seq is not None:
            clauses.append("seq < ?" if filters.descending else "seq > ?")
            args.append(after_seq)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        order = "DESC" if filters.descending else "ASC"
        with self._lock:
            rows = self._db.execute(f"SELECT * FROM jobs {where} ORDER BY seq {order} LIMIT ?", (*args, limit))
            return [_to_row(r) for r in rows.fetchall()]

    def all(self) -> list[JobRow]:
        with self._lock:
            return [_to_row(r) for r in self._db.execute("SELECT * FROM jobs ORDER BY seq").fetchall()]

    # ---- editing projects -----------------------------------------------------------------------------------

    def save_project(
        self, *, project_id: str, job_id: str, output_index: int, title: str, timeline: str, duration: float | None
    ) -> EditingProjectRow:
        """Store a project in Draft (again, unchanged ids, when a restarted organisation job makes it anew)."""
        now = format_time(self._clock())
        with self._lock:
            self._db.execute(
                "INSERT INTO editing_projects (project_id, job_id, output_index, title, timeline, status, duration,"
                " create_time, modified_time) VALUES (?, ?, ?, ?, ?, 'Draft', ?, ?, ?)"
                " ON CONFLICT (project_id) DO UPDATE SET timeline = excluded.timeline, title = excluded.title,"
                " duration = excluded.duration, status = 'Draft', modified_time = excluded.modified_time",
                (project_id, job_id, output_index, title, timeline, duration, now, now),
            )
        project = self.get_project(project_id)
        assert project is not None
        return project

    def get_project(self, project_id: str) -> EditingProjectRow | None:
        with self._lock:
            found = self._db.execute("SELECT * FROM editing_projects WHERE project_id = ?", (project_id,)).fetchone()
        return EditingProjectRow(**dict(found)) if found is not None else None

    def set_project_status(self, project_id: str, status: str) -> None:
        now = format_time(self._clock())
        with self._lock:
            self._db.execute(
                "UPDATE editing_projects SET status = ?, modified_time = ? WHERE project_id = ?",
                (status, now, project_id),
            )

    # ---- callbacks ------------------------------------------------------------------------------------------

    def record_callback(self, job_id: str, *, state: str | None = None, attempt: dict[str, Any] | None = None) -> None:
        """Record a callback attempt (appended to the log, counted) and/or a new callback state."""
        if state is not None and state not in CALLBACK_STATES:
            raise ValueError(f"unknown callback state {state!r}")
        with self._lock:
            found = self._db.execute("SELECT callback_log FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
            if found is None:
                return
            entries: list[dict[str, Any]] = json.loads(found["callback_log"])
            if attempt is not None:
                entries = [*entries, attempt][-_MAX_LOG_ENTRIES:]
            self._db.execute(
                "UPDATE jobs SET callback_state = COALESCE(?, callback_state),"
                " callback_attempts = callback_attempts + ?, callback_log = ? WHERE job_id = ?",
                (state, 1 if attempt is not None else 0, json.dumps(entries, ensure_ascii=False), job_id),
            )

    # ---- nonces ---------------------------------------------------------------------------------------------

    def remember_nonce(self, access_key_id: str, nonce: str, *, now: float, keep_seconds: float) -> bool:
        """Record a request nonce; False when it was already used within ``keep_seconds``."""
        with self._lock:
            self._db.execute("DELETE FROM nonces WHERE seen_at < ?", (now - keep_seconds,))
            try:
                self._db.execute(
                    "INSERT INTO nonces (access_key_id, nonce, seen_at) VALUES (?, ?, ?)", (access_key_id, nonce, now)
                )
            except sqlite3.IntegrityError:
                return False
            return True


def _to_row(found: sqlite3.Row) -> JobRow:
    values: dict[str, Any] = dict(found)
    values["callback_log"] = json.loads(values["callback_log"])
    values["sub_job_list"] = json.loads(values.get("sub_job_list") or "[]")
    return JobRow(**values)
