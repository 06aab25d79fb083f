"""The researcher-ready views (issue 11): `stance_classification`, `mentions`, the `ner_fold*` configs,
label names without `datasets`, copies of repeated claims, and tokens, each checked with the library a
researcher would use (pyarrow.dataset, DuckDB, Polars, spaCy `blank("en")`, seqeval, `datasets`)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import datasets
import duckdb
import polars as pl
import pyarrow.dataset as pads
import pytest
import seqeval.metrics
import spacy

from cartel_fto_corpus.publish.build import build
from cartel_fto_corpus.publish.features import CONFIGS, FOLD_CONFIGS, SEMEVAL_OF, features
from cartel_fto_corpus.publish.layout import document_groups, fold_buckets, fold_split
from cartel_fto_corpus.publish.loader import load_dataset
from cartel_fto_corpus.publish.rows import BuildError, Registry, stance_classification_rows
from cartel_fto_corpus.publish.tokenize import Token, spans_from_tags
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.sets import reference_set
from tests.conftest import FIXTURE_CORPUS, REPO


def _real_corpus_annotated() -> bool:
    return len(CorpusPaths(REPO).annotation_files()) >= 5


real = pytest.mark.skipif(not _real_corpus_annotated(), reason="the real annotations are missing")


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real corpus built afresh (the committed data/ may be stale while one works)."""
    if not _real_corpus_annotated():
        pytest.skip("the real annotations are missing")
    target = tmp_path_factory.mktemp("real")
    build(CorpusPaths(REPO), target, validate_first=False)
    return target


def rows(out: Path, config: str, split: str = "test") -> list[dict]:
    return load_dataset(config, split=split, root=out).to_list()


def golds() -> dict[str, dict]:
    return {json.loads(p.read_text(encoding="utf-8"))["doc_id"]: reference_set(json.loads(p.read_text(encoding="utf-8")))
            for p in CorpusPaths(REPO).annotation_files()}  # fmt: skip


# --------------------------------------------------------------------------- stance_classification


@real
def test_stance_classification_has_no_contradictory_rows_and_inputs_are_not_articles(out: Path) -> None:
    got = rows(out, "stance_classification")
    texts = {r["id"]: r["text"] for r in rows(out, "articles")}
    names = features("stance_classification")["label"].names
    by_input: dict[tuple[str, str], set[int]] = {}
    for r in got:
        by_input.setdefault((r["text"], r["target"]), set()).add(r["label"])
        assert r["text"] not in texts.values() and len(r["text"]) < len(texts[r["doc_id"]]) / 2
        assert r["text"].startswith(f"{r['holder']}: ")
        assert all(e["text"] in r["text"] for e in r["evidence"])
        assert all(texts[r["doc_id"]][e["start"] : e["end"]] == e["text"] for e in r["evidence"])
        assert r["semeval_label_name"] == SEMEVAL_OF[names[r["label"]]] and r["label_name"] == names[r["label"]]
    assert all(len(labels) == 1 for labels in by_input.values())  # no contradictory rows
    keys = Counter((r["doc_id"], r["holder_kind"], r["holder_entity"] or r["holder"], r["target"]) for r in got)
    assert max(keys.values()) == 1  # one row per (article, holder, target)
    stance = rows(out, "stance")
    assert sorted(f"{r['doc_id']}/{s}" for r in got for s in r["stance_ids"]) == sorted(r["id"] for r in stance)


def test_a_holder_with_two_labels_toward_one_target_stops_the_build() -> None:
    reg = Registry.from_json(json.loads((FIXTURE_CORPUS / "annotations" / "registry.json").read_text(encoding="utf-8")))
    target = next(iter(reg.targets))
    ev = [{"start": 0, "end": 4, "text": "Text"}]
    aset = {"annotator": "a", "status": "gold", "guideline_version": "1.0", "stances": [
        {"id": "s1", "holder": {"kind": "author"}, "target": target, "label": "favor", "attribution": "authorial", "evidence": ev},
        {"id": "s2", "holder": {"kind": "author"}, "target": target, "label": "against", "attribution": "authorial", "evidence": ev},
    ]}  # fmt: skip
    with pytest.raises(BuildError, match=r"^f\.json:/annotations/0/stances/1/label: expected one stance label per holder and target"):
        list(stance_classification_rows("d", aset, reg, "f.json", 0))
    aset["stances"][1]["label"] = "favor"  # agreeing stances merge into one row
    (row,) = stance_classification_rows("d", aset, reg)
    assert row["stance_ids"] == ["s1", "s2"] and row["text"] == "The author: Text" and row["semeval_label"] == "FAVOR"


# --------------------------------------------------------------------------- folds


def test_folds_rotate_whole_groups() -> None:
    entries = [{"id": d, "overlaps": []} for d in ("a", "b", "c", "d", "e")]
    entries[1]["overlaps"] = [{"doc_id": "e"}]
    entries[4]["overlaps"] = [{"doc_id": "b"}]
    groups = document_groups(entries)
    assert groups == [["a"], ["b", "e"], ["c"], ["d"]]
    buckets = fold_buckets(groups, 4)
    for k in range(4):
        split = {d: fold_split(buckets, k, d) for d in "abcde"}
        assert split["b"] == split["e"]
        assert sorted(split.values()).count("test") >= 1 and "validation" in split.values()
    assert sorted(fold_split(buckets, k, "a") for k in range(4)).count("test") == 1


@real
def test_fold_configs_are_leak_free_and_load_as_train_validation_test_with_datasets(out: Path, tmp_path: Path) -> None:
    articles = rows(out, "articles")
    overlapping = {(a["id"], o["doc_id"]) for a in articles for o in a["overlaps"]}
    assert overlapping  # 001 and 004 share wire copy
    ner_ids = sorted(r["id"] for r in rows(out, "ner"))
    tested: Counter[str] = Counter()
    for config in FOLD_CONFIGS:
        ds = datasets.load_dataset(str(out), config, cache_dir=str(tmp_path / "cache"))  # what run_ner.py does
        assert sorted(ds) == ["test", "train", "validation"]
        docs = {s: {r["doc_id"] for r in ds[s]} for s in ds}
        assert all(docs[s] for s in ds)
        assert not (docs["train"] & docs["validation"]) and not (docs["train"] & docs["test"]) and not (docs["validation"] & docs["test"])
        for a, b in overlapping:
            assert [s for s in ds if a in docs[s]] == [s for s in ds if b in docs[s]], (config, a, b)
        assert sorted(r["id"] for s in ds for r in ds[s]) == ner_ids
        assert ds["train"].features == features("ner")
        tested.update(docs["test"])
    assert set(tested.values()) == {1} and set(tested) == {a["id"] for a in articles}  # each article tested once
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "| `ner_fold0` |" in readme and "(overlapping articles together)" in readme


# --------------------------------------------------------------------------- label names without datasets


@real
def test_duckdb_polars_and_pyarrow_dataset_read_label_names_without_datasets(out: Path) -> None:
    data = out / "data"
    assert [p.name for p in data.rglob("*") if p.is_file() and p.suffix != ".parquet"] == []
    for config in CONFIGS:
        ds = pads.dataset(data / config, format="parquet")  # the folder as it is, no croissant.json in the way
        assert ds.count_rows() == sum(d.num_rows for d in load_dataset(config, root=out).values())
    ents = features("mentions")["label"].names
    got = duckdb.sql(f"SELECT label, label_name, count(*) AS n FROM '{data}/mentions/*.parquet' GROUP BY ALL ORDER BY n DESC").fetchall()
    assert sum(n for _l, _name, n in got) == 199
    assert all(ents[label] == name for label, name, _n in got)
    assert got[0][1] in ents
    tags = features("ner")["ner_tags"].feature.names
    ner = pl.read_parquet(f"{data}/ner/*.parquet")
    for ints, names in zip(ner["ner_tags"].to_list(), ner["ner_tag_names"].to_list(), strict=True):
        assert [tags[i] for i in ints] == names
    claims = pl.read_parquet(f"{data}/claims/*.parquet")
    assert set(claims["checkworthiness_name"]) <= set(features("claims")["checkworthiness"].names)
    nested = duckdb.sql(f"SELECT unnest(entities, recursive := true) FROM '{data}/entities/*.parquet'").pl()
    assert set(nested["label_name"]) <= set(ents)


# --------------------------------------------------------------------------- mentions and copies


@real
def test_mentions_are_the_entities_flattened_with_offsets_into_the_text(out: Path) -> None:
    texts = {r["id"]: r["text"] for r in rows(out, "articles")}
    mentions = rows(out, "mentions")
    assert len(mentions) == 199
    flat = [
        (r["id"], m["id"], m["start"], m["end"], m["label"], m["entity"], m["qid"]) for r in rows(out, "entities") for m in r["entities"]
    ]
    assert [(m["doc_id"], m["mention_id"], m["start"], m["end"], m["label"], m["entity"], m["qid"]) for m in mentions] == flat
    assert all(texts[m["doc_id"]][m["start"] : m["end"]] == m["text"] for m in mentions)
    assert all(m["id"] == f"{m['doc_id']}/{m['mention_id']}" for m in mentions)


@real
def test_claims_in_repeated_passages_name_the_claim_they_copy(out: Path) -> None:
    claims = {r["id"]: r for r in rows(out, "claims")}
    copies = {cid: r["copy_of"] for cid, r in claims.items() if r["copy_of"]}
    repeats = {a["id"]: a["repeated_passages"] for a in rows(out, "articles")}["000_e0ea4dd0c3e368ed"]
    # expected from the gold itself: claims of a later copy whose first copy is a gold claim at the shifted span
    gold = golds()["000_e0ea4dd0c3e368ed"]["claims"]
    spans = {(c["start"], c["end"]) for c in gold}
    shift = lambda c, p: (c["start"] - p["start"] + p["first_start"], c["end"] - p["start"] + p["first_start"])  # noqa: E731
    expected = sum(1 for c in gold for p in repeats if p["start"] <= c["start"] and c["end"] <= p["end"] and shift(c, p) in spans)
    assert expected > 0 and len(copies) == expected and all(c.startswith("000_") for c in copies)
    for cid, orig in copies.items():
        c, o = claims[cid], claims[orig]
        assert c["claim"] == o["claim"] and o["copy_of"] is None and o["start"] < c["start"]
        assert any(p["start"] <= c["start"] and c["end"] <= p["end"] for p in repeats)
    for cl in rows(out, "clusters"):
        assert cl["distinct_claim_ids"] == [i for i in cl["claim_ids"] if i not in copies]


# --------------------------------------------------------------------------- tokens: spaCy and seqeval


@real
def test_abbreviations_are_one_token_and_no_markdown_marker_is_a_token(out: Path) -> None:
    ner = rows(out, "ner")
    tokens = [t for r in ner for t in r["tokens"]]
    assert "U.S." in tokens and not any("*" in t for t in tokens)
    texts = {r["id"]: r["text"] for r in rows(out, "articles")}
    assert "**" in texts["000_e0ea4dd0c3e368ed"]


@real
def test_every_mention_aligns_to_spacy_blank_tokens_in_strict_mode() -> None:
    nlp = spacy.blank("en")
    n = 0
    for doc_id, gold in golds().items():
        text = (REPO / "texts" / f"{doc_id}.txt").read_bytes().decode("utf-8")
        doc = nlp.make_doc(text)
        for m in gold["entities"]:
            span = doc.char_span(m["start"], m["end"], label=m["label"], alignment_mode="strict")
            assert span is not None and span.text == m["text"], (doc_id, m["id"])
            n += 1
    assert n == 199


@real
def test_seqeval_scores_gold_one_and_the_tags_encode_exactly_the_mentions(out: Path) -> None:
    ner = rows(out, "ner")
    names = features("ner")["ner_tags"].feature.names
    y = [[names[i] for i in r["ner_tags"]] for r in ner]
    assert seqeval.metrics.f1_score(y, y) == 1.0
    assert seqeval.metrics.f1_score(y, y, mode="strict", scheme=seqeval.scheme.IOB2) == 1.0
    decoded = sorted(
        (r["doc_id"], s, e, label)
        for r in ner
        for s, e, label in spans_from_tags(
            [Token(a, b, t) for a, b, t in zip(r["token_starts"], r["token_ends"], r["tokens"], strict=True)], r["ner_tag_names"]
        )
    )
    assert decoded == sorted((m["doc_id"], m["start"], m["end"], m["label_name"]) for m in rows(out, "mentions"))


def test_claim_clusters_reads_schema_1_0_and_1_1_claims() -> None:
    from cartel_fto_corpus.publish.rows import claim_clusters

    assert claim_clusters({"cluster": "a"}) == ["a"] and claim_clusters({"cluster": None}) == []
    assert claim_clusters({"clusters": ["a", "b"]}) == ["a", "b"] and claim_clusters({"clusters": []}) == []


def test_copies_resolve_chains_to_the_first_occurrence_and_need_the_same_text() -> None:
    from cartel_fto_corpus.publish.rows import copies

    text = "Cartels are terrorists. X. Cartels are terrorists. Y. Cartels are terrorists."
    n = len("Cartels are terrorists.")
    at = [0, 27, 54]
    claims = [{"id": f"c{i}", "start": s, "end": s + n, "text": text[s : s + n]} for i, s in enumerate(at)]
    repeats = [{"start": 27, "end": 27 + n, "first_start": 0}, {"start": 54, "end": 54 + n, "first_start": 27}]
    assert copies(claims, repeats) == {"c1": "c0", "c2": "c0"}
    assert copies(claims, []) == {}
    claims[0]["start"] += 1  # the first occurrence annotated with another span: no copy
    assert copies(claims, repeats) == {"c2": "c1"}
