"""DATASHEET.md's hand-written labelling prose names exactly the schema's entity labels (issue 26).

The sentence "with ten types taken from OntoNotes 5, the enum `entity_label` of
`schema/common.schema.json`: PERSON, NORP, ..." is prose a human writes (it goes on to say which
OntoNotes types are left out and why), so it is checked, not generated: the number word and the
list must match the schema's label set.
"""

from __future__ import annotations

import re

from cartel_fto_corpus.truth.schema import label_set
from tests.conftest import REPO

#: how the prose writes a count (a number word, as the datasheet does for small counts)
NUMBER_WORDS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
)
_PROSE = re.compile(
    r"with (\w+) types taken from OntoNotes 5, the enum\s+`entity_label` of\s+`schema/common\.schema\.json`:\s+(.*?)\.\s", re.DOTALL
)


def listed_labels(m: re.Match[str]) -> list[str]:
    """The labels the prose lists, without their remarks ("ORG (with a subtype)")."""
    return [re.sub(r"\s*\(.*?\)", "", item).strip() for item in re.split(r",\s*", " ".join(m.group(2).split()))]


def prose_problems(datasheet: str, labels: tuple[str, ...]) -> list[str]:
    """One line per disagreement between the labelling prose and `labels`."""
    where = "DATASHEET.md labelling prose"
    m = _PROSE.search(datasheet)
    if m is None:
        return [f"{where}: expected 'with <n> types taken from OntoNotes 5, the enum `entity_label` ...: <labels>.', found none"]
    out = []
    if m.group(1) not in (NUMBER_WORDS[len(labels)] if len(labels) < len(NUMBER_WORDS) else "", str(len(labels))):
        out.append(f"{where}: expected {len(labels)} entity types, found {m.group(1)!r}")
    listed = listed_labels(m)
    out += [f"{where}: {label} is in the schema but not listed" for label in labels if label not in listed]
    out += [f"{where}: {label} is listed but not in the schema" for label in listed if label not in labels]
    return out


def test_the_datasheet_prose_names_the_schema_entity_labels() -> None:
    assert prose_problems((REPO / "DATASHEET.md").read_text(encoding="utf-8"), label_set("entity_label")) == []


def test_a_label_the_prose_lacks_or_keeps_is_named() -> None:
    text = (REPO / "DATASHEET.md").read_text(encoding="utf-8")
    m = _PROSE.search(text)
    assert m, "the labelling prose"
    labels = tuple(listed_labels(m))  # agreeing, whatever the schema says
    assert prose_problems(text, labels) == []
    assert prose_problems(text, (*labels[:-1],)) == [
        f"DATASHEET.md labelling prose: expected {len(labels) - 1} entity types, found {NUMBER_WORDS[len(labels)]!r}",
        f"DATASHEET.md labelling prose: {labels[-1]} is listed but not in the schema",
    ]
