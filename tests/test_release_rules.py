"""The rules added for release 0.3 (checks/reported_speech.py, unnamed_actors.py, execution_stances.py, severity.py).

`tests/fixtures/rules_2_0` is a valid corpus of one article annotated under guidelines 2.0; each
file in its `invalid/` breaks one rule, named after it. Under guidelines 2.0 they are errors;
the same files under 1.1 (which did not state these rules) give the same message as a warning.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cartel_fto_corpus.checks.execution_stances import execution_only
from cartel_fto_corpus.checks.reported_speech import reporting_cue
from cartel_fto_corpus.checks.validate import EXIT_INVALID, EXIT_OK, validate
from cartel_fto_corpus.cli.main import cli
from tests.conftest import FIXTURES

RULES = FIXTURES / "rules_2_0"
INVALID = RULES / "invalid"
DOC = "950_cbbedd40ec741afc"

CASES = {
    "author_evidence_reporting_frame.json": (
        "/annotations/0/stances/0/evidence/1",
        "author-evidence-reporting-frame",
        "expected the author's own words (a reporting frame alone at most) as evidence of the author's stance, found an actor's "
        "reported content ('according to' in 'According to a local newspaper, the ministry hesitated'); it is evidence for that "
        "actor's stance",
    ),
    "unnamed_actor_description.json": (
        "/annotations/0/claims/0/claimant/description",
        "unnamed-actor-description",
        "expected one description of the unnamed actor 'A senior official' (/annotations/0/stances/1/holder: 'a senior official'), "
        "found 'an unnamed government source'",
    ),
    "unnamed_actor_description_other_span.json": (
        "/annotations/0/claims/0/claimant/span",
        "unnamed-actor-span",
        "expected the span of the same unnamed actor 'a senior official' at /annotations/0/stances/1/holder (134:151 'A senior official'), "
        "found 94:101 'Critics'",
    ),
    "unnamed_actor_span.json": (
        "/annotations/0/claims/0/claimant/span",
        "unnamed-actor-span",
        "expected the span of the same unnamed actor at /annotations/0/stances/1/holder (134:151 'A senior official'), "
        "found 136:151 'senior official'",
    ),
    "execution_only_stance.json": (
        "/annotations/0/stances/2",
        "execution-only-stance",
        "expected a positional cue for a favor stance of 'interior_ministry', found only evidence of carrying out a measure "
        "('coordinate'); acknowledge it as stance/terror_listing/interior_ministry in annotations/adjudication/acknowledged.yaml "
        "with a reason, or record no stance",
    ),
}


#: Invalid fixtures whose finding stays a warning even under guidelines 2.0 (the guessing part of a rule).
WARNING_ONLY = {
    "author_evidence_speech_object.json": (
        "/annotations/0/stances/0/evidence/1",
        "author-evidence-speech-object",
        "expected the author's own words (a reporting frame alone at most) as evidence of the author's stance, found an actor's "
        "reported content ('argue the listing' in 'Critics argue the listing is premature'); it is evidence for that actor's stance",
    ),
}


def test_the_fixture_is_valid_without_warnings() -> None:
    report = validate(None, RULES)
    assert report.problems == [] and report.warnings == []
    assert sorted(p.name for p in INVALID.iterdir()) == sorted([*CASES, *WARNING_ONLY])


@pytest.mark.parametrize("name", sorted(WARNING_ONLY))
def test_a_speech_verb_object_is_a_warning_even_under_2_0(name: str) -> None:
    report = validate([INVALID / name], root=RULES)
    assert report.exit_code == EXIT_OK and report.problems == []
    assert [(w.pointer, w.code, w.message) for w in report.warnings] == [WARNING_ONLY[name]]


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_rule_is_an_error_under_guidelines_2_0(name: str) -> None:
    report = validate([INVALID / name], root=RULES)
    assert report.exit_code == EXIT_INVALID
    assert [(p.pointer, p.code, p.message) for p in report.problems] == [CASES[name]]


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_same_finding_is_a_warning_under_earlier_guidelines(name: str, tmp_path: Path) -> None:
    doc = json.loads((INVALID / name).read_text(encoding="utf-8"))
    doc["annotations"][0]["guideline_version"] = "1.1"
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    report = validate([path], root=RULES)
    assert report.exit_code == EXIT_OK and report.problems == []
    assert [(w.pointer, w.code, w.message) for w in report.warnings] == [CASES[name]]


def _root_with(tmp_path: Path, name: str) -> Path:
    root = tmp_path / "rules"
    shutil.copytree(RULES, root, ignore=shutil.ignore_patterns("invalid"))
    shutil.copy(INVALID / name, root / "annotations" / f"{DOC}.json")
    return root


def test_an_execution_only_stance_is_a_warning_on_a_draft(tmp_path: Path) -> None:
    root = _root_with(tmp_path, "execution_only_stance.json")
    path = root / "annotations" / f"{DOC}.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["annotations"][0]["status"] = "draft"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    report = validate(None, root)
    assert report.problems == [] and [w.code for w in report.warnings] == ["execution-only-stance"]


def test_the_adjudicator_acknowledges_an_execution_only_gold_stance(tmp_path: Path) -> None:
    root = _root_with(tmp_path, "execution_only_stance.json")
    assert [p.code for p in validate(None, root).problems] == ["execution-only-stance"]
    ack = root / "annotations" / "adjudication" / "acknowledged.yaml"
    ack.parent.mkdir(parents=True)
    ack.write_text(
        f'{DOC}:\n  stance/terror_listing/interior_ministry: "the ministry\'s statement asks for the listing"\n', encoding="utf-8"
    )
    report = validate(None, root)
    assert report.problems == [] and report.warnings == []
    ack.write_text(f"{DOC}:\n  stance/terror_listing/interior_ministry: ''\n", encoding="utf-8")  # no reason: not an acknowledgement
    assert [p.code for p in validate(None, root).problems] == ["bad-acknowledgements", "execution-only-stance"]


def test_warnings_are_listed_and_do_not_change_the_exit_code(tmp_path: Path) -> None:
    root = _root_with(tmp_path, "execution_only_stance.json")
    path = root / "annotations" / f"{DOC}.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["annotations"][0]["guideline_version"] = "1.1"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "--root", str(root), "--format", "text"])
    assert result.exit_code == 0
    assert f"warning: {path}:/annotations/0/stances/2: expected a positional cue" in result.output
    assert "valid (1 warning)" in result.output
    body = json.loads(CliRunner().invoke(cli, ["validate", "--root", str(root), "--format", "json"]).stdout)
    assert body["valid"] is True and [w["code"] for w in body["warnings"]] == ["execution-only-stance"]
    gh = CliRunner().invoke(cli, ["validate", "--root", str(root), "--format", "github"]).stdout
    assert gh.startswith("::warning file=") and "title=execution-only-stance" in gh


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        # reported content: flagged
        ("Critics argue the listing is premature", "argue the listing"),
        ("Andres Sumano, a security analyst, however questioned the move", "questioned the move"),
        ("CNN and The New York Times reported this week that the CIA was using drones", "reported ... that"),
        ("told reporters that the plan works", "told ... that"),
        ("According to officials, the vote was delayed", "according to"),
        ("the vote was delayed, according to officials", "according to"),
        ('called it a "sea change in US policy"', '"sea change in US policy"'),
        # a reporting frame alone (GUIDELINES 2.0, 3.3 allows it), scare quotes, nouns: not flagged
        ("Critics argue", None),
        ("Secretary of State Marco Rubio said", None),
        ("Mr Rubio said in a statement", None),
        ("Mexican President Claudia Sheinbaum said on Wednesday", None),
        ("CNN and The New York Times reported this week", None),
        ("Mr Miller told White House reporters", None),
        ('the so-called "narco" groups', None),
        ("the United States listed the groups", None),
        ("The administration's claim to deal with them", None),
    ],
)
def test_reporting_cue_is_conservative(text: str, cue: str | None) -> None:
    assert reporting_cue(text) == cue


def test_execution_only_needs_an_implementation_verb_everywhere_and_no_evaluation() -> None:
    ev = [{"text": "will coordinate these actions"}]
    assert execution_only(ev)
    assert not execution_only([*ev, {"text": "the listing is necessary"}])
    assert not execution_only([{"text": "will coordinate these necessary actions"}])
    assert not execution_only([{"text": "signed an executive order"}])  # "executive" is no verb of implementation
    assert not execution_only([])


def test_organised_crime_is_not_organising_a_measure() -> None:
    assert not execution_only([{"text": "designated eight Latin American organised crime groups"}])
    assert execution_only([{"text": "three ministries will organise the recall"}])
