"""DATASHEET.md's entity label set is generated from the schema (issue 26): adding a label needs no
hand edit of the datasheet, and what is left out of OntoNotes 5 follows from the same list."""

from __future__ import annotations

from cartel_fto_corpus.inspection.datasheet import ONTONOTES_5, entity_labels_prose
from cartel_fto_corpus.truth.schema import label_set
from tests.conftest import REPO


def test_the_datasheet_block_is_the_schemas_label_set() -> None:
    text = (REPO / "DATASHEET.md").read_text(encoding="utf-8")
    block = text[text.index("<!-- stats:begin entity_labels -->") : text.index("<!-- stats:end entity_labels -->")]
    assert entity_labels_prose(label_set("entity_label")) in block
    assert "ten types" not in text  # no hand-typed count of the label set left in the prose


def test_the_prose_follows_the_labels() -> None:
    assert entity_labels_prose(("PERSON", "ORG")) == (
        "Entity types: 2, the enum `entity_label` of `schema/common.schema.json`: PERSON, ORG. 2 of OntoNotes 5's 18 types; "
        f"not in the label set: {', '.join(x for x in ONTONOTES_5 if x not in ('PERSON', 'ORG'))}.\n"
    )
    grown = (*label_set("entity_label"), "PRODUCT")
    assert "PRODUCT" not in entity_labels_prose(grown).split("not in the label set:")[1]
    assert entity_labels_prose((*ONTONOTES_5, "WEAPON")).endswith(
        "18 of OntoNotes 5's 18 types, plus WEAPON (not OntoNotes 5); none left out.\n"
    )
