"""Settings from the environment: defaults, and one clear error per wrong variable."""

from __future__ import annotations

import pytest

from scene_select.cloud.config import Settings, resolve_region
from scene_select.cloud.errors import ConfigError

BASE = {"FC_REGION": "cn-shanghai", "SCENE_SELECT_BUCKET": "media"}


def test_defaults_follow_the_region() -> None:
    settings = Settings.from_env(BASE)
    assert settings.ice_endpoint == "https://ice.cn-shanghai.aliyuncs.com"
    assert settings.oss_endpoint == "https://oss-cn-shanghai-internal.aliyuncs.com"
    assert (settings.inbox_prefix, settings.results_prefix) == ("inbox/", "results/")
    assert (settings.submit_unknown_grace_seconds, settings.ice_read_timeout_seconds) == (120, 15.0)


def test_reliability_timings_are_settings() -> None:
    env = dict(BASE, SCENE_SELECT_SUBMIT_UNKNOWN_GRACE_SECONDS="0", SCENE_SELECT_ICE_READ_TIMEOUT_SECONDS="2.5")
    settings = Settings.from_env(env)
    assert (settings.submit_unknown_grace_seconds, settings.ice_read_timeout_seconds) == (0, 2.5)


def test_auth_keys_current_then_previous_and_hidden_from_repr() -> None:
    env = dict(BASE, SCENE_SELECT_CALLBACK_AUTH_KEY="NewKey123", SCENE_SELECT_CALLBACK_AUTH_KEY_PREVIOUS="OldKey123")
    settings = Settings.from_env(env)
    assert settings.callback_auth_keys == ("NewKey123", "OldKey123")
    assert "NewKey123" not in repr(settings)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"SCENE_SELECT_BUCKET": "b"}, "FC_REGION"),
        ({"FC_REGION": "cn-shanghai"}, "SCENE_SELECT_BUCKET"),
        (dict(BASE, FC_REGION="Shanghai!"), "not an Alibaba Cloud region id"),
        (dict(BASE, SCENE_SELECT_RESULTS_PREFIX="inbox/results/"), "overlap"),
        (dict(BASE, SCENE_SELECT_INBOX_PREFIX="/"), "SCENE_SELECT_INBOX_PREFIX"),
        (dict(BASE, SCENE_SELECT_DEFAULT_OUTPUT_CONFIG="{bad"), "SCENE_SELECT_DEFAULT_OUTPUT_CONFIG"),
        (dict(BASE, SCENE_SELECT_CLAIM_TTL_SECONDS="abc"), "SCENE_SELECT_CLAIM_TTL_SECONDS"),
        (dict(BASE, SCENE_SELECT_SUBMIT_UNKNOWN_GRACE_SECONDS="-1"), "SCENE_SELECT_SUBMIT_UNKNOWN_GRACE_SECONDS"),
        (dict(BASE, SCENE_SELECT_ICE_READ_TIMEOUT_SECONDS="0"), "SCENE_SELECT_ICE_READ_TIMEOUT_SECONDS"),
        (dict(BASE, SCENE_SELECT_ICE_ENDPOINT="ice.example"), "SCENE_SELECT_ICE_ENDPOINT"),
    ],
)
def test_each_wrong_variable_is_named(env: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        Settings.from_env(env)


def test_region_precedence() -> None:
    env = {"FC_REGION": "cn-beijing", "ALIBABA_CLOUD_REGION": "cn-hangzhou"}
    assert resolve_region("cn-shenzhen", env) == "cn-shenzhen"
    assert resolve_region(None, env) == "cn-beijing"
    assert resolve_region(None, {"ALIBABA_CLOUD_REGION": "cn-hangzhou"}) == "cn-hangzhou"
    with pytest.raises(ConfigError, match="--region"):
        resolve_region(None, {})


def test_auth_key_must_look_like_an_ice_key() -> None:
    with pytest.raises(ConfigError, match="upper-case"):
        Settings.from_env(dict(BASE, SCENE_SELECT_CALLBACK_AUTH_KEY="alllowercase1"))


def test_the_old_name_of_reconcile_max_runs_still_works_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    base = {"FC_REGION": "cn-shanghai", "SCENE_SELECT_BUCKET": "b"}
    assert Settings.from_env({**base, "SCENE_SELECT_RECONCILE_MAX_RUNS": "7"}).reconcile_max_runs == 7
    with caplog.at_level("WARNING"):
        assert Settings.from_env({**base, "SCENE_SELECT_RECONCILE_MAX_JOBS": "9"}).reconcile_max_runs == 9
    assert "SCENE_SELECT_RECONCILE_MAX_JOBS is deprecated" in caplog.text
    both = {**base, "SCENE_SELECT_RECONCILE_MAX_JOBS": "9", "SCENE_SELECT_RECONCILE_MAX_RUNS": "3"}
    assert Settings.from_env(both).reconcile_max_runs == 3
