"""s.yaml: every resource's props validate against the fc3 component's schema, and the trigger can
never fire on the pipeline's own results."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from scene_select.cloud import config
from scene_select.workstation.local.fc_runtime import load_handler

REPO_ROOT = Path(__file__).resolve().parents[3]

S_YAML = REPO_ROOT / "s.yaml"
SCHEMA_NAME = Path("shared") / "schemas" / "fc3-props.schema.json"

# Plausible deploy-time values for the ${...} expressions (what a user exports before `s deploy`).
DEPLOY_ENV = {
    "ALIBABA_CLOUD_REGION": "cn-shanghai",
    "SCENE_SELECT_BUCKET": "my-scene-bucket",
    "SCENE_SELECT_CALLBACK_AUTH_KEY": "k" * 32,
}
ACCOUNT_ID = "1234567890123456"
UPLOAD_COMPLETE = [
    "oss:ObjectCreated:PutObject",
    "oss:ObjectCreated:PostObject",
    "oss:ObjectCreated:CompleteMultipartUpload",
    "oss:ObjectCreated:CopyObject",
]
EXPRESSION = re.compile(r"\$\{([^}]*)\}")
ENV_CALL = re.compile(r"""^env\('([A-Za-z_][A-Za-z0-9_]*)'(?:\s*,\s*'([^']*)')?\)$""")


def _schema_path() -> Path | None:
    """The fc3 props schema in a ``shared/schemas/`` folder beside the checkout (CI puts it there), or
    further up for a worktree nested deeper; None when there is none (the schema test is then skipped)."""
    for ancestor in REPO_ROOT.parents:
        if (ancestor / SCHEMA_NAME).is_file():
            return ancestor / SCHEMA_NAME
    return None


def _resolve(text: str, variables: dict[str, Any]) -> str:
    def replace(match: re.Match[str]) -> str:
        expression = match.group(1).strip()
        env_call = ENV_CALL.match(expression)
        if env_call:
            name, default = env_call.groups()
            if name in DEPLOY_ENV:
                return DEPLOY_ENV[name]
            assert default is not None, f"${{env('{name}')}} has no default and no plausible value in DEPLOY_ENV"
            return default
        if expression == "config('AccountID')":
            return ACCOUNT_ID
        if expression.startswith("vars."):
            return str(variables[expression.removeprefix("vars.")])
        raise AssertionError(f"s.yaml uses an expression this test cannot resolve: ${{{expression}}}")

    return EXPRESSION.sub(replace, text)


def _substitute(value: Any, variables: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return _resolve(value, variables)
    if isinstance(value, list):
        return [_substitute(item, variables) for item in value]
    if isinstance(value, dict):
        return {key: _substitute(item, variables) for key, item in value.items()}
    return value


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(S_YAML.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def resolved(raw: dict[str, Any]) -> dict[str, Any]:
    variables = {name: _resolve(str(value), {}) for name, value in raw["vars"].items()}
    return {name: _substitute(resource["props"], variables) for name, resource in raw["resources"].items()}


def test_is_an_fc3_project_with_the_three_functions(raw: dict[str, Any]) -> None:
    assert raw["edition"] == "3.0.0"
    assert set(raw["resources"]) == {"submit", "callback", "reconcile"}
    for name, resource in raw["resources"].items():
        assert resource["component"] == "fc3"
        props = resource["props"]
        assert props["code"] == f"./build/{name}"
        assert props["handler"] == "index.handler"
        assert props["runtime"] == "python3.10"
        assert callable(load_handler(REPO_ROOT / "functions" / name))  # imports cleanly, reads nothing at import
        (action,) = resource["actions"]["pre-deploy"]
        assert action["run"] == f"python3 infra/build_artifacts.py {name}"


TRIGGER_CONFIG_DEFINITION = {"oss": "IOssTriggerConfig", "http": "IHttpTriggerConfig", "timer": "ITimerTriggerConfig"}


def _schema_problems(schema: dict[str, Any], props: dict[str, Any]) -> list[str]:
    """Every schema violation of one resource's props.

    The schema accepts a trigger's ``triggerConfig`` if it matches *any* trigger type's config (an
    ``anyOf`` of permissive objects), so a misspelt OSS event would pass; each triggerConfig is
    therefore also validated against the definition for its own ``triggerType``.
    """
    problems = [
        f"{list(error.absolute_path)}: {error.message}"
        for error in jsonschema.Draft7Validator(schema).iter_errors(props)
    ]
    for index, trigger in enumerate(props.get("triggers", [])):
        definition = TRIGGER_CONFIG_DEFINITION[trigger["triggerType"]]
        specific = {"$ref": f"#/definitions/{definition}", "definitions": schema["definitions"]}
        problems.extend(
            f"triggers[{index}].triggerConfig{list(error.absolute_path)}: {error.message}"
            for error in jsonschema.Draft7Validator(specific).iter_errors(trigger["triggerConfig"])
        )
    return problems


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    schema_path = _schema_path()
    if schema_path is None:
        pytest.skip(f"{SCHEMA_NAME} not found beside the repository (CI clones shared/ there); cannot validate")
    loaded: dict[str, Any] = json.loads(schema_path.read_text(encoding="utf-8"))
    return loaded


def test_every_resource_validates_against_the_fc3_schema(schema: dict[str, Any], resolved: dict[str, Any]) -> None:
    for name, props in resolved.items():
        assert _schema_problems(schema, props) == [], name


def test_the_validation_catches_a_broken_trigger_and_bad_sizes(
    schema: dict[str, Any], resolved: dict[str, Any]
) -> None:
    broken = json.loads(json.dumps(resolved["submit"]))
    broken["triggers"][0]["triggerConfig"]["events"] = ["oss:ObjectCreated:Everything"]
    del broken["triggers"][0]["triggerConfig"]["filter"]["key"]["suffix"]
    broken["memorySize"] = 500
    problems = _schema_problems(schema, broken)
    assert any("500 is not a multiple of 64" in p for p in problems)
    assert any("'oss:ObjectCreated:Everything' is not one of" in p for p in problems)
    assert any("'suffix' is a required property" in p for p in problems)


def test_the_oss_trigger_listens_to_complete_uploads_under_the_inbox_only(resolved: dict[str, Any]) -> None:
    (trigger,) = resolved["submit"]["triggers"]
    assert trigger["triggerType"] == "oss"
    assert trigger["triggerConfig"]["events"] == UPLOAD_COMPLETE
    assert trigger["triggerConfig"]["filter"]["key"] == {"prefix": "inbox/", "suffix": ""}
    assert trigger["sourceArn"] == f"acs:oss:cn-shanghai:{ACCOUNT_ID}:my-scene-bucket"
    assert trigger["invocationRole"] == f"acs:ram::{ACCOUNT_ID}:role/scene-select-oss-trigger-role"


@pytest.mark.parametrize(
    ("inbox", "results"),
    [("inbox/", "results/"), ("uploads/in/", "uploads/out/"), ("in/", "out/")],
)
def test_results_can_never_match_the_trigger_filter(raw: dict[str, Any], inbox: str, results: str) -> None:
    DEPLOY_ENV.update({"SCENE_SELECT_INBOX_PREFIX": inbox, "SCENE_SELECT_RESULTS_PREFIX": results})
    try:
        variables = {name: _resolve(str(value), {}) for name, value in raw["vars"].items()}
        props = _substitute(raw["resources"]["submit"]["props"], variables)
    finally:
        del DEPLOY_ENV["SCENE_SELECT_INBOX_PREFIX"], DEPLOY_ENV["SCENE_SELECT_RESULTS_PREFIX"]
    key_filter = props["triggers"][0]["triggerConfig"]["filter"]["key"]
    environment = props["environmentVariables"]
    assert key_filter["prefix"] == environment["SCENE_SELECT_INBOX_PREFIX"] == inbox
    assert key_filter["prefix"], "an empty prefix would fire on every write, results included"
    results_prefix = environment["SCENE_SELECT_RESULTS_PREFIX"]
    for key in (f"{results_prefix}smart-mix/b1/selection.json", f"{results_prefix}highlights/x/job.json"):
        matches = key.startswith(key_filter["prefix"]) and key.endswith(key_filter["suffix"])
        assert not matches, f"a result {key!r} would re-trigger submit"
    assert not results_prefix.startswith(key_filter["prefix"])


def test_environment_uses_only_setting_names_and_no_secret_literal(raw: dict[str, Any]) -> None:
    known = {value for name, value in vars(config).items() if name.startswith("ENV_") and isinstance(value, str)}
    text = S_YAML.read_text(encoding="utf-8")
    for name, resource in raw["resources"].items():
        environment = resource["props"]["environmentVariables"]
        assert set(environment) <= known, f"{name}: unknown settings {set(environment) - known}"
        assert not any(key.startswith(("FC_", "ALIBABA_CLOUD_")) for key in environment), "reserved/injected names"
        assert environment["SCENE_SELECT_CALLBACK_AUTH_KEY"] == "${env('SCENE_SELECT_CALLBACK_AUTH_KEY')}"
        for key, value in environment.items():
            assert str(value).startswith("${"), f"{name}.{key} is a literal; deploy-time values come from ${{env(...)}}"
    assert not re.search(r"LTAI[0-9A-Za-z]{12,}", text), "an access key id in s.yaml"
    assert "AccessKeySecret" not in text and "accessKeySecret" not in text


def test_async_retries_and_failure_destination_are_explicit(resolved: dict[str, Any]) -> None:
    for name in ("submit", "reconcile"):
        config_ = resolved[name]["asyncInvokeConfig"]
        assert 0 <= config_["maxAsyncRetryAttempts"] <= 8
        assert 1 <= config_["maxAsyncEventAgeInSeconds"] <= 604800  # inside both documented ranges
        destination = config_["destinationConfig"]["onFailure"]["destination"]
        assert destination == f"acs:mns:cn-shanghai:{ACCOUNT_ID}:/queues/scene-select-dlq/messages"


def test_callback_is_a_post_only_anonymous_http_trigger_with_a_short_timeout(resolved: dict[str, Any]) -> None:
    props = resolved["callback"]
    (trigger,) = props["triggers"]
    assert trigger["triggerType"] == "http"
    assert trigger["triggerConfig"]["methods"] == ["POST"]
    assert trigger["triggerConfig"]["authType"] == "anonymous"
    assert props["timeout"] <= 30


def test_reconcile_runs_on_a_timer(resolved: dict[str, Any]) -> None:
    (trigger,) = resolved["reconcile"]["triggers"]
    assert trigger["triggerType"] == "timer"
    assert trigger["triggerConfig"]["enable"] is True
    assert trigger["triggerConfig"]["cronExpression"] == "@every 5m"
    json.loads(trigger["triggerConfig"]["payload"])
