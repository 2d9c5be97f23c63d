"""From one inbox upload to the selection job its batch should run, if the batch is complete.

A smart-mix batch is ready when its manifest (``job.json`` and/or ``script.txt``) and every media it
names are present — whichever upload comes last. Without an explicit media list the manifest is the
last upload and takes the folder's media as they are at that moment. Each highlight video is a job of
its own, with an optional ``<stem>.json`` sidecar.

The run key is a hash of everything the job is made of (source keys with their ETags, and the wire
configs), so a duplicated or concurrent event plans the same run, and a re-uploaded manifest with
different content plans a new one. Reads are bounded: a HEAD per named object (one listing of the batch
folder instead when more than a few are named), and one listing of the batch folder when the folder
itself is the media list.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scene_select.cloud.config import Settings
from scene_select.cloud.errors import BatchError
from scene_select.cloud.models.job_config import (
    MAX_ARRAY_ITEMS,
    JobType,
    SelectionJobRequest,
)
from scene_select.cloud.models.media import media_kind
from scene_select.cloud.models.steps import Produce
from scene_select.cloud.models.wire import compact_json
from scene_select.cloud.pipeline.layout import (
    APPROVAL_FILE,
    MANIFEST_FILE,
    SCRIPT_FILE,
    BatchRef,
    BucketLayout,
    InboxObject,
    Role,
)
from scene_select.cloud.pipeline.manifest import (
    BatchManifest,
    HighlightSidecar,
    parse_batch_manifest,
    parse_highlight_sidecar,
    parse_script,
)
from scene_select.cloud.pipeline.ports import USER_DATA_KEY
from scene_select.cloud.storage.base import ObjectInfo, ObjectStore

__all__ = ["USER_DATA_KEY", "NotReady", "PlannedRun", "plan_retry", "plan_upload", "run_key_for"]

_LIST_LIMIT = 1000
_HEADS_AT_MOST = 3
"""Up to this many named media are checked with a HEAD each; more, with one listing of the batch folder
(one request per 1000 keys): with the manifest uploaded first, every media upload re-checks the whole list."""


@dataclass(frozen=True)
class PlannedRun:
    """A complete batch, ready to submit."""

    batch: BatchRef
    run_key: str
    request: SelectionJobRequest
    sources: list[ObjectInfo]
    warnings: list[str] = field(default_factory=list)
    produce: Produce = Produce.SELECTION
    retry: dict[str, Any] | None = None
    """Set for a run started by ``scene-select retry``: ``{"generation", "of", "root", "at", "reason"}``."""


@dataclass(frozen=True)
class NotReady:
    """Nothing to submit yet (or ever, for this upload); ``reason`` says what the batch waits for."""

    batch: BatchRef
    reason: str


def plan_upload(
    upload: InboxObject, store: ObjectStore, settings: Settings, layout: BucketLayout
) -> list[PlannedRun] | NotReady:
    """Plan the job(s) an upload completes. BatchError/JobConfigError when the batch is invalid."""
    if upload.batch.job_type is JobType.SMART_MIX:
        planned = _plan_smart_mix(upload, store, settings, layout)
        return planned if isinstance(planned, NotReady) else [planned]
    return _plan_highlights(upload, store, settings, layout)


# --------------------------------------------------------------------------------------------- smart mix


def _get_if_present(store: ObjectStore, key: str, limit: int) -> tuple[ObjectInfo, bytes] | None:
    """A user-written file (manifest, script, sidecar) if present; one over ``limit`` is refused by its
    size, before a byte of it is read — a function has little memory and a bucket has huge files."""
    info = store.head(key)
    if info is None:
        return None
    if info.size > limit:
        name = key.rsplit("/", 1)[-1]
        raise BatchError(f"{name} is {info.size} bytes, at most {limit} allowed; keep it to the settings it needs")
    return info, store.get(key)


def _plan_smart_mix(
    upload: InboxObject, store: ObjectStore, settings: Settings, layout: BucketLayout
) -> PlannedRun | NotReady:
    batch = upload.batch
    if upload.role is Role.SUBTITLES:
        return NotReady(batch, "subtitles are read together with their video; they do not start a job")
    prefix = layout.batch_prefix(batch)
    manifest_file = _get_if_present(store, prefix + MANIFEST_FILE, settings.max_manifest_bytes)
    script_file = _get_if_present(store, prefix + SCRIPT_FILE, settings.max_manifest_bytes)
    if manifest_file is None and script_file is None:
        return NotReady(batch, f"waiting for {MANIFEST_FILE} or {SCRIPT_FILE}")
    limit = settings.max_manifest_bytes
    manifest = parse_batch_manifest(manifest_file[1], limit=limit) if manifest_file else BatchManifest()
    scripts = manifest.speech_text_array or (parse_script(script_file[1], limit=limit) if script_file else [])
    if not scripts:
        return NotReady(batch, f"waiting for {SCRIPT_FILE} (the manifest has no SpeechTextArray)")
    warnings: list[str] = []
    if manifest.media is not None:
        media = _named_media(batch, manifest.media, store, prefix)
        if isinstance(media, NotReady):
            return media
    elif upload.role is Role.MEDIA:
        return NotReady(batch, "without a Media list in job.json the manifest is the last upload; waiting for it")
    else:
        media, warnings = _folder_media(batch, store, prefix, layout)
    sources = [m for m in (manifest_file, script_file) if m is not None]
    input_config: dict[str, Any] = dict(manifest.input_config or {})
    input_config.update(
        {
            "MediaArray": [store.url_for(info.key) for info in media],
            "SpeechTextArray": scripts,
        }
    )
    for name, value in (
        ("TitleArray", manifest.title_array),
        ("BackgroundMusic", manifest.background_music),
        ("BackgroundMusicArray", manifest.background_music_array),
    ):
        if value is not None:
            input_config[name] = value
    urls_by_name = {info.key[len(prefix) :]: store.url_for(info.key) for info in media}
    return _finish_plan(
        batch,
        store,
        settings,
        layout,
        input_config=input_config,
        editing=_with_media_urls(manifest.editing_config, urls_by_name),
        output=manifest.output_config,
        produce=manifest.produce,
        sources=[info for info, _ in sources] + media,
        warnings=warnings,
    )


def _with_media_urls(editing: dict[str, Any] | None, urls_by_name: dict[str, str]) -> dict[str, Any] | None:
    """Let job.json name media in MediaMetaDataArray by file name, as it does in Media; ICE wants URLs."""
    entries = ((editing or {}).get("MediaConfig") or {}).get("MediaMetaDataArray")
    if not isinstance(entries, list):
        return editing
    rewritten = [
        dict(entry, Media=urls_by_name[entry["Media"]])
        if isinstance(entry, dict) and entry.get("Media") in urls_by_name
        else entry
        for entry in entries
    ]
    assert editing is not None
    return {**editing, "MediaConfig": {**editing["MediaConfig"], "MediaMetaDataArray": rewritten}}


def _named_media(batch: BatchRef, names: list[str], store: ObjectStore, prefix: str) -> list[ObjectInfo] | NotReady:
    if len(names) > MAX_ARRAY_ITEMS:
        raise BatchError(f"job.json Media lists {len(names)} files, at most {MAX_ARRAY_ITEMS} per batch")
    for name in names:
        if media_kind(name) not in ("video", "image"):
            raise BatchError(f"job.json Media: {name!r} is not a supported video or image file name")
    if len(names) > _HEADS_AT_MOST:  # one listing of the batch folder answers every HEAD at once
        listed = {info.key: info for info in store.list(prefix)}
        lookup: Callable[[str], ObjectInfo | None] = listed.get
    else:
        lookup = store.head
    found: list[ObjectInfo] = []
    missing: list[str] = []
    for name in names:
        info = lookup(prefix + name)
        if info is None:
            missing.append(name)
        else:
            found.append(_non_empty(info))
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        return NotReady(batch, f"waiting for {len(missing)} media named in job.json: {shown}")
    return found


def _folder_media(
    batch: BatchRef, store: ObjectStore, prefix: str, layout: BucketLayout
) -> tuple[list[ObjectInfo], list[str]]:
    media: list[ObjectInfo] = []
    warnings: list[str] = []
    for info in store.list(prefix, limit=_LIST_LIMIT + 1):
        name = info.key[len(prefix) :]
        if "/" in name or name in (MANIFEST_FILE, SCRIPT_FILE, APPROVAL_FILE) or name.lower().endswith(".srt"):
            continue
        if media_kind(name) in ("video", "image"):
            media.append(_non_empty(info))
        else:
            warnings.append(f"ignored {name!r}: not a supported video or image")
    if not media:
        raise BatchError(f"batch {batch.label} has no video or image files next to its manifest")
    if len(media) > MAX_ARRAY_ITEMS:
        raise BatchError(
            f"batch {batch.label} has {len(media)} media files, at most {MAX_ARRAY_ITEMS} per job; "
            "split it into several batches or list the media to use in job.json (Media)"
        )
    return media, warnings


def _non_empty(info: ObjectInfo) -> ObjectInfo:
    if info.size == 0:
        raise BatchError(f"{info.key!r} is an empty (zero-byte) file; upload it again")
    return info


# --------------------------------------------------------------------------------------------- highlights


def _plan_highlights(
    upload: InboxObject, store: ObjectStore, settings: Settings, layout: BucketLayout
) -> list[PlannedRun] | NotReady:
    if upload.role is Role.SUBTITLES:
        return NotReady(upload.batch, "subtitles are read together with their video; they do not start a job")
    if upload.role is Role.MEDIA:
        info = store.head(upload.key)
        if info is None:
            return NotReady(upload.batch, "the video is no longer in the inbox")
        videos = [(upload.batch, info)]
        stem = upload.batch.name.rsplit(".", 1)[0]
    else:
        stem = upload.batch.name
        videos = _videos_for_stem(stem, store, layout)
        if not videos:
            return NotReady(upload.batch, "sidecar stored; waiting for its video (same name, a video extension)")
    sidecar_file = _get_if_present(store, layout.highlight_stem_key(stem, ".json"), settings.max_manifest_bytes)
    sidecar = (
        parse_highlight_sidecar(f"{stem}.json", sidecar_file[1], limit=settings.max_manifest_bytes)
        if sidecar_file
        else HighlightSidecar()
    )
    plans = []
    for batch, video in videos:
        input_config: dict[str, Any] = dict(sidecar.input_config or {})
        input_config["MediaArray"] = [store.url_for(_non_empty(video).key)]
        if sidecar.highlight_strategy is not None:
            input_config["HighlightStrategy"] = sidecar.highlight_strategy
        if sidecar.title_array is not None:
            input_config["TitleArray"] = sidecar.title_array
        if sidecar.background_music_array is not None:
            input_config["BackgroundMusicArray"] = sidecar.background_music_array
        sources = [video] + ([sidecar_file[0]] if sidecar_file else [])
        plans.append(
            _finish_plan(
                batch,
                store,
                settings,
                layout,
                input_config=input_config,
                editing=sidecar.editing_config,
                output=sidecar.output_config,
                produce=sidecar.produce,
                sources=sources,
                warnings=[],
            )
        )
    return plans


def _videos_for_stem(stem: str, store: ObjectStore, layout: BucketLayout) -> list[tuple[BatchRef, ObjectInfo]]:
    prefix = layout.highlight_stem_key(stem, ".")
    base = layout.highlight_stem_key("", "")
    found = []
    for info in store.list(prefix, limit=_LIST_LIMIT):
        name = info.key[len(base) :]
        if "/" not in info.key[len(prefix) :] and media_kind(name) == "video":
            found.append((BatchRef(JobType.HIGHLIGHTS, name), info))
    return found


# --------------------------------------------------------------------------------------------- shared


def _merged(*parts: dict[str, Any] | None) -> dict[str, Any]:
    """Later parts override earlier ones key by key (settings defaults, then the batch's overrides)."""
    merged: dict[str, Any] = {}
    for part in parts:
        merged.update(part or {})
    return merged


def _finish_plan(
    batch: BatchRef,
    store: ObjectStore,
    settings: Settings,
    layout: BucketLayout,
    *,
    input_config: dict[str, Any],
    editing: dict[str, Any] | None,
    output: dict[str, Any] | None,
    sources: list[ObjectInfo],
    warnings: list[str],
    produce: str | None = None,
) -> PlannedRun:
    # url_for percent-encodes the key, so the {index} placeholder is appended after it, literally.
    default_url = settings.output_media_url or store.url_for(layout.results_dir(batch) + "output") + "_{index}.mp4"
    output_config = _merged({"MediaURL": default_url, "Count": 1}, settings.default_output_config, output)
    editing_config = _merged(settings.default_editing_config, editing) or None
    unsigned = SelectionJobRequest.from_wire(batch.job_type.value, input_config, output_config, editing_config)
    what = Produce(produce) if produce else settings.produce
    if what is not Produce.SELECTION and not unsigned.output_config.media_url:
        raise BatchError(
            f"batch {batch.label} asks for videos (Produce {what.value}) but its OutputConfig.MediaURL is empty; "
            "leave MediaURL out for the default (next to the results) or give the OSS URL to render to"
        )
    run_key = run_key_for(batch, sources, unsigned, what)
    user_data: dict[str, Any] = {USER_DATA_KEY: {"bucket": store.bucket, "run": run_key}}
    if settings.callback_url:
        user_data["NotifyAddress"] = settings.callback_url
    request = SelectionJobRequest.from_wire(
        batch.job_type.value, input_config, output_config, editing_config, user_data
    )
    return PlannedRun(batch=batch, run_key=run_key, request=request, sources=sources, warnings=warnings, produce=what)


def run_key_for(
    batch: BatchRef, sources: list[ObjectInfo], unsigned: SelectionJobRequest, produce: Produce, *, retry: int = 0
) -> str:
    """The run key: a hash of the job type, the batch, each source's key and ETag, the exact configs (without
    UserData, which carries the key itself), what the run produces and, for a retry, its generation.

    A run that only selects keeps the key it always had; one that also renders is another run; retry
    generation *n* of a run is another run again, the same for everyone who asks for it (retry.py).
    """
    source_tags = sorted(f"{s.key}\t{s.etag}" for s in sources)
    wanted = [] if produce is Produce.SELECTION else [f"produce={produce.value}"]
    again = [f"retry={retry}"] if retry else []
    fingerprint = "\n".join(
        [batch.job_type.value, batch.name, *source_tags, compact_json(unsigned.wire_params()), *wanted, *again]
    )
    return hashlib.sha256(fingerprint.encode("utf-8")).hexdigest()[:20]


def plan_retry(previous: PlannedRun, *, generation: int, retry: dict[str, Any]) -> PlannedRun:
    """Generation ``generation`` of a run: the same sources and configs under a new run key (and UserData
    naming it). ``retry`` is what the new run records about itself (retry.py)."""
    params = previous.request.wire_params()
    unsigned = SelectionJobRequest.from_wire(
        params["JobType"], params["InputConfig"], params["OutputConfig"], params.get("EditingConfig")
    )
    run_key = run_key_for(previous.batch, previous.sources, unsigned, previous.produce, retry=generation)
    user_data = dict(previous.request.user_data.to_wire()) if previous.request.user_data else {}
    ours = user_data.get(USER_DATA_KEY)
    user_data[USER_DATA_KEY] = {**(ours if isinstance(ours, dict) else {}), "run": run_key}
    request = SelectionJobRequest.from_wire(
        params["JobType"], params["InputConfig"], params["OutputConfig"], params.get("EditingConfig"), user_data
    )
    return PlannedRun(
        batch=previous.batch,
        run_key=run_key,
        request=request,
        sources=previous.sources,
        warnings=previous.warnings,
        produce=previous.produce,
        retry=retry,
    )
