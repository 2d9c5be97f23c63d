"""Object storage: the :class:`ObjectStore` port and its two adapters.

- :mod:`scene_select.storage.oss` — :class:`~scene_select.storage.oss.OssStore`, Alibaba Cloud OSS via oss2.
- :mod:`scene_select.storage.local` — :class:`~scene_select.storage.local.LocalDirectoryStore`, a directory.
- :mod:`scene_select.storage.keys` — the one place that decides which keys are acceptable.

Importing this package loads neither adapter; import the one you need.
"""

from scene_select.storage.base import ObjectInfo, ObjectStore, content_etag

__all__ = ["ObjectInfo", "ObjectStore", "content_etag"]
