from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from scene_select.cloud.errors import EventError
from scene_select.cloud.models.oss_event import (
    UPLOAD_COMPLETE_EVENTS,
    OssEventRecord,
    decode_event_key,
    parse_oss_event,
    percent_decoded_alternative,
)
from scene_select_testkit.events import event_bytes, load_event


def test_put_object_record_matches_the_raw_event_field_by_field() -> None:
    raw = load_event("oss_put_object.json")["events"][0]
    (record,) = parse_oss_event(event_bytes("oss_put_object.json"))
    assert record == OssEventRecord(
        event_name=raw["eventName"],
        bucket=raw["oss"]["bucket"]["name"],
        key=raw["oss"]["object"]["key"],
        size=raw["oss"]["object"]["size"],
        etag=raw["oss"]["object"]["eTag"],
        region=raw["region"],
        event_time=datetime(2026, 11, 20, 6, 45, 43, tzinfo=timezone.utc),
        request_id=raw["responseElements"]["requestId"],
    )
    assert record.is_object_created and record.completes_an_upload


@pytest.mark.parametrize(
    ("fixture", "key"),
    [
        ("oss_put_object_chinese_key.json", "inbox/smart-mix/春季新品/开箱视频.mp4"),
        ("oss_put_object_space_plus_percent.json", "inbox/smart-mix/batch 02/clip A+B 100%.mp4"),
    ],
)
def test_keys_are_taken_as_given(fixture: str, key: str) -> None:
    (record,) = parse_oss_event(event_bytes(fixture))
    assert record.key == key
    assert record.key == load_event(fixture)["events"][0]["oss"]["object"]["key"]


def test_accepts_bytes_str_and_dict() -> None:
    raw = event_bytes("oss_put_object.json")
    assert parse_oss_event(raw) == parse_oss_event(raw.decode()) == parse_oss_event(json.loads(raw))


@pytest.mark.parametrize(
    ("fixture", "event_name", "completes"),
    [
        ("oss_complete_multipart.json", "ObjectCreated:CompleteMultipartUpload", True),
        ("oss_copy_object.json", "ObjectCreated:CopyObject", True),
        ("oss_delete_object.json", "ObjectRemoved:DeleteObject", False),
    ],
)
def test_event_variants(fixture: str, event_name: str, completes: bool) -> None:
    (record,) = parse_oss_event(event_bytes(fixture))
    assert record.event_name == event_name
    assert record.completes_an_upload is completes


def test_multipart_etag_is_kept_verbatim() -> None:
    (record,) = parse_oss_event(event_bytes("oss_complete_multipart.json"))
    assert record.etag == "A6E1BB0C9D2F4E5A8B7C6D5E4F3A2B1C-5"
    assert record.size == 73400320


def test_delete_records_may_lack_size_and_etag() -> None:
    (record,) = parse_oss_event(event_bytes("oss_delete_object.json"))
    assert (record.size, record.etag) == (None, None)
    assert not record.is_object_created


def test_every_record_is_returned_in_order() -> None:
    records = parse_oss_event(event_bytes("oss_multi_record.json"))
    assert [r.key for r in records] == [
        "inbox/smart-mix/batch-03/clip01.mp4",
        "inbox/smart-mix/batch-03/script.txt",
        "inbox/smart-mix/batch-03/big.mp4",
    ]
    assert [r.completes_an_upload for r in records] == [True, True, False]  # UploadPart is not complete


def test_quoted_etags_are_unquoted() -> None:
    event = load_event("oss_put_object.json")
    event["events"][0]["oss"]["object"]["eTag"] = '"ABC"'
    assert parse_oss_event(event)[0].etag == "ABC"


def test_upload_complete_events_are_the_trigger_events_without_prefix() -> None:
    assert {
        "ObjectCreated:PutObject",
        "ObjectCreated:PostObject",
        "ObjectCreated:CompleteMultipartUpload",
        "ObjectCreated:CopyObject",
    } == UPLOAD_COMPLETE_EVENTS


@pytest.mark.parametrize(
    ("fixture", "says"),
    [
        ("oss_malformed_missing_key.json", "event.events[0].oss.object.key: required field is missing"),
        ("oss_malformed_bad_size.json", "event.events[0].oss.object.size"),
        ("oss_malformed_no_etag.json", "needs oss.object.eTag"),
        ("oss_malformed_wrong_source.json", "eventSource must be 'acs:oss'"),
        ("oss_malformed_empty_events.json", "event.events"),
        ("oss_malformed_no_events.json", "no 'events' list (top-level keys: ['Records'])"),
        ("oss_malformed_bad_time.json", "event.events[0].eventTime"),
        ("oss_eventbridge_cloudevent.json", "CloudEvents payload (an EventBridge-based OSS trigger)"),
    ],
)
def test_malformed_events_name_what_is_wrong(fixture: str, says: str) -> None:
    with pytest.raises(EventError) as caught:
        parse_oss_event(event_bytes(fixture))
    assert says in str(caught.value)
    assert not caught.value.retryable


@pytest.mark.parametrize(
    ("event", "says"),
    [
        (b"\xff\xfe not utf-8", "not UTF-8 text"),
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object, got list"),
        (b"", "not valid JSON"),
        (42, "must be bytes, str or dict"),
    ],
)
def test_undecodable_events(event: object, says: str) -> None:
    with pytest.raises(EventError, match=says):
        parse_oss_event(event)  # type: ignore[arg-type]


def test_prefixed_event_name_is_refused() -> None:
    event = load_event("oss_put_object.json")
    event["events"][0]["eventName"] = "oss:ObjectCreated:PutObject"
    with pytest.raises(EventError, match="no 'oss:' prefix"):
        parse_oss_event(event)


def test_the_key_decoder_is_the_identity_and_offers_a_percent_decoded_alternative() -> None:
    assert decode_event_key("inbox/a b+c%20d.mp4") == "inbox/a b+c%20d.mp4"
    assert percent_decoded_alternative("inbox/a%20b%E4%B8%AD.mp4") == "inbox/a b中.mp4"
    assert percent_decoded_alternative("inbox/100%.mp4") is None  # no escape to decode
    assert percent_decoded_alternative("inbox/plain+key.mp4") is None  # '+' stays '+'
    assert percent_decoded_alternative("inbox/%FF.mp4") is None  # not UTF-8: not an encoded key
