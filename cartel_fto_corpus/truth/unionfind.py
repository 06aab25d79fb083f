"""The one union-find of the package: documents joined by shared text (publish/layout), entity ids of
several annotators joined into one real-world entity (inspection/alignment), claims joined by
similarity (evaluation/baselines).

The root of a set is always its smallest member, so what callers derive from roots (group order,
cluster names such as `c3`) does not depend on the order of the unions.
"""

from __future__ import annotations

from typing import Any


class UnionFind:
    """Disjoint sets over any ordered, hashable items; `parent` lists every item seen, in first-seen order."""

    def __init__(self) -> None:
        self.parent: dict[Any, Any] = {}

    def find(self, x: Any) -> Any:
        """The root (smallest member) of x's set; x joins as a set of its own if new (path halving)."""
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: Any, b: Any) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)
