"""Fake cloud edges: stand-ins for what the product talks to in Alibaba Cloud, behaving like the real thing,
errors included, so that the product's own adapters run unchanged against them.

* :mod:`.oss_server` — OSS on 127.0.0.1 over real HTTP, V4 signatures checked, OSS's XML errors, faults;
  a real ``oss2.Bucket`` (hence ``OssStore``) talks to it.
* :mod:`.ice_transport` — ICE's API gateway as an ``httpx.MockTransport`` handler for ``IceClient`` unit
  tests: signatures checked, answers scripted.
* :mod:`.credentials` — the STS-shaped key the OSS tests grant and sign with.
* :mod:`.store_race` — a worker process racing others for ``put_if_absent`` on either store.
* :mod:`.sleeps` — a ``sleep`` that records the backoff delays instead of waiting.

ICE itself is not faked: tests run the local emulator (:mod:`scene_select_testkit.ice`).
"""
