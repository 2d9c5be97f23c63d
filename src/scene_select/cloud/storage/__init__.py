"""Object storage: the :class:`ObjectStore` port and its two adapters.

- :mod:`scene_select.cloud.storage.oss` — :class:`~scene_select.cloud.storage.oss.OssStore`, Alibaba Cloud OSS via oss2.
- :mod:`scene_select.cloud.storage.local` — :class:`~scene_select.cloud.storage.local.LocalDirectoryStore`, a directory.
- :mod:`scene_select.cloud.storage.keys` — the one place that decides which keys are acceptable.

Importing this package loads neither adapter; import the one you need.
"""

from scene_select.cloud.storage.base import ObjectInfo, ObjectStore, content_etag

__all__ = ["ObjectInfo", "ObjectStore", "content_etag"]
