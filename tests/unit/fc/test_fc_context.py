from __future__ import annotations

from types import SimpleNamespace

import pytest

from scene_select.cloud.errors import CredentialsError
from scene_select.cloud.fc.context import FcContext, credentials_from_context
from scene_select.workstation.local.fc_runtime import LocalContext, LocalCredentials

ENV = {
    "ALIBABA_CLOUD_ACCESS_KEY_ID": "STS.env",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret",
    "ALIBABA_CLOUD_SECURITY_TOKEN": "env-token",
}


def test_python312_reads_the_environment() -> None:
    context = SimpleNamespace(request_id="r", region="cn-shanghai", function=SimpleNamespace(name="submit"))
    credentials = credentials_from_context(context, ENV)()
    assert (credentials.access_key_id, credentials.access_key_secret, credentials.security_token) == (
        "STS.env",
        "env-secret",
        "env-token",
    )


def test_python310_falls_back_to_context_credentials() -> None:
    context = LocalContext(function_name="submit", credentials=LocalCredentials("STS.ctx", "ctx-secret", "ctx-token"))
    credentials = credentials_from_context(context, {})()
    assert (credentials.access_key_id, credentials.security_token) == ("STS.ctx", "ctx-token")


def test_camel_case_context_credentials_are_understood() -> None:
    context = SimpleNamespace(credentials=SimpleNamespace(accessKeyId="AK", accessKeySecret="SK", securityToken=""))
    credentials = credentials_from_context(context, {})()
    assert (credentials.access_key_id, credentials.access_key_secret, credentials.security_token) == ("AK", "SK", None)


def test_environment_wins_over_context() -> None:
    context = LocalContext(function_name="submit", credentials=LocalCredentials("STS.ctx", "s", "t"))
    assert credentials_from_context(context, ENV)().access_key_id == "STS.env"


def test_credentials_are_read_per_call_so_rotation_is_seen() -> None:
    environ = dict(ENV)
    provider = credentials_from_context(SimpleNamespace(), environ)
    assert provider().access_key_id == "STS.env"
    environ["ALIBABA_CLOUD_ACCESS_KEY_ID"] = "STS.rotated"
    assert provider().access_key_id == "STS.rotated"


def test_no_credentials_anywhere_is_a_clear_error_when_asked_not_before() -> None:
    provider = credentials_from_context(SimpleNamespace(credentials=None), {})  # building it never fails
    with pytest.raises(CredentialsError, match="ALIBABA_CLOUD_ACCESS_KEY_ID") as caught:
        provider()
    assert "role" in str(caught.value)


def test_local_context_satisfies_the_protocol_and_hides_secrets() -> None:
    context: FcContext = LocalContext(
        function_name="callback", region="cn-beijing", credentials=LocalCredentials("AK", "very-secret", "tok")
    )
    assert context.function.name == "callback"
    assert context.region == "cn-beijing"
    assert context.request_id.startswith("1-")
    assert "very-secret" not in repr(LocalCredentials("AK", "very-secret", "tok"))
