"""The dashboard in a real browser (headless Chromium through Playwright), as a person uses it.

Needs Playwright's Python package (in the dev extra) and a Chromium on this machine: Debian's
``chromium`` (``make install`` installs it when run as root), or any Chrome/Chromium binary named by
``SCENE_SELECT_CHROMIUM``. When either is missing the test fails saying which, rather than skipping: the
dashboard would otherwise go untested in a real browser.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scene_select.workstation.local.stack import LocalStack
from scene_select_testkit.ops import upload
from scene_select_testkit.stack import wait_for_state

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium_binary() -> str:
    configured = os.environ.get("SCENE_SELECT_CHROMIUM")
    if configured:
        return configured
    for name in CHROMIUM_NAMES:
        if found := shutil.which(name):
            return found
    pytest.fail(
        "headless Chromium is missing: install Debian's package (`apt-get install chromium`; `make install` does it "
        "when run as root) or set SCENE_SELECT_CHROMIUM to a Chrome/Chromium binary"
    )


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright's Python package is missing: `make install` installs the dev extra (playwright)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_binary(), headless=True)
        try:
            context = browser.new_context(accept_downloads=False)
            yield context.new_page()
        finally:
            browser.close()


def test_a_person_sees_every_batch_and_uploads_a_batch_that_finishes(
    stack: LocalStack, page: Any, tmp_path: Path
) -> None:
    upload(stack, "good")
    upload(stack, "bad-media")
    upload(stack, "waits", script=False)
    wait_for_state(stack, "results/smart-mix/good/", {"finished"})
    wait_for_state(stack, "results/smart-mix/bad-media/", {"failed"})
    stack.wait_settled()
    assert stack.dashboard_url is not None
    page.goto(stack.dashboard_url)
    for batch, state in (("good", "finished"), ("bad-media", "failed"), ("waits", "waiting")):
        page.wait_for_selector(f'tr[data-batch="smart-mix/{batch}"][data-state="{state}"]', timeout=10_000)
    failed_row = page.locator('tr[data-batch="smart-mix/bad-media"]')
    assert "cannot be decoded" in failed_row.inner_text() and "What to do" in failed_row.inner_text()

    # a refused upload says why, in the page, and stores nothing
    page.select_option("#upload-type", "smart-mix")
    page.fill("#upload-batch", "from-browser")
    page.set_input_files("#upload-files", [{"name": "notes.docx", "mimeType": "application/msword", "buffer": b"x"}])
    page.click("#upload-submit")
    page.wait_for_selector("#upload-result li.refused", timeout=10_000)
    assert "notes.docx" in page.inner_text("#upload-result") and "not a supported video or image" in page.inner_text(
        "#upload-result"
    )
    assert not (stack.bucket_dir / "inbox/smart-mix/from-browser").exists()

    # a good one: media and script through the form, and the batch appears, runs and finishes, live
    page.set_input_files(
        "#upload-files",
        [
            {"name": "beach.mp4", "mimeType": "video/mp4", "buffer": b"not really a video"},
            {"name": "script.txt", "mimeType": "text/plain", "buffer": "海边的日落。".encode()},
        ],
    )
    page.click("#upload-submit")
    page.wait_for_selector("#upload-result li.ok", timeout=10_000)
    page.wait_for_selector('tr[data-batch="smart-mix/from-browser"][data-state="finished"]', timeout=30_000)
    record = json.loads(stack.store.get("results/smart-mix/from-browser/job.json"))
    assert record["state"] == "finished"
    assert [s["key"] for s in record["sources"]] == [
        "inbox/smart-mix/from-browser/script.txt",
        "inbox/smart-mix/from-browser/beach.mp4",
    ]

    # its report opens from the row's link, and the history shows the run with its ICE job
    row = page.locator('tr[data-batch="smart-mix/from-browser"]')
    row.locator("td").first.click()
    page.wait_for_selector('[data-history="smart-mix/from-browser"]', timeout=10_000)
    assert record["job_id"] in page.inner_text('[data-history="smart-mix/from-browser"]')
    page.screenshot(path=str(Path(os.environ.get("DASHBOARD_SCREENSHOTS", tmp_path)) / "dashboard.png"), full_page=True)
    row.locator("a", has_text="report").click()
    page.wait_for_url("**/bucket/results/smart-mix/from-browser/report.html", timeout=10_000)
    assert "海边的日落" in page.content()


def test_the_static_status_page_in_the_bucket_shows_the_same_and_links_by_relative_paths(
    stack: LocalStack, page: Any
) -> None:
    from scene_select.workstation.cli import main

    upload(stack, "good")
    upload(stack, "bad-media")
    wait_for_state(stack, "results/smart-mix/good/", {"finished"})
    wait_for_state(stack, "results/smart-mix/bad-media/", {"failed"})
    stack.wait_settled()
    assert main(["status", "--html", "--stack", str(stack.state_dir)]) == 0
    static = stack.bucket_dir / "results/_status/index.html"
    page.goto(static.as_uri())  # as a person opens it after downloading the folder
    page.wait_for_selector('tr[data-batch="smart-mix/good"][data-state="finished"]', timeout=10_000)
    page.wait_for_selector('tr[data-batch="smart-mix/bad-media"][data-state="failed"]', timeout=10_000)
    assert page.locator("#upload").is_hidden()  # no form: the static page only shows
    report = page.locator('tr[data-batch="smart-mix/good"] a', has_text="report")
    assert report.get_attribute("href") == "../../results/smart-mix/good/report.html"
    report.click()
    page.wait_for_url((stack.bucket_dir / "results/smart-mix/good/report.html").as_uri(), timeout=10_000)
