"""OssStore specifics against the fake OSS: retries, the ambiguous conditional put, rotating
credentials, error mapping, listing pages, URLs."""

from __future__ import annotations

import oss2
import pytest

from scene_select.cloud.credentials import Credentials, env_credentials, static_credentials
from scene_select.cloud.errors import CredentialsError, ObjectNotFoundError, StorageError
from scene_select.cloud.storage import oss as oss_module
from scene_select.cloud.storage.oss import OssStore
from scene_select_testkit.fakes.credentials import ACCESS_KEY
from scene_select_testkit.fakes.oss_server import FakeOssServer, crc64ecma
from scene_select_testkit.fakes.sleeps import Sleeps


def _static_bucket(server: FakeOssServer, credentials: Credentials = ACCESS_KEY) -> oss2.Bucket:
    provider = oss2.credentials.StaticCredentialsProvider(
        credentials.access_key_id, credentials.access_key_secret, credentials.security_token or ""
    )
    return oss2.Bucket(oss2.ProviderAuthV4(provider), server.endpoint, server.bucket, region=server.region)


@pytest.mark.parametrize("fault", ["503", "drop"])
def test_transient_failures_are_retried_with_backoff(
    oss_store: OssStore, fake_oss: FakeOssServer, sleeps: Sleeps, fault: str
) -> None:
    oss_store.put("results/r.json", b"v1")
    fake_oss.inject(fault, times=2)
    assert oss_store.get("results/r.json") == b"v1"
    assert sleeps == [0.2, 0.4]


def test_gives_up_after_max_attempts_with_a_storage_error(
    oss_store: OssStore, fake_oss: FakeOssServer, sleeps: Sleeps
) -> None:
    fake_oss.inject("503", times=4)
    with pytest.raises(StorageError) as caught:
        oss_store.put("results/r.json", b"v1")
    assert caught.value.retryable
    assert (caught.value.code, caught.value.status) == ("ServiceUnavailable", 503)
    assert caught.value.request_id
    assert "ServiceUnavailable (HTTP 503)" in str(caught.value)
    assert sleeps == [0.2, 0.4, 0.8]
    assert "results/r.json" not in fake_oss.objects


def test_network_failure_that_outlives_retries_names_the_kind_not_the_request(
    oss_store: OssStore, fake_oss: FakeOssServer
) -> None:
    fake_oss.inject("drop", times=4)
    with pytest.raises(StorageError, match=r"network error \(ConnectionError\)") as caught:
        oss_store.head("results/x")
    assert caught.value.status is None


def test_client_errors_are_not_retried(fake_oss: FakeOssServer, sleeps: Sleeps) -> None:
    wrong_secret = Credentials(ACCESS_KEY.access_key_id, "not-the-secret", ACCESS_KEY.security_token)
    store = OssStore(_static_bucket(fake_oss, wrong_secret), region=fake_oss.region, sleep=sleeps)
    with pytest.raises(StorageError) as caught:
        store.get("results/x")
    assert (caught.value.code, caught.value.status) == ("SignatureDoesNotMatch", 403)
    assert sleeps == []
    assert "not-the-secret" not in str(caught.value)


def test_put_if_absent_recognises_its_own_write_after_an_ambiguous_failure(
    oss_store: OssStore, fake_oss: FakeOssServer, sleeps: Sleeps
) -> None:
    # The first PutObject is stored but its answer never arrives; the retry meets 409 FileAlreadyExists.
    fake_oss.inject("drop-after-commit")
    assert oss_store.put_if_absent("results/b/claim.json", b'{"owner":"req-1"}') is True
    assert sleeps == [0.2]
    assert [m for m, k in fake_oss.requests if k == "results/b/claim.json"] == ["PUT", "PUT", "HEAD"]


def test_put_if_absent_after_an_ambiguous_failure_still_loses_to_another_writer(
    oss_store: OssStore, fake_oss: FakeOssServer
) -> None:
    oss_store.put("results/b/claim.json", b'{"owner":"req-0"}')
    fake_oss.inject("503")
    assert oss_store.put_if_absent("results/b/claim.json", b'{"owner":"req-1"}') is False
    assert fake_oss.objects["results/b/claim.json"].data == b'{"owner":"req-0"}'


def test_put_if_absent_sends_forbid_overwrite(oss_store: OssStore, fake_oss: FakeOssServer) -> None:
    assert oss_store.put_if_absent("results/x.json", b"1", content_type="application/json")
    assert oss_store.put_if_absent("results/x.json", b"2") is False
    assert fake_oss.objects["results/x.json"].content_type == "application/json"


def test_rotating_sts_credentials_are_picked_up_without_rebuilding_the_store(
    fake_oss: FakeOssServer, sleeps: Sleeps
) -> None:
    environ = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "STS.first",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "secret-1",
        "ALIBABA_CLOUD_SECURITY_TOKEN": "token-1",
    }
    fake_oss.grant("STS.first", "secret-1", "token-1")
    store = OssStore.from_credentials(
        env_credentials(environ),
        bucket_name=fake_oss.bucket,
        endpoint=fake_oss.endpoint,
        region=fake_oss.region,
        sleep=sleeps,
    )
    store.put("results/r.json", b"before rotation")
    # FC rotates the role's STS credentials under a warm instance; the old ones stop working.
    fake_oss.revoke("STS.first")
    fake_oss.grant("STS.second", "secret-2", "token-2")
    environ.update(
        {
            "ALIBABA_CLOUD_ACCESS_KEY_ID": "STS.second",
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "secret-2",
            "ALIBABA_CLOUD_SECURITY_TOKEN": "token-2",
        }
    )
    assert store.get("results/r.json") == b"before rotation"
    # A bucket frozen with the first credentials is now refused, as OSS would.
    frozen = OssStore(_static_bucket(fake_oss, Credentials("STS.first", "secret-1", "token-1")), region="cn-shanghai")
    with pytest.raises(StorageError) as caught:
        frozen.get("results/r.json")
    assert caught.value.code == "InvalidAccessKeyId"


def test_a_wrong_security_token_is_refused(fake_oss: FakeOssServer) -> None:
    store = OssStore(
        _static_bucket(fake_oss, Credentials(ACCESS_KEY.access_key_id, ACCESS_KEY.access_key_secret, "stale")),
        region=fake_oss.region,
    )
    with pytest.raises(StorageError) as caught:
        store.head("results/x")
    assert (caught.value.code, caught.value.status) == ("InvalidSecurityToken", 403)


def test_missing_credentials_surface_as_credentials_error(fake_oss: FakeOssServer) -> None:
    store = OssStore.from_credentials(
        env_credentials({}), bucket_name=fake_oss.bucket, endpoint=fake_oss.endpoint, region=fake_oss.region
    )
    with pytest.raises(CredentialsError, match="ALIBABA_CLOUD_ACCESS_KEY_ID"):
        store.get("results/x")


@pytest.mark.parametrize("head_error_header", [True, False])
def test_head_404_with_and_without_x_oss_err_is_none(head_error_header: bool, sleeps: Sleeps) -> None:
    with FakeOssServer(head_error_header=head_error_header) as server:
        server.grant(ACCESS_KEY.access_key_id, ACCESS_KEY.access_key_secret, ACCESS_KEY.security_token)
        store = OssStore(_static_bucket(server), region=server.region, sleep=sleeps)
        assert store.head("results/none") is None
        with pytest.raises(ObjectNotFoundError):
            store.get("results/none")


def test_wrong_bucket_is_a_storage_error_not_a_missing_object(fake_oss: FakeOssServer) -> None:
    store = OssStore.from_credentials(
        static_credentials(ACCESS_KEY), bucket_name="other-bucket", endpoint=fake_oss.endpoint, region=fake_oss.region
    )
    for operation in (lambda: store.get("k"), lambda: store.head("k"), lambda: store.delete("k")):
        with pytest.raises(StorageError) as caught:
            operation()
        assert (caught.value.code, caught.value.status) == ("NoSuchBucket", 404)


def test_listing_follows_continuation_tokens(
    oss_store: OssStore, fake_oss: FakeOssServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oss_module, "_LIST_PAGE_SIZE", 2)
    keys = [f"results/p/{index:02d} 中.json" for index in range(7)]
    for key in keys:
        oss_store.put(key, b"x")
    assert [info.key for info in oss_store.list("results/p/")] == keys
    assert sum(1 for method, key in fake_oss.requests if method == "GET" and key == "") == 4
    assert [info.key for info in oss_store.list("results/p/", limit=3)] == keys[:3]


def test_listing_skips_folder_markers_and_unusable_keys(oss_store: OssStore, fake_oss: FakeOssServer) -> None:
    bucket = _static_bucket(fake_oss)
    bucket.put_object("results/folder/", b"")  # what the console's "create folder" makes
    bucket.put_object("results/../sneaky", b"")
    oss_store.put("results/folder/real.json", b"x")
    assert [info.key for info in oss_store.list("results/")] == ["results/folder/real.json"]


def test_url_for_uses_the_public_endpoint_even_with_an_internal_client(fake_oss: FakeOssServer) -> None:
    internal = OssStore.from_credentials(
        static_credentials(ACCESS_KEY),
        bucket_name="scene-bucket",
        endpoint="oss-cn-shanghai-internal.aliyuncs.com",
        region="cn-shanghai",
    )
    assert internal.url_for("inbox/a b.mp4") == "https://scene-bucket.oss-cn-shanghai.aliyuncs.com/inbox/a%20b.mp4"
    custom = OssStore(
        _static_bucket(fake_oss), region="cn-shanghai", public_endpoint="https://oss-cn-shanghai.aliyuncs.com/"
    )
    assert custom.bucket == "scene-bucket"
    assert custom.url_for("k") == "https://scene-bucket.oss-cn-shanghai.aliyuncs.com/k"


def test_a_bucket_factory_is_called_per_attempt(fake_oss: FakeOssServer, sleeps: Sleeps) -> None:
    calls: list[int] = []

    def factory() -> oss2.Bucket:
        calls.append(1)
        return _static_bucket(fake_oss)

    store = OssStore(factory, region=fake_oss.region, bucket_name=fake_oss.bucket, sleep=sleeps)
    fake_oss.inject("503")
    store.put("results/f", b"x")
    assert len(calls) == 2


def test_rejects_nonsense_max_attempts(fake_oss: FakeOssServer) -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        OssStore(_static_bucket(fake_oss), region="cn-shanghai", max_attempts=0)


def test_the_fake_speaks_list_objects_v1_with_url_encoding_and_checks_crc(fake_oss: FakeOssServer) -> None:
    """oss2's own V1 iterator (marker paging, encoding-type=url) against the fake, and the CRC64 it verifies."""
    bucket = _static_bucket(fake_oss)
    keys = sorted(f"inbox/批次 {n}/a+b%.mp4" for n in range(5))
    for key in keys:
        bucket.put_object(key, key.encode())  # oss2 compares x-oss-hash-crc64ecma with its own CRC here
    assert [info.key for info in oss2.ObjectIterator(bucket, prefix="inbox/", max_keys=2)] == keys
    assert [p.key for p in oss2.ObjectIterator(bucket, prefix="inbox/", delimiter="/", max_keys=2)] == [
        f"inbox/批次 {n}/" for n in range(5)
    ]
    assert crc64ecma(b"123456789") == 0x995DC9BBDF1939FA  # the CRC-64/XZ check value


# -- ranged reads: what travels, and OSS's range rules --------------------------------------------


def test_get_range_sends_one_ranged_request_with_standard_behaviour(
    oss_store: OssStore, fake_oss: FakeOssServer
) -> None:
    data = bytes(range(200))
    oss_store.put("inbox/b/v.mp4", data)
    fake_oss.requests.clear()
    assert oss_store.get_range("inbox/b/v.mp4", 10, 20) == data[10:30]
    assert fake_oss.requests == [("GET", "inbox/b/v.mp4")]


def test_the_fake_answers_ranges_as_oss_does(fake_oss: FakeOssServer) -> None:
    """206 inside the object; without x-oss-range-behavior a range past the end is ignored (200, all of
    it); with it, the tail (206), or 416 InvalidRange for a start past the end."""
    bucket = _static_bucket(fake_oss)
    bucket.put_object("inbox/b/r.bin", b"0123456789")
    inside = bucket.get_object("inbox/b/r.bin", byte_range=(2, 4))
    assert (inside.status, inside.read(), inside.content_range) == (206, b"234", "bytes 2-4/10")
    legacy = bucket.get_object("inbox/b/r.bin", byte_range=(5, 50))
    assert (legacy.status, legacy.read()) == (200, b"0123456789")
    standard = {"x-oss-range-behavior": "standard"}
    tail = bucket.get_object("inbox/b/r.bin", byte_range=(5, 50), headers=standard)
    assert (tail.status, tail.read(), tail.content_range) == (206, b"56789", "bytes 5-9/10")
    suffix = bucket.get_object("inbox/b/r.bin", byte_range=(None, 3), headers=standard)
    assert (suffix.status, suffix.read()) == (206, b"789")
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        bucket.get_object("inbox/b/r.bin", byte_range=(10, 20), headers=standard)
    assert (caught.value.status, caught.value.code) == (416, "InvalidRange")


def test_get_range_cuts_an_answer_that_ignored_the_range(fake_oss: FakeOssServer) -> None:
    """A proxy or endpoint that drops the range header answers 200 with everything: the store cuts it."""

    class RangeIgnoringBucket:
        def __init__(self, inner: oss2.Bucket) -> None:
            self.inner = inner
            self.bucket_name = inner.bucket_name

        def get_object(self, key: str, byte_range: object = None, headers: object = None) -> object:
            return self.inner.get_object(key)

    bucket = _static_bucket(fake_oss)
    bucket.put_object("inbox/b/r.bin", b"0123456789")
    store = OssStore(RangeIgnoringBucket(bucket), region=fake_oss.region)
    assert store.get_range("inbox/b/r.bin", 3, 4) == b"3456"


def test_get_range_retries_transient_failures(
    oss_store: OssStore, fake_oss: FakeOssServer, sleeps: list[float]
) -> None:
    oss_store.put("inbox/b/v.mp4", b"abcdef")
    fake_oss.inject("503")
    assert oss_store.get_range("inbox/b/v.mp4", 1, 2) == b"bc"
    assert sleeps == [0.2]


def test_get_range_maps_final_errors_to_storage_error(oss_store: OssStore, fake_oss: FakeOssServer) -> None:
    oss_store.put("inbox/b/v.mp4", b"abcdef")
    fake_oss.inject("503", times=4)
    with pytest.raises(StorageError) as caught:
        oss_store.get_range("inbox/b/v.mp4", 0, 2)
    assert (caught.value.code, caught.value.status) == ("ServiceUnavailable", 503)
