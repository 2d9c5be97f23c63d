"""Terminal tables line up even when scripts are Chinese, and long text is cut, not wrapped."""

from __future__ import annotations

from scene_select.cloud.models.selection import parse_extend_output
from scene_select.workstation.cli.text_output import display_width, selection_lines, table_lines


def test_wide_characters_count_double() -> None:
    assert display_width("abc") == 3
    assert display_width("中文") == 4
    assert display_width("🎬") == 2


def test_columns_align_by_display_width() -> None:
    lines = table_lines(["a", "b"], [["中文", "x"], ["ab", "y"]])
    positions = {display_width(line[: line.index(ch)]) for line, ch in zip(lines, "bxy", strict=True)}
    assert positions == {6}


def test_long_sentences_are_cut_with_an_ellipsis_and_empty_sentences_marked() -> None:
    result = parse_extend_output(
        "Smart_Mix_Media_Select",
        '{"textMatchMediaOutputList":[{"textMatchMediaSentenceOutputList":['
        '{"text":"'
        + "很长的句子"
        * 20
        + '","matchClipList":[{"mediaURL":"https://b/x/y.mp4","startTime":1,"endTime":2}]},'
        '{"text":"无片段","matchClipList":[]}]}]}',
    )
    text = "\n".join(selection_lines(result))
    assert "…" in text and "y.mp4" in text and "(no clip)" in text
    assert all(display_width(line) < 120 for line in text.splitlines())


def test_unrecognised_selection_points_to_json() -> None:
    assert "--json" in selection_lines(parse_extend_output(None, '{"x":1}'))[0]
