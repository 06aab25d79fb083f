"""The review of gold: out-of-fold sets valid and stored fresh, planted errors ranked first, stable ids, CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import REPO

pytest.importorskip("sklearn", reason="needs the review extra: pip install -e '.[review]'")
pytest.importorskip("cleanlab", reason="needs the review extra: pip install -e '.[review]'")

from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.evaluation.corpus import load_gold
from cartel_fto_corpus.evaluation.oof import ANNOTATOR, FIELDS, MODEL, OOF_DIR, predict, render_document
from cartel_fto_corpus.inspection.review import LAYERS, REVIEW_FILE, render_stored, review
from cartel_fto_corpus.truth.schema import label_set


@pytest.fixture(scope="module")
def shipped():
    corpus = load_gold(REPO)
    oof = predict(corpus)
    return corpus, oof, review(corpus=corpus, oof=oof)


def test_every_gold_item_is_predicted_by_the_fold_that_never_saw_it(shipped) -> None:
    corpus, oof, _ = shipped
    for doc_id, doc in corpus.documents.items():
        for (layer, fld), name in FIELDS.items():
            for item in doc.gold[layer]:
                dist = oof[doc_id].confidence[item["id"]][f"{layer}.{fld}"]
                assert list(dist) == list(label_set(name))
                assert abs(sum(dist.values()) - 1) < 1e-4 and min(dist.values()) > 0
                predicted = next(i for i in oof[doc_id].set[layer] if i["id"] == item["id"])[fld]
                assert dist[predicted] == max(dist.values())


def test_stored_oof_sets_are_fresh_and_valid_annotation_files(shipped) -> None:
    corpus, oof, rv = shipped
    from cartel_fto_corpus.truth.schema import detailed_validator

    validator = detailed_validator("annotation")
    for doc_id, o in oof.items():
        path = REPO / OOF_DIR / MODEL / f"{doc_id}.json"
        assert path.read_text(encoding="utf-8") == render_document(corpus, o), f"{path} stale: cartel-fto review --write"
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert not list(validator.iter_errors(doc))
        assert [s["annotator"] for s in doc["annotations"]] == [ANNOTATOR] and doc["annotations"][0]["status"] == "draft"
    side = json.loads((REPO / OOF_DIR / f"{MODEL}.confidence.json").read_text(encoding="utf-8"))
    assert side == {d: o.confidence for d, o in oof.items()}
    assert (REPO / REVIEW_FILE).read_text(encoding="utf-8") == render_stored(rv), "review.json stale: cartel-fto review --write"


def test_ranking_has_every_layer_stable_ids_and_reasons(shipped) -> None:
    _, oof, rv = shipped
    assert list(rv.layers) == list(LAYERS)
    for layer, items in rv.layers.items():
        assert [s.score for s in items] == sorted((s.score for s in items), reverse=True)
        assert len({s.id for s in items}) == len(items)
        for s in items:
            assert 0 <= s.score <= 1 and s.reason.startswith("gold ")
            assert s.id.startswith(f"{s.doc_id}/{s.unit}/") and s.id.endswith(layer.split(".")[1])
    again = review(corpus=load_gold(REPO), oof=oof)
    assert [s.as_dict() for v in again.layers.values() for s in v] == [s.as_dict() for v in rv.layers.values() for s in v]


@pytest.mark.parametrize("sources", ["all", "model"])
def test_planted_errors_rank_at_the_top(tmp_path: Path, sources: str) -> None:
    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_review import at_k, plant

    planted = plant(REPO, tmp_path / "c", 3, seed=7)
    rv = review(tmp_path / "c", sources=sources)
    for layer, relevant in planted.items():
        ranked = [(s.doc_id, s.item) for s in rv.layers[layer]]
        _, recall = at_k(ranked, relevant, 20)
        floor = 1.0 if sources == "all" else 1 / 3
        assert recall >= floor, (sources, layer, recall)
        if sources == "all":
            top = {(s.doc_id, s.item): s for s in rv.layers[layer]}
            assert all("against gold" in top[x].reason for x in relevant)


def test_cli_json_and_text(shipped) -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["review", "--root", str(REPO), "--format", "json", "--top", "2", "--layer", "stances.label"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert list(data["layers"]) == ["stances.label"] and len(data["layers"]["stances.label"]) == 2
    assert data["layers"]["stances.label"][0]["id"] == shipped[2].layers["stances.label"][0].id
    res = runner.invoke(cli, ["review", "--root", str(REPO), "--top", "1", "--sources", "model"])
    assert res.exit_code == 0 and "model only" in res.output and "entities.label" in res.output
