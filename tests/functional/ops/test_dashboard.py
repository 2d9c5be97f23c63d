"""The dashboard over HTTP: what it serves, what it never serves, and the upload endpoint's refusals."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import httpx

from scene_select.workstation.local.stack import LocalStack
from scene_select_testkit.ops import upload
from scene_select_testkit.stack import wait_for_state


def announce_a_huge_upload(base: str) -> str:
    host, port = base.removeprefix("http://").rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        head = f"POST /api/upload HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: {2 * 1024**3}\r\n"
        connection.sendall((head + "Content-Type: multipart/form-data; boundary=x\r\n\r\n").encode())
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer.decode("utf-8", errors="replace")


def url(stack: LocalStack) -> str:
    assert stack.dashboard_url is not None
    return stack.dashboard_url


def test_the_dashboard_is_in_stack_json_on_loopback_and_self_contained(stack: LocalStack) -> None:
    document = json.loads((stack.state_dir / "stack.json").read_text())
    assert document["dashboardUrl"] == url(stack) and url(stack).startswith("http://127.0.0.1:")
    page = httpx.get(url(stack), timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<script src" not in page.text and "<link" not in page.text and "@import" not in page.text
    assert "http://" not in page.text.replace(url(stack), "") and "https://" not in page.text
    upload(stack, "good")
    wait_for_state(stack, "results/smart-mix/good/", {"finished"})
    status = httpx.get(url(stack) + "api/status", timeout=10).json()
    (row,) = status["batches"]
    assert row["batch"] == "smart-mix/good" and row["state"] == "finished"
    assert {"report.html", "selection.json", "job.json"} <= {f["name"] for f in row["files"]}
    history = httpx.get(url(stack) + "api/batch", params={"name": "smart-mix/good"}, timeout=10).json()
    assert history["runs"][0]["state"] == "finished"
    missing = httpx.get(url(stack) + "api/batch", params={"name": "smart-mix/none"}, timeout=10)
    assert missing.status_code == 404 and "no batch smart-mix/none" in missing.json()["message"]
    malformed = httpx.get(url(stack) + "api/batch", params={"name": "../x"}, timeout=10)
    assert malformed.status_code == 400 and "not a batch name" in malformed.json()["message"]


def test_it_serves_the_bucket_read_only_and_nothing_else(stack: LocalStack) -> None:
    upload(stack, "good")
    wait_for_state(stack, "results/smart-mix/good/", {"finished"})
    report = httpx.get(url(stack) + "bucket/results/smart-mix/good/report.html", timeout=10)
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    media = httpx.get(url(stack) + "bucket/inbox/smart-mix/good/a.mp4", headers={"Range": "bytes=0-4"}, timeout=10)
    assert media.status_code == 206 and media.content == b"video"
    (stack.bucket_dir / "escape.txt").symlink_to(stack.state_dir / "stack.json")
    for path in (
        "bucket/../stack.json",
        "bucket/%2e%2e/stack.json",
        "bucket/..%2fstack.json",
        "bucket/.scene-select/meta/inbox/smart-mix/good/a.mp4.json",
        "bucket/escape.txt",
        "bucket/results/smart-mix/good",
        "stack.json",
        "bucket//etc/passwd",
    ):
        answer = httpx.get(url(stack) + path, timeout=10)
        assert answer.status_code == 404, path
        assert stack.access_key_secret not in answer.text
    for method in ("PUT", "DELETE"):
        assert httpx.request(method, url(stack) + "bucket/inbox/smart-mix/good/a.mp4", timeout=10).status_code == 501
    wrong_host = httpx.get(url(stack), headers={"Host": "evil.example:80"}, timeout=10)
    assert wrong_host.status_code == 421


def test_uploads_are_checked_and_a_good_one_ends_in_results(stack: LocalStack) -> None:
    endpoint = url(stack) + "api/upload"

    def post(files: list[tuple[str, tuple[str, bytes]]], **headers: str) -> httpx.Response:
        return httpx.post(
            endpoint, data={"type": "smart-mix", "batch": "web"}, files=files, headers=headers, timeout=10
        )

    evil = post([("files", ("../../stack.json", b"x"))])
    assert evil.status_code == 400 and "is a path" in evil.json()["refused"][0]["reason"]
    assert post([("files", ("notes.docx", b"x"))]).json()["refused"][0]["file"] == "notes.docx"
    other_site = post([("files", ("a.mp4", b"v"))], Origin="https://evil.example")
    assert other_site.status_code == 403
    too_big = announce_a_huge_upload(url(stack))  # refused from its headers, before a byte of it is read
    assert too_big.startswith("HTTP/1.0 413") and "over the dashboard's limit" in too_big
    assert not (stack.bucket_dir / "inbox").exists() or not list((stack.bucket_dir / "inbox").rglob("*.*"))
    good = post([("files", ("a.mp4", b"video")), ("files", ("script.txt", "一句。".encode()))])
    assert good.status_code == 200, good.text
    assert good.json()["written"] == ["inbox/smart-mix/web/a.mp4", "inbox/smart-mix/web/script.txt"]
    wait_for_state(stack, "results/smart-mix/web/", {"finished"})
    leftovers = [p for p in (stack.bucket_dir / "inbox").rglob("*") if p.name.startswith(".scene-select-tmp")]
    assert leftovers == [] and os.path.getsize(stack.bucket_dir / "inbox/smart-mix/web/a.mp4") == 5
    assert Path(stack.bucket_dir / "inbox/smart-mix/web/script.txt").read_text("utf-8") == "一句。"
