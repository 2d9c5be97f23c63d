"""User-written manifests: strict, clear, and confined to their batch."""

from __future__ import annotations

import json

import pytest

from scene_select.cloud.errors import BatchError
from scene_select.cloud.pipeline.manifest import parse_batch_manifest, parse_highlight_sidecar, parse_script

LIMIT = 4096


def test_script_alternatives_are_separated_by_blank_lines() -> None:
    data = "\ufeff第一段。\r\n第二句！\r\n\r\n\r\nSecond script. Two sentences.\n".encode()
    assert parse_script(data, limit=LIMIT) == ["第一段。\n第二句！", "Second script. Two sentences."]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\n\n  \n", "empty"),
        ("脚本".encode("gbk"), "UTF-8"),
        (b"x" * (LIMIT + 1), "at most"),
    ],
)
def test_bad_scripts(data: bytes, message: str) -> None:
    with pytest.raises(BatchError, match=message):
        parse_script(data, limit=LIMIT)


def test_manifest_fields() -> None:
    manifest = parse_batch_manifest(
        json.dumps(
            {
                "SpeechTextArray": ["一。"],
                "Media": ["a.mp4"],
                "MediaTags": {"a.mp4": ["beach"]},
                "OutputConfig": {"Count": 2},
            }
        ).encode(),
        limit=LIMIT,
    )
    assert manifest.media == ["a.mp4"] and manifest.media_tags == {"a.mp4": ["beach"]}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1]", "JSON object"),
        ('{"SpeechTextArry": ["typo"]}', "SpeechTextArry"),
        ('{"Media": ["../other/a.mp4"]}', "no paths allowed"),
        ('{"Media": ["/etc/passwd"]}', "no paths allowed"),
        ('{"Media": []}', "at least one"),
        ('{"Media": ["a.mp4", "a.mp4"]}', "more than once"),
    ],
)
def test_bad_manifests(document: str, message: str) -> None:
    with pytest.raises(BatchError, match=message):
        parse_batch_manifest(document.encode(), limit=LIMIT)


def test_sidecar() -> None:
    sidecar = parse_highlight_sidecar("ep.json", b'{"HighlightStrategy": {"TargetDuration": 30}}', limit=LIMIT)
    assert sidecar.highlight_strategy == {"TargetDuration": 30}
    with pytest.raises(BatchError, match=r"ep\.json"):
        parse_highlight_sidecar("ep.json", b'{"Nope": 1}', limit=LIMIT)
