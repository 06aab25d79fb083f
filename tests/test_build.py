"""`cartel-fto build`: validated, deterministic, sharded, atomic; `--check` catches stale output."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from cartel_fto_corpus.checks.validate import validate
from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.publish.build import SHARD_NAME, BuildError, InvalidCorpus, build, split_of, stale_files
from cartel_fto_corpus.publish.features import CONFIGS, FOLD_CONFIGS, SPAN_FIELDS, base_config, features
from cartel_fto_corpus.publish.reader import iter_manifest
from cartel_fto_corpus.publish.rows import claim_rows, entities_row, ner_rows
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.sets import reference_set
from tests.conftest import FIXTURE_CORPUS, REPO


def bench_module() -> Any:
    spec = importlib.util.spec_from_file_location("bench_loader", REPO / "benchmarks" / "bench_loader.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tree(out: Path) -> dict[str, bytes]:
    """Every file under `out`, by relative path."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def rows(out: Path, config: str) -> list[dict[str, Any]]:
    files = sorted((out / "data" / config).glob("*.parquet"))
    return [r for f in files for r in pq.read_table(f).to_pylist()]


def assert_spans_match(out: Path) -> int:
    """`text[start:end] == span text` for every span of every config; returns how many were checked."""
    texts = {r["id"]: r["text"] for r in rows(out, "articles")}
    checked = 0
    for config in CONFIGS:
        view = base_config(config)
        for row in rows(out, config):
            text = texts[row.get("doc_id", row["id"])] if view != "clusters" else ""
            if "text" in row and view not in ("articles", "mentions", "stance_classification", "sentences"):
                assert row["text"] == text
            if view == "sentences":
                assert text[row["start"] : row["end"]] == row["text"] and row["text"] == row["text"].strip()
                checked += 1
            for column, start, end, covered in SPAN_FIELDS[config]:
                for item in [row] if column is None else row[column]:
                    if item[start] is None:
                        assert item[end] is None and item[covered] is None
                        continue
                    assert text[item[start] : item[end]] == item[covered], (config, row["id"])
                    checked += 1
            if view == "ner":
                for tok, s, e in zip(row["tokens"], row["token_starts"], row["token_ends"], strict=True):
                    assert text[s:e] == tok
                    checked += 1
    return checked


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("built")
    build(CorpusPaths(FIXTURE_CORPUS), out)
    return out


def test_build_writes_every_config_with_hf_names_and_features(built: Path) -> None:
    for config in CONFIGS:
        files = sorted((built / "data" / config).iterdir())
        names = [f.name for f in files]
        if config in FOLD_CONFIGS:  # one document: only the split holding it has a file
            assert len(names) <= 1 and SHARD_NAME.match(names[0])["split"] in ("test", "train", "validation")
        else:
            assert names == ["test-00000-of-00001.parquet"]
        schema = pq.read_schema(files[0])
        assert json.loads(schema.metadata[b"huggingface"])["info"]["features"] == features(config).to_dict()
    assert (built / "croissant.json").is_file() and (built / "SHA256SUMS").is_file()
    assert {p.suffix for p in (built / "data").rglob("*") if p.is_file()} == {".parquet"}  # Parquet only
    readme = (built / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("---\n") and "<!-- card:begin -->" in readme


def test_rows_follow_the_gold_annotations(built: Path) -> None:
    ann = json.loads((FIXTURE_CORPUS / "annotations" / "900_00000000000000aa.json").read_text(encoding="utf-8"))
    registry = {e["id"]: e for e in json.loads((FIXTURE_CORPUS / "annotations" / "registry.json").read_text(encoding="utf-8"))["entities"]}
    gold = reference_set(ann)
    ent_rows = rows(built, "entities")
    assert len(ent_rows) == 1
    mentions = ent_rows[0]["entities"]
    key = ("start", "end", "text", "entity")
    assert [[m[k] for k in key] for m in mentions] == [[m[k] for k in key] for m in gold["entities"]]
    assert [m["qid"] for m in mentions] == [registry[m["entity"]]["qid"] for m in gold["entities"]]
    assert [m["entity_name"] for m in mentions] == [registry[m["entity"]]["name"] for m in gold["entities"]]
    assert [r["id"] for r in rows(built, "stance")] == [f"{ann['doc_id']}/{s['id']}" for s in gold["stances"]]
    claims = rows(built, "claims")
    assert [r["claim"] for r in claims] == [c["text"] for c in gold["claims"]]
    clusters = rows(built, "clusters")
    for c in clusters:
        assert c["claim_ids"] == [r["id"] for r in claims if c["id"] in r["clusters"]]
    assert {r["doc_id"] for r in rows(built, "ner")} == {ann["doc_id"]}


def test_every_span_of_the_built_fixture_matches_its_text(built: Path) -> None:
    assert assert_spans_match(built) > 0


def test_two_builds_are_byte_identical_and_a_rebuild_changes_nothing(built: Path, tmp_path: Path) -> None:
    build(CorpusPaths(FIXTURE_CORPUS), tmp_path)
    assert tree(tmp_path) == tree(built)
    mtimes = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.parquet")}
    result = build(CorpusPaths(FIXTURE_CORPUS), tmp_path)
    assert result.changed == [] and result.removed == []
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.parquet")} == mtimes


def test_invalid_corpus_is_refused_with_one_line_problems_and_nothing_written(corpus_copy: Path, tmp_path: Path) -> None:
    f = corpus_copy / "annotations" / "900_00000000000000aa.json"
    doc = json.loads(f.read_text(encoding="utf-8"))
    doc["annotations"][0]["entities"][0]["text"] = "January 21"
    f.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", "--root", str(corpus_copy), "--out", str(out)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert any("/annotations/0/entities/0/text" in line and "January 20" in line for line in lines)
    assert lines[-1].startswith("1 problem: refusing to build")
    assert not out.exists()
    with pytest.raises(InvalidCorpus):
        build(CorpusPaths(corpus_copy), out)


def test_mention_inside_a_word_is_refused_by_validate_and_build_with_one_message(corpus_copy: Path, tmp_path: Path) -> None:
    """Issue 27: "arco Rubio" passed validate and stopped the build; now both refuse it, same line."""
    out = tmp_path / "out"
    build(CorpusPaths(corpus_copy), out)
    before = tree(out)
    f = corpus_copy / "annotations" / "900_00000000000000aa.json"
    doc = json.loads(f.read_text(encoding="utf-8"))
    m = doc["annotations"][0]["entities"][6]
    assert m["text"] == "Mexico"
    m["end"] -= 1
    m["text"] = "Mexic"
    f.write_text(json.dumps(doc), encoding="utf-8")
    expected = (
        f"annotations/900_00000000000000aa.json:/annotations/0/entities/6: expected a span ending on a word boundary, "
        f'found end {m["end"]} inside "Mexico" ({m["start"]}:{m["end"] + 1})'
    )
    problems = validate(None, corpus_copy).problems
    assert len(problems) == 1
    assert str(problems[0]).endswith(expected)
    result = CliRunner().invoke(cli, ["build", "--root", str(corpus_copy), "--out", str(out)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[0] == str(problems[0])
    with pytest.raises(BuildError) as raised:  # the build's own check, without the validator in front
        build(CorpusPaths(corpus_copy), out, validate_first=False)
    assert str(raised.value).endswith(expected)
    assert tree(out) == before
    assert not list((out / "data").glob(".build-*"))


def test_check_passes_when_fresh_and_fails_after_an_annotation_edit(corpus_copy: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["build", "--root", str(corpus_copy)]).exit_code == 0
    ok = runner.invoke(cli, ["build", "--root", str(corpus_copy), "--check"])
    assert ok.exit_code == 0, ok.stderr
    f = corpus_copy / "annotations" / "900_00000000000000aa.json"
    doc = json.loads(f.read_text(encoding="utf-8"))
    doc["annotations"][0]["claims"][1]["checkworthiness"] = "unimportant_factual"
    f.write_text(json.dumps(doc), encoding="utf-8")
    before = tree(corpus_copy / "data")
    stale = runner.invoke(cli, ["build", "--root", str(corpus_copy), "--check"])
    assert stale.exit_code == 1
    lines = stale.stderr.strip().splitlines()
    assert "data/claims/test-00000-of-00001.parquet: stale (differs from a fresh build)" in lines
    assert "data/entities/test-00000-of-00001.parquet: stale (differs from a fresh build)" not in lines
    assert lines[-1].endswith("run `cartel-fto build`")
    assert tree(corpus_copy / "data") == before  # --check writes nothing


def test_check_reports_missing_and_leftover_files(corpus_copy: Path) -> None:
    build(CorpusPaths(corpus_copy), corpus_copy)
    (corpus_copy / "data" / "ner" / "test-00000-of-00001.parquet").unlink()
    stance = corpus_copy / "data" / "stance"
    shutil.copyfile(stance / "test-00000-of-00001.parquet", stance / "test-00001-of-00002.parquet")
    stale = stale_files(CorpusPaths(corpus_copy), corpus_copy)
    assert "data/ner/test-00000-of-00001.parquet: missing" in stale
    assert "data/stance/test-00001-of-00002.parquet: no longer produced by the build" in stale


def test_small_shards_split_by_size_keep_row_order_and_stale_shards_go(tmp_path: Path) -> None:
    root = bench_module().make_corpus(tmp_path / "corpus", 40)
    assert validate(None, root).problems == []
    whole, sharded = tmp_path / "whole", tmp_path / "sharded"
    build(CorpusPaths(root), whole)
    result = build(CorpusPaths(root), sharded, max_shard_bytes=20_000)
    counts = {c: sum(1 for s in result.shards if s.config == c) for c in CONFIGS}
    assert counts["articles"] > 1 and counts["ner"] > 1
    for config in CONFIGS:
        names = sorted(p.name for p in (sharded / "data" / config).glob("*.parquet"))
        for split in {SHARD_NAME.match(n)["split"] for n in names}:
            mine = [n for n in names if n.startswith(f"{split}-")]
            assert all(SHARD_NAME.match(n) and n.endswith(f"-of-{len(mine):05d}.parquet") for n in mine)
        assert rows(sharded, config) == rows(whole, config)
    assert assert_spans_match(sharded) > 0
    build(CorpusPaths(root), sharded)  # back to one shard per config: the old shards are removed
    assert tree(sharded / "data") == tree(whole / "data")


def test_manifest_entries_are_the_documents_array(tmp_path: Path) -> None:
    root = bench_module().make_corpus(tmp_path / "corpus", 12)
    manifest = root / "texts" / "manifest.json"
    assert list(iter_manifest(manifest)) == json.loads(manifest.read_text(encoding="utf-8"))["documents"]
    manifest.write_text('{"schema_version": "1", "docs": []}', encoding="utf-8")
    with pytest.raises(ValueError, match="no 'documents' array"):
        list(iter_manifest(manifest))


def test_row_builders_are_pure_functions_of_one_document() -> None:
    from cartel_fto_corpus.publish.rows import Registry

    text = "Marco Rubio said Mexico objected."
    reg = Registry.from_json(json.loads((FIXTURE_CORPUS / "annotations" / "registry.json").read_text(encoding="utf-8")))
    aset = {
        "annotator": "x", "status": "draft", "guideline_version": "1.0",
        "entities": [{"id": "e1", "start": 0, "end": 11, "text": "Marco Rubio", "label": "PERSON", "entity": "marco_rubio"},
                     {"id": "e2", "start": 17, "end": 23, "text": "Mexico", "label": "GPE", "entity": "mexico"}],
        "stances": [],
        "claims": [{"id": "c1", "start": 17, "end": 32, "text": "Mexico objected", "claimant": {"kind": "author"},
                    "attribution": "authorial", "type": "factual", "checkworthiness": "check_worthy", "hedged": False, "clusters": []}],
    }  # fmt: skip
    row = entities_row("d", text, aset, reg)
    assert [(m["qid"], m["entity_name"]) for m in row["entities"]] == [("Q324546", "Marco Rubio"), ("Q96", "Mexico")]
    assert row["status"] == "draft"
    (ner,) = ner_rows("d", text, aset)
    assert ner["tokens"] == ["Marco", "Rubio", "said", "Mexico", "objected", "."]
    assert ner["ner_tags"] == ["B-PERSON", "I-PERSON", "O", "B-GPE", "O", "O"]
    (claim,) = claim_rows("d", text, aset, reg)
    assert claim["id"] == "d/c1" and claim["claimant_kind"] == "author" and claim["claimant_entity"] is None
    aset["entities"][1]["end"] = 20
    with pytest.raises(BuildError, match="/annotations/0/entities/1: mention e2"):
        list(ner_rows("d", text, aset))
    assert split_of("d") == "test"


def test_bench_script_runs_on_a_tiny_corpus(tmp_path: Path) -> None:
    bench = bench_module()
    root = bench.make_corpus(tmp_path / "c", 5)
    out = tmp_path / "o"
    peak, base, _seconds = bench.build_peak(root, out)
    assert peak > 0 and base > 0
    times = bench.print_loader_table("tiny", out, runs=1, budget=0)
    assert [t.config for t in times] == list(CONFIGS)
    assert {t.config: t.rows for t in times}["articles"] == 5
    assert all(t.runs == 1 and t.ours > 0 and t.floor > 0 and t.ratio == t.ours / t.floor for t in times)


# --------------------------------------------------------------------------- the real corpus


def _real_corpus_valid() -> bool:
    return CorpusPaths(REPO).annotation_files() != [] and validate(None, REPO).problems == []


real_corpus = pytest.mark.skipif(not _real_corpus_valid(), reason="the real annotations are missing or invalid (see test_validate)")


@real_corpus
def test_real_corpus_builds_with_rows_derived_from_its_annotations(tmp_path: Path) -> None:
    paths = CorpusPaths(REPO)
    build(paths, tmp_path)
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in paths.annotation_files()]
    golds = [reference_set(d) for d in docs]
    assert len(rows(tmp_path, "articles")) == len(list(paths.text_files()))
    assert len(rows(tmp_path, "entities")) == len(docs)
    assert sum(len(r["entities"]) for r in rows(tmp_path, "entities")) == sum(len(g["entities"]) for g in golds)
    assert len(rows(tmp_path, "stance")) == sum(len(g["stances"]) for g in golds)
    assert len(rows(tmp_path, "claims")) == sum(len(g["claims"]) for g in golds)
    assert assert_spans_match(tmp_path) > 0


@real_corpus
def test_committed_data_is_not_stale() -> None:
    stale = stale_files(CorpusPaths(REPO), REPO)
    assert stale == [], "run `cartel-fto build`:\n" + "\n".join(stale)
