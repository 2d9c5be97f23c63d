"""IceClient: the three ICE actions scene-select needs, signed, retried where safe, typed.

Retry rules (the reason this module exists rather than a bare SDK call):

* Throttling and failures to connect are retried on every action, with bounded exponential backoff and
  jitter (:class:`~scene_select.cloud.ice.retry.RetryPolicy`): a throttled request was refused before any work,
  and a connect failure means the request never left, so even a submit can be sent again.
* SubmitSceneMediaSelectionJob has no client token: sending it twice makes two jobs. When a submit *may*
  have reached ICE but no usable answer came back (read timeout, connection reset or closed after sending,
  a body that is not JSON, or a 5xx — a server error does not say whether the job was created), it is not
  retried; :class:`~scene_select.cloud.errors.SubmitOutcomeUnknownError` tells the caller to reconcile (list
  recent jobs) instead. Get and List are idempotent and are retried on those failures, 5xx included.
* Any other 4xx is the request's fault and is raised at once as :class:`~scene_select.cloud.errors.IceClientError`.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import httpx

from scene_select import __version__
from scene_select.cloud.config import ENV_FC_REGION, ENV_REGION, default_ice_endpoint, validate_region
from scene_select.cloud.credentials import CredentialsProvider
from scene_select.cloud.errors import (
    ConfigError,
    IceClientError,
    IceConnectionError,
    IceError,
    IceServerError,
    IceThrottledError,
    SceneSelectError,
    SubmitOutcomeUnknownError,
)
from scene_select.cloud.ice.auth import AcsV3Auth
from scene_select.cloud.ice.retry import RetryPolicy
from scene_select.cloud.ice.rpc import build_rpc_request
from scene_select.cloud.models.ice_api import EditingProject, IceJob, IceJobPage, SubmitResult
from scene_select.cloud.models.wire import loads_untrusted

if TYPE_CHECKING:
    from scene_select.cloud.models.job_config import SelectionJobRequest
    from scene_select.cloud.models.step_requests import BatchEditingJobRequest, TimelineJobRequest

__all__ = [
    "DEFAULT_TIMEOUT",
    "SUBMIT_FORM_PARAMS",
    "IceClient",
    "JobListFilter",
    "default_endpoint",
    "normalise_endpoint",
    "split_submit_params",
]

log = logging.getLogger(__name__)

# Well under a Function Compute timeout, so a hung call fails while the function can still react.
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=15.0, write=10.0, pool=5.0)
MAX_PAGE_SIZE = 100

SUBMIT_ACTION = "SubmitSceneMediaSelectionJob"
TIMELINE_ACTION = "SubmitSceneTimelineOrganizationJob"
BATCH_EDITING_ACTION = "SubmitSceneBatchEditingJob"
GET_ACTION = "GetBatchMediaProducingJob"
LIST_ACTION = "ListBatchMediaProducingJobs"
PROJECT_ACTION = "GetEditingProject"

# SubmitSceneMediaSelectionJob sends these in the form body and every other parameter in the query
# (docs/ice-api.md#submitscenemediaselectionjob, from the generated SDK).
SUBMIT_FORM_PARAMS = frozenset({"InputConfig", "EditingConfig"})

_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def default_endpoint(region: str) -> str:
    """``https://ice.<region>.aliyuncs.com``; a malformed region is a ConfigError saying what a region looks like."""
    return default_ice_endpoint(validate_region(region))


def normalise_endpoint(endpoint: str) -> str:
    """``scheme://host[:port]``; a bare host means HTTPS (as the SDKs take it). Anything else is refused."""
    text = endpoint.strip()
    if "://" not in text:
        text = f"https://{text}"
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL as exc:
        raise ConfigError(
            f"endpoint {endpoint!r} is not a URL ({exc}); pass e.g. https://ice.cn-shanghai.aliyuncs.com"
        ) from None
    if url.scheme not in ("http", "https") or not url.host or url.path not in ("", "/") or url.query or url.fragment:
        raise ConfigError(
            f"endpoint {endpoint!r} must be http(s)://host[:port] with no path or query, "
            "e.g. https://ice.cn-shanghai.aliyuncs.com or http://127.0.0.1:8080"
        )
    return f"{url.scheme}://{url.netloc.decode('ascii')}"


def split_submit_params(params: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Split SubmitSceneMediaSelectionJob's parameters into (query, form body) as ICE expects them."""
    query = {name: value for name, value in params.items() if name not in SUBMIT_FORM_PARAMS}
    form = {name: value for name, value in params.items() if name in SUBMIT_FORM_PARAMS}
    return query, form


def _iso_utc(value: datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return aware.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class JobListFilter:
    """The filters of ListBatchMediaProducingJobs; ``page_size`` is its MaxResults (1–100)."""

    status: str | None = None
    job_type: str | None = None
    start_time: datetime | str | None = None
    end_time: datetime | str | None = None
    sort_by: str | None = None
    page_size: int = MAX_PAGE_SIZE

    def __post_init__(self) -> None:
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise ConfigError(f"page_size {self.page_size} is outside 1–{MAX_PAGE_SIZE}, the range ICE accepts")

    def query(self, next_token: str | None) -> dict[str, str]:
        candidates = {
            "Status": self.status,
            "JobType": self.job_type,
            "StartTime": _iso_utc(self.start_time),
            "EndTime": _iso_utc(self.end_time),
            "SortBy": self.sort_by,
            "MaxResults": str(self.page_size),
            "NextToken": next_token,
        }
        return {name: value for name, value in candidates.items() if value}


class IceClient:
    """One client per warm instance: it owns (or borrows) one ``httpx.Client`` and reuses its connections."""

    def __init__(
        self,
        *,
        region: str | None,
        credentials: CredentialsProvider,
        endpoint: str | None = None,
        http: httpx.Client | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        max_attempts: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        retry: RetryPolicy | None = None,
        auth: httpx.Auth | None = None,
    ) -> None:
        regional = None if region is None else default_endpoint(region)  # validates the region format
        if endpoint is not None:
            self.endpoint = normalise_endpoint(endpoint)
        elif regional is not None:
            self.endpoint = regional
        else:
            raise ConfigError(
                f"no ICE region: pass --region, or set {ENV_FC_REGION} or {ENV_REGION} (e.g. cn-shanghai)"
            )
        self.region = region
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._owns_http = http is None
        self._client = http  # created on the first call: a pass that never calls ICE never pays for it
        self._auth = auth or AcsV3Auth(credentials)
        self._retry = retry or RetryPolicy(max_attempts=max_attempts)
        self._sleep = sleep
        self._jitter = jitter

    def close(self) -> None:
        """Close the connection pool if this client created it."""
        if self._owns_http and self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> IceClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------------------------------ actions

    def submit_scene_media_selection_job(self, request: SelectionJobRequest) -> SubmitResult:
        """Submit once. Raises SubmitOutcomeUnknownError when ICE may have created the job unseen."""
        query, form = split_submit_params(request.wire_params())
        return self._submitted(SUBMIT_ACTION, self._call(SUBMIT_ACTION, query=query, form=form, idempotent=False))

    @staticmethod
    def _submitted(action: str, data: dict[str, Any]) -> SubmitResult:
        if not data.get("JobId"):
            raise SubmitOutcomeUnknownError(
                f"ICE accepted {action} but its answer has no JobId; list recent jobs to find it before resubmitting",
                request_id=data.get("RequestId"),
            )
        return SubmitResult.model_validate(data)

    def submit_scene_timeline_organization_job(self, request: TimelineJobRequest) -> SubmitResult:
        """Submit a selection for timeline organisation, once (SubmitOutcomeUnknownError as for selection)."""
        query, form = request.wire_params()
        return self._submitted(TIMELINE_ACTION, self._call(TIMELINE_ACTION, query=query, form=form, idempotent=False))

    def submit_scene_batch_editing_job(self, request: BatchEditingJobRequest) -> SubmitResult:
        """Submit editing projects for rendering, once (SubmitOutcomeUnknownError as for selection)."""
        query, form = request.wire_params()
        return self._submitted(
            BATCH_EDITING_ACTION, self._call(BATCH_EDITING_ACTION, query=query, form=form or None, idempotent=False)
        )

    def get_editing_project(self, project_id: str) -> EditingProject:
        """An editing project with its timeline (RequestSource OpenAPI: the API-style timeline)."""
        if not project_id.strip():
            raise ConfigError("a ProjectId is required")
        data = self._call(PROJECT_ACTION, query={"ProjectId": project_id}, form=None, idempotent=True)
        return EditingProject.model_validate(_member(data, PROJECT_ACTION, "Project"))

    def get_batch_media_producing_job(self, job_id: str) -> IceJob:
        """The job's status, configs and (once finished) its selection result."""
        if not job_id.strip():
            raise ConfigError("a JobId is required (the 32-hex id that submit printed)")
        data = self._call(GET_ACTION, query={"JobId": job_id}, form=None, idempotent=True)
        return IceJob.model_validate(_member(data, GET_ACTION, "EditingBatchJob"))

    def list_batch_media_producing_jobs_page(
        self, filters: JobListFilter | None = None, *, next_token: str | None = None
    ) -> IceJobPage:
        """One page of ListBatchMediaProducingJobs; pass the previous page's NextToken for the next."""
        query = (filters or JobListFilter()).query(next_token)
        return IceJobPage.model_validate(self._call(LIST_ACTION, query=query, form=None, idempotent=True))

    def list_batch_media_producing_jobs(
        self,
        *,
        status: str | None = None,
        job_type: str | None = None,
        start_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
        sort_by: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> Iterator[IceJob]:
        """Every matching job, following NextToken page by page (lazily: stop iterating to stop paging)."""
        filters = JobListFilter(status, job_type, start_time, end_time, sort_by, page_size)
        token: str | None = None
        seen_tokens: set[str] = set()
        while True:
            page = self.list_batch_media_producing_jobs_page(filters, next_token=token)
            yield from page.jobs
            if not page.next_token:
                return
            if page.next_token in seen_tokens:
                raise IceServerError(
                    code="InvalidResponse",
                    message="ListBatchMediaProducingJobs returned a NextToken it returned before; stopping",
                    request_id=page.request_id,
                    http_status=200,
                )
            seen_tokens.add(page.next_token)
            token = page.next_token

    # ------------------------------------------------------------------------------------------ transport

    @property
    def _http(self) -> httpx.Client:
        """The connection pool; building it loads httpcore and a CA bundle (~50 ms), so only when needed."""
        if self._client is None:
            self._client = httpx.Client(
                timeout=self._timeout, headers={"user-agent": f"scene-select/{__version__} httpx/{httpx.__version__}"}
            )
        return self._client

    def _call(
        self, action: str, *, query: Mapping[str, str], form: Mapping[str, str] | None, idempotent: bool
    ) -> dict[str, Any]:
        attempt = 0
        while True:
            attempt += 1
            request = build_rpc_request(
                self._http, self.endpoint, action, query=query, form=form, timeout=self._timeout
            )
            retry_after: float | None = None
            try:
                response = self._http.send(request, auth=self._auth)
            except _NEVER_SENT as exc:
                failure: SceneSelectError = IceConnectionError(
                    f"could not connect to ICE at {self.endpoint} ({type(exc).__name__}: {exc}); "
                    "check the endpoint and the network"
                )
                failure.__cause__ = exc
            except httpx.TransportError as exc:
                if not idempotent:
                    raise SubmitOutcomeUnknownError(
                        f"{action} was sent to {self.endpoint} but no answer came back ({type(exc).__name__}: "
                        f"{exc or 'no detail'}); ICE may have created the job: list recent jobs before resubmitting"
                    ) from exc
                failure = IceConnectionError(
                    f"no answer from ICE at {self.endpoint} for {action} ({type(exc).__name__}: {exc or 'no detail'})"
                )
                failure.__cause__ = exc
            else:
                try:
                    return self._decode(action, response, idempotent=idempotent)
                except IceServerError as exc:
                    if not idempotent:
                        raise SubmitOutcomeUnknownError(
                            f"{action} answered HTTP {exc.http_status} ({exc.code}); a server error does not say "
                            "whether the job was created: list recent jobs before resubmitting",
                            request_id=exc.request_id,
                        ) from exc
                    failure = exc
                    retry_after = _retry_after_seconds(response.headers)
                except IceThrottledError as exc:
                    failure = exc
                    retry_after = _retry_after_seconds(response.headers)
            if attempt >= self._retry.max_attempts:
                raise failure
            wait = self._retry.delay(attempt, self._jitter(), retry_after=retry_after)
            log.warning(
                "ICE %s attempt %d/%d failed (%s); retrying in %.2f s",
                action,
                attempt,
                self._retry.max_attempts,
                failure,
                wait,
            )
            self._sleep(wait)

    @staticmethod
    def _decode(action: str, response: httpx.Response, *, idempotent: bool) -> dict[str, Any]:
        try:
            data = loads_untrusted(response.content)
        except ValueError:
            data = None
        if response.is_success:
            if isinstance(data, dict):
                return data
            if not idempotent:
                raise SubmitOutcomeUnknownError(
                    f"{action} answered HTTP {response.status_code} with a body that is not JSON; ICE may have "
                    "created the job: list recent jobs before resubmitting"
                )
            raise IceServerError(
                code="InvalidResponse",
                message=f"{action} answered with a body that is not a JSON object: {response.text[:200]!r}",
                request_id=None,
                http_status=response.status_code,
            )
        raise _error_from(response, data if isinstance(data, dict) else None)


def _error_from(response: httpx.Response, data: dict[str, Any] | None) -> IceError:
    """The typed exception for an ICE error answer."""
    status = response.status_code
    if data is None:
        code, message, request_id = f"HTTP{status}", response.text[:200] or response.reason_phrase, None
    else:
        code = str(data.get("Code") or data.get("code") or f"HTTP{status}")
        message = str(data.get("Message") or data.get("message") or "")
        request_id = data.get("RequestId") or data.get("requestId")
    kind: type[IceError]
    if code.startswith("Throttling") or status == 429:
        kind = IceThrottledError
    elif status >= 500:
        kind = IceServerError
    else:
        kind = IceClientError
    return kind(code=code, message=message, request_id=request_id, http_status=status)


def _retry_after_seconds(headers: httpx.Headers) -> float | None:
    """``x-acs-retry-after`` (milliseconds, what the SDK reads) or a standard ``Retry-After`` (seconds)."""
    for name, scale in (("x-acs-retry-after", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value:
            try:
                seconds = float(value) * scale
            except ValueError:
                continue
            if seconds > 0:
                return seconds
    return None


def _member(data: dict[str, Any], action: str, name: str) -> dict[str, Any]:
    """The object an answer carries under ``name``; an answer without it is ICE's fault, reported as such."""
    member = data.get(name)
    if not isinstance(member, dict):
        raise IceServerError(
            code="InvalidResponse",
            message=f"{action} answered without {name}",
            request_id=data.get("RequestId"),
            http_status=200,
        )
    return member
