"""Evaluation results as text (a table per task: metrics by fold, the official one first) or JSON."""

from __future__ import annotations

import json
from typing import Any

from cartel_fto_corpus.publish.tasks import METRIC_NAMES, TASKS


def cell(v: dict[str, Any]) -> str:
    lo, hi = v["ci95"]
    return f"{v['value']:.3f} [{lo:.3f}, {hi:.3f}]"


def render_text(result: dict[str, Any]) -> str:
    lines = [f"system: {result['system']}  (95% intervals: {result['resamples']} bootstrap resamples of documents, seed {result['seed']})"]
    for name, res in result["tasks"].items():
        t = TASKS[name]
        scopes = list(res["scores"])
        off = res["scores"]["all"][t.official]
        lines += ["", f"{name}: official {METRIC_NAMES[t.official]} = {cell(off)}"]
        header = ["metric", *(("all folds" if s == "all" else s) for s in scopes)]
        rows = [
            [METRIC_NAMES[m] + (" (official)" if m == t.official else ""), *(cell(res["scores"][s][m]) for s in scopes)] for m in t.metrics
        ]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for r in [header, *rows]:
            lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        docs = "; ".join(f"{s}: {', '.join(d.split('_')[0] for d in res['documents'][s])}" for s in scopes if s != "all")
        lines.append(f"  test documents: {docs}")
        if "comparison" in res:
            c = res["comparison"]
            lines.append(
                f"  vs {c['against']}: difference {c['difference']:+.3f} in {METRIC_NAMES[t.official]}, "
                f"paired bootstrap p = {c['p_value']:.3f} ({c['resamples']} resamples), "
                f"approximate randomisation p = {c['ar_p_value']:.3f}"
            )
    return "\n".join(lines) + "\n"


def render(result: dict[str, Any], fmt: str) -> str:
    return json.dumps(result, indent=2, ensure_ascii=False) + "\n" if fmt == "json" else render_text(result)
