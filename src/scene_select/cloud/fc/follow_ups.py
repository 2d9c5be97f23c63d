"""The follow-up of a run, asked of Function Compute: an asynchronous invocation of the callback function.

The callback answers ICE within its 3-second window and must not do more (follow_up_request.py explains
why); it asks for the rest with one HTTP request to its own trigger URL marked
``X-Fc-Invocation-Type: Async``, which FC answers at once (202) and runs later, with its asynchronous
retries. Asking never fails the callback: a request that does not get through is logged, and the
reconcile pass runs the follow-up instead.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import httpx

from scene_select.cloud.pipeline.follow_up_request import follow_up_request

__all__ = ["SelfInvocation"]

log = logging.getLogger(__name__)

_TIMEOUT = httpx.Timeout(connect=0.5, read=1.0, write=0.5, pool=0.5)


class SelfInvocation:
    """``FollowUps`` through the callback function's own HTTP trigger (one per warm instance)."""

    def __init__(self, url: str, auth_key: str, *, clock: Callable[[], float] = time.time) -> None:
        self.url = url
        self._auth_key = auth_key
        self._clock = clock
        self._client: httpx.Client | None = None

    def request(self, run_key: str) -> None:
        headers, body = follow_up_request(run_key, self._auth_key, now=self._clock())
        if self._client is None:
            self._client = httpx.Client(timeout=_TIMEOUT)
        try:
            response = self._client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            log.warning("follow-up of run %s not requested (%s); the reconcile pass will run it", run_key, exc)
            return
        if response.status_code not in (200, 202):
            log.warning(
                "follow-up of run %s: the trigger answered %d; the reconcile pass will run it",
                run_key,
                response.status_code,
            )
