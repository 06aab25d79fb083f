"""`truth.unionfind`: roots are the smallest members, whatever the order of the unions."""

from __future__ import annotations

import itertools
import random

from hypothesis import given
from hypothesis import strategies as st

from cartel_fto_corpus.truth.unionfind import UnionFind


def test_union_joins_sets_and_the_root_is_the_smallest_member() -> None:
    uf = UnionFind()
    uf.union("c", "b")
    uf.union("d", "e")
    assert uf.find("c") == uf.find("b") == "b"
    assert uf.find("e") == "d" and uf.find("a") == "a"
    uf.union("e", "c")
    assert {uf.find(x) for x in "bcde"} == {"b"}
    assert list(uf.parent) == ["c", "b", "d", "e", "a"]  # first-seen order


@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), max_size=40), st.randoms())
def test_the_partition_and_its_roots_do_not_depend_on_the_order_of_unions(pairs: list[tuple[int, int]], rnd: random.Random) -> None:
    def roots(order: list[tuple[int, int]]) -> dict[int, int]:
        uf = UnionFind()
        for a, b in order:
            uf.union(a, b)
        return {x: uf.find(x) for x in range(21)}

    shuffled = list(pairs)
    rnd.shuffle(shuffled)
    got = roots(pairs)
    assert got == roots(shuffled)
    assert all(root <= x for x, root in got.items())


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
