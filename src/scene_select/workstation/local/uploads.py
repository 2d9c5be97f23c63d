"""Files a person uploads through the dashboard, checked against the inbox's rules before any is stored.

The dashboard's form drops files into one batch of the inbox — ``inbox/smart-mix/<batch>/<file>`` or
``inbox/highlights/[<folder>/]<file>`` — exactly where a person would copy them. Every file is checked
first, with the checks the pipeline itself makes: the key as ``validate_key`` and the local bucket accept
keys (no ``..`` or ``.`` segment, no backslash, no control character, no reserved ``.scene-select`` name,
no over-long segment), the role ``BucketLayout.classify`` gives it (media by ICE's extensions, the
manifest, the script, a sidecar, subtitles, an approval; anything else is refused as the pipeline would
refuse it), sizes (a manifest, script or sidecar at most ``SCENE_SELECT_MAX_MANIFEST_BYTES``, a media at
most the dashboard's limit, nothing empty), names the watcher would never deliver (hidden, temporary).
One refused file refuses the upload: nothing is stored, and each refusal says why — so nothing is lost
and no batch starts half-uploaded. Accepted files are stored in the order the batch needs them (media
before the manifest and script; a highlight's sidecar before its video), each atomically (a temp file
renamed into place, as the local bucket writes every object).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scene_select.cloud.errors import BatchError, ObjectKeyError
from scene_select.cloud.pipeline.layout import HIGHLIGHTS_FOLDER, SMART_MIX_FOLDER, BucketLayout, Role
from scene_select.cloud.storage.local import INTERNAL_PREFIX, LocalDirectoryStore
from scene_select.workstation.local.watcher import is_temporary_name

__all__ = ["DEFAULT_MAX_UPLOAD_BYTES", "Refusal", "UploadPlan", "UploadRefusedError", "plan_files", "store_files"]

DEFAULT_MAX_UPLOAD_BYTES = 1024 * 1024 * 1024
"""What one upload through the dashboard may carry in all (1 GiB): it is held in memory while it is checked."""

_ORDER = {
    SMART_MIX_FOLDER: {Role.MEDIA: 0, Role.SUBTITLES: 0, Role.MANIFEST: 1, Role.SCRIPT: 2, Role.APPROVAL: 3},
    HIGHLIGHTS_FOLDER: {Role.SIDECAR: 0, Role.SUBTITLES: 0, Role.MEDIA: 1, Role.APPROVAL: 2},
}
_TEXT_ROLES = (Role.MANIFEST, Role.SCRIPT, Role.SIDECAR, Role.APPROVAL, Role.SUBTITLES)


@dataclass(frozen=True)
class Refusal:
    file: str
    reason: str


class UploadRefusedError(ValueError):
    """Nothing was stored; ``refusals`` says, for each file (or for the upload as a whole), why."""

    def __init__(self, refusals: list[Refusal]) -> None:
        super().__init__("; ".join(f"{r.file}: {r.reason}" if r.file else r.reason for r in refusals))
        self.refusals = refusals


@dataclass
class UploadPlan:
    batch: str  # the batch's label, smart-mix/<batch> or highlights/<folder>/ (the folder the files go to)
    files: list[tuple[str, bytes]] = field(default_factory=list)  # (key, bytes) in the order they are stored


def _segment_problem(segment: str, what: str) -> str | None:
    if not segment:
        return f"the {what} is empty"
    if segment in (".", ".."):
        return f"the {what} {segment!r} is not a name (no path tricks: name it plainly)"
    if "/" in segment or "\\" in segment:
        return f"the {what} {segment!r} is a path; give a plain name without '/' or '\\'"
    if segment.startswith(INTERNAL_PREFIX):
        return f"the {what} {segment!r} is reserved: names starting with {INTERNAL_PREFIX!r} are the bucket's own"
    if is_temporary_name(segment):
        return (
            f"the {what} {segment!r} is hidden or looks like a partial download (.tmp, .part, ~ …); "
            "the inbox's trigger skips such names, so it would never start anything"
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in segment):
        return f"the {what} {segment!r} contains a control character"
    return None


def plan_files(
    kind: str,
    batch: str,
    files: list[tuple[str, bytes]],
    *,
    store: LocalDirectoryStore,
    layout: BucketLayout,
    max_manifest_bytes: int,
    max_file_bytes: int,
) -> UploadPlan:
    """Check an upload (kind ``smart-mix`` or ``highlights``, the batch name or highlight folder, the files as
    (file name, bytes)); UploadRefusedError with every reason when anything is wrong."""
    kind = kind.strip()
    batch = batch.strip().strip("/") if kind == HIGHLIGHTS_FOLDER else batch.strip()
    if kind not in (SMART_MIX_FOLDER, HIGHLIGHTS_FOLDER):
        raise UploadRefusedError([Refusal("", f"choose {SMART_MIX_FOLDER} or {HIGHLIGHTS_FOLDER}, not {kind!r}")])
    problems: list[Refusal] = []
    if kind == SMART_MIX_FOLDER:
        problem = (
            _segment_problem(batch, "batch name") if batch else "name the batch (its folder under inbox/smart-mix/)"
        )
        folder = f"{layout.inbox_prefix}{SMART_MIX_FOLDER}/{batch}/"
        label = f"{SMART_MIX_FOLDER}/{batch}"
        if problem:
            problems.append(Refusal("", problem))
    else:
        segments = batch.split("/") if batch else []
        problems += [Refusal("", p) for s in segments if (p := _segment_problem(s, "folder name"))]
        folder = f"{layout.inbox_prefix}{HIGHLIGHTS_FOLDER}/" + "".join(s + "/" for s in segments)
        label = f"{HIGHLIGHTS_FOLDER}/{batch}" if batch else HIGHLIGHTS_FOLDER
    if not files:
        problems.append(Refusal("", "choose at least one file"))
    if problems:
        raise UploadRefusedError(problems)
    planned: list[tuple[int, str, bytes]] = []
    seen: set[str] = set()
    for name, data in files:
        problem = _segment_problem(name, "file name") if name else "a file has no name"
        shown = name or "(no name)"
        if problem:
            problems.append(Refusal(shown, problem))
            continue
        if name in seen:
            problems.append(Refusal(shown, "the same file name twice in one upload"))
            continue
        seen.add(name)
        key = folder + name
        try:
            store.path_for(key)  # validate_key, and what a directory cannot hold
            upload = layout.classify(key)
        except (ObjectKeyError, BatchError) as exc:
            problems.append(Refusal(shown, str(exc)))
            continue
        if upload is None or upload.role is Role.UNSUPPORTED:
            reason = upload.problem if upload is not None and upload.problem else "not a file a batch can use"
            problems.append(Refusal(shown, reason.replace("; it is ignored", "") + "; see docs/bucket.md"))
            continue
        limit = max_manifest_bytes if upload.role in _TEXT_ROLES else max_file_bytes
        if not data:
            problems.append(Refusal(shown, "the file is empty (0 bytes)"))
        elif len(data) > limit:
            what = "a manifest, script, sidecar or subtitles file" if upload.role in _TEXT_ROLES else "one file"
            problems.append(Refusal(shown, f"{len(data)} bytes is over the limit: {what} may have at most {limit}"))
        else:
            planned.append((_ORDER[kind].get(upload.role, 5), key, data))
    if problems:
        raise UploadRefusedError(problems)
    planned.sort(key=lambda item: item[0])  # stable: files of one rank keep the order they came in
    return UploadPlan(label, [(key, data) for _, key, data in planned])


def store_files(plan: UploadPlan, store: LocalDirectoryStore) -> list[str]:
    """Store the planned files in order, each atomically; the keys written."""
    written = []
    for key, data in plan.files:
        store.put(key, data)
        written.append(key)
    return written
