"""`cartel-fto consistency` (inspection/consistency.py): the same construction with different labels, listed."""

from __future__ import annotations

import json

from click.testing import CliRunner

from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.inspection.consistency import consistency_report, render_text
from tests.conftest import FIXTURE_CORPUS


def _doc(doc_id: str, entity_label: str, claim_type: str, stance_label: str) -> dict:
    aset = {
        "annotator": "a",
        "status": "gold",
        "entities": [{"start": 0, "end": 4, "text": "U.S.", "label": entity_label, "entity": "united_states"}],
        "claims": [
            {"start": 5, "end": 40, "text": "the designations will classify them", "type": claim_type, "checkworthiness": "check_worthy"}
        ],
        "stances": [
            {"holder": {"kind": "author"}, "target": "t", "label": stance_label, "evidence": [{"start": 41, "end": 50, "text": "a pivot"}]}
        ],
    }
    return {"doc_id": doc_id, "annotations": [aset]}


def test_different_labels_of_one_construction_are_listed_per_layer() -> None:
    report = consistency_report([_doc("001_x", "GPE", "prediction", "favor"), _doc("002_y", "ORG", "factual", "neutral")], None)
    assert report["counts"] == {"claim text": 1, "claim-type trigger": 1, "entity text": 1, "stance evidence": 1}
    trigger = next(g for g in report["groups"] if g["layer"] == "claim-type trigger")
    assert trigger["key"] == "will"
    assert trigger["values"] == [{"value": "factual", "occurrences": ["002 5:40"]}, {"value": "prediction", "occurrences": ["001 5:40"]}]
    text = render_text(report)
    assert 'entity text "u.s.":' in text and "  GPE united_states: 001 0:4" in text


def test_the_same_labels_everywhere_list_nothing() -> None:
    report = consistency_report([_doc("001_x", "GPE", "prediction", "favor"), _doc("002_y", "GPE", "prediction", "favor")], None)
    assert report["groups"] == [] and report["counts"] == {}


def test_a_trigger_typed_differently_within_one_article_only_is_not_cross_document() -> None:
    one = _doc("001_x", "GPE", "prediction", "favor")
    other = _doc("001_x", "GPE", "factual", "favor")["annotations"][0]["claims"][0]
    one["annotations"][0]["claims"].append({**other, "start": 60, "end": 95})
    report = consistency_report([one], None)
    assert [g["layer"] for g in report["groups"]] == ["claim text"]


def test_cli_on_the_fixture_corpus() -> None:
    result = CliRunner().invoke(cli, ["consistency", "--root", str(FIXTURE_CORPUS), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["groups"] == []
    text = CliRunner().invoke(cli, ["consistency", "--root", str(FIXTURE_CORPUS)]).output
    assert text.startswith("Same construction, different labels") and "none" in text
