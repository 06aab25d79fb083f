"""The report of `cartel-fto agreement` and of the datasheet's agreement tables.

Source `deliveries` (the default): the sealed deliveries in `annotations/independent/*/` as
delivered, each with its own registry (`deliveries.py`; legacy unsealed ones only when asked).
Source `files`: the annotators' sets in the annotation files (adjudicated sets left out), which
is how release 0.2's figures were measured; kept to compare with them. Figures and their unit
definitions: `reliability.py`. When fewer than two annotators share a document, the report says
so in words instead of giving a number.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from cartel_fto_corpus.checks.problems import Problem
from cartel_fto_corpus.inspection.deliveries import load_deliveries
from cartel_fto_corpus.inspection.reliability import (
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    UNIT_DEFINITIONS,
    compute_reliability,
    document_units,
    framing,
)
from cartel_fto_corpus.truth.paths import CorpusPaths

SOURCES = ("deliveries", "files")


def agreement_report(
    paths: CorpusPaths,
    source: str = "deliveries",
    include_legacy: bool = False,
    only: Iterable[str] | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> tuple[dict[str, Any], list[Problem]]:
    """(the report, problems that forbid computing it: a delivery failing its seal checks)."""
    keep = set(only) if only is not None else None
    kinds: list[str] = []
    out: dict[str, Any] = {"source": source}
    if source == "deliveries":
        deliveries, problems = load_deliveries(paths, include_legacy)
        if problems:
            return {}, problems
        deliveries = [d for d in deliveries if keep is None or d.set_id in keep]
        out["deliveries"] = [d.describe() for d in deliveries]
        sets_by_doc: dict[str, dict[str, Any]] = {}
        for d in deliveries:
            for doc_id, s in d.sets.items():
                sets_by_doc.setdefault(doc_id, {})[d.set_id] = s
            kinds.append(d.seal["annotator"]["kind"] if d.seal else "unrecorded (legacy, no seal)")
        units = document_units(sets_by_doc, None, {d.set_id: d.registry for d in deliveries})
    else:
        from cartel_fto_corpus.inspection.agreement import load_documents, load_registry, versions

        sets_by_doc = {doc["doc_id"]: versions(doc, keep) for doc in load_documents(paths)}
        units = document_units(sets_by_doc, load_registry(paths))
    shared = [du for du in units if len(du.annotators) >= 2]
    names = sorted({a for v in sets_by_doc.values() for a in v})
    out["known_annotators"] = names
    if not shared:
        out |= {"status": "not_computable", "documents": len(sets_by_doc), "annotators": names, "message": not_computable_message(out)}
        return out, []
    out["status"] = "computed"
    out |= compute_reliability(units, resamples, seed)
    out["framing"] = framing(out["documents"], out["annotators"], kinds if len(kinds) == len(out["annotators"]) else [])
    return out, []


def not_computable_message(report: dict[str, Any]) -> str:
    if report["source"] == "deliveries":
        got = ", ".join(d["set_id"] for d in report.get("deliveries", [])) or "none"
        return (
            f"Not computable: agreement needs two or more sealed deliveries of the same documents in annotations/independent/ "
            f"(counted: {got}; a legacy unsealed delivery counts only with --include-legacy), so no figure is reported."
        )
    return "Not computable: no document has two or more annotators' sets (adjudicated sets not counted), so no figure is reported."


def fmt(x: float | None) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"


def fmt_ci(ci: list[float] | None) -> str:
    return "-" if ci is None else f"[{ci[0]:.3f}, {ci[1]:.3f}]"


LAYER_TITLES = {
    "entities": "Entity mentions",
    "stances": "Stances",
    "claims": "Claims",
    "clusters": "Claim clusters (extended B-cubed F1)",
}


def print_report(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if report["status"] != "computed":
        console.print(report["message"], highlight=False)
        return
    src = (
        "sealed deliveries in annotations/independent/ as delivered"
        if report["source"] == "deliveries"
        else "the annotators' sets in the annotation files (adjudicated sets left out)"
    )
    b = report["bootstrap"]
    console.print(f"Agreement from {src}: {', '.join(report['annotators'])}; {report['documents']} documents.", highlight=False)
    console.print(report["framing"], highlight=False)
    console.print(f"Intervals: {b['interval']} bootstrap over documents, {b['resamples']} resamples, seed {b['seed']}.", highlight=False)
    for name, text in UNIT_DEFINITIONS.items():
        console.print(f"  {name}: {text}", highlight=False)
    for layer, title in LAYER_TITLES.items():
        t = Table(title=title, title_justify="left")
        for col in ("figure", "units", "unit", "annotators", "value", "95% CI", "n", "note"):
            t.add_column(col, justify="right" if col in {"value", "n"} else "left")
        for f in (f for f in report["figures"] if f["layer"] == layer):
            cells = (f["figure"], f["units"], f["unit"], f["annotators"], fmt(f["value"]), fmt_ci(f["ci95"]), str(f["n"]))
            t.add_row(*cells, f.get("reason") or "")
        console.print(t)
