"""What the ops tests share: an ICE that fails the batches named ``bad-*``, and uploads as a person makes them."""

from __future__ import annotations

from typing import Any

from scene_select.cloud.errors import MediaError
from scene_select.cloud.models.job_config import SelectionJobRequest
from scene_select.workstation.local.stack import LocalStack
from scene_select_testkit.stack import quick_runner


def failing_runner(request: SelectionJobRequest) -> dict[str, Any]:
    """The quick runner, except that ICE cannot decode the media of a batch named bad-*."""
    if any("/bad-" in url for url in request.input_config.media_array):
        raise MediaError("the media of this batch cannot be decoded (test)")
    return quick_runner(request)


def upload(stack: LocalStack, batch: str, *, script: bool = True) -> None:
    """A smart-mix batch as a person uploads it: the media, then the script (which completes it)."""
    stack.store.put(f"inbox/smart-mix/{batch}/a.mp4", b"video-" + batch.encode())
    if script:
        stack.store.put(f"inbox/smart-mix/{batch}/script.txt", "第一句。Second sentence.".encode())
