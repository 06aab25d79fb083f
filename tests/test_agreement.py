"""Agreement figures against values worked out by hand on tests/fixtures/agreement.

The fixture corpus (a valid corpus: `cartel-fto validate --root tests/fixtures/agreement`) has
four documents; 910, 911 and 913 are annotated by ann_a and ann_b, 912 by ann_a only, so 912 must
not count anywhere. In 913 ann_b uses ids of its own (rubio, state_dept, sheinbaum; clusters
b_eight, b_threat), as a blind annotator does: everything must align by span, name or QID, never
by id alone. F1 is pooled: F1 = 2 * matched / (spans of A + spans of B).

Entities (A = ann_a, B = ann_b):
  910  A: Marco Rubio/PERSON, Sinaloa Cartel/ORG, United States/GPE, Mexico/GPE, Monday/DATE
       B: Secretary Marco Rubio/PERSON, Sinaloa Cartel/ORG, United States/ORG (us_government), Mexico/GPE
  911  A: Trump/PERSON, Sheinbaum/PERSON
       B: President Trump/PERSON, Sheinbaum/PERSON
  913  A and B: Rubio/PERSON, State Department/ORG, Sheinbaum/PERSON (same spans, B's own ids)
  PERSON: A 1+2+2 = 5, B 5; exact: 910 0, 911 1, 913 2 -> 3; F1 = 6/10 = 3/5
          overlap: 1 + 2 + 2 = 5 -> F1 = 1
  ORG:    A 1+1 = 2, B 2+1 = 3; exact = overlap = 1+1 = 2; F1 = 4/5
  GPE:    A 2, B 1; Mexico matches, United States differs in label; F1 = 2/3
  DATE:   A 1, B 0; F1 = 0
  all:    A 5+2+3 = 10, B 4+2+3 = 9; exact 3 + 3 = 6 -> F1 = 12/19; overlap 5 + 3 = 8 -> F1 = 16/19
Entity label alpha (units: spans; pairable: marked exactly by both):
  units 910: 10-21, 0-21, 31-45, 65-78, 80-86, 99-105; 911: 10-15, 0-15, 92-101; 913: 3 -> 12
  pairable: 910 31-45 ORG/ORG, 65-78 GPE/ORG, 80-86 GPE/GPE; 911 92-101 PERSON/PERSON;
            913 PERSON/PERSON, ORG/ORG, PERSON/PERSON -> 7 units, 14 values
  n_ORG 5, n_GPE 3, n_PERSON 6; sum o_ck (c != k) = 2 (the United States unit, both orders)
  sum n_c n_k (c != k) = 2 * (5*3 + 5*6 + 3*6) = 126; alpha = 1 - 13 * 2 / 126 = 50/63
Claims:
  910  A: "the Sinaloa Cartel is a threat to the United States", "Mexico objected on Monday", "the designation a mistake"
       B: the same first and last, plus "Mexico objected" and "on Monday" (both inside A's second claim)
  911  A and B: "The designation enables sanctions against cartel members"
  913  A and B: the same four claims
  spans A 3+1+4 = 8, B 4+1+4 = 9; exact 2+1+4 = 7 -> F1 = 14/17;
  overlap 3+1+4 = 8 (A's "Mexico objected on Monday" matches only ONE of B's two pieces) -> F1 = 16/17
Krippendorff's alpha, nominal: alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c * n_k,
where o_ck counts ordered pairs of values within a unit (each weighted 1/(m_u - 1) = 1 for two
coders), n_c is how often value c occurs among pairable values and n their total.
  stance units (document, holder, target):
    910 author/fto: favor, favor        910 critics/fto: against, against ("Critics" span in both)
    911 author/fto: favor, against      911 author/us_military_action: neutral, neutral
    913 Rubio/fto: favor, favor (A marco_rubio, B rubio: the same span "Rubio" links them)
    913 Sheinbaum/fto: against, neutral (claudia_sheinbaum / sheinbaum, linked the same way)
    910 mexico/fto: against (A only, not pairable)
    units 7, pairable 6, values 12; n_favor 5, n_against 4, n_neutral 3
    sum o_ck (c != k) = 2 + 2 (911 favor/against, 913 against/neutral)
    sum n_c n_k (c != k) = 2 * (5*4 + 5*3 + 4*3) = 94
    alpha = 1 - 11 * 4 / 94 = 25/47
  check-worthiness units (claim spans marked alike):
    910 threat claim: check_worthy, check_worthy     910 mistake claim: non_factual, non_factual
    911 sanctions claim: check_worthy, unimportant_factual
    913 four claims: check_worthy, check_worthy each
    unpaired: 910 "Mexico objected on Monday" (A), "Mexico objected" (B), "on Monday" (B)
    units 10, pairable 7, values 14; n_cw 11, n_uf 1, n_nf 2
    sum o_ck (c != k) = 2; sum n_c n_k (c != k) = 2 * (11*1 + 11*2 + 1*2) = 70
    alpha = 1 - 13 * 2 / 70 = 22/35
  check-worthiness on claims aligned by overlap: the 7 pairs above plus 910 "Mexico objected on
    Monday" / "Mexico objected" (check_worthy, check_worthy): 8 units, 16 values; n_cw 13, n_uf 1,
    n_nf 2; sum o = 2; sum n_c n_k = 2 * (13*1 + 13*2 + 1*2) = 82; alpha = 1 - 15 * 2 / 82 = 26/41
Clusters, extended B-cubed over the 8 aligned claims i1..i4 (910: threat, objected, mistake; 911)
and j1..j4 (913: eight groups, State Department list, terrorists, not terrorists):
  A: cartels_threaten_us = {i1, j3}, number_designated = {j1, j2}; the rest singletons
  B: cartels_threaten_us = {i1}, b_eight = {j1, j2}, b_threat = {j2, j3, j4} (j2 in two clusters)
  precision (pairs sharing an A cluster): i1 and j3 1/2 each (their partner is not with them in B),
    the other six 1 (j2's only A partner j1 shares b_eight: min(1, 1)/1) -> P = 7/8;
  recall (pairs sharing a B cluster): j2 with j1 1, with itself min(1, 2)/2 = 1/2, with j3 and j4
    0 (no A cluster in common) -> 3/8; j3 and j4 (partners j2, j3, j4) 1/3 each; the rest 1 ->
    R = (5 + 3/8 + 2/3) / 8 = 145/192; F1 = 2PR / (P + R) = 1015/1252
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from cartel_fto_corpus.checks.validate import validate
from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.inspection.agreement import compute_agreement, exact_matches, load_documents, load_registry, overlap_matches
from cartel_fto_corpus.inspection.alignment import EntityIndex, actor_key, align_spans, bcubed, claim_clusters, cluster_map
from cartel_fto_corpus.truth.paths import CorpusPaths

FIXTURES = Path(__file__).resolve().parent / "fixtures"
AGREEMENT = FIXTURES / "agreement"


def fixture_docs() -> list[dict]:
    return load_documents(CorpusPaths(AGREEMENT))


@pytest.fixture(scope="module")
def report() -> dict:
    paths = CorpusPaths(AGREEMENT)
    return compute_agreement(load_documents(paths), None, load_registry(paths))


def close(value: float, expected: Fraction) -> bool:
    return value == pytest.approx(float(expected), abs=1e-12)


def test_fixture_corpus_is_valid() -> None:
    assert validate(None, AGREEMENT).problems == []


def test_counts_documents_and_pairs(report: dict) -> None:
    assert report["status"] == "multi_annotated"
    assert (report["documents"], report["multi_annotated_documents"], report["pairs"]) == (4, 3, 3)
    assert report["annotators"] == ["ann_a", "ann_b"]


@pytest.mark.parametrize(
    ("mode", "label", "a", "b", "matched", "f1"),
    [
        ("exact", "PERSON", 5, 5, 3, Fraction(3, 5)),
        ("overlap", "PERSON", 5, 5, 5, Fraction(1)),
        ("exact", "ORG", 2, 3, 2, Fraction(4, 5)),
        ("overlap", "ORG", 2, 3, 2, Fraction(4, 5)),
        ("exact", "GPE", 2, 1, 1, Fraction(2, 3)),
        ("overlap", "GPE", 2, 1, 1, Fraction(2, 3)),
        ("exact", "DATE", 1, 0, 0, Fraction(0)),
        ("overlap", "DATE", 1, 0, 0, Fraction(0)),
    ],
)
def test_entity_f1_per_label(report: dict, mode: str, label: str, a: int, b: int, matched: int, f1: Fraction) -> None:
    got = report["entities"][mode]["by_label"][label]
    assert (got["spans_a"], got["spans_b"], got["matched"]) == (a, b, matched)
    assert close(got["f1"], f1)


def test_labels_without_spans_are_not_reported(report: dict) -> None:
    assert set(report["entities"]["exact"]["by_label"]) == {"PERSON", "ORG", "GPE", "DATE"}


def test_entity_f1_overall(report: dict) -> None:
    ex, ov = report["entities"]["exact"]["all"], report["entities"]["overlap"]["all"]
    assert (ex["spans_a"], ex["spans_b"], ex["matched"], ov["matched"]) == (10, 9, 6, 8)
    assert close(ex["f1"], Fraction(12, 19))
    assert close(ov["f1"], Fraction(16, 19))


def test_entity_label_alpha(report: dict) -> None:
    r = report["entity_label"]
    assert (r["units"], r["pairable_units"], r["pairable_values"]) == (12, 7, 14)
    assert close(r["alpha"], Fraction(50, 63))


def test_claim_span_f1(report: dict) -> None:
    ex, ov = report["claims"]["exact"], report["claims"]["overlap"]
    assert (ex["spans_a"], ex["spans_b"], ex["matched"], ov["matched"]) == (8, 9, 7, 8)
    assert close(ex["f1"], Fraction(14, 17))
    assert close(ov["f1"], Fraction(16, 17))


def test_stance_alpha_aligns_holders_across_own_ids(report: dict) -> None:
    r = report["stance"]
    assert (r["units"], r["pairable_units"], r["pairable_values"]) == (7, 6, 12)
    assert close(r["alpha"], Fraction(25, 47))


def test_stance_alpha_without_alignment_would_differ() -> None:
    """Holders keyed by raw id (no registry, no mention spans) split 913's two units into four: the figure must change."""
    docs = fixture_docs()
    for doc in docs:
        for s in doc["annotations"]:
            s["entities"] = []
    r = compute_agreement(docs)["stance"]
    assert (r["units"], r["pairable_units"]) == (9, 4)


def test_checkworthiness_alpha(report: dict) -> None:
    r = report["checkworthiness"]
    assert (r["units"], r["pairable_units"], r["pairable_values"]) == (10, 7, 14)
    assert close(r["alpha"], Fraction(22, 35))
    r = report["checkworthiness_aligned"]
    assert (r["units"], r["pairable_units"], r["pairable_values"]) == (8, 8, 16)
    assert close(r["alpha"], Fraction(26, 41))


def test_cluster_bcubed(report: dict) -> None:
    (pair,) = report["clusters"]["by_pair"]
    assert pair["annotators"] == ["ann_a", "ann_b"] and pair["items"] == 8
    assert close(pair["precision"], Fraction(7, 8)) and close(pair["recall"], Fraction(145, 192))
    assert close(report["clusters"]["f1"], Fraction(1015, 1252))


def test_bcubed_single_clusters() -> None:
    """The fixture's clusters with one cluster per claim (j2 only in b_eight): P = R = F1 = 7/8.

    Precision as in the fixture; recall: j3 and j4 share b_threat but no A cluster -> 1/2 each.
    """
    f = frozenset
    a = [f({"T"}), f(), f(), f(), f({"N"}), f({"N"}), f({"T"}), f()]
    b = [f({"T"}), f(), f(), f(), f({"E"}), f({"E"}), f({"G"}), f({"G"})]
    r = bcubed(a, b)
    assert close(r["precision"], Fraction(7, 8)) and close(r["recall"], Fraction(7, 8)) and close(r["f1"], Fraction(7, 8))


def test_bcubed_overlapping_clusters() -> None:
    """The fixture's clusters as plain sets, and the same figure with the annotators swapped (see the module docstring)."""
    f = frozenset
    a = [f({"T"}), f(), f(), f(), f({"N"}), f({"N"}), f({"T"}), f()]
    b = [f({"T"}), f(), f(), f(), f({"E"}), f({"E", "G"}), f({"G"}), f({"G"})]
    r = bcubed(a, b)
    assert close(r["precision"], Fraction(7, 8))
    assert close(r["recall"], Fraction(145, 192))
    assert close(r["f1"], Fraction(1015, 1252))
    swapped = bcubed(b, a)
    assert close(swapped["precision"], Fraction(145, 192)) and close(swapped["f1"], Fraction(1015, 1252))


def test_bcubed_ignores_ids_and_counts_unclustered_claims_as_singletons() -> None:
    f = frozenset
    same = [f({"x"}), f({"x"}), f(), f()]
    renamed = [f({"other"}), f({"other"}), f(), f()]
    assert bcubed(same, renamed)["f1"] == 1.0
    merged = [f({"x"}), f({"x"}), f({"x"}), f({"x"})]
    r = bcubed(same, merged)
    assert r["precision"] == 1.0 and r["recall"] < 1.0
    assert bcubed([], [])["f1"] is None


def test_alpha_undefined_when_every_value_agrees_on_one_label() -> None:
    docs = fixture_docs()
    for doc in docs:
        for s in doc["annotations"]:
            for cl in s["claims"]:
                cl["checkworthiness"] = "check_worthy"
    r = compute_agreement(docs)["checkworthiness"]
    assert r["alpha"] is None
    assert "undefined" in r["reason"]


def test_adjudicated_sets_are_left_out_unless_named() -> None:
    docs = fixture_docs()
    for doc in docs:
        gold = copy.deepcopy(doc["annotations"][0])
        gold.update(annotator="adjudicated", status="gold", adjudication={"annotators": ["ann_a", "ann_b"]})
        doc["annotations"].append(gold)
    plain = compute_agreement(fixture_docs())
    assert compute_agreement(docs)["entities"] == plain["entities"]
    named = compute_agreement(docs, ["ann_a", "adjudicated"])
    assert named["annotators"] == ["adjudicated", "ann_a"] and named["entities"]["exact"]["all"]["f1"] == 1.0


def test_restricting_annotators_leaves_single_annotated_data() -> None:
    args = ["agreement", "--root", str(AGREEMENT), "--source", "files", "--annotators", "ann_a", "--format", "json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["status"] == "not_computable" and body["annotators"] == ["ann_a"]
    both = compute_agreement(fixture_docs(), ["ann_a", "ann_b"])
    assert both["pairs"] == 3


def test_single_annotated_fixture_reports_no_number() -> None:
    for source in ("deliveries", "files"):
        result = CliRunner().invoke(cli, ["agreement", "--root", str(FIXTURES / "corpus"), "--source", source])
        assert result.exit_code == 0, result.output
        assert "Not computable" in result.output
        assert not re.search(r"\d\.\d", result.output)  # no F1 or alpha figure
        args = ["agreement", "--root", str(FIXTURES / "corpus"), "--source", source, "--format", "json"]
        body = json.loads(CliRunner().invoke(cli, args).output)
        assert body["status"] == "not_computable"
        assert "figures" not in body


def test_cli_prints_the_fixture_figures() -> None:
    """`--source files` measures the annotation files' sets as release 0.2 did (recorded units), and more."""
    result = CliRunner().invoke(cli, ["agreement", "--root", str(AGREEMENT), "--source", "files", "--resamples", "20", "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    (stance,) = [f for f in body["figures"] if f["figure"] == "stance_alpha" and f["units"] == "recorded" and f["annotators"] == "all"]
    assert close(stance["value"], Fraction(25, 47))
    table = CliRunner().invoke(cli, ["agreement", "--root", str(AGREEMENT), "--source", "files", "--resamples", "20"]).output
    for figure in ("0.632", "0.842", "0.794", "0.532", "0.811"):
        assert figure in table, figure


def test_real_corpus_reports_its_annotator_situation_truthfully() -> None:
    """Whatever the real corpus holds: the status follows from the files, counted here independently."""
    paths = CorpusPaths()
    files = paths.annotation_files()
    per_doc = [
        len({s["annotator"] for s in json.loads(f.read_text(encoding="utf-8"))["annotations"] if "adjudication" not in s}) for f in files
    ]
    result = CliRunner().invoke(cli, ["agreement", "--source", "files", "--resamples", "10", "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    if not files or max(per_doc) < 2:
        assert body["status"] == "not_computable"
        assert "no figure is reported" in body["message"]
        assert "figures" not in body
    else:
        assert body["status"] == "computed"
        assert body["documents"] == sum(1 for n in per_doc if n >= 2)


def test_overlap_matching_is_one_to_one() -> None:
    assert overlap_matches([(0, 10)], [(0, 4), (5, 10)]) == 1
    assert overlap_matches([(0, 4), (5, 10)], [(0, 10)]) == 1
    # greedy would pair (0,10) with (0,4) first; the maximum matching pairs 2
    assert overlap_matches([(0, 10), (2, 3)], [(2, 3), (8, 12)]) == 2
    assert overlap_matches([(0, 4)], [(4, 8)]) == 0  # touching is not overlapping


def test_unnamed_holders_align_by_their_words() -> None:
    a = {"kind": "unnamed", "description": "officials", "span": {"start": 0, "end": 19, "text": "Officials  familiar"}}
    b = {"kind": "unnamed", "description": "sources in the government", "span": {"start": 0, "end": 18, "text": "officials familiar"}}
    assert actor_key(a, "x", None) == actor_key(b, "y", None)
    assert actor_key({"kind": "entity", "entity": "x", "mention": "e1"}, "a", None) == actor_key(
        {"kind": "entity", "entity": "x"}, "a", None
    )


def _set(entities: list[tuple[int, int, str, str]]) -> dict:
    return {
        "entities": [{"start": s, "end": e, "text": t, "label": "PERSON", "entity": ent} for s, e, t, ent in entities],
        "stances": [],
        "claims": [],
    }


def test_entity_index_links_by_span_name_and_qid_not_by_label_change() -> None:
    sets = {
        "d1": {"a": _set([(0, 5, "Rubio", "marco_rubio")]), "b": _set([(0, 5, "Rubio", "rubio")])},
        "d2": {"a": _set([(9, 18, "Sheinbaum", "claudia_sheinbaum")]), "b": _set([(0, 9, "Sheinbaum", "cs")])},
        "d3": {"a": _set([(0, 5, "Trump", "donald_trump")]), "b": _set([(20, 31, "the president", "potus")])},
    }
    registry = {
        "entities": [
            {"id": "marco_rubio", "name": "Marco Rubio", "qid": None},
            {"id": "claudia_sheinbaum", "name": "Claudia Sheinbaum", "qid": None},
            {"id": "cs", "name": "claudia  sheinbaum", "qid": None},
            {"id": "donald_trump", "name": "Donald Trump", "qid": "Q22686"},
            {"id": "potus", "name": "President of the United States", "qid": "Q22686"},
        ]
    }
    idx = EntityIndex(sets, registry)
    assert idx.key("b", "rubio") == idx.key("a", "marco_rubio")  # same span and label
    assert idx.key("b", "cs") == idx.key("a", "claudia_sheinbaum")  # same registry name, different spans
    assert idx.key("b", "potus") == idx.key("a", "donald_trump")  # same QID
    assert idx.gold_id("b", "rubio") == "marco_rubio" and idx.gold_id("b", "potus") == "donald_trump"
    other = {"d1": {"a": _set([(0, 5, "U.S.", "united_states")]), "b": _set([(0, 5, "U.S.", "us_government")])}}
    other["d1"]["b"]["entities"][0]["label"] = "ORG"
    idx = EntityIndex(other, None)
    assert idx.key("a", "united_states") != idx.key("b", "us_government")  # same span, another type: another entity
    assert idx.gold_id("b", "us_government") == "us_government"


def test_cluster_map_follows_shared_claims() -> None:
    pairs = [(["n"], ["e"]), (["n"], ["e", "g"]), (["t"], ["g"]), ([], ["g"]), ([], ["lonely"])]
    assert cluster_map(pairs) == {"e": "n", "g": "n"}  # g: n 1, t 1 -> tie to the smaller id
    assert cluster_map([(["x", "y"], ["x", "y"])]) == {"x": "x", "y": "y"}  # an identical copy: a tie keeps the id
    assert cluster_map([(["x", "y"], ["y"])]) == {"y": "y"}
    assert claim_clusters({"cluster": None}) == [] and claim_clusters({"cluster": "x"}) == ["x"]
    assert claim_clusters({"clusters": ["x", "y"]}) == ["x", "y"]


def test_align_spans_three_annotators() -> None:
    items = {"a": [(0, 10), (20, 30)], "b": [(0, 4), (5, 10), (20, 30)], "c": [(22, 25)]}
    units = align_spans(items, lambda x: x)
    assert units == [{"a": (0, 10), "b": (0, 4)}, {"b": (5, 10)}, {"a": (20, 30), "b": (20, 30), "c": (22, 25)}]


spans = st.lists(st.tuples(st.integers(0, 30), st.integers(1, 8)).map(lambda t: (t[0], t[0] + t[1])), max_size=8)


@given(spans, spans)
def test_matching_properties(a: list, b: list) -> None:
    ex, ov = exact_matches(a, b), overlap_matches(a, b)
    assert ex == exact_matches(b, a)
    assert ov == overlap_matches(b, a)
    assert ex <= ov <= min(len(a), len(b))
    assert overlap_matches(a, a) == len(a)
    assert exact_matches(a, a) == len(a)


@given(spans, spans, spans)
def test_align_spans_places_every_item_once(a: list, b: list, c: list) -> None:
    units = align_spans({"a": a, "b": b, "c": c}, lambda x: x)
    for name, items in (("a", a), ("b", b), ("c", c)):
        assert sorted(u[name] for u in units if name in u) == sorted(items)
    for u in units:
        assert 1 <= len(u) <= 3
    pairs = sum(1 for u in units if "a" in u and "b" in u)
    assert pairs <= min(len(a), len(b))
    two = sum(1 for u in align_spans({"a": a, "b": b}, lambda x: x) if len(u) == 2)
    assert exact_matches(a, b) <= two <= overlap_matches(a, b)


def test_cli_refuses_a_corpus_the_validator_refuses(tmp_path: Path) -> None:
    """A duplicate key parses in Python's json (last one wins): agreement would compute on a value
    that other JSON readers never see. It must name file and pointer and print no figure."""
    root = tmp_path / "agreement"
    shutil.copytree(AGREEMENT, root)
    path = root / "annotations" / "910_00000000000000b1.json"
    text = path.read_text(encoding="utf-8")
    i = text.index('"label"')
    path.write_text(text[:i] + '"label": "PERSON", ' + text[i:], encoding="utf-8")
    result = CliRunner().invoke(cli, ["agreement", "--root", str(root), "--source", "files", "--format", "json"])
    assert result.exit_code == 2, result.output  # as `stats`: a file no JSON reader agrees on is unreadable
    assert "910_00000000000000b1.json:/annotations/0/" in result.stderr
    assert "'label' more than once" in result.stderr
    assert "cannot compute agreement: 1 problem" in result.stderr
    assert result.stdout == ""
