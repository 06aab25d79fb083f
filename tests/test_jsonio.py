"""truth/jsonio.py below the fixtures: survivors of a first mutation run (issue 26)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cartel_fto_corpus.truth.jsonio import Unreadable, escape_surrogates, has_whole_floats, parse_json, read_file_bytes, scan


def test_flaw_pointers_escape_tilde_and_slash() -> None:
    parsed = parse_json('{"a/b~c": {"k": 1, "k": 2}}')
    assert [(f.pointer, f.code) for f in parsed.flaws] == [("/a~1b~0c/k", "duplicate-key")]


def test_lone_surrogates_are_shown_as_escapes() -> None:
    assert escape_surrogates("a\ud800b\udfff") == "a\\ud800b\\udfff"
    assert escape_surrogates("\U0001f600") == "\U0001f600"


def test_scan_keeps_the_document_and_finds_whole_floats() -> None:
    doc = {"a": [1, {"b": 2.5}]}
    parsed = scan(doc)
    assert parsed.doc is doc and parsed.flaws == [] and parsed.whole_floats is False
    assert has_whole_floats({"a": [1, {"b": 2.0}]}) is True
    assert has_whole_floats([1, "2.0", 2.5]) is False
    assert parse_json('{"a": 1}').whole_floats is False
    assert parse_json('{"a": 1.0}').whole_floats is True


def test_a_limit_is_applied_and_unreadable_names_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_bytes(b"12345")
    assert read_file_bytes(path) == b"12345"
    assert read_file_bytes(path, limit=5) == b"12345"
    with pytest.raises(Unreadable) as exc:
        read_file_bytes(path, limit=4)
    assert str(exc.value)
    with pytest.raises(Unreadable) as exc:
        read_file_bytes(tmp_path / "missing.json")
    assert str(exc.value) == "no such file"
    with pytest.raises(Unreadable) as exc:
        read_file_bytes(tmp_path)
    assert "directory" in str(exc.value)
