"""`cartel-fto export`: every format read back by the tool that consumes it, equal to the source spans.

CoNLL through seqeval, spaCy `DocBin` through `spacy.blank("en")`, brat standoff through a strict
reader written here (no maintained brat parser on PyPI reads normalisations), BigBIO `kb` through its
published `datasets.Features`, JSON lines through Polars."""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path

import datasets
import polars as pl
import pytest
import seqeval.metrics
import spacy
from click.testing import CliRunner
from seqeval.metrics.sequence_labeling import get_entities
from spacy.tokens import DocBin

from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.publish.exports import FORMATS, export_documents
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.schema import label_set
from tests.conftest import FIXTURE_CORPUS, REPO

ROOTS = [pytest.param(FIXTURE_CORPUS, id="fixture"), pytest.param(REPO, id="real")]


def source(root: Path) -> dict[str, tuple[str, list[tuple[int, int, str, str, str | None]]]]:
    """{doc id: (text, [(start, end, label, entity, qid)])}: what every export must give back."""
    return {
        d.doc_id: (d.text, [(m["start"], m["end"], m["label"], m["entity"], m["qid"]) for m in d.mentions])
        for d in export_documents(CorpusPaths(root))
    }


@pytest.fixture(scope="module", params=ROOTS)
def exported(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = request.param
    if root == REPO and len(CorpusPaths(REPO).annotation_files()) < 5:
        pytest.skip("the real annotations are missing")
    out = tmp_path_factory.mktemp("export")
    for fmt in FORMATS:
        result = CliRunner().invoke(cli, ["export", "--root", str(root), "--format", fmt, "--out", str(out / fmt)])
        assert result.exit_code == 0, result.output
        assert result.stderr.strip().splitlines()[-1].startswith(f"exported {fmt}: ")
    return root, out


def test_conll_reads_back_through_seqeval(exported: tuple[Path, Path]) -> None:
    root, out = exported
    want = source(root)
    lines = (out / "conll" / "cartel_fto.conll").read_text(encoding="utf-8").split("\n")
    docs: list[list[list[tuple[str, str]]]] = []
    sentence: list[tuple[str, str]] = []
    for line in lines:
        if line.startswith("-DOCSTART-"):
            docs.append([])
        elif not line:
            if sentence:
                docs[-1].append(sentence)
            sentence = []
        else:
            token, tag = line.split(" ")  # exactly two columns
            sentence.append((token, tag))
    assert len(docs) == len(want)
    for (doc_id, (text, mentions)), sentences in zip(want.items(), docs, strict=True):
        y = [[tag for _t, tag in s] for s in sentences]
        assert seqeval.metrics.f1_score(y, y) == 1.0
        # token offsets: tokens appear in text order, markdown markers skipped
        got, pos = [], 0
        for s in sentences:
            starts = []
            for token, _tag in s:
                pos = text.index(token, pos)
                starts.append((pos, pos + len(token)))
                pos += len(token)
            for label, first, last in get_entities([tag for _t, tag in s]):
                got.append((starts[first][0], starts[last][1], label))
        assert got == [(s, e, label) for s, e, label, _ent, _q in mentions], doc_id


def test_spacy_docbin_reads_back_into_docs_with_identical_entities(exported: tuple[Path, Path]) -> None:
    root, out = exported
    nlp = spacy.blank("en")
    docs = list(DocBin().from_disk(out / "spacy" / "cartel_fto.spacy").get_docs(nlp.vocab))
    want = source(root)
    assert [d.user_data["doc_id"] for d in docs] == list(want)
    for doc in docs:
        text, mentions = want[doc.user_data["doc_id"]]
        assert doc.text == text
        assert [(e.start_char, e.end_char, e.label_, e.kb_id_) for e in doc.ents] == [
            (s, e, label, ent) for s, e, label, ent, _q in mentions
        ]
        assert sorted(doc.user_data["qids"].values()) == sorted(q for *_x, q in mentions if q)


# brat standoff, read strictly: every line must be a text-bound (T) or normalisation (N) annotation.
_T = re.compile(r"^(T\d+)\t([A-Za-z_-]+) (\d+ \d+(?:;\d+ \d+)*)\t(.*)$")
_N = re.compile(r"^(N\d+)\tReference (T\d+) ([A-Za-z]+):(\S+)\t(.*)$")


def read_brat(txt: Path, ann: Path) -> tuple[str, list[tuple[int, int, str, str | None]]]:
    text = txt.read_bytes().decode("utf-8")
    spans: dict[str, tuple[int, int, str]] = {}
    norms: dict[str, str] = {}
    for n, line in enumerate(ann.read_text(encoding="utf-8").splitlines(), start=1):
        if m := _T.match(line):
            frags = [tuple(map(int, f.split())) for f in m[3].split(";")]
            assert " ".join(text[a:b] for a, b in frags) == m[4], f"{ann}:{n}: text does not match offsets"
            assert m[1] not in spans, f"{ann}:{n}: duplicate id"
            spans[m[1]] = (frags[0][0], frags[-1][1], m[2])
        elif m := _N.match(line):
            assert m[2] in spans and m[3] == "Wikidata" and re.fullmatch(r"Q\d+", m[4]), f"{ann}:{n}: bad normalisation"
            norms[m[2]] = m[4]
        else:
            raise AssertionError(f"{ann}:{n}: not a brat T or N line: {line!r}")
    return text, [(s, e, label, norms.get(tid)) for tid, (s, e, label) in spans.items()]


def test_brat_standoff_reads_back_strictly(exported: tuple[Path, Path]) -> None:
    root, out = exported
    for doc_id, (text, mentions) in source(root).items():
        got_text, got = read_brat(out / "brat" / f"{doc_id}.txt", out / "brat" / f"{doc_id}.ann")
        assert got_text == text
        assert got == [(s, e, label, q) for s, e, label, _ent, q in mentions]
    conf = (out / "brat" / "annotation.conf").read_text(encoding="utf-8")
    assert conf.split("[relations]")[0].split() == ["[entities]", *label_set("entity_label")]


#: The BigBIO `kb` schema (bigbio/hub/bigbiohub.py, `kb_features`), as published by the BigBIO project.
KB_FEATURES = datasets.Features(
    {
        "id": datasets.Value("string"),
        "document_id": datasets.Value("string"),
        "passages": [
            {
                "id": datasets.Value("string"),
                "type": datasets.Value("string"),
                "text": datasets.Sequence(datasets.Value("string")),
                "offsets": datasets.Sequence([datasets.Value("int32")]),
            }
        ],
        "entities": [
            {
                "id": datasets.Value("string"),
                "type": datasets.Value("string"),
                "text": datasets.Sequence(datasets.Value("string")),
                "offsets": datasets.Sequence([datasets.Value("int32")]),
                "normalized": [{"db_name": datasets.Value("string"), "db_id": datasets.Value("string")}],
            }
        ],
        "events": [
            {
                "id": datasets.Value("string"),
                "type": datasets.Value("string"),
                "trigger": {"text": datasets.Sequence(datasets.Value("string")), "offsets": datasets.Sequence([datasets.Value("int32")])},
                "arguments": [{"role": datasets.Value("string"), "ref_id": datasets.Value("string")}],
            }
        ],
        "coreferences": [{"id": datasets.Value("string"), "entity_ids": datasets.Sequence(datasets.Value("string"))}],
        "relations": [
            {
                "id": datasets.Value("string"),
                "type": datasets.Value("string"),
                "arg1_id": datasets.Value("string"),
                "arg2_id": datasets.Value("string"),
                "normalized": [{"db_name": datasets.Value("string"), "db_id": datasets.Value("string")}],
            }
        ],
    }
)


def test_bigbio_kb_loads_with_the_bigbio_features(exported: tuple[Path, Path], tmp_path: Path) -> None:
    root, out = exported
    ds = datasets.load_dataset(
        "json", data_files=str(out / "bigbio" / "cartel_fto_bigbio_kb.jsonl"), features=KB_FEATURES, cache_dir=str(tmp_path / "c")
    )
    want = source(root)
    assert ds["train"]["document_id"] == list(want)
    for rec in ds["train"]:
        text, mentions = want[rec["document_id"]]
        for p in rec["passages"]:
            ((s, e),) = p["offsets"]
            assert text[s:e] == p["text"][0]
        got = [(e["offsets"][0][0], e["offsets"][0][1], e["type"], [n["db_id"] for n in e["normalized"]]) for e in rec["entities"]]
        assert got == [(s, e, label, [q] if q else []) for s, e, label, _ent, q in mentions]
        ids = {e["id"] for e in rec["entities"]}
        assert all(set(c["entity_ids"]) <= ids for c in rec["coreferences"])


def test_jsonl_reads_back_through_polars(exported: tuple[Path, Path]) -> None:
    root, out = exported
    df = pl.read_ndjson(out / "jsonl" / "cartel_fto.jsonl")
    want = source(root)
    assert df["id"].to_list() == list(want)
    for doc_id, text, ents in df.select("id", "text", "entities").iter_rows():
        assert text == want[doc_id][0]
        assert [(e["start"], e["end"], e["label"], e["entity"], e["qid"]) for e in ents] == want[doc_id][1]
        assert all(text[e["start"] : e["end"]] == e["text"] for e in ents)


def test_export_refuses_an_invalid_corpus_and_unknown_formats(corpus_copy: Path, tmp_path: Path) -> None:
    f = corpus_copy / "annotations" / "900_00000000000000aa.json"
    doc = json.loads(f.read_text(encoding="utf-8"))
    doc["annotations"][0]["entities"][0]["text"] = "January 21"
    f.write_text(json.dumps(doc), encoding="utf-8")
    result = CliRunner().invoke(cli, ["export", "--root", str(corpus_copy), "--format", "conll", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.strip().splitlines()[-1] == "1 problem: refusing to export; see `cartel-fto validate`"
    assert not (tmp_path / "o").exists()
    bad = CliRunner().invoke(cli, ["export", "--root", str(FIXTURE_CORPUS), "--format", "xml", "--out", str(tmp_path / "o")])
    assert bad.exit_code == 2 and "'xml' is not one of" in bad.stderr


def test_spacy_format_without_spacy_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "spacy", None)  # fault injection: spaCy not installed
    result = CliRunner().invoke(cli, ["export", "--root", str(FIXTURE_CORPUS), "--format", "spacy", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.strip().splitlines() == [
        f"the spacy format needs spaCy: pip install -e '{REPO}[spacy]'",
        "refusing to export",
    ]


# --------------------------------------------------------------------------- round trips on any text (hypothesis)

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cartel_fto_corpus.publish.exports import ExportDocument  # noqa: E402
from cartel_fto_corpus.publish.exports import brat as brat_export  # noqa: E402
from cartel_fto_corpus.publish.exports import conll as conll_export  # noqa: E402
from cartel_fto_corpus.publish.rows import ner_rows  # noqa: E402
from tests.test_tokenize import tagged_text  # noqa: E402


def _document(text: str, mentions: list[dict], paragraphs: bool = True) -> ExportDocument:
    rows = [
        {**m, "mention_id": m["id"], "id": f"d/{m['id']}", "doc_id": "d", "entity": "x", "entity_name": "X", "qid": "Q1" if i % 2 else None}
        for i, m in enumerate(mentions)
    ]
    return ExportDocument("d", text, rows, list(ner_rows("d", text, {"entities": mentions})) if paragraphs else [])


@settings(max_examples=150, deadline=None)
@given(tagged_text())
def test_conll_round_trip_on_any_tagged_text(case: tuple[str, list[dict]]) -> None:
    text, mentions = case
    doc = _document(text, [m for m in mentions if "\n" not in m["text"]])
    lines = conll_export.render([doc]).split("\n")
    assert lines[0] == "-DOCSTART- O"
    body = [line.split(" ") for line in lines[2:] if line]
    assert [t for t, _tag in body] == [t for r in doc.paragraphs for t in r["tokens"]]
    starts = [(s, e) for r in doc.paragraphs for s, e in zip(r["token_starts"], r["token_ends"], strict=True)]
    sentences, i = [], 0
    for r in doc.paragraphs:
        sentences.append((starts[i : i + len(r["tokens"])], [tag for _t, tag in body[i : i + len(r["tokens"])]]))
        i += len(r["tokens"])
    got = [(offs[a][0], offs[b][1], label) for offs, tags in sentences for label, a, b in get_entities(tags)]
    assert got == [(m["start"], m["end"], m["label"]) for m in doc.mentions]


@settings(max_examples=150, deadline=None)
@given(tagged_text())
def test_brat_round_trip_on_any_tagged_text(case: tuple[str, list[dict]]) -> None:
    text, mentions = case
    doc = _document(text, mentions, paragraphs=False)  # brat reads offsets only: spans may cross lines
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "d.txt").write_text(text, encoding="utf-8", newline="")
        (folder / "d.ann").write_text(brat_export.render_ann(doc), encoding="utf-8", newline="")
        got_text, got = read_brat(folder / "d.txt", folder / "d.ann")
    assert got_text == text
    for (s, e, label, q), m in zip(got, doc.mentions, strict=True):
        frags = brat_export.fragments(text, m["start"], m["end"])
        assert (label, q) == (m["label"], m["qid"])
        assert all("\n" not in text[a:b] for a, b in frags)
        assert "".join(text[a:b] for a, b in frags) == m["text"].replace("\n", "")
        assert (s, e) == (frags[0][0], frags[-1][1]) if frags else True


@given(st.text(alphabet="ab\n", max_size=30), st.integers(0, 30), st.integers(0, 30))
def test_brat_fragments_cover_a_span_without_its_line_breaks(text: str, a: int, b: int) -> None:
    start, end = sorted((min(a, len(text)), min(b, len(text))))
    frags = brat_export.fragments(text, start, end)
    assert "".join(text[x:y] for x, y in frags) == text[start:end].replace("\n", "")
    assert all(start <= x < y <= end and "\n" not in text[x:y] for x, y in frags)
