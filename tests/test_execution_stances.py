"""checks/execution_stances.py below the fixtures: tests that kill survivors of the mutation run (issue 26)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cartel_fto_corpus.checks.execution_stances import execution_only, execution_stance_problems, load_acknowledged


def _ev(*texts: str) -> list[dict[str, Any]]:
    return [{"text": t} for t in texts]


@pytest.mark.parametrize(
    "text",
    [
        "The departments will implement it",
        "They coordinate these actions",
        "It carried out the order",
        "Agents are enforcing the rule",
        "They executed the plan",
        "They will organise the teams",
        "They organize the teams",
        "It administers the list",
        "It published the notice",
        "It PUBLISHES the notice",
    ],
)
def test_implementation_verbs_alone_are_execution_only(text: str) -> None:
    assert execution_only(_ev(text)) is True


@pytest.mark.parametrize(
    "text",
    [
        "They will implement it and welcome the move",
        "They coordinate because it is necessary",
        "They must enforce it",
        "They enforce what they called for",
        "They executed the plan they supported",
        "They publish and condemn",
        "They implement it, warning of a threat",
        "They implement it as they asked for",
    ],
)
def test_a_positional_cue_makes_a_stance(text: str) -> None:
    assert execution_only(_ev(text)) is False


def test_every_span_must_be_execution_only() -> None:
    assert execution_only([]) is False
    assert execution_only(_ev("They implement it", "They publish it")) is True
    assert execution_only(_ev("They implement it", "They like it")) is False
    assert execution_only(_ev("The organised crime groups")) is False  # the adjective, not the verb
    assert execution_only(_ev("reimplemented")) is False


def _stance(
    label: str = "favor", entity: str = "dept", kind: str = "entity", texts: tuple[str, ...] = ("It will implement and publish it",)
) -> dict[str, Any]:
    holder = {"kind": kind, "entity": entity} if kind == "entity" else {"kind": kind}
    return {"label": label, "target": "fto", "holder": holder, "evidence": _ev(*texts)}


def test_problems_of_institutions_only() -> None:
    types = {"dept": "ORG", "us": "GPE", "rubio": "PER", "city": "LOC"}
    aset = {
        "stances": [
            _stance(),
            _stance("against", "us", texts=("They enforce it", "They enforced it again")),
            _stance("neutral"),
            _stance("none"),
            _stance(entity="rubio"),
            _stance(entity="city"),
            _stance(entity="unknown"),
            _stance(kind="author"),
            _stance(texts=("It will implement it as it must",)),
        ]
    }
    got = list(execution_stance_problems("/annotations/0", aset, types))
    assert got == [
        (
            "/annotations/0/stances/0",
            "execution-only-stance",
            "expected a positional cue for a favor stance of 'dept', found only evidence of carrying out a measure "
            "('implement', 'publish'); acknowledge it as stance/fto/dept in annotations/adjudication/acknowledged.yaml "
            "with a reason, or record no stance",
            "stance/fto/dept",
        ),
        (
            "/annotations/0/stances/1",
            "execution-only-stance",
            "expected a positional cue for a against stance of 'us', found only evidence of carrying out a measure "
            "('enforce', 'enforced'); acknowledge it as stance/fto/us in annotations/adjudication/acknowledged.yaml "
            "with a reason, or record no stance",
            "stance/fto/us",
        ),
    ]


def test_verbs_are_listed_once_in_lower_case() -> None:
    aset = {"stances": [_stance(texts=("Implement it", "implement IT"))]}
    [(_p, _c, message, _k)] = execution_stance_problems("/a", aset, {"dept": "ORG"})
    assert "('implement')" in message


def _ack(tmp_path: Path, text: str | bytes | None) -> tuple[dict, str | None]:
    folder = tmp_path / "adjudication"
    folder.mkdir(exist_ok=True)
    if isinstance(text, bytes):
        (folder / "acknowledged.yaml").write_bytes(text)
    elif text is not None:
        (folder / "acknowledged.yaml").write_text(text, encoding="utf-8")
    return load_acknowledged(tmp_path)


def test_acknowledged_stances_are_read(tmp_path: Path) -> None:
    assert _ack(tmp_path, None) == ({}, None)
    assert _ack(tmp_path, "") == ({}, None)
    assert _ack(tmp_path, "000_x:\n  stance/fto/dept: the reason\n") == ({"000_x": {"stance/fto/dept": "the reason"}}, None)
    assert _ack(tmp_path, "123:\n  stance/a/b: why\n") == ({"123": {"stance/a/b": "why"}}, None)


@pytest.mark.parametrize(
    "text",
    ["- a list\n", "doc: a string\n", "doc:\n  unit: '  '\n", "doc:\n  unit: 5\n", "doc:\n  5: why\n", "doc:\n  - unit\n"],
)
def test_acknowledged_stances_of_another_shape(tmp_path: Path, text: str) -> None:
    assert _ack(tmp_path, text) == (
        {},
        "annotations/adjudication/acknowledged.yaml: expected {document id: {unit id: reason}}, found another shape",
    )


@pytest.mark.parametrize("text", ["doc: [unclosed\n", b"doc: \xff\n"])
def test_acknowledged_stances_unreadable(tmp_path: Path, text: str | bytes) -> None:
    data, message = _ack(tmp_path, text)
    assert data == {} and message is not None and message.startswith("cannot read annotations/adjudication/acknowledged.yaml: ")


def test_stances_after_skipped_ones_are_still_checked() -> None:
    aset = {"stances": [_stance("neutral"), _stance(entity="rubio"), _stance(texts=("They must act",)), _stance()]}
    assert [p[0] for p in execution_stance_problems("/a", aset, {"dept": "ORG", "rubio": "PER"})] == ["/a/stances/3"]
