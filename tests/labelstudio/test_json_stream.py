"""The streamed export parser (`json_stream.iter_array`): every way of writing and cutting the bytes reads the same."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cartel_fto_corpus.labelstudio import json_stream

#: Strings that look like the places the fast path cuts at, and what orjson refuses (a lone surrogate).
TRICKY = st.sampled_from(['},{"id":', '},{"id":1}', '"}]},{"id":2,', "\\", '"', "\ud800", "é😀", "]", ""])
TEXT = st.lists(st.one_of(TRICKY, st.text(max_size=12)), max_size=4).map("".join)
REGION = st.fixed_dictionaries({"id": TEXT, "value": st.fixed_dictionaries({"start": st.integers(0, 99), "text": TEXT})})
TASK = st.fixed_dictionaries(
    {
        "id": st.integers(1, 10**6),
        "annotations": st.lists(st.fixed_dictionaries({"id": st.integers(1, 99), "result": st.lists(REGION, max_size=3)}), max_size=3),
        "data": st.fixed_dictionaries({"text": TEXT}),
    }
)
STYLES = {
    "label studio (compact)": {"separators": (",", ":"), "ensure_ascii": True},
    "compact, raw UTF-8": {"separators": (",", ":"), "ensure_ascii": False},
    "python default (spaces)": {"ensure_ascii": True},
    "indented": {"indent": 1, "ensure_ascii": True},
}


def _encode(tasks: list, style: str) -> bytes:
    return json.dumps(tasks, **STYLES[style]).encode("utf-8", "surrogatepass")


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    at = sorted({min(c, len(data)) for c in cuts})
    return [data[a:b] for a, b in zip([0, *at], [*at, len(data)], strict=True)]


@settings(max_examples=300, deadline=None)
@given(st.lists(TASK, max_size=6), st.sampled_from(sorted(STYLES)), st.lists(st.integers(0, 4000), max_size=12))
def test_every_style_and_chunking_reads_as_json_loads(tasks: list, style: str, cuts: list[int]) -> None:
    data = _encode(tasks, style)
    if b"\xed" in data:  # a raw lone surrogate is not UTF-8: no server sends it (json escapes it, see ensure_ascii)
        return
    assert list(json_stream.iter_array(iter(_chunks(data, cuts)))) == json.loads(data)


@settings(max_examples=200, deadline=None)
@given(st.lists(TASK, min_size=1, max_size=4), st.sampled_from(sorted(STYLES)), st.data())
def test_a_truncated_export_is_an_error_never_fewer_tasks(tasks: list, style: str, data: st.DataObject) -> None:
    raw = _encode(tasks, style)
    if b"\xed" in raw:
        return
    cut = data.draw(st.integers(0, len(raw.rstrip()) - 1))
    with pytest.raises(ValueError):  # JSONDecodeError, or UnicodeDecodeError for a cut inside a character
        list(json_stream.iter_array(iter([raw[:cut]])))


def test_extra_data_and_a_non_array_are_errors() -> None:
    with pytest.raises(json.JSONDecodeError, match="extra data"):
        list(json_stream.iter_array(iter([b'[{"id":1}] {"id":2}'])))
    with pytest.raises(json.JSONDecodeError, match="expected a JSON array"):
        list(json_stream.iter_array(iter([b'{"id":1}'])))


@pytest.mark.parametrize("bad", [b'[{"id":1} {"id":2}]', b'[{"id":1},]', b'[,{"id":1}]', b'[{"id":1},,{"id":2}]', b"[,]"])
def test_commas_are_where_json_puts_them(bad: bytes) -> None:
    for at in range(1, len(bad)):  # wherever the chunks end
        with pytest.raises(json.JSONDecodeError):
            list(json_stream.iter_array(iter([bad[:at], bad[at:]])))


def test_a_chunk_that_begins_with_the_comma_after_a_task() -> None:
    """The first task ends exactly where a chunk ends (found by hypothesis: the next chunk begins with ",")."""
    for first in (b'[{"id":1,"t":"\\ud800"}', b'[{"id":1}', b"[12"):
        assert list(json_stream.iter_array(iter([first, b',{"id":2}]']))) == json.loads(first + b',{"id":2}]')
    assert list(json_stream.iter_array(iter([b"[12", b"34]"]))) == [1234]  # a number goes on in the next chunk


def test_a_huge_task_is_scanned_a_few_times_not_once_per_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading stays linear: an unfinished task is tried again only once the text after it doubled (issue 27)."""
    scans = []
    real = json_stream._SCAN
    monkeypatch.setattr(json_stream, "_SCAN", lambda text, pos: scans.append(pos) or real(text, pos))
    tasks = [{"id": 1, "data": {"text": "z" * 200_000}}, {"id": 2}]
    data = _encode(tasks, "label studio (compact)")
    assert list(json_stream.iter_array(iter(_chunks(data, list(range(0, len(data), 100)))))) == tasks  # 2,000 chunks
    assert len(scans) < 30, len(scans)


@pytest.mark.parametrize("style", sorted(STYLES))
def test_tasks_come_as_their_bytes_arrive(style: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Streamed in any layout: the first task is read long before the last byte, not at the end (written
    other than Label Studio's way, once SCAN_AFTER characters came)."""
    monkeypatch.setattr(json_stream, "SCAN_AFTER", 256)
    tasks = [{"id": i, "data": {"text": "y" * 100}} for i in range(100)]
    data = _encode(tasks, style)
    sent = []

    def chunks():
        for c in _chunks(data, list(range(0, len(data), 64))):
            sent.append(len(c))
            yield c

    it = json_stream.iter_array(chunks())
    assert next(it) == tasks[0] and sum(sent) < len(data) / 4
    assert [tasks[0], *it] == tasks
