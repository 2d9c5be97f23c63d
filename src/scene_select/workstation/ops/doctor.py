"""``scene-select doctor``: is a deployment set up right, before its first batch fails?

Each check is one small function below, run in order on what the checks before it found; each says
``ok`` with what it saw, or what is wrong and what to do. A check that cannot run because an earlier one
failed says so and is skipped (not counted as passing). The checks, in order:

1. ``credentials`` — a key pair (and STS token) is there to sign with;
2. ``region`` — FC_REGION / ALIBABA_CLOUD_REGION resolves to a region id;
3. ``prefixes`` — the inbox and results prefixes do not overlap (results under the inbox would start jobs);
4. ``settings`` — every SCENE_SELECT_* variable parses (the message names a wrong one);
5. ``bucket`` — the bucket exists and these credentials can list it (locally: the bucket directory);
6. ``ice`` — the ICE endpoint answers a signed ListBatchMediaProducingJobs (MaxResults=1);
7. ``callback-url`` — SCENE_SELECT_CALLBACK_URL is https (http on 127.0.0.1 only for the local stack) and
   answers an unsigned probe with 401, as the callback function does;
8. ``callback-auth-key`` — SCENE_SELECT_CALLBACK_AUTH_KEY is set, and the callback function accepts a probe
   signed with it (a different key there answers 401; the probe names a job nobody has, so nothing is
   written);
9. ``s.yaml`` — the triggers deployed match the settings: the OSS trigger's prefix is the inbox prefix and
   its events are exactly the four that finish an upload, the HTTP trigger takes POST anonymously (the
   signature is the authentication), the timer is enabled, and the functions get the same prefixes.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scene_select.cloud import config
from scene_select.cloud.config import Settings
from scene_select.cloud.credentials import Credentials, env_credentials
from scene_select.cloud.errors import IceClientError, SceneSelectError
from scene_select.cloud.ice.callback_auth import SIGNATURE_HEADER, TIMESTAMP_HEADER, callback_signature
from scene_select.workstation.ops.deployment import workstation_environment

__all__ = ["CHECKS", "Check", "DoctorReport", "run_doctor"]

UPLOAD_EVENTS = [
    "oss:ObjectCreated:PutObject",
    "oss:ObjectCreated:PostObject",
    "oss:ObjectCreated:CompleteMultipartUpload",
    "oss:ObjectCreated:CopyObject",
]
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_EXPRESSION = re.compile(r"\$\{([^}]*)\}")
_ENV_CALL = re.compile(r"""^env\('([A-Za-z_][A-Za-z0-9_]*)'(?:\s*,\s*'([^']*)')?\)$""")


@dataclass
class Check:
    name: str
    ok: bool | None  # None: skipped (an earlier check failed, or nothing to check here)
    detail: str
    fix: str | None = None

    @property
    def word(self) -> str:
        return "ok" if self.ok else "skipped" if self.ok is None else "FAILED"


@dataclass
class DoctorReport:
    target: str
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok is not False for check in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if check.ok is False]

    def lines(self) -> list[str]:
        width = max(len(c.name) for c in self.checks)
        lines = [f"doctor: {self.target}"]
        for check in self.checks:
            lines.append(f"  {check.word:<7}  {check.name:<{width}}  {check.detail}")
            if check.ok is False and check.fix:
                lines.append(f"  {'':<7}  {'':<{width}}  what to do: {check.fix}")
        passed = sum(1 for c in self.checks if c.ok)
        if self.ok:
            lines.append(f"doctor: all {passed} checks ok" + (" (some skipped)" if passed < len(self.checks) else ""))
        else:
            lines.append(f"doctor: {len(self.failed)} failed: " + ", ".join(c.name for c in self.failed))
        return lines

    def to_json(self) -> dict[str, Any]:
        return {"target": self.target, "ok": self.ok, "checks": [asdict(c) for c in self.checks]}


@dataclass
class _Context:
    environ: dict[str, str]
    s_yaml: Path | None
    timeout: float
    credentials: Credentials | None = None
    region: str | None = None
    settings: Settings | None = None
    callback_answers: bool = False

    @property
    def local(self) -> bool:
        return bool(self.environ.get(config.ENV_LOCAL_BUCKET_DIR))


Checker = Callable[[_Context], Check]


# ------------------------------------------------------------------------------------------ the checks


def check_credentials(ctx: _Context) -> Check:
    try:
        ctx.credentials = env_credentials(ctx.environ)()
    except SceneSelectError as exc:
        return Check(
            "credentials",
            False,
            str(exc),
            f"export {config.ENV_ACCESS_KEY_ID} and {config.ENV_ACCESS_KEY_SECRET} (and {config.ENV_SECURITY_TOKEN} "
            "for an STS token) of a RAM identity allowed to use ICE and the bucket",
        )
    key_id = ctx.credentials.access_key_id
    shown = key_id[:4] + "…" + key_id[-4:] if len(key_id) > 10 else key_id[:2] + "…"
    token = "with an STS token" if ctx.credentials.security_token else "a long-term key"
    return Check("credentials", True, f"access key {shown} ({token})")


def check_region(ctx: _Context) -> Check:
    try:
        ctx.region = config.resolve_region(None, ctx.environ)
    except SceneSelectError as exc:
        return Check(
            "region", False, str(exc), f"export {config.ENV_REGION} (or FC_REGION), the region of ICE and the bucket"
        )
    return Check("region", True, ctx.region)


def _prefix(value: str) -> str:
    value = value.strip().lstrip("/")
    return value if value.endswith("/") or not value else value + "/"


def check_prefixes(ctx: _Context) -> Check:
    inbox = _prefix(ctx.environ.get(config.ENV_INBOX_PREFIX) or "inbox/")
    results = _prefix(ctx.environ.get(config.ENV_RESULTS_PREFIX) or "results/")
    if not inbox or not results:
        return Check(
            "prefixes",
            False,
            "an empty prefix makes the trigger fire on the whole bucket, its results included",
            f"set {config.ENV_INBOX_PREFIX} and {config.ENV_RESULTS_PREFIX} to folders (defaults inbox/, results/)",
        )
    if inbox.startswith(results) or results.startswith(inbox):
        return Check(
            "prefixes",
            False,
            f"inbox prefix {inbox!r} and results prefix {results!r} overlap: results written under the inbox would "
            "start new jobs",
            f"give {config.ENV_RESULTS_PREFIX} a prefix outside the inbox (default results/) and deploy again",
        )
    return Check("prefixes", True, f"inbox {inbox}, results {results}: apart")


def check_settings(ctx: _Context) -> Check:
    try:
        ctx.settings = Settings.from_env(ctx.environ)
    except SceneSelectError as exc:
        return Check("settings", False, str(exc), "fix the variable the message names (docs/configuration.md)")
    s = ctx.settings
    return Check("settings", True, f"bucket {s.bucket}, ICE {s.ice_endpoint}, OSS {s.oss_endpoint}")


def check_bucket(ctx: _Context) -> Check:
    if ctx.settings is None or ctx.credentials is None:
        return Check("bucket", None, "skipped: needs the settings and credentials above")
    settings = ctx.settings
    if ctx.local:
        folder = Path(ctx.environ[config.ENV_LOCAL_BUCKET_DIR])
        if not folder.is_dir():
            return Check("bucket", False, f"the local bucket {folder} is not a directory", "start the local stack")
        return Check("bucket", True, f"local bucket {folder} (a directory, LOCAL MODE)")
    from scene_select.cloud.credentials import static_credentials
    from scene_select.cloud.storage.oss import OssStore

    store = OssStore.from_credentials(
        static_credentials(ctx.credentials),
        bucket_name=settings.bucket,
        endpoint=settings.oss_endpoint,
        region=settings.region,
        timeout_seconds=ctx.timeout,
        max_attempts=1,
    )
    try:
        next(iter(store.list(settings.results_prefix, limit=1)), None)
    except SceneSelectError as exc:
        text = str(exc)
        if "NoSuchBucket" in text:
            fix = f"create bucket {settings.bucket} in {settings.region}, or set {config.ENV_BUCKET} to yours"
        elif "AccessDenied" in text or "InvalidAccessKeyId" in text or "SignatureDoesNotMatch" in text:
            fix = "give these credentials oss:ListObjects on the bucket (the function role has it: infra/ram/)"
        else:
            fix = f"check {config.ENV_OSS_ENDPOINT} and the network (outside FC the public endpoint is used)"
        return Check("bucket", False, f"bucket {settings.bucket} at {settings.oss_endpoint}: {text}", fix)
    return Check("bucket", True, f"bucket {settings.bucket} answers at {settings.oss_endpoint}")


def check_ice(ctx: _Context) -> Check:
    if ctx.settings is None or ctx.credentials is None:
        return Check("ice", None, "skipped: needs the settings and credentials above")
    import httpx

    from scene_select.cloud.credentials import static_credentials
    from scene_select.cloud.ice.client import IceClient

    endpoint = ctx.settings.ice_endpoint
    client = IceClient(
        region=ctx.settings.region,
        endpoint=endpoint,
        credentials=static_credentials(ctx.credentials),
        timeout=httpx.Timeout(ctx.timeout),
        max_attempts=1,
    )
    try:
        with client:
            jobs = list(_first(client.list_batch_media_producing_jobs(page_size=1)))
    except IceClientError as exc:
        fix = (
            "the key pair, its token or this machine's clock is wrong"
            if exc.code.startswith(("InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidSecurityToken", "Invalid"))
            else "grant ice:ListBatchMediaProducingJobs (and the other ICE actions: infra/ram/) to these credentials"
        )
        return Check("ice", False, f"ICE at {endpoint} refused the signed call: {exc.code}: {exc.ice_message}", fix)
    except SceneSelectError as exc:
        fix = (
            "the local stack's ICE emulator does not answer: start the stack again (scene-select local up)"
            if ctx.local
            else f"check {config.ENV_ICE_ENDPOINT} / the region and the network"
        )
        return Check("ice", False, f"the ICE endpoint {endpoint} does not answer: {exc}", fix)
    return Check("ice", True, f"{endpoint} answered a signed ListBatchMediaProducingJobs ({len(jobs)} job shown)")


def _first(jobs: Any) -> Any:
    for job in jobs:
        yield job
        return


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, str]:
    import httpx

    answer = httpx.post(url, content=body, headers={"content-type": "application/json", **headers}, timeout=timeout)
    return answer.status_code, answer.text[:300]


def check_callback_url(ctx: _Context) -> Check:
    if ctx.settings is None:
        return Check("callback-url", None, "skipped: needs the settings above")
    url = ctx.settings.callback_url
    if not url:
        return Check(
            "callback-url",
            False,
            f"{config.ENV_CALLBACK_URL} is not set: ICE cannot tell the pipeline when a job ends (the reconcile timer "
            "still finishes each run, up to 5 minutes late)",
            "deploy, copy the callback function's HTTP trigger URL (urlInternet) into "
            f"{config.ENV_CALLBACK_URL} and deploy again (docs/deploy.md, the callback)",
        )
    parts = urlsplit(url)
    loopback = parts.hostname in _LOOPBACK
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        return Check(
            "callback-url",
            False,
            f"{url} is not https: ICE's callbacks would travel unencrypted",
            "use the https URL of the callback function's HTTP trigger",
        )
    try:
        status, text = _post(url, b"{}", {}, ctx.timeout)
    except Exception as exc:  # httpx's transport errors, whatever their kind
        return Check(
            "callback-url",
            False,
            f"{url} is not reachable: {type(exc).__name__}: {exc}",
            "start the local stack" if loopback else "check the URL (urlInternet of the callback's HTTP trigger)",
        )
    ctx.callback_answers = True
    if status != 401:
        return Check(
            "callback-url",
            False,
            f"{url} answered an unsigned probe with {status}, not 401: {text!r}",
            "point it at the callback function's HTTP trigger: that one refuses unsigned requests with 401",
        )
    note = (
        "; plain http is fine on 127.0.0.1 (the local stack), ICE in the cloud needs https"
        if parts.scheme == "http"
        else ""
    )
    return Check("callback-url", True, f"{url} refuses an unsigned probe with 401{note}")


def check_callback_auth_key(ctx: _Context) -> Check:
    if ctx.settings is None:
        return Check("callback-auth-key", None, "skipped: needs the settings above")
    keys = ctx.settings.callback_auth_keys
    if not keys:
        return Check(
            "callback-auth-key",
            False,
            f"{config.ENV_CALLBACK_AUTH_KEY} is not set: every callback is refused with 401",
            "switch on callback authentication in the ICE console and export the same AuthKey (docs/deploy.md)",
        )
    url = ctx.settings.callback_url
    if not url or not ctx.callback_answers:
        return Check("callback-auth-key", True, "set (not probed: the callback URL did not answer as expected)")
    timestamp = str(int(time.time()))
    headers = {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: callback_signature(url, timestamp, keys[0])}
    probe = json.dumps({"MessageBody": {"JobId": "sceneselectdoctor" + secrets.token_hex(8)}}).encode()
    try:
        status, text = _post(url, probe, headers, ctx.timeout)
    except Exception as exc:
        return Check("callback-auth-key", None, f"set; the signed probe did not get through: {exc}")
    if status == 401:
        return Check(
            "callback-auth-key",
            False,
            f"the callback refused a probe signed with {config.ENV_CALLBACK_AUTH_KEY} (401: {text!r}): it has "
            "another AuthKey (or another URL is configured there)",
            f"give the callback function the same {config.ENV_CALLBACK_AUTH_KEY} as ICE's callback setting and "
            "deploy again",
        )
    return Check("callback-auth-key", True, f"the callback accepts its signature (a probe for no job: {status})")


def check_s_yaml(ctx: _Context) -> Check:
    path = ctx.s_yaml or _find_s_yaml()
    if path is None or not path.is_file():
        return Check("s.yaml", None, "skipped: no s.yaml here (pass --s-yaml PATH to check one)")
    if ctx.settings is None:
        return Check("s.yaml", None, "skipped: needs the settings above")
    try:
        import yaml
    except ImportError:
        return Check("s.yaml", None, "skipped: PyYAML is not installed (pip install 'scene-select[cli]')")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        problems = _s_yaml_problems(document, ctx.settings, ctx.environ)
    except Exception as exc:
        return Check("s.yaml", False, f"{path} cannot be read: {exc}", "fix its YAML")
    if problems:
        return Check("s.yaml", False, f"{path}: " + "; ".join(problems), "make s.yaml and the settings agree")
    return Check("s.yaml", True, f"{path.name}: OSS trigger on {ctx.settings.inbox_prefix}, HTTP POST anonymous, timer")


CHECKS: tuple[Checker, ...] = (
    check_credentials,
    check_region,
    check_prefixes,
    check_settings,
    check_bucket,
    check_ice,
    check_callback_url,
    check_callback_auth_key,
    check_s_yaml,
)


# ------------------------------------------------------------------------------------------ s.yaml


def _find_s_yaml() -> Path | None:
    for candidate in (Path.cwd() / "s.yaml", Path(__file__).resolve().parents[4] / "s.yaml"):
        if candidate.is_file():
            return candidate
    return None


def _resolve(value: Any, variables: dict[str, Any], environ: Mapping[str, str]) -> Any:
    """``${env('X', 'default')}``, ``${vars.x}`` and ``${config('AccountID')}`` as `s` would resolve them here."""
    if isinstance(value, list):
        return [_resolve(item, variables, environ) for item in value]
    if isinstance(value, dict):
        return {key: _resolve(item, variables, environ) for key, item in value.items()}
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        expression = match.group(1).strip()
        if call := _ENV_CALL.match(expression):
            name, default = call.groups()
            return environ.get(name) or default or ""
        if expression.startswith("vars."):
            return str(_resolve(variables.get(expression[5:], ""), variables, environ))
        return "<" + expression + ">"

    return _EXPRESSION.sub(replace, value)


def _s_yaml_problems(document: Any, settings: Settings, environ: Mapping[str, str]) -> list[str]:
    variables = document.get("vars") or {}
    resources = _resolve(document.get("resources") or {}, variables, environ)
    triggers = [
        (name, trigger, (resource.get("props") or {}))
        for name, resource in resources.items()
        for trigger in (resource.get("props") or {}).get("triggers") or []
    ]
    problems: list[str] = []
    kinds = {trigger.get("triggerType") for _, trigger, _ in triggers}
    for kind in ("oss", "http", "timer"):
        if kind not in kinds:
            problems.append(f"no {kind} trigger")
    for name, trigger, props in triggers:
        conf = trigger.get("triggerConfig") or {}
        kind = trigger.get("triggerType")
        if kind == "oss":
            prefix = ((conf.get("filter") or {}).get("key") or {}).get("prefix")
            if _prefix(str(prefix or "")) != settings.inbox_prefix:
                problems.append(
                    f"{name}'s OSS trigger listens on {prefix!r}, the inbox prefix is {settings.inbox_prefix!r}"
                )
            if sorted(conf.get("events") or []) != sorted(UPLOAD_EVENTS):
                problems.append(f"{name}'s OSS trigger events are {conf.get('events')}, expected {UPLOAD_EVENTS}")
        elif kind == "http":
            if [m.upper() for m in conf.get("methods") or []] != ["POST"]:
                problems.append(f"{name}'s HTTP trigger takes {conf.get('methods')}, expected only POST")
            if conf.get("authType") != "anonymous":
                problems.append(
                    f"{name}'s HTTP trigger authType is {conf.get('authType')!r}; ICE cannot sign FC requests, so it "
                    "must be anonymous (the callback checks X-ICE-SIGNATURE itself)"
                )
        elif kind == "timer" and (not conf.get("cronExpression") or conf.get("enable") is False):
            problems.append(f"{name}'s timer trigger is disabled or has no cronExpression")
        variables_of = props.get("environmentVariables") or {}
        for env_name, wanted in (
            (config.ENV_INBOX_PREFIX, settings.inbox_prefix),
            (config.ENV_RESULTS_PREFIX, settings.results_prefix),
        ):
            if env_name in variables_of and _prefix(str(variables_of[env_name])) != wanted:
                problems.append(f"{name} gets {env_name}={variables_of[env_name]!r}, the settings say {wanted!r}")
    return list(dict.fromkeys(problems))


# ------------------------------------------------------------------------------------------ running


def run_doctor(
    environ: Mapping[str, str],
    *,
    stack_dir: Path | None = None,
    s_yaml: Path | None = None,
    timeout: float = 5.0,
) -> DoctorReport:
    """Every check against the deployment of ``environ`` (or the local stack in ``stack_dir``)."""
    merged = workstation_environment(environ, stack_dir)
    target = f"local stack in {stack_dir}" if stack_dir is not None else "the deployment of this environment"
    if stack_dir is None and merged.get(config.ENV_LOCAL_BUCKET_DIR):
        target = f"the local stack of this environment ({merged[config.ENV_LOCAL_BUCKET_DIR]})"
    ctx = _Context(merged, s_yaml, timeout)
    report = DoctorReport(target)
    for check in CHECKS:
        report.checks.append(check(ctx))
    return report
