"""The validator on the shipped corpus, the fixture corpus and one fixture per kind of breakage.

Every invalid fixture is the valid fixture corpus's annotation (or registry, or manifest) with one
thing broken; the file name says what. Each case asserts the exact pointer and message.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cartel_fto_corpus.checks.problems import Problem
from cartel_fto_corpus.checks.validate import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_UNREADABLE,
    file_kind,
    internal_error,
    interrupted_write,
    read_json,
    readable_corpus_problems,
    validate,
)
from cartel_fto_corpus.truth.paths import CorpusPaths, display
from cartel_fto_corpus.truth.schema import detailed_validator, fast_validator, label_set
from tests.conftest import FIXTURE_CORPUS, INVALID

SHA = "65998f3117fdfb101f157d2f6803e0a97209639eead9033237ef3b9abd1a9567"

#: fixture file -> (exit code, [(pointer, message), ...]) expected from validating it alone.
CASES: dict[str, tuple[int, list[tuple[str, str]]]] = {
    "additional_property.json": (
        1,
        [("/annotations/0/entities/0", "schema: Additional properties are not allowed ('confidence' was unexpected)")],
    ),
    "attribution_mismatch.json": (
        1,
        [("/annotations/0/stances/1/attribution", "expected authorial for actor kind 'author', found 'direct'")],
    ),
    "bad_claim_type.json": (
        1,
        [("/annotations/0/claims/0/type", f"schema: 'rumour' is not one of {list(label_set('claim_type'))}")],
    ),
    "crosses_paragraph.json": (
        1,
        [
            (
                "/annotations/0/claims/0",
                "expected a span inside one paragraph, found a line break at offset 163; split it or set multi_paragraph",
            )
        ],
    ),
    "duplicate_id.json": (
        1,
        [("/annotations/0/entities/1/id", "expected a unique id, found 'e1' again (first at /annotations/0/entities/0)")],
    ),
    "duplicate_span.json": (
        1,
        [("/annotations/0/entities/7", "expected one mention per span, found 105:116 again (first at /annotations/0/entities/2)")],
    ),
    "empty_span.json": (1, [("/annotations/0/entities/0", "expected start < end, found start 32 and end 32")]),
    "label_mismatch.json": (
        1,
        [("/annotations/0/entities/1/label", "expected PERSON (the type of 'donald_trump' in the registry), found ORG")],
    ),
    "malformed_json.json": (2, [("", "malformed JSON at line 143 column 1: Expecting ',' delimiter")]),
    "mention_of_other_entity.json": (
        1,
        [("/annotations/0/stances/0/holder/mention", "expected a mention of 'marco_rubio', found 'e2' which links 'donald_trump'")],
    ),
    "missing_evidence.json": (1, [("/annotations/0/stances/0", "schema: 'evidence' is a required property")]),
    "not_utf8.json": (2, [("", "not UTF-8: byte 0xed at byte offset 840")]),
    "offset_out_of_range.json": (1, [("/annotations/0/claims/1/end", "expected end <= 245 (text length in code points), found 254")]),
    "overlapping_mentions.json": (
        1,
        [
            (
                "/annotations/0/entities/7",
                "expected flat, non-overlapping mentions, found 86:116 overlapping /annotations/0/entities/2 (105:116)",
            )
        ],
    ),
    "several_gold.json": (1, [("/annotations/1/status", "expected at most one gold annotation set, found another at /annotations/0")]),
    "sha256_mismatch.json": (1, [("/text_sha256", f"expected the sha256 of texts/900_00000000000000aa.txt {SHA}, found {'0' * 64}")]),
    "span_text_mismatch.json": (1, [("/annotations/0/entities/2/text", 'expected the text at 105:116 "Marco Rubio", found "Marco Rubi0"')]),
    "span_whitespace.json": (1, [("/annotations/0/entities/2", 'expected a span without surrounding white space, found "Marco Rubio "')]),
    "unknown_cluster.json": (
        1,
        [("/annotations/0/claims/0/clusters/0", "expected a cluster id of the registry, found 'cartels_are_armies'")],
    ),
    "unknown_document.json": (1, [("/doc_id", "expected the id of a document in texts/, found '901_00000000000000bb'")]),
    "unknown_entity.json": (1, [("/annotations/0/entities/1/entity", "expected an entity id of the registry, found 'donald_trump_jr'")]),
    "unknown_label.json": (
        1,
        [
            (
                "/annotations/0/entities/1/label",
                f"schema: 'VILLAIN' is not one of {list(label_set('entity_label'))}",  # the schema's labels, in its order
            )
        ],
    ),
    "unknown_mention.json": (
        1,
        [("/annotations/0/stances/0/holder/mention", "expected the id of an entity mention of this set, found 'e99'")],
    ),
    "unknown_schema_version.json": (1, [("/schema_version", "unknown schema version: expected one of 1.1, found '2.0'")]),
    "unknown_target.json": (1, [("/annotations/0/stances/0/target", "expected a target id of the registry, found 'tariffs_on_mexico'")]),
    "unnamed_source_without_span.json": (1, [("/annotations/0/claims/1/claimant", "schema: 'span' is a required property")]),
    "updated_before_created.json": (
        1,
        [("/annotations/0/updated", "expected updated >= created (2025-01-01T00:00:00Z), found 2024-12-31T23:59:59Z")],
    ),
    # checks that could be disabled with the suite green (issue 26): one fixture each
    "duplicate_stance.json": (
        1,
        [("/annotations/0/stances/2", "expected one stance per holder and target, found another at /annotations/0/stances/1")],
    ),
    "duplicate_annotator.json": (1, [("/annotations/1/annotator", "annotator 'fixture' already has the annotation set at /annotations/0")]),
    "duplicate_claim_span.json": (
        1,
        [("/annotations/0/claims/2", "expected one claim per span, found 229:244 again (first at /annotations/0/claims/1)")],
    ),
    "bad_time.json": (1, [("/annotations/0/created", "expected an RFC 3339 date-time with time zone, found '2025-02-30T00:00:00Z'")]),
    # schema 1.1 (GUIDELINES 1.1, issue 10): one fixture per new check
    "cluster_kind_mismatch.json": (
        1,
        [
            (
                "/annotations/0/claims/1/clusters/0",
                "expected a cluster of kind factual for a check_worthy claim, found 'cartels_threaten_us' of kind non_factual",
            )
        ],
    ),
    "opinion_check_worthy.json": (
        1,
        [("/annotations/0/claims/0/checkworthiness", "expected non_factual for an opinion claim, found 'check_worthy'")],
    ),
    "repeated_cluster.json": (
        1,
        [("/annotations/0/claims/0/clusters", "schema: ['cartels_threaten_us', 'cartels_threaten_us'] has non-unique elements")],
    ),
    "author_evidence_in_reported_speech.json": (
        1,
        [
            (
                "/annotations/0/stances/1/evidence/1",
                "expected author evidence in the article's own voice, found 122:162 inside claim c1 (122:162), "
                "the reported content of 'marco_rubio'",
            )
        ],
    ),
    "qid_without_source.registry.json": (
        1,
        [("/entities/0/qid_source", "expected a qid_source saying how Q22686 was confirmed, found null")],
    ),
    "qid_source_without_qid.registry.json": (
        1,
        [("/entities/1/qid_source", "expected null (the entity has no QID), found a qid_source")],
    ),
    "discrepancy_cites_non_member.registry.json": (
        1,
        [("/clusters/0/discrepancies", "expected citations only of articles with a member claim (900), found 901")],
    ),
    "duplicate_registry_id.registry.json": (
        1,
        [("/entities/1/id", "expected a unique id, found 'donald_trump' again (first at /entities/0)")],
    ),
    "org_type_on_person.registry.json": (
        1,
        [("/entities/2/org_type", 'expected null (only ORG entities have a subtype), found "criminal"')],
    ),
    "qid_on_two_entities.registry.json": (1, [("/entities/5/qid", "expected each QID on one entity, found Q30 also on /entities/3")]),
    "unused_registry_entry.registry.json": (
        1,
        [("/clusters/1", "expected registry entry 'unused_cluster' to be used by some claim, found no use")],
    ),
    "stale_manifest.manifest.json": (
        1,
        [("/documents/0/n_chars", "expected 245 (computed from the text), found 246; run `cartel-fto manifest`")],
    ),
    # issue 15: what the detailed validator used to let through, and input that used to crash it
    "trailing_newline_in_annotator.json": (1, [("/annotations/0/annotator", "schema: 'fixture\\n' does not match '^[a-z][a-z0-9_.-]*$'")]),
    "trailing_newline_in_qid.registry.json": (1, [("/entities/5/qid", "schema: 'Q30\\n' does not match '^Q[1-9][0-9]*$'")]),
    "duplicate_key.json": (
        2,
        [
            (
                "/annotations/0/entities/1/start",
                "expected each key once per object, found 'start' more than once (JSON readers disagree on which one counts)",
            )
        ],
    ),
    "lone_surrogate_in_annotator.json": (
        2,
        [("/annotations/0/annotator", "expected Unicode text, found a lone surrogate \\ud800 at character 7")],
    ),
    "lone_surrogate_in_note.json": (2, [("/annotations/0/note", "expected Unicode text, found a lone surrogate \\udc00 at character 8")]),
    "float_offset.json": (1, [("/annotations/0/entities/1/start", "schema: 54.0 is not of type 'integer'")]),
    "huge_integer.json": (2, [("", "malformed JSON: an integer of more than 4300 digits")]),
    "deep_nesting.json": (2, [("", "malformed JSON: nested too deeply (arrays and objects within each other beyond the parser's limit)")]),
    "nan_offset.json": (2, [("", "malformed JSON: NaN is not a JSON value")]),
    "array_instead_of_object.registry.json": (1, [("", "expected a JSON object, found an array")]),
    # issue 27: the span boundary rules (GUIDELINES 1), the same function as the build's
    "span_starts_inside_word.json": (
        1,
        [("/annotations/0/entities/2", 'expected a span starting on a word boundary, found start 106 inside "Marco" (105:110)')],
    ),
    "span_ends_inside_word.json": (
        1,
        [("/annotations/0/claims/1", 'expected a span ending on a word boundary, found end 242 inside "objected" (236:244)')],
    ),
    "span_trailing_full_stop.json": (
        1,
        [
            (
                "/annotations/0/claims/1",
                "expected a span ending with a letter or digit, an abbreviation's full stop or a bracket or quotation mark "
                "opened inside it (GUIDELINES 1), found '.' (U+002E) in \"Mexico objected.\"",
            )
        ],
    ),
    "span_markdown_prefix.json": (
        1,
        [
            (
                "/annotations/0/stances/0/evidence/0",
                "expected a span starting with a letter, digit or currency sign (GUIDELINES 1), found '*' (U+002A) in \"**Cartels\"",
            )
        ],
    ),
    # issue 27: RFC 3339 date-times, control characters in typed text, proposed entities
    "compact_date_time.json": (
        1,
        [
            (
                "/annotations/0/created",
                "schema: expected an RFC 3339 date-time with time zone such as 2025-01-01T00:00:00Z, found '20250101T000000Z'",
            )
        ],
    ),
    "hour_only_time_zone.json": (
        1,
        [
            (
                "/annotations/0/created",
                "schema: expected an RFC 3339 date-time with time zone such as 2025-01-01T00:00:00Z, found '2025-01-01T00:00:00+00'",
            )
        ],
    ),
    "escape_sequence_in_description.json": (
        1,
        [
            (
                "/annotations/0/claims/1/claimant/description",
                "schema: expected text with a visible character and no control or bidirectional control characters, found 'officials\\x1b[2J familiar with the plan'",
            )
        ],
    ),
    "bidi_override_in_entity_name.registry.json": (
        1,
        [
            (
                "/entities/2/name",
                "schema: expected text with a visible character and no control or bidirectional control characters, found 'Marco \\u202eoibuR'",
            )
        ],
    ),
    "control_character_in_target_name.registry.json": (
        1,
        [
            (
                "/targets/0/name",
                "schema: expected text with a visible character and no control or bidirectional control characters, found 'FTO designation\\x07 of cartels'",
            )
        ],
    ),
    "blank_qid_source_evidence.registry.json": (
        1,
        [
            (
                "/entities/2/qid_source/evidence",
                "schema: expected text with a visible character and no control or bidirectional control characters, found '   '",
            )
        ],
    ),
    "c1_control_in_note.json": (
        1,
        [
            (
                "/annotations/0/stances/0/note",
                "schema: expected text without control characters (other than line breaks and tabs) or bidirectional controls, "
                "found 'quoted\\x9b2J in the text'",
            )
        ],
    ),
    "proposed_entity_with_qid.registry.json": (
        1,
        [("/entities/5/qid", "expected null (a proposed entity has no QID until a maintainer accepts it), found Q30")],
    ),
    "span_emoji_only.json": (
        1,
        [
            (
                "/annotations/0/stances/1/evidence/0",
                "expected a span starting with a letter, digit or currency sign (GUIDELINES 1), found '\U0001f4ac' (U+1F4AC) in \"\U0001f4ac\"",
            )
        ],
    ),
}


def test_every_fixture_has_a_case() -> None:
    assert sorted(p.name for p in INVALID.iterdir()) == sorted(CASES)
    assert len(CASES) >= 15


@pytest.mark.parametrize("name", sorted(CASES))
def test_invalid_fixture_reports_exact_problem(name: str) -> None:
    exit_code, expected = CASES[name]
    report = validate([INVALID / name], root=FIXTURE_CORPUS)
    assert report.exit_code == exit_code
    assert [(p.pointer, p.message) for p in report.problems] == expected
    assert all(Path(p.file).name == name for p in report.problems)


def test_fixture_corpus_is_valid() -> None:
    report = validate(root=FIXTURE_CORPUS)
    assert report.problems == []
    assert report.exit_code == EXIT_OK


def test_shipped_corpus_is_valid() -> None:
    report = validate()
    assert [str(p) for p in report.problems] == []


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    report = validate([tmp_path / "nope.json"], root=FIXTURE_CORPUS)
    assert report.exit_code == EXIT_UNREADABLE
    assert [(p.pointer, p.message) for p in report.problems] == [("", "no such file")]


def test_all_errors_are_reported_not_the_first(corpus_copy: Path) -> None:
    path = corpus_copy / "annotations" / "900_00000000000000aa.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    aset = doc["annotations"][0]
    aset["entities"][0]["text"] = "wrong"
    aset["entities"][1]["entity"] = "nobody"
    aset["claims"][0]["clusters"] = ["nothing"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    report = validate(root=corpus_copy)
    assert report.exit_code == EXIT_INVALID
    assert [p.code for p in report.problems] == [
        "span-text-mismatch",
        "unknown-entity",
        "unknown-cluster",
        "unused-entry",  # donald_trump: its only mention now links "nobody"
        "unused-entry",  # cartels_threaten_us: its only claim now names "nothing"
    ]


def test_edited_text_is_caught_by_checksums_and_sha(corpus_copy: Path) -> None:
    text = corpus_copy / "texts" / "900_00000000000000aa.txt"
    text.write_bytes(text.read_bytes().replace(b"Rubio", b"Rubi0", 1))
    codes = {p.code for p in validate(root=corpus_copy).problems}
    assert {"text-changed", "sha256-mismatch", "stale-manifest"} <= codes


def test_missing_annotation_file_is_reported(corpus_copy: Path) -> None:
    (corpus_copy / "annotations" / "900_00000000000000aa.json").unlink()
    codes = [p.code for p in validate(root=corpus_copy).problems]
    assert "missing-annotation" in codes
    assert "unused-entry" in codes  # nothing uses the registry any more


def test_file_name_must_match_doc_id(corpus_copy: Path) -> None:
    ann = corpus_copy / "annotations"
    (ann / "900_00000000000000aa.json").rename(ann / "900_00000000000000ab.json")
    problems = validate(root=corpus_copy).problems
    assert [(p.pointer, p.code) for p in problems if p.code == "file-name-mismatch"] == [("/doc_id", "file-name-mismatch")]


def test_multi_paragraph_flag_allows_crossing_a_break() -> None:
    doc = read_json(INVALID / "crosses_paragraph.json")
    doc["annotations"][0]["claims"][0]["multi_paragraph"] = True
    from cartel_fto_corpus.checks.validate import AnnotationChecker, Context, Usage
    from cartel_fto_corpus.truth.paths import CorpusPaths

    ctx = Context(CorpusPaths(FIXTURE_CORPUS), registry=read_json(FIXTURE_CORPUS / "annotations" / "registry.json"))
    assert AnnotationChecker("x.json", doc, ctx, Usage()).run() == []


UNREADABLE_ON_PURPOSE = {name for name, (code, _) in CASES.items() if code == EXIT_UNREADABLE}


@pytest.mark.parametrize("path", sorted(p for p in INVALID.glob("*.json") if p.name not in UNREADABLE_ON_PURPOSE), ids=lambda p: p.name)
def test_fast_and_detailed_validators_agree(path: Path) -> None:
    doc = read_json(path)
    kind = file_kind(path)
    if path.name == "float_offset.json":  # the one intended difference: 54.0 is no integer offset
        assert fast_validator(kind).is_valid(doc) and not detailed_validator(kind).is_valid(doc)
        return
    assert fast_validator(kind).is_valid(doc) == detailed_validator(kind).is_valid(doc)


def test_fast_and_detailed_validators_agree_on_valid_files() -> None:
    for path in [*FIXTURE_CORPUS.rglob("*.json")]:
        doc, kind = read_json(path), file_kind(path)
        assert fast_validator(kind).is_valid(doc) and detailed_validator(kind).is_valid(doc), path


@pytest.mark.parametrize(
    ("created", "problem"),
    [
        ("2025-01-01t00:00:00z", None),  # RFC 3339 allows lower case t and z
        ("2025-01-01T01:00:00+01:00", None),
        ("2025-02-30T00:00:00Z", "expected an RFC 3339 date-time with time zone, found '2025-02-30T00:00:00Z'"),
        (
            "2025-W01-1T00:00:00Z",
            "schema: expected an RFC 3339 date-time with time zone such as 2025-01-01T00:00:00Z, found '2025-W01-1T00:00:00Z'",
        ),
    ],
)
def test_created_is_an_rfc3339_date_time(tmp_path: Path, created: str, problem: str | None) -> None:
    doc = json.loads((FIXTURE_CORPUS / "annotations" / "900_00000000000000aa.json").read_text(encoding="utf-8"))
    doc["annotations"][0]["created"] = created
    f = tmp_path / "900_00000000000000aa.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    found = [(p.pointer, p.message) for p in validate([f], root=FIXTURE_CORPUS).problems]
    assert found == ([] if problem is None else [("/annotations/0/created", problem)])


def test_an_internal_error_is_one_unreadable_line_with_the_exception_cut_at_200() -> None:
    found = internal_error("annotations/a.json", ValueError("y" * 250))
    assert found == Problem(
        "annotations/a.json",
        "",
        f"internal error while checking this file (ValueError: {'y' * 200}); please report it",
        "internal-error",
        unreadable=True,
    )


def test_readable_corpus_problems_checks_each_file_against_its_own_schema(tmp_path: Path) -> None:
    """What `stats` and `show` check first: the fixture corpus is sound; a schema error is reported as such."""
    assert readable_corpus_problems(CorpusPaths(FIXTURE_CORPUS)) == []
    root = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, root)
    doc = json.loads((root / "annotations" / "900_00000000000000aa.json").read_text(encoding="utf-8"))
    doc["annotations"][0]["status"] = "finished?"
    (root / "annotations" / "900_00000000000000aa.json").write_text(json.dumps(doc), encoding="utf-8")
    assert [(p.pointer, p.code) for p in readable_corpus_problems(CorpusPaths(root))] == [("/annotations/0/status", "schema-enum")]


def test_a_committed_journal_is_an_interrupted_write_unless_its_writer_holds_the_lock(tmp_path: Path) -> None:
    from cartel_fto_corpus.truth.journal import JOURNAL, TXN_DIR
    from cartel_fto_corpus.truth.lock import corpus_lock

    paths = CorpusPaths(tmp_path)
    assert interrupted_write(paths) == []
    (tmp_path / TXN_DIR).mkdir()
    assert interrupted_write(paths) == []  # staged only: nothing was renamed yet
    with corpus_lock(tmp_path):  # taking the lock recovers, so the writer writes its journal while holding it
        (tmp_path / TXN_DIR).mkdir()
        (tmp_path / TXN_DIR / JOURNAL).write_text("{}", encoding="utf-8")
        assert interrupted_write(paths) == []  # its writer is still at work
    [found] = interrupted_write(paths)  # the writer is gone
    assert (found.pointer, found.code, found.message) == (
        "",
        "interrupted-write",
        "expected no interrupted write, found a committed journal whose renames were not all done (a writer was killed); "
        "run `cartel-fto recover` to finish it",
    )
    assert found.file.endswith(f"{TXN_DIR}/{JOURNAL}")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("protocol.json", "protocol"),
        ("SEAL.json", "seal"),
        ("registry.json", "registry"),
        ("blind.registry.json", "registry"),
        ("manifest.json", "manifest"),
        ("old.manifest.json", "manifest"),
        ("900_00000000000000aa.json", "annotation"),
        ("xregistry.json", "annotation"),
    ],
)
def test_a_files_kind_is_told_by_its_name(name: str, kind: str) -> None:
    assert file_kind(Path("annotations") / name) == kind


def test_a_bug_while_loading_a_file_is_its_one_internal_error_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import cartel_fto_corpus.checks.validate as validate_module
    from cartel_fto_corpus.checks.problems import Report

    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(validate_module, "sound_document", broken)
    path = FIXTURE_CORPUS / "annotations" / "900_00000000000000aa.json"
    report = Report()
    assert validate_module.load_checked("annotation", path, report) is None
    name = validate_module.display(path)
    assert report.files == [name]
    assert report.problems == [
        Problem(
            name, "", "internal error while checking this file (RuntimeError: boom); please report it", "internal-error", unreadable=True
        )
    ]


def test_registry_entries_a_schema_rejected_file_names_are_not_called_unused(tmp_path: Path) -> None:
    """The file's references cannot be trusted, but neither can "unused" be: its ids count as maybe used."""
    root = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, root)
    path = root / "annotations" / "900_00000000000000aa.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["annotations"][0]["status"] = "finished?"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert [(p.pointer, p.code) for p in validate(root=root).problems] == [("/annotations/0/status", "schema-enum")]


def test_a_bug_in_a_corpus_level_check_is_one_internal_error_line_of_its_file() -> None:
    from cartel_fto_corpus.checks.validate import _guarded

    def broken(a: int, b: int) -> list[Problem]:
        raise KeyError(a + b)

    p = Problem("texts", "", "m", "c")
    assert _guarded("texts", lambda *args: iter([p]), 1) == [p]
    assert _guarded("texts", broken, 1, 2) == [
        Problem("texts", "", "internal error while checking this file (KeyError: 3); please report it", "internal-error", unreadable=True)
    ]


def test_files_after_an_unreadable_one_are_still_checked(tmp_path: Path) -> None:
    bad, broken = tmp_path / "900_00000000000000aa.json", tmp_path / "copy" / "900_00000000000000aa.json"
    bad.write_text("{", encoding="utf-8")
    broken.parent.mkdir()
    doc = json.loads((FIXTURE_CORPUS / "annotations" / "900_00000000000000aa.json").read_text(encoding="utf-8"))
    doc["annotations"][0]["claims"][1]["text"] = "Mexico objects"
    broken.write_text(json.dumps(doc), encoding="utf-8")
    found = [(p.code, p.pointer) for p in validate([bad, broken], root=FIXTURE_CORPUS).problems]
    assert found == [("unreadable", ""), ("span-text-mismatch", "/annotations/0/claims/1/text")]


def test_a_bug_in_one_files_checker_is_its_line_and_the_next_file_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cartel_fto_corpus.checks.validate import AnnotationChecker

    run = AnnotationChecker.run

    def run_or_fail(self: AnnotationChecker) -> list[Problem]:
        if self.file.endswith("first.json"):
            raise ValueError("boom")
        return run(self)

    monkeypatch.setattr(AnnotationChecker, "run", run_or_fail)
    doc = json.loads((FIXTURE_CORPUS / "annotations" / "900_00000000000000aa.json").read_text(encoding="utf-8"))
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    first.write_text(json.dumps(doc), encoding="utf-8")
    doc["annotations"][0]["claims"][1]["text"] = "Mexico objects"
    second.write_text(json.dumps(doc), encoding="utf-8")
    problems = validate([first, second], root=FIXTURE_CORPUS).problems
    assert [(p.code, p.pointer) for p in problems] == [("internal-error", ""), ("span-text-mismatch", "/annotations/0/claims/1/text")]
    assert problems[0] == internal_error(problems[0].file, ValueError("boom")) and problems[0].file.endswith("first.json")


def test_a_file_named_after_another_document_is_reported_on_that_file(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, root)
    renamed = root / "annotations" / "900_00000000000000ab.json"
    shutil.copy(root / "annotations" / "900_00000000000000aa.json", renamed)
    [found] = [p for p in validate([renamed], root=root).problems if p.code == "file-name-mismatch"]
    assert found == Problem(
        display(renamed),
        "/doc_id",
        "expected '900_00000000000000ab' (the file name), found '900_00000000000000aa'",
        "file-name-mismatch",
    )


@pytest.mark.parametrize(("name", "required"), [("protocol.json", "protocol_version"), ("SEAL.json", "seal_version")])
def test_a_protocol_or_seal_given_by_name_is_schema_checked(tmp_path: Path, name: str, required: str) -> None:
    path = tmp_path / name
    path.write_text('{"x": 1}', encoding="utf-8")
    problems = validate([path], root=FIXTURE_CORPUS).problems
    assert {p.file for p in problems} == {display(path)}
    assert (problems[0].code, problems[0].message) == (
        "schema-additionalProperties",
        "schema: Additional properties are not allowed ('x' was unexpected)",
    )
    assert (problems[1].code, problems[1].message) == ("schema-required", f"schema: {required!r} is a required property")


def test_a_bug_in_the_delivery_checks_is_one_line_of_the_annotations_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    import cartel_fto_corpus.checks.validate as validate_module

    def broken(paths: CorpusPaths) -> list[Problem]:
        raise OSError("gone")

    monkeypatch.setattr(validate_module, "delivery_problems", broken)
    folder = display(CorpusPaths(FIXTURE_CORPUS).annotations)
    assert validate(root=FIXTURE_CORPUS).problems == [internal_error(folder, OSError("gone"))]


def test_a_whole_run_reads_the_registry_the_manifest_and_every_annotation_file() -> None:
    paths = CorpusPaths(FIXTURE_CORPUS)
    assert validate(root=FIXTURE_CORPUS).files == [
        display(paths.registry),
        display(paths.manifest),
        *(display(p) for p in paths.annotation_files()),
    ]


def test_one_file_run_counts_the_registry_ids_of_every_other_file_of_the_root(tmp_path: Path) -> None:
    """Validating 900 alone: the ids only 901 uses are not "unused", whether 901 is sound, unchecked or schema-rejected."""
    root = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, root)
    given = root / "annotations" / "900_00000000000000aa.json"
    doc = json.loads(given.read_text(encoding="utf-8"))
    shutil.copy(root / "texts" / "900_00000000000000aa.txt", root / "texts" / "901_00000000000000aa.txt")
    other = root / "annotations" / "901_00000000000000aa.json"
    other.write_text(json.dumps({**doc, "doc_id": "901_00000000000000aa"}), encoding="utf-8")
    given.write_text(json.dumps({**doc, "annotations": []}), encoding="utf-8")  # uses no registry id
    expected = [(display(given), "/annotations", "schema-minItems")]
    assert [(p.file, p.pointer, p.code) for p in validate([given], root=root).problems] == expected
    other.write_text(json.dumps({**doc, "doc_id": "901_00000000000000aa", "text_sha256": "0" * 64}), encoding="utf-8")
    assert [(p.file, p.pointer, p.code) for p in validate([given], root=root).problems] == expected  # its sets never looked into
    doc["annotations"][0]["status"] = "finished?"
    other.write_text(json.dumps({**doc, "doc_id": "901_00000000000000aa"}), encoding="utf-8")
    assert [(p.file, p.pointer, p.code) for p in validate([given], root=root).problems] == expected
