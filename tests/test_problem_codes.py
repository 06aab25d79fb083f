"""Every problem code the checks can emit is produced by a fixture or a targeted test (issue 26).

A `Problem`'s `code` is what the JSON and GitHub report formats emit (`"code"`, `title=`), so CI
scripts and annotators' tooling key on it: a renamed or lost code is a breaking change. The codes
are scattered string literals in `truth/` and `checks/` (a check returns `(pointer, code, message)`
where it is written), so the list is derived here by reading the source: a new code without a
fixture or a targeted test fails `test_every_code_has_a_witness`.

Witnesses, in order of preference:
- an invalid fixture (`tests/fixtures/invalid/`), whose exact pointer and message
  `tests/test_validate.py` pins and whose codes `FIXTURE_CODES` pins here;
- a sealed-delivery breakage of `tests/test_seals.py` (named after its code);
- a targeted test in this file (`OWN_TESTS`) or elsewhere (`ELSEWHERE`), which names the code.
"""

from __future__ import annotations

import ast
import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from cartel_fto_corpus.checks.adjudication import adjudication_problems
from cartel_fto_corpus.checks.corpus_checks import checksum_problems, text_problems
from cartel_fto_corpus.checks.problems import Problem, Report
from cartel_fto_corpus.checks.report import render
from cartel_fto_corpus.checks.seals import delivery_problems
from cartel_fto_corpus.checks.validate import validate
from cartel_fto_corpus.truth.layers import layers
from cartel_fto_corpus.truth.paths import CorpusPaths
from tests import test_seals, test_validate
from tests.conftest import FIXTURE_CORPUS, INVALID, REPO

PACKAGE = REPO / "cartel_fto_corpus"
#: A code: lower-case words joined by hyphens (`span-text-mismatch`).
CODE_SHAPE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+")
#: Hyphenated literals of the two packages that are not codes: the encoding, the distribution, the
#: command (truth/lock.py names the holder), the layer declaration's schema keyword (truth/layers.py).
NOT_CODES = {"utf-8", "cartel-fto-corpus", "cartel-fto", "x-layer"}


def _literal_codes(path: Path) -> set[str]:
    """Hyphenated string constants, and the code argument of every `Problem(...)` (single words too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE_SHAPE.fullmatch(node.value):
            found.add(node.value)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Problem":
            args = [*node.args[3:4], *(k.value for k in node.keywords if k.arg == "code")]
            found |= {a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return found - NOT_CODES


def emitted_codes() -> set[str]:
    """Every literal code of truth/ and checks/, and the dangling-reference codes the layer declaration
    builds (the `schema-<keyword>` family is built from the JSON Schema keyword and witnessed by the
    schema fixtures below)."""
    literal = set().union(*(_literal_codes(p) for sub in ("truth", "checks") for p in sorted((PACKAGE / sub).glob("*.py"))))
    return literal | {ref.code for found in layers() for ref in found.references}  # unknown-<noun>, from the x-layer declaration


#: invalid fixture -> the codes of its problems, in the order `tests/test_validate.py` lists them.
FIXTURE_CODES: dict[str, list[str]] = {
    "additional_property.json": ["schema-additionalProperties"],
    "array_instead_of_object.registry.json": ["schema-type"],
    "attribution_mismatch.json": ["attribution-mismatch"],
    "author_evidence_in_reported_speech.json": ["author-evidence-in-reported-speech"],
    "bad_claim_type.json": ["schema-enum"],
    "bad_time.json": ["bad-time"],
    "bidi_override_in_entity_name.registry.json": ["schema-pattern"],
    "blank_qid_source_evidence.registry.json": ["schema-pattern"],
    "c1_control_in_note.json": ["schema-pattern"],
    "cluster_kind_mismatch.json": ["cluster-kind-mismatch"],
    "compact_date_time.json": ["schema-pattern"],
    "control_character_in_target_name.registry.json": ["schema-pattern"],
    "crosses_paragraph.json": ["crosses-paragraph"],
    "deep_nesting.json": ["unreadable"],
    "discrepancy_cites_non_member.registry.json": ["discrepancy-citation"],
    "duplicate_annotator.json": ["duplicate-annotator"],
    "duplicate_claim_span.json": ["duplicate-span"],
    "duplicate_id.json": ["duplicate-id"],
    "duplicate_key.json": ["duplicate-key"],
    "duplicate_registry_id.registry.json": ["duplicate-id"],
    "duplicate_span.json": ["duplicate-span"],
    "duplicate_stance.json": ["duplicate-stance"],
    "empty_span.json": ["empty-span"],
    "escape_sequence_in_description.json": ["schema-pattern"],
    "float_offset.json": ["schema-type"],
    "hour_only_time_zone.json": ["schema-pattern"],
    "huge_integer.json": ["unreadable"],
    "label_mismatch.json": ["label-mismatch"],
    "lone_surrogate_in_annotator.json": ["lone-surrogate"],
    "lone_surrogate_in_note.json": ["lone-surrogate"],
    "malformed_json.json": ["unreadable"],
    "mention_of_other_entity.json": ["mention-entity-mismatch"],
    "missing_evidence.json": ["schema-required"],
    "nan_offset.json": ["unreadable"],
    "not_utf8.json": ["unreadable"],
    "offset_out_of_range.json": ["offset-out-of-range"],
    "opinion_check_worthy.json": ["opinion-checkworthiness"],
    "org_type_on_person.registry.json": ["org-type-mismatch"],
    "overlapping_mentions.json": ["overlapping-mentions"],
    "proposed_entity_with_qid.registry.json": ["proposed-with-qid"],
    "qid_on_two_entities.registry.json": ["duplicate-qid"],
    "qid_source_without_qid.registry.json": ["qid-source-mismatch"],
    "qid_without_source.registry.json": ["qid-source-mismatch"],
    "repeated_cluster.json": ["schema-uniqueItems"],
    "several_gold.json": ["several-gold"],
    "sha256_mismatch.json": ["sha256-mismatch"],
    "span_emoji_only.json": ["span-leading-symbol"],
    "span_ends_inside_word.json": ["span-ends-inside-word"],
    "span_markdown_prefix.json": ["span-leading-symbol"],
    "span_starts_inside_word.json": ["span-starts-inside-word"],
    "span_text_mismatch.json": ["span-text-mismatch"],
    "span_trailing_full_stop.json": ["span-trailing-symbol"],
    "span_whitespace.json": ["span-whitespace"],
    "stale_manifest.manifest.json": ["stale-manifest"],
    "trailing_newline_in_annotator.json": ["schema-pattern"],
    "trailing_newline_in_qid.registry.json": ["schema-pattern"],
    "unknown_cluster.json": ["unknown-cluster"],
    "unknown_document.json": ["unknown-document"],
    "unknown_entity.json": ["unknown-entity"],
    "unknown_label.json": ["schema-enum"],
    "unknown_mention.json": ["unknown-mention"],
    "unknown_schema_version.json": ["unknown-schema-version"],
    "unknown_target.json": ["unknown-target"],
    "unnamed_source_without_span.json": ["schema-required"],
    "unused_registry_entry.registry.json": ["unused-entry"],
    "updated_before_created.json": ["updated-before-created"],
}

#: sealed-delivery breakages of tests/test_seals.py: each case is named after its one code.
SEAL_CODES = {case.replace("_", "-") for case in test_seals.CASES}

#: code -> the test of this file that produces it with its pointer and message.
OWN_TESTS = {
    "adjudication-unknown-annotator": "test_adjudication_record_problems",
    "adjudication-unknown-result": "test_adjudication_record_problems",
    "adjudication-agreed-with-decision": "test_adjudication_record_problems",
    "adjudication-unknown-side": "test_adjudication_record_problems",
    "bad-checksum-line": "test_checksum_problems",
    "missing-text": "test_checksum_problems",
    "unlisted-text": "test_checksum_problems",
    "not-utf8": "test_text_that_is_not_utf8",
    "duplicate-version": "test_protocol_with_a_version_twice",
    "schema-detailed": "test_detailed_validator_raising_is_one_problem",
}

#: code -> (test module, test function) elsewhere that asserts it (its module names the code).
ELSEWHERE = {
    "caused-problems": ("test_validate_cascade.py", "test_unrelated_problems_are_never_folded"),
    "adjudication-no-reason": ("test_adjudicate.py", "test_record_tampering_is_caught"),
    "adjudication-unknown-source": ("test_adjudicate.py", "test_record_tampering_is_caught"),
    "adjudication-untraced": ("test_adjudicate.py", "test_record_tampering_is_caught"),
    "author-evidence-reporting-frame": ("test_release_rules.py", "test_each_rule_is_an_error_under_guidelines_2_0"),
    "unnamed-actor-description": ("test_release_rules.py", "test_each_rule_is_an_error_under_guidelines_2_0"),
    "unnamed-actor-span": ("test_release_rules.py", "test_each_rule_is_an_error_under_guidelines_2_0"),
    "author-evidence-speech-object": ("test_release_rules.py", "test_a_speech_verb_object_is_a_warning_even_under_2_0"),
    "execution-only-stance": ("test_release_rules.py", "test_an_execution_only_stance_is_a_warning_on_a_draft"),
    "bad-acknowledgements": ("test_release_rules.py", "test_the_adjudicator_acknowledges_an_execution_only_gold_stance"),
    "interrupted-write": ("test_fault_injection.py", "test_recover_finishes_what_a_killed_writer_committed"),
    "file-name-mismatch": ("test_validate.py", "test_file_name_must_match_doc_id"),
    "missing-annotation": ("test_validate.py", "test_missing_annotation_file_is_reported"),
    "text-changed": ("test_validate.py", "test_edited_text_is_caught_by_checksums_and_sha"),
    "internal-error": ("test_hardening.py", "test_a_large_run_with_one_bad_file_reports_every_files_problems"),
    "more-problems": ("test_hardening.py", "test_schema_errors_are_capped_per_file_with_a_count_of_the_rest"),
    "schema-compiled": ("test_hardening.py", "test_compiled_rejection_is_reported_even_when_the_detailed_report_is_empty"),
}


#: Under mutation testing (mutmut copies every mutant of a function into its module) the source
#: holds mutated literals; the scan is about this repository's source, so it is skipped there.
UNDER_MUTMUT = "__mutmut_" in (PACKAGE / "checks" / "checker.py").read_text(encoding="utf-8")
needs_plain_source = pytest.mark.skipif(UNDER_MUTMUT, reason="the source is mutmut's copy with every mutant in it")


@needs_plain_source
def test_the_scan_finds_the_codes_it_should() -> None:
    codes = emitted_codes()
    assert {"unreadable", "duplicate-stance", "span-whitespace", "lone-surrogate", "sealed-file-changed"} <= codes
    assert not codes & NOT_CODES
    assert len(codes) >= 70


@needs_plain_source
def test_every_code_has_a_witness() -> None:
    witnessed = {c for codes in FIXTURE_CODES.values() for c in codes} | SEAL_CODES | set(OWN_TESTS) | set(ELSEWHERE)
    assert sorted(emitted_codes() - witnessed) == []


@needs_plain_source
def test_every_witness_is_a_code() -> None:
    """No stale entry: a witness of a code the package no longer emits (schema-<keyword> aside)."""
    codes = emitted_codes()
    named = {c for cs in FIXTURE_CODES.values() for c in cs if not c.startswith("schema-")} | SEAL_CODES | set(OWN_TESTS) | set(ELSEWHERE)
    assert sorted(named - codes) == []


def test_fixture_codes_cover_every_fixture() -> None:
    assert sorted(FIXTURE_CODES) == sorted(test_validate.CASES) == sorted(p.name for p in INVALID.iterdir())


@pytest.mark.parametrize("name", sorted(FIXTURE_CODES))
def test_fixture_reports_exactly_its_codes(name: str) -> None:
    """Code, pointer and message together: the pointer and message are the ones test_validate pins."""
    report = validate([INVALID / name], root=FIXTURE_CORPUS)
    _exit, expected = test_validate.CASES[name]
    assert [(p.code, p.pointer, p.message) for p in report.problems] == [
        (code, ptr, msg) for code, (ptr, msg) in zip(FIXTURE_CODES[name], expected, strict=True)
    ]
    assert report.warnings == []


@pytest.mark.parametrize("case", sorted(test_seals.CASES))
def test_seal_breakage_reports_its_code(case: str, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "corpus"
    shutil.copytree(test_seals.PROTOCOL, root)
    test_seals.CASES[case][0](root)
    assert [p.code for p in delivery_problems(CorpusPaths(root))] == [case.replace("_", "-")]


@pytest.mark.parametrize(("code", "where"), sorted(ELSEWHERE.items()))
def test_witness_elsewhere_exists_and_names_the_code(code: str, where: tuple[str, str]) -> None:
    module, function = where
    source = (REPO / "tests" / module).read_text(encoding="utf-8")
    assert f"def {function}(" in source
    assert f'"{code}"' in source


def test_own_witnesses_exist() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    for code, function in OWN_TESTS.items():
        assert f"def {function}(" in source, code


# --- the report formats carry the code ------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FIXTURE_CODES))
def test_json_and_github_formats_carry_the_code(name: str) -> None:
    report = validate([INVALID / name], root=FIXTURE_CORPUS)
    body = json.loads(render(report, "json"))
    assert [p["code"] for p in body["problems"]] == FIXTURE_CODES[name]
    assert [(p["pointer"], p["message"]) for p in body["problems"]] == test_validate.CASES[name][1]
    titles = re.findall(r"^::error [^:]*,title=([^:,]*)::", render(report, "github"), re.MULTILINE)
    assert titles == FIXTURE_CODES[name]


def test_json_and_github_formats_carry_warning_codes() -> None:
    report = Report(
        files=["a.json"],
        problems=[Problem("a.json", "/x", "expected y, found z", "duplicate-stance")],
        warnings=[Problem("a.json", "/w", "a warning", "execution-only-stance")],
    )
    body = json.loads(render(report, "json"))
    assert body["problems"] == [
        {"file": "a.json", "pointer": "/x", "line": None, "code": "duplicate-stance", "message": "expected y, found z"}
    ]
    assert body["warnings"] == [{"file": "a.json", "pointer": "/w", "line": None, "code": "execution-only-stance", "message": "a warning"}]
    assert render(report, "github") == (
        "::error file=a.json,title=duplicate-stance::/x: expected y, found z\n::warning file=a.json,title=execution-only-stance::/w: a warning\n"
    )


# --- targeted tests of codes no single invalid file can show --------------------------------------


def _adjudicated() -> dict[str, Any]:
    """Two annotators' sets and an adjudicated one whose record traces its one mention."""

    def aset(name: str) -> dict[str, Any]:
        return {"annotator": name, "entities": [{"id": "e1"}], "stances": [], "claims": []}

    gold = aset("adj")
    gold["adjudication"] = {
        "annotators": ["a", "b"],
        "units": [
            {
                "layer": "entities",
                "result": "e1",
                "decision": "agreed",
                "took": None,
                "reason": None,
                "sides": [{"annotator": "a", "item": "e1"}, {"annotator": "b", "item": "e1"}],
            }
        ],
    }
    return {"annotations": [aset("a"), aset("b"), gold]}


def test_adjudication_record_problems() -> None:
    base = "/annotations/2/adjudication"
    doc = _adjudicated()
    assert adjudication_problems(doc, 2) == []
    assert adjudication_problems(doc, 0) == []  # no record, nothing to trace

    bad = copy.deepcopy(doc)
    bad["annotations"][2]["adjudication"]["annotators"] = ["a", "zz"]
    assert adjudication_problems(bad, 2) == [
        (f"{base}/annotators/1", "adjudication-unknown-annotator", "expected an annotator with a set in this file, found 'zz'"),
        (f"{base}/units/0/sides/1/annotator", "adjudication-unknown-annotator", "expected a compared annotator, found 'b'"),
    ]

    bad = copy.deepcopy(doc)
    bad["annotations"][2]["adjudication"]["units"][0]["result"] = "e9"
    assert adjudication_problems(bad, 2) == [
        (f"{base}/units/0/result", "adjudication-unknown-result", "expected the id of an item of this set's entities, found 'e9'"),
        (
            "/annotations/2/entities/0",
            "adjudication-untraced",
            "expected exactly one unit of the adjudication record with result 'e1', found none",
        ),
    ]

    bad = copy.deepcopy(doc)
    bad["annotations"][2]["adjudication"]["units"][0]["reason"] = "both right"
    assert adjudication_problems(bad, 2) == [
        (f"{base}/units/0", "adjudication-agreed-with-decision", "expected took and reason null for an agreed unit, found a decision")
    ]
    bad = copy.deepcopy(doc)
    bad["annotations"][2]["adjudication"]["units"][0]["took"] = "a"
    assert [c for _, c, _ in adjudication_problems(bad, 2)] == ["adjudication-agreed-with-decision"]

    bad = copy.deepcopy(doc)
    bad["annotations"][2]["adjudication"]["units"][0].update(decision="side", took="zz", reason="a saw it")
    assert adjudication_problems(bad, 2) == [(f"{base}/units/0/took", "adjudication-unknown-side", "expected one of a, b, found 'zz'")]
    bad["annotations"][2]["adjudication"]["units"][0].update(took="b")
    assert adjudication_problems(bad, 2) == []
    bad["annotations"][2]["adjudication"]["units"][0].update(decision="value", took=None, reason="")
    assert adjudication_problems(bad, 2) == [
        (f"{base}/units/0/reason", "adjudication-no-reason", "expected the reason of a value decision, found none")
    ]

    bad = copy.deepcopy(doc)
    bad["annotations"][2]["adjudication"]["units"][0]["sides"][0]["item"] = None  # the side had no such item: allowed
    assert adjudication_problems(bad, 2) == []
    bad["annotations"][2]["adjudication"]["units"][0]["sides"][1]["item"] = "e7"
    assert adjudication_problems(bad, 2) == [
        (f"{base}/units/0/sides/1/item", "adjudication-unknown-source", "expected the id of an item of b's entities, found 'e7'")
    ]


def test_checksum_problems(corpus_copy: Path) -> None:
    paths = CorpusPaths(corpus_copy)
    # written through corpus_copy, not `paths`: a mutant of CorpusPaths must not reach the shipped texts
    sums, texts = corpus_copy / "texts" / "SHA256SUMS", corpus_copy / "texts"
    file = str(paths.checksums)
    assert checksum_problems(paths) == []
    original = paths.checksums.read_text(encoding="utf-8")

    sums.write_text(original + "\n" + "0" * 64 + "  950_gone.txt\n", encoding="utf-8")
    assert [(p.file, p.pointer, p.message, p.code, p.unreadable) for p in checksum_problems(paths)] == [
        (file, "", "expected texts/950_gone.txt, found no such file", "missing-text", False)
    ]

    sums.write_text(original, encoding="utf-8")
    (texts / "951_extra.txt").write_text("An extra text.\n", encoding="utf-8")
    assert [(p.pointer, p.message, p.code) for p in checksum_problems(paths)] == [
        ("", "expected every text to be listed, found texts/951_extra.txt unlisted", "unlisted-text")
    ]
    (texts / "951_extra.txt").unlink()

    sums.write_text(original + "not a checksum\n", encoding="utf-8")
    assert [(p.pointer, p.message, p.code, p.unreadable) for p in checksum_problems(paths)] == [
        ("", "line 2: expected '<64 hex digits>  <file name>', found \"not a checksum\"", "bad-checksum-line", True)
    ]

    sums.unlink()
    assert [(p.message, p.code, p.unreadable) for p in checksum_problems(paths)] == [("no such file", "unreadable", True)]


def test_text_that_is_not_utf8(corpus_copy: Path) -> None:
    paths = CorpusPaths(corpus_copy)
    assert text_problems(paths) == []
    (corpus_copy / "texts" / "952_latin1.txt").write_bytes(b"Caf\xe9\n")
    found = text_problems(paths)
    assert [(Path(p.file).name, p.pointer, p.code, p.unreadable) for p in found] == [("952_latin1.txt", "", "not-utf8", True)]
    assert "byte" in found[0].message


def test_protocol_with_a_version_twice(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "corpus"
    shutil.copytree(test_seals.PROTOCOL, root)
    path = root / "annotations" / "protocol.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["guidelines"].append(dict(doc["guidelines"][0]))
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    found = [(p.pointer, p.message, p.code) for p in delivery_problems(CorpusPaths(root))]
    assert found == [
        ("/guidelines/1/version", "expected one entry per version, found 9.0 again (first at /guidelines/0)", "duplicate-version")
    ]


def test_detailed_validator_raising_is_one_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    from cartel_fto_corpus.checks import schema_check

    class Broken:
        def iter_errors(self, _doc: Any) -> Any:
            raise RecursionError("deep")

    monkeypatch.setattr(schema_check, "detailed_validator", lambda _kind: Broken())
    valid = json.loads((FIXTURE_CORPUS / "annotations" / "900_00000000000000aa.json").read_text(encoding="utf-8"))
    # accepted by the compiled validator, but a whole-valued float asks for the detailed one
    found = schema_check.schema_problems("annotation", valid, "x.json", strict_numbers=True)
    assert [(p.file, p.pointer, p.message, p.code) for p in found] == [
        ("x.json", "", "schema: cannot be checked in detail (RecursionError)", "schema-detailed")
    ]
    assert schema_check.schema_problems("annotation", valid, "x.json", strict_numbers=False) == []
    # rejected by the compiled validator: still one problem, from the compiled one
    invalid = json.loads((INVALID / "additional_property.json").read_text(encoding="utf-8"))
    assert [p.code for p in schema_check.schema_problems("annotation", invalid, "x.json", strict_numbers=False)] == ["schema-compiled"]
