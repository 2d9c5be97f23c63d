"""Where things live in the bucket: what an inbox key means, and where a batch's results go.

The bucket conventions (docs/bucket.md) in one place. Classifying a key is the first thing the
submit function does with an event, so hostile keys (``..`` segments, control characters, absolute
paths, over-long names) are refused here, before any read, and keys outside the inbox are ignored
without writing anything — a result can never start a job.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from scene_select.cloud.errors import BatchError
from scene_select.cloud.models.job_type import JobType
from scene_select.cloud.models.media import media_kind
from scene_select.cloud.storage.keys import validate_key

if TYPE_CHECKING:
    from scene_select.cloud.config import Settings

__all__ = [
    "HIGHLIGHTS_FOLDER",
    "MANIFEST_FILE",
    "SCRIPT_FILE",
    "SMART_MIX_FOLDER",
    "BatchRef",
    "BucketLayout",
    "InboxObject",
    "Role",
]

SMART_MIX_FOLDER = "smart-mix"
HIGHLIGHTS_FOLDER = "highlights"
MANIFEST_FILE = "job.json"
SCRIPT_FILE = "script.txt"
APPROVAL_FILE = "approval.json"
"""A person's approval of a review batch's selection: ``inbox/smart-mix/<batch>/approval.json``, or
``inbox/highlights/<video name>.approval.json`` next to a highlight video."""
APPROVAL_SUFFIX = "." + APPROVAL_FILE

_ERROR_NAME_CHARS = 64  # of the offending file's name, in its error record's name

_FOLDER_OF = {JobType.SMART_MIX: SMART_MIX_FOLDER, JobType.HIGHLIGHTS: HIGHLIGHTS_FOLDER}


class Role(Enum):
    """What an uploaded object is to its batch."""

    MEDIA = "media"
    MANIFEST = "manifest"  # smart-mix job.json
    SCRIPT = "script"  # smart-mix script.txt
    SIDECAR = "sidecar"  # highlights <name>.json
    SUBTITLES = "subtitles"  # <name>.srt next to a video: read by the engine, never a job of its own
    APPROVAL = "approval"  # a person approves a review batch's selection: its videos are made
    UNSUPPORTED = "unsupported"  # a stray file in a batch: reported next to the batch, never a job


@dataclass(frozen=True)
class BatchRef:
    """One batch: a smart-mix folder, or one highlight video (its path below inbox/highlights/)."""

    job_type: JobType
    name: str

    @property
    def folder(self) -> str:
        return _FOLDER_OF[self.job_type]

    @property
    def label(self) -> str:
        """How people name it in logs and summaries: ``smart-mix/<batch>``."""
        return f"{self.folder}/{self.name}"


@dataclass(frozen=True)
class InboxObject:
    """An inbox key understood: its batch, its role, its file name within the batch."""

    key: str
    batch: BatchRef
    role: Role
    file_name: str
    problem: str | None = None


class BucketLayout:
    """The inbox and results prefixes and every key derived from them."""

    def __init__(self, *, inbox_prefix: str = "inbox/", results_prefix: str = "results/") -> None:
        self.inbox_prefix = inbox_prefix
        self.results_prefix = results_prefix

    @classmethod
    def from_settings(cls, settings: Settings) -> BucketLayout:
        """The deployment's layout (SCENE_SELECT_INBOX_PREFIX, SCENE_SELECT_RESULTS_PREFIX)."""
        return cls(inbox_prefix=settings.inbox_prefix, results_prefix=settings.results_prefix)

    # ------------------------------------------------------------------------------------ inbox side

    def is_inbox_key(self, key: str) -> bool:
        return key.startswith(self.inbox_prefix) and not key.startswith(self.results_prefix)

    def classify(self, key: str) -> InboxObject | None:
        """What an inbox upload is; None for keys that are not ours to act on (folder markers).

        Raises BatchError for keys that are unsafe or that no convention accepts; the message says
        where the file should go instead.
        """
        if key.endswith("/") and key.startswith(self.inbox_prefix):
            return None  # a console "folder" placeholder object
        validate_key(key)
        rest = key[len(self.inbox_prefix) :]
        folder, _, below = rest.partition("/")
        if folder == SMART_MIX_FOLDER:
            return self._classify_smart_mix(key, below)
        if folder == HIGHLIGHTS_FOLDER:
            return self._classify_highlight(key, below)
        raise BatchError(
            f"{key!r} is not in a known inbox folder; put smart-mix batches under "
            f"{self.inbox_prefix}{SMART_MIX_FOLDER}/<batch>/ and highlight videos under "
            f"{self.inbox_prefix}{HIGHLIGHTS_FOLDER}/"
        )

    def _classify_smart_mix(self, key: str, below: str) -> InboxObject:
        batch_name, _, file_name = below.partition("/")
        if not file_name or "/" in file_name:
            raise BatchError(
                f"{key!r}: files of a smart-mix batch go directly in "
                f"{self.inbox_prefix}{SMART_MIX_FOLDER}/<batch>/ (no subfolders)"
            )
        batch = BatchRef(JobType.SMART_MIX, batch_name)
        if file_name == MANIFEST_FILE:
            return InboxObject(key, batch, Role.MANIFEST, file_name)
        if file_name == SCRIPT_FILE:
            return InboxObject(key, batch, Role.SCRIPT, file_name)
        if file_name == APPROVAL_FILE:
            return InboxObject(key, batch, Role.APPROVAL, file_name)
        if file_name.lower().endswith(".srt"):
            return InboxObject(key, batch, Role.SUBTITLES, file_name)
        if media_kind(file_name) in ("video", "image"):
            return InboxObject(key, batch, Role.MEDIA, file_name)
        problem = (
            f"{file_name!r} in batch {batch.label} is not a supported video or image, {MANIFEST_FILE} or "
            f"{SCRIPT_FILE}; it is ignored (docs/bucket.md lists the accepted formats)"
        )
        return InboxObject(key, batch, Role.UNSUPPORTED, file_name, problem)

    def _classify_highlight(self, key: str, below: str) -> InboxObject:
        """A video's batch is its path below highlights/ (extension kept: a.mp4 and a.mov differ).

        A sidecar ``<stem>.json`` or subtitles ``<stem>.srt`` carry the stem as their batch name; the
        planner finds the video(s) they belong to.
        """
        if not below:
            raise BatchError(f"{key!r}: put highlight videos under {self.inbox_prefix}{HIGHLIGHTS_FOLDER}/<name>")
        file_name = below.rsplit("/", 1)[-1]
        lowered = below.lower()
        if lowered.endswith(APPROVAL_SUFFIX) and len(below) > len(APPROVAL_SUFFIX):
            video = below[: -len(APPROVAL_SUFFIX)]
            return InboxObject(key, BatchRef(JobType.HIGHLIGHTS, video), Role.APPROVAL, file_name)
        if lowered.endswith(".json"):
            return InboxObject(key, BatchRef(JobType.HIGHLIGHTS, below[: -len(".json")]), Role.SIDECAR, file_name)
        if lowered.endswith(".srt"):
            return InboxObject(key, BatchRef(JobType.HIGHLIGHTS, below[: -len(".srt")]), Role.SUBTITLES, file_name)
        kind = media_kind(file_name)
        if kind == "video":
            return InboxObject(key, BatchRef(JobType.HIGHLIGHTS, below), Role.MEDIA, file_name)
        reason = "an image (highlight material must be video)" if kind == "image" else "not a supported video"
        problem = f"{file_name!r} is {reason}; it is ignored"
        return InboxObject(key, BatchRef(JobType.HIGHLIGHTS, below), Role.UNSUPPORTED, file_name, problem)

    def batch_prefix(self, batch: BatchRef) -> str:
        """The inbox folder holding a smart-mix batch (for highlights: the folder of the video)."""
        if batch.job_type is JobType.SMART_MIX:
            return f"{self.inbox_prefix}{SMART_MIX_FOLDER}/{batch.name}/"
        parent = batch.name.rsplit("/", 1)[0] + "/" if "/" in batch.name else ""
        return f"{self.inbox_prefix}{HIGHLIGHTS_FOLDER}/{parent}"

    def highlight_stem_key(self, stem: str, suffix: str) -> str:
        """``inbox/highlights/<stem><suffix>``: a video's sidecar (``.json``) or subtitles (``.srt``)."""
        return f"{self.inbox_prefix}{HIGHLIGHTS_FOLDER}/{stem}{suffix}"

    def highlight_video_key(self, batch: BatchRef) -> str:
        return f"{self.inbox_prefix}{HIGHLIGHTS_FOLDER}/{batch.name}"

    # ------------------------------------------------------------------------------------ results side

    def results_dir(self, batch: BatchRef) -> str:
        return f"{self.results_prefix}{batch.folder}/{batch.name}/"

    def run_dir(self, batch: BatchRef, run_key: str) -> str:
        return f"{self.results_dir(batch)}runs/{run_key}/"

    def error_key(self, batch: BatchRef, offending_key: str) -> str:
        """One error record per offending upload, so a stray file never hides a manifest error."""
        name = offending_key.rsplit("/", 1)[-1][:_ERROR_NAME_CHARS]  # the hash keeps it unique
        return f"{self.results_dir(batch)}errors/{_short_hash(offending_key)}-{name}.json"

    def rejected_key(self, offending_key: str) -> str:
        """Error records for keys that cannot be mapped to a batch safely."""
        return f"{self.results_prefix}_rejected/{_short_hash(offending_key)}.json"

    def run_index_key(self, run_key: str) -> str:
        return f"{self.results_prefix}_index/runs/{run_key}.json"

    def pending_prefix(self) -> str:
        return f"{self.results_prefix}_index/pending/"

    def pending_key(self, run_key: str) -> str:
        return f"{self.pending_prefix()}{run_key}.json"

    def exports_prefix(self) -> str:
        return f"{self.results_prefix}_index/exports/"

    def exports_key(self, run_key: str) -> str:
        """A finished selection whose editor timelines are not written yet (the follow-up's work list)."""
        return f"{self.exports_prefix()}{run_key}.json"

    def batch_index_prefix(self) -> str:
        """``results/_index/batches/``: a few small files per batch, what ``scene-select status`` lists."""
        return f"{self.results_prefix}_index/batches/"

    def batch_index_key(self, batch: BatchRef, kind: str) -> str:
        """``results/_index/batches/<smart-mix|highlights>/<name>/<kind>``, kind ``run.json``,
        ``waiting.json`` or ``error.json`` (batch_index.py)."""
        return f"{self.batch_index_prefix()}{batch.folder}/{batch.name}/{kind}"

    def callback_seen_key(self, signature: str, job_id: str) -> str:
        """Marks one signed callback of one job as used (the replay guard)."""
        return f"{self.results_prefix}_index/callbacks/{_short_hash(signature + chr(10) + job_id)}.json"


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
