"""A bucket that is a directory on disk: the embedded local stack's OSS.

Layout. Object ``a/b/c.mp4`` is the plain file ``<root>/a/b/c.mp4``, so a person (or the local engine)
can drop files in and open results with ordinary tools. Everything the store keeps for itself lives
under names starting with ``.scene-select``, which are therefore refused as keys:

- ``<root>/.scene-select/meta/<key>.json`` — a sidecar per object: its content type and ETag, plus the
  inode, size and mtime of the file version it describes. A sidecar that no longer matches its file
  (the file was replaced behind the store's back) is ignored and written anew (see ETags).
- ``<dir>/.scene-select-tmp-<random>`` — a write in progress, always in the destination directory so
  that the final rename or link never crosses a filesystem (a subfolder may be a mount point).

Atomicity. A write goes to a temp file that is fsync'd, then ``os.replace`` (``put``) or ``os.link``
(``put_if_absent``) gives it its final name, and the directory is fsync'd. Readers therefore see the
old bytes or the new bytes, never a partial file. ``os.link`` fails with ``EEXIST`` when the name is
taken, which makes ``put_if_absent`` exclusive across threads *and* processes without any lock file.

ETags. Every object carries OSS's tag for a simple upload, the upper-case hex MD5 of its content,
however the file arrived: written through the store (hashed from the bytes in hand), or copied, saved
by an editor or moved into the folder (hashed from the file the first time it is looked at). The tag
is kept in the sidecar with the inode, size and mtime it was computed for, so each version of a file
is hashed once — a large video costs one read per change, not one per look — and identical bytes
saved again get the same tag, as they do in OSS. Where OSS would give a multipart upload's tag
(``<md5 of the part MD5s>-<parts>``), the directory still gives the content MD5: a directory has no
parts, and runs only need "same bytes, same tag; other bytes, other tag", which the MD5 keeps.

Differences from OSS that a directory cannot avoid: ``a`` and ``a/b`` cannot both exist (a file and a
folder of the same name), a key segment is limited to 250 bytes (NAME_MAX 255 minus the sidecar
suffix), and a filesystem without hard links cannot offer ``put_if_absent``. Each raises a clear error.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import mimetypes
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scene_select.cloud.errors import ObjectKeyError, ObjectNotFoundError, StorageError
from scene_select.cloud.storage.base import ObjectInfo, check_range, content_etag
from scene_select.cloud.storage.keys import object_url, validate_key, validate_prefix

__all__ = ["INTERNAL_PREFIX", "LocalDirectoryStore"]

logger = logging.getLogger(__name__)

INTERNAL_PREFIX = ".scene-select"
"""Names starting with this belong to the store (sidecars, temp files) and are never object keys."""

_TEMP_PREFIX = INTERNAL_PREFIX + "-tmp-"
_SIDECAR_SUFFIX = ".json"
_MAX_SEGMENT_BYTES = 255 - len(_SIDECAR_SUFFIX)
_MAKEDIRS_ATTEMPTS = 3
_HASH_ATTEMPTS = 3
_HASH_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class _Sidecar:
    content_type: str
    etag: str
    inode: int
    size: int
    mtime_ns: int

    def describes(self, stat: os.stat_result) -> bool:
        return (self.inode, self.size, self.mtime_ns) == _version(stat)


def _version(stat: os.stat_result) -> tuple[int, int, int]:
    """What names one version of a file: a save, a copy or a move changes at least one of these."""
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


class LocalDirectoryStore:
    """:class:`~scene_select.cloud.storage.base.ObjectStore` over a directory; see the module docstring."""

    NAME = "local"

    def __init__(self, root: Path, *, bucket: str, region: str) -> None:
        self.root = Path(root).absolute()
        self.bucket = bucket
        self.region = region
        self.root.mkdir(parents=True, exist_ok=True)
        self._meta_root = self.root / INTERNAL_PREFIX / "meta"

    # -- the ObjectStore protocol ------------------------------------------------------------------

    def get(self, key: str) -> bytes:
        path = self.path_for(key)
        try:
            return path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFoundError(key) from None
        except OSError as exc:
            raise StorageError(f"cannot read {key!r} from {self.root}: {exc.strerror}") from exc

    def get_range(self, key: str, start: int, length: int) -> bytes:
        path = self.path_for(key)
        check_range(start, length)
        try:
            with path.open("rb") as handle:
                handle.seek(start)
                return handle.read(length)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFoundError(key) from None
        except OSError as exc:
            raise StorageError(f"cannot read {key!r} from {self.root}: {exc.strerror}") from exc

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> ObjectInfo:
        path = self.path_for(key)
        temp, stat = self._write_temp(key, path, data)
        try:
            os.replace(temp, path)
        except IsADirectoryError:
            _unlink_quietly(temp)
            raise self._folder_conflict(key) from None
        except OSError as exc:
            _unlink_quietly(temp)
            raise StorageError(f"cannot write {key!r} under {self.root}: {exc.strerror}") from exc
        _fsync_directory(path.parent)
        return self._record(key, data, stat, content_type)

    def put_if_absent(self, key: str, data: bytes, *, content_type: str | None = None) -> bool:
        path = self.path_for(key)
        temp, stat = self._write_temp(key, path, data)
        try:
            os.link(temp, path)
        except FileExistsError:
            if path.is_dir():
                raise self._folder_conflict(key) from None
            return False
        except OSError as exc:
            if exc.errno in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                raise StorageError(
                    f"the filesystem under {self.root} does not support hard links, which put_if_absent "
                    "needs to be atomic; put the local bucket directory on a local disk (ext4, xfs, apfs, tmpfs)"
                ) from exc
            raise StorageError(f"cannot create {key!r} under {self.root}: {exc.strerror}") from exc
        finally:
            _unlink_quietly(temp)
        _fsync_directory(path.parent)
        self._record(key, data, stat, content_type)
        return True

    def head(self, key: str) -> ObjectInfo | None:
        path = self.path_for(key)
        try:
            stat = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not path.is_file():
            return None
        return self._info(key, stat)

    def list(self, prefix: str, *, limit: int | None = None) -> Iterator[ObjectInfo]:
        validate_prefix(prefix)
        if limit is not None and limit <= 0:
            return
        folder, _, _ = prefix.rpartition("/")
        start = self.root / folder if folder else self.root
        count = 0
        for key, path in self._walk(start, folder + "/" if folder else "", prefix):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue  # deleted while we walked
            yield self._info(key, stat)
            count += 1
            if limit is not None and count >= limit:
                return

    def delete(self, key: str) -> None:
        path = self.path_for(key)
        with contextlib.suppress(FileNotFoundError, IsADirectoryError, NotADirectoryError):
            path.unlink()
            _fsync_directory(path.parent)
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            self._sidecar_path(key).unlink()
        self._prune_empty_folders(path.parent, self.root)
        self._prune_empty_folders(self._sidecar_path(key).parent, self._meta_root)

    def url_for(self, key: str) -> str:
        return object_url(self.bucket, key, host=f"oss-{self.region}.aliyuncs.com")

    # -- extras of this adapter --------------------------------------------------------------------

    def path_for(self, key: str) -> Path:
        """The file that holds ``key`` (it may not exist). Validates the key first."""
        validate_key(key)
        for segment in key.split("/"):
            if segment.startswith(INTERNAL_PREFIX):
                raise ObjectKeyError(
                    f"object key {key!r} uses the reserved name {segment!r}: names starting with "
                    f"{INTERNAL_PREFIX!r} hold the local store's own files",
                    key=key,
                )
            if len(segment.encode("utf-8")) > _MAX_SEGMENT_BYTES:
                raise ObjectKeyError(
                    f"object key {key!r} has a segment longer than {_MAX_SEGMENT_BYTES} bytes, "
                    "which a local directory cannot hold; shorten that file or folder name",
                    key=key,
                )
        return self.root.joinpath(*key.split("/"))

    def key_for_path(self, path: Path) -> str | None:
        """The object key of a file under the root, or ``None`` for the store's own files and
        for names that are not valid keys. A directory watcher uses it to ignore temp files."""
        try:
            relative = Path(path).absolute().relative_to(self.root)
        except ValueError:
            return None
        key = "/".join(relative.parts)
        try:
            self.path_for(key)
        except ObjectKeyError:
            return None
        return key

    def content_type(self, key: str) -> str | None:
        """The Content-Type given when the object was written (guessed from the name otherwise);
        ``None`` when there is no such object."""
        path = self.path_for(key)
        try:
            stat = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        sidecar = self._read_sidecar(key)
        if sidecar is not None and sidecar.describes(stat):
            return sidecar.content_type
        return _guess_content_type(key)

    # -- internals ---------------------------------------------------------------------------------

    def _write_temp(self, key: str, path: Path, data: bytes) -> tuple[Path, os.stat_result]:
        """Write ``data`` to a fsync'd temp file beside ``path``; return it and its stat."""
        for attempt in range(1, _MAKEDIRS_ATTEMPTS + 1):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError):
                raise self._file_conflict(key) from None
            temp = path.parent / f"{_TEMP_PREFIX}{secrets.token_hex(8)}"
            try:
                fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            except FileNotFoundError:
                # a concurrent delete pruned the folder we just made; make it again
                if attempt == _MAKEDIRS_ATTEMPTS:
                    raise StorageError(f"folder for {key!r} keeps disappearing under {self.root}") from None
                continue
            except OSError as exc:
                raise StorageError(f"cannot write {key!r} under {self.root}: {exc.strerror}") from exc
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                    stat = os.fstat(handle.fileno())
            except OSError as exc:
                _unlink_quietly(temp)
                raise StorageError(f"cannot write {key!r} under {self.root}: {exc.strerror}") from exc
            return temp, stat
        raise AssertionError("unreachable")

    def _record(self, key: str, data: bytes, stat: os.stat_result, content_type: str | None) -> ObjectInfo:
        """Write the sidecar for a file we just placed and return its ObjectInfo."""
        etag = content_etag(data)
        self._write_sidecar(key, content_type or _guess_content_type(key), etag, stat)
        return ObjectInfo(key=key, size=stat.st_size, etag=etag, last_modified=stat.st_mtime)

    def _write_sidecar(self, key: str, content_type: str, etag: str, stat: os.stat_result) -> None:
        """Record what one version of a file is: its content type and ETag, and the stat that names it."""
        sidecar = {
            "contentType": content_type,
            "etag": etag,
            "inode": stat.st_ino,
            "size": stat.st_size,
            "mtimeNs": stat.st_mtime_ns,
        }
        sidecar_path = self._sidecar_path(key)
        sidecar_path.parent.mkdir(parents=True, exist_ok=True)
        temp = sidecar_path.parent / f"{_TEMP_PREFIX}{secrets.token_hex(8)}"
        try:
            temp.write_text(json.dumps(sidecar), encoding="utf-8")
            os.replace(temp, sidecar_path)
        except OSError as exc:
            _unlink_quietly(temp)
            # The object itself is in place; without a sidecar it loses its content type and is hashed again.
            logger.warning("could not record metadata of %r: %s", key, exc.strerror)

    def _info(self, key: str, stat: os.stat_result) -> ObjectInfo:
        sidecar = self._read_sidecar(key)
        if sidecar is not None and sidecar.describes(stat):
            etag = sidecar.etag
        else:
            etag, stat = self._hash_arrival(key, stat)
        return ObjectInfo(key=key, size=stat.st_size, etag=etag, last_modified=stat.st_mtime)

    def _hash_arrival(self, key: str, stat: os.stat_result) -> tuple[str, os.stat_result]:
        """The content ETag of a file that arrived behind the store's back, recorded for this version.

        The file is hashed through one open handle; if its inode, size or mtime moved while it was read
        (still being copied), it is hashed again, and a file that never holds still gets its tag
        without a sidecar (so the next look hashes the finished file).
        """
        path = self.path_for(key)
        for _ in range(_HASH_ATTEMPTS):
            try:
                with path.open("rb") as handle:
                    before = os.fstat(handle.fileno())
                    digest = hashlib.md5(usedforsecurity=False)
                    while chunk := handle.read(_HASH_CHUNK):
                        digest.update(chunk)
                    after = os.fstat(handle.fileno())
                current = path.stat()
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                raise ObjectNotFoundError(key) from None
            except OSError as exc:
                raise StorageError(f"cannot read {key!r} from {self.root}: {exc.strerror}") from exc
            etag = digest.hexdigest().upper()
            if _version(before) == _version(after) == _version(current):
                self._write_sidecar(key, _guess_content_type(key), etag, current)
                return etag, current
            stat = current
        logger.info("%r kept changing while it was hashed; its tag is not recorded yet", key)
        return etag, stat

    def _sidecar_path(self, key: str) -> Path:
        parts = key.split("/")
        return self._meta_root.joinpath(*parts[:-1], parts[-1] + _SIDECAR_SUFFIX)

    def _read_sidecar(self, key: str) -> _Sidecar | None:
        try:
            raw = json.loads(self._sidecar_path(key).read_text(encoding="utf-8"))
            return _Sidecar(
                content_type=str(raw["contentType"]),
                etag=str(raw["etag"]),
                inode=int(raw["inode"]),
                size=int(raw["size"]),
                mtime_ns=int(raw["mtimeNs"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _walk(self, folder: Path, folder_key: str, prefix: str) -> Iterator[tuple[str, Path]]:
        """Files under ``folder`` whose key starts with ``prefix``, in key order, lazily.

        Sorting each folder's entries with folders as ``name + "/"`` yields keys in global order:
        every key inside folder ``d`` starts with ``d/``, so it sorts against a sibling exactly as
        ``d/`` does.
        """
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            return
        named: list[tuple[str, os.DirEntry[str], bool]] = []
        for entry in entries:
            if entry.name.startswith(INTERNAL_PREFIX):
                continue
            is_folder = entry.is_dir()
            named.append((entry.name + "/" if is_folder else entry.name, entry, is_folder))
        named.sort(key=lambda item: item[0])
        for sort_name, entry, is_folder in named:
            key = folder_key + sort_name
            if is_folder:
                if key.startswith(prefix) or prefix.startswith(key):
                    yield from self._walk(Path(entry.path), key, prefix)
            elif key.startswith(prefix) and entry.is_file():
                try:
                    validate_key(key)
                except ObjectKeyError as exc:
                    logger.warning("skipping a file that is not a valid object key: %s", exc)
                    continue
                yield key, Path(entry.path)

    def _prune_empty_folders(self, folder: Path, stop: Path) -> None:
        """Remove empty folders up to ``stop`` so that a deleted ``a/b`` leaves room for an object ``a``."""
        while folder != stop and stop in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                return  # not empty (or already gone): stop here
            folder = folder.parent

    def _folder_conflict(self, key: str) -> ObjectKeyError:
        return ObjectKeyError(
            f"object key {key!r} is a folder in the local bucket (other objects start with {key + '/'!r}); "
            "a directory cannot hold an object and a folder of the same name",
            key=key,
        )

    def _file_conflict(self, key: str) -> ObjectKeyError:
        return ObjectKeyError(
            f"object key {key!r} needs a folder where the local bucket has an object of that name; "
            "a directory cannot hold an object and a folder of the same name",
            key=key,
        )


def _guess_content_type(key: str) -> str:
    guessed, _ = mimetypes.guess_type(key, strict=False)
    return guessed or "application/octet-stream"


def _fsync_directory(folder: Path) -> None:
    """Make a rename or link in ``folder`` durable (best effort where directories cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
