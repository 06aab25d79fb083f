"""`truth.unionfind`: roots are the smallest members, whatever the order of the unions."""

from __future__ import annotations

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
