"""Alibaba Cloud access keys, read when a request is signed rather than once at start-up.

FC injects STS credentials that expire and rotate under a warm instance, so nothing here caches them:
a :data:`CredentialsProvider` is a plain callable asked for fresh credentials on every request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from scene_select.cloud.config import ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET, ENV_SECURITY_TOKEN
from scene_select.cloud.errors import CredentialsError

__all__ = [
    "Credentials",
    "CredentialsProvider",
    "env_credentials",
    "static_credentials",
]


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
        access_key_id = environ.get(ENV_ACCESS_KEY_ID, "").strip()
        access_key_secret = environ.get(ENV_ACCESS_KEY_SECRET, "").strip()
        missing = [
            name
            for name, value in ((ENV_ACCESS_KEY_ID, access_key_id), (ENV_ACCESS_KEY_SECRET, access_key_secret))
            if not value
        ]
        if missing:
            raise CredentialsError(
                f"no Alibaba Cloud credentials: set {' and '.join(missing)} "
                f"(and {ENV_SECURITY_TOKEN} for STS keys) in the environment"
            )
        token = environ.get(ENV_SECURITY_TOKEN, "").strip() or None
        return Credentials(access_key_id, access_key_secret, token)

    return provide


def static_credentials(credentials: Credentials) -> CredentialsProvider:
    """A provider that always returns the same key (tests, the local stack's fixed key)."""

    def provide() -> Credentials:
        return credentials

    return provide
