"""infra/ram: the trust and permission policies are valid RAM policy JSON, least-privilege, and agree
with s.yaml's defaults."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]

RAM = REPO_ROOT / "infra" / "ram"
PLACEHOLDERS = {"<account-id>", "<bucket>", "<region>"}


def _policy(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((RAM / name).read_text(encoding="utf-8"))
    return loaded


def _statements(name: str) -> list[dict[str, Any]]:
    policy = _policy(name)
    assert policy["Version"] == "1"
    statements: list[dict[str, Any]] = policy["Statement"]
    for statement in statements:
        assert statement["Effect"] == "Allow"
    return statements


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


@pytest.mark.parametrize(
    ("name", "service"),
    [("function-role-trust.json", "fc.aliyuncs.com"), ("oss-trigger-role-trust.json", "oss.aliyuncs.com")],
)
def test_trust_policies_trust_exactly_one_service(name: str, service: str) -> None:
    (statement,) = _statements(name)
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Principal"] == {"Service": [service]}


def test_only_known_placeholders_are_used() -> None:
    for path in RAM.glob("*.json"):
        assert set(re.findall(r"<[^>]+>", path.read_text())) <= PLACEHOLDERS, path.name


def test_function_role_is_least_privilege() -> None:
    granted: dict[str, set[str]] = {}
    for statement in _statements("function-role-policy.json"):
        for action in _as_list(statement["Action"]):
            assert "*" not in action, f"wildcard action {action}"
            granted.setdefault(action, set()).update(_as_list(statement["Resource"]))
    assert granted["oss:GetObject"] == {
        "acs:oss:*:<account-id>:<bucket>/inbox/*",
        "acs:oss:*:<account-id>:<bucket>/results/*",
    }
    assert granted["oss:PutObject"] == {"acs:oss:*:<account-id>:<bucket>/results/*"}, "never write the inbox"
    assert granted["oss:DeleteObject"] == {"acs:oss:*:<account-id>:<bucket>/results/*"}, "never delete from the inbox"
    for action in (
        "ice:SubmitSceneMediaSelectionJob",
        "ice:GetBatchMediaProducingJob",
        "ice:ListBatchMediaProducingJobs",
    ):
        assert granted[action] == {"*"}
    assert granted["mns:SendMessage"] == {"acs:mns:<region>:<account-id>:/queues/scene-select-dlq/messages"}
    for action, resources in granted.items():
        if not action.startswith("ice:"):
            assert "*" not in resources, f"{action} on every resource"


def test_listing_is_limited_to_the_pipeline_prefixes() -> None:
    (listing,) = [s for s in _statements("function-role-policy.json") if "oss:ListObjects" in _as_list(s["Action"])]
    assert listing["Resource"] == ["acs:oss:*:<account-id>:<bucket>"]
    assert listing["Condition"] == {"StringLike": {"oss:Prefix": ["inbox/*", "results/*"]}}


def test_trigger_role_may_only_invoke_the_submit_function() -> None:
    (statement,) = _statements("oss-trigger-role-policy.json")
    assert statement["Action"] == ["fc:InvokeFunction"]
    assert all(
        r.startswith("acs:fc:<region>:<account-id>:functions/scene-select-submit") for r in statement["Resource"]
    )


def test_names_agree_with_s_yaml() -> None:
    text = (REPO_ROOT / "s.yaml").read_text(encoding="utf-8")
    assert "functionName: scene-select-submit" in text
    assert "'scene-select-fc-role'" in text and "'scene-select-oss-trigger-role'" in text
    assert "'scene-select-dlq'" in text
    assert "SCENE_SELECT_INBOX_PREFIX', 'inbox/'" in text and "SCENE_SELECT_RESULTS_PREFIX', 'results/'" in text


def test_readme_explains_every_policy_file() -> None:
    readme = (REPO_ROOT / "infra" / "README.md").read_text(encoding="utf-8")
    for path in Path(RAM).glob("*.json"):
        assert f"`{path.name}`" in readme
