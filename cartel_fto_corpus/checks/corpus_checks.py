"""Checks of the corpus-level files: the registry (ids, references, use), the manifest (fresh), the checksums."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cartel_fto_corpus.checks import rules_1_1
from cartel_fto_corpus.checks.checker import Usage
from cartel_fto_corpus.checks.problems import Problem, pointer
from cartel_fto_corpus.truth.jsonio import Unreadable, escape_surrogates, read_file_bytes
from cartel_fto_corpus.truth.paths import CorpusPaths, display
from cartel_fto_corpus.truth.texts import compute_manifest, parse_sha256sums, read_texts, sha256_hex


def registry_problems(file: str, reg: dict[str, Any], usage: Usage | None) -> list[Problem]:
    """Ids unique, ORG subtypes where they belong, QIDs not shared, every entry used."""
    out: list[Problem] = []
    for section in ("entities", "targets", "clusters"):
        seen: dict[str, int] = {}
        for i, entry in enumerate(reg[section]):
            if entry["id"] in seen:
                out.append(
                    Problem(
                        file,
                        pointer(section, i, "id"),
                        f"expected a unique id, found {entry['id']!r} again (first at /{section}/{seen[entry['id']]})",
                        "duplicate-id",
                    )
                )
            seen.setdefault(entry["id"], i)
    qids: dict[str, int] = {}
    for i, ent in enumerate(reg["entities"]):
        if (ent["type"] == "ORG") != (ent["org_type"] is not None):
            expected = "an ORG subtype" if ent["type"] == "ORG" else "null (only ORG entities have a subtype)"
            out.append(
                Problem(
                    file,
                    pointer("entities", i, "org_type"),
                    f"expected {expected}, found {json.dumps(ent['org_type'])}",
                    "org-type-mismatch",
                )
            )
        if ent["qid"] is not None:
            if ent["qid"] in qids:
                out.append(
                    Problem(
                        file,
                        pointer("entities", i, "qid"),
                        f"expected each QID on one entity, found {ent['qid']} also on /entities/{qids[ent['qid']]}",
                        "duplicate-qid",
                    )
                )
            qids.setdefault(ent["qid"], i)
        if (problem := rules_1_1.proposed_qid_problem(ent)) is not None:
            out.append(Problem(file, pointer("entities", i, "qid"), problem, "proposed-with-qid"))
        if (problem := rules_1_1.qid_source_problem(ent)) is not None:
            out.append(Problem(file, pointer("entities", i, "qid_source"), problem, "qid-source-mismatch"))
    if usage is not None:
        out += [Problem(file, ptr, message, code) for ptr, code, message in rules_1_1.discrepancy_problems(reg, usage.cluster_docs)]
    if usage is not None:
        for section, used, what in (
            ("entities", usage.entities, "entity mention or actor"),
            ("targets", usage.targets, "stance"),
            ("clusters", usage.clusters, "claim"),
        ):
            for i, entry in enumerate(reg[section]):
                if entry["id"] not in used and entry["id"] not in usage.maybe:  # maybe: named by a file that failed
                    out.append(
                        Problem(
                            file,
                            pointer(section, i),
                            f"expected registry entry {entry['id']!r} to be used by some {what}, found no use",
                            "unused-entry",
                        )
                    )
    return out


def manifest_problems(file: str, manifest: dict[str, Any], paths: CorpusPaths) -> list[Problem]:
    """The committed manifest must equal the one computed from the texts, field by field."""
    out: list[Problem] = []
    texts = read_texts(paths)
    if any(t.decode_error() for t in texts):
        return []  # nothing to compare with: `text_problems` names the text that is not UTF-8
    expected = compute_manifest(texts)
    by_id = {d["id"]: d for d in expected["documents"]}
    listed = set()
    for i, doc in enumerate(manifest["documents"]):
        listed.add(doc["id"])
        exp = by_id.get(doc["id"])
        if exp is None:
            out.append(
                Problem(
                    file,
                    pointer("documents", i, "id"),
                    f"expected a document with a text in texts/, found {doc['id']!r} without one",
                    "unknown-document",
                )
            )
            continue
        for key, value in exp.items():
            if doc.get(key) != value:
                out.append(
                    Problem(
                        file,
                        pointer("documents", i, key),
                        f"expected {json.dumps(value, ensure_ascii=False)[:120]} (computed from the text), found {json.dumps(doc.get(key), ensure_ascii=False)[:120]}; run `cartel-fto manifest`",
                        "stale-manifest",
                    )
                )
    for doc_id in sorted(set(by_id) - listed):
        out.append(
            Problem(
                file, "/documents", f"expected an entry for texts/{doc_id}.txt, found none; run `cartel-fto manifest`", "stale-manifest"
            )
        )
    return out


def text_problems(paths: CorpusPaths) -> list[Problem]:
    """Every text must be UTF-8: offsets, the manifest and every derived file decode it."""
    return [
        Problem(display(paths.texts / t.source_file), "", msg, "not-utf8", unreadable=True)
        for t in read_texts(paths)
        if (msg := t.decode_error())
    ]


def parse_checksums(file: str, path: Path) -> tuple[dict[str, str], list[Problem]]:
    """`sha256sum` lines -> {file name: digest}, and one unreadable problem per line that is not one."""
    try:
        text = read_file_bytes(path).decode("utf-8")
    except Unreadable as exc:
        return {}, [Problem(file, "", str(exc), "unreadable", unreadable=True)]
    except UnicodeDecodeError as exc:
        return {}, [Problem(file, "", f"not UTF-8: byte offset {exc.start}", "unreadable", unreadable=True)]
    sums, bad_lines = parse_sha256sums(text)
    bad = [
        Problem(
            file,
            "",
            f"line {n}: expected '<64 hex digits>  <file name>', found {escape_surrogates(json.dumps(line[:60], ensure_ascii=False))}",
            "bad-checksum-line",
            unreadable=True,
        )
        for n, line in bad_lines
    ]
    return sums, bad


def checksum_problems(paths: CorpusPaths) -> list[Problem]:
    """The texts must be byte-identical to the seeds they were delivered as (SHA256SUMS)."""
    file = str(paths.checksums)
    if not paths.checksums.exists():
        return [Problem(file, "", "no such file", "unreadable", unreadable=True)]
    sums, out = parse_checksums(file, paths.checksums)
    if out:
        return out
    present = {t.source_file: t for t in read_texts(paths)}
    for name, digest in sorted(sums.items()):
        t = present.get(name)
        if t is None:
            out.append(Problem(file, "", f"expected texts/{name}, found no such file", "missing-text"))
        elif sha256_hex(t.data) != digest:
            out.append(
                Problem(
                    file, "", f"expected sha256 {digest} for texts/{name}, found {sha256_hex(t.data)}: the text was edited", "text-changed"
                )
            )
    for name in sorted(set(present) - set(sums)):
        out.append(Problem(file, "", f"expected every text to be listed, found texts/{name} unlisted", "unlisted-text"))
    return out
