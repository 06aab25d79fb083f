"""Which annotation set of a document stands for it where one set is needed (build, show, stats), and
the clusters of a claim whichever schema version wrote it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def reference_set(doc: dict) -> dict | None:
    """The gold annotation set of a document, else its first one."""
    sets = doc.get("annotations", [])
    return next((s for s in sets if s["status"] == "gold"), sets[0] if sets else None)


def claim_clusters(claim: Mapping[str, Any]) -> list[str]:
    """The cluster ids of a claim, as a list, whichever schema wrote it: 1.0 has `cluster` (an id or
    null), 1.1 has `clusters` (a list). Every cluster reader goes through here."""
    if "clusters" in claim:
        return list(claim["clusters"] or [])
    return [claim["cluster"]] if claim.get("cluster") is not None else []
