"""Corpus statistics: the figures DATASHEET.md quotes, computed from the files every time.

`compute_stats(paths)` is pure over the corpus files (texts, manifest, annotations, registry) and
returns plain JSON-able data; `stats_tables(stats)` turns it into named tables, which the terminal
(rich), `--format json` and DATASHEET.md (markdown, see datasheet.py) all render from, so a
figure in the datasheet can only be one that `cartel-fto stats` prints.

Counts of annotations describe each document's reference annotation set (the gold set, else
the first one; `summary.reference_set`), since that is what the corpus releases.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cartel_fto_corpus import __version__
from cartel_fto_corpus.inspection.agreement import load_documents
from cartel_fto_corpus.inspection.agreement_tables import adjudication_summary, agreement_tables
from cartel_fto_corpus.inspection.alignment import claim_clusters
from cartel_fto_corpus.truth.layers import layers
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.schema import label_set
from cartel_fto_corpus.truth.sets import reference_set
from cartel_fto_corpus.truth.spans import TOKEN
from cartel_fto_corpus.truth.texts import documents, read_text

_NUMERIC = re.compile(r"[0-9.%-]*")
#: how tokens are counted: the project's own tokenizer, so the datasheet counts the tokens the released token columns have
TOKEN_RULE = (
    f"cartel_fto_corpus.publish.tokenize.tokenize, the tokens of the `ner` config (regex `{TOKEN.pattern}`: "
    "runs of letters and digits, and every other non-space character on its own)"
)
#: figures of the documents table summed in the totals, besides each layer's item count
SUMMED = ("repeated_chars", "entity_mentions_in_repeats", "claims_in_repeats")
#: (document id, its reference set) of every annotated document
Refs = list[tuple[str, dict[str, Any]]]


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _inside(spans: list[dict[str, Any]], ranges: list[tuple[int, int]]) -> int:
    """How many spans lie wholly inside one of `ranges` (the repeated copies of a passage)."""
    return sum(1 for x in spans if any(s <= x["start"] and x["end"] <= e for s, e in ranges))


def counted_layers() -> list[tuple[str, str]]:
    """(layer, column) of the item counts per document, one per declared layer: "entity mentions", "stances", "claims"."""
    return [(layer.name, f"{layer.noun}s") for layer in layers()]


def _key(column: str) -> str:
    return column.replace(" ", "_")


def compute_stats(paths: CorpusPaths | None = None) -> dict[str, Any]:
    """Every figure of the corpus as JSON-able data (see the module docstring for the basis)."""
    from cartel_fto_corpus.evaluation.card import benchmark_stats  # the task table and results (stored baselines re-scored)
    from cartel_fto_corpus.publish.tokenize import tokenize

    paths = paths or CorpusPaths()
    registry = _read_json(paths.registry) if paths.registry.exists() else {"entities": [], "targets": [], "clusters": []}
    docs_out, refs, flags = [], [], defaultdict(list)
    for entry in documents(paths):
        doc_id = entry["id"]
        text = read_text(doc_id, paths)
        f = paths.annotation_file(doc_id)
        sets = _read_json(f)["annotations"] if f.exists() else []
        ref = reference_set({"annotations": sets}) or {}
        repeats = [(r["start"], r["end"]) for r in entry.get("repeated_passages", [])]
        for flag in entry["quality_flags"]:
            flags[flag].append(doc_id)
        docs_out.append(
            {
                "id": doc_id,
                "chars": len(text),
                "tokens": len(tokenize(text)),
                "annotation_sets": len(sets),
                "annotators": sorted({s["annotator"] for s in sets}),
                "status": ref.get("status"),
                **{_key(column): len(ref.get(name, [])) for name, column in counted_layers()},
                "quality_flags": list(entry["quality_flags"]),
                "repeated_chars": sum(e - s for s, e in repeats),
                "entity_mentions_in_repeats": _inside(ref.get("entities", []), repeats),
                "claims_in_repeats": _inside(ref.get("claims", []), repeats),
            }
        )
        if ref:
            refs.append((doc_id, ref))
    return {
        "version": __version__,
        "basis": "reference annotation set of each document (gold, else the first)",
        "token_rule": TOKEN_RULE,
        "documents": docs_out,
        "totals": _totals(docs_out),
        "entities": _entities(refs, registry),
        "stances": _stances(refs, registry),
        "claims": _claims(refs),
        "clusters": _clusters(refs, registry),
        "quality_flags": {flag: flags[flag] for flag in label_set("quality_flag") if flags.get(flag)},
        "agreement": _agreement(paths),
        "adjudication": adjudication_summary(load_documents(paths)),
        "benchmark": benchmark_stats(paths.root),
        "review": _review(paths),
    }


def _totals(docs: list[dict[str, Any]]) -> dict[str, Any]:
    def total(key: str) -> int:
        return sum(d[key] for d in docs)

    return {
        "documents": len(docs),
        "annotated_documents": sum(1 for d in docs if d["annotation_sets"]),
        "characters": total("chars"),
        "tokens": total("tokens"),
        "annotation_sets": total("annotation_sets"),
        "annotators": sorted({a for d in docs for a in d["annotators"]}),
        **{key: total(key) for key in [_key(column) for _, column in counted_layers()] + list(SUMMED)},
    }


def _entities(refs: Refs, registry: dict[str, Any]) -> dict[str, Any]:
    with_qid = {e["id"] for e in registry["entities"] if e.get("qid")}
    mentions = [m for _, ref in refs for m in ref["entities"]]
    ids: dict[str, set[str]] = defaultdict(set)
    for m in mentions:
        ids[m["label"]].add(m["entity"])
    n_by_label = Counter(m["label"] for m in mentions)

    def figures(n_mentions: int, entities: set[str]) -> dict[str, int]:
        return {"mentions": n_mentions, "distinct_entities": len(entities), "distinct_with_qid": len(entities & with_qid)}

    return {
        "by_label": {label: figures(n_by_label[label], ids[label]) for label in label_set("entity_label")},
        **figures(len(mentions), set().union(*ids.values())),
        "mentions_with_qid": sum(1 for m in mentions if m["entity"] in with_qid),
        "registry_entities": len(registry["entities"]),
        "registry_with_qid": len(with_qid),
    }


def _stances(refs: Refs, registry: dict[str, Any]) -> dict[str, Any]:
    labels = label_set("stance_label")
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for _, ref in refs:
        for st in ref["stances"]:
            counts[st["target"]][st["label"]] += 1
    names = {t["id"]: t["name"] for t in registry["targets"]}
    targets = [t for t in names if t in counts] + sorted(set(counts) - set(names))
    return {
        "labels": list(labels),
        "by_target": {t: {"name": names.get(t, t), **{lab: counts[t][lab] for lab in labels}} for t in targets},
        "total": sum(sum(c.values()) for c in counts.values()),
    }


def _claims(refs: Refs) -> dict[str, Any]:
    cws = label_set("checkworthiness")
    matrix: dict[str, Counter[str]] = defaultdict(Counter)
    hedged: Counter[str] = Counter()
    for _, ref in refs:
        for cl in ref["claims"]:
            matrix[cl["type"]][cl["checkworthiness"]] += 1
            hedged[cl["type"]] += 1 if cl["hedged"] else 0
    return {
        "checkworthiness_labels": list(cws),
        "by_type": {
            t: {**{cw: matrix[t][cw] for cw in cws}, "total": sum(matrix[t].values()), "hedged": hedged[t]} for t in label_set("claim_type")
        },
        "total": sum(sum(c.values()) for c in matrix.values()),
        "hedged": sum(hedged.values()),
    }


def _clusters(refs: Refs, registry: dict[str, Any]) -> dict[str, Any]:
    claims: Counter[str] = Counter()
    docs: dict[str, set[str]] = defaultdict(set)
    unclustered = 0
    for doc_id, ref in refs:
        for cl in ref["claims"]:
            cids = claim_clusters(cl)
            unclustered += not cids
            claims.update(cids)
            for cid in cids:
                docs[cid].add(doc_id)
    spread = Counter(len(d) for d in docs.values())
    return {
        "registry": len(registry["clusters"]),
        "used": len(claims),
        "by_cluster": {c: {"claims": claims[c], "documents": sorted(docs[c])} for c in sorted(claims)},
        "spread": {str(k): spread[k] for k in sorted(spread)},
        "clustered_claims": sum(len(ref["claims"]) for _, ref in refs) - unclustered,
        "unclustered_claims": unclustered,
    }


def _review(paths: CorpusPaths) -> dict[str, Any] | None:
    """The stored review of gold (`cartel-fto review --write`), if there is one."""
    from cartel_fto_corpus.inspection.review import REVIEW_FILE

    path = paths.root / REVIEW_FILE
    return _read_json(path) if path.is_file() else None


def _agreement(paths: CorpusPaths) -> dict[str, Any]:
    """The agreement of the sealed deliveries (agreement_report.py); deliveries failing their seal checks give no figure."""
    from cartel_fto_corpus.inspection.agreement_report import agreement_report

    report, problems = agreement_report(paths, "deliveries")
    if problems:
        return {
            "status": "not_computable",
            "source": "deliveries",
            "message": f"not computable: {len(problems)} seal problems; see `cartel-fto validate`",
        }
    return report


@dataclass(frozen=True)
class StatTable:
    """One table of figures: rendered by rich in the terminal and as markdown in DATASHEET.md."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def _short(doc_id: str) -> str:
    return doc_id.split("_", 1)[0]


def _figures(name: str, title: str, rows: Iterable[tuple[str, Any]]) -> StatTable:
    """A table of (figure, value) rows."""
    return StatTable(name, title, ("figure", "value"), tuple((figure, str(value)) for figure, value in rows))


def _documents_table(docs: list[dict[str, Any]], tot: dict[str, Any]) -> StatTable:
    """One row per document and the totals: size, sets, status and the reference set's items of every layer."""
    counted = [column for _, column in counted_layers()]
    rows = [
        (d["id"], str(d["chars"]), str(d["tokens"]), str(d["annotation_sets"]), d["status"] or "-", *(str(d[_key(c)]) for c in counted))
        for d in docs
    ]
    rows.append(
        ("total", str(tot["characters"]), str(tot["tokens"]), str(tot["annotation_sets"]), "", *(str(tot[_key(c)]) for c in counted))
    )
    return StatTable("documents", "Documents", ("document", "characters", "tokens", "annotation sets", "status", *counted), tuple(rows))


def stats_tables(stats: dict[str, Any]) -> list[StatTable]:
    """The tables of `stats`, every cell a string, in the order they are printed."""
    docs, tot, ent = stats["documents"], stats["totals"], stats["entities"]
    tables = [_documents_table(docs, tot)]
    annotators = (
        ("documents", tot["documents"]),
        ("documents with annotations", tot["annotated_documents"]),
        ("annotation sets", tot["annotation_sets"]),
        ("distinct annotators", len(tot["annotators"])),
        ("annotator ids", ", ".join(tot["annotators"]) or "-"),
        ("documents with two or more annotation sets", sum(1 for d in docs if len(d["annotators"]) >= 2)),
    )
    tables.append(_figures("annotators", "Annotators", annotators))

    def labelled(label: str, v: dict[str, Any]) -> tuple[str, ...]:
        qids = v["distinct_with_qid"]
        return (label, str(v["mentions"]), str(v["distinct_entities"]), str(qids), _pct(qids, v["distinct_entities"]))

    rows = [*(labelled(label, v) for label, v in ent["by_label"].items()), labelled("total", ent)]
    columns = ("label", "mentions", "distinct entities", "with QID", "QID coverage")
    tables.append(StatTable("entities", "Entity mentions and distinct entities per label", columns, tuple(rows)))
    coverage = (
        ("entity mentions", "mentions_with_qid", "mentions"),
        ("distinct entities mentioned", "distinct_with_qid", "distinct_entities"),
        ("registry entities", "registry_with_qid", "registry_entities"),
    )
    rows = [(figure, str(ent[linked]), str(ent[total]), _pct(ent[linked], ent[total])) for figure, linked, total in coverage]
    tables.append(StatTable("qid_coverage", "Wikidata QID coverage", ("figure", "linked", "total", "coverage"), tuple(rows)))
    st = stats["stances"]
    labels = st["labels"]
    rows = [(v["name"], *(str(v[lab]) for lab in labels), str(sum(v[lab] for lab in labels))) for v in st["by_target"].values()]
    rows.append(("total", *(str(sum(v[lab] for v in st["by_target"].values())) for lab in labels), str(st["total"])))
    tables.append(StatTable("stances", "Stances per target and label", ("target", *labels, "total"), tuple(rows)))
    cl = stats["claims"]
    cws = cl["checkworthiness_labels"]
    rows = [(t, *(str(v[cw]) for cw in cws), str(v["hedged"]), str(v["total"])) for t, v in cl["by_type"].items()]
    rows.append(("total", *(str(sum(v[cw] for v in cl["by_type"].values())) for cw in cws), str(cl["hedged"]), str(cl["total"])))
    tables.append(StatTable("claims", "Claims per type and check-worthiness", ("type", *cws, "hedged", "total"), tuple(rows)))
    cs = stats["clusters"]
    rows = [(c, str(v["claims"]), str(len(v["documents"])), ", ".join(map(_short, v["documents"]))) for c, v in cs["by_cluster"].items()]
    rows.append(("(no cluster)", str(cs["unclustered_claims"]), "", ""))
    columns = ("cluster", "claims", "articles", "article ids")
    tables.append(StatTable("clusters", "Claim clusters and their spread across articles", columns, tuple(rows)))
    spread = [(f"clusters spanning {k} article{'s' if k != '1' else ''}", v) for k, v in cs["spread"].items()]
    tables.append(
        _figures(
            "cluster_spread",
            "Cluster spread",
            [("clusters in the registry", cs["registry"]), ("clusters used by claims", cs["used"]), *spread],
        )
    )
    repeats = (
        ("characters in repeated copies", tot["repeated_chars"]),
        ("entity mentions in repeated copies", tot["entity_mentions_in_repeats"]),
        ("claims in repeated copies", tot["claims_in_repeats"]),
        ("documents with repeated passages", sum(1 for d in docs if d["repeated_chars"])),
    )
    tables.append(_figures("repeats", "Verbatim repeated passages (counted in every figure above)", repeats))
    return tables + [StatTable(*t) for t in agreement_tables(stats)] + _other_tables(stats)


def _other_tables(stats: dict[str, Any]) -> list[StatTable]:
    """The benchmark's, the review's and the quality flags' tables."""
    tables = []
    if "benchmark" in stats:
        from cartel_fto_corpus.evaluation.card import RESULT_COLUMNS, TASK_COLUMNS

        bench = stats["benchmark"]
        tables.append(StatTable("benchmark_tasks", "Benchmark tasks", TASK_COLUMNS, tuple(tuple(r) for r in bench["tasks"])))
        tables.append(StatTable("benchmark_results", "Benchmark results", RESULT_COLUMNS, tuple(tuple(r) for r in bench["results"])))
    if stats.get("review"):
        from cartel_fto_corpus.inspection.review import REVIEW_COLUMNS, datasheet_rows

        tables.append(StatTable("review", "Review of gold: likely label errors", REVIEW_COLUMNS, tuple(datasheet_rows(stats["review"]))))
    flags = tuple((flag, str(len(ids)), ", ".join(map(_short, ids))) for flag, ids in stats["quality_flags"].items())
    title = "Quality flags (computed from the texts, texts/manifest.json)"
    return [*tables, StatTable("quality_flags", title, ("flag", "documents", "document ids"), flags)]
