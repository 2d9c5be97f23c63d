"""A fake OSS server for tests: a real HTTP server on 127.0.0.1 that a real ``oss2.Bucket`` talks to.

OSS cannot exist here, so this plays it for the operations scene-select uses — PutObject (with
``x-oss-forbid-overwrite``), GetObject, HeadObject, DeleteObject, ListObjects (V1) and ListObjectsV2 —
path-style (``/<bucket>/<key>``, what oss2 uses for an IP endpoint), and answers as OSS does:

- V4 signatures (``OSS4-HMAC-SHA256``) are verified against the credentials granted with
  :meth:`FakeOssServer.grant`, including the STS security token; a wrong key, secret, token, scope or
  a clock skew over 15 minutes gets OSS's 403 error codes.
- Errors carry OSS's XML body (Code, Message, RequestId, HostId, EC, RecommendDoc), ``x-oss-request-id``
  and ``x-oss-ec`` headers; ``409 FileAlreadyExists`` for a forbidden overwrite, ``404 NoSuchKey``,
  ``404 NoSuchBucket``. A HEAD error has an empty body and, as current OSS does, the XML base64'd in
  ``x-oss-err`` (switch off with ``head_error_header=False`` to behave like older OSS).
- GetObject honours ``Range: bytes=a-b`` (also ``a-`` and ``-n``) as OSS does: 206 with Content-Range
  for a range inside the object; a range past the end is ignored (200, the whole object) unless the
  request says ``x-oss-range-behavior: standard``, which gives HTTP's rule: what there is (206) for a
  range that runs past the end, ``416 InvalidRange`` for one that starts past it.
- Successful writes answer with the quoted ETag (upper-case MD5), ``x-oss-hash-crc64ecma`` (which oss2
  checks) and ``Content-MD5``; listings honour ``prefix``, ``delimiter``, ``max-keys`` (≤ 1000),
  ``marker``/``continuation-token``/``start-after`` and ``encoding-type=url``.

Faults can be injected to test retries: ``inject("503")`` answers the next request with 503
ServiceUnavailable, ``inject("drop")`` closes the connection without answering, and
``inject("drop-after-commit")`` performs the request and then drops the connection (the ambiguous case).
"""

from __future__ import annotations

import base64
import collections
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit
from xml.sax.saxutils import escape

_MAX_SKEW_SECONDS = 15 * 60

_ERRORS: dict[str, tuple[int, str, str]] = {
    # code: (status, message, EC)
    "NoSuchKey": (404, "The specified key does not exist.", "0026-00000001"),
    "NoSuchBucket": (404, "The specified bucket does not exist.", "0015-00000101"),
    "FileAlreadyExists": (409, "The object you specified already exists and can not be overwritten.", "0026-00000201"),
    "SignatureDoesNotMatch": (
        403,
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
        "0002-00000040",
    ),
    "InvalidAccessKeyId": (403, "The OSS Access Key Id you provided does not exist in our records.", "0002-00000902"),
    "InvalidSecurityToken": (403, "The security token you provided is invalid.", "0002-00000907"),
    "AccessDenied": (403, "You have no right to access this object.", "0003-00000001"),
    "RequestTimeTooSkewed": (
        403,
        "The difference between the request time and the current time is too large.",
        "0002-00000504",
    ),
    "InvalidArgument": (400, "Invalid argument.", "0017-00000279"),
    "InvalidDigest": (400, "The Content-MD5 you specified is not valid.", "0016-00000001"),
    "MissingContentLength": (411, "You must provide the Content-Length HTTP header.", "0016-00000004"),
    "InvalidRange": (416, "The requested range cannot be satisfied.", "0003-00001412"),
    "MethodNotAllowed": (405, "The specified method is not allowed against this resource.", "0016-00000107"),
    "ServiceUnavailable": (503, "Please reduce your request rate.", "0001-00000503"),
}


@dataclass
class StoredObject:
    data: bytes
    content_type: str
    etag: str
    last_modified: float
    meta: dict[str, str] = field(default_factory=dict)


@dataclass
class _Grant:
    secret: str
    token: str | None


class FakeOssServer:
    """One bucket in one region, served on 127.0.0.1; use as a context manager or start()/close()."""

    def __init__(self, *, bucket: str = "scene-bucket", region: str = "cn-shanghai", head_error_header: bool = True):
        self.bucket = bucket
        self.region = region
        self.head_error_header = head_error_header
        self.objects: dict[str, StoredObject] = {}
        self.requests: list[tuple[str, str]] = []  # (method, decoded key or "" for the bucket)
        self._grants: dict[str, _Grant] = {}
        self._faults: collections.deque[str] = collections.deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control -------------------------------------------------------------------------------

    def grant(self, access_key_id: str, secret: str, token: str | None = None) -> None:
        with self._lock:
            self._grants[access_key_id] = _Grant(secret, token)

    def revoke(self, access_key_id: str) -> None:
        with self._lock:
            self._grants.pop(access_key_id, None)

    def inject(self, fault: str, *, times: int = 1) -> None:
        if fault not in ("503", "drop", "drop-after-commit"):
            raise ValueError(f"unknown fault {fault!r}")
        with self._lock:
            self._faults.extend([fault] * times)

    @property
    def endpoint(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeOssServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-oss", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeOssServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- request handling (called from handler threads) -------------------------------------------

    def _next_fault(self) -> str | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def _check_auth(self, method: str, bucket: str, key: str, query: str, headers: dict[str, str]) -> str | None:
        """None if the request is signed correctly, else the OSS error code to answer with."""
        authorization = headers.get("authorization", "")
        if not authorization.startswith("OSS4-HMAC-SHA256 "):
            return "AccessDenied" if not authorization else "SignatureDoesNotMatch"
        fields = dict(
            part.strip().split("=", 1) for part in authorization[len("OSS4-HMAC-SHA256 ") :].split(",") if "=" in part
        )
        credential = fields.get("Credential", "")
        access_key_id, _, scope = credential.partition("/")
        with self._lock:
            grant = self._grants.get(access_key_id)
        if grant is None:
            return "InvalidAccessKeyId"
        if grant.token is not None and headers.get("x-oss-security-token") != grant.token:
            return "InvalidSecurityToken"
        date_time = headers.get("x-oss-date", "")
        try:
            sent = datetime.strptime(date_time, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        except ValueError:
            return "SignatureDoesNotMatch"
        if abs(time.time() - sent.timestamp()) > _MAX_SKEW_SECONDS:
            return "RequestTimeTooSkewed"
        if scope != f"{date_time[:8]}/{self.region}/oss/aliyun_v4_request":
            return "SignatureDoesNotMatch"
        additional = [h for h in fields.get("AdditionalHeaders", "").split(";") if h]
        canonical_headers = "".join(
            f"{name}:{value}\n"
            for name, value in sorted(headers.items())
            if name.startswith("x-oss-") or name in ("content-type", "content-md5") or name in additional
        )
        params = sorted(
            (_v4_encode(k, keep_slash=False), _v4_encode(v, keep_slash=False)) for k, v in _query_pairs(query)
        )
        canonical_query = "&".join(f"{k}={v}" if v else k for k, v in params)
        canonical_uri = _v4_encode(f"/{bucket}/{key}", keep_slash=True)
        canonical_request = "\n".join(
            [
                method,
                canonical_uri,
                canonical_query,
                canonical_headers,
                ";".join(sorted(additional)),
                headers.get("x-oss-content-sha256", "UNSIGNED-PAYLOAD"),
            ]
        )
        string_to_sign = "\n".join(
            ["OSS4-HMAC-SHA256", date_time, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
        )
        signing_key = ("aliyun_v4" + grant.secret).encode()
        for part in (date_time[:8], self.region, "oss", "aliyun_v4_request"):
            signing_key = hmac.new(signing_key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(signing_key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, fields.get("Signature", "")):
            return "SignatureDoesNotMatch"
        return None

    def _list(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        v2 = query.get("list-type") == "2"
        prefix = query.get("prefix", "")
        delimiter = query.get("delimiter", "")
        url_encoded = query.get("encoding-type") == "url"
        try:
            max_keys = int(query.get("max-keys", "100"))
        except ValueError:
            return _error("InvalidArgument", self)
        if not 0 <= max_keys <= 1000:
            return _error("InvalidArgument", self)
        if v2:
            token = query.get("continuation-token", "")
            after = base64.urlsafe_b64decode(token.encode()).decode() if token else query.get("start-after", "")
        else:
            after = query.get("marker", "")

        def enc(value: str) -> str:
            return escape(quote(value, safe="") if url_encoded else value)

        with self._lock:
            keys = sorted(k for k in self.objects if k.startswith(prefix) and k > after)
            snapshot = {k: self.objects[k] for k in keys}
        contents: list[str] = []
        common: list[str] = []
        last = ""
        truncated = False
        for key in keys:
            if delimiter:
                rest = key[len(prefix) :]
                if delimiter in rest:
                    folder = prefix + rest.split(delimiter, 1)[0] + delimiter
                    if common and common[-1] == folder:
                        last = key
                        continue
                    if len(contents) + len(common) >= max_keys:
                        truncated = True
                        break
                    common.append(folder)
                    last = key
                    continue
            if len(contents) + len(common) >= max_keys:
                truncated = True
                break
            obj = snapshot[key]
            modified = datetime.fromtimestamp(obj.last_modified, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            contents.append(
                f"<Contents><Key>{enc(key)}</Key><LastModified>{modified}</LastModified>"
                f'<ETag>"{obj.etag}"</ETag><Type>Normal</Type><Size>{len(obj.data)}</Size>'
                f"<StorageClass>Standard</StorageClass></Contents>"
            )
            last = key
        parts = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            "<ListBucketResult>",
            f"<Name>{escape(self.bucket)}</Name>",
            f"<Prefix>{enc(prefix)}</Prefix>",
            f"<MaxKeys>{max_keys}</MaxKeys>",
            f"<Delimiter>{enc(delimiter)}</Delimiter>",
        ]
        if url_encoded:
            parts.append("<EncodingType>url</EncodingType>")
        parts.append(f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>")
        if v2:
            parts.append(f"<KeyCount>{len(contents) + len(common)}</KeyCount>")
            if truncated:
                token = base64.urlsafe_b64encode(last.encode()).decode()
                parts.append(f"<NextContinuationToken>{enc(token)}</NextContinuationToken>")
        else:
            parts.append(f"<Marker>{enc(after)}</Marker>")
            if truncated:
                parts.append(f"<NextMarker>{enc(last)}</NextMarker>")
        parts.extend(contents)
        parts.extend(f"<CommonPrefixes><Prefix>{enc(p)}</Prefix></CommonPrefixes>" for p in common)
        parts.append("</ListBucketResult>")
        return 200, {"Content-Type": "application/xml"}, "".join(parts).encode()

    def _put(self, key: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        forbid = headers.get("x-oss-forbid-overwrite", "false").lower()
        if forbid not in ("true", "false"):
            return _error("InvalidArgument", self, key=key)
        md5 = hashlib.md5(body)
        if "content-md5" in headers and headers["content-md5"] != base64.b64encode(md5.digest()).decode():
            return _error("InvalidDigest", self, key=key)
        stored = StoredObject(
            data=body,
            content_type=headers.get("content-type", "application/octet-stream"),
            etag=md5.hexdigest().upper(),
            last_modified=float(int(time.time())),
            meta={k: v for k, v in headers.items() if k.startswith("x-oss-meta-")},
        )
        with self._lock:
            if forbid == "true" and key in self.objects:
                return _error("FileAlreadyExists", self, key=key)
            self.objects[key] = stored
        return (
            200,
            {
                "ETag": f'"{stored.etag}"',
                "Content-MD5": base64.b64encode(md5.digest()).decode(),
                "x-oss-hash-crc64ecma": str(crc64ecma(body)),
            },
            b"",
        )

    def _object_headers(self, obj: StoredObject) -> dict[str, str]:
        return {
            "Content-Type": obj.content_type,
            "ETag": f'"{obj.etag}"',
            "Last-Modified": formatdate(obj.last_modified, usegmt=True),
            "x-oss-object-type": "Normal",
            "x-oss-storage-class": "Standard",
            "x-oss-hash-crc64ecma": str(crc64ecma(obj.data)),
            **obj.meta,
        }

    def _ranged(self, key: str, obj: StoredObject, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """A GetObject with a Range header, answered as OSS answers it (see the module docstring)."""
        size = len(obj.data)
        standard = headers.get("x-oss-range-behavior", "").lower() == "standard"
        spec = headers["range"].strip()
        first = last = None
        if spec.startswith("bytes=") and "," not in spec:
            start_text, dash, end_text = spec[len("bytes=") :].partition("-")
            if dash and (start_text.isdigit() or end_text.isdigit()):
                if not start_text:  # bytes=-n: the last n bytes
                    first, last = max(0, size - int(end_text)), size - 1
                else:
                    first = int(start_text)
                    last = int(end_text) if end_text else size - 1
        if first is None or last is None or last < first:  # not a range OSS understands: ignored
            return 200, self._object_headers(obj), obj.data
        if first >= size:
            if standard:
                return _error("InvalidRange", self, key=key)
            return 200, self._object_headers(obj), obj.data
        if last >= size:
            if not standard:
                return 200, self._object_headers(obj), obj.data
            last = size - 1
        out = self._object_headers(obj)
        out["Content-Range"] = f"bytes {first}-{last}/{size}"
        out["Accept-Ranges"] = "bytes"
        return 206, out, obj.data[first : last + 1]

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        split = urlsplit(raw_path)
        bucket, _, quoted_key = split.path.lstrip("/").partition("/")
        key = unquote(quoted_key)
        query = dict(_query_pairs(split.query))
        with self._lock:
            self.requests.append((method, key))
        denied = self._check_auth(method, bucket, key, split.query, headers)
        if denied is not None:
            return _error(denied, self, key=key)
        if bucket != self.bucket:
            return _error("NoSuchBucket", self, key=key)
        if not key:
            if method == "GET":
                return self._list(query)
            return _error("MethodNotAllowed", self)
        if method == "PUT":
            return self._put(key, body, headers)
        if method in ("GET", "HEAD"):
            with self._lock:
                obj = self.objects.get(key)
            if obj is None:
                return _error("NoSuchKey", self, key=key)
            if method == "GET" and "range" in headers:
                return self._ranged(key, obj, headers)
            return 200, self._object_headers(obj), obj.data
        if method == "DELETE":
            with self._lock:
                self.objects.pop(key, None)
            return 204, {}, b""
        return _error("MethodNotAllowed", self, key=key)


def _error(code: str, server: FakeOssServer, *, key: str | None = None) -> tuple[int, dict[str, str], bytes]:
    status, message, ec = _ERRORS[code]
    request_id = secrets.token_hex(12).upper()
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n'
        f"  <Code>{code}</Code>\n  <Message>{escape(message)}</Message>\n"
        f"  <RequestId>{request_id}</RequestId>\n"
        f"  <HostId>{escape(server.bucket)}.oss-{server.region}.aliyuncs.com</HostId>\n"
        + (f"  <Key>{escape(key)}</Key>\n" if key and code in ("NoSuchKey", "FileAlreadyExists") else "")
        + f"  <EC>{ec}</EC>\n  <RecommendDoc>https://api.aliyun.com/troubleshoot?q={ec}</RecommendDoc>\n</Error>\n"
    ).encode()
    return status, {"Content-Type": "application/xml", "x-oss-ec": ec, "x-oss-request-id": request_id}, xml


def _query_pairs(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query, keep_blank_values=True)


def _v4_encode(text: str, *, keep_slash: bool) -> str:
    return quote(text, safe="-_.~/" if keep_slash else "-_.~")


def _make_handler(server: FakeOssServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = 1 << 16  # one send per response (headers + body), no delayed-ACK stalls
        server_version = "AliyunOSS"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _serve(self, method: str) -> None:
            headers = {name.lower(): value for name, value in self.headers.items()}
            length = headers.get("content-length")
            if headers.get("transfer-encoding", "").lower() == "chunked":
                body = self._read_chunked()
            elif method == "PUT" and length is None:
                self._send(method, *_error("MissingContentLength", server))
                return
            else:
                body = self.rfile.read(int(length)) if length else b""
            fault = server._next_fault()
            if fault == "drop":
                self._drop()
                return
            if fault == "503":
                self._send(method, *_error("ServiceUnavailable", server))
                return
            status, out_headers, out_body = server.handle(method, self.path, headers, body)
            if fault == "drop-after-commit":
                self._drop()
                return
            if method == "HEAD" and status >= 400:
                if server.head_error_header:
                    out_headers["x-oss-err"] = base64.b64encode(out_body).decode()
                out_body = b""
            self._send(method, status, out_headers, out_body)

        def _read_chunked(self) -> bytes:
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()

        def _drop(self) -> None:
            self.close_connection = True
            self.connection.close()

        def _send(self, method: str, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            headers.setdefault("x-oss-request-id", secrets.token_hex(12).upper())
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if method != "HEAD" and body:
                self.wfile.write(body)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_HEAD(self) -> None:
            self._serve("HEAD")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

    return Handler


def _crc64_table() -> list[int]:
    poly = 0xC96C5795D7870F42  # ECMA-182, reflected
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC64_TABLE = _crc64_table()


def crc64ecma(data: bytes) -> int:
    """CRC-64/XZ (ECMA-182 polynomial, reflected, init and xorout all ones) — OSS's x-oss-hash-crc64ecma."""
    crc = 0xFFFFFFFFFFFFFFFF
    for byte in data:
        crc = _CRC64_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFFFFFFFFFF
