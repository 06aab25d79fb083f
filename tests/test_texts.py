"""truth/texts.py below the fixtures: tests that kill survivors of the mutation run (issue 26)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cartel_fto_corpus.truth import texts
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.texts import (
    Text,
    compute_manifest,
    document_entry,
    dumps,
    find_title,
    overlaps,
    parse_sha256sums,
    quality_flags,
    read_checksums,
    read_text,
    read_texts,
    repeated_passages,
)


def test_decode_error_names_the_first_bad_byte() -> None:
    assert Text("a", "a.txt", "día".encode()).decode_error() is None
    assert Text("a", "a.txt", b"ok\xe9 \xff").decode_error() == "expected UTF-8 text, found byte 0xe9 at byte offset 2"
    assert Text("a", "a.txt", b"", unreadable="a named pipe").decode_error() == "a named pipe"
    assert Text("a", "a.txt", "x\U0001f600".encode()).text == "x\U0001f600"


def test_read_texts_keeps_an_unreadable_file_as_a_reason(tmp_path: Path) -> None:
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "001.txt").write_bytes(b"one")
    (tmp_path / "texts" / "000.txt").mkdir()
    got = read_texts(CorpusPaths(tmp_path))
    assert [(t.doc_id, t.source_file, t.data) for t in got] == [("000", "000.txt", b""), ("001", "001.txt", b"one")]
    assert got[0].unreadable == "expected a regular file, found a directory" and got[1].unreadable is None
    assert read_text("001", CorpusPaths(tmp_path)) == "one"


def test_sha256sums_lines() -> None:
    digest = "A" * 64
    text = f"{digest}  000.txt\n\n{'b' * 64} *001.txt\r\n{'c' * 64} 002 two.txt\nnot a line\n{'d' * 63}  003.txt\n   \n"
    sums, bad = parse_sha256sums(text)
    assert sums == {"000.txt": "a" * 64, "001.txt": "b" * 64, "002 two.txt": "c" * 64}
    assert bad == [(5, "not a line"), (6, f"{'d' * 63}  003.txt")]


def test_a_file_name_is_kept_as_written_to_its_last_space() -> None:
    sums, bad = parse_sha256sums(f"{'a' * 64}  name \n{'b' * 64} *x\t\n{'c' * 64}  README.XX\n")
    assert sums == {"name ": "a" * 64, "x\t": "b" * 64, "README.XX": "c" * 64} and bad == []


def test_read_checksums_leaves_bad_lines_out(tmp_path: Path) -> None:
    (tmp_path / "SUMS").write_text(f"{'e' * 64}  x.txt\nbad\n", encoding="utf-8")
    assert read_checksums(tmp_path / "SUMS") == {"x.txt": "e" * 64}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("**A summary sentence.**\n**The Headline**\nbody", ("The Headline", 26, 38)),
        ("**Question?**\n**Shout!**\n**Head **\n", ("Head ", 27, 32)),
        ("plain\n**Title** with more\n", None),
        ("no title here", None),
    ],
)
def test_find_title(text: str, expected: tuple[str, int, int] | None) -> None:
    got = find_title(text)
    assert got == expected
    if got:
        assert text[got[1] : got[2]] == got[0]


def test_repeated_passages_point_at_the_first_occurrence() -> None:
    text = "a\n\nb\na\n\nb\na"
    assert repeated_passages(text) == [
        {"start": 5, "end": 6, "first_start": 0},
        {"start": 8, "end": 9, "first_start": 3},
        {"start": 10, "end": 11, "first_start": 0},
    ]


def _doc(doc_id: str, text: str) -> Text:
    return Text(doc_id, f"{doc_id}.txt", text.encode())


def test_overlaps_reach_the_threshold_both_ways() -> None:
    shared = "the cartel was named a foreign terrorist organization on"
    a = _doc("a", shared + " " + " ".join(f"a{i}" for i in range(100)))
    b = _doc("b", " ".join(f"b{i}" for i in range(50)) + " " + shared)
    c = _doc("c", "nothing in common at all with them")
    got = overlaps([c, b, a])
    # 9 words: 6 shared 4-grams; b has 50 + 9 words -> 56 4-grams, fewer than a's 106
    assert got["a"] == [{"doc_id": "b", "shared_ngrams": 6, "containment": round(6 / 56, 3)}]
    assert got["b"] == [{"doc_id": "a", "shared_ngrams": 6, "containment": round(6 / 56, 3)}]
    assert got["c"] == []


def test_overlap_below_the_threshold_and_short_texts() -> None:
    shared = "one two three four"
    a = _doc("a", shared + " " + " ".join(f"a{i}" for i in range(40)))  # 1 of 41 4-grams: 0.024
    b = _doc("b", shared + " " + " ".join(f"b{i}" for i in range(40)))
    assert overlaps([a, b]) == {"a": [], "b": []}
    c = _doc("c", shared + " " + " ".join(f"c{i}" for i in range(29)))  # 1 of 30: 0.033
    assert overlaps([a, c])["c"] == [{"doc_id": "a", "shared_ngrams": 1, "containment": 0.033}]
    assert overlaps([_doc("s", "too short"), _doc("t", "too short")]) == {"s": [], "t": []}


def test_overlaps_are_sorted_by_document() -> None:
    shared = "w x y z v"
    docs = [_doc(d, shared) for d in ("c", "a", "b")]
    got = overlaps(docs)
    assert [e["doc_id"] for e in got["c"]] == ["a", "b"]
    assert got["a"][0] == {"doc_id": "b", "shared_ngrams": 2, "containment": 1.0}


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("**bold line**\nx", "markdown_markup"),
        ("a \U0001f600", "non_bmp_characters"),
        ("he said \u201cno\u201d", "typographic_quotes"),
        ("it\u2019s", "typographic_quotes"),
        ("\u2018x", "typographic_quotes"),
        ("x\u201d", "typographic_quotes"),
        ("  \u2022 item", "bullet_list"),
        ("- item", "bullet_list"),
        ("* item", "bullet_list"),
        ("Heading:\nNext heading:\n", "empty_section"),
        ("Heading:\n\nbody", "empty_section"),
        ("Heading: \nNext: ", "empty_section"),
        ("  Share this article  ", "site_boilerplate"),
        ("Reader Comments(12)", "site_boilerplate"),
        ("Advertisement", "site_boilerplate"),
        ("March 3, 2025 - MEXICO CITY", "dateline"),
    ],
)
def test_each_quality_flag(text: str, flag: str) -> None:
    assert quality_flags(text, [], []) == sorted({"no_source_metadata", flag})


def test_quality_flags_near_misses_and_inputs() -> None:
    near = "**not bold*\n-item\n*item\nHeading:\nbody follows\nAdvertisement here\nx\nMarch 3, 2025 - late dateline\nMarch 2025 - x"
    assert quality_flags(near, [], []) == ["no_source_metadata"]
    assert quality_flags("Marchy 3, 2025 - x", [], []) == ["no_source_metadata"]
    assert quality_flags("\uffff", [], []) == ["no_source_metadata"]
    assert quality_flags("", [], []) == ["no_source_metadata"]
    assert quality_flags("x", [{"start": 0}], [{"doc_id": "b"}]) == ["no_source_metadata", "overlaps_other_document", "repeated_passages"]


def test_document_entry_and_manifest() -> None:
    text = "**Big News**\nline two\n\nline two\n\U0001f600\n"
    t = _doc("007", text)
    entry = document_entry(t, [])
    assert entry == {
        "id": "007",
        "source_file": "007.txt",
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
        "n_bytes": len(text.encode()),
        "n_chars": len(text),
        "n_utf16": len(text) + 1,
        "n_lines": 4,
        "title": "Big News",
        "title_start": 2,
        "title_end": 10,
        "url": None,
        "outlet": None,
        "published": None,
        "quality_flags": ["markdown_markup", "no_source_metadata", "non_bmp_characters", "repeated_passages"],
        "repeated_passages": [{"start": 23, "end": 31, "first_start": 13}],
        "overlaps": [],
    }
    untitled = document_entry(_doc("008", "plain"), [])
    assert (untitled["title"], untitled["title_start"], untitled["title_end"]) == (None, None, None)
    manifest = compute_manifest([_doc("b", "x"), t])
    assert manifest["schema_version"] == texts.schema_version()
    assert [d["id"] for d in manifest["documents"]] == ["007", "b"]


def test_dumps_is_the_one_layout() -> None:
    assert dumps({"a": ["é", 1]}) == '{\n  "a": [\n    "é",\n    1\n  ]\n}\n'


def test_a_bold_sentence_with_a_trailing_space_is_not_a_title() -> None:
    assert find_title("**A summary sentence. **\n**The Headline**") == ("The Headline", 27, 39)


def test_the_first_astral_character_is_non_bmp() -> None:
    assert "non_bmp_characters" in quality_flags("\U00010000", [], [])
    assert "non_bmp_characters" not in quality_flags("\uffff", [], [])


def test_overlap_exactly_at_the_threshold_counts() -> None:
    shared = "one two three four five six"  # 3 shared 4-grams
    a = _doc("a", shared + " " + " ".join(f"a{i}" for i in range(97)))  # 103 words: 100 4-grams
    b = _doc("b", shared + " " + " ".join(f"b{i}" for i in range(200)))
    assert overlaps([a, b])["a"] == [{"doc_id": "b", "shared_ngrams": 3, "containment": 0.03}]


def test_words_are_compared_lower_cased() -> None:
    # "STRASSE" lower-cases to "strasse", not "straße" (upper-casing would make them one word)
    a = _doc("a", "die lange straße hier")
    b = _doc("b", "DIE LANGE STRASSE HIER")
    c = _doc("c", "Die Lange Straße Hier")
    assert overlaps([a, b, c]) == {
        "a": [{"doc_id": "c", "shared_ngrams": 1, "containment": 1.0}],
        "b": [],
        "c": [{"doc_id": "a", "shared_ngrams": 1, "containment": 1.0}],
    }
