"""Semantic checks added with guidelines and schema 1.1 (issue 10), as pure functions.

They live apart from `validate.py` so that the rules of one guideline version can be read (and
ported) in one place; `validate.py` calls them and turns their (pointer, code, message) triples
into `Problem`s. Each check is a rule of GUIDELINES.md 1.1 that a program can decide:

- a claim only joins clusters of its own kind (4.6): factual clusters hold check_worthy or
  unimportant_factual claims, non_factual clusters hold non_factual claims;
- an opinion claim is non_factual (4.4);
- a cluster's discrepancies cite only articles that have a member claim (4.6);
- a QID has a qid_source and only a QID has one (2.5);
- the author's stance evidence is in the author's voice: it does not overlap the span of a claim
  whose claimant is someone else, i.e. an actor's reported content (3.3).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

#: An article is cited by its three-digit number standing alone: not part of a longer number
#: ("10,000", "14157", "2017") nor of a word or id.
ARTICLE_CITATION = re.compile(r"(?<![\w.,])\d{3}(?!\w|[.,]\d)")

Triple = tuple[str, str, str]


def article_number(doc_id: str) -> str:
    """The number an article is cited by: the doc id's prefix before the first underscore."""
    return doc_id.split("_", 1)[0]


def claim_kind(claim: dict[str, Any]) -> str:
    """The cluster kind a claim belongs to, from its check-worthiness."""
    return "non_factual" if claim["checkworthiness"] == "non_factual" else "factual"


def cluster_kind_problem(claim: dict[str, Any], cluster: dict[str, Any]) -> str | None:
    """A message if the claim's kind differs from the cluster's kind, else None."""
    kind = claim_kind(claim)
    if cluster["kind"] == kind:
        return None
    return f"expected a cluster of kind {kind} for a {claim['checkworthiness']} claim, found {cluster['id']!r} of kind {cluster['kind']}"


def opinion_problem(claim: dict[str, Any]) -> str | None:
    """A message if an opinion claim is not non_factual, else None."""
    if claim["type"] == "opinion" and claim["checkworthiness"] != "non_factual":
        return f"expected non_factual for an opinion claim, found {claim['checkworthiness']!r}"
    return None


def proposed_qid_problem(entity: dict[str, Any]) -> str | None:
    """A message if an entity proposed in Label Studio carries a QID (the schema: qid null until a
    maintainer checks it and removes `proposed`), else None."""
    if entity.get("proposed") and entity["qid"] is not None:
        return f"expected null (a proposed entity has no QID until a maintainer accepts it), found {entity['qid']}"
    return None


def qid_source_problem(entity: dict[str, Any]) -> str | None:
    """A message if qid and qid_source are not both null or both set, else None."""
    has_qid, has_source = entity["qid"] is not None, entity["qid_source"] is not None
    if has_qid and not has_source:
        return f"expected a qid_source saying how {entity['qid']} was confirmed, found null"
    if has_source and not has_qid:
        return "expected null (the entity has no QID), found a qid_source"
    return None


def discrepancy_problems(reg: dict[str, Any], cluster_docs: dict[str, set[str]]) -> Iterator[Triple]:
    """Clusters whose discrepancies cite an article without a member claim of the cluster."""
    for i, cluster in enumerate(reg["clusters"]):
        text = cluster["discrepancies"]
        if not text:
            continue
        members = cluster_docs.get(cluster["id"], set())
        cited = dict.fromkeys(m.group(0) for m in ARTICLE_CITATION.finditer(text))
        for number in cited:
            if number not in members:
                listed = ", ".join(sorted(members)) or "none"
                yield (
                    f"/clusters/{i}/discrepancies",
                    "discrepancy-citation",
                    f"expected citations only of articles with a member claim ({listed}), found {number}",
                )


def _overlaps(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a["start"] < b["end"] and b["start"] < a["end"]


def author_evidence_problems(base: str, aset: dict[str, Any]) -> Iterator[Triple]:
    """Evidence of an author stance that overlaps an actor's (non-authorial) claim span."""
    reported = [c for c in aset["claims"] if c["claimant"]["kind"] != "author"]
    if not reported:
        return
    for j, st in enumerate(aset["stances"]):
        if st["holder"]["kind"] != "author":
            continue
        for k, ev in enumerate(st["evidence"]):
            claim = next((c for c in reported if _overlaps(ev, c)), None)
            if claim is None:
                continue
            who = claim["claimant"].get("entity") or claim["claimant"].get("description", "")
            yield (
                f"{base}/stances/{j}/evidence/{k}",
                "author-evidence-in-reported-speech",
                f"expected author evidence in the article's own voice, found {ev['start']}:{ev['end']} inside claim "
                f"{claim['id']} ({claim['start']}:{claim['end']}), the reported content of {who!r}",
            )
