"""The local stack's dashboard: every batch live, its results, and an upload form — no terminal needed.

Served on 127.0.0.1 only (``dashboardUrl`` in stack.json):

    GET  /                  the page (self-contained: its CSS and script are inline, nothing is fetched
                            from elsewhere); it polls the two JSON endpoints below
    GET  /api/status        every batch (the status use case over the batch index), newest news first
    GET  /api/batch?name=   one batch's history: runs, steps, ICE job ids, error records, files
    POST /api/upload        multipart form (type, batch, files): checked by uploads.py, stored atomically
    GET  /bucket/<key>      the bucket's objects, read-only — reports link their videos and files by
                            relative paths, which resolve under this one prefix

Nothing outside the bucket directory is served: keys are checked as the bucket checks them (no ``..``,
no ``.scene-select*`` internals), the file must resolve inside the bucket (a symlink out is refused), and
stack.json and the state directory are not in the bucket. Requests must name this server as their Host
(no DNS rebinding), and an upload from a page of another origin is refused.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import os
import re
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from scene_select.cloud.errors import ConfigError, ObjectKeyError
from scene_select.cloud.pipeline.layout import BucketLayout
from scene_select.cloud.pipeline.status import BatchNotFoundError, batch_history, list_batches, parse_batch_label
from scene_select.cloud.storage.local import LocalDirectoryStore
from scene_select.workstation.local.uploads import (
    DEFAULT_MAX_UPLOAD_BYTES,
    Refusal,
    UploadRefusedError,
    plan_files,
    store_files,
)
from scene_select.workstation.ops.status_view import page_json, status_page

__all__ = ["Dashboard"]

log = logging.getLogger(__name__)

BUCKET_PATH = "/bucket/"
_LIST_LIMIT = 200
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 1024 * 1024


class Dashboard:
    """Start with ``start()``, stop with ``close()``."""

    def __init__(
        self,
        store: LocalDirectoryStore,
        layout: BucketLayout,
        *,
        port: int = 0,
        max_manifest_bytes: int = 256 * 1024,
        max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    ) -> None:
        self.store = store
        self.layout = layout
        self.port = port
        self.max_manifest_bytes = max_manifest_bytes
        self.max_upload_bytes = max_upload_bytes
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "dashboard not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def start(self) -> Dashboard:
        server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="dashboard", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # ------------------------------------------------------------------------------------ data

    def status(self) -> dict[str, Any]:
        now = time.time()
        page = list_batches(self.store, self.layout, now=now, limit=_LIST_LIMIT)
        data = page_json(page, bucket=self.store.bucket, results_prefix=self.layout.results_prefix, now=now)
        for row in data["batches"]:
            row["files"] = self._top_files(row["resultsDir"])
        return data

    def _top_files(self, results_dir: str) -> list[dict[str, Any]]:
        """The batch's latest result files: one directory read (the local bucket's folders are real)."""
        try:
            folder = self.store.path_for(results_dir.rstrip("/"))
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except (ObjectKeyError, OSError):
            return []
        return [
            {"name": e.name, "size": e.stat().st_size}
            for e in entries
            if e.is_file(follow_symlinks=False) and not e.name.startswith(".")
        ]

    def history(self, name: str) -> dict[str, Any]:
        return batch_history(self.store, self.layout, parse_batch_label(name), now=time.time()).to_json()

    def page(self) -> str:
        options = {"maxUploadText": f"{self.max_upload_bytes // (1024 * 1024)} MiB"}
        return status_page(
            self.status(), live=True, link_base=BUCKET_PATH, title="scene-select local stack", options=options
        )

    def upload(self, content_type: str, body: bytes) -> tuple[int, dict[str, Any]]:
        fields, files = _multipart(content_type, body)
        try:
            plan = plan_files(
                fields.get("type", ""),
                fields.get("batch", ""),
                files,
                store=self.store,
                layout=self.layout,
                max_manifest_bytes=self.max_manifest_bytes,
                max_file_bytes=self.max_upload_bytes,
            )
        except UploadRefusedError as exc:
            refused = [{"file": r.file, "reason": r.reason} for r in exc.refusals]
            message = "nothing was stored; fix the above and upload again"
            return 400, {"ok": False, "refused": refused, "message": message}
        written = store_files(plan, self.store)
        log.info("dashboard upload: %d file(s) into %s", len(written), plan.batch)
        message = f"stored {len(written)} file(s) for {plan.batch}; the batch appears in the list as it goes"
        return 200, {"ok": True, "written": written, "batch": plan.batch, "message": message}

    def object_path(self, key: str) -> Path | None:
        """The file of a bucket key, or None when it must not be served (or is not there)."""
        try:
            path = self.store.path_for(key)
        except ObjectKeyError:
            return None
        try:
            resolved = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        root = self.store.root.resolve()
        if root not in resolved.parents or not resolved.is_file():
            return None
        return resolved


def _multipart(content_type: str, body: bytes) -> tuple[dict[str, str], list[tuple[str, bytes]]]:
    """The form's fields and files (name, bytes) of a multipart/form-data body."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise UploadRefusedError([Refusal("", "send the form as multipart/form-data (the page does)")])
    head = b"Content-Type: " + content_type.encode("latin-1", errors="replace") + b"\r\n\r\n"
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    fields: dict[str, str] = {}
    files: list[tuple[str, bytes]] = []
    if not message.is_multipart():
        raise UploadRefusedError([Refusal("", "the form could not be read (not multipart)")])
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_param("filename", header="content-disposition")
        raw = part.get_payload(decode=True)
        payload = raw if isinstance(raw, bytes) else b""
        if filename is not None:
            if filename == "" and not payload:
                continue  # the browser's empty file input
            files.append((str(filename), payload))
        elif isinstance(name, str):
            fields[name] = payload.decode("utf-8", errors="replace")
    return fields, files


def _handler(dashboard: Dashboard) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "scene-select-dashboard"

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("dashboard: " + format, *args)

        # ------------------------------------------------------------------------ guards

        def _port(self) -> int:
            address = self.server.server_address
            return int(address[1]) if isinstance(address, tuple) else 0

        def _host_ok(self) -> bool:
            port = self._port()
            if self.headers.get("Host") in (f"127.0.0.1:{port}", f"localhost:{port}"):
                return True
            self._json(421, {"ok": False, "message": "this dashboard answers only as 127.0.0.1 or localhost"})
            return False

        def _same_origin(self) -> bool:
            origin = self.headers.get("Origin")
            port = self._port()
            if origin in (None, f"http://127.0.0.1:{port}", f"http://localhost:{port}"):
                return True
            self._json(403, {"ok": False, "message": "uploads are accepted from the dashboard's own page only"})
            return False

        # ------------------------------------------------------------------------ answers

        def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, status: int, value: Any) -> None:
            self._send(status, json.dumps(value, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

        # ------------------------------------------------------------------------ routes

        def do_GET(self) -> None:
            if not self._host_ok():
                return
            parts = urlsplit(self.path)
            try:
                if parts.path == "/":
                    self._send(200, dashboard.page().encode("utf-8"), "text/html; charset=utf-8")
                elif parts.path == "/api/status":
                    self._json(200, dashboard.status())
                elif parts.path == "/api/batch":
                    name = (parse_qs(parts.query).get("name") or [""])[0]
                    self._json(200, dashboard.history(name))
                elif parts.path.startswith(BUCKET_PATH):
                    self._object(unquote(parts.path[len(BUCKET_PATH) :]))
                else:
                    self._json(404, {"ok": False, "message": f"nothing at {parts.path}"})
            except BatchNotFoundError as exc:
                self._json(404, {"ok": False, "message": str(exc)})
            except ConfigError as exc:
                self._json(400, {"ok": False, "message": str(exc)})
            except Exception:  # a broken page must not take the stack down
                log.exception("dashboard: %s failed", self.path)
                self._json(500, {"ok": False, "message": "the dashboard failed on this request; see the stack's log"})

        do_HEAD = do_GET  # noqa: N815

        def do_POST(self) -> None:
            if not self._host_ok() or not self._same_origin():
                return
            if urlsplit(self.path).path != "/api/upload":
                self._json(404, {"ok": False, "message": "POST goes to /api/upload"})
                return
            try:
                length = int(self.headers.get("Content-Length") or "")
            except ValueError:
                self._json(411, {"ok": False, "message": "the upload needs a Content-Length"})
                return
            limit = dashboard.max_upload_bytes + 64 * 1024  # the form's own fields and boundaries
            if length > limit:
                self.close_connection = True
                message = (
                    f"the upload is {length} bytes, over the dashboard's limit of {dashboard.max_upload_bytes}; "
                    "upload fewer files at once, or copy large files into the bucket directory"
                )
                self._json(413, {"ok": False, "refused": [{"file": "", "reason": message}], "message": message})
                return
            body = self.rfile.read(length)
            try:
                status, answer = dashboard.upload(self.headers.get("Content-Type", ""), body)
            except UploadRefusedError as exc:
                refused = [{"file": r.file, "reason": r.reason} for r in exc.refusals]
                status, answer = 400, {"ok": False, "refused": refused, "message": "nothing was stored"}
            except Exception:
                log.exception("dashboard upload failed")
                status, answer = 500, {"ok": False, "message": "the upload failed; nothing may have been stored"}
            self._json(status, answer)

        def _object(self, key: str) -> None:
            path = dashboard.object_path(key)
            if path is None:
                self._json(404, {"ok": False, "message": f"no object {key!r} to show"})
                return
            size = path.stat().st_size
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if content_type.startswith("text/") or content_type in ("application/json",):
                content_type += "; charset=utf-8"
            start, end, status = 0, size - 1, 200
            match = _RANGE.match(self.headers.get("Range", "").strip())
            if match and size:
                first, last = match.groups()
                if first:
                    start, end = int(first), min(int(last), size - 1) if last else size - 1
                elif last:
                    start = max(0, size - int(last))
                if start > end or start >= size:
                    self._send(416, b"", "text/plain", {"Content-Range": f"bytes */{size}"})
                    return
                status = 206
            length = max(0, end - start + 1) if size else 0
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(length))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Cache-Control", "no-cache")
            if status == 206:
                self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
            self.end_headers()
            if self.command == "HEAD":
                return
            with path.open("rb") as handle:
                handle.seek(start)
                remaining = length
                while remaining > 0:
                    chunk = handle.read(min(_CHUNK, remaining))
                    if not chunk:
                        break
                    self.wfile.write(chunk)
                    remaining -= len(chunk)

    return Handler
