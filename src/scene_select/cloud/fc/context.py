"""The FC invocation context, and where a handler gets its credentials from.

The context differs by runtime (docs/fc-oss.md#the-python-runtime): python3.10 has ``context.credentials`` (the
function role's STS triple) and ``context.service``; python3.12 dropped both and injects the
credentials as ``ALIBABA_CLOUD_*`` environment variables instead. Handlers written against
:class:`FcContext` and :func:`credentials_from_context` run on either.

Credentials rotate under a warm instance, so the provider returned here looks them up **each time it
is called** — never at import, never once per instance.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from scene_select.cloud.config import ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET, ENV_SECURITY_TOKEN
from scene_select.cloud.credentials import Credentials, CredentialsProvider
from scene_select.cloud.errors import CredentialsError

__all__ = ["FcContext", "FunctionMeta", "credentials_from_context"]


class FunctionMeta(Protocol):
    """``context.function`` (both runtimes carry at least the name)."""

    @property
    def name(self) -> str: ...


class FcContext(Protocol):
    """What scene-select reads from an FC context: present on python3.10 and python3.12 alike.

    ``credentials`` exists only on python3.10 (and the local shim); read it through
    :func:`credentials_from_context`, which also knows the python3.12 way.
    """

    @property
    def request_id(self) -> str: ...

    @property
    def region(self) -> str: ...

    @property
    def function(self) -> FunctionMeta: ...


def credentials_from_context(context: Any, environ: Mapping[str, str]) -> CredentialsProvider:
    """A provider of the function role's credentials, re-read on every call.

    Order: the ``ALIBABA_CLOUD_*`` variables in ``environ`` (python3.12, and python3.10 too), then
    ``context.credentials`` (python3.10; snake_case and camelCase attribute spellings are both seen
    in samples). Pass ``os.environ`` itself so that rotated values are seen. Raises
    :class:`CredentialsError` when neither source has a key pair.
    """

    def provide() -> Credentials:
        from_env = _from_environ(environ)
        if from_env is not None:
            return from_env
        from_context = _from_context_credentials(getattr(context, "credentials", None))
        if from_context is not None:
            return from_context
        raise CredentialsError(
            f"no credentials for the function role: neither {ENV_ACCESS_KEY_ID}/{ENV_ACCESS_KEY_SECRET} "
            "in the environment nor context.credentials is set; give the function a role (s.yaml `role:`) "
            "and do not disable credential injection"
        )

    return provide


def _from_environ(environ: Mapping[str, str]) -> Credentials | None:
    access_key_id = environ.get(ENV_ACCESS_KEY_ID, "").strip()
    access_key_secret = environ.get(ENV_ACCESS_KEY_SECRET, "").strip()
    if not (access_key_id and access_key_secret):
        return None
    return Credentials(access_key_id, access_key_secret, environ.get(ENV_SECURITY_TOKEN, "").strip() or None)


def _from_context_credentials(credentials: Any) -> Credentials | None:
    if credentials is None:
        return None
    access_key_id = _first_attribute(credentials, "access_key_id", "accessKeyId")
    access_key_secret = _first_attribute(credentials, "access_key_secret", "accessKeySecret")
    if not (access_key_id and access_key_secret):
        return None
    token = _first_attribute(credentials, "security_token", "securityToken")
    return Credentials(access_key_id, access_key_secret, token or None)


def _first_attribute(source: Any, *names: str) -> str:
    for name in names:
        value = getattr(source, name, None)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""
