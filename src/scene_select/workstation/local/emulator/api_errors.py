"""The error answers of the emulator, worded and numbered as Alibaba Cloud's POP gateway words them.

Clients (ours and the official SDK) decide what to do from ``Code`` and the HTTP status, so both must be
what ICE sends: ``Throttling.*`` → back off, other 4xx → fix the request, 5xx → retry. The body carries the
gateway's usual keys ``RequestId``, ``HostId``, ``Code``, ``Message`` and ``Recommend``.

Codes chosen where ICE's own documentation is silent (docs/ice-api.md#assumptions lists them):
- unknown JobId in GetBatchMediaProducingJob → ``InvalidParameter.JobNotExist`` (HTTP 400); a JobId that is
  not 32 hex characters → ``InvalidParameter``;
- unknown ProjectId in GetEditingProject or SubmitSceneBatchEditingJob → ``InvalidParameter.ProjectNotExist``
  (HTTP 400; scene_requests.py);
- wrong or missing STS token for an access key that needs one → ``InvalidSecurityToken.MismatchWithAccessKey``;
- fault-injected throttling → ``Throttling.User`` with HTTP 400 (POP's usual status; configurable).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ApiError",
    "error_body",
    "internal_error",
    "invalid_parameter",
    "missing_parameter",
    "throttled",
]


class ApiError(Exception):
    """An error answer: the POP ``Code``, its ``Message`` and the HTTP status to send."""

    def __init__(self, code: str, message: str, http_status: int) -> None:
        super().__init__(f"{code} (HTTP {http_status}): {message}")
        self.code = code
        self.message = message
        self.http_status = http_status


def error_body(error: ApiError, *, request_id: str, host_id: str) -> dict[str, Any]:
    """The JSON body POP sends with an error, including its troubleshooting link."""
    return {
        "RequestId": request_id,
        "HostId": host_id,
        "Code": error.code,
        "Message": error.message,
        "Recommend": f"https://api.aliyun.com/troubleshoot?q={error.code}&product=ICE&requestId={request_id}",
    }


def missing_parameter(name: str) -> ApiError:
    """POP's answer to a required parameter that was not sent: ``Missing<Name>``."""
    return ApiError(f"Missing{name}", f"{name} is mandatory for this action.", 400)


def invalid_parameter(detail: str, *, code: str = "InvalidParameter") -> ApiError:
    """A parameter value breaks a rule; ``detail`` names the field, the value and the rule."""
    return ApiError(code, detail, 400)


def throttled(http_status: int = 400) -> ApiError:
    """Per-user flow control, as POP words it."""
    return ApiError("Throttling.User", "Request was denied due to user flow control.", http_status)


def internal_error(detail: str = "") -> ApiError:
    """Something failed on the server side; the client may retry."""
    message = "The request processing has failed due to some unknown error, exception or failure."
    return ApiError("InternalError", f"{message} {detail}".strip(), 500)
