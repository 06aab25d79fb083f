"""Aligning different annotators' sets of the same documents without trusting their ids.

Two annotators working independently choose their own entity and cluster ids (a blind
annotator cannot know the registry's), their own mention and claim boundaries, and their own
words for unnamed sources. Agreement (`agreement.py`) and adjudication (`adjudicate.py`) both
need to know which item of one set corresponds to which item of another, so the rules live here,
once:

* **spans** are aligned one-to-one: identical spans first, then a maximum matching of the rest
  among spans that share at least one code point (`align_spans`);
* **entities** are the same real-world entity when they are linked by an identical id of the same
  registry (an annotator that delivered its own registry shares ids with nobody),
  the same type and normalised registry name (or, for an id the registry does not know, the
  mention text the annotator used most), the same Wikidata QID, or an identical mention span with
  the same label (`EntityIndex`, a union-find over (annotator, entity id));
* **holders** of stances are compared by kind plus that entity, or by the normalised words of an
  unnamed source's span (`actor_key`);
* **clusters** are labels of claims, not names: an annotator's cluster is translated to the
  pivot annotator's cluster it shares most aligned claims with (`cluster_map`).

Works on schema 1.0 claims (`cluster`: one id or null) and 1.1 claims (`clusters`: a list).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from cartel_fto_corpus.truth.layers import set_references
from cartel_fto_corpus.truth.sets import claim_clusters as claim_clusters  # re-exported: the one reader of a claim's clusters
from cartel_fto_corpus.truth.unionfind import UnionFind

T = TypeVar("T")
Span = tuple[int, int]


def norm(text: str) -> str:
    """Case- and white-space-insensitive form of a name or description."""
    return " ".join(text.casefold().split())


def overlaps(a: Span, b: Span) -> bool:
    """Half-open spans share at least one code point (touching is not overlapping)."""
    return a[0] < b[1] and b[0] < a[1]


def max_overlap_matching(a: Sequence[Span], b: Sequence[Span]) -> dict[int, int]:
    """A maximum one-to-one matching of overlapping spans (Kuhn's algorithm): index in b -> index in a.

    Maximum, not greedy, so that one long span cannot take the partner of a short one that has no
    other (greedy would pair (0,10) with (2,3) and leave (0,10)'s alternative (8,12) unmatched).
    """
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j, sb in enumerate(b):
            if j in seen or not overlaps(a[i], sb):
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(len(a)):
        augment(i, set())
    return owner


def align_spans(items: Mapping[str, Sequence[T]], span: Callable[[T], Span]) -> list[dict[str, T]]:
    """Group the items of several annotators into units holding at most one item per annotator.

    Annotators are taken in the mapping's order (the first is the pivot). Each new annotator's
    items join existing units by identical span first, then by a maximum matching of overlapping
    spans (an item overlaps a unit if it overlaps any of the unit's items); the rest open new
    units. Units come out sorted by their first span, so the result is deterministic.
    """
    units: list[dict[str, T]] = []
    for ann, its in items.items():  # the units so far hold earlier annotators' items only
        by_span: dict[Span, list[dict[str, T]]] = defaultdict(list)
        for u in units:
            for s in sorted({span(x) for x in u.values()}):
                by_span[s].append(u)
        unmatched: list[T] = []
        for item in sorted(its, key=span):
            cands = [u for u in by_span.get(span(item), []) if ann not in u]
            if cands:
                cands[0][ann] = item
            else:
                unmatched.append(item)
        free = [u for u in units if ann not in u]
        # a unit's span for overlap purposes: the hull of its items' spans
        hulls = [(min(span(x)[0] for x in u.values()), max(span(x)[1] for x in u.values())) for u in free]
        match = max_overlap_matching(hulls, [span(x) for x in unmatched])
        for j, item in enumerate(unmatched):
            if j in match:
                free[match[j]][ann] = item
            else:
                units.append({ann: item})
    return sorted(units, key=lambda u: min(span(x) for x in u.values()))


class EntityIndex:
    """Which entity ids of which annotators name the same real-world entity (see the module docstring).

    `sets` maps document id -> {annotator: annotation set}; `registry` is the corpus registry (its
    `entities` give names and QIDs). Annotator order matters only for `gold_id` (the first
    annotator's ids are preferred, as the registry's canonical ones).
    """

    def __init__(
        self,
        sets: Mapping[str, Mapping[str, Mapping[str, Any]]],
        registry: Mapping[str, Any] | None = None,
        registries: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        reg = {e["id"]: e for e in (registry or {}).get("entities", [])}
        #: an annotator that delivered its own registry (a blind annotator) is read against it
        own = {ann: {e["id"]: e for e in r.get("entities", [])} for ann, r in (registries or {}).items()}
        self.uf = UnionFind()
        self.order: list[str] = []
        mention_texts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        labels: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        self.uses: Counter[tuple[str, str]] = Counter()
        #: nodes that name one entity, by what they share (union-find roots do not depend on the order of unions)
        by_key: dict[tuple[Any, ...], list[tuple[str, str]]] = defaultdict(list)
        for doc_id, per_ann in sets.items():
            for ann, s in per_ann.items():
                if ann not in self.order:
                    self.order.append(ann)
                for m in s["entities"]:
                    node = (ann, m["entity"])
                    self.uf.find(node)
                    mention_texts[node][norm(m["text"])] += 1
                    labels[node][m["label"]] += 1
                    self.uses[node] += 1
                    by_key[("span", doc_id, m["start"], m["end"], m["label"])].append(node)
                for _ptr, entity in set_references(s, "entities"):  # holders' and claimants' too
                    self.uf.find((ann, entity))
        for node in sorted(self.uf.parent):
            ann, ent = node
            by_key[("id", ann if ann in own else "", ent)].append(node)  # ids compare only within one registry
            entry = own[ann].get(ent) if ann in own else reg.get(ent)
            label = _top(labels[node])
            if entry is not None:
                by_key[("name", entry.get("type") or label, norm(entry["name"]))].append(node)
                if entry.get("qid"):
                    by_key[("qid", entry["qid"])].append(node)
            elif mention_texts[node]:
                by_key[("name", label, _top(mention_texts[node]))].append(node)
        for group in by_key.values():
            for other in group[1:]:
                self.uf.union(group[0], other)

    def key(self, annotator: str, entity: str) -> str:
        """A name for the real-world entity, the same for every annotator's id of it."""
        return "entity:" + self.uf.find((annotator, entity))[1]

    def gold_id(self, annotator: str, entity: str) -> str:
        """The id to use in an adjudicated set: the first annotator's id for the same entity, if any."""
        root = self.uf.find((annotator, entity))
        members = [n for n in self.uf.parent if self.uf.find(n) == root]
        for ann in self.order:
            own = [n for n in members if n[0] == ann]
            if own:
                return min(own, key=lambda n: (-self.uses[n], n[1] != entity, n[1]))[1]
        return entity


def _top(counts: Counter[str]) -> str | None:
    """The most frequent value (ties: the smaller), or None."""
    return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0] if counts else None


def actor_words(actor: Mapping[str, Any]) -> str:
    """An unnamed source's words: the text of its span, else its description."""
    return (actor.get("span") or {}).get("text") or actor["description"]


def actor_key(actor: Mapping[str, Any], annotator: str, entities: EntityIndex | None) -> str:
    """Who holds a stance or makes a claim, comparable across annotators (ids and mentions differ)."""
    if actor["kind"] == "author":
        return "author"
    if actor["kind"] == "entity":
        if entities is None:
            return f"entity:{actor['entity']}"
        return entities.key(annotator, actor["entity"])
    return f"unnamed:{norm(actor_words(actor))}"


def cluster_map(pairs: Iterable[tuple[Sequence[str], Sequence[str]]]) -> dict[str, str]:
    """Translate another annotator's cluster ids into the pivot's: each to the pivot cluster it shares most claims with.

    `pairs` holds, for every claim aligned between the pivot and the other annotator, (pivot's
    clusters, other's clusters). Ties go to the same id (a claim both put in the same two clusters
    compares equal), then to the smaller id; a cluster that shares no claim with any pivot cluster
    is not translated (it keeps its own id).
    """
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for mine, theirs in pairs:
        for t in theirs:
            for m in mine:
                votes[t][m] += 1
    return {t: min(c.items(), key=lambda kv: (-kv[1], kv[0] != t, kv[0]))[0] for t, c in votes.items() if c}


def bcubed(labels_a: Sequence[frozenset[str]], labels_b: Sequence[frozenset[str]]) -> dict[str, float | int | None]:
    """Extended B-cubed precision, recall and F1 (Amigó et al. 2009) of two overlapping clusterings of the same items.

    Item i has the cluster sets A(i) and B(i); an item in no cluster is its own singleton. For
    items i, j sharing a cluster in A, multiplicity precision is min(|A(i)∩A(j)|, |B(i)∩B(j)|) /
    |A(i)∩A(j)|; precision averages it over j and then over i; recall swaps A and B. Symmetric in
    the sense that swapping the annotators swaps precision and recall, so F1 does not change.
    """
    n = len(labels_a)
    if n == 0:
        return {"items": 0, "precision": None, "recall": None, "f1": None}
    a = [la or frozenset({f"\0single{i}"}) for i, la in enumerate(labels_a)]
    b = [lb or frozenset({f"\0single{i}"}) for i, lb in enumerate(labels_b)]

    def side(x: Sequence[frozenset[str]], y: Sequence[frozenset[str]]) -> float:
        total = 0.0
        for i in range(n):
            scores = [min(len(x[i] & x[j]), len(y[i] & y[j])) / len(x[i] & x[j]) for j in range(n) if x[i] & x[j]]
            total += sum(scores) / len(scores)
        return total / n

    p, r = side(a, b), side(b, a)
    return {"items": n, "precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}
