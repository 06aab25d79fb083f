"""`cartel-fto adjudicate` on tests/fixtures/agreement, as a maintainer uses it.

The disagreements of the fixture (see tests/test_agreement.py for its contents), worked out by hand:
  910: entity 10-21 (Marco Rubio vs Secretary Marco Rubio: one unit, aligned by overlap),
       entity 65-78 (GPE united_states vs ORG us_government), entity 99-105 (Monday, ann_a only),
       stance author/fto (same label, evidence 27-78 vs 46-57), stance mexico/fto (ann_a only),
       stance critics/fto (evidence 131-163 vs 154-163), claim 80-105 (vs "Mexico objected" 80-95),
       claim 96-105 ("on Monday", ann_b only); agreed: Sinaloa Cartel, Mexico, the threat claim,
       the mistake claim -> 12 units, 4 agreed.
  911: entity 10-15 (Trump vs President Trump), both author stances (label; evidence), the
       sanctions claim (check-worthiness); agreed: Sheinbaum -> 5 units, 1 agreed.
  913: ann_b's own ids (rubio, state_dept, sheinbaum, b_eight, b_threat) translate into ann_a's
       (b_eight -> number_designated, 2 shared claims; b_threat -> a tie of one shared claim each
       with number_designated and cartels_threaten_us, to the smaller id, cartels_threaten_us), so
       three real disagreements remain: the Sheinbaum stance (against vs neutral), the claim 41-82
       (number_designated vs that and cartels_threaten_us) and the claim 142-172 (no cluster vs
       cartels_threaten_us) -> 9 units, 6 agreed.
  912 is annotated by ann_a only and is skipped.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cartel_fto_corpus.checks.adjudication import adjudication_problems
from cartel_fto_corpus.checks.validate import validate
from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.inspection.adjudicate import compare_corpus
from cartel_fto_corpus.inspection.agreement import compute_agreement, load_documents, load_registry
from cartel_fto_corpus.inspection.gold import Decision, Decisions, build_gold, document_problems
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.texts import dumps

AGREEMENT = Path(__file__).resolve().parent / "fixtures" / "agreement"
DECISIONS = AGREEMENT / "decisions.yaml"
ANNOTATORS = "ann_a,ann_b"

EXPECTED = {
    "910_00000000000000b1": [
        "entity/10-21",
        "entity/65-78",
        "entity/99-105",
        "stance/fto_designation/author",
        "stance/fto_designation/mexico",
        "stance/fto_designation/unnamed-critics",
        "claim/80-105",
        "claim/96-105",
    ],
    "911_00000000000000b2": ["entity/10-15", "stance/fto_designation/author", "stance/us_military_action/author", "claim/34-90"],
    "913_00000000000000b4": ["stance/fto_designation/claudia_sheinbaum", "claim/41-82", "claim/142-172"],
}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    dst = tmp_path / "agreement"
    shutil.copytree(AGREEMENT, dst)
    return dst


def run(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["adjudicate", "--root", str(root), "--annotators", ANNOTATORS, *args])
    return result.exit_code, result.output


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "annotations").glob("*.json"))}


def gold_of(root: Path, doc_id: str) -> dict:
    doc = json.loads((root / "annotations" / f"{doc_id}.json").read_text(encoding="utf-8"))
    return next(s for s in doc["annotations"] if s["status"] == "gold")


def test_lists_every_disagreement_with_both_sides_and_writes_nothing(root: Path) -> None:
    before = snapshot(root)
    code, out = run(root, "--format", "json")
    assert code == 1
    body = json.loads(out)
    assert {d["doc_id"]: [x["id"] for x in d["disagreements"]] for d in body["documents"]} == EXPECTED
    assert {d["doc_id"]: (d["units"], d["agreed"]) for d in body["documents"]} == {
        "910_00000000000000b1": (12, 4),
        "911_00000000000000b2": (5, 1),
        "913_00000000000000b4": (9, 6),
    }
    assert body["skipped"] == ["912_00000000000000b3"]
    first = body["documents"][0]["disagreements"][0]
    assert first["values"] == {
        "ann_a": 'PERSON marco_rubio "Marco Rubio" [10:21]',
        "ann_b": 'PERSON marco_rubio "Secretary Marco Rubio" [0:21]',
    }
    assert snapshot(root) == before
    code, text = run(root)
    assert code == 1 and "decision: UNDECIDED" in text and "nothing written: 15 undecided" in text


def test_write_gives_a_valid_gold_set_and_the_same_bytes_again(root: Path, tmp_path: Path) -> None:
    code, out = run(root, "--decisions", str(DECISIONS), "--write")
    assert code == 0, out
    assert validate(None, root).problems == []
    first = snapshot(root)
    assert first != snapshot(AGREEMENT)
    code, out = run(root, "--decisions", str(DECISIONS), "--write")
    assert code == 0 and "already up to date" in out
    assert snapshot(root) == first
    other = tmp_path / "again"
    shutil.copytree(AGREEMENT, other)
    assert run(other, "--decisions", str(DECISIONS), "--write")[0] == 0
    assert snapshot(other) == first


def test_gold_content_follows_the_decisions_in_the_first_annotators_ids(root: Path) -> None:
    assert run(root, "--decisions", str(DECISIONS), "--write")[0] == 0
    g = gold_of(root, "910_00000000000000b1")
    assert g["annotator"] == "adjudicated" and g["created"] == g["updated"] == "2025-01-02T00:00:00Z"
    assert [(m["text"], m["label"]) for m in g["entities"]] == [
        ("Secretary Marco Rubio", "PERSON"),
        ("Sinaloa Cartel", "ORG"),
        ("United States", "GPE"),
        ("Mexico", "GPE"),
        ("Monday", "DATE"),
    ]
    assert [m["id"] for m in g["entities"]] == ["e1", "e2", "e3", "e4", "e5"]
    assert [c["text"] for c in g["claims"]] == [
        "the Sinaloa Cartel is a threat to the United States",
        "Mexico objected",
        "the designation a mistake",
    ]
    critics = next(s for s in g["stances"] if s["holder"]["kind"] == "unnamed")
    assert critics["note"] == "Evidence spans the verb and its object." and critics["evidence"][0]["start"] == 131
    assert not any(s["holder"].get("entity") == "mexico" for s in g["stances"])
    g = gold_of(root, "913_00000000000000b4")
    assert [m["entity"] for m in g["entities"]] == ["marco_rubio", "state_department", "claudia_sheinbaum"]  # not ann_b's rubio, ...
    rubio = next(s for s in g["stances"] if s["holder"].get("entity") == "marco_rubio")
    assert rubio["holder"]["mention"] == "e1"
    last = g["claims"][-1]
    assert last["text"] == "the cartels are not terrorists" and last["clusters"] == ["cartels_threaten_us"]  # b_threat, translated
    assert last["claimant"] == {"kind": "entity", "entity": "claudia_sheinbaum", "mention": "e3"}


def test_every_gold_item_traces_to_its_unit_and_decision(root: Path) -> None:
    assert run(root, "--decisions", str(DECISIONS), "--write")[0] == 0
    decisions = yaml.safe_load(DECISIONS.read_text(encoding="utf-8"))["decisions"]
    for doc_id, expected in EXPECTED.items():
        doc = json.loads((root / "annotations" / f"{doc_id}.json").read_text(encoding="utf-8"))
        idx = next(i for i, s in enumerate(doc["annotations"]) if s["annotator"] == "adjudicated")
        assert adjudication_problems(doc, idx) == []
        rec = doc["annotations"][idx]["adjudication"]
        assert rec["annotators"] == ["ann_a", "ann_b"] and "test suite" in rec["adjudicator"]
        decided = {u["unit"]: u for u in rec["units"] if u["decision"] != "agreed"}
        assert list(decided) == expected
        mine = decisions.get(doc_id) or decisions[doc_id[:3]]
        for uid, u in decided.items():
            assert u["reason"] == mine[uid]["reason"]
            assert u["took"] == mine[uid].get("take")
            assert u["decision"] == ("side" if "take" in mine[uid] else "value")
            assert {s["annotator"] for s in u["sides"]} == {"ann_a", "ann_b"} and all("value" in s for s in u["sides"])
        gold = doc["annotations"][idx]
        for layer in ("entities", "stances", "claims"):
            made = sorted(u["result"] for u in rec["units"] if u["layer"] == layer and u["result"])
            assert made == sorted(x["id"] for x in gold[layer])


def test_record_tampering_is_caught(root: Path) -> None:
    assert run(root, "--decisions", str(DECISIONS), "--write")[0] == 0
    path = root / "annotations" / "910_00000000000000b1.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    idx = len(doc["annotations"]) - 1
    bad = copy.deepcopy(doc)
    bad["annotations"][idx]["adjudication"]["units"].pop(0)  # e1 loses its unit
    assert [(p, c) for p, c, _ in adjudication_problems(bad, idx)] == [(f"/annotations/{idx}/entities/0", "adjudication-untraced")]
    bad = copy.deepcopy(doc)
    bad["annotations"][idx]["adjudication"]["units"][0]["sides"][1]["item"] = "e9"
    assert [c for _, c, _ in adjudication_problems(bad, idx)] == ["adjudication-unknown-source"]
    bad = copy.deepcopy(doc)
    bad["annotations"][idx]["adjudication"]["units"][0]["reason"] = None
    assert [c for _, c, _ in adjudication_problems(bad, idx)] == ["adjudication-no-reason"]
    bad = copy.deepcopy(doc)
    bad["annotations"][idx]["adjudication"]["units"][0]["took"] = "ann_z"
    msgs = [m for _, _, m in adjudication_problems(bad, idx)]
    assert msgs == ["expected one of ann_a, ann_b, found 'ann_z'"]
    bad = copy.deepcopy(doc)
    bad["annotations"][idx]["adjudication"]["units"].append(copy.deepcopy(bad["annotations"][idx]["adjudication"]["units"][0]))
    assert [c for _, c, _ in adjudication_problems(bad, idx)] == ["adjudication-untraced"]


def _decisions_without(tmp_path: Path, doc: str, uid: str) -> Path:
    data = yaml.safe_load(DECISIONS.read_text(encoding="utf-8"))
    del data["decisions"][doc][uid]
    out = tmp_path / "decisions.json"
    out.write_text(json.dumps(data), encoding="utf-8")
    return out


def test_an_undecided_disagreement_stops_everything(root: Path, tmp_path: Path) -> None:
    before = snapshot(root)
    code, out = run(root, "--decisions", str(_decisions_without(tmp_path, "911", "claim/34-90")), "--write")
    assert code == 1
    assert "nothing written: 1 undecided" in out
    block = out[out.index("claim/34-90") :]
    assert "decision: UNDECIDED" in block.splitlines()[3]
    assert snapshot(root) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["decisions"]["911"].update({"claim/1-2": {"take": "ann_a", "reason": "x"}}),
            "expected the id of a disagreement of 911",
        ),
        (lambda d: d["decisions"]["911"].update({"entity/92-101": {"take": "ann_a", "reason": "x"}}), "on which ann_a, ann_b agree"),
        (lambda d: d["decisions"]["911"]["claim/34-90"].update({"take": "ann_c"}), "/take: expected one of ann_a, ann_b, found 'ann_c'"),
        (lambda d: d["decisions"].update({"912": {"entity/0-6": {"take": "ann_a", "reason": "x"}}}), "/decisions/912: expected the id"),
        (
            lambda d: d["decisions"]["911"].update({"claim/34-90": {"value": {"start": 34}, "reason": "x"}}),
            "expected a claim with start, end, text",
        ),
        (
            lambda d: d["decisions"]["911"].update(
                {
                    "entity/10-15": {
                        "value": {"start": 10, "end": 15, "text": "Trum", "label": "PERSON", "entity": "donald_trump"},
                        "reason": "x",
                    }
                }
            ),
            "expected the text at 10:15",
        ),
    ],
)
def test_unusable_decisions_are_problems_and_nothing_is_written(root: Path, tmp_path: Path, change, message: str) -> None:
    data = yaml.safe_load(DECISIONS.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "d.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    before = snapshot(root)
    code, out = run(root, "--decisions", str(path), "--write")
    assert code == 1, out
    assert message in out, out
    assert snapshot(root) == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("adjudicator: [unclosed", "expected a JSON or YAML decisions file, found malformed input"),
        ("decisions: {}\n", "d.yaml:/adjudicator: expected who or what decided, in words, found null"),
        ("adjudicator: x\ndecisions: {'911': {'claim/34-90': {take: ann_a}}}\n", "d.yaml:/decisions/911/claim~134-90/reason: expected why"),
        ("adjudicator: x\ndecisions: {'911': {'claim/34-90': {take: ann_a, value: null, reason: r}}}\n", "exactly one of take or value"),
        ("adjudicator: x\nextra: 1\n", "d.yaml:/extra: expected only adjudicator, annotator, date, decisions"),
    ],
)
def test_malformed_decisions_file_is_one_line_and_exit_2(root: Path, tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(text, encoding="utf-8")
    code, out = run(root, "--decisions", str(path))
    assert code == 2
    assert message in out and "Traceback" not in out


def test_write_needs_decisions_and_two_annotators(root: Path) -> None:
    assert run(root, "--write")[0] == 2
    result = CliRunner().invoke(cli, ["adjudicate", "--root", str(root), "--annotators", "ann_a"])
    assert result.exit_code == 2 and "two or more distinct" in result.output


def test_documents_can_be_named(root: Path) -> None:
    code, out = run(root, "913", "--format", "json")
    assert [d["doc_id"] for d in json.loads(out)["documents"]] == ["913_00000000000000b4"]
    code, out = run(root, "912")
    assert code == 2 and "expected a set of each of ann_a, ann_b" in out
    assert run(root, "999")[0] == 2


def test_an_earlier_gold_set_becomes_draft_and_agreement_ignores_the_adjudicated_set(root: Path) -> None:
    paths = CorpusPaths(root)
    before = compute_agreement(load_documents(paths), None, load_registry(paths))
    path = root / "annotations" / "911_00000000000000b2.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["annotations"][0]["status"] = "gold"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    code, out = run(root, "--decisions", str(DECISIONS), "--write")
    assert code == 0 and "status gold -> draft for: ann_a" in out
    statuses = [(s["annotator"], s["status"]) for s in json.loads(path.read_text(encoding="utf-8"))["annotations"]]
    assert statuses == [("ann_a", "draft"), ("ann_b", "draft"), ("adjudicated", "gold")]
    after = compute_agreement(load_documents(paths), None, load_registry(paths))
    assert after == before


def test_three_annotators(root: Path) -> None:
    path = root / "annotations" / "913_00000000000000b4.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    third = copy.deepcopy(doc["annotations"][0])
    third["annotator"] = "ann_c"
    third["stances"][1]["label"] = "none"
    doc["annotations"].append(third)
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    result = CliRunner().invoke(cli, ["adjudicate", "913", "--root", str(root), "--annotators", "ann_a,ann_b,ann_c", "--format", "json"])
    body = json.loads(result.output)
    (d,) = body["documents"]
    stance = next(x for x in d["disagreements"] if x["id"] == "stance/fto_designation/claudia_sheinbaum")
    assert [v.split(" ")[0] for v in stance["values"].values()] == ["against", "neutral", "none"]


def _comparisons() -> tuple[list, object, dict, dict]:
    paths = CorpusPaths(AGREEMENT)
    docs = {d["doc_id"]: d for d in load_documents(paths)}
    registry = load_registry(paths)
    comps, al = compare_corpus(list(docs.values()), ["ann_a", "ann_b"], registry)
    return comps, al, docs, registry


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_choice_of_sides_gives_a_valid_traceable_gold_set(data: st.DataObject) -> None:
    comps, al, docs, registry = _comparisons()
    paths = CorpusPaths(AGREEMENT)
    for comp in comps:
        picks = {u.id: data.draw(st.sampled_from(["ann_a", "ann_b"]), label=u.id) for u in comp.disagreements}
        decisions = Decisions("property test", by_doc={comp.doc_id: {k: Decision(v, None, "drawn") for k, v in picks.items()}})
        out = build_gold(docs[comp.doc_id], comp, al, decisions, "d.yaml")
        assert out.problems == [] and out.undecided == []
        assert document_problems(out.document, "x.json", paths, registry) == []
        gold = out.document["annotations"][-1]
        for u in comp.units:
            side = "ann_a" if u.agreed else picks[u.id]
            produced = next(x["result"] for x in gold["adjudication"]["units"] if x["unit"] == u.id)
            assert (produced is None) == (u.items[side] is None)


def test_taking_one_side_everywhere_reproduces_that_sides_spans() -> None:
    comps, al, docs, _ = _comparisons()
    for side in ("ann_a", "ann_b"):
        for comp in comps:
            decisions = Decisions("t", by_doc={comp.doc_id: {u.id: Decision(side, None, "all one side") for u in comp.disagreements}})
            gold = build_gold(docs[comp.doc_id], comp, al, decisions, "d").document["annotations"][-1]
            src = comp.sets[side]
            for layer in ("entities", "claims"):
                assert [(x["start"], x["end"], x["text"]) for x in gold[layer]] == sorted(
                    (x["start"], x["end"], x["text"]) for x in src[layer]
                )
            assert sorted(s["label"] for s in gold["stances"]) == sorted(s["label"] for s in src["stances"])


def test_validate_reports_an_untraced_gold_item(root: Path) -> None:
    assert run(root, "--decisions", str(DECISIONS), "--write")[0] == 0
    path = root / "annotations" / "911_00000000000000b2.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["annotations"][-1]["adjudication"]["units"] = [u for u in doc["annotations"][-1]["adjudication"]["units"] if u["result"] != "c1"]
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    problems = validate(None, root).problems
    assert [(p.pointer, p.code) for p in problems] == [("/annotations/2/claims/0", "adjudication-untraced")]
    assert "expected exactly one unit of the adjudication record with result 'c1', found none" in str(problems[0])


def test_datasheet_tables_report_agreement_and_adjudication_and_go_stale(root: Path) -> None:
    from cartel_fto_corpus.inspection.datasheet import blocks, check_datasheet, write_datasheet
    from cartel_fto_corpus.inspection.stats import compute_stats

    paths = CorpusPaths(root)
    delivered = AGREEMENT.parent / "deliveries" / "annotations"  # ann_a's and ann_b's sets, sealed (tests/test_reliability.py)
    shutil.copytree(delivered / "independent", root / "annotations" / "independent", ignore=shutil.ignore_patterns("ann_c"))
    for name in ("protocol.json", "GUIDELINES.md"):
        shutil.copy(delivered / name, root / "annotations" / name)
    sheet = root / "DATASHEET.md"
    before = compute_stats(paths)
    sheet.write_text("".join(f"<!-- stats:begin {n} -->\n<!-- stats:end {n} -->\n" for n in blocks(before)), encoding="utf-8")
    assert write_datasheet(sheet, before)
    text = sheet.read_text(encoding="utf-8")
    for figure in (
        "| entities | entity_span_f1_exact | spans | same start, end and label | mean of pairs | 0.632 |",
        "| stances | stance_alpha | recorded | document, holder, target | all | 0.532 |",
        "| clusters | cluster_bcubed_f1 | recorded | a claim aligned by span | mean of pairs | 0.811 |",
    ):
        assert figure in text, figure
    assert "| PERSON | 5 | 5 | 0.600 | 1.000 |" in text
    assert "no adjudicated set" in text
    assert run(root, "--decisions", str(DECISIONS), "--write")[0] == 0
    after = compute_stats(paths)
    stale = check_datasheet(sheet, after)
    assert any("'adjudication' is stale" in line for line in stale)  # with the tables of the reference (now gold) sets
    assert not any("'agreement" in line for line in stale)
    assert after["agreement"] == before["agreement"]  # the adjudicated sets are not an annotator
    write_datasheet(sheet, after)
    text = sheet.read_text(encoding="utf-8")
    assert "| 910 | adjudicated (gold) | 12 | 4 | ann_a 3, ann_b 3 | 2 | 10 |" in text
    assert "| total |  | 26 | 11 | ann_a 8, ann_b 5 | 2 | 24 |" in text


#: Where the release keeps the adjudicator's decisions (every disagreement of every document, with reasons).
SHIPPED_DECISIONS = Path("annotations") / "adjudication" / "decisions.yaml"


def test_shipped_gold_sets_are_exactly_what_the_shipped_decisions_give(tmp_path: Path) -> None:
    """Re-running the release's adjudication on a copy gives the shipped files byte for byte."""
    paths = CorpusPaths()
    decisions = paths.root / SHIPPED_DECISIONS
    records = [
        s["adjudication"]
        for f in paths.annotation_files()
        for s in json.loads(f.read_text(encoding="utf-8"))["annotations"]
        if "adjudication" in s
    ]
    if not records:
        assert not decisions.exists(), "a decisions file without adjudicated sets"
        pytest.skip("this release has no adjudicated set")
    assert decisions.exists(), f"adjudicated sets without their decisions file {SHIPPED_DECISIONS}"
    annotators = {tuple(r["annotators"]) for r in records}
    assert len(annotators) == 1
    copy_root = tmp_path / "corpus"
    shutil.copytree(paths.texts, copy_root / "texts")
    shutil.copytree(paths.annotations, copy_root / "annotations")
    result = CliRunner().invoke(
        cli, ["adjudicate", "--root", str(copy_root), "--annotators", ",".join(annotators.pop()), "--decisions", str(decisions), "--write"]
    )
    assert result.exit_code == 0, result.output
    assert "already up to date" in result.output
    assert snapshot(copy_root) == {p.name: p.read_bytes() for p in sorted(paths.annotations.glob("*.json"))}


#: Folders of annotations/independent/ that are no sealed delivery of a set in the annotation files,
#: with the reason they are not compared.
LEGACY_DELIVERIES = {
    "llm-annotator-2": "the 0.2 delivery (GUIDELINES 1.1, before sealing): its sets were retired from the annotation "
    "files in release 0.3 and the folder is kept as the record of that release, so there is no imported copy to compare",
}
#: Files of a sealed delivery that are not annotation files.
DELIVERY_EXTRAS = {"registry.json", "SEAL.json", "NOTES.md"}


def test_imported_second_set_gives_the_same_agreement_as_the_delivered_one() -> None:
    """The corpus files hold each sealed blind delivery's sets with ids translated (cartel-fto import-set);
    agreement with the delivered files in their place, each read against its annotator's own registry,
    is the same, and the imported sets are the delivered ones up to ids (spans, labels, evidence)."""
    paths = CorpusPaths()
    independent = paths.annotations / "independent"
    folders = sorted(p for p in independent.iterdir() if p.is_dir()) if independent.is_dir() else []
    assert {f.name for f in folders if not (f / "SEAL.json").is_file()} == set(LEGACY_DELIVERIES), "an unsealed delivery"
    sealed = [f for f in folders if f.name not in LEGACY_DELIVERIES]
    if not sealed:
        pytest.skip("no sealed independent delivery in this release")
    docs = load_documents(paths)
    registry = load_registry(paths)
    in_files = {s["annotator"] for d in docs for s in d["annotations"]}
    assert not in_files & set(LEGACY_DELIVERIES), "a legacy delivery's sets are back in the annotation files"
    expected = compute_agreement(docs, None, registry)
    deliveries = {}
    for folder in sealed:
        delivered = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json") if p.name not in DELIVERY_EXTRAS}
        (annotator,) = {s["annotator"] for d in delivered.values() for s in d["annotations"]}
        assert annotator == folder.name and annotator in in_files
        deliveries[annotator] = (delivered, json.loads((folder / "registry.json").read_text(encoding="utf-8")))

    def with_delivered(who: list[str]) -> list[dict]:
        raw = []
        for doc in docs:
            other = copy.deepcopy(doc)
            other["annotations"] = [s for s in doc["annotations"] if s["annotator"] not in who]
            for a in who:
                other["annotations"] += deliveries[a][0].get(doc["doc_id"], {"annotations": []})["annotations"]
            raw.append(other)
        return raw

    for annotator in deliveries:  # one delivery in place of its imported copy, then all of them
        assert compute_agreement(with_delivered([annotator]), None, registry, {annotator: deliveries[annotator][1]}) == expected, annotator
    everyone = sorted(deliveries)
    assert compute_agreement(with_delivered(everyone), None, registry, {a: deliveries[a][1] for a in everyone}) == expected
    for annotator, (delivered, _own) in deliveries.items():
        for doc in docs:  # the imported sets are the delivered ones up to ids
            if doc["doc_id"] not in delivered:
                continue
            mine = next(s for s in doc["annotations"] if s["annotator"] == annotator)
            (theirs,) = delivered[doc["doc_id"]]["annotations"]
            strip = lambda s: [(m["start"], m["end"], m["label"]) for m in s["entities"]]  # noqa: E731
            assert strip(mine) == strip(theirs)
            assert [(c["start"], c["end"], c["type"], c["checkworthiness"], len(c["clusters"])) for c in mine["claims"]] == [
                (c["start"], c["end"], c["type"], c["checkworthiness"], len(c["clusters"])) for c in theirs["claims"]
            ]
            assert [(s["target"], s["label"], s["evidence"]) for s in mine["stances"]] == [
                (s["target"], s["label"], s["evidence"]) for s in theirs["stances"]
            ]


def _ann_b_delivered_apart(tmp_path: Path) -> tuple[Path, Path]:
    """(corpus, delivery): ann_b's sets of the fixture taken out of the corpus into a delivery folder
    with ann_b's registry; the corpus registry keeps only the ids ann_a uses."""
    root = tmp_path / "corpus"
    shutil.copytree(AGREEMENT, root)
    folder = tmp_path / "delivered"
    folder.mkdir()
    for path in sorted((root / "annotations").glob("9*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        theirs = [s for s in doc["annotations"] if s["annotator"] == "ann_b"]
        if theirs:
            (folder / path.name).write_text(json.dumps({**doc, "annotations": theirs}, indent=2), encoding="utf-8")
            doc["annotations"] = [s for s in doc["annotations"] if s["annotator"] != "ann_b"]
            path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    shutil.copy(AGREEMENT / "annotations" / "registry.json", folder / "registry.json")
    registry = json.loads((root / "annotations" / "registry.json").read_text(encoding="utf-8"))
    registry["clusters"] = [c for c in registry["clusters"] if c["id"] not in {"b_eight", "b_threat"}]
    registry["entities"] = [e for e in registry["entities"] if e["id"] not in {"rubio", "state_dept", "sheinbaum", "us_government"}]
    (root / "annotations" / "registry.json").write_text(json.dumps(registry, indent=2), encoding="utf-8")
    return root, folder


def test_import_set_translates_a_blind_annotators_ids_one_to_one(tmp_path: Path) -> None:
    """ann_b's sets of the fixture delivered on their own, then imported against ann_a.

    Entities: rubio, state_dept, sheinbaum -> ann_a's ids (same spans and labels; rubio and
    ann_b's marco_rubio both become marco_rubio, one real-world entity). Clusters:
    b_eight -> number_designated; b_threat (3 claims) and ann_b's own cartels_threaten_us (1
    claim) both point at ann_a's cartels_threaten_us, so only the heavier, b_threat, is
    translated; the other keeps its grouping under a free name, ann_b_cartels_threaten_us.
    """
    root, folder = _ann_b_delivered_apart(tmp_path)
    result = CliRunner().invoke(cli, ["import-set", str(folder), "--root", str(root), "--pivot", "ann_a", "--write"])
    assert result.exit_code == 0, result.output
    for line in ("rubio -> marco_rubio", "state_dept -> state_department", "sheinbaum -> claudia_sheinbaum"):
        assert line in result.output
    for line in ("b_eight -> number_designated", "b_threat -> cartels_threaten_us", "cartels_threaten_us -> ann_b_cartels_threaten_us"):
        assert line in result.output
    assert validate(None, root).problems == []
    imported = CorpusPaths(root)
    original = CorpusPaths(AGREEMENT)
    assert compute_agreement(load_documents(imported), None, load_registry(imported)) == compute_agreement(
        load_documents(original), None, load_registry(original)
    )
    doc = json.loads((root / "annotations" / "913_00000000000000b4.json").read_text(encoding="utf-8"))
    b = next(s for s in doc["annotations"] if s["annotator"] == "ann_b")
    assert [m["entity"] for m in b["entities"]] == ["marco_rubio", "state_department", "claudia_sheinbaum"]
    assert "rubio -> marco_rubio" in b["note"]
    before = snapshot(root)
    again = CliRunner().invoke(cli, ["import-set", str(folder), "--root", str(root), "--pivot", "ann_a", "--write"])
    assert again.exit_code == 0 and snapshot(root) == before


def test_a_second_round_changes_only_documents_with_new_disagreements(root: Path, tmp_path: Path) -> None:
    """Incremental adjudication (issue 23 point 5): earlier decisions and records stay, ids stay, untouched
    documents stay byte for byte; a new item gets the id after the largest."""
    assert run(root, "--decisions", str(DECISIONS), "--write")[0] == 0
    first = snapshot(root)
    g1 = gold_of(root, "910_00000000000000b1")
    f = root / "annotations" / "910_00000000000000b1.json"
    doc = json.loads(f.read_text(encoding="utf-8"))
    a = next(s for s in doc["annotations"] if s["annotator"] == "ann_a")
    a["claims"].append({**copy.deepcopy(a["claims"][1]), "id": "c9", "start": 107, "end": 121, "text": "officials said"})
    f.write_text(dumps(doc), encoding="utf-8")
    round2 = tmp_path / "round2.yaml"
    decided = {"910_00000000000000b1": {"claim/107-121": {"take": "ann_a", "reason": "Reported speech is a claim."}}}
    round2.write_text(yaml.safe_dump({"adjudicator": "a second round", "date": "2025-02-01T00:00:00Z", "decisions": decided}))
    code, out = run(root, "--decisions", str(round2), "--write")
    assert code == 0, out
    after = snapshot(root)
    assert {k for k in after if after[k] != first[k]} == {"910_00000000000000b1.json"}
    g2 = gold_of(root, "910_00000000000000b1")
    old = {u["unit"]: u for u in g1["adjudication"]["units"]}
    new = {u["unit"]: u for u in g2["adjudication"]["units"]}
    assert set(new) == set(old) | {"claim/107-121"}
    for uid, u in old.items():  # every earlier decision, reason and gold id is kept
        assert (new[uid]["decision"], new[uid]["took"], new[uid]["reason"], new[uid]["result"]) == (
            u["decision"],
            u["took"],
            u["reason"],
            u["result"],
        ), uid
    top = max(int(c["id"][1:]) for c in g1["claims"])
    assert new["claim/107-121"]["result"] == f"c{top + 1}"
    assert g2["created"] == g1["created"] and g2["updated"] == "2025-02-01T00:00:00Z"
    assert validate(None, root).problems == []
    assert run(root, "--decisions", str(round2), "--write")[1].count("already up to date") == 1


def test_import_set_refuses_a_registry_entry_its_new_sets_leave_unused(tmp_path: Path) -> None:
    """Re-importing ann_b without the claim that used the free cluster name the first import made
    would leave that cluster unused: the documents are fine, the registry is not; nothing written."""
    root, folder = _ann_b_delivered_apart(tmp_path)
    first = CliRunner().invoke(cli, ["import-set", str(folder), "--root", str(root), "--pivot", "ann_a", "--write"])
    assert first.exit_code == 0 and "cartels_threaten_us -> ann_b_cartels_threaten_us" in first.output, first.output
    redelivered = folder / "910_00000000000000b1.json"
    doc = json.loads(redelivered.read_text(encoding="utf-8"))
    for claim in doc["annotations"][0]["claims"]:
        claim["clusters"] = []
    redelivered.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    before = snapshot(root)
    again = CliRunner().invoke(cli, ["import-set", str(folder), "--root", str(root), "--pivot", "ann_a", "--write"])
    assert again.exit_code == 1, again.output
    registry_file = root / "annotations" / "registry.json"
    assert (
        f"{registry_file}:/clusters/0: expected registry entry 'ann_b_cartels_threaten_us' to be used by some claim, found no use"
        in again.output.splitlines()
    )
    assert snapshot(root) == before and validate(None, root).problems == []
