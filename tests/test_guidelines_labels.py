"""The label definitions of annotations/GUIDELINES.md name exactly the schema's labels (issue 26).

GUIDELINES.md is frozen (its sha256 is in annotations/protocol.json) and never edited here; this test
reads it. A label added to the schema without a guidelines version that defines it, or a definition
of a label the schema no longer has, fails here with the label named.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cartel_fto_corpus.truth.schema import label_set
from tests.conftest import REPO

#: label set -> (heading of the guidelines section defining it, how its labels are listed there)
SECTIONS = {
    "entity_label": ("### 2.1 Labels", "table"),
    "stance_label": ("### 3.2 Labels", "bullets"),
    "checkworthiness": ("### 4.4 Check-worthiness", "bullets"),
}


def section(text: str, heading: str) -> str:
    """The body of the section starting with `heading`, up to the next heading."""
    start = text.index(heading + " ") if heading + " " in text else text.index(heading + "\n")
    body = text[start + len(heading) :]
    end = re.search(r"^#{1,3} ", body, re.MULTILINE)
    return body[: end.start()] if end else body


def defined_labels(guidelines: Path, name: str) -> list[str]:
    """The labels the guidelines define for the label set `name`, in their order."""
    heading, kind = SECTIONS[name]
    body = section(guidelines.read_text(encoding="utf-8"), heading)
    if kind == "table":  # first column of the table's rows, after its header and rule
        rows = [line for line in body.splitlines() if line.startswith("|")][2:]
        return [row.split("|")[1].strip() for row in rows]
    return re.findall(r"^- `([^`]+)`:", body, re.MULTILINE)


def label_problems(guidelines: Path, labels: dict[str, tuple[str, ...]]) -> list[str]:
    """One line per label defined in the guidelines but not in the schema, or the reverse."""
    out = []
    for name in SECTIONS:
        defined, schema = defined_labels(guidelines, name), labels[name]
        out += [f"{name}: {label} is in the schema but not defined in {SECTIONS[name][0]}" for label in schema if label not in defined]
        out += [f"{name}: {label} is defined in {SECTIONS[name][0]} but not in the schema" for label in defined if label not in schema]
    return out


@pytest.mark.parametrize("name", SECTIONS)
def test_guidelines_define_exactly_the_schema_labels(name: str) -> None:
    assert sorted(defined_labels(REPO / "annotations" / "GUIDELINES.md", name)) == sorted(label_set(name))


def test_a_label_missing_from_the_guidelines_is_named() -> None:
    guidelines = REPO / "annotations" / "GUIDELINES.md"
    labels = {name: tuple(defined_labels(guidelines, name)) for name in SECTIONS}  # agreeing, whatever the schema says
    assert label_problems(guidelines, labels) == []
    labels["entity_label"] = (*labels["entity_label"], "NEW_TYPE")
    dropped = labels["stance_label"][-1]
    labels["stance_label"] = labels["stance_label"][:-1]
    assert label_problems(guidelines, labels) == [
        "entity_label: NEW_TYPE is in the schema but not defined in ### 2.1 Labels",
        f"stance_label: {dropped} is defined in ### 3.2 Labels but not in the schema",
    ]
