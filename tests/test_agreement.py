"""Agreement figures against values worked out by hand on tests/fixtures/agreement.

The fixture corpus (a valid corpus: `cartel-fto validate --root tests/fixtures/agreement`) has
three documents; 910 and 911 are annotated by ann_a and ann_b, 912 by ann_a only, so 912 must not
count anywhere. F1 is pooled: F1 = 2 * matched / (spans of A + spans of B).

Entities (A = ann_a, B = ann_b):
  910  A: Marco Rubio/PERSON, Sinaloa Cartel/ORG, United States/GPE, Mexico/GPE, Monday/DATE
       B: Secretary Marco Rubio/PERSON, Sinaloa Cartel/ORG, United States/ORG (us_government), Mexico/GPE
  911  A: Trump/PERSON, Sheinbaum/PERSON
       B: President Trump/PERSON, Sheinbaum/PERSON
  PERSON: 910 A 1, B 1; 911 A 2, B 2 -> A 3, B 3
          exact: 910 0 (Marco Rubio != Secretary Marco Rubio), 911 1 (Sheinbaum) -> 1; F1 = 2*1/6 = 1/3
          overlap: 910 1, 911 2 -> 3; F1 = 6/6 = 1
  ORG:    A 1, B 2 (the ORG "United States" has no ORG partner in A); exact = overlap = 1; F1 = 2/3
  GPE:    A 2, B 1; Mexico matches, United States differs in label; exact = overlap = 1; F1 = 2/3
  DATE:   A 1, B 0; F1 = 0
  all:    A 5+2 = 7, B 4+2 = 6; exact PERSON 1 + ORG 1 + GPE 1 + DATE 0 = 3 -> F1 = 6/13;
          overlap 3 + 1 + 1 + 0 = 5 -> F1 = 10/13
Claims:
  910  A: "the Sinaloa Cartel is a threat to the United States", "Mexico objected on Monday", "the designation a mistake"
       B: the same first and last, plus "Mexico objected" and "on Monday" (both inside A's second claim)
  911  A and B: "The designation enables sanctions against cartel members"
  spans A 3+1 = 4, B 4+1 = 5; exact 2+1 = 3 -> F1 = 6/9 = 2/3;
  overlap 3+1 = 4 (A's "Mexico objected on Monday" matches only ONE of B's two pieces) -> F1 = 8/9
Krippendorff's alpha, nominal: alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c * n_k,
where o_ck counts ordered pairs of values within a unit (each weighted 1/(m_u - 1) = 1 for two
coders), n_c is how often value c occurs among pairable values and n their total.
  stance units (document, holder, target):
    910 author/fto: favor, favor        910 critics/fto: against, against ("critics" == "Critics ")
    911 author/fto: favor, against      911 author/us_military_action: neutral, neutral
    910 mexico/fto: against (A only, not pairable)
    units 5, pairable 4, values 8; n_favor 3, n_against 3, n_neutral 2
    sum o_ck (c != k) = 2 (the 911 favor/against unit, both orders)
    sum n_c n_k (c != k) = 2 * (3*3 + 3*2 + 3*2) = 42
    alpha = 1 - 7 * 2 / 42 = 2/3
  check-worthiness units (claim spans marked alike):
    910 threat claim: check_worthy, check_worthy     910 mistake claim: non_factual, non_factual
    911 sanctions claim: check_worthy, unimportant_factual
    unpaired: 910 "Mexico objected on Monday" (A), "Mexico objected" (B), "on Monday" (B)
    units 6, pairable 3, values 6; n_cw 3, n_uf 1, n_nf 2
    sum o_ck (c != k) = 2; sum n_c n_k (c != k) = 2 * (3*1 + 3*2 + 1*2) = 22
    alpha = 1 - 5 * 2 / 22 = 6/11
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from cartel_fto_corpus.checks.validate import validate
from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.inspection.agreement import compute_agreement, exact_matches, holder_key, load_documents, overlap_matches
from cartel_fto_corpus.truth.paths import CorpusPaths

FIXTURES = Path(__file__).resolve().parent / "fixtures"
AGREEMENT = FIXTURES / "agreement"


@pytest.fixture(scope="module")
def report() -> dict:
    return compute_agreement(load_documents(CorpusPaths(AGREEMENT)))


def close(value: float, expected: Fraction) -> bool:
    return value == pytest.approx(float(expected), abs=1e-12)


def test_fixture_corpus_is_valid() -> None:
    assert validate(None, AGREEMENT).problems == []


def test_counts_documents_and_pairs(report: dict) -> None:
    assert report["status"] == "multi_annotated"
    assert (report["documents"], report["multi_annotated_documents"], report["pairs"]) == (3, 2, 1 + 1)
    assert report["annotators"] == ["ann_a", "ann_b"]


@pytest.mark.parametrize(
    ("mode", "label", "a", "b", "matched", "f1"),
    [
        ("exact", "PERSON", 3, 3, 1, Fraction(1, 3)),
        ("overlap", "PERSON", 3, 3, 3, Fraction(1)),
        ("exact", "ORG", 1, 2, 1, Fraction(2, 3)),
        ("overlap", "ORG", 1, 2, 1, Fraction(2, 3)),
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
    assert (ex["spans_a"], ex["spans_b"], ex["matched"], ov["matched"]) == (7, 6, 3, 5)
    assert close(ex["f1"], Fraction(6, 13))
    assert close(ov["f1"], Fraction(10, 13))


def test_claim_span_f1(report: dict) -> None:
    ex, ov = report["claims"]["exact"], report["claims"]["overlap"]
    assert (ex["spans_a"], ex["spans_b"], ex["matched"], ov["matched"]) == (4, 5, 3, 4)
    assert close(ex["f1"], Fraction(2, 3))
    assert close(ov["f1"], Fraction(8, 9))


def test_stance_alpha(report: dict) -> None:
    r = report["stance"]
    assert (r["units"], r["pairable_units"], r["pairable_values"]) == (5, 4, 8)
    assert close(r["alpha"], Fraction(2, 3))


def test_checkworthiness_alpha(report: dict) -> None:
    r = report["checkworthiness"]
    assert (r["units"], r["pairable_units"], r["pairable_values"]) == (6, 3, 6)
    assert close(r["alpha"], Fraction(6, 11))


def test_alpha_undefined_when_every_value_agrees_on_one_label() -> None:
    docs = load_documents(CorpusPaths(AGREEMENT))
    for doc in docs:
        for s in doc["annotations"]:
            for cl in s["claims"]:
                cl["checkworthiness"] = "check_worthy"
    r = compute_agreement(docs)["checkworthiness"]
    assert r["alpha"] is None
    assert "undefined" in r["reason"]


def test_restricting_annotators_leaves_single_annotated_data() -> None:
    result = CliRunner().invoke(cli, ["agreement", "--root", str(AGREEMENT), "--annotators", "ann_a", "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["status"] == "single_annotated" and body["annotators"] == ["ann_a"]
    both = compute_agreement(load_documents(CorpusPaths(AGREEMENT)), ["ann_a", "ann_b"])
    assert both["pairs"] == 2


def test_single_annotated_fixture_reports_no_number() -> None:
    result = CliRunner().invoke(cli, ["agreement", "--root", str(FIXTURES / "corpus")])
    assert result.exit_code == 0, result.output
    assert "Single-annotated" in result.output
    assert "fixture" in result.output
    assert not re.search(r"\d\.\d", result.output)  # no F1 or alpha figure
    body = json.loads(CliRunner().invoke(cli, ["agreement", "--root", str(FIXTURES / "corpus"), "--format", "json"]).output)
    assert body["status"] == "single_annotated"
    assert "entities" not in body and "stance" not in body


def test_cli_prints_the_fixture_figures() -> None:
    result = CliRunner().invoke(cli, ["agreement", "--root", str(AGREEMENT), "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert close(body["stance"]["alpha"], Fraction(2, 3))
    table = CliRunner().invoke(cli, ["agreement", "--root", str(AGREEMENT)]).output
    assert "0.667" in table and "0.545" in table and "0.462" in table


def test_real_corpus_reports_its_annotator_situation_truthfully() -> None:
    """Whatever the real corpus holds: the status follows from the files, counted here independently."""
    paths = CorpusPaths()
    files = paths.annotation_files()
    per_doc = [len({s["annotator"] for s in json.loads(f.read_text(encoding="utf-8"))["annotations"]}) for f in files]
    result = CliRunner().invoke(cli, ["agreement", "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["documents"] == len(files)
    assert body["multi_annotated_documents"] == sum(1 for n in per_doc if n >= 2)
    if not files:
        assert body["status"] == "no_annotations"
    elif max(per_doc) < 2:
        assert body["status"] == "single_annotated"
        assert "cannot be computed" in body["message"]
        assert "entities" not in body
    else:
        assert body["status"] == "multi_annotated"


def test_overlap_matching_is_one_to_one() -> None:
    assert overlap_matches([(0, 10)], [(0, 4), (5, 10)]) == 1
    assert overlap_matches([(0, 4), (5, 10)], [(0, 10)]) == 1
    # greedy would pair (0,10) with (0,4) first; the maximum matching pairs 2
    assert overlap_matches([(0, 10), (2, 3)], [(2, 3), (8, 12)]) == 2
    assert overlap_matches([(0, 4)], [(4, 8)]) == 0  # touching is not overlapping


def test_holder_key_normalises_unnamed_descriptions() -> None:
    a = {"kind": "unnamed", "description": "Officials  familiar", "span": {}}
    b = {"kind": "unnamed", "description": "officials familiar ", "span": {}}
    assert holder_key(a) == holder_key(b)
    assert holder_key({"kind": "entity", "entity": "x", "mention": "e1"}) == holder_key({"kind": "entity", "entity": "x"})


spans = st.lists(st.tuples(st.integers(0, 30), st.integers(1, 8)).map(lambda t: (t[0], t[0] + t[1])), max_size=8)


@given(spans, spans)
def test_matching_properties(a: list, b: list) -> None:
    ex, ov = exact_matches(a, b), overlap_matches(a, b)
    assert ex == exact_matches(b, a)
    assert ov == overlap_matches(b, a)
    assert ex <= ov <= min(len(a), len(b))
    assert overlap_matches(a, a) == len(a)
    assert exact_matches(a, a) == len(a)
