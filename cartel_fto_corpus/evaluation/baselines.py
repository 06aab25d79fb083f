"""Baselines of every task, trained per fold on that fold's train and validation documents only, and
their predictions written as row files under `benchmarks/results/<task>/<system>.jsonl`.

`python -m cartel_fto_corpus.evaluation.baselines` (or `cartel-fto baselines`) re-trains all of them;
nothing is downloaded. Deterministic: fixed seeds, documents and rows in id order; the spaCy NER
model is seed-sensitive, so it is trained with each of `SPACY_SEEDS` and the table reports the mean
and the spread over seeds. Needs the `benchmark` extra (spaCy, scikit-learn).

Systems, each leak-free (a fold's model sees only `GoldCorpus.train_docs(k)`, and the gazetteer and
the linking prior come from `train_registry(k)`, the registry entities mentioned there):
- ner: `gazetteer` (longest match of training mention strings), `spacy-blank` (spaCy NER from a
  blank English pipeline, few epochs);
- linking: `prior` (the entity a surface string most often links to in training, else the most
  frequent training entity);
- stance: `majority` (the most frequent training label), `tfidf-lr` (TF-IDF of holder, evidence and
  target name; logistic regression);
- claims: `every-sentence` (each sentence is a claim by the author);
- checkworthiness: `prior` (every sentence the training rate: ties keep text order), `lead`
  (earlier sentences first), `tfidf-lr`;
- clusters: `singletons`, `tfidf-cosine` (claims linked at cosine >= 0.5 of word TF-IDF, connected
  components, within the test documents).
"""

from __future__ import annotations

import json
import random
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cartel_fto_corpus.evaluation.corpus import GoldCorpus, load_gold
from cartel_fto_corpus.publish.tokenize import tokenize
from cartel_fto_corpus.truth.unionfind import UnionFind

SPACY_SEEDS = (0, 1, 2)
SPACY_EPOCHS = 8
LR_SEED = 0
COSINE_LINK = 0.5
RESULTS = Path("benchmarks") / "results"


def _rows(corpus: GoldCorpus, config: str, docs: list[str]) -> list[dict[str, Any]]:
    return [r for d in docs for r in corpus.documents[d].rows.get(config, [])]


# --- ner ---------------------------------------------------------------------------------------------


def gazetteer_ner(corpus: GoldCorpus) -> Iterator[dict[str, Any]]:
    for k in range(corpus.folds):
        names: dict[tuple[str, ...], Counter] = {}
        for r in _rows(corpus, "mentions", corpus.train_docs(k)):
            key = tuple(t.text for t in tokenize(r["text"]))
            names.setdefault(key, Counter())[r["label"]] += 1
        longest = max((len(n) for n in names), default=0)
        for row in _rows(corpus, "ner", corpus.fold_docs(k)):
            toks, tags, i = row["tokens"], ["O"] * len(row["tokens"]), 0
            while i < len(toks):
                for n in range(min(longest, len(toks) - i), 0, -1):
                    c = names.get(tuple(toks[i : i + n]))
                    if c:
                        label = sorted(c.items(), key=lambda x: (-x[1], x[0]))[0][0]
                        tags[i : i + n] = [f"B-{label}"] + [f"I-{label}"] * (n - 1)
                        i += n
                        break
                else:
                    i += 1
            yield {"id": row["id"], "fold": k, "predicted_tags": tags}


def spacy_ner(corpus: GoldCorpus, seed: int) -> Iterator[dict[str, Any]]:
    import spacy
    from spacy.tokens import Doc
    from spacy.training import Example, biluo_tags_to_spans, iob_to_biluo
    from spacy.util import fix_random_seed, minibatch

    for k in range(corpus.folds):
        fix_random_seed(seed)
        nlp = spacy.blank("en")
        ner = nlp.add_pipe("ner")
        train = _rows(corpus, "ner", corpus.train_docs(k))
        examples = []
        for row in train:
            doc = Doc(nlp.vocab, words=row["tokens"])
            ref = Doc(nlp.vocab, words=row["tokens"])
            ref.ents = biluo_tags_to_spans(ref, iob_to_biluo(row["ner_tags"]))
            for t in row["ner_tags"]:
                if t != "O":
                    ner.add_label(t[2:])
            examples.append(Example(doc, ref))
        nlp.initialize(lambda examples=examples: examples)
        rng = random.Random(seed)
        for _epoch in range(SPACY_EPOCHS):
            rng.shuffle(examples)
            for batch in minibatch(examples, size=8):
                nlp.update(batch, drop=0.2)
        for row in _rows(corpus, "ner", corpus.fold_docs(k)):
            doc = nlp(Doc(nlp.vocab, words=row["tokens"]))
            tags = [f"{t.ent_iob_}-{t.ent_type_}" if t.ent_iob_ in ("B", "I") else "O" for t in doc]
            yield {"id": row["id"], "fold": k, "predicted_tags": tags}


# --- linking -----------------------------------------------------------------------------------------


def prior_linking(corpus: GoldCorpus) -> Iterator[dict[str, Any]]:
    for k in range(corpus.folds):
        train = _rows(corpus, "mentions", corpus.train_docs(k))
        reg = corpus.train_registry(k)
        by_text: dict[str, Counter] = {}
        for r in train:
            by_text.setdefault(r["text"].lower(), Counter())[r["entity"]] += 1
        overall = Counter(r["entity"] for r in train)
        top = sorted(overall.items(), key=lambda x: (-x[1], x[0]))[0][0] if overall else None
        for r in _rows(corpus, "mentions", corpus.fold_docs(k)):
            c = by_text.get(r["text"].lower())
            ent = sorted(c.items(), key=lambda x: (-x[1], x[0]))[0][0] if c else top
            yield {"id": r["id"], "fold": k, "predicted_entity": ent, "predicted_qid": reg.get(ent or "", {}).get("qid")}


# --- stance and check-worthiness: majority / prior, TF-IDF + logistic regression ---------------------


def _stance_text(r: dict[str, Any]) -> str:
    return f"{r['text']} [target] {r['target_name']}"


def majority_stance(corpus: GoldCorpus) -> Iterator[dict[str, Any]]:
    for k in range(corpus.folds):
        c = Counter(r["label"] for r in _rows(corpus, "stance_classification", corpus.train_docs(k)))
        label = sorted(c.items(), key=lambda x: (-x[1], x[0]))[0][0]
        for r in _rows(corpus, "stance_classification", corpus.fold_docs(k)):
            yield {"id": r["id"], "fold": k, "predicted_label": label}


def _lr(texts: list[str], labels: list[Any], vectorizer: Any = None):
    """Logistic regression (seed `LR_SEED`) over `vectorizer`'s features, by default TF-IDF of word 1-2-grams; fitted."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    vectorizer = vectorizer or TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)
    return make_pipeline(vectorizer, LogisticRegression(max_iter=2000, random_state=LR_SEED)).fit(texts, labels)


def tfidf_stance(corpus: GoldCorpus) -> Iterator[dict[str, Any]]:
    for k in range(corpus.folds):
        train = _rows(corpus, "stance_classification", corpus.train_docs(k))
        model = _lr([_stance_text(r) for r in train], [r["label"] for r in train])
        test = _rows(corpus, "stance_classification", corpus.fold_docs(k))
        for r, p in zip(test, model.predict([_stance_text(r) for r in test]), strict=True):
            yield {"id": r["id"], "fold": k, "predicted_label": str(p)}


def _sentences(corpus: GoldCorpus, docs: list[str]) -> list[dict[str, Any]]:
    return [r for r in _rows(corpus, "sentences", docs) if not r["repeated"]]


def prior_checkworthiness(corpus: GoldCorpus) -> Iterator[dict[str, Any]]:
    for k in range(corpus.folds):
        train = _sentences(corpus, corpus.train_docs(k))
        rate = sum(r["check_worthy"] for r in train) / len(train)
        for r in _sentences(corpus, corpus.fold_docs(k)):
            yield {"id": r["id"], "fold": k, "score": round(rate, 6), "predicted_label": rate >= 0.5}


def lead_checkworthiness(corpus: GoldCorpus) -> Iterator[dict[str, Any]]:
    for k in range(corpus.folds):
        for d in corpus.fold_docs(k):
            rows = _sentences(corpus, [d])
            for i, r in enumerate(rows):
                score = round(1 - i / len(rows), 6)
                yield {"id": r["id"], "fold": k, "score": score, "predicted_label": score > 0.5}


def tfidf_checkworthiness(corpus: GoldCorpus) -> Iterator[dict[str, Any]]:
    for k in range(corpus.folds):
        train = _sentences(corpus, corpus.train_docs(k))
        model = _lr([r["text"] for r in train], [int(r["check_worthy"]) for r in train])
        test = _sentences(corpus, corpus.fold_docs(k))
        probs = model.predict_proba([r["text"] for r in test])[:, list(model.classes_).index(1)]
        for r, p in zip(test, probs, strict=True):
            yield {"id": r["id"], "fold": k, "score": round(float(p), 6), "predicted_label": bool(p >= 0.5)}


# --- claims and clusters -----------------------------------------------------------------------------


def every_sentence_claims(corpus: GoldCorpus) -> Iterator[dict[str, Any]]:
    for k in range(corpus.folds):
        for r in _rows(corpus, "sentences", corpus.fold_docs(k)):
            yield {"doc_id": r["doc_id"], "fold": k, "start": r["start"], "end": r["end"], "claimant_kind": "author"}


def _claims(corpus: GoldCorpus, docs: list[str]) -> list[dict[str, Any]]:
    return [r for r in _rows(corpus, "claims", docs) if r["copy_of"] is None]


def singleton_clusters(corpus: GoldCorpus) -> Iterator[dict[str, Any]]:
    for k in range(corpus.folds):
        for r in _claims(corpus, corpus.fold_docs(k)):
            yield {"id": r["id"], "fold": k, "predicted_clusters": []}


def tfidf_clusters(corpus: GoldCorpus) -> Iterator[dict[str, Any]]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    for k in range(corpus.folds):
        rows = _claims(corpus, corpus.fold_docs(k))
        sim = cosine_similarity(TfidfVectorizer().fit_transform([r["claim"] for r in rows])) if rows else []
        uf = UnionFind()
        for i in range(len(rows)):
            for j in range(i + 1, len(rows)):
                if sim[i][j] >= COSINE_LINK:
                    uf.union(i, j)
        for i, r in enumerate(rows):
            yield {"id": r["id"], "fold": k, "predicted_clusters": [f"c{uf.find(i)}"]}


#: task -> system -> producer; a system with seeds is stored once per seed (`<system>-seed<n>`).
SYSTEMS = {
    "ner": {"gazetteer": gazetteer_ner, **{f"spacy-blank-seed{s}": (lambda c, s=s: spacy_ner(c, s)) for s in SPACY_SEEDS}},
    "linking": {"prior": prior_linking},
    "stance": {"majority": majority_stance, "tfidf-lr": tfidf_stance},
    "claims": {"every-sentence": every_sentence_claims},
    "checkworthiness": {"prior": prior_checkworthiness, "lead": lead_checkworthiness, "tfidf-lr": tfidf_checkworthiness},
    "clusters": {"singletons": singleton_clusters, "tfidf-cosine": tfidf_clusters},
}


def render(rows: Iterator[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)


def run(root: Path | str | None = None, out: Path | None = None, tasks: list[str] | None = None) -> list[Path]:
    """Train every baseline of `tasks` (all by default) and write its predictions; returns the files."""
    from cartel_fto_corpus.truth.atomic import write_atomic

    corpus = load_gold(root)
    out = Path(out) if out is not None else corpus.root / RESULTS
    written = []
    for task, systems in SYSTEMS.items():
        if tasks and task not in tasks:
            continue
        for name, produce in systems.items():
            target = out / task / f"{name}.jsonl"
            write_atomic(target, render(produce(corpus)))
            written.append(target)
    return written


def main() -> int:
    for path in run():
        print(path, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
