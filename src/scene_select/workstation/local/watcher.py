"""The local bucket's OSS trigger: new or replaced files under the inbox become OSS-trigger events.

Polling, not inotify, so it works the same on every OS and filesystem. Every ``interval`` seconds the
watcher lists the files under ``prefix`` and remembers each one's (size, mtime, inode). A file is *ready*
when that signature is the same on two consecutive polls: a file renamed into place (how our
LocalDirectoryStore and most tools write atomically) is ready on the next poll, and a file still being
copied keeps changing until it is done. Skipped, like a trigger whose prefix excludes them: anything
outside the prefix (``results/`` above all), hidden files and folders (``.scene-select*`` sidecars and temp
files included), editor/download temp files (``*.tmp``, ``*.part``, ``*~`` …), symlinks, and names that are not
valid UTF-8 (OSS keys are UTF-8).

Each ready file is handed to ``deliver(event_bytes)`` once per version — the FC runtime shim invoking the
submit handler. Delivery is at least once, as FC's async invocation is: a ``deliver`` that raises is retried
after each of ``retry_delays`` (default 0.5 s, 1 s, 2 s: FC's default of 3 retries), and an event that still
fails is logged and kept in ``failures`` — never lost silently, not even when ``stop()`` interrupts it.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from scene_select.cloud.errors import ConfigError
from scene_select.workstation.local.oss_events import DEFAULT_ACCOUNT_ID, file_md5_etag, oss_put_event, trigger_rule_id
from scene_select.workstation.local.scheduling import DelayedTaskRunner

__all__ = ["BucketWatcher", "DeliveryFailure", "is_temporary_name"]

log = logging.getLogger(__name__)

Deliver = Callable[[bytes], None]
EtagFor = Callable[[str, Path], str]

_TEMP_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".swp", ".swx", "~")
_TEMP_PREFIXES = (".", "~$", "#")


def is_temporary_name(name: str) -> bool:
    """A file or folder name that is hidden or a write in progress, never an upload."""
    lowered = name.lower()
    return lowered.startswith(_TEMP_PREFIXES) or lowered.endswith(_TEMP_SUFFIXES)


@dataclass(frozen=True)
class DeliveryFailure:
    """An event that could not be delivered: which key, the exact bytes, how often it was tried, why."""

    key: str
    event: bytes
    attempts: int
    error: str


@dataclass(frozen=True)
class _Signature:
    size: int
    mtime_ns: int
    inode: int


class BucketWatcher:
    """Watches ``root`` (the local bucket) and delivers OSS-trigger events for files under ``prefix``."""

    def __init__(
        self,
        root: Path,
        deliver: Deliver,
        *,
        bucket: str,
        region: str,
        prefix: str = "inbox/",
        interval: float = 0.2,
        retry_delays: Sequence[float] = (0.5, 1.0, 2.0),
        emit_existing: bool = False,
        etag_for: EtagFor | None = None,
        account_id: str = DEFAULT_ACCOUNT_ID,
        concurrency: int = 1,
    ) -> None:
        if interval <= 0:
            raise ConfigError(f"the watcher's poll interval must be positive, got {interval}")
        if prefix.startswith("/") or ".." in prefix.split("/"):
            raise ConfigError(f"the watcher's prefix must be a relative key prefix like 'inbox/', got {prefix!r}")
        self.root = Path(root).absolute()
        self._deliver = deliver
        self.bucket = bucket
        self.region = region
        self.prefix = prefix
        self.interval = interval
        self._retry_delays = tuple(retry_delays)
        self._emit_existing = emit_existing
        self._etag_for = etag_for or (lambda _key, path: file_md5_etag(path))
        self._account_id = account_id
        self._rule_id = trigger_rule_id(bucket, prefix)
        self._pending: dict[str, _Signature] = {}  # seen once, waiting to be seen unchanged
        self._emitted: dict[str, _Signature] = {}  # the version of each key already delivered (or queued)
        self._skipped_names: set[str] = set()
        self._lock = threading.Lock()
        self._failures: list[DeliveryFailure] = []
        self._delivered = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._deliveries = DelayedTaskRunner(threads=concurrency, name="bucket-watcher-deliver")

    # ---- lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> BucketWatcher:
        """Take the baseline (existing files are not events unless ``emit_existing``), then poll in a thread."""
        if self._thread is not None:
            return self
        self._stop.clear()
        self._deliveries.start()
        if not self._emit_existing:
            self._emitted = dict(self._listing())
        self._thread = threading.Thread(target=self._poll_loop, name="bucket-watcher-poll", daemon=True)
        self._thread.start()
        log.info("watching %s (bucket %s, prefix %r) every %.2fs", self.root, self.bucket, self.prefix, self.interval)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop polling and delivering; events not yet delivered are recorded in ``failures``. No thread remains."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        for task in self._deliveries.stop(timeout):
            task.run()  # each queued delivery records itself as failed once the watcher is stopped

    def __enter__(self) -> BucketWatcher:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def failures(self) -> list[DeliveryFailure]:
        with self._lock:
            return list(self._failures)

    @property
    def delivered(self) -> int:
        with self._lock:
            return self._delivered

    def idle(self) -> bool:
        """True when no file is waiting to settle and no delivery is queued or running."""
        with self._lock:
            waiting = bool(self._pending)
        return not waiting and self._deliveries.idle()

    # ---- polling --------------------------------------------------------------------------------------------

    def _poll_loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.scan_once()
            except Exception:
                log.exception("bucket watcher: scan of %s failed; trying again next poll", self.root)

    def scan_once(self) -> int:
        """One poll: queue an event for every file that became ready; returns how many were queued."""
        listing = dict(self._listing())
        queued = 0
        with self._lock:
            for key in [k for k in self._emitted if k not in listing]:
                del self._emitted[key]  # deleted: a new file under this key is a new upload
            for key in [k for k in self._pending if k not in listing]:
                del self._pending[key]
            ready = []
            for key, signature in listing.items():
                if self._emitted.get(key) == signature:
                    continue
                if self._pending.get(key) == signature:
                    del self._pending[key]
                    ready.append((key, signature, self._emitted.get(key)))
                else:
                    self._pending[key] = signature
        for key, signature, previous in ready:
            if self._queue_event(key, signature, previous):
                queued += 1
        return queued

    def _listing(self) -> Iterator[tuple[str, _Signature]]:
        folder = self.prefix.rpartition("/")[0]
        start = self.root / folder if folder else self.root
        for directory, subdirs, files in os.walk(start, followlinks=False):
            subdirs[:] = sorted(d for d in subdirs if not is_temporary_name(d))
            for name in sorted(files):
                path = Path(directory) / name
                key = path.relative_to(self.root).as_posix()
                if not key.startswith(self.prefix) or is_temporary_name(name) or not self._utf8(key):
                    continue
                try:
                    stat = path.lstat()
                except FileNotFoundError:
                    continue
                if path.is_symlink() or not path.is_file():
                    continue
                yield key, _Signature(stat.st_size, stat.st_mtime_ns, stat.st_ino)

    def _utf8(self, key: str) -> bool:
        try:
            key.encode("utf-8")
        except UnicodeEncodeError:
            if key not in self._skipped_names:
                self._skipped_names.add(key)
                log.warning("bucket watcher: skipping %r, its name is not valid UTF-8 (OSS keys are UTF-8)", key)
            return False
        return True

    def _queue_event(self, key: str, signature: _Signature, previous: _Signature | None) -> bool:
        path = self.root / key
        try:
            etag = self._etag_for(key, path)
            if _signature_of(path) != signature:
                return False  # changed while hashing: it is seen again, and settles, on a later poll
        except FileNotFoundError:
            return False
        event = oss_put_event(
            bucket=self.bucket,
            region=self.region,
            key=key,
            size=signature.size,
            etag=etag,
            event_time=datetime.fromtimestamp(signature.mtime_ns / 1e9, tz=timezone.utc),
            delta_size=signature.size - (previous.size if previous else 0),
            account_id=self._account_id,
            rule_id=self._rule_id,
        )
        with self._lock:
            self._emitted[key] = signature
        self._schedule(key, event, attempt=1, delay=0.0)
        return True

    # ---- delivery -------------------------------------------------------------------------------------------

    def _schedule(self, key: str, event: bytes, *, attempt: int, delay: float) -> None:
        def run() -> None:
            self._attempt(key, event, attempt)

        if not self._deliveries.schedule(run, delay=delay, label=f"event for {key!r} (attempt {attempt})"):
            self._record_failure(key, event, attempt - 1, "the watcher stopped before the event was delivered")

    def _attempt(self, key: str, event: bytes, attempt: int) -> None:
        if self._stop.is_set():
            self._record_failure(key, event, attempt - 1, "the watcher stopped before the event was delivered")
            return
        try:
            self._deliver(event)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            if attempt <= len(self._retry_delays):
                delay = self._retry_delays[attempt - 1]
                log.warning("delivery of %r failed (attempt %d, %s); retrying in %.1fs", key, attempt, error, delay)
                self._schedule(key, event, attempt=attempt + 1, delay=delay)
            else:
                self._record_failure(key, event, attempt, error)
            return
        with self._lock:
            self._delivered += 1

    def _record_failure(self, key: str, event: bytes, attempts: int, error: str) -> None:
        log.error("event for %r NOT delivered after %d attempt(s): %s", key, attempts, error)
        with self._lock:
            self._failures.append(DeliveryFailure(key, event, attempts, error))


def _signature_of(path: Path) -> _Signature:
    stat = path.lstat()
    return _Signature(stat.st_size, stat.st_mtime_ns, stat.st_ino)
