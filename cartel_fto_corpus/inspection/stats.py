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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cartel_fto_corpus import __version__
from cartel_fto_corpus.inspection.agreement_tables import adjudication_summary, agreement_tables
from cartel_fto_corpus.inspection.alignment import claim_clusters
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.schema import label_set
from cartel_fto_corpus.truth.sets import reference_set
from cartel_fto_corpus.truth.texts import documents, read_text

#: Fallback token rule: a run of word characters, or one character that is neither a word
#: character nor white space (so "U.S." is 4 tokens and "MS-13" is 3).
_TOKEN = re.compile(r"\w+|[^\w\s]")
_NUMERIC = re.compile(r"[0-9.%-]*")
REGEX_TOKEN_RULE = r"regex `\w+|[^\w\s]` (Python re, Unicode): a run of word characters, or any single other non-space character"


def _tokenizer() -> tuple[Callable[[str], int], str]:
    """The token counter and a sentence saying which rule it is.

    The project's own tokenizer (cartel_fto_corpus.publish.tokenize) is used when it is installed, so
    the datasheet counts the tokens the released token columns have; otherwise the regex rule.
    """
    try:
        from cartel_fto_corpus.publish import tokenize as tok  # written by another part of the project
    except ImportError:
        tok = None
    fn = getattr(tok, "tokenize", None) if tok is not None else None
    if callable(fn):
        pattern = getattr(getattr(tok, "_TOKEN", None), "pattern", None)
        rule = "cartel_fto_corpus.publish.tokenize.tokenize, the tokens of the `ner` config"
        if pattern:
            rule += f" (regex `{pattern}`: runs of letters and digits, and every other non-space character on its own)"
        return (lambda text: len(fn(text))), rule
    return (lambda text: len(_TOKEN.findall(text))), REGEX_TOKEN_RULE


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _inside(spans: list[dict[str, Any]], ranges: list[tuple[int, int]]) -> int:
    """How many spans lie wholly inside one of `ranges` (the repeated copies of a passage)."""
    return sum(1 for x in spans if any(s <= x["start"] and x["end"] <= e for s, e in ranges))


def compute_stats(paths: CorpusPaths | None = None) -> dict[str, Any]:
    """Every figure of the corpus as JSON-able data (see the module docstring for the basis)."""
    paths = paths or CorpusPaths()
    count_tokens, token_rule = _tokenizer()
    registry = _read_json(paths.registry) if paths.registry.exists() else {"entities": [], "targets": [], "clusters": []}
    reg_entities = {e["id"]: e for e in registry["entities"]}
    entity_labels = label_set("entity_label")
    stance_labels = label_set("stance_label")
    claim_types = label_set("claim_type")
    cw_labels = label_set("checkworthiness")

    docs_out = []
    annotators: set[str] = set()
    mentions_by_label: Counter[str] = Counter()
    distinct_by_label: dict[str, set[str]] = defaultdict(set)
    mentions_with_qid = 0
    stance_counts: dict[str, Counter[str]] = defaultdict(Counter)
    claim_matrix: dict[str, Counter[str]] = defaultdict(Counter)
    hedged_by_type: Counter[str] = Counter()
    cluster_claims: Counter[str] = Counter()
    cluster_docs: dict[str, set[str]] = defaultdict(set)
    unclustered = clustered = 0
    flags: dict[str, list[str]] = defaultdict(list)

    for entry in documents(paths):
        doc_id = entry["id"]
        text = read_text(doc_id, paths)
        f = paths.annotation_file(doc_id)
        ann = _read_json(f) if f.exists() else {"annotations": []}
        sets = ann["annotations"]
        annotators.update(s["annotator"] for s in sets)
        ref = reference_set(ann)
        for flag in entry["quality_flags"]:
            flags[flag].append(doc_id)
        docs_out.append(
            {
                "id": doc_id,
                "chars": len(text),
                "tokens": count_tokens(text),
                "annotation_sets": len(sets),
                "annotators": sorted({s["annotator"] for s in sets}),
                "status": ref["status"] if ref else None,
                "entity_mentions": len(ref["entities"]) if ref else 0,
                "stances": len(ref["stances"]) if ref else 0,
                "claims": len(ref["claims"]) if ref else 0,
                "quality_flags": list(entry["quality_flags"]),
            }
        )
        repeats = [(r["start"], r["end"]) for r in entry.get("repeated_passages", [])]
        docs_out[-1]["repeated_chars"] = sum(e - s for s, e in repeats)
        docs_out[-1]["entity_mentions_in_repeats"] = _inside(ref["entities"] if ref else [], repeats)
        docs_out[-1]["claims_in_repeats"] = _inside(ref["claims"] if ref else [], repeats)
        if ref is None:
            continue
        for m in ref["entities"]:
            mentions_by_label[m["label"]] += 1
            distinct_by_label[m["label"]].add(m["entity"])
            if (reg_entities.get(m["entity"]) or {}).get("qid"):
                mentions_with_qid += 1
        for st in ref["stances"]:
            stance_counts[st["target"]][st["label"]] += 1
        for cl in ref["claims"]:
            claim_matrix[cl["type"]][cl["checkworthiness"]] += 1
            if cl["hedged"]:
                hedged_by_type[cl["type"]] += 1
            cids = claim_clusters(cl)
            if cids:
                clustered += 1
            else:
                unclustered += 1
            for cid in cids:
                cluster_claims[cid] += 1
                cluster_docs[cid].add(doc_id)

    def with_qid(ids: set[str]) -> int:
        return sum(1 for i in ids if (reg_entities.get(i) or {}).get("qid"))

    all_distinct = set().union(*distinct_by_label.values()) if distinct_by_label else set()
    by_label = {
        label: {
            "mentions": mentions_by_label[label],
            "distinct_entities": len(distinct_by_label[label]),
            "distinct_with_qid": with_qid(distinct_by_label[label]),
        }
        for label in entity_labels
    }
    target_names = {t["id"]: t["name"] for t in registry["targets"]}
    target_ids = [t["id"] for t in registry["targets"] if t["id"] in stance_counts] + sorted(set(stance_counts) - set(target_names))
    spread = Counter(len(d) for d in cluster_docs.values())
    from cartel_fto_corpus.inspection.agreement import load_documents

    all_docs = load_documents(paths)

    return {
        "version": __version__,
        "basis": "reference annotation set of each document (gold, else the first)",
        "token_rule": token_rule,
        "documents": docs_out,
        "totals": {
            "documents": len(docs_out),
            "annotated_documents": sum(1 for d in docs_out if d["annotation_sets"]),
            "characters": sum(d["chars"] for d in docs_out),
            "tokens": sum(d["tokens"] for d in docs_out),
            "annotation_sets": sum(d["annotation_sets"] for d in docs_out),
            "annotators": sorted(annotators),
            "entity_mentions": sum(d["entity_mentions"] for d in docs_out),
            "stances": sum(d["stances"] for d in docs_out),
            "claims": sum(d["claims"] for d in docs_out),
            "repeated_chars": sum(d["repeated_chars"] for d in docs_out),
            "entity_mentions_in_repeats": sum(d["entity_mentions_in_repeats"] for d in docs_out),
            "claims_in_repeats": sum(d["claims_in_repeats"] for d in docs_out),
        },
        "entities": {
            "by_label": by_label,
            "mentions": sum(mentions_by_label.values()),
            "distinct_entities": len(all_distinct),
            "distinct_with_qid": with_qid(all_distinct),
            "mentions_with_qid": mentions_with_qid,
            "registry_entities": len(reg_entities),
            "registry_with_qid": with_qid(set(reg_entities)),
        },
        "stances": {
            "labels": list(stance_labels),
            "by_target": {t: {"name": target_names.get(t, t), **{lab: stance_counts[t][lab] for lab in stance_labels}} for t in target_ids},
            "total": sum(sum(c.values()) for c in stance_counts.values()),
        },
        "claims": {
            "checkworthiness_labels": list(cw_labels),
            "by_type": {
                t: {**{cw: claim_matrix[t][cw] for cw in cw_labels}, "total": sum(claim_matrix[t].values()), "hedged": hedged_by_type[t]}
                for t in claim_types
            },
            "total": sum(sum(c.values()) for c in claim_matrix.values()),
            "hedged": sum(hedged_by_type.values()),
        },
        "clusters": {
            "registry": len(registry["clusters"]),
            "used": len(cluster_claims),
            "by_cluster": {c: {"claims": cluster_claims[c], "documents": sorted(cluster_docs[c])} for c in sorted(cluster_claims)},
            "spread": {str(k): spread[k] for k in sorted(spread)},
            "clustered_claims": clustered,
            "unclustered_claims": unclustered,
        },
        "quality_flags": {flag: flags[flag] for flag in label_set("quality_flag") if flags.get(flag)},
        "agreement": _agreement(paths),
        "adjudication": adjudication_summary(all_docs),
        "benchmark": _benchmark(paths),
        "review": _review(paths),
    }


def _review(paths: CorpusPaths) -> dict[str, Any] | None:
    """The stored review of gold (`cartel-fto review --write`), if there is one."""
    from cartel_fto_corpus.inspection.review import REVIEW_FILE

    path = paths.root / REVIEW_FILE
    return _read_json(path) if path.is_file() else None


def _benchmark(paths: CorpusPaths) -> dict[str, Any]:
    """The benchmark's task table and results (stored baselines re-scored, annotators' ceiling)."""
    from cartel_fto_corpus.evaluation.card import benchmark_stats

    return benchmark_stats(paths.root)


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


def stats_tables(stats: dict[str, Any]) -> list[StatTable]:
    """The tables of `stats`, every cell a string, in the order they are printed."""
    tables = []
    docs = stats["documents"]
    tot = stats["totals"]
    doc_rows = [
        (
            d["id"],
            str(d["chars"]),
            str(d["tokens"]),
            str(d["annotation_sets"]),
            d["status"] or "-",
            str(d["entity_mentions"]),
            str(d["stances"]),
            str(d["claims"]),
        )
        for d in docs
    ]
    doc_rows.append(
        (
            "total",
            str(tot["characters"]),
            str(tot["tokens"]),
            str(tot["annotation_sets"]),
            "",
            str(tot["entity_mentions"]),
            str(tot["stances"]),
            str(tot["claims"]),
        )
    )
    columns = ("document", "characters", "tokens", "annotation sets", "status", "entity mentions", "stances", "claims")
    tables.append(StatTable("documents", "Documents", columns, tuple(doc_rows)))
    tables.append(
        StatTable(
            "annotators",
            "Annotators",
            ("figure", "value"),
            (
                ("documents", str(tot["documents"])),
                ("documents with annotations", str(tot["annotated_documents"])),
                ("annotation sets", str(tot["annotation_sets"])),
                ("distinct annotators", str(len(tot["annotators"]))),
                ("annotator ids", ", ".join(tot["annotators"]) or "-"),
                ("documents with two or more annotation sets", str(sum(1 for d in docs if len(d["annotators"]) >= 2))),
            ),
        )
    )
    ent = stats["entities"]
    rows = [
        (
            label,
            str(v["mentions"]),
            str(v["distinct_entities"]),
            str(v["distinct_with_qid"]),
            _pct(v["distinct_with_qid"], v["distinct_entities"]),
        )
        for label, v in ent["by_label"].items()
    ]
    rows.append(
        (
            "total",
            str(ent["mentions"]),
            str(ent["distinct_entities"]),
            str(ent["distinct_with_qid"]),
            _pct(ent["distinct_with_qid"], ent["distinct_entities"]),
        )
    )
    tables.append(
        StatTable(
            "entities",
            "Entity mentions and distinct entities per label",
            ("label", "mentions", "distinct entities", "with QID", "QID coverage"),
            tuple(rows),
        )
    )
    tables.append(
        StatTable(
            "qid_coverage",
            "Wikidata QID coverage",
            ("figure", "linked", "total", "coverage"),
            (
                ("entity mentions", str(ent["mentions_with_qid"]), str(ent["mentions"]), _pct(ent["mentions_with_qid"], ent["mentions"])),
                (
                    "distinct entities mentioned",
                    str(ent["distinct_with_qid"]),
                    str(ent["distinct_entities"]),
                    _pct(ent["distinct_with_qid"], ent["distinct_entities"]),
                ),
                (
                    "registry entities",
                    str(ent["registry_with_qid"]),
                    str(ent["registry_entities"]),
                    _pct(ent["registry_with_qid"], ent["registry_entities"]),
                ),
            ),
        )
    )
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
    rows = [
        (c, str(v["claims"]), str(len(v["documents"])), ", ".join(_short(d) for d in v["documents"])) for c, v in cs["by_cluster"].items()
    ]
    rows.append(("(no cluster)", str(cs["unclustered_claims"]), "", ""))
    tables.append(
        StatTable(
            "clusters", "Claim clusters and their spread across articles", ("cluster", "claims", "articles", "article ids"), tuple(rows)
        )
    )
    spread_rows = [(f"clusters spanning {k} article{'s' if k != '1' else ''}", str(v)) for k, v in cs["spread"].items()]
    spread_rows = [("clusters in the registry", str(cs["registry"])), ("clusters used by claims", str(cs["used"])), *spread_rows]
    tables.append(StatTable("cluster_spread", "Cluster spread", ("figure", "value"), tuple(spread_rows)))
    tables.append(
        StatTable(
            "repeats",
            "Verbatim repeated passages (counted in every figure above)",
            ("figure", "value"),
            (
                ("characters in repeated copies", str(tot["repeated_chars"])),
                ("entity mentions in repeated copies", str(tot["entity_mentions_in_repeats"])),
                ("claims in repeated copies", str(tot["claims_in_repeats"])),
                ("documents with repeated passages", str(sum(1 for d in docs if d["repeated_chars"]))),
            ),
        )
    )
    tables += [StatTable(*t) for t in agreement_tables(stats)]
    if "benchmark" in stats:
        from cartel_fto_corpus.evaluation.card import RESULT_COLUMNS, TASK_COLUMNS

        bench = stats["benchmark"]
        tables.append(StatTable("benchmark_tasks", "Benchmark tasks", TASK_COLUMNS, tuple(tuple(r) for r in bench["tasks"])))
        tables.append(StatTable("benchmark_results", "Benchmark results", RESULT_COLUMNS, tuple(tuple(r) for r in bench["results"])))
    if stats.get("review"):
        from cartel_fto_corpus.inspection.review import REVIEW_COLUMNS, datasheet_rows

        tables.append(StatTable("review", "Review of gold: likely label errors", REVIEW_COLUMNS, tuple(datasheet_rows(stats["review"]))))
    qf = stats["quality_flags"]
    tables.append(
        StatTable(
            "quality_flags",
            "Quality flags (computed from the texts, texts/manifest.json)",
            ("flag", "documents", "document ids"),
            tuple((flag, str(len(ids)), ", ".join(_short(d) for d in ids)) for flag, ids in qf.items()),
        )
    )
    return tables
