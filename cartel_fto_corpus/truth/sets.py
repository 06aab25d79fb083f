"""Which annotation set of a document stands for it where one set is needed (build, show, stats)."""

from __future__ import annotations


def reference_set(doc: dict) -> dict | None:
    """The gold annotation set of a document, else its first one."""
    sets = doc.get("annotations", [])
    return next((s for s in sets if s["status"] == "gold"), sets[0] if sets else None)
