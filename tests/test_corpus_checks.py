"""checks/corpus_checks.py below the fixtures: tests that kill survivors of the mutation run (issue 26).

Each function is called on a small corpus or registry built in the test, so every problem's
pointer, message and code is pinned down, not only that something was found.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from cartel_fto_corpus.checks.checker import Usage
from cartel_fto_corpus.checks.corpus_checks import checksum_problems, manifest_problems, parse_checksums, registry_problems, text_problems
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.texts import compute_manifest, read_texts


def _entity(id_: str, type_: str = "PER", org_type: str | None = None, qid: str | None = None, **more: Any) -> dict[str, Any]:
    source = {"status": "confirmed", "source": "s", "evidence": "e"} if qid else None
    return {"id": id_, "name": id_, "type": type_, "org_type": org_type, "qid": qid, "qid_source": source, **more}


def _registry(**sections: list[dict[str, Any]]) -> dict[str, Any]:
    return {"entities": [], "targets": [], "clusters": [], **sections}


def _triples(problems: list[Any]) -> list[tuple[str, str, str]]:
    return [(p.pointer, p.code, p.message) for p in problems]


def test_a_sound_registry_has_no_problem() -> None:
    reg = _registry(
        entities=[_entity("a"), _entity("b", "ORG", "cartel", "Q1")],
        targets=[{"id": "t"}],
        clusters=[{"id": "c", "discrepancies": ""}],
    )
    usage = Usage(entities={"a", "b"}, targets={"t"}, clusters={"c"})
    assert registry_problems("r.json", reg, usage) == []
    assert registry_problems("r.json", reg, None) == []


def test_duplicate_ids_in_each_section() -> None:
    reg = _registry(
        entities=[_entity("a"), _entity("b"), _entity("a"), _entity("a")],
        targets=[{"id": "t"}, {"id": "t"}],
        clusters=[{"id": "a", "discrepancies": ""}, {"id": "c", "discrepancies": ""}, {"id": "c", "discrepancies": ""}],
    )
    assert _triples(registry_problems("r.json", reg, None)) == [
        ("/entities/2/id", "duplicate-id", "expected a unique id, found 'a' again (first at /entities/0)"),
        ("/entities/3/id", "duplicate-id", "expected a unique id, found 'a' again (first at /entities/0)"),
        ("/targets/1/id", "duplicate-id", "expected a unique id, found 't' again (first at /targets/0)"),
        ("/clusters/2/id", "duplicate-id", "expected a unique id, found 'c' again (first at /clusters/1)"),
    ]
    assert {p.file for p in registry_problems("r.json", reg, None)} == {"r.json"}


def test_org_types_only_on_orgs() -> None:
    reg = _registry(entities=[_entity("a", "ORG"), _entity("b", "PER", "cartel"), _entity("c", "LOC")])
    assert _triples(registry_problems("r.json", reg, None)) == [
        ("/entities/0/org_type", "org-type-mismatch", "expected an ORG subtype, found null"),
        ("/entities/1/org_type", "org-type-mismatch", 'expected null (only ORG entities have a subtype), found "cartel"'),
    ]


def test_a_qid_on_one_entity_only() -> None:
    reg = _registry(entities=[_entity("a", qid="Q1"), _entity("b", qid="Q2"), _entity("c", qid="Q1"), _entity("d", qid="Q1")])
    assert _triples(registry_problems("r.json", reg, None)) == [
        ("/entities/2/qid", "duplicate-qid", "expected each QID on one entity, found Q1 also on /entities/0"),
        ("/entities/3/qid", "duplicate-qid", "expected each QID on one entity, found Q1 also on /entities/0"),
    ]


def test_proposed_entities_and_qid_sources() -> None:
    no_source = _entity("b", qid="Q2")
    no_source["qid_source"] = None
    reg = _registry(entities=[_entity("a", qid="Q1", proposed=True), no_source])
    assert [(p.pointer, p.code) for p in registry_problems("r.json", reg, None)] == [
        ("/entities/0/qid", "proposed-with-qid"),
        ("/entities/1/qid_source", "qid-source-mismatch"),
    ]


def test_discrepancies_cite_member_articles_only_when_usage_is_known() -> None:
    reg = _registry(clusters=[{"id": "c", "discrepancies": "001 says so, 002 not"}])
    usage = Usage(clusters={"c"}, cluster_docs={"c": {"001"}})
    assert [(p.pointer, p.code) for p in registry_problems("r.json", reg, usage)] == [("/clusters/0/discrepancies", "discrepancy-citation")]
    assert registry_problems("r.json", reg, None) == []


def test_unused_entries_of_each_section_unless_maybe() -> None:
    reg = _registry(
        entities=[_entity("a"), _entity("b")],
        targets=[{"id": "t"}, {"id": "u"}],
        clusters=[{"id": "c", "discrepancies": ""}, {"id": "d", "discrepancies": ""}],
    )
    usage = Usage(entities={"a"}, targets={"t"}, clusters={"c"})
    assert _triples(registry_problems("r.json", reg, usage)) == [
        ("/entities/1", "unused-entry", "expected registry entry 'b' to be used by some entity mention or actor, found no use"),
        ("/targets/1", "unused-entry", "expected registry entry 'u' to be used by some stance, found no use"),
        ("/clusters/1", "unused-entry", "expected registry entry 'd' to be used by some claim, found no use"),
    ]
    usage.maybe = {"b", "u"}
    assert [p.pointer for p in registry_problems("r.json", reg, usage)] == ["/clusters/1"]


def _corpus(tmp_path: Path, texts: dict[str, bytes]) -> CorpusPaths:
    (tmp_path / "texts").mkdir(parents=True, exist_ok=True)
    for name, data in texts.items():
        (tmp_path / "texts" / name).write_bytes(data)
    return CorpusPaths(tmp_path)


def test_a_fresh_manifest_has_no_problem_and_each_stale_field_is_one(tmp_path: Path) -> None:
    paths = _corpus(tmp_path, {"000.txt": b"**Title**\nbody", "001.txt": b"other"})
    manifest = compute_manifest(read_texts(paths))
    assert manifest_problems("m.json", manifest, paths) == []
    manifest["documents"][1]["n_chars"] = 99
    manifest["documents"][1]["title"] = "x" * 200
    got = manifest_problems("m.json", manifest, paths)
    assert [(p.file, p.pointer, p.code) for p in got] == [
        ("m.json", "/documents/1/n_chars", "stale-manifest"),
        ("m.json", "/documents/1/title", "stale-manifest"),
    ]
    assert got[0].message == "expected 5 (computed from the text), found 99; run `cartel-fto manifest`"
    cut = ('"' + "x" * 200)[:120]
    assert got[1].message == f"expected null (computed from the text), found {cut}; run `cartel-fto manifest`"
    del manifest["documents"][1]["n_chars"]
    assert (
        manifest_problems("m.json", manifest, paths)[0].message
        == "expected 5 (computed from the text), found null; run `cartel-fto manifest`"
    )


def test_manifest_entries_without_a_text_and_texts_without_an_entry(tmp_path: Path) -> None:
    paths = _corpus(tmp_path, {"000.txt": b"a", "001.txt": b"b", "002.txt": b"c"})
    manifest = compute_manifest(read_texts(paths))
    manifest["documents"] = [{**manifest["documents"][1]}, {"id": "009"}]
    assert _triples(manifest_problems("m.json", manifest, paths)) == [
        ("/documents/1/id", "unknown-document", "expected a document with a text in texts/, found '009' without one"),
        ("/documents", "stale-manifest", "expected an entry for texts/000.txt, found none; run `cartel-fto manifest`"),
        ("/documents", "stale-manifest", "expected an entry for texts/002.txt, found none; run `cartel-fto manifest`"),
    ]


def test_a_text_that_is_not_utf8_is_named_once(tmp_path: Path) -> None:
    paths = _corpus(tmp_path, {"000.txt": b"ok", "001.txt": b"bad \xff"})
    manifest = {"documents": [{"id": "000"}, {"id": "001"}]}
    assert manifest_problems("m.json", manifest, paths) == []
    got = text_problems(paths)
    assert [(p.file.endswith("001.txt"), p.pointer, p.code, p.unreadable) for p in got] == [(True, "", "not-utf8", True)]
    assert got[0].message == "expected UTF-8 text, found byte 0xff at byte offset 4"


def _sums(texts: dict[str, bytes]) -> str:
    return "".join(f"{hashlib.sha256(b).hexdigest()}  {n}\n" for n, b in texts.items())


def test_checksums_of_the_texts(tmp_path: Path) -> None:
    texts = {"000.txt": b"a", "001.txt": b"b"}
    paths = _corpus(tmp_path, texts)
    file = str(paths.checksums)
    assert checksum_problems(paths) == [_unreadable(file, "no such file", "unreadable")]
    paths.checksums.write_text(_sums(texts))
    assert checksum_problems(paths) == []
    (paths.texts / "001.txt").write_bytes(b"B")
    (paths.texts / "002.txt").write_bytes(b"c")
    paths.checksums.write_text(_sums({**texts, "003.txt": b"d"}))
    got = checksum_problems(paths)
    assert [(p.file, p.pointer, p.code, p.unreadable) for p in got] == [
        (file, "", "text-changed", False),
        (file, "", "missing-text", False),
        (file, "", "unlisted-text", False),
    ]
    assert [p.message for p in got] == [
        f"expected sha256 {hashlib.sha256(b'b').hexdigest()} for texts/001.txt, found {hashlib.sha256(b'B').hexdigest()}: the text was edited",
        "expected texts/003.txt, found no such file",
        "expected every text to be listed, found texts/002.txt unlisted",
    ]


def _unreadable(file: str, message: str, code: str) -> Any:
    from cartel_fto_corpus.checks.problems import Problem

    return Problem(file, "", message, code, unreadable=True)


def test_checksum_lines_that_are_not_lines_are_unreadable(tmp_path: Path) -> None:
    paths = _corpus(tmp_path, {"000.txt": b"a"})
    paths.checksums.write_text(_sums({"000.txt": b"a"}) + "bad line\n" + "y" * 100 + "\n")
    got = checksum_problems(paths)
    assert [(p.code, p.unreadable) for p in got] == [("bad-checksum-line", True)] * 2
    assert got[0].message == "line 2: expected '<64 hex digits>  <file name>', found \"bad line\""
    assert got[1].message == f"line 3: expected '<64 hex digits>  <file name>', found \"{'y' * 60}\""
    sums, bad = parse_checksums("S", paths.checksums)
    assert sums == {"000.txt": hashlib.sha256(b"a").hexdigest()} and len(bad) == 2 and bad[0].file == "S"


def test_checksums_not_utf8_or_not_a_file(tmp_path: Path) -> None:
    paths = _corpus(tmp_path, {})
    paths.checksums.write_bytes(b"ab\xffcd")
    assert parse_checksums("S", paths.checksums) == ({}, [_unreadable("S", "not UTF-8: byte offset 2", "unreadable")])
    paths.checksums.unlink()
    paths.checksums.mkdir()
    assert parse_checksums("S", paths.checksums) == ({}, [_unreadable("S", "expected a regular file, found a directory", "unreadable")])


def test_manifest_lines_keep_non_ascii_cut_at_120_and_go_on_after_an_unknown_document(tmp_path: Path) -> None:
    from cartel_fto_corpus.checks.problems import Problem

    paths = _corpus(tmp_path, {"000.txt": ("**" + "é" * 200 + "**\nbody").encode(), "001.txt": b"other"})
    fresh = compute_manifest(read_texts(paths))["documents"]
    stale = {**fresh[0], "title": "ü" * 200}
    got = manifest_problems("m.json", {"documents": [{**fresh[1], "id": "zzz"}, stale]}, paths)
    assert got == [
        Problem("m.json", "/documents/0/id", "expected a document with a text in texts/, found 'zzz' without one", "unknown-document"),
        Problem(
            "m.json",
            "/documents/1/title",
            f'expected "{"é" * 119} (computed from the text), found "{"ü" * 119}; run `cartel-fto manifest`',
            "stale-manifest",
        ),
        Problem("m.json", "/documents", "expected an entry for texts/001.txt, found none; run `cartel-fto manifest`", "stale-manifest"),
    ]


def test_a_bad_checksum_line_is_quoted_as_written(tmp_path: Path) -> None:
    paths = _corpus(tmp_path, {})
    paths.checksums.write_text("número mal\n", encoding="utf-8")
    _sums, bad = parse_checksums("S", paths.checksums)
    assert [p.message for p in bad] == ["line 1: expected '<64 hex digits>  <file name>', found \"número mal\""]
