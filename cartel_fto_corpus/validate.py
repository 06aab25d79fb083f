"""Validation of the corpus files: the JSON Schema first, then every check no schema can express.

Errors are values (`Problem`: file, JSON pointer, message), collected over all files, never the
first one raised. The schema verdict comes from a compiled validator (jsonschema-rs); only a file
it rejects is run through the pure-Python `jsonschema` for the detailed, pointer-level report.
Semantic checks run on schema-valid files only, so they can trust the shape of the data.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from jsonschema.exceptions import ValidationError, best_match

from cartel_fto_corpus import rules_1_1
from cartel_fto_corpus.corpus import compute_manifest, read_checksums, read_texts, sha256_hex
from cartel_fto_corpus.paths import MANIFEST_FILE, REGISTRY_FILE, CorpusPaths
from cartel_fto_corpus.schema import detailed_validator, fast_validator, supported_versions

#: Exit codes of `cartel-fto validate`.
EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


@dataclass(frozen=True)
class Problem:
    """One error: where (file and RFC 6901 pointer) and what (expected vs found)."""

    file: str
    pointer: str
    message: str
    code: str
    unreadable: bool = False
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.pointer}" if self.pointer else self.file
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "pointer": self.pointer, "line": self.line, "code": self.code, "message": self.message}


@dataclass
class Report:
    files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if any(p.unreadable for p in self.problems):
            return EXIT_UNREADABLE
        return EXIT_INVALID if self.problems else EXIT_OK


def pointer(*parts: str | int) -> str:
    """RFC 6901 pointer from path parts."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _short(text: str, limit: int = 60) -> str:
    text = text if len(text) <= limit else text[: limit - 1] + "\u2026"
    return json.dumps(text, ensure_ascii=False)


def file_kind(path: Path) -> str:
    """annotation, registry or manifest, by file name (`*registry.json`, `*manifest.json`)."""
    if path.name == REGISTRY_FILE or path.name.endswith("." + REGISTRY_FILE):
        return "registry"
    if path.name == MANIFEST_FILE or path.name.endswith("." + MANIFEST_FILE):
        return "manifest"
    return "annotation"


class Unreadable(Exception):
    """A file that cannot be read as JSON; carries the one-line reason."""


def read_json(path: Path) -> Any:
    """Parse a JSON file, turning every way it can fail into one readable line."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise Unreadable("no such file") from None
    except IsADirectoryError:
        raise Unreadable("is a directory, expected a JSON file") from None
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"not UTF-8: byte 0x{data[exc.start]:02x} at byte offset {exc.start}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise Unreadable(f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None


def _path_key(parts: Iterable[Any]) -> tuple[tuple[int, Any], ...]:
    return tuple((0, p) if isinstance(p, int) else (1, str(p)) for p in parts)


def _relevant(err: ValidationError) -> ValidationError:
    """The sub-error that explains a oneOf/anyOf failure: the branch whose `const` matched.

    An actor is one of three object shapes told apart by `kind`; "is not valid under any of the
    given schemas" helps nobody, "'span' is a required property" in the `unnamed` branch does.
    """
    while err.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in err.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        matching = [subs for subs in branches.values() if not any(e.validator == "const" for e in subs)]
        if len(matching) != 1:
            return best_match([err])
        err = best_match(matching[0])
    return err


def schema_problems(kind: str, doc: Any, file: str) -> list[Problem]:
    """Schema errors of one parsed file; empty when the compiled validator accepts it."""
    if fast_validator(kind).is_valid(doc):
        return []
    errors = sorted(detailed_validator(kind).iter_errors(doc), key=lambda e: _path_key(e.absolute_path))
    out = []
    for err in errors:
        leaf = _relevant(err)
        out.append(Problem(file, pointer(*leaf.absolute_path), f"schema: {leaf.message}", f"schema-{leaf.validator}"))
    return out


def _parse_time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass
class Context:
    """What annotations are checked against: the texts and the registry of one corpus root."""

    paths: CorpusPaths
    registry: dict[str, Any] | None = None

    _cache: dict[str, tuple[str, str] | None] = field(default_factory=dict)

    def text(self, doc_id: str) -> tuple[str, str] | None:
        """(text, sha256) of a document, or None if it has no readable text.

        Read on first use and kept in a small cache: a document is usually checked once, and a
        corpus of 100k texts must not be held in memory.
        """
        if doc_id not in self._cache:
            if len(self._cache) >= 64:
                self._cache.clear()
            try:
                with open(os.path.join(self.paths.texts, doc_id + ".txt"), "rb") as fh:
                    data = fh.read()
                text = data.decode("utf-8")
                self._cache[doc_id] = (text, sha256_hex(data))
            except (OSError, UnicodeDecodeError):
                self._cache[doc_id] = None
        return self._cache[doc_id]

    def _index(self, section: str) -> dict[str, dict[str, Any]]:
        if self.registry is None:
            return {}
        return {e["id"]: e for e in self.registry.get(section, [])}

    @cached_property
    def entities(self) -> dict[str, dict[str, Any]]:
        return self._index("entities")

    @cached_property
    def entity_types(self) -> dict[str, str]:
        return {k: e["type"] for k, e in self.entities.items()}

    @cached_property
    def targets(self) -> dict[str, dict[str, Any]]:
        return self._index("targets")

    @cached_property
    def clusters(self) -> dict[str, dict[str, Any]]:
        return self._index("clusters")


@dataclass
class Usage:
    """Registry ids referenced by the annotations, to find registry entries nobody uses."""

    entities: set[str] = field(default_factory=set)
    targets: set[str] = field(default_factory=set)
    clusters: set[str] = field(default_factory=set)
    #: cluster id -> article numbers (the doc id's prefix, e.g. "001") with a member claim, for
    #: the discrepancy-citation check (GUIDELINES 4.6).
    cluster_docs: dict[str, set[str]] = field(default_factory=dict)

    def merge(self, other: Usage) -> None:
        """Add the uses recorded by another checker (a parallel chunk)."""
        self.entities |= other.entities
        self.targets |= other.targets
        self.clusters |= other.clusters
        for cid, docs in other.cluster_docs.items():
            self.cluster_docs.setdefault(cid, set()).update(docs)


class AnnotationChecker:
    """Semantic checks of one schema-valid annotation file."""

    def __init__(self, file: str, doc: dict[str, Any], ctx: Context, usage: Usage) -> None:
        self.file, self.doc, self.ctx, self.usage = file, doc, ctx, usage
        self.problems: list[Problem] = []

    def err(self, ptr: str, code: str, message: str) -> None:
        self.problems.append(Problem(self.file, ptr, message, code))

    def run(self) -> list[Problem]:
        doc = self.doc
        found = self.ctx.text(doc["doc_id"])
        if found is None:
            self.err("/doc_id", "unknown-document", f"expected the id of a document in texts/, found {doc['doc_id']!r}")
            return self.problems
        text, sha = found
        if doc["text_sha256"] != sha:
            self.err(
                "/text_sha256",
                "sha256-mismatch",
                f"expected the sha256 of texts/{doc['doc_id']}.txt {sha}, found {doc['text_sha256']}",
            )
            return self.problems  # offsets into another text cannot be checked meaningfully
        gold_at: str | None = None
        annotators: dict[str, str] = {}
        for i, aset in enumerate(doc["annotations"]):
            base = pointer("annotations", i)
            if aset["status"] == "gold":
                if gold_at is not None:
                    self.err(base + "/status", "several-gold", f"expected at most one gold annotation set, found another at {gold_at}")
                else:
                    gold_at = base
            if aset["annotator"] in annotators:
                self.err(
                    base + "/annotator",
                    "duplicate-annotator",
                    f"annotator {aset['annotator']!r} already has the annotation set at {annotators[aset['annotator']]}",
                )
            annotators.setdefault(aset["annotator"], base)
            self.check_times(base, aset)
            self.check_set(i, aset, text)
        return self.problems

    def check_times(self, base: str, aset: dict[str, Any]) -> None:
        created, updated = _parse_time(aset["created"]), _parse_time(aset["updated"])
        for key, value in (("created", created), ("updated", updated)):
            if value is None or value.tzinfo is None:
                self.err(f"{base}/{key}", "bad-time", f"expected an RFC 3339 date-time with time zone, found {aset[key]!r}")
        if created and updated and created.tzinfo and updated.tzinfo and updated < created:
            self.err(
                f"{base}/updated", "updated-before-created", f"expected updated >= created ({aset['created']}), found {aset['updated']}"
            )

    def check_span(self, ptr: str, span: dict[str, Any], text: str) -> bool:
        """Offsets, stored text and paragraph breaks of one span; True if the span is sound."""
        start, end = span["start"], span["end"]
        covered = text[start:end]
        # Fast path for the common, sound span: one slice and a few C-level comparisons.
        if (
            start < end <= len(text)
            and covered == span["text"]
            and not covered[0].isspace()
            and not covered[-1].isspace()
            and ("\n" not in covered or span.get("multi_paragraph", False))
        ):
            return True
        if start >= end:
            self.err(ptr, "empty-span", f"expected start < end, found start {start} and end {end}")
            return False
        if end > len(text):
            self.err(ptr + "/end", "offset-out-of-range", f"expected end <= {len(text)} (text length in code points), found {end}")
            return False
        if covered != span["text"]:
            self.err(
                ptr + "/text",
                "span-text-mismatch",
                f"expected the text at {start}:{end} {_short(covered)}, found {_short(span['text'])}",
            )
            return False
        if covered != covered.strip():
            self.err(ptr, "span-whitespace", f"expected a span without surrounding white space, found {_short(covered)}")
        if "\n" in covered and not span.get("multi_paragraph", False):
            at = start + covered.index("\n")
            self.err(
                ptr,
                "crosses-paragraph",
                f"expected a span inside one paragraph, found a line break at offset {at}; split it or set multi_paragraph",
            )
        return True

    def check_actor(self, ptr: str, actor: dict[str, Any], mentions: dict[str, dict[str, Any]], text: str) -> None:
        kind = actor["kind"]
        if kind == "entity":
            ent = actor["entity"]
            self.usage.entities.add(ent)
            if ent not in self.ctx.entities:
                self.err(ptr + "/entity", "unknown-entity", f"expected an entity id of the registry, found {ent!r}")
            mention = actor.get("mention")
            if mention is not None:
                m = mentions.get(mention)
                if m is None:
                    self.err(ptr + "/mention", "unknown-mention", f"expected the id of an entity mention of this set, found {mention!r}")
                elif m["entity"] != ent:
                    self.err(
                        ptr + "/mention",
                        "mention-entity-mismatch",
                        f"expected a mention of {ent!r}, found {mention!r} which links {m['entity']!r}",
                    )
        elif kind == "unnamed":
            self.check_span(ptr + "/span", actor["span"], text)

    def check_attribution(self, ptr: str, actor: dict[str, Any], attribution: str) -> None:
        is_author = actor["kind"] == "author"
        if is_author != (attribution == "authorial"):
            expected = "authorial" if is_author else "direct or reported"
            self.err(
                ptr + "/attribution", "attribution-mismatch", f"expected {expected} for actor kind {actor['kind']!r}, found {attribution!r}"
            )

    def entities_sound(self, entities: list[dict[str, Any]], text: str) -> bool:
        """True if every mention passes every check; one tight loop for the common clean case.

        The detailed per-mention checks build pointers and messages; on a clean corpus they would
        do that work for nothing, so they run only when this quick pass finds something.
        """
        types, n = self.ctx.entity_types, len(text)
        for m in entities:
            s, e = m["start"], m["end"]
            c = text[s:e]
            if not (
                s < e <= n
                and c == m["text"]
                and types.get(m["entity"]) == m["label"]
                and not c[0].isspace()
                and not c[-1].isspace()
                and "\n" not in c
            ):
                return False
        order = sorted([(m["start"], m["end"]) for m in entities])
        return all(b[0] >= a[1] for a, b in itertools.pairwise(order))

    def check_set(self, index: int, aset: dict[str, Any], text: str) -> None:
        base = pointer("annotations", index)
        ids = [item["id"] for section in ("entities", "stances", "claims") for item in aset[section]]
        if len(set(ids)) != len(ids):
            self.check_ids(base, aset)
        mentions = {m["id"]: m for m in aset["entities"]}
        self.usage.entities.update(m["entity"] for m in aset["entities"])
        if not self.entities_sound(aset["entities"], text):
            self.check_entities(base, aset["entities"], text)
        self.check_stances(base, aset["stances"], mentions, text)
        self.check_claims(base, aset["claims"], mentions, text)
        for ptr, code, message in rules_1_1.author_evidence_problems(base, aset):
            self.err(ptr, code, message)

    def check_ids(self, base: str, aset: dict[str, Any]) -> None:
        seen_ids: dict[str, str] = {}
        for section in ("entities", "stances", "claims"):
            for j, item in enumerate(aset[section]):
                ptr = f"{base}/{section}/{j}"
                if item["id"] in seen_ids:
                    self.err(
                        ptr + "/id", "duplicate-id", f"expected a unique id, found {item['id']!r} again (first at {seen_ids[item['id']]})"
                    )
                else:
                    seen_ids[item["id"]] = ptr

    def check_entities(self, base: str, entities: list[dict[str, Any]], text: str) -> None:
        spans: dict[tuple[int, int], str] = {}
        sound: list[tuple[int, int, int, str]] = []
        for j, m in enumerate(entities):
            ptr = f"{base}/entities/{j}"
            reg = self.ctx.entities.get(m["entity"])
            if reg is None:
                self.err(ptr + "/entity", "unknown-entity", f"expected an entity id of the registry, found {m['entity']!r}")
            elif reg["type"] != m["label"]:
                self.err(
                    ptr + "/label",
                    "label-mismatch",
                    f"expected {reg['type']} (the type of {m['entity']!r} in the registry), found {m['label']}",
                )
            if not self.check_span(ptr, m, text):
                continue
            key = (m["start"], m["end"])
            if key in spans:
                self.err(
                    ptr, "duplicate-span", f"expected one mention per span, found {m['start']}:{m['end']} again (first at {spans[key]})"
                )
                continue
            spans[key] = ptr
            sound.append((m["start"], m["end"], j, ptr))
        sound.sort()
        for a, b in itertools.pairwise(sound):
            if b[0] < a[1]:
                first, later = (a, b) if a[2] < b[2] else (b, a)  # report the one listed later
                self.err(
                    later[3],
                    "overlapping-mentions",
                    f"expected flat, non-overlapping mentions, found {later[0]}:{later[1]} overlapping {first[3]} ({first[0]}:{first[1]})",
                )

    def check_stances(self, base: str, stances: list[dict[str, Any]], mentions: dict[str, dict[str, Any]], text: str) -> None:
        seen_stance: dict[tuple[str, str, str], str] = {}
        for j, st in enumerate(stances):
            ptr = f"{base}/stances/{j}"
            self.usage.targets.add(st["target"])
            if st["target"] not in self.ctx.targets:
                self.err(ptr + "/target", "unknown-target", f"expected a target id of the registry, found {st['target']!r}")
            self.check_actor(ptr + "/holder", st["holder"], mentions, text)
            self.check_attribution(ptr, st["holder"], st["attribution"])
            holder = st["holder"]
            key = (holder["kind"], holder.get("entity") or holder.get("description", ""), st["target"])
            if key in seen_stance:
                self.err(ptr, "duplicate-stance", f"expected one stance per holder and target, found another at {seen_stance[key]}")
            seen_stance.setdefault(key, ptr)
            for k, ev in enumerate(st["evidence"]):
                self.check_span(f"{ptr}/evidence/{k}", ev, text)

    def check_claims(self, base: str, claims: list[dict[str, Any]], mentions: dict[str, dict[str, Any]], text: str) -> None:
        claim_spans: dict[tuple[int, int], str] = {}
        for j, cl in enumerate(claims):
            ptr = f"{base}/claims/{j}"
            for k, cid in enumerate(cl["clusters"]):
                self.usage.clusters.add(cid)
                self.usage.cluster_docs.setdefault(cid, set()).add(rules_1_1.article_number(self.doc["doc_id"]))
                cluster = self.ctx.clusters.get(cid)
                if cluster is None:
                    self.err(f"{ptr}/clusters/{k}", "unknown-cluster", f"expected a cluster id of the registry, found {cid!r}")
                elif (problem := rules_1_1.cluster_kind_problem(cl, cluster)) is not None:
                    self.err(f"{ptr}/clusters/{k}", "cluster-kind-mismatch", problem)
            if (problem := rules_1_1.opinion_problem(cl)) is not None:
                self.err(ptr + "/checkworthiness", "opinion-checkworthiness", problem)
            self.check_actor(ptr + "/claimant", cl["claimant"], mentions, text)
            self.check_attribution(ptr, cl["claimant"], cl["attribution"])
            if self.check_span(ptr, cl, text):
                key = (cl["start"], cl["end"])
                if key in claim_spans:
                    self.err(
                        ptr,
                        "duplicate-span",
                        f"expected one claim per span, found {cl['start']}:{cl['end']} again (first at {claim_spans[key]})",
                    )
                claim_spans.setdefault(key, ptr)


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
                if entry["id"] not in used:
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
    expected = compute_manifest(read_texts(paths))
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


def checksum_problems(paths: CorpusPaths) -> list[Problem]:
    """The texts must be byte-identical to the seeds they were delivered as (SHA256SUMS)."""
    file = str(paths.checksums)
    if not paths.checksums.exists():
        return [Problem(file, "", "no such file", "unreadable", unreadable=True)]
    sums = read_checksums(paths.checksums)
    out = []
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


def _version_problem(file: str, doc: Any) -> Problem | None:
    if not isinstance(doc, dict):
        return Problem(file, "", f"expected a JSON object, found {type(doc).__name__}", "schema-type")
    version = doc.get("schema_version")
    if version not in supported_versions():
        found = "none" if version is None else repr(version)
        return Problem(
            file,
            "/schema_version",
            f"unknown schema version: expected one of {', '.join(supported_versions())}, found {found}",
            "unknown-schema-version",
        )
    return None


def _expand(paths: Iterable[Path]) -> Iterator[Path]:
    for p in paths:
        if p.is_dir():
            yield from (Path(f) for f in sorted(map(str, p.rglob("*.json"))))
        else:
            yield p


def display(path: Path | str) -> str:
    """Path as shown in messages: relative to the working directory where possible."""
    full, cwd = os.path.abspath(path), os.getcwd()
    return full[len(cwd) + 1 :] if full.startswith(cwd + os.sep) else full


def load_checked(kind: str, path: Path, report: Report) -> dict[str, Any] | None:
    """Parse and schema-check one file, recording its problems; the document if it is sound."""
    name = display(path)
    report.files.append(name)
    try:
        doc = read_json(path)
    except Unreadable as exc:
        report.problems.append(Problem(name, "", str(exc), "unreadable", unreadable=True))
        return None
    bad = _version_problem(name, doc)
    if bad:
        report.problems.append(bad)
        return None
    found = schema_problems(kind, doc, name)
    report.problems.extend(found)
    return None if found else doc


def check_annotation_files(files: list[Path], ctx: Context) -> tuple[Report, Usage]:
    """Schema and semantic checks of annotation files; also what registry entries they use."""
    report, usage = Report(), Usage()
    annotations_dir = os.path.abspath(ctx.paths.annotations)
    for p in files:
        doc = load_checked("annotation", p, report)
        if doc is None:
            continue
        name = report.files[-1]
        report.problems.extend(AnnotationChecker(name, doc, ctx, usage).run())
        if p.stem != doc["doc_id"] and os.path.abspath(p.parent) == annotations_dir:
            report.problems.append(
                Problem(name, "/doc_id", f"expected {p.stem!r} (the file name), found {doc['doc_id']!r}", "file-name-mismatch")
            )
    return report, usage


def _check_chunk(args: tuple[list[Path], Path, dict[str, Any] | None]) -> tuple[Report, Usage]:
    files, root, registry = args
    return check_annotation_files(files, Context(CorpusPaths(root), registry=registry))


#: Below this many annotation files a process pool costs more than it saves.
PARALLEL_MIN_FILES = 400


def check_annotation_files_parallel(files: list[Path], ctx: Context, jobs: int) -> tuple[Report, Usage]:
    """The same as check_annotation_files, split over `jobs` processes, results in file order."""
    if jobs <= 1 or len(files) < PARALLEL_MIN_FILES:
        return check_annotation_files(files, ctx)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    size = -(-len(files) // (jobs * 4))
    chunks = [(files[i : i + size], ctx.paths.root, ctx.registry) for i in range(0, len(files), size)]
    report, usage = Report(), Usage()
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        for part, used in pool.map(_check_chunk, chunks):
            report.files += part.files
            report.problems += part.problems
            usage.merge(used)
    return report, usage


def validate(targets: list[Path] | None = None, root: Path | None = None, jobs: int = 1) -> Report:
    """Validate `targets` (default: the whole corpus under `root`) and return every problem.

    The registry in use is always checked too, since every annotation is checked against it; the
    manifest and the texts' checksums are checked on whole-corpus runs or when given. Registry
    entries count as unused against the root's annotations plus the files given. `jobs` > 1
    spreads large sets of annotation files over processes.
    """
    paths = CorpusPaths(root)
    whole = not targets
    files = list(_expand(targets)) if targets else [paths.manifest, paths.registry, *paths.annotation_files()]
    by_kind: dict[str, list[Path]] = {"annotation": [], "registry": [], "manifest": []}
    for f in dict.fromkeys(files):
        by_kind[file_kind(f)].append(f)
    if not by_kind["registry"]:
        by_kind["registry"].append(paths.registry)
    if whole and not by_kind["manifest"]:
        by_kind["manifest"].append(paths.manifest)
    report = Report()

    registries = [(p, load_checked("registry", p, report)) for p in by_kind["registry"]]
    ctx = Context(paths, registry=next((r for _p, r in registries if r is not None), None))
    for p in by_kind["manifest"]:
        manifest = load_checked("manifest", p, report)
        if manifest is not None:
            report.problems.extend(manifest_problems(display(p), manifest, paths))
    if whole:
        report.problems.extend(checksum_problems(paths))

    checked, usage = check_annotation_files_parallel(by_kind["annotation"], ctx, jobs)
    report.files += checked.files
    report.problems += checked.problems
    # Usage counts the root's other annotations too, so validating one file does not make the
    # rest of the registry look unused.
    given = {os.path.abspath(f) for f in by_kind["annotation"]}
    for p in [] if whole else paths.annotation_files():
        if os.path.abspath(p) in given:
            continue
        try:
            doc = read_json(p)
        except Unreadable:
            continue
        if _version_problem("", doc) is None and fast_validator("annotation").is_valid(doc):
            AnnotationChecker(display(p), doc, ctx, usage).run()
    for p, reg in registries:
        if reg is not None:
            report.problems.extend(registry_problems(display(p), reg, usage))
    if whole:
        documented = {p.stem for p in paths.annotation_files()}
        for doc_id in sorted({p.stem for p in paths.text_files()} - documented):
            report.problems.append(
                Problem(
                    display(paths.annotations),
                    "",
                    f"expected an annotation file {doc_id}.json for texts/{doc_id}.txt, found none",
                    "missing-annotation",
                )
            )
    return report
