"""A system's predictions, read and checked before anything is scored.

Two forms (docs/benchmark.md):
- rows: JSON lines or Parquet, one row per row of the task's config (its `id`) plus the prediction
  column(s) of `tasks.TASKS` (`claims`: one row per predicted span, `doc_id`, `start`, `end`); an
  optional `fold` must be the fold whose test split holds the row's document;
- annotation sets: a directory of annotation files (or one file) in the corpus's own schema,
  `{"doc_id": ..., "annotations": [set, ...]}`; a system is an annotator, and only the layer the task
  reads (`entities`, `stances` or `claims`) is required.

Every problem is a `checks.problems.Problem` (file, pointer, expected vs found), all collected, one
line each; nothing is scored while there is one.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from cartel_fto_corpus.checks.problems import Problem, pointer
from cartel_fto_corpus.evaluation.corpus import GoldCorpus
from cartel_fto_corpus.evaluation.units import claimant_key, scored_sentences, units_from_set
from cartel_fto_corpus.publish.features import actor_kinds, bio_names
from cartel_fto_corpus.publish.tasks import TASKS
from cartel_fto_corpus.truth.paths import PROTOCOL_FILE, REGISTRY_FILE
from cartel_fto_corpus.truth.schema import label_set

MAX_LISTED = 50


class PredictionError(ValueError):
    """Problems found in a prediction file; `problems` holds one Problem per line."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def _problem(file: str, ptr: str, message: str) -> Problem:
    return Problem(file, ptr, message, "prediction")


def read_rows(path: Path) -> tuple[list[Any], list[Problem]]:
    """Rows of a JSON lines or Parquet file; unreadable lines are problems, not exceptions."""
    file = str(path)
    if path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            return pq.read_table(path).to_pylist(), []
        except (OSError, pa.ArrowException) as exc:
            return [], [_problem(file, "", f"expected a Parquet file, found {type(exc).__name__}: {str(exc)[:80]}")]
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [_problem(file, "", f"expected a readable UTF-8 JSON lines file, found {type(exc).__name__}")]
    rows, problems = [], []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            problems.append(_problem(file, f"line {n}", f"expected one JSON object per line, found invalid JSON ({exc.msg})"))
            rows.append(None)
    return rows, problems


def _spans_of_tags(tags: list[str], starts: list[int], ends: list[int]) -> set[tuple[int, int, str]]:
    """Typed spans of a BIO sequence, chunked like conlleval (an I- after O or another type opens a span)."""
    out, cur = set(), None
    for tag, s, e in zip([*tags, "O"], [*starts, 0], [*ends, 0], strict=True):
        kind, _, label = tag.partition("-")
        opens = kind == "B" or (kind == "I" and (cur is None or cur[2] != label))
        if cur is not None and (kind == "O" or opens):
            out.add(tuple(cur))
            cur = None
        if opens:
            cur = [s, e, label]
        elif kind == "I" and cur is not None:
            cur[1] = e
    return out


class _Rows:
    """Checks of row-form predictions of one task; fills `units` (doc id -> units)."""

    def __init__(self, task: str, corpus: GoldCorpus, file: str) -> None:
        self.task, self.corpus, self.file = task, corpus, file
        self.config = TASKS[task].config
        self.index = corpus.row_index(self.config)
        self.problems: list[Problem] = []
        self.units: dict[str, Any] = {}
        self.seen: set[str] = set()
        self.docs: set[str] = set()

    def bad(self, i: int, field: str | None, message: str) -> None:
        self.problems.append(_problem(self.file, pointer(i, field) if field else pointer(i), message))

    def check_fold(self, i: int, row: dict[str, Any], doc_id: str) -> bool:
        if "fold" not in row or row["fold"] is None:
            return True
        want = self.corpus.documents[doc_id].fold
        if row["fold"] != want:
            self.bad(i, "fold", f"expected {want} (the fold whose test split holds {doc_id}), found {json.dumps(row['fold'])}")
            return False
        return True

    def row(self, i: int, row: Any) -> None:
        if not isinstance(row, dict):
            self.bad(i, None, f"expected a JSON object, found {type(row).__name__}")
            return
        if self.task == "claims":
            self.claim(i, row)
            return
        rid = row.get("id")
        if rid not in self.index:
            self.bad(i, "id", f"expected the id of a row of the `{self.config}` config, found {json.dumps(rid)}")
            return
        if rid in self.seen:
            self.bad(i, "id", f"expected one prediction per row, found {rid!r} again")
            return
        self.seen.add(rid)
        gold = self.index[rid]
        doc_id = gold["doc_id"]
        self.docs.add(doc_id)
        if not self.check_fold(i, row, doc_id):
            return
        getattr(self, self.task)(i, row, gold, self.units.setdefault(doc_id, set() if self.task == "ner" else {}))

    def ner(self, i: int, row: dict, gold: dict, units: set) -> None:
        tags = row.get("predicted_tags")
        names = bio_names()
        if not isinstance(tags, list) or len(tags) != len(gold["tokens"]):
            found = f"{len(tags)} tags" if isinstance(tags, list) else json.dumps(tags)[:40]
            self.bad(i, "predicted_tags", f"expected a list of {len(gold['tokens'])} tag names (one per token of the row), found {found}")
            return
        for j, t in enumerate(tags):
            if t not in names:
                self.problems.append(
                    _problem(self.file, pointer(i, "predicted_tags", j), f"expected a tag of {', '.join(names)}, found {json.dumps(t)}")
                )
                return
        units |= _spans_of_tags(tags, gold["token_starts"], gold["token_ends"])

    def linking(self, i: int, row: dict, gold: dict, units: dict) -> None:
        ent, qid = row.get("predicted_entity"), row.get("predicted_qid")
        for name, v in (("predicted_entity", ent), ("predicted_qid", qid)):
            if v is not None and not isinstance(v, str):
                self.bad(i, name, f"expected a string or null, found {json.dumps(v)}")
                return
        units[row["id"]] = (ent, qid)

    def stance(self, i: int, row: dict, gold: dict, units: dict) -> None:
        labels = label_set("stance_label")
        if row.get("predicted_label") not in labels:
            self.bad(i, "predicted_label", f"expected one of {', '.join(labels)}, found {json.dumps(row.get('predicted_label'))}")
            return
        units[row["id"]] = row["predicted_label"]

    def checkworthiness(self, i: int, row: dict, gold: dict, units: dict) -> None:
        s = row.get("score")
        if isinstance(s, bool) or not isinstance(s, (int, float)) or not math.isfinite(s):
            self.bad(i, "score", f"expected a finite number, found {json.dumps(s)}")
            return
        lab = row.get("predicted_label", s >= 0.5)
        if lab not in (True, False, 0, 1):
            self.bad(i, "predicted_label", f"expected true/false (or 1/0), found {json.dumps(lab)}")
            return
        if not gold["repeated"]:
            units[row["id"]] = (float(s), bool(lab))

    def clusters(self, i: int, row: dict, gold: dict, units: dict) -> None:
        c = row.get("predicted_clusters")
        if not isinstance(c, list) or not all(isinstance(x, str) for x in c):
            self.bad(i, "predicted_clusters", f"expected a list of cluster labels (strings), found {json.dumps(c)[:40]}")
            return
        if gold["copy_of"] is None:
            units[row["id"]] = frozenset(c)

    def claim(self, i: int, row: dict) -> None:
        doc_id = row.get("doc_id")
        if doc_id not in self.corpus.documents:
            self.bad(i, "doc_id", f"expected the id of an annotated document, found {json.dumps(doc_id)}")
            return
        self.docs.add(doc_id)
        if not self.check_fold(i, row, doc_id):
            return
        n = len(self.corpus.documents[doc_id].text)
        s, e = row.get("start"), row.get("end")
        if not all(isinstance(x, int) and not isinstance(x, bool) for x in (s, e)) or not 0 <= s < e <= n:
            self.bad(i, "start", f"expected offsets 0 <= start < end <= {n} (the text of {doc_id}), found {json.dumps(s)}:{json.dumps(e)}")
            return
        kind = row.get("claimant_kind")
        if kind is not None and kind not in actor_kinds():
            self.bad(i, "claimant_kind", f"expected one of {', '.join(actor_kinds())} or null, found {json.dumps(kind)}")
            return
        actor = {"kind": kind, "entity": row.get("claimant_entity"), "description": row.get("claimant_description")}
        self.units.setdefault(doc_id, []).append((s, e, claimant_key(actor)))

    def finish(self) -> None:
        if self.task != "claims":
            wanted = [r for r in self.index.values() if self.task != "checkworthiness" or not r.get("repeated")]
            if self.task == "clusters":
                wanted = [r for r in wanted if r["copy_of"] is None]
            missing = [r["id"] for r in wanted if r["id"] not in self.seen and r["doc_id"] in self.docs]
            for rid in missing[:MAX_LISTED]:
                self.problems.append(_problem(self.file, "", f"expected a prediction for row {rid} of `{self.config}`, found none"))
            if len(missing) > MAX_LISTED:
                self.problems.append(_problem(self.file, "", f"{len(missing) - MAX_LISTED} more rows without a prediction not listed"))
        for k in range(self.corpus.folds):
            docs = self.corpus.fold_docs(k)
            if not self.docs & set(docs):
                self.problems.append(
                    _problem(self.file, "", f"expected predictions for fold {k} (test documents {', '.join(docs)}), found none")
                )


def load_rows(path: Path, task: str, corpus: GoldCorpus) -> dict[str, Any]:
    """Units (doc id -> units) of a row-form prediction file; raises PredictionError listing every problem."""
    rows, problems = read_rows(path)
    checker = _Rows(task, corpus, str(path))
    for i, row in enumerate(rows):
        if row is not None:
            checker.row(i, row)
    if not problems and not checker.problems:
        checker.finish()
    problems += checker.problems
    if problems:
        raise PredictionError(problems)
    return checker.units


# --- annotation-set form -----------------------------------------------------------------------------

_ITEM_LABELS = {
    "entities": ("label", "entity_label"),
    "stances": ("label", "stance_label"),
    "claims": ("checkworthiness", "checkworthiness"),
}


def _check_layer(file: str, base: str, layer: str, items: Any, text: str) -> list[Problem]:
    if not isinstance(items, list):
        return [_problem(file, f"{base}/{layer}", f"expected a list (the {layer} layer), found {json.dumps(items)[:40]}")]
    out = []
    key, name = _ITEM_LABELS[layer]
    labels = label_set(name)
    for j, it in enumerate(items):
        where = f"{base}/{layer}/{j}"
        if not isinstance(it, dict):
            out.append(_problem(file, where, f"expected an object, found {json.dumps(it)[:40]}"))
            continue
        if layer != "stances":
            s, e = it.get("start"), it.get("end")
            if not all(isinstance(x, int) and not isinstance(x, bool) for x in (s, e)) or not 0 <= s < e <= len(text):
                out.append(
                    _problem(
                        file, f"{where}/start", f"expected offsets 0 <= start < end <= {len(text)}, found {json.dumps(s)}:{json.dumps(e)}"
                    )
                )
                continue
        elif not isinstance(it.get("holder"), dict) or not isinstance(it.get("target"), str):
            out.append(_problem(file, where, "expected a `holder` object and a `target` id, found neither or one"))
            continue
        if it.get(key) not in labels:
            out.append(_problem(file, f"{where}/{key}", f"expected one of {', '.join(labels)}, found {json.dumps(it.get(key))}"))
    return out


def annotation_files(path: Path) -> list[Path]:
    """A folder's per-document files (what `CorpusPaths.annotation_files` takes: no registry, no protocol), or the one file."""
    if path.is_dir():
        return sorted(p for p in path.glob("*.json") if p.name not in (REGISTRY_FILE, PROTOCOL_FILE))
    return [path]


def load_sets(path: Path, corpus: GoldCorpus, tasks: list[str], annotator: str | None) -> dict[str, dict[str, Any]]:
    """Units per task (task -> doc id -> units) of annotation-set predictions; raises PredictionError."""
    problems: list[Problem] = []
    sets: dict[str, dict[str, Any]] = {}
    present: set[str] = set()
    for f in annotation_files(path):
        file = str(f)
        try:
            obj = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(_problem(file, "", f"expected an annotation file (JSON), found {type(exc).__name__}"))
            continue
        doc_id = obj.get("doc_id") if isinstance(obj, dict) else None
        if doc_id not in corpus.documents:
            problems.append(_problem(file, "/doc_id", f"expected the id of an annotated document, found {json.dumps(doc_id)}"))
            continue
        present.add(doc_id)
        cands = obj.get("annotations")
        if not isinstance(cands, list) or not all(isinstance(s, dict) for s in cands):
            problems.append(_problem(file, "/annotations", "expected a list of annotation sets, found none"))
            continue
        idx = [i for i, s in enumerate(cands) if annotator is None or s.get("annotator") == annotator]
        if len(idx) != 1:
            who = ", ".join(str(s.get("annotator")) for s in cands)
            want = f"a set of annotator {annotator!r}" if annotator else "exactly one set (or --annotator ID)"
            problems.append(_problem(file, "/annotations", f"expected {want}, found {len(idx)} of: {who or 'none'}"))
            continue
        aset = cands[idx[0]]
        for layer in sorted({TASKS[t].layer for t in tasks}):
            if layer not in aset:
                problems.append(_problem(file, f"/annotations/{idx[0]}", f"expected the `{layer}` layer, found none"))
            else:
                problems += _check_layer(file, f"/annotations/{idx[0]}", layer, aset[layer], corpus.documents[doc_id].text)
        sets[doc_id] = aset
    for k in range(corpus.folds):
        missing = [d for d in corpus.fold_docs(k) if d not in present]
        for d in missing:
            problems.append(_problem(str(path), "", f"expected an annotation file for document {d} (fold {k}), found none"))
    if problems:
        raise PredictionError(problems)
    return {t: {d: units_from_set(t, corpus.documents[d], s, corpus) for d, s in sets.items()} for t in tasks}


def annotator_units(corpus: GoldCorpus, annotator: str, task: str) -> dict[str, Any]:
    """Units of one annotator's own sets (the documents it annotated)."""
    out = {}
    for d, doc in corpus.documents.items():
        s = next((s for s in doc.sets if s.get("annotator") == annotator), None)
        if s is not None:
            out[d] = units_from_set(task, doc, s, corpus)
    return out


def is_annotation_form(path: Path) -> bool:
    return path.is_dir() or path.suffix == ".json"


__all__ = ["PredictionError", "annotator_units", "is_annotation_form", "load_rows", "load_sets", "scored_sentences"]
