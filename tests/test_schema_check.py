"""checks/schema_check.py below the fixtures: tests that kill survivors of the mutation run (issue 26).

The registry of the shipped corpus is the sound document; each test breaks it in one way.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from cartel_fto_corpus.checks import schema_check
from cartel_fto_corpus.checks.schema_check import (
    MAX_COUNTED,
    _json_type,
    _path_key,
    _version_problem,
    compiled_verdict,
    schema_problems,
    sound_document,
)
from cartel_fto_corpus.truth.schema import supported_versions
from tests.conftest import REPO

REGISTRY = json.loads((REPO / "annotations" / "registry.json").read_text(encoding="utf-8"))


def registry() -> dict[str, Any]:
    return copy.deepcopy(REGISTRY)


def test_the_sound_registry_has_no_problem() -> None:
    assert schema_problems("registry", registry(), "r.json") == []
    assert schema_problems("registry", registry(), "r.json", strict_numbers=True) == []
    assert compiled_verdict("registry", registry()) is True
    assert compiled_verdict("registry", {"schema_version": 1}) is False


def _misnamed() -> dict[str, Any]:
    """A registry entity with one schema error (a name that is not a string)."""
    return {**REGISTRY["entities"][0], "name": 5}


@pytest.mark.parametrize(
    ("n", "last"),
    [
        (101, "1 more schema errors not listed (at most 100 are listed per file)"),
        (150, "50 more schema errors not listed (at most 100 are listed per file)"),
        (100 + MAX_COUNTED, f"{MAX_COUNTED} more schema errors not listed (at most 100 are listed per file)"),
        (101 + MAX_COUNTED, f"more than {MAX_COUNTED} more schema errors not listed (at most 100 are listed per file)"),
    ],
)
def test_errors_beyond_the_listed_ones_are_counted(n: int, last: str) -> None:
    reg = registry()
    reg["entities"] = [_misnamed()] * n
    found = schema_problems("registry", reg, "r.json", strict_numbers=False)
    assert len(found) == 101 and found[-1].message == last and found[-1].code == "more-problems"
    assert all(p.file == "r.json" for p in found)


def test_exactly_the_limit_has_no_count_line() -> None:
    reg = registry()
    reg["entities"] = [_misnamed()] * 100
    found = schema_problems("registry", reg, "r.json", strict_numbers=False)
    assert len(found) == 100 and all(p.code != "more-problems" for p in found)


def test_errors_are_listed_in_document_order_with_pointers() -> None:
    reg = registry()
    for i in (11, 2, 0):
        reg["entities"][i]["name"] = "a\x01b"
    reg["targets"][0]["id"] = 5
    found = schema_problems("registry", reg, "r.json")
    assert [p.pointer for p in found] == ["/entities/0/name", "/entities/2/name", "/entities/11/name", "/targets/0/id"]
    assert found[0].code == "schema-pattern"
    assert found[0].message == (
        "schema: expected text with a visible character and no control or bidirectional control characters, found 'a\\x01b'"
    )
    assert found[-1].code == "schema-type" and found[-1].message == "schema: 5 is not of type 'string'"


def test_a_long_value_against_a_named_pattern_is_cut() -> None:
    reg = registry()
    reg["entities"][0]["name"] = "\x01" + "y" * 500
    [p] = schema_problems("registry", reg, "r.json")
    assert p.message.endswith("found " + repr("\x01" + "y" * 500).replace("\\x01", "\\x01")[:200])
    assert (
        len(p.message)
        == len("schema: expected text with a visible character and no control or bidirectional control characters, found ") + 200
    )


def test_path_key_orders_indices_before_names() -> None:
    assert sorted([["b"], [10], [2], ["a", 1]], key=_path_key) == [[2], [10], ["a", 1], ["b"]]
    assert _path_key(["x", 3]) == ((1, "x"), (0, 3))


@pytest.mark.parametrize(
    ("value", "name"),
    [({}, "an object"), ([], "an array"), ("s", "a string"), (True, "a boolean"), (3, "an integer"), (2.5, "a number"), (None, "null")],
)
def test_json_type_names(value: Any, name: str) -> None:
    assert _json_type(value) == name
    assert _json_type(b"x") == "bytes"


def test_version_problems() -> None:
    assert _version_problem("f", {"schema_version": supported_versions()[0]}) is None
    p = _version_problem("f", [1])
    assert (p.file, p.pointer, p.message, p.code) == ("f", "", "expected a JSON object, found an array", "schema-type")  # type: ignore[union-attr]
    p = _version_problem("f", {})
    assert (p.pointer, p.code) == ("/schema_version", "unknown-schema-version")  # type: ignore[union-attr]
    assert p.message == f"unknown schema version: expected one of {', '.join(supported_versions())}, found none"  # type: ignore[union-attr]
    p = _version_problem("f", {"schema_version": "9" * 100 + "\ud800"})
    assert p.message.endswith("found " + ("'" + "9" * 100)[:80])  # type: ignore[union-attr]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "f.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


def test_sound_document_returns_the_document_or_its_problems(tmp_path: Path) -> None:
    rejected: list[Any] = []
    doc, found = sound_document("registry", _write(tmp_path, json.dumps(registry())), "N", on_reject=rejected.append)
    assert doc == REGISTRY and found == [] and rejected == []
    bad = registry()
    bad["targets"][0]["id"] = 5
    doc, found = sound_document("registry", _write(tmp_path, json.dumps(bad)), "N", on_reject=rejected.append)
    assert doc is None and [(p.file, p.pointer) for p in found] == [("N", "/targets/0/id")] and rejected == [bad]
    doc, found = sound_document("registry", _write(tmp_path, json.dumps(bad)), "N")
    assert doc is None and len(found) == 1


def test_sound_document_unreadable_and_flawed_files(tmp_path: Path) -> None:
    doc, found = sound_document("registry", tmp_path / "missing.json", "N")
    assert doc is None and [(p.file, p.pointer, p.message, p.code, p.unreadable) for p in found] == [
        ("N", "", "no such file", "unreadable", True)
    ]
    doc, found = sound_document("registry", _write(tmp_path, '{"a": 1, "a": 2}'), "N")
    assert doc is None and [(p.pointer, p.code, p.unreadable) for p in found] == [("/a", "duplicate-key", True)]


def test_sound_document_checks_the_version_except_of_protocol_and_seal(tmp_path: Path) -> None:
    path = _write(tmp_path, json.dumps({"schema_version": "0.1"}))
    doc, found = sound_document("registry", path, "N")
    assert doc is None and [p.code for p in found] == ["unknown-schema-version"]
    doc, found = sound_document("protocol", path, "N")
    assert doc is None and found and all(p.code.startswith("schema-") for p in found)
    doc, found = sound_document("seal", path, "N")
    assert doc is None and found and all(p.code.startswith("schema-") for p in found)


def test_whole_floats_are_checked_in_detail(tmp_path: Path) -> None:
    text = json.dumps(registry())
    doc, found = sound_document(
        "registry", _write(tmp_path, text.replace('"schema_version": "1.1"', '"schema_version": "1.1", "x": 1.0')), "N"
    )
    assert doc is None and found


def test_an_uncheckable_document_accepted_by_the_compiled_validator(monkeypatch: pytest.MonkeyPatch) -> None:
    class Deep:
        def iter_errors(self, _doc: Any) -> Any:
            raise RecursionError

    monkeypatch.setattr(schema_check, "detailed_validator", lambda _kind: Deep())
    [p] = schema_problems("registry", registry(), "r.json", strict_numbers=True)
    assert (p.pointer, p.message, p.code) == ("", "schema: cannot be checked in detail (RecursionError)", "schema-detailed")
    assert schema_problems("registry", registry(), "r.json", strict_numbers=False) == []
    [p] = schema_problems("registry", {"schema_version": 5}, "r.json", strict_numbers=False)
    assert p.code == "schema-compiled"


class _Silent:
    def iter_errors(self, _doc: Any) -> Any:
        return iter(())


def test_a_rejection_only_the_compiled_validator_explains(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schema_check, "detailed_validator", lambda _kind: _Silent())
    reg = registry()
    reg["targets"][1]["id"] = 5
    [p] = schema_problems("registry", reg, "r.json", strict_numbers=False)
    assert (p.file, p.pointer, p.code) == ("r.json", "/targets/1/id", "schema-compiled")
    assert p.message.startswith("schema: 5 is not of type")


def test_a_compiled_validator_that_raises_or_names_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    class Raising:
        def is_valid(self, _doc: Any) -> bool:
            return False

        def validate(self, _doc: Any) -> None:
            raise OverflowError("too big")

    class Nameless(Raising):
        def validate(self, _doc: Any) -> None:
            return None

    monkeypatch.setattr(schema_check, "detailed_validator", lambda _kind: _Silent())
    monkeypatch.setattr(schema_check, "fast_validator", lambda _kind: Raising())
    [p] = schema_problems("registry", registry(), "r.json", strict_numbers=False)
    assert (p.file, p.pointer, p.message, p.code) == (
        "r.json",
        "",
        "schema: rejected by the compiled validator (OverflowError: too big)",
        "schema-compiled",
    )
    monkeypatch.setattr(schema_check, "fast_validator", lambda _kind: Nameless())
    [p] = schema_problems("registry", registry(), "r.json", strict_numbers=False)
    assert (p.file, p.pointer, p.message, p.code) == (
        "r.json",
        "",
        "schema: rejected by the compiled validator, which names no error",
        "schema-compiled",
    )


def test_a_parsed_file_is_not_scanned_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`parse_json` already found the flaws and whole floats: the document is not walked a second time."""

    def no_scan(_doc: Any) -> Any:
        raise AssertionError("scanned again")

    monkeypatch.setattr(schema_check, "scan", no_scan)
    text = json.dumps(registry())
    assert sound_document("registry", _write(tmp_path, text), "N") == (REGISTRY, [])
    doc, found = sound_document(
        "registry", _write(tmp_path, text.replace('"schema_version": "1.1"', '"schema_version": "1.1", "x": 1.0')), "N"
    )
    assert doc is None and [p.pointer for p in found] == [""]


def test_every_supported_version_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schema_check, "supported_versions", lambda: ("1.0", "1.1"))
    p = _version_problem("f", {"schema_version": "0.9"})
    assert p.message == "unknown schema version: expected one of 1.0, 1.1, found '0.9'"  # type: ignore[union-attr]
    assert _version_problem("f", {"schema_version": "1.0"}) is None


def test_data_not_parsed_from_text_is_scanned_first() -> None:
    """strict_numbers=None: lone surrogates are the problems (at most 100), before any schema check."""
    found = schema_problems("registry", {"a": "x\ud800"}, "ls.json")
    assert [(p.file, p.pointer, p.message, p.code) for p in found] == [
        ("ls.json", "/a", "expected Unicode text, found a lone surrogate \\ud800 at character 1", "lone-surrogate")
    ]
    assert len(schema_problems("registry", {"a": ["\udc00"] * 150}, "ls.json")) == 100
    reg = registry()
    reg["entities"][0]["name"] = "x"
    assert schema_problems("registry", reg, "ls.json") == []
    reg["entities"][0]["start"] = 1.0
    assert [p.code for p in schema_problems("registry", reg, "ls.json")] == ["schema-additionalProperties"]


def test_counting_stops_after_the_counted_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file with 10^5 errors costs seconds: errors are pulled up to 100 listed + MAX_COUNTED + 1 counted."""
    real = schema_check.detailed_validator("registry")
    pulled = []

    class Counting:
        def iter_errors(self, doc: Any) -> Any:
            for err in real.iter_errors(doc):
                pulled.append(1)
                yield err

    monkeypatch.setattr(schema_check, "detailed_validator", lambda _kind: Counting())
    reg = registry()
    reg["entities"] = [_misnamed()] * (200 + MAX_COUNTED)
    found = schema_problems("registry", reg, "r.json", strict_numbers=False)
    assert found[-1].message == f"more than {MAX_COUNTED} more schema errors not listed (at most 100 are listed per file)"
    assert len(pulled) == 100 + MAX_COUNTED + 1
