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
from cartel_fto_corpus.evaluation.units import claimant_key, units_from_set
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


class _Bad(Exception):
    """A row's prediction column that is not what its task takes: `Problem` pointer parts and message."""

    def __init__(self, at: tuple[Any, ...], message: str) -> None:
        super().__init__(message)
        self.at, self.message = at, message


def _ner(row: dict, gold: dict) -> set[tuple[int, int, str]]:
    tags, names = row.get("predicted_tags"), bio_names()
    if not isinstance(tags, list) or len(tags) != len(gold["tokens"]):
        found = f"{len(tags)} tags" if isinstance(tags, list) else json.dumps(tags)[:40]
        raise _Bad(("predicted_tags",), f"expected a list of {len(gold['tokens'])} tag names (one per token of the row), found {found}")
    for j, t in enumerate(tags):
        if t not in names:
            raise _Bad(("predicted_tags", j), f"expected a tag of {', '.join(names)}, found {json.dumps(t)}")
    return _spans_of_tags(tags, gold["token_starts"], gold["token_ends"])


def _linking(row: dict, gold: dict) -> tuple[str | None, str | None]:
    for name in ("predicted_entity", "predicted_qid"):
        if row.get(name) is not None and not isinstance(row[name], str):
            raise _Bad((name,), f"expected a string or null, found {json.dumps(row[name])}")
    return row.get("predicted_entity"), row.get("predicted_qid")


def _stance(row: dict, gold: dict) -> str:
    labels = label_set("stance_label")
    if row.get("predicted_label") not in labels:
        raise _Bad(("predicted_label",), f"expected one of {', '.join(labels)}, found {json.dumps(row.get('predicted_label'))}")
    return row["predicted_label"]


def _checkworthiness(row: dict, gold: dict) -> tuple[float, bool]:
    s = row.get("score")
    if isinstance(s, bool) or not isinstance(s, (int, float)) or not math.isfinite(s):
        raise _Bad(("score",), f"expected a finite number, found {json.dumps(s)}")
    lab = row.get("predicted_label", s >= 0.5)
    if lab not in (True, False, 0, 1):
        raise _Bad(("predicted_label",), f"expected true/false (or 1/0), found {json.dumps(lab)}")
    return float(s), bool(lab)


def _clusters(row: dict, gold: dict) -> frozenset[str]:
    c = row.get("predicted_clusters")
    if not isinstance(c, list) or not all(isinstance(x, str) for x in c):
        raise _Bad(("predicted_clusters",), f"expected a list of cluster labels (strings), found {json.dumps(c)[:40]}")
    return frozenset(c)


#: task -> the unit of one row's prediction (raises `_Bad`); `ner` rows add spans to their document's set.
ROW_UNITS = {"ner": _ner, "linking": _linking, "stance": _stance, "checkworthiness": _checkworthiness, "clusters": _clusters}
#: task -> whether a row of its config is scored (as in `units.py`; other tasks: every row, `bool` of a row being true);
#: an unscored row still needs a valid prediction.
SCORED = {"checkworthiness": lambda r: not r["repeated"], "clusters": lambda r: r["copy_of"] is None}


def _offsets(s: Any, e: Any, n: int) -> bool:
    """Whether `s`, `e` are integer offsets of a non-empty span of a text of length `n`."""
    return all(isinstance(x, int) and not isinstance(x, bool) for x in (s, e)) and 0 <= s < e <= n


class _Rows:
    """Checks of row-form predictions of one task, one row at a time (raising `_Bad`); fills `units` (doc id -> units)."""

    def __init__(self, task: str, corpus: GoldCorpus) -> None:
        self.task, self.corpus = task, corpus
        self.config = TASKS[task].config
        self.index = corpus.row_index(self.config)
        self.units: dict[str, Any] = {}
        self.seen: set[str] = set()
        self.docs: set[str] = set()

    def check_fold(self, row: dict[str, Any], doc_id: str) -> None:
        want = self.corpus.documents[doc_id].fold
        if row.get("fold") is not None and row["fold"] != want:
            raise _Bad(("fold",), f"expected {want} (the fold whose test split holds {doc_id}), found {json.dumps(row['fold'])}")

    def row(self, row: Any) -> None:
        if not isinstance(row, dict):
            raise _Bad((), f"expected a JSON object, found {type(row).__name__}")
        if self.task == "claims":
            self.claim(row)
            return
        rid = row.get("id")
        if rid not in self.index:
            raise _Bad(("id",), f"expected the id of a row of the `{self.config}` config, found {json.dumps(rid)}")
        if rid in self.seen:
            raise _Bad(("id",), f"expected one prediction per row, found {rid!r} again")
        self.seen.add(rid)
        gold = self.index[rid]
        self.docs.add(gold["doc_id"])
        self.check_fold(row, gold["doc_id"])
        unit = ROW_UNITS[self.task](row, gold)
        if self.task == "ner":
            self.units.setdefault(gold["doc_id"], set()).update(unit)
        elif SCORED.get(self.task, bool)(gold):
            self.units.setdefault(gold["doc_id"], {})[rid] = unit

    def claim(self, row: dict) -> None:
        doc_id = row.get("doc_id")
        if doc_id not in self.corpus.documents:
            raise _Bad(("doc_id",), f"expected the id of an annotated document, found {json.dumps(doc_id)}")
        self.docs.add(doc_id)
        self.check_fold(row, doc_id)
        n = len(self.corpus.documents[doc_id].text)
        s, e = row.get("start"), row.get("end")
        if not _offsets(s, e, n):
            raise _Bad(
                ("start",), f"expected offsets 0 <= start < end <= {n} (the text of {doc_id}), found {json.dumps(s)}:{json.dumps(e)}"
            )
        kind = row.get("claimant_kind")
        if kind is not None and kind not in actor_kinds():
            raise _Bad(("claimant_kind",), f"expected one of {', '.join(actor_kinds())} or null, found {json.dumps(kind)}")
        actor = {"kind": kind, "entity": row.get("claimant_entity"), "description": row.get("claimant_description")}
        self.units.setdefault(doc_id, []).append((s, e, claimant_key(actor)))

    def finish(self) -> list[str]:
        """What is missing once every row was read: predictions of scored rows of the documents predicted, whole folds."""
        out = []
        if self.task != "claims":
            scored = SCORED.get(self.task, bool)
            missing = [r["id"] for r in self.index.values() if scored(r) and r["id"] not in self.seen and r["doc_id"] in self.docs]
            out += [f"expected a prediction for row {rid} of `{self.config}`, found none" for rid in missing[:MAX_LISTED]]
            if len(missing) > MAX_LISTED:
                out.append(f"{len(missing) - MAX_LISTED} more rows without a prediction not listed")
        for k in range(self.corpus.folds):
            docs = self.corpus.fold_docs(k)
            if not self.docs & set(docs):
                out.append(f"expected predictions for fold {k} (test documents {', '.join(docs)}), found none")
        return out


def load_rows(path: Path, task: str, corpus: GoldCorpus) -> dict[str, Any]:
    """Units (doc id -> units) of a row-form prediction file; raises PredictionError listing every problem."""
    rows, problems = read_rows(path)
    checker = _Rows(task, corpus)
    for i, row in enumerate(rows):
        try:
            if row is not None:
                checker.row(row)
        except _Bad as exc:
            problems.append(_problem(str(path), pointer(i, *exc.at), exc.message))
    if not problems:
        problems = [_problem(str(path), "", message) for message in checker.finish()]
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
            if not _offsets(s, e, len(text)):
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


__all__ = ["PredictionError", "annotator_units", "load_rows", "load_sets"]
