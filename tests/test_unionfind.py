"""truth/unionfind.py below the fixtures: tests that kill survivors of the mutation run (issue 26)."""

from __future__ import annotations

import itertools

from cartel_fto_corpus.truth.unionfind import UnionFind


def test_the_root_is_the_smallest_member_whatever_the_union_order() -> None:
    for order in itertools.permutations([("d", "c"), ("b", "d"), ("e", "f"), ("a", "e")]):
        uf = UnionFind()
        for a, b in order:
            uf.union(a, b)
        assert {x: uf.find(x) for x in "bcd"} == {"b": "b", "c": "b", "d": "b"}
        assert {x: uf.find(x) for x in "aef"} == {"a": "a", "e": "a", "f": "a"}


def test_new_items_are_sets_of_their_own_in_first_seen_order() -> None:
    uf = UnionFind()
    assert uf.find(3) == 3 and uf.parent == {3: 3}
    uf.union(2, 2)
    uf.union(5, 1)
    assert list(uf.parent) == [3, 2, 5, 1] and uf.parent == {3: 3, 2: 2, 5: 1, 1: 1}


def test_a_long_chain_is_halved_on_find() -> None:
    uf = UnionFind()
    uf.parent = {i: max(i - 1, 0) for i in range(11)}  # a chain 10 -> 9 -> ... -> 0
    assert uf.find(10) == 0
    assert uf.parent[10] == 8 and uf.parent[8] == 6 and uf.parent[9] == 8
    assert all(uf.find(i) == 0 for i in range(11))
