"""Submit cost: OSS operations and ICE calls per event, for one upload and for 50-media batches.

The use cases run exactly as the handlers run them (``handle_upload_event``, ``handle_callback``,
``reconcile_pending``) on the cloud path of bench/cloud.py: an OssStore on the fake OSS server, an
IceClient on the ICE emulator. Operations are counted twice: at the ObjectStore port (a counting
wrapper: get/put/put_if_absent/head/list/delete) and as HTTP requests the fake OSS received, which also
catches pagination; ICE calls are the HTTP requests the IceClient sent, by Action. These counts are
facts, not timings: they do not depend on the machine.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx

from bench.cloud import CloudRig, callback_event
from bench.common import Section, log
from scene_select.cloud.config import Settings
from scene_select.cloud.credentials import static_credentials
from scene_select.cloud.ice.client import IceClient
from scene_select.cloud.pipeline.layout import BucketLayout
from scene_select.cloud.pipeline.ports import ClaimPolicy, PipelineDeps
from scene_select.cloud.storage.base import ObjectInfo, ObjectStore
from scene_select_testkit.events import oss_event
from scene_select_testkit.stack import placeholder_video

OPS = ("head", "get", "list", "put", "put_if_absent", "delete")
VIDEO = placeholder_video(size=2048)
BATCH = 50


class CountingStore:
    """An ObjectStore that counts each port operation and passes it on."""

    def __init__(self, inner: ObjectStore) -> None:
        self.inner = inner
        self.bucket = inner.bucket
        self.ops: Counter[str] = Counter()
        self.listed: list[str] = []

    def get(self, key: str) -> bytes:
        self.ops["get"] += 1
        return self.inner.get(key)

    def get_range(self, key: str, start: int, length: int) -> bytes:
        self.ops["get_range"] += 1
        return self.inner.get_range(key, start, length)

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> ObjectInfo:
        self.ops["put"] += 1
        return self.inner.put(key, data, content_type=content_type)

    def put_if_absent(self, key: str, data: bytes, *, content_type: str | None = None) -> bool:
        self.ops["put_if_absent"] += 1
        return self.inner.put_if_absent(key, data, content_type=content_type)

    def head(self, key: str) -> ObjectInfo | None:
        self.ops["head"] += 1
        return self.inner.head(key)

    def list(self, prefix: str, *, limit: int | None = None) -> Iterator[ObjectInfo]:
        self.ops["list"] += 1
        self.listed.append(prefix)
        return self.inner.list(prefix, limit=limit)

    def delete(self, key: str) -> None:
        self.ops["delete"] += 1
        self.inner.delete(key)

    def url_for(self, key: str) -> str:
        return self.inner.url_for(key)


@dataclass
class Cost:
    """What one event (or a sequence of events) cost; ``per_event`` is (outcome, OSS ops) of each."""

    events: int = 0
    ops: Counter[str] = field(default_factory=Counter)
    http: int = 0
    ice: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    per_event: list[tuple[str, int]] = field(default_factory=list)
    listed: list[str] = field(default_factory=list)

    def add(self, other: Cost) -> None:
        self.events += other.events
        self.ops.update(other.ops)
        self.http += other.http
        self.ice.update(other.ice)
        self.outcomes.update(other.outcomes)
        self.per_event += other.per_event
        self.listed += other.listed

    @property
    def oss_ops(self) -> int:
        return sum(self.ops.values())


class Meter:
    """The counting store and ICE client over a rig, and a way to measure one event's cost."""

    def __init__(self, rig: CloudRig) -> None:
        assert rig.store is not None
        self.rig = rig
        self.store = CountingStore(rig.store)
        self.ice_calls: Counter[str] = Counter()
        http = httpx.Client(event_hooks={"request": [self._count_ice]}, timeout=30)
        self.ice = IceClient(
            region="cn-shanghai",
            endpoint=rig.environ["SCENE_SELECT_ICE_ENDPOINT"],
            http=http,
            credentials=static_credentials(rig.credentials),
        )
        self.settings = Settings.from_env(rig.environ)
        self.deps = PipelineDeps(self.store, self.ice, BucketLayout.from_settings(self.settings), time.time)

    def _count_ice(self, request: httpx.Request) -> None:
        self.ice_calls[request.headers.get("x-acs-action", "?")] += 1

    def measure(self, act: Callable[[], str]) -> Cost:
        self.store.ops.clear()
        self.store.listed.clear()
        self.ice_calls.clear()
        requests_before = len(self.rig.oss.requests)
        outcome = act()
        ops = Counter(self.store.ops)
        return Cost(
            1,
            ops,
            len(self.rig.oss.requests) - requests_before,
            Counter(self.ice_calls),
            Counter([outcome]),
            [(outcome, sum(ops.values()))],
            list(self.store.listed),
        )

    def upload(self, key: str, data: bytes) -> Cost:
        """Put the object (not counted: the user's upload), then handle its OSS event as the submit function."""
        return self.submit_event(self.rig.upload(key, data))

    def submit_event(self, event: bytes) -> Cost:
        """Handle one OSS event as the submit function."""
        from scene_select.cloud.pipeline.ingest import handle_upload_event

        def act() -> str:
            report = handle_upload_event(event, self.deps, settings=self.settings, holder="bench")
            return ",".join(o.outcome for o in report.outcomes)

        return self.measure(act)

    def callback(self, index: int) -> Cost:
        """Handle the ``index``-th ICE callback the rig received, as the callback function."""
        from scene_select.cloud.fc.http_trigger import parse_http_event
        from scene_select.cloud.pipeline.callback import CallbackSettings, handle_callback

        request = parse_http_event(callback_event(self.rig.inbox.wait_for(index + 1, timeout=60)[index]))
        settings = CallbackSettings.from_settings(self.settings)

        def act() -> str:
            answer = handle_callback(request, self.deps, settings=settings)
            return f"{answer.status} {answer.body.get('outcome', answer.body.get('message'))}"

        return self.measure(act)

    def reconcile(self) -> Cost:
        from scene_select.cloud.pipeline.reconcile import reconcile_pending

        def act() -> str:
            report = reconcile_pending(self.deps, ClaimPolicy.from_settings(self.settings, "bench"), max_runs=10)
            return report.summary()

        return self.measure(act)


def _manifest(names: list[str] | None) -> bytes:
    import json

    document: dict[str, object] = {"SpeechTextArray": ["第一句。Second sentence."]}
    if names is not None:
        document["Media"] = names
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def _batch(meter: Meter, label: str, *, listed: bool, manifest_first: bool, count: int) -> tuple[Cost, Cost]:
    """(the media events, the manifest event) of one smart-mix batch of ``count`` media."""
    prefix = f"inbox/smart-mix/{label}/"
    names = [f"clip-{i:02d}.mp4" for i in range(count)]
    media, manifest = Cost(), Cost()
    if manifest_first:
        manifest.add(meter.upload(prefix + "job.json", _manifest(names if listed else None)))
    for name in names:
        media.add(meter.upload(prefix + name, VIDEO))
    if not manifest_first:
        manifest.add(meter.upload(prefix + "job.json", _manifest(names if listed else None)))
    return media, manifest


def measure_all(quick: bool = False) -> dict[str, Cost]:
    """Every scenario's cost; the dict order is the table's order."""
    count = 10 if quick else BATCH
    costs: dict[str, Cost] = {}
    with CloudRig() as rig:
        meter = Meter(rig)
        costs["highlight video upload (1 object)"] = meter.upload("inbox/highlights/one.mp4", VIDEO)
        costs["same OSS event delivered again (duplicate)"] = _redeliver(meter, "inbox/highlights/one.mp4")
        one_media, one_manifest = _batch(meter, "single", listed=True, manifest_first=False, count=1)
        costs["smart-mix 1 media: the media upload"] = one_media
        costs["smart-mix 1 media: job.json last"] = one_manifest
        for listed, first, name in (
            (True, False, f"{count} media named in job.json, media first"),
            (True, True, f"{count} media named in job.json, job.json first"),
            (False, False, f"{count} media, folder listing, job.json last"),
        ):
            media, manifest = _batch(
                meter, f"b{int(listed)}{int(first)}", listed=listed, manifest_first=first, count=count
            )
            costs[f"{name}: the {count} media uploads"] = media
            costs[f"{name}: job.json upload"] = manifest
            log(f"submit cost: {name} done")
        jobs = sum(1 for c in costs.values() for o in c.outcomes.elements() if o == "submitted")
        rig.inbox.wait_for(jobs, timeout=60)
        costs["ICE callback → results written"] = meter.callback(0)
        pending = len(list(rig.store.list("results/_index/pending/")))  # type: ignore[union-attr]
        costs[f"reconcile tick finishing {pending} runs whose callback was lost"] = meter.reconcile()
        costs["reconcile tick, nothing pending"] = meter.reconcile()
    return costs


def _redeliver(meter: Meter, key: str) -> Cost:
    return meter.submit_event(_event_for(meter.rig, key))


def _event_for(rig: CloudRig, key: str) -> bytes:
    assert rig.store is not None
    return oss_event(rig.store, key)


def too_broad(prefix: str) -> bool:
    """A listing wider than one run folder, one batch folder or the pending index (e.g. all of inbox/).

    Those are at least three levels deep (``inbox/smart-mix/<batch>/``, ``results/_index/pending/``).
    """
    return prefix.rstrip("/").count("/") < 2


def run(quick: bool = False) -> Section:
    return report(measure_all(quick))


def report(costs: dict[str, Cost]) -> Section:
    section = Section("submit-cost", "Submit cost: OSS operations and ICE calls per event (`bench/submit_cost.py`)")
    section.add(
        "Counted at the ObjectStore port and, in the column *HTTP*, as requests the fake OSS server received. "
        "Uploads themselves are not counted (the user makes them). A batch row sums its events; *per event* "
        "divides by their number.",
        "",
    )
    rows = []
    for name, cost in costs.items():
        kinds = ", ".join(f"{op} {cost.ops[op]}" for op in OPS if cost.ops[op])
        ice = ", ".join(f"{action} {n}" for action, n in sorted(cost.ice.items())) or "—"
        outcomes = ", ".join(f"{o} ×{n}" if n > 1 else o for o, n in cost.outcomes.items())
        per_event = f"{cost.oss_ops / cost.events:.1f}"
        rows.append([name, cost.events, cost.oss_ops, per_event, kinds or "—", cost.http, ice, outcomes])
    section.table(["scenario", "events", "OSS ops", "per event", "by kind", "HTTP", "ICE calls", "outcome"], rows)
    single = costs["highlight video upload (1 object)"]
    section.target(
        "one upload → one job",
        f"{single.oss_ops} OSS ops, {sum(single.ice.values())} ICE call",
        "1 ICE call",
        sum(single.ice.values()) == 1,
    )
    listed = [prefix for cost in costs.values() for prefix in cost.listed]
    broad = sorted({prefix for prefix in listed if too_broad(prefix)})
    section.target(
        "no listing of a whole prefix where a head or get answers",
        f"{len(listed)} listings, all of one run folder, one batch folder or the pending index"
        if not broad
        else f"broad listings: {broad}",
        "none wider than one batch or run",
        not broad,
    )
    waiting = [ops for cost in costs.values() for outcome, ops in cost.per_event if outcome == "waiting"]
    section.target(
        "an upload that does not complete its batch costs the same whatever the batch size",
        f"at most {max(waiting)} OSS ops per waiting upload (batches of 1 to {max(c.events for c in costs.values())})",
        "constant (no HEAD per named media on every upload; ≤ 5 with the batch index's waiting entry)",
        max(waiting) <= 5,
    )
    return section
