"""The agreement and adjudication tables of `cartel-fto stats` and DATASHEET.md.

`stats.compute_stats` stores `agreement_report(...)` (agreement_report.py: the sealed deliveries, both unit
definitions, bootstrap intervals) and `adjudication_summary(...)`
(from the adjudication records in the files) in its result; `agreement_tables` renders them as
(name, title, columns, rows) for `stats.stats_tables`, so the datasheet's agreement figures are
generated from the files and checked for staleness like every other table. On single-annotated
data the tables say so in words instead of printing a number.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from cartel_fto_corpus.inspection.agreement_report import fmt, fmt_ci
from cartel_fto_corpus.truth.layers import count_items

Rows = tuple[tuple[str, ...], ...]


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
                    "items": count_items(s),
                }
            )
    return sorted(out, key=lambda e: (e["doc_id"], e["annotator"]))


def _summary_rows(ag: Mapping[str, Any]) -> Rows:
    """Who was compared, the framing, then every all-annotator figure (alpha over all annotators; F1 and
    B-cubed as the mean over pairs) with its unit definition and 95% bootstrap interval."""
    dels = ag.get("deliveries", [])
    counted = ", ".join(d["set_id"] + ("" if d["sealed"] else " (legacy, unsealed)") for d in dels) or "none"
    rows: list[tuple[str, ...]] = [("deliveries compared", "", "", "", counted, "", "", "")]
    if ag["status"] != "computed":
        rows.append(("agreement", "", "", "", ag["message"], "", "", ""))
        return tuple(rows)
    b = ag["bootstrap"]
    boot = f"{b['interval']} bootstrap over documents, {b['resamples']} resamples, seed {b['seed']}"
    rows.append(("documents", "", "", "", str(ag["documents"]), "", boot, ""))
    rows.append(("framing", "", "", "", ag["framing"], "", "", ""))
    for f in ag["figures"]:
        if f["annotators"] not in ("all", "mean of pairs"):
            continue
        rows.append((f["layer"], f["figure"], f["units"], f["unit"], f["annotators"], fmt(f["value"]), fmt_ci(f["ci95"]), str(f["n"])))
    return tuple(rows)


def _entity_rows(ag: Mapping[str, Any]) -> Rows:
    if ag["status"] != "computed" or not ag.get("entity_labels"):
        return (("-", "-", "-", "-", "-"),)
    labs = ag["entity_labels"]
    rows = [(lab, str(c["spans_a"]), str(c["spans_b"]), fmt(c["exact_f1"]), fmt(c["overlap_f1"])) for lab, c in labs.items()]
    return tuple(rows)


def _adjudication_rows(adj: list[Mapping[str, Any]]) -> Rows:
    if not adj:
        return (("-", "no adjudicated set", "-", "-", "-", "-", "-"),)

    def row(document: str, aset: str, entries: list[Mapping[str, Any]], took: Iterable[tuple[str, int]]) -> tuple[str, ...]:
        units, agreed, value, items = (str(sum(e[k] for e in entries)) for k in ("units", "agreed", "value", "items"))
        return (document, aset, units, agreed, ", ".join(f"{a} {n}" for a, n in took), value, items)

    total = Counter[str]()
    for e in adj:
        total.update(e["took"])
    rows = [row(e["doc_id"].split("_", 1)[0], f"{e['annotator']} ({e['status']})", [e], e["took"].items()) for e in adj]
    return (*rows, row("total", "", adj, sorted(total.items())))


def agreement_tables(stats: Mapping[str, Any]) -> list[tuple[str, str, tuple[str, ...], Rows]]:
    """(name, title, columns, rows) of the agreement summary, per-label entity F1, and adjudication tables."""
    ag = stats["agreement"]
    return [
        (
            "agreement",
            "Inter-annotator agreement of the sealed deliveries before adjudication (cartel-fto agreement; pairwise figures there)",
            ("layer", "figure", "units", "unit", "annotators", "value", "95% CI", "n"),
            _summary_rows(ag),
        ),
        (
            "agreement_entities",
            "Entity span F1 per label (sealed deliveries, pooled over documents and pairs of annotators)",
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
