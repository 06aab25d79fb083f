"""truth/jsonio.py below the fixtures: survivors of a first mutation run (issue 26)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from cartel_fto_corpus.truth import jsonio
from cartel_fto_corpus.truth.jsonio import (
    Flaw,
    Parsed,
    Unreadable,
    _not_regular,
    decode_utf8,
    escape_surrogates,
    has_whole_floats,
    parse_json,
    pointer,
    read_file_bytes,
    read_json,
    read_json_checked,
    read_text_file,
    scan,
)


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


# --- second mutation run (mut3): the messages and branches the first run did not reach ---------


def test_each_duplicate_key_is_named_once_in_order_and_surrogates_point_at_their_place() -> None:
    text = '{"b": 1, "a": 1, "b": 2, "a": 2, "b": 3, "c": ["x\\udfff", {"k\\ud800": "\\udc00", "ok": "\\ud800"}]}'
    flaws = parse_json(text).flaws
    assert [(f.pointer, f.code, f.message) for f in flaws] == [
        ("/b", "duplicate-key", "expected each key once per object, found 'b' more than once (JSON readers disagree on which one counts)"),
        ("/a", "duplicate-key", "expected each key once per object, found 'a' more than once (JSON readers disagree on which one counts)"),
        ("/c/0", "lone-surrogate", "expected Unicode text, found a lone surrogate \\udfff at character 1"),
        ("/c/1", "lone-surrogate", "expected Unicode text in keys, found a lone surrogate \\ud800 in a key"),
        ("/c/1/ok", "lone-surrogate", "expected Unicode text, found a lone surrogate \\ud800 at character 0"),
    ]
    assert parse_json('{"a": 1, "a": 1}').flaws == [
        Flaw(
            "/a", "expected each key once per object, found 'a' more than once (JSON readers disagree on which one counts)", "duplicate-key"
        )
    ]
    assert parse_json('{"\\ud800\\ud800": 1, "\\ud800\\ud800": 2}').flaws[0].message == (
        "expected each key once per object, found '\\ud800\\ud800' more than once (JSON readers disagree on which one counts)"
    )


def test_a_document_without_duplicates_or_escapes_is_not_walked() -> None:
    parsed = parse_json('{"a": [1, "b"]}')
    assert parsed == Parsed({"a": [1, "b"]}, [], False)
    assert scan({"x": ["\ud800"]}).flaws == [
        Flaw("/x/0", "expected Unicode text, found a lone surrogate \\ud800 at character 0", "lone-surrogate")
    ]
    assert pointer() == "" and pointer("a", 0, "b/c~") == "/a/0/b~1c~0"


def test_one_whole_float_anywhere_marks_the_document() -> None:
    assert parse_json("[1.0, 2.5]").whole_floats is True
    assert parse_json("[2.5, 1.0, 0.5]").whole_floats is True
    assert parse_json("[2.5, 0.5]").whole_floats is False
    assert parse_json("[2.5, 0.5]").doc == [2.5, 0.5]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{\n  "a" 1}', "malformed JSON at line 2 column 7: Expecting ':' delimiter"),
        ('{"a": 1,}', "malformed JSON at line 1 column 9: Expecting property name enclosed in double quotes"),
        ('{"a": NaN}', "malformed JSON: NaN is not a JSON value"),
        (
            "[" * 100_000 + "]" * 100_000,
            "malformed JSON: nested too deeply (arrays and objects within each other beyond the parser's limit)",
        ),
        ("[" + "1" * 4301 + "]", "malformed JSON: an integer of more than 4300 digits"),
    ],
)
def test_unparseable_text_is_one_line(text: str, message: str) -> None:
    with pytest.raises(Unreadable) as exc:
        parse_json(text)
    assert str(exc.value) == message
    assert exc.value.__cause__ is None and exc.value.__suppress_context__


def test_another_value_error_of_the_parser_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(*_args: Any, **_kwargs: Any) -> Any:
        raise ValueError("no way")

    monkeypatch.setattr(jsonio.json, "loads", failing)
    with pytest.raises(Unreadable) as exc:
        parse_json("[]")
    assert str(exc.value) == "malformed JSON: no way" and exc.value.__suppress_context__


def test_decode_utf8_names_the_first_bad_byte(tmp_path: Path) -> None:
    assert decode_utf8("día".encode()) == "día"
    with pytest.raises(Unreadable) as exc:
        decode_utf8(b"ok\xff\xfe")
    assert str(exc.value) == "not UTF-8: byte 0xff at byte offset 2" and exc.value.__suppress_context__
    path = tmp_path / "f.json"
    path.write_bytes(b'{"a": ["\xc3\xa9"]}')
    assert read_text_file(path) == '{"a": ["é"]}'
    assert read_json(path) == {"a": ["é"]}
    assert read_json_checked(path) == Parsed({"a": ["é"]}, [], False)
    path.write_bytes(b'{"a": "\xe9"}')
    with pytest.raises(Unreadable, match=r"^not UTF-8: byte 0xe9 at byte offset 7$"):
        read_json(path)


@pytest.mark.parametrize(
    ("mode", "kind"),
    [
        (stat.S_IFDIR, "a directory"),
        (stat.S_IFIFO, "a named pipe"),
        (stat.S_IFCHR, "a character device"),
        (stat.S_IFBLK, "a block device"),
        (stat.S_IFSOCK, "a socket"),
        (stat.S_IFLNK, "not a regular file"),
    ],
)
def test_not_regular_names_the_kind(mode: int, kind: str) -> None:
    assert _not_regular(mode | 0o644) == f"expected a regular file, found {kind}"
    assert _not_regular(stat.S_IFREG | 0o644) is None


def _unreadable(path: Path | str, limit: int | None = None) -> str:
    with pytest.raises(Unreadable) as exc:
        read_file_bytes(path, limit)
    assert exc.value.__suppress_context__ or exc.value.__context__ is None
    return str(exc.value)


def test_read_file_bytes_reasons(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_bytes(b"12345")
    assert _unreadable(path, 4) == "expected a file of at most 4 bytes (3.8147e-06 MiB), found 5 bytes"
    assert _unreadable(str(tmp_path / "a\x00b")) == "cannot read: embedded null byte"
    assert _unreadable(path / "inside") == "cannot read: Not a directory"
    assert _unreadable(tmp_path) == "expected a regular file, found a directory"
    assert read_file_bytes(str(path)) == b"12345"
    (tmp_path / "empty").write_bytes(b"")
    assert read_file_bytes(tmp_path / "empty") == b""
    assert _unreadable(path, 0) == "expected a file of at most 0 bytes (0 MiB), found 5 bytes"


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_a_read_error_after_opening_is_one_line() -> None:
    # /proc/self/mem is a regular file of size 0 whose read at offset 0 fails (EIO)
    assert _unreadable("/proc/self/mem") == "cannot read: Input/output error"


def test_an_open_error_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "f.json"
    path.write_bytes(b"{}")

    def refused(*_args: Any, **_kwargs: Any) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(jsonio.os, "open", refused)
    assert _unreadable(path) == "cannot read: Permission denied"


class _FakeStat:
    def __init__(self, mode: int, size: int) -> None:
        self.st_mode, self.st_size = mode, size


def test_a_file_swapped_or_grown_after_the_stat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "f.json"
    path.write_bytes(b"0123456789")
    real_fstat = os.fstat
    monkeypatch.setattr(jsonio.os, "fstat", lambda fd: _FakeStat(stat.S_IFIFO, real_fstat(fd).st_size))
    assert _unreadable(path) == "expected a regular file, found a named pipe"
    # the file had 2 bytes at the fstat and 10 when read: read in several chunks up to the limit
    monkeypatch.setattr(jsonio.os, "fstat", lambda _fd: _FakeStat(stat.S_IFREG, 2))
    assert read_file_bytes(path) == b"0123456789"
    assert read_file_bytes(path, 10) == b"0123456789"
    path.write_bytes(b"0123")  # two chunks: 3 bytes (size + 1), then the last one
    assert read_file_bytes(path) == b"0123"
    path.write_bytes(b"0123456789")
    assert _unreadable(path, 9) == "expected a file of at most 9 bytes (8.58307e-06 MiB), found more"
    assert _unreadable(path, 5) == "expected a file of at most 5 bytes (4.76837e-06 MiB), found more"


def test_the_file_is_opened_without_blocking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pipe swapped in after the stat must not hang the reader: O_NONBLOCK (and O_NOCTTY) on the open."""
    path = tmp_path / "f.json"
    path.write_bytes(b"{}")
    flags: list[int] = []
    real_open = os.open

    def recording(p: Any, f: int, *args: Any) -> int:
        flags.append(f)
        return real_open(p, f, *args)

    monkeypatch.setattr(jsonio.os, "open", recording)
    assert read_file_bytes(path) == b"{}"
    wanted = getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    assert flags == [os.O_RDONLY | wanted]


def test_a_platform_without_those_flags_still_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows has neither O_NONBLOCK nor O_NOCTTY: the open goes without them."""
    path = tmp_path / "f.json"
    path.write_bytes(b"[1]")
    for name in ("O_NONBLOCK", "O_NOCTTY"):
        monkeypatch.delattr(jsonio.os, name, raising=False)
    assert read_file_bytes(path) == b"[1]"


def test_reads_ask_for_the_size_plus_one_in_chunks_of_at_most_a_gib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One read of size + 1 and one that sees the end; never more than 2**30 at once (macOS refuses > 2 GiB)."""
    path = tmp_path / "f.json"
    path.write_bytes(b"12345")
    asked: list[int] = []
    real_read = os.read

    def recording(fd: int, n: int) -> bytes:
        asked.append(n)
        return real_read(fd, min(n, 64))

    monkeypatch.setattr(jsonio.os, "read", recording)
    assert read_file_bytes(path) == b"12345" and asked == [6, 1]
    asked.clear()
    big = tmp_path / "big"
    with open(big, "wb") as fh:  # sparse: nothing is written
        fh.truncate(2**30 + 10)
    monkeypatch.setattr(jsonio.os, "read", lambda _fd, n: asked.append(n) or b"")
    assert read_file_bytes(big, limit=2**31) == b"" and asked == [2**30]
