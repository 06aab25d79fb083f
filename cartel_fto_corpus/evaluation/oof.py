"""Out-of-fold label predictions with probabilities: every gold item labelled by a model that never
saw its document, for the review of likely label errors (`inspection.review`).

The model is the shipped `tfidf-lr` baseline's method (TF-IDF features, logistic regression, seed
`LR_SEED`), trained per fold on that fold's training documents only (`GoldCorpus.train_docs`), so
each document is predicted by the fold that tests it. It labels the *gold items* (the spans and
holder/target pairs are given, the labels are predicted), one classifier per labelled field:

- `entities.label`: the mention's words (character 2-4-grams within word boundaries, and words);
- `stances.label`: the `stance_classification` row's text, as `baselines.tfidf_stance`;
- `claims.type`, `claims.checkworthiness`: the claim's words (1-2-grams).

Stored as the corpus's own annotation files (`benchmarks/results/oof/<model>/<doc_id>.json`, valid
against `schema/annotation.schema.json`): the model is annotator `oof-<model>`, status `draft`
(never gold); only the fields above are the model's, every other field of an item (span, text,
holder, evidence, claimant, clusters) is copied from gold so the set is complete and valid.
Probabilities go to a sidecar, `benchmarks/results/oof/<model>.confidence.json`
({doc_id: {item id: {field: {label: p}}}}): the schema has no probability field, and an item's
`note` is free text for people, where a distribution over every label would be neither readable
nor checkable; the sidecar keeps the sets valid and the full distribution (what cleanlab needs).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cartel_fto_corpus.evaluation.baselines import _lr, _stance_text
from cartel_fto_corpus.evaluation.corpus import GoldCorpus, load_gold
from cartel_fto_corpus.truth.schema import label_set

MODEL = "tfidf-lr"
ANNOTATOR = f"oof-{MODEL}"
OOF_DIR = Path("benchmarks") / "results" / "oof"
#: (layer, field) -> the schema's label set it predicts
FIELDS = {
    ("entities", "label"): "entity_label",
    ("stances", "label"): "stance_label",
    ("claims", "type"): "claim_type",
    ("claims", "checkworthiness"): "checkworthiness",
}
#: share of probability spread evenly over every label, so no label has probability 0 (a class a
#: fold never saw in training still gets a small probability; cleanlab needs strictly positive rows)
SMOOTHING = 0.01


@dataclass
class OofDocument:
    doc_id: str
    #: the model's annotation set of this document (corpus schema)
    set: dict[str, Any]
    #: item id -> "layer.field" -> label -> probability
    confidence: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)


def _features(layer: str, item: dict[str, Any], row: dict[str, Any] | None) -> str:
    """What a field's classifier reads: a stance's row text (every gold stance is in one row), else the item's words."""
    return _stance_text(row) if layer == "stances" else item["text"]


def _vectorizer(layer: str) -> Any:
    """Character 2-4-grams within words and the words of a mention; `None`: the baselines' word 1-2-grams."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_union

    if layer != "entities":
        return None
    return make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True),
        TfidfVectorizer(lowercase=False, token_pattern=r"\S+"),
    )


def _distribution(classes: list[str], probs: list[float], labels: list[str]) -> dict[str, float]:
    raw = dict(zip(classes, probs, strict=True))
    k = len(labels)
    return {lab: round((1 - SMOOTHING) * float(raw.get(lab, 0.0)) + SMOOTHING / k, 6) for lab in labels}


def _items(corpus: GoldCorpus, doc_id: str, layer: str) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """The gold items of a layer with the row the stance model reads (stance_classification by stance id)."""
    doc = corpus.documents[doc_id]
    rows: dict[str, dict[str, Any]] = {}
    if layer == "stances":
        for r in doc.rows.get("stance_classification", []):
            for sid in r["stance_ids"]:
                rows[sid] = r
    return [(it, rows.get(it["id"])) for it in doc.gold.get(layer, [])]


def predict(corpus: GoldCorpus) -> dict[str, OofDocument]:
    """Every document's out-of-fold predictions (deterministic: fixed seed, documents and items in order)."""
    out: dict[str, OofDocument] = {}
    for doc_id, doc in corpus.documents.items():
        gold = doc.gold
        sset = {
            "annotator": ANNOTATOR,
            "guideline_version": gold["guideline_version"],
            "created": gold["updated"],
            "updated": gold["updated"],
            "status": "draft",
            "note": (
                f"Out-of-fold predictions of the {MODEL} review model (evaluation/oof.py), trained on the other folds' gold only: "
                "entity labels, stance labels, claim types and check-worthiness are the model's; spans, ids and every other "
                f"field are copied from gold. Probabilities: benchmarks/results/oof/{MODEL}.confidence.json."
            ),
            "entities": [dict(m) for m in gold["entities"]],
            "stances": [{k: v for k, v in st.items() if k != "note"} for st in gold["stances"]],
            "claims": [dict(c) for c in gold["claims"]],
        }
        out[doc_id] = OofDocument(doc_id, sset)
    for (layer, fld), set_name in FIELDS.items():
        labels = list(label_set(set_name))
        for k in range(corpus.folds):
            train = [(it, row) for d in corpus.train_docs(k) for it, row in _items(corpus, d, layer)]
            x_train = [_features(layer, it, row) for it, row in train]
            y_train = [it[fld] for it, _ in train]
            model = None
            if len(set(y_train)) > 1:
                model = _lr(x_train, y_train, _vectorizer(layer))
            for d in corpus.fold_docs(k):
                test = _items(corpus, d, layer)
                if not test:
                    continue
                if model is not None:
                    probs = model.predict_proba([_features(layer, it, row) for it, row in test]).tolist()
                    classes = [str(c) for c in model.classes_]
                else:
                    classes, probs = sorted(set(y_train)) or labels[:1], [[1.0]] * len(test)
                by_id = {it["id"]: it for it in out[d].set[layer]}
                for (it, _), p in zip(test, probs, strict=True):
                    dist = _distribution(classes, p, labels)
                    by_id[it["id"]][fld] = max(labels, key=lambda lab: (dist[lab], -labels.index(lab)))
                    out[d].confidence.setdefault(it["id"], {})[f"{layer}.{fld}"] = dist
    return out


def render_document(corpus: GoldCorpus, oof: OofDocument) -> str:
    gold = corpus.documents[oof.doc_id]
    doc = {
        "schema_version": gold.schema_version,
        "doc_id": oof.doc_id,
        "text_sha256": gold.entry["sha256"],
        "annotations": [oof.set],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def write(
    root: Path | str | None = None,
    out: Path | None = None,
    *,
    corpus: GoldCorpus | None = None,
    preds: dict[str, OofDocument] | None = None,
) -> list[Path]:
    """Predict (unless given) and store every document's set and the confidence sidecar; returns the files written."""
    from cartel_fto_corpus.truth.atomic import write_atomic

    corpus = corpus or load_gold(root)
    out = Path(out) if out is not None else corpus.root / OOF_DIR
    preds = preds if preds is not None else predict(corpus)
    written = []
    for doc_id, oof in preds.items():
        target = out / MODEL / f"{doc_id}.json"
        write_atomic(target, render_document(corpus, oof))
        written.append(target)
    side = out / f"{MODEL}.confidence.json"
    write_atomic(side, json.dumps({d: o.confidence for d, o in preds.items()}, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    written.append(side)
    return written
