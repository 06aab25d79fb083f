"""The agreement and adjudication tables of `cartel-fto stats` and DATASHEET.md.

`stats.compute_stats` stores `compute_agreement(...)` (agreement.py) and `adjudication_summary(...)`
(from the adjudication records in the files) in its result; `agreement_tables` renders them as
(name, title, columns, rows) for `stats.stats_tables`, so the datasheet's agreement figures are
generated from the files and checked for staleness like every other table. On single-annotated
data the tables say so in words instead of printing a number.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

Rows = tuple[tuple[str, ...], ...]
NOT_COMPUTABLE = "not computable: no document has two or more annotators' sets (adjudicated sets not counted)"


def _f3(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def adjudication_summary(docs: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One entry per adjudicated set in the files: what its record says was agreed and decided."""
    out = []
    for doc in docs:
        for s in doc["annotations"]:
            rec = s.get("adjudication")
            if rec is None:
                continue
            units = rec["units"]
            took = Counter(u["took"] for u in units if u["decision"] == "side")
            out.append(
                {
                    "doc_id": doc["doc_id"],
                    "annotator": s["annotator"],
                    "status": s["status"],
                    "compared": list(rec["annotators"]),
                    "units": len(units),
                    "agreed": sum(1 for u in units if u["decision"] == "agreed"),
                    "took": {a: took[a] for a in rec["annotators"]},
                    "value": sum(1 for u in units if u["decision"] == "value"),
                    "items": sum(len(s[layer]) for layer in ("entities", "stances", "claims")),
                }
            )
    return sorted(out, key=lambda e: (e["doc_id"], e["annotator"]))


def _summary_rows(ag: Mapping[str, Any]) -> Rows:
    rows: list[tuple[str, ...]] = [
        (
            "documents with two or more annotators",
            f"{ag['multi_annotated_documents']} of {ag['documents']}",
            "adjudicated sets not counted",
        ),
        ("annotators compared", ", ".join(ag["annotators"]) or "-", ""),
    ]
    if ag["status"] != "multi_annotated":
        rows.append(("agreement", NOT_COMPUTABLE, ""))
        return tuple(rows)
    ent, cl = ag["entities"], ag["claims"]

    def f1(c: Mapping[str, Any]) -> tuple[str, str]:
        return _f3(c["f1"]), f"{c['matched']} matched of {c['spans_a']} + {c['spans_b']} spans"

    def alpha(r: Mapping[str, Any], unit: str) -> tuple[str, str]:
        return _f3(r["alpha"]), f"{r['pairable_units']} units ({unit})" + (f"; {r['reason']}" if r["reason"] else "")

    cs = ag["clusters"]
    pairs = "; ".join(f"{' / '.join(p['annotators'])}: P {_f3(p['precision'])}, R {_f3(p['recall'])}" for p in cs["by_pair"])
    rows += [
        ("document-annotator pairs compared", str(ag["pairs"]), ""),
        ("entity span F1, exact", *f1(ent["exact"]["all"])),
        ("entity span F1, overlap", *f1(ent["overlap"]["all"])),
        ("entity label alpha", *alpha(ag["entity_label"], "spans marked exactly by both")),
        ("stance label alpha", *alpha(ag["stance"], "document, holder, target")),
        ("claim span F1, exact", *f1(cl["exact"])),
        ("claim span F1, overlap", *f1(cl["overlap"])),
        ("check-worthiness alpha, same span", *alpha(ag["checkworthiness"], "claim spans marked exactly alike")),
        ("check-worthiness alpha, aligned claims", *alpha(ag["checkworthiness_aligned"], "claims aligned by span overlap")),
        ("cluster B-cubed F1", _f3(cs["f1"]), f"{cs['items']} aligned claims; {pairs}"),
    ]
    return tuple(rows)


def _entity_rows(ag: Mapping[str, Any]) -> Rows:
    if ag["status"] != "multi_annotated":
        return (("-", "-", "-", "-", "-"),)
    ex, ov = ag["entities"]["exact"], ag["entities"]["overlap"]
    rows = [(lab, str(c["spans_a"]), str(c["spans_b"]), _f3(c["f1"]), _f3(ov["by_label"][lab]["f1"])) for lab, c in ex["by_label"].items()]
    a = ex["all"]
    rows.append(("all", str(a["spans_a"]), str(a["spans_b"]), _f3(a["f1"]), _f3(ov["all"]["f1"])))
    return tuple(rows)


def _adjudication_rows(adj: list[Mapping[str, Any]]) -> Rows:
    if not adj:
        return (("-", "no adjudicated set", "-", "-", "-", "-", "-"),)
    rows = []
    for e in adj:
        took = ", ".join(f"{a} {n}" for a, n in e["took"].items())
        rows.append(
            (
                e["doc_id"].split("_", 1)[0],
                f"{e['annotator']} ({e['status']})",
                str(e["units"]),
                str(e["agreed"]),
                took,
                str(e["value"]),
                str(e["items"]),
            )
        )
    tot = Counter[str]()
    for e in adj:
        tot.update(e["took"])
    rows.append(
        (
            "total",
            "",
            str(sum(e["units"] for e in adj)),
            str(sum(e["agreed"] for e in adj)),
            ", ".join(f"{a} {n}" for a, n in sorted(tot.items())),
            str(sum(e["value"] for e in adj)),
            str(sum(e["items"] for e in adj)),
        )
    )
    return tuple(rows)


def agreement_tables(stats: Mapping[str, Any]) -> list[tuple[str, str, tuple[str, ...], Rows]]:
    """(name, title, columns, rows) of the agreement summary, per-label entity F1, and adjudication tables."""
    ag = stats["agreement"]
    return [
        (
            "agreement",
            "Inter-annotator agreement before adjudication (cartel-fto agreement)",
            ("figure", "value", "basis"),
            _summary_rows(ag),
        ),
        (
            "agreement_entities",
            "Entity span F1 per label (pooled over document-annotator pairs)",
            ("label", "spans A", "spans B", "exact F1", "overlap F1"),
            _entity_rows(ag),
        ),
        (
            "adjudication",
            "Adjudicated sets (from their adjudication records)",
            ("document", "set", "units", "agreed", "decided: took", "decided: explicit value", "items"),
            _adjudication_rows(stats.get("adjudication", [])),
        ),
    ]
