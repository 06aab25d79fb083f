"""truth/sets.py below the fixtures: tests that kill survivors of the mutation run (issue 26)."""

from __future__ import annotations

from cartel_fto_corpus.truth.sets import claim_clusters, reference_set


def test_reference_set_is_the_gold_one_else_the_first() -> None:
    a, b, c = {"status": "draft", "n": 1}, {"status": "gold", "n": 2}, {"status": "gold", "n": 3}
    assert reference_set({"annotations": [a, b, c]}) is b
    assert reference_set({"annotations": [a, {"status": "adjudicated"}]}) is a
    assert reference_set({"annotations": []}) is None
    assert reference_set({}) is None


def test_claim_clusters_of_either_schema_version() -> None:
    assert claim_clusters({"clusters": ["c1", "c2"]}) == ["c1", "c2"]
    assert claim_clusters({"clusters": None}) == []
    assert claim_clusters({"clusters": [], "cluster": "c9"}) == []
    assert claim_clusters({"cluster": "c3"}) == ["c3"]
    assert claim_clusters({"cluster": None}) == []
    assert claim_clusters({}) == []
    clusters = ("c1",)
    got = claim_clusters({"clusters": clusters})
    assert got == ["c1"] and isinstance(got, list)
