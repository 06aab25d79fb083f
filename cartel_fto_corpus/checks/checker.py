"""Semantic checks of one annotation file: everything the JSON Schema cannot express.

Offsets against the text, span texts, ids and references into the registry, the gold policy,
repeated passages, times. Runs only on schema-valid files, so it can trust the data's shape.
The class is long because it is one pass over a file with shared lookups (why it is one class);
each check is its own method returning `Problem`s.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, ClassVar

from cartel_fto_corpus.checks import rules_1_1, severity
from cartel_fto_corpus.checks.execution_stances import execution_stance_problems, load_acknowledged
from cartel_fto_corpus.checks.problems import MAX_PROBLEMS_PER_FILE, Problem, _short, more_problems, pointer
from cartel_fto_corpus.checks.reported_speech import reported_speech_problems
from cartel_fto_corpus.checks.unnamed_actors import unnamed_actor_problems
from cartel_fto_corpus.truth.jsonio import Unreadable, read_file_bytes
from cartel_fto_corpus.truth.layers import Layer, Reference, item_references, item_spans, layer, layers, set_items
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.spans import span_problem
from cartel_fto_corpus.truth.texts import sha256_hex


def _parse_time(value: str) -> datetime | None:
    """An RFC 3339 date-time (its shape checked by the schema's pattern; `t` and `z` may be lower
    case there) as an aware datetime, or None if the date does not exist (2025-02-30)."""
    try:
        return datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
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
                data = read_file_bytes(os.path.join(self.paths.texts, doc_id + ".txt"))
                text = data.decode("utf-8")
                self._cache[doc_id] = (text, sha256_hex(data))
            except (Unreadable, UnicodeDecodeError):
                self._cache[doc_id] = None
        return self._cache[doc_id]

    _sections: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, dict[str, Any]]:
        """A registry section (entities, targets, clusters) by id, indexed on first use."""
        if name not in self._sections:
            self._sections[name] = {} if self.registry is None else {e["id"]: e for e in self.registry.get(name, [])}
        return self._sections[name]

    @property
    def entities(self) -> dict[str, dict[str, Any]]:
        return self.section("entities")

    @cached_property
    def entity_types(self) -> dict[str, str]:
        return {k: e["type"] for k, e in self.entities.items()}

    @cached_property
    def acknowledged(self) -> tuple[dict[str, dict[str, str]], str | None]:
        """The adjudicator's acknowledged warnings (checks/execution_stances.py), read once."""
        return load_acknowledged(self.paths.annotations)


@dataclass
class Usage:
    """Registry ids referenced by the annotations, to find registry entries nobody uses."""

    entities: set[str] = field(default_factory=set)
    targets: set[str] = field(default_factory=set)
    clusters: set[str] = field(default_factory=set)
    #: cluster id -> article numbers (the doc id's prefix, e.g. "001") with a member claim, for
    #: the discrepancy-citation check (GUIDELINES 4.6).
    cluster_docs: dict[str, set[str]] = field(default_factory=dict)
    #: Every string in files that failed their own checks: an entry named there is not reported
    #: unused, so one wrong label is one problem, not one plus a follow-on per registry entry.
    maybe: set[str] = field(default_factory=set)

    def note_failed(self, doc: Any) -> None:
        """Record the strings of a document whose checks failed (its references are unknown)."""
        if isinstance(doc, str):
            self.maybe.add(doc)
        elif isinstance(doc, dict):
            for v in doc.values():
                self.note_failed(v)
        elif isinstance(doc, list):
            for v in doc:
                self.note_failed(v)

    def note(self, section: str, value: str, doc_id: str) -> None:
        """Record an id of registry `section` used by document `doc_id`."""
        used = getattr(self, section, None)
        if isinstance(used, set):
            used.add(value)
        if section == "clusters":
            self.cluster_docs.setdefault(value, set()).add(rules_1_1.article_number(doc_id))

    def record(self, doc: dict[str, Any]) -> None:
        """Record the registry ids a valid document uses (its declared references), without checking it."""
        for aset in doc["annotations"]:
            for found, _j, item in set_items(aset):
                for _ptr, ref, value in item_references(found, item):
                    if ref.kind == "registry":
                        self.note(ref.to, value, doc["doc_id"])

    def merge(self, other: Usage) -> None:
        """Add the uses recorded by another checker (a parallel chunk)."""
        self.entities |= other.entities
        self.targets |= other.targets
        self.clusters |= other.clusters
        self.maybe |= other.maybe
        for cid, docs in other.cluster_docs.items():
            self.cluster_docs.setdefault(cid, set()).update(docs)


class AnnotationChecker:
    """Semantic checks of one schema-valid annotation file."""

    def __init__(self, file: str, doc: dict[str, Any], ctx: Context, usage: Usage) -> None:
        self.file, self.doc, self.ctx, self.usage = file, doc, ctx, usage
        self.problems: list[Problem] = []
        #: findings that do not make the file invalid (rules of later guidelines on earlier sets, heuristics)
        self.warnings: list[Problem] = []
        self.unlisted = 0
        #: the items of the set being checked, by layer and id, for references between layers
        self.items: dict[str, dict[str, dict[str, Any]]] = {}

    #: Layers with rules of their own beyond the declaration; every other layer gets `check_layer` alone.
    OWN_RULES: ClassVar[dict[str, str]] = {"entities": "check_entities", "stances": "check_stances", "claims": "check_claims"}

    def err(self, ptr: str, code: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS_PER_FILE:
            self.problems.append(Problem(self.file, ptr, message, code))
        else:
            self.unlisted += 1

    def warn(self, ptr: str, code: str, message: str) -> None:
        if len(self.warnings) < MAX_PROBLEMS_PER_FILE:
            self.warnings.append(Problem(self.file, ptr, message, code))

    def run(self) -> list[Problem]:
        """Every problem of the file, at most MAX_PROBLEMS_PER_FILE listed and the rest counted."""
        self.check_document()
        if self.unlisted:
            self.problems.append(more_problems(self.file, self.unlisted, "problems"))
        return self.problems

    def check_document(self) -> list[Problem]:
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
            from cartel_fto_corpus.checks.adjudication import adjudication_problems  # its own module: the adjudication record

            for ptr, code, message in adjudication_problems(doc, i):
                self.err(ptr, code, message)
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
        """Offsets, stored text and boundary rules of one span; True if its offsets and text are sound.

        The boundary rules (word edges, punctuation, paragraphs) are `truth.spans.span_problem`,
        the same function the build applies, so the two cannot disagree.
        """
        start, end = span["start"], span["end"]
        covered = text[start:end]
        if start < end <= len(text) and covered == span["text"]:
            found = span_problem(text, start, end, span.get("multi_paragraph", False))
            if found is not None:
                self.err(ptr, *found)
            return True
        if start >= end:
            self.err(ptr, "empty-span", f"expected start < end, found start {start} and end {end}")
            return False
        if end > len(text):
            self.err(ptr + "/end", "offset-out-of-range", f"expected end <= {len(text)} (text length in code points), found {end}")
            return False
        self.err(
            ptr + "/text",
            "span-text-mismatch",
            f"expected the text at {start}:{end} {_short(covered)}, found {_short(span['text'])}",
        )
        return False

    def check_reference(self, ptr: str, ref: Reference, value: str) -> None:
        """One declared reference of an item (`x-layer` references): an id of a registry section, or
        of an item of another layer of the same set. Registry ids are recorded in `Usage`."""
        if ref.kind == "registry":
            self.usage.note(ref.to, value, self.doc["doc_id"])
            if value not in self.ctx.section(ref.to):
                self.err(ptr, ref.code, f"expected {ref.expected}, found {value!r}")
        elif value not in self.items.get(ref.to, {}):
            self.err(ptr, ref.code, f"expected {ref.expected}, found {value!r}")

    def check_actor(self, ptr: str, actor: dict[str, Any]) -> None:
        """What the declared references cannot say: the mention that names an entity actor links that entity."""
        mention = self.items.get("entities", {}).get(actor.get("mention", ""))
        if mention is not None and mention["entity"] != actor["entity"]:
            self.err(
                ptr + "/mention",
                "mention-entity-mismatch",
                f"expected a mention of {actor['entity']!r}, found {actor['mention']!r} which links {mention['entity']!r}",
            )

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
            if not (s < e <= n and c == m["text"] and types.get(m["entity"]) == m["label"] and span_problem(text, s, e) is None):
                return False
        order = sorted([(m["start"], m["end"]) for m in entities])
        return all(b[0] >= a[1] for a, b in itertools.pairwise(order))

    def check_set(self, index: int, aset: dict[str, Any], text: str) -> None:
        base = pointer("annotations", index)
        ids = [item["id"] for _layer, _j, item in set_items(aset)]
        if len(set(ids)) != len(ids):
            self.check_ids(base, aset)
        self.items = {found.name: {x["id"]: x for x in aset.get(found.name, [])} for found in layers()}
        for found in layers():
            own = self.OWN_RULES.get(found.name)
            if own is not None:
                getattr(self, own)(base, aset[found.name], text)
            else:
                self.check_layer(base, found, aset.get(found.name, []), text)
        for ptr, code, message in rules_1_1.author_evidence_problems(base, aset):
            self.err(ptr, code, message)
        self.check_release_0_3_rules(base, aset)

    def check_release_0_3_rules(self, base: str, aset: dict[str, Any]) -> None:
        """Rules of guidelines 2.0 (errors from 2.0 on, warnings before: `severity.py`); the
        execution-only heuristic stays a warning unless it concerns an unacknowledged 2.0 gold stance."""
        report = self.err if severity.binds(aset) else self.warn
        for ptr, code, message in reported_speech_problems(base, aset):
            (self.warn if code == "author-evidence-speech-object" else report)(ptr, code, message)
        for ptr, code, message in unnamed_actor_problems(base, aset):
            report(ptr, code, message)
        found = list(execution_stance_problems(base, aset, self.ctx.entity_types))
        if not found:
            return
        acks, bad = self.ctx.acknowledged
        if bad:
            self.err("", "bad-acknowledgements", bad)
        doc_id = self.doc["doc_id"]
        mine = {**acks.get(doc_id.split("_", 1)[0], {}), **acks.get(doc_id, {})}
        for ptr, code, message, key in found:
            if key in mine:
                continue  # read and accepted by the adjudicator, with a reason
            if aset["status"] == "gold" and severity.binds(aset):
                self.err(ptr, code, message)
            else:
                self.warn(ptr, code, message)

    def check_ids(self, base: str, aset: dict[str, Any]) -> None:
        seen_ids: dict[str, str] = {}
        for found, j, item in set_items(aset):
            ptr = f"{base}/{found.name}/{j}"
            if item["id"] in seen_ids:
                self.err(ptr + "/id", "duplicate-id", f"expected a unique id, found {item['id']!r} again (first at {seen_ids[item['id']]})")
            else:
                seen_ids[item["id"]] = ptr

    def check_layer(
        self, base: str, found: Layer, items: list[dict[str, Any]], text: str, rules: Callable[[str, dict[str, Any]], None] | None = None
    ) -> list[tuple[int, int, int, str]]:
        """The checks the declaration (`x-layer`) drives, for every item of a layer: its references,
        then the layer's own `rules(pointer, item)`, then its spans; where the item itself is a span,
        one item per span. Returns the sound item spans as (start, end, index, pointer), first of each."""
        seen: dict[tuple[int, int], str] = {}
        sound: list[tuple[int, int, int, str]] = []
        for j, item in enumerate(items):
            ptr = f"{base}/{found.name}/{j}"
            for ref_ptr, ref, value in item_references(found, item, ptr):
                self.check_reference(ref_ptr, ref, value)
            if rules is not None:
                rules(ptr, item)
            for span_ptr, span in item_spans(found, item, ptr):
                if not self.check_span(span_ptr, span, text) or span_ptr != ptr:
                    continue
                key = (span["start"], span["end"])
                if key in seen:
                    self.err(
                        ptr,
                        "duplicate-span",
                        f"expected one {found.short_noun} per span, found {key[0]}:{key[1]} again (first at {seen[key]})",
                    )
                    continue
                seen[key] = ptr
                sound.append((*key, j, ptr))
        return sound

    def check_entities(self, base: str, entities: list[dict[str, Any]], text: str) -> None:
        """Entity mentions: the declared checks, each label the type of its registry entity, and flat."""
        if self.entities_sound(entities, text):
            self.usage.entities.update(m["entity"] for m in entities)
            return

        def label_rule(ptr: str, m: dict[str, Any]) -> None:
            reg = self.ctx.entities.get(m["entity"])
            if reg is not None and reg["type"] != m["label"]:
                self.err(
                    ptr + "/label",
                    "label-mismatch",
                    f"expected {reg['type']} (the type of {m['entity']!r} in the registry), found {m['label']}",
                )

        sound = sorted(self.check_layer(base, layer("entities"), entities, text, label_rule))
        for a, b in itertools.pairwise(sound):
            if b[0] < a[1]:
                first, later = (a, b) if a[2] < b[2] else (b, a)  # report the one listed later
                self.err(
                    later[3],
                    "overlapping-mentions",
                    f"expected flat, non-overlapping mentions, found {later[0]}:{later[1]} overlapping {first[3]} ({first[0]}:{first[1]})",
                )

    def check_stances(self, base: str, stances: list[dict[str, Any]], text: str) -> None:
        """Stances: the declared checks, the holder's mention and attribution, one stance per holder and target."""
        seen_stance: dict[tuple[str, str, str], str] = {}

        def stance_rules(ptr: str, st: dict[str, Any]) -> None:
            holder = st["holder"]
            self.check_actor(ptr + "/holder", holder)
            self.check_attribution(ptr, holder, st["attribution"])
            key = (holder["kind"], holder.get("entity") or holder.get("description", ""), st["target"])
            if key in seen_stance:
                self.err(ptr, "duplicate-stance", f"expected one stance per holder and target, found another at {seen_stance[key]}")
            seen_stance.setdefault(key, ptr)

        self.check_layer(base, layer("stances"), stances, text, stance_rules)

    def check_claims(self, base: str, claims: list[dict[str, Any]], text: str) -> None:
        """Claims: the declared checks, cluster kinds, the opinion
        rule, the claimant's mention and attribution."""

        def claim_rules(ptr: str, cl: dict[str, Any]) -> None:
            for k, cid in enumerate(cl["clusters"]):
                cluster = self.ctx.section("clusters").get(cid)
                if cluster is not None and (problem := rules_1_1.cluster_kind_problem(cl, cluster)) is not None:
                    self.err(f"{ptr}/clusters/{k}", "cluster-kind-mismatch", problem)
            if (problem := rules_1_1.opinion_problem(cl)) is not None:
                self.err(ptr + "/checkworthiness", "opinion-checkworthiness", problem)
            self.check_actor(ptr + "/claimant", cl["claimant"])
            self.check_attribution(ptr, cl["claimant"], cl["attribution"])

        self.check_layer(base, layer("claims"), claims, text, claim_rules)
