"""Credentials come from the environment at call time, and never show their secrets."""

from __future__ import annotations

import pytest

from scene_select.cloud.credentials import Credentials, env_credentials, static_credentials
from scene_select.cloud.errors import CredentialsError


def test_env_credentials_are_read_per_call_so_rotation_is_seen() -> None:
    environ = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "ak-1", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "sk-1"}
    provide = env_credentials(environ)
    assert provide() == Credentials("ak-1", "sk-1", None)
    environ.update(
        ALIBABA_CLOUD_ACCESS_KEY_ID="ak-2", ALIBABA_CLOUD_ACCESS_KEY_SECRET="sk-2", ALIBABA_CLOUD_SECURITY_TOKEN="tok"
    )
    assert provide() == Credentials("ak-2", "sk-2", "tok")


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({}, ["ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"]),
        ({"ALIBABA_CLOUD_ACCESS_KEY_ID": "ak"}, ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"]),
        (
            {"ALIBABA_CLOUD_ACCESS_KEY_ID": " ", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "sk"},
            ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
        ),
    ],
)
def test_missing_keys_name_the_variables_to_set(environ: dict[str, str], named: list[str]) -> None:
    provide = env_credentials(environ)
    with pytest.raises(CredentialsError) as caught:
        provide()
    for name in named:
        assert name in str(caught.value)
    assert "sk" not in str(caught.value).replace("ALIBABA", "")


def test_repr_hides_secret_and_token() -> None:
    text = repr(Credentials("ak-visible", "very-secret", "very-token"))
    assert "ak-visible" in text
    assert "very-secret" not in text
    assert "very-token" not in text


def test_static_credentials() -> None:
    creds = Credentials("a", "b")
    assert static_credentials(creds)() is creds
