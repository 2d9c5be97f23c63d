"""Alibaba Cloud access keys, read when a request is signed rather than once at start-up.

FC injects STS credentials that expire and rotate under a warm instance, so nothing here caches them:
a :data:`CredentialsProvider` is a plain callable asked for fresh credentials on every request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from scene_select.config import ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET, ENV_SECURITY_TOKEN
from scene_select.errors import CredentialsError

__all__ = [
    "ACCESS_KEY_ID_ENV",
    "ACCESS_KEY_SECRET_ENV",
    "SECURITY_TOKEN_ENV",
    "Credentials",
    "CredentialsProvider",
    "env_credentials",
    "static_credentials",
]

ACCESS_KEY_ID_ENV = ENV_ACCESS_KEY_ID
ACCESS_KEY_SECRET_ENV = ENV_ACCESS_KEY_SECRET
SECURITY_TOKEN_ENV = ENV_SECURITY_TOKEN


@dataclass(frozen=True)
class Credentials:
    """One access key pair, plus the STS security token when the key is temporary.

    The secret and token never appear in ``repr`` so that a logged object cannot leak them.
    """

    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)


CredentialsProvider = Callable[[], Credentials]


def env_credentials(environ: Mapping[str, str]) -> CredentialsProvider:
    """A provider reading the ``ALIBABA_CLOUD_*`` variables from ``environ`` each time it is called.

    Pass ``os.environ`` itself (not a copy) to see rotations. Raises :class:`CredentialsError` naming
    the missing variables when the key pair is incomplete.
    """

    def provide() -> Credentials:
        access_key_id = environ.get(ACCESS_KEY_ID_ENV, "").strip()
        access_key_secret = environ.get(ACCESS_KEY_SECRET_ENV, "").strip()
        missing = [
            name
            for name, value in ((ACCESS_KEY_ID_ENV, access_key_id), (ACCESS_KEY_SECRET_ENV, access_key_secret))
            if not value
        ]
        if missing:
            raise CredentialsError(
                f"no Alibaba Cloud credentials: set {' and '.join(missing)} "
                f"(and {SECURITY_TOKEN_ENV} for STS keys) in the environment"
            )
        token = environ.get(SECURITY_TOKEN_ENV, "").strip() or None
        return Credentials(access_key_id, access_key_secret, token)

    return provide


def static_credentials(credentials: Credentials) -> CredentialsProvider:
    """A provider that always returns the same key (tests, the local stack's fixed key)."""

    def provide() -> Credentials:
        return credentials

    return provide
