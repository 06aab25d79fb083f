"""checks/checker.py below the fixtures: the parts mutation testing found unpinned (issue 26).

The invalid fixtures (tests/test_validate.py, tests/test_problem_codes.py) show each check end to
end; these tests pin what one fixture per check cannot: caps, the merge of parallel chunks, which of
two overlapping mentions is reported, touching spans, and that checking goes on after a finding.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cartel_fto_corpus.checks.checker import AnnotationChecker, Context, Usage, _parse_time
from cartel_fto_corpus.checks.problems import MAX_PROBLEMS_PER_FILE
from cartel_fto_corpus.truth.layers import layer
from cartel_fto_corpus.truth.paths import CorpusPaths
from tests.conftest import FIXTURE_CORPUS

REGISTRY = {
    "entities": [{"id": "r", "type": "PERSON"}, {"id": "t", "type": "PERSON"}, {"id": "m", "type": "GPE"}, {"id": "d", "type": "MONEY"}]
}
TEXT = "Rubio met Trump and Mexico objected."


def _checker() -> AnnotationChecker:
    return AnnotationChecker("f.json", {"doc_id": "x"}, Context(CorpusPaths(FIXTURE_CORPUS), REGISTRY), Usage())


def _mention(j: int, start: int, end: int, entity: str = "r", label: str = "PERSON", text: str = TEXT) -> dict[str, Any]:
    return {"id": f"e{j}", "start": start, "end": end, "text": text[start:end], "entity": entity, "label": label}


def _found(checker: AnnotationChecker) -> list[tuple[str, str]]:
    return [(p.pointer, p.code) for p in checker.problems]


def test_overlap_is_reported_on_the_mention_listed_later_in_either_order() -> None:
    wide, narrow = _mention(0, 0, 9), _mention(1, 6, 15)  # "Rubio met", "met Trump"
    c = _checker()
    c.check_entities("/a", [wide, narrow], TEXT)
    assert [(p.pointer, p.message) for p in c.problems] == [
        ("/a/entities/1", "expected flat, non-overlapping mentions, found 6:15 overlapping /a/entities/0 (0:9)")
    ]
    c = _checker()
    c.check_entities("/a", [narrow, wide], TEXT)
    assert [(p.pointer, p.message) for p in c.problems] == [
        ("/a/entities/1", "expected flat, non-overlapping mentions, found 0:9 overlapping /a/entities/0 (6:15)")
    ]


def test_touching_mentions_do_not_overlap() -> None:
    text = "Rubio,Trump"
    c = _checker()
    c.check_entities("/a", [_mention(0, 0, 6, text=text), _mention(1, 6, 11, "t", text=text)], text)
    assert _found(c) == [("/a/entities/0", "span-trailing-symbol")]  # the comma, not an overlap


def test_checking_goes_on_after_a_duplicate_span() -> None:
    c = _checker()
    mentions = [_mention(0, 0, 5), _mention(1, 0, 5), _mention(2, 10, 15, "t", label="ORG"), _mention(3, 20, 26, "m", "GPE")]
    c.check_entities("/a", mentions, TEXT)
    assert _found(c) == [("/a/entities/1", "duplicate-span"), ("/a/entities/2/label", "label-mismatch")]
    assert c.entities_sound([mentions[0], mentions[3]], TEXT)
    assert not c.entities_sound(mentions, TEXT)


def test_entities_sound_agrees_with_the_detailed_checks() -> None:
    c = _checker()
    good = [_mention(0, 0, 5), _mention(1, 10, 15, "t"), _mention(2, 20, 26, "m", "GPE")]
    assert c.entities_sound(good, TEXT)
    assert c.entities_sound([], TEXT)
    for bad in (
        [_mention(0, 0, 5, "nobody")],  # unknown entity
        [_mention(0, 0, 5, label="ORG")],  # wrong label
        [{**_mention(0, 0, 5), "text": "Rubi0"}],  # stored text differs
        [_mention(0, 0, 4)],  # ends inside a word
        [_mention(0, 5, 5)],  # empty
        [{**_mention(0, 30, 36), "end": 37}],  # beyond the text
        [_mention(0, 0, 9), _mention(1, 6, 15)],  # overlapping
    ):
        assert not c.entities_sound(bad, TEXT), bad


def test_warnings_and_problems_are_capped_per_file() -> None:
    c = _checker()
    for i in range(MAX_PROBLEMS_PER_FILE + 5):
        c.warn(f"/{i}", "w", "warning")
        c.err(f"/{i}", "e", "problem")
    assert len(c.warnings) == MAX_PROBLEMS_PER_FILE
    assert len(c.problems) == MAX_PROBLEMS_PER_FILE and c.unlisted == 5
    c.doc = {"doc_id": "nope", "text_sha256": "0" * 64, "annotations": []}
    found = c.run()
    assert (found[-1].file, found[-1].pointer, found[-1].code) == ("f.json", "", "more-problems")
    assert found[-1].message == f"6 more problems not listed (at most {MAX_PROBLEMS_PER_FILE} are listed per file)"


def test_usage_merge_keeps_both_sides() -> None:
    a, b = Usage(), Usage()
    a.entities, a.targets, a.clusters, a.maybe = {"e1"}, {"t1"}, {"c1"}, {"m1"}
    a.cluster_docs = {"c1": {"001"}, "c2": {"002"}}
    b.entities, b.targets, b.clusters, b.maybe = {"e2"}, {"t2"}, {"c2"}, {"m2"}
    b.cluster_docs = {"c1": {"003"}, "c3": {"004"}}
    a.merge(b)
    assert (a.entities, a.targets, a.clusters, a.maybe) == ({"e1", "e2"}, {"t1", "t2"}, {"c1", "c2"}, {"m1", "m2"})
    assert a.cluster_docs == {"c1": {"001", "003"}, "c2": {"002"}, "c3": {"004"}}


def test_note_failed_collects_every_string_of_a_document() -> None:
    u = Usage()
    u.note_failed({"a": ["x", {"b": "y"}, 3, None], "c": "z"})
    assert u.maybe == {"x", "y", "z"}


def test_times_in_lower_case_and_with_offsets_are_read() -> None:
    assert _parse_time("2025-01-01t00:00:00z") == _parse_time("2025-01-01T00:00:00Z") == _parse_time("2025-01-01T01:00:00+01:00")
    assert _parse_time("2025-01-01T00:00:00Z").tzinfo is not None
    assert _parse_time("2025-02-30T00:00:00Z") is None


def test_time_without_zone_and_equal_times() -> None:
    c = _checker()
    c.check_times("/s", {"created": "2025-01-01T00:00:00", "updated": "2025-01-01T00:00:00Z"})
    assert [(p.pointer, p.code, p.message) for p in c.problems] == [
        ("/s/created", "bad-time", "expected an RFC 3339 date-time with time zone, found '2025-01-01T00:00:00'")
    ]
    c = _checker()
    c.check_times("/s", {"created": "2025-01-01T00:00:00Z", "updated": "2025-01-01T01:00:00+01:00"})  # the same instant
    assert c.problems == []


def test_text_cache_is_bounded_and_unreadable_texts_are_none(tmp_path) -> None:
    c = _checker()
    assert c.ctx.text("900_00000000000000aa") is not None
    assert c.ctx.text("no_such_document") is None
    for i in range(70):
        c.ctx.text(f"missing_{i}")
    assert len(c.ctx._cache) <= 64


def test_a_registry_without_a_section_has_no_ids_of_it() -> None:
    ctx = Context(CorpusPaths(FIXTURE_CORPUS), {"entities": [{"id": "r", "type": "PERSON"}]})
    assert ctx.section("targets") == {} and ctx.section("clusters") == {}
    assert ctx.entity_types == {"r": "PERSON"}
    assert Context(CorpusPaths(FIXTURE_CORPUS)).entities == {}


def test_bad_updated_time_is_reported_at_updated() -> None:
    c = _checker()
    c.check_times("/s", {"created": "2025-01-01T00:00:00Z", "updated": "2025-02-30T00:00:00Z"})
    assert [(p.pointer, p.code, p.message) for p in c.problems] == [
        ("/s/updated", "bad-time", "expected an RFC 3339 date-time with time zone, found '2025-02-30T00:00:00Z'")
    ]


def test_actors_unknown_entity_and_unnamed_span() -> None:
    """A holder's entity, mention and span are declared (x-layer) and checked through the declaration."""

    def stance(holder: dict[str, Any]) -> dict[str, Any]:
        return {"id": "s0", "holder": holder, "target": "t", "attribution": "reported", "evidence": []}

    def holder_problems(c: AnnotationChecker) -> list[tuple[str, str, str]]:
        return [(p.pointer, p.code, p.message) for p in c.problems if "/holder" in p.pointer]

    stances = layer("stances")
    c = _checker()
    c.check_layer("/p", stances, [stance({"kind": "entity", "entity": "nobody"})], TEXT)
    assert holder_problems(c) == [("/p/stances/0/holder/entity", "unknown-entity", "expected an entity id of the registry, found 'nobody'")]
    assert c.usage.entities == {"nobody"}  # noted as used: one wrong id is one problem, not two
    c = _checker()
    c.items = {"entities": {"e1": _mention(1, 0, 5)}}
    c.check_layer("/p", stances, [stance({"kind": "entity", "entity": "r", "mention": "e1"}), stance({"kind": "author"})], TEXT)
    c.check_actor("/p/holder", {"kind": "entity", "entity": "r", "mention": "e1"})
    assert holder_problems(c) == [] and c.usage.entities == {"r"}
    c.check_layer("/p", stances, [stance({"kind": "entity", "entity": "r", "mention": "e2"})], TEXT)
    c.check_actor("/q/holder", {"kind": "entity", "entity": "t", "mention": "e1"})
    c.check_layer("/p", stances, [stance({"kind": "unnamed", "description": "x", "span": {"start": 0, "end": 5, "text": "Rubi0"}})], TEXT)
    assert [(p.pointer, p.code) for p in c.problems if "/holder" in p.pointer] == [
        ("/p/stances/0/holder/mention", "unknown-mention"),
        ("/q/holder/mention", "mention-entity-mismatch"),
        ("/p/stances/0/holder/span/text", "span-text-mismatch"),
    ]


def test_attribution_must_match_the_actor_kind() -> None:
    c = _checker()
    c.check_attribution("/p", {"kind": "entity"}, "authorial")
    c.check_attribution("/q", {"kind": "author"}, "reported")
    c.check_attribution("/r", {"kind": "unnamed"}, "direct")
    c.check_attribution("/s", {"kind": "author"}, "authorial")
    assert [(p.pointer, p.code, p.message) for p in c.problems] == [
        ("/p/attribution", "attribution-mismatch", "expected direct or reported for actor kind 'entity', found 'authorial'"),
        ("/q/attribution", "attribution-mismatch", "expected authorial for actor kind 'author', found 'reported'"),
    ]


def test_a_mention_may_end_the_text() -> None:
    assert _checker().entities_sound([_mention(0, 0, 5, text="Rubio")], "Rubio")


def test_touching_sound_mentions_pass_the_fast_check() -> None:
    text = "US$5"
    assert _checker().entities_sound([_mention(0, 0, 2, "m", "GPE", text=text), _mention(1, 2, 4, "d", "MONEY", text=text)], text)


def test_acknowledgements_by_article_number_and_an_unusable_file(tmp_path: Path) -> None:
    from cartel_fto_corpus.checks.validate import validate
    from tests.test_release_rules import DOC, _root_with

    root = _root_with(tmp_path, "execution_only_stance.json")
    ack = root / "annotations" / "adjudication" / "acknowledged.yaml"
    ack.parent.mkdir(parents=True)
    article = DOC.split("_", 1)[0]
    ack.write_text(f'"{article}":\n  stance/terror_listing/interior_ministry: "read, and right"\n', encoding="utf-8")
    report = validate(None, root)
    assert report.problems == [] and report.warnings == []
    ack.write_text("- a list\n", encoding="utf-8")
    assert [(p.pointer, p.code, p.message) for p in validate(None, root).problems][:1] == [
        (
            "",
            "bad-acknowledgements",
            "annotations/adjudication/acknowledged.yaml: expected {document id: {unit id: reason}}, found another shape",
        )
    ]


def test_unnamed_holders_are_told_apart_by_description() -> None:
    span = {"start": 0, "end": 5, "text": "Rubio"}

    def stance(j: int, description: str) -> dict[str, Any]:
        holder = {"kind": "unnamed", "description": description, "span": span}
        return {"id": f"s{j}", "holder": holder, "target": "t", "attribution": "reported", "evidence": []}

    c = _checker()
    c.check_stances("/a", [stance(0, "officials"), stance(1, "diplomats"), stance(2, "officials")], TEXT)
    assert [(p.pointer, p.message) for p in c.problems if p.code == "duplicate-stance"] == [
        ("/a/stances/2", "expected one stance per holder and target, found another at /a/stances/0")
    ]


def test_a_claimants_problems_point_into_the_claimant() -> None:
    c = _checker()
    claim = {
        "id": "c0",
        **_mention(0, 0, 5),
        "claimant": {"kind": "entity", "entity": "nobody"},
        "attribution": "reported",
        "type": "factual",
        "checkworthiness": "check_worthy",
        "clusters": [],
    }
    c.check_claims("/a", [claim], TEXT)
    assert [(p.pointer, p.code) for p in c.problems] == [("/a/claims/0/claimant/entity", "unknown-entity")]
    c = _checker()
    c.check_claims("/a", [{**claim, "claimant": {"kind": "entity", "entity": "r"}, "attribution": "authorial"}], TEXT)
    assert [(p.pointer, p.code) for p in c.problems] == [("/a/claims/0/attribution", "attribution-mismatch")]


def test_check_span_returns_whether_offsets_and_text_are_sound() -> None:
    c = _checker()
    assert c.check_span("/s0", {"start": 5, "end": 5, "text": ""}, TEXT) is False
    assert c.check_span("/s1", {"start": 30, "end": 37, "text": "objected."}, TEXT) is False
    assert c.check_span("/s2", {"start": 29, "end": 36, "text": "objectX"}, TEXT) is False  # ends the text, wrong text
    assert c.check_span("/s3", {"start": 0, "end": 5, "text": "Rubio"}, TEXT) is True
    assert c.check_span("/s4", {"start": 0, "end": 4, "text": "Rubi"}, TEXT) is True  # sound offsets, a boundary problem
    assert [(p.pointer, p.code) for p in c.problems] == [
        ("/s0", "empty-span"),
        ("/s1/end", "offset-out-of-range"),
        ("/s2/text", "span-text-mismatch"),
        ("/s4", "span-ends-inside-word"),
    ]


def test_a_layer_without_its_own_rules_gets_the_declared_checks(monkeypatch: Any) -> None:
    """A new layer (no `OWN_RULES` entry) is checked by `check_layer` from its declaration alone:
    its references against the registry or the set, its spans against the text."""
    monkeypatch.setattr(AnnotationChecker, "OWN_RULES", {})
    c = _checker()
    bad_entity, bad_text = _mention(0, 0, 5, entity="zz"), {**_mention(1, 10, 15, "t"), "text": "Tramp"}
    aset = {
        "annotator": "a",
        "guideline_version": "1.1",
        "status": "draft",
        "entities": [bad_entity, bad_text],
        "stances": [],
        "claims": [],
    }
    c.check_set(0, aset, TEXT)
    assert [(p.pointer, p.code, p.message) for p in c.problems] == [
        ("/annotations/0/entities/0/entity", "unknown-entity", "expected an entity id of the registry, found 'zz'"),
        ("/annotations/0/entities/1/text", "span-text-mismatch", 'expected the text at 10:15 "Trump", found "Tramp"'),
    ]


def _fixture_problems(edit: Any) -> list[tuple[str, str, str]]:
    """The problems of the fixture corpus's article after `edit(doc)`, checked as `validate` checks it."""
    from cartel_fto_corpus.truth.jsonio import read_json

    path = FIXTURE_CORPUS / "annotations" / "900_00000000000000aa.json"
    doc = read_json(path)
    edit(doc)
    ctx = Context(CorpusPaths(FIXTURE_CORPUS), read_json(FIXTURE_CORPUS / "annotations" / "registry.json"))
    return [(p.pointer, p.code, p.message) for p in AnnotationChecker(str(path), doc, ctx, Usage()).run()]


def test_the_fixture_article_is_sound() -> None:
    assert _fixture_problems(lambda doc: None) == []


def test_a_claimant_mention_of_another_entity_is_reported_under_the_claimant() -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["annotations"][0]["claims"][0]["claimant"]["mention"] = "e2"  # Donald Trump, not Marco Rubio

    assert _fixture_problems(edit) == [
        (
            "/annotations/0/claims/0/claimant/mention",
            "mention-entity-mismatch",
            "expected a mention of 'marco_rubio', found 'e2' which links 'donald_trump'",
        )
    ]


def test_a_claim_span_is_checked_after_its_claimants_span() -> None:
    """c2's claimant has a span of its own (listed first in the declaration): the claim's span is still checked."""

    def edit(doc: dict[str, Any]) -> None:
        doc["annotations"][0]["claims"][1]["text"] = "Mexico objects"

    assert _fixture_problems(edit) == [
        ("/annotations/0/claims/1/text", "span-text-mismatch", 'expected the text at 229:244 "Mexico objected", found "Mexico objects"')
    ]


def test_adjudication_record_lines_are_kept_whole(monkeypatch: Any) -> None:
    import cartel_fto_corpus.checks.adjudication as adjudication

    monkeypatch.setattr(adjudication, "adjudication_problems", lambda doc, i: [("/annotations/0/adjudication", "adjudication-x", "m")])
    assert _fixture_problems(lambda doc: None) == [("/annotations/0/adjudication", "adjudication-x", "m")]


def test_findings_after_an_acknowledged_one_are_still_reported(monkeypatch: Any) -> None:
    import cartel_fto_corpus.checks.checker as checker

    found = [("/a/stances/0", "execution-only-stance", "m0", "k0"), ("/a/stances/1", "execution-only-stance", "m1", "k1")]
    monkeypatch.setattr(checker, "execution_stance_problems", lambda base, aset, types: iter(found))
    monkeypatch.setattr(Context, "acknowledged", property(lambda self: ({"x": {"k0": "read, and right"}}, None)))
    c = _checker()
    c.check_release_0_3_rules("/a", {"status": "draft", "guideline_version": "2.0", "entities": [], "stances": [], "claims": []})
    assert c.problems == [] and [(w.pointer, w.code, w.message) for w in c.warnings] == [("/a/stances/1", "execution-only-stance", "m1")]
