"""The sentence splitter of the `sentences` config: trimmed spans inside one line, in order, never
cut after an abbreviation; every character of a non-empty line is in exactly one sentence or white space."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cartel_fto_corpus.publish.rows import sentence_rows
from cartel_fto_corpus.publish.sentences import sentence_spans


def test_abbreviations_and_quotes() -> None:
    text = "Mr. Rubio met U.S. officials on Jan. 20. “We will act,” he said. Then 5 groups were named!\n\nNext line? Yes."
    got = [text[s:e] for s, e in sentence_spans(text)]
    assert got == ["Mr. Rubio met U.S. officials on Jan. 20.", "“We will act,” he said.", "Then 5 groups were named!", "Next line?", "Yes."]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab. ?!\n“”U.S.Mr", max_size=80))
def test_spans_partition_each_line(text: str) -> None:
    spans = sentence_spans(text)
    assert spans == sorted(spans)
    for (s, e), nxt in zip(spans, [*spans[1:], None], strict=False):
        assert s < e and "\n" not in text[s:e] and text[s:e] == text[s:e].strip()
        if nxt:
            assert e <= nxt[0]
    covered = {i for s, e in spans for i in range(s, e)}
    assert all(text[i].isspace() for i in range(len(text)) if i not in covered)


def test_sentence_label_and_repeated_flag() -> None:
    text = "A claim here. Nothing. A claim here."
    aset = {
        "claims": [
            {"id": "c1", "start": 0, "end": 12, "checkworthiness": "check_worthy"},
            {"id": "c2", "start": 23, "end": 35, "checkworthiness": "non_factual"},
        ]
    }
    rows = list(sentence_rows("d", text, aset, [{"start": 23, "end": 36, "first_start": 0}]))
    assert [(r["text"], r["check_worthy"], r["claim_ids"], r["repeated"]) for r in rows] == [
        ("A claim here.", True, ["d/c1"], False),
        ("Nothing.", False, [], False),
        ("A claim here.", False, ["d/c2"], True),
    ]
