"""Which gold labels are most likely wrong: a ranked review queue per layer, with a reason per item.

Sources: the gold set, the out-of-fold model (`evaluation.oof`: each document labelled by a model that
never saw it, with probabilities) and the annotators' pre-adjudication sets (aligned to gold by
`inspection.adjudicate.compare_document`, so the item ids are that module's stable unit ids).

Label layers (`entities.label`, `stances.label`, `claims.type`, `claims.checkworthiness`): each gold
item is a classification example whose given label is gold's.
- `sources="model"`: cleanlab's self-confidence label quality of the gold label under the model's
  out-of-fold probabilities (`cleanlab.rank.get_label_quality_scores`); `issue` is
  `cleanlab.filter.find_label_issues` (confident learning).
- `sources="all"` (default): CROWDLAB (`cleanlab.multiannotator.get_label_quality_multiannotator`)
  with the annotators and gold as columns of the label matrix and the model's probabilities; the
  score is 1 - CROWDLAB's quality of gold's own label (its column of the detailed quality), and
  `issue` says CROWDLAB's consensus label is not gold's. Gold is a column so that CROWDLAB weighs
  it like an annotator rather than trusting it.
Presence layers (`entities.presence`, `stances.presence`, `claims.presence`) are a documented rule,
as cleanlab has no span-level method (cleanlab#385): score = share of annotators whose set differs
from gold on whether the unit exists at all (a gold item none of them has, or an item most of them
have and gold lacks). The score is in [0, 1], higher is more suspect; ties go by id.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cartel_fto_corpus.evaluation.corpus import GoldCorpus, load_gold
from cartel_fto_corpus.evaluation.oof import ANNOTATOR as MODEL_ANNOTATOR
from cartel_fto_corpus.evaluation.oof import FIELDS, OofDocument, predict
from cartel_fto_corpus.inspection.adjudicate import Unit, compare_corpus
from cartel_fto_corpus.truth.layers import layer_names
from cartel_fto_corpus.truth.schema import label_set

LABEL_LAYERS = tuple(f"{layer}.{fld}" for layer, fld in FIELDS)
PRESENCE_LAYERS = tuple(f"{name}.presence" for name in layer_names())
LAYERS = LABEL_LAYERS + PRESENCE_LAYERS
SOURCES = ("all", "model")
GOLD_COLUMN = "gold"
#: the stored review (top items per layer, written by `cartel-fto review --write`), which the
#: DATASHEET block reads, so `stats` needs neither scikit-learn nor cleanlab
REVIEW_FILE = Path("benchmarks") / "results" / "oof" / "review.json"
#: items per layer kept in the stored review, and shown in DATASHEET.md
STORED_TOP = 10
DATASHEET_TOP = 3


@dataclass
class Suspect:
    """One gold decision that may be wrong, with every source's view of it."""

    #: stable: `<doc_id>/<unit id>/<field>` (unit ids as `cartel-fto adjudicate` names them)
    id: str
    layer: str
    doc_id: str
    unit: str
    #: the gold item's id (None for an item gold lacks)
    item: str | None
    anchor: str
    gold: str | None
    annotators: dict[str, str | None]
    #: the model's probability of each label (label layers only)
    model: dict[str, float] | None
    score: float
    #: cleanlab flags it as a label issue (label layers), or the rule's majority says so (presence)
    issue: bool
    reason: str = ""
    #: where the item is in the text, for the review queue in Label Studio
    span: tuple[int, int] | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Review:
    sources: str
    annotators: list[str]
    layers: dict[str, list[Suspect]] = field(default_factory=dict)

    def top(self, k: int) -> dict[str, list[Suspect]]:
        return {layer: items[:k] for layer, items in self.layers.items()}

    def as_dict(self, k: int | None = None) -> dict[str, Any]:
        layers = self.layers if k is None else self.top(k)
        return {
            "sources": self.sources,
            "model": MODEL_ANNOTATOR,
            "annotators": self.annotators,
            "layers": {layer: [s.as_dict() for s in items] for layer, items in layers.items()},
        }


def _annotators(corpus: GoldCorpus) -> list[str]:
    """The annotators gold was adjudicated from (its record), else every non-gold set's annotator."""
    records = (doc.gold.get("adjudication") or {} for doc in corpus.documents.values())
    named = list(dict.fromkeys(a for record in records for a in record.get("annotators", [])))
    return named or [a for a in corpus.annotators() if not a.startswith("oof-")]


def _span(layer: str, item: dict[str, Any] | None) -> tuple[int, int] | None:
    if not item:
        return None
    if layer == "stances":
        ev = item.get("evidence") or []
        return (ev[0]["start"], ev[0]["end"]) if ev else None
    return (item["start"], item["end"])


def _reason(gold: str | None, anns: dict[str, str | None], model: dict[str, float] | None, issue: bool) -> str:
    parts = [f"gold {gold or '(none)'}"]
    if anns:
        agree = [a for a, v in anns.items() if v == gold]
        differ = [f"{a} {v or '(none)'}" for a, v in anns.items() if v != gold]
        parts.append("annotators: " + (f"against gold: {', '.join(differ)}" if differ else "all agree"))
        if differ and agree:
            parts[-1] += f"; with gold: {', '.join(agree)}"
    if model:
        top = max(model, key=lambda lab: model[lab])
        parts.append(f"model {top} {model[top]:.2f}" + (f", gold's label {model.get(gold or '', 0.0):.2f}" if top != gold else ""))
    if issue:
        parts.append("cleanlab: not gold's label" if anns else "cleanlab: label issue")
    return "; ".join(parts)


def _label_scores(gold_idx: list[int], ann_rows: list[list[int | None]], annotators: list[str], probs: list[list[float]]):
    """(score, issue) per example: 1 - label quality of gold's label, and cleanlab's issue flag
    (CROWDLAB with `annotators` as columns beside gold; the model alone when there are none)."""
    import numpy as np
    import pandas as pd
    from cleanlab.filter import find_label_issues
    from cleanlab.multiannotator import get_label_quality_multiannotator
    from cleanlab.rank import get_label_quality_scores

    labels = np.asarray(gold_idx)
    pred = np.asarray(probs, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            issues = find_label_issues(labels, pred)
        except (ValueError, IndexError, ZeroDivisionError):
            issues = np.zeros(len(labels), dtype=bool)
        quality = None
        if annotators:
            cols = {a: [r[i] if r[i] is not None else np.nan for r in ann_rows] for i, a in enumerate(annotators)}
            cols[GOLD_COLUMN] = list(gold_idx)
            try:
                res = get_label_quality_multiannotator(
                    pd.DataFrame(cols, dtype=float), pred, verbose=False, return_annotator_stats=False, return_detailed_quality=True
                )
                quality, issues = (
                    res["detailed_label_quality"][f"quality_annotator_{GOLD_COLUMN}"].to_numpy(dtype=float),
                    res["label_quality"]["consensus_label"].to_numpy() != labels,
                )
            except (ValueError, IndexError, KeyError, ZeroDivisionError):
                pass
        if quality is None:
            quality = get_label_quality_scores(labels, pred)
    return [round(1.0 - float(q), 6) for q in quality], [bool(x) for x in issues]


def _suspect(
    key: str,
    doc_id: str,
    u: Unit,
    gold: str | None,
    views: dict[str, str | None],
    model: dict[str, float] | None,
    score: float,
    issue: bool,
) -> Suspect:
    """Unit `u` as a suspect of `key` (`<layer>.<field>`); gold is the unit's first side (`review` compares it first)."""
    layer, fld = key.split(".")
    g = next(iter(u.items.values()))
    reason = _reason(gold, views, model, issue and model is not None)
    if model is None and issue:
        reason += " (rule: more than half of the annotators differ)"
    return Suspect(
        id=f"{doc_id}/{u.id}/{fld}",
        layer=key,
        doc_id=doc_id,
        unit=u.id,
        item=g["id"] if g else None,
        anchor=u.anchor,
        gold=gold,
        annotators=views,
        model=model,
        score=score,
        issue=issue,
        reason=reason,
        span=_span(layer, g or next(it for it in u.items.values() if it)),
    )


def _ranked(items: list[Suspect]) -> list[Suspect]:
    return sorted(items, key=lambda s: (-s.score, s.id))


def review(
    root: Path | str | None = None, *, sources: str = "all", corpus: GoldCorpus | None = None, oof: dict[str, OofDocument] | None = None
) -> Review:
    """Rank every gold item of every layer by how likely its label (or existence) is wrong."""
    if sources not in SOURCES:
        raise ValueError(f"sources: expected one of {', '.join(SOURCES)}, found {sources!r}")
    corpus = corpus or load_gold(root)
    oof = oof if oof is not None else predict(corpus)
    anns = _annotators(corpus)
    gold_name = next(iter(corpus.documents.values())).gold["annotator"] if corpus.documents else "adjudicated"
    docs = [{"doc_id": d, "annotations": doc.sets} for d, doc in corpus.documents.items()]
    registry = json.loads((corpus.root / "annotations" / "registry.json").read_text(encoding="utf-8"))
    comps, _ = compare_corpus(docs, [gold_name, *anns], registry)
    have = [a for a in anns if any(a in c.annotators for c in comps)]
    out = Review(sources, have)
    for layer, fld in FIELDS:
        key = f"{layer}.{fld}"
        labels = list(label_set(FIELDS[(layer, fld)]))
        rows = [(comp.doc_id, u) for comp in comps for u in comp.units if u.layer == layer and u.items[gold_name] is not None]
        golds = [u.items[gold_name] for _, u in rows]
        views = [{a: (u.items.get(a) or {}).get(fld) for a in have} if sources == "all" else {} for _, u in rows]
        probs = [oof[doc_id].confidence[g["id"]][key] for (doc_id, _), g in zip(rows, golds, strict=True)]
        if not rows:
            out.layers[key] = []
            continue
        scores, issues = _label_scores(
            [labels.index(g[fld]) for g in golds],
            [[labels.index(v[a]) if v.get(a) in labels else None for a in have] for v in views],
            have if sources == "all" else [],
            [[p[lab] for lab in labels] for p in probs],
        )
        out.layers[key] = _ranked(
            [
                _suspect(key, doc_id, u, g[fld], v, p, score, issue)
                for (doc_id, u), g, v, p, score, issue in zip(rows, golds, views, probs, scores, issues, strict=True)
            ]
        )
    for key in PRESENCE_LAYERS:
        layer = key.removesuffix(".presence")
        items = []
        for comp in comps if sources == "all" else []:
            present = [a for a in have if a in comp.annotators]
            for u in (u for u in comp.units if u.layer == layer and present):
                g = u.items[gold_name]
                differ = [a for a in present if (u.items.get(a) is None) != (g is None)]
                if differ:
                    score = round(len(differ) / len(present), 6)
                    views = {a: ("present" if u.items.get(a) else None) for a in present}
                    items.append(_suspect(key, comp.doc_id, u, "present" if g else None, views, None, score, score > 0.5))
        out.layers[key] = _ranked(items)
    return out


def render_text(rv: Review, k: int) -> str:
    lines = [f"review of gold ({'model + ' + ', '.join(rv.annotators) if rv.sources == 'all' else 'model only'}); top {k} per layer"]
    for layer, items in rv.top(k).items():
        lines.append(f"\n{layer} ({len(rv.layers[layer])} items)")
        for i, s in enumerate(items, 1):
            flag = " !" if s.issue else ""
            lines.append(f'{i:3d}. {s.score:.3f}{flag} {s.id}  "{_short(s.anchor)}"')
            lines.append(f"       {s.reason}")
    return "\n".join(lines) + "\n"


def _short(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def render_stored(rv: Review) -> str:
    """The review as stored in `REVIEW_FILE`: the top `STORED_TOP` items per layer, and per layer
    how many items were ranked and how many cleanlab (or the presence rule) flags."""
    out = rv.as_dict(STORED_TOP)
    out["counts"] = {layer: {"items": len(items), "flagged": sum(s.issue for s in items)} for layer, items in rv.layers.items()}
    return json.dumps(out, ensure_ascii=False, indent=1) + "\n"


REVIEW_COLUMNS = ("layer", "items", "flagged", "rank", "item", "text", "gold", "against gold", "score")


def datasheet_rows(data: dict[str, Any], k: int = DATASHEET_TOP) -> list[tuple[str, ...]]:
    """The DATASHEET table from a stored review: the top `k` items of each layer with what disagrees."""
    rows: list[tuple[str, ...]] = []
    for layer, items in data["layers"].items():
        count = data["counts"][layer]
        if not items:
            rows.append((layer, str(count["items"]), str(count["flagged"]), "-", "-", "-", "-", "-", "-"))
        for i, it in enumerate(items[:k], 1):
            against = [f"{a} {v or '(none)'}" for a, v in it["annotators"].items() if v != it["gold"]]
            if it["model"]:
                top = max(it["model"], key=lambda lab: it["model"][lab])
                if top != it["gold"]:
                    against.append(f"model {top} {it['model'][top]:.2f}")
            head = (layer, str(count["items"]), str(count["flagged"])) if i == 1 else ("", "", "")
            shown = (f"{it['doc_id'][:3]} {it['unit']}", _short(it["anchor"], 40), it["gold"] or "(none)", ", ".join(against) or "-")
            rows.append((*head, str(i), *shown, f"{it['score']:.3f}"))
    return rows
