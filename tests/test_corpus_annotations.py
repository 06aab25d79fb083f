"""Acceptance properties of the shipped gold annotations (issue 3), computed from the data.

Nothing here pins a count or an answer: each property is stated generally (every occurrence of
a registered name is annotated, every stance and claim has evidence in its document, the
repeated passages of a document carry identical annotations, ...) and checked by a pure
function that returns the list of violations. Each check is also run on a copy of the corpus
with one thing broken, to show that it can fail.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cartel_fto_corpus.checks.validate import EXIT_OK, validate
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.sets import reference_set
from cartel_fto_corpus.truth.texts import documents, dumps, read_texts

#: Occurrences of a registered surface form that are deliberately not a mention of its entity:
#: (doc_id, start offset, surface) -> reason. Empty: the guidelines' rules (flat mentions, the
#: longer name wins) cover every case in release 1.0. Add an entry only with a reason.
COVERAGE_EXCEPTIONS: dict[tuple[str, int, str], str] = {}

#: Surface forms allowed to name several entities: text -> reason. Empty in release 1.0.
AMBIGUITY_EXCEPTIONS: dict[str, str] = {}


@dataclass
class Corpus:
    """The texts, the annotation files, the registry and the manifest of one corpus root."""

    texts: dict[str, str]
    files: dict[str, dict[str, Any]]
    registry: dict[str, Any]
    manifest: dict[str, dict[str, Any]]

    def gold(self) -> dict[str, dict[str, Any]]:
        """doc_id -> the gold annotation set (the reference set of summary.reference_set)."""
        out = {}
        for doc_id, doc in self.files.items():
            ref = reference_set(doc)
            if ref is not None and ref["status"] == "gold":
                out[doc_id] = ref
        return out


def load_corpus(paths: CorpusPaths) -> Corpus:
    texts = {t.doc_id: t.text for t in read_texts(paths)}
    files = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in paths.annotation_files()}
    registry = json.loads(paths.registry.read_text(encoding="utf-8"))
    manifest = {d["id"]: d for d in documents(paths)}
    return Corpus(texts, files, registry, manifest)


# ----------------------------------------------------------------------------- property checks


def word_occurrences(text: str, surface: str) -> list[tuple[int, int]]:
    """Case-sensitive occurrences of `surface` that neither start nor end inside a word."""
    pattern = r"(?<!\w)" + re.escape(surface) + r"(?!\w)"
    return [(m.start(), m.end()) for m in re.finditer(pattern, text)]


def surface_forms(gold: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """Every text used for a mention anywhere in the corpus -> the entities it was used for."""
    forms: dict[str, set[str]] = {}
    for aset in gold.values():
        for m in aset["entities"]:
            forms.setdefault(m["text"], set()).add(m["entity"])
    return forms


def uncovered_occurrences(corpus: Corpus) -> list[str]:
    """Occurrences of a registered surface form that no mention covers.

    Covered means: a mention with exactly this span links one of the entities the form names,
    or a longer mention contains the occurrence (flat mentions: 'Trump' inside the ORG mention
    'Trump administration', 'American' inside 'Latin American'; GUIDELINES 2.2).
    """
    gold = corpus.gold()
    forms = surface_forms(gold)
    out = []
    for doc_id, aset in sorted(gold.items()):
        text = corpus.texts[doc_id]
        exact = {(m["start"], m["end"]): m["entity"] for m in aset["entities"]}
        spans = [(m["start"], m["end"]) for m in aset["entities"]]
        for surface, entities in sorted(forms.items()):
            for start, end in word_occurrences(text, surface):
                if exact.get((start, end)) in entities:
                    continue
                if any(s <= start and end <= e and e - s > end - start for s, e in spans):
                    continue
                if (doc_id, start, surface) in COVERAGE_EXCEPTIONS:
                    continue
                out.append(f"{doc_id}:{start}:{end} {surface!r} is not annotated as {sorted(entities)}")
    return out


def ambiguous_surface_forms(corpus: Corpus) -> list[str]:
    """Surface forms linked to more than one entity (none is ambiguous in these articles)."""
    forms = surface_forms(corpus.gold())
    return [f"{text!r} names {sorted(ents)}" for text, ents in sorted(forms.items()) if len(ents) > 1 and text not in AMBIGUITY_EXCEPTIONS]


def split_word_mentions(corpus: Corpus) -> list[str]:
    """Mentions that start or end inside a word (a tokenizer on word edges could not place them)."""
    out = []
    for doc_id, aset in sorted(corpus.gold().items()):
        text = corpus.texts[doc_id]
        for m in aset["entities"]:
            s, e = m["start"], m["end"]
            if (s > 0 and text[s - 1].isalnum() and text[s].isalnum()) or (e < len(text) and text[e - 1].isalnum() and text[e].isalnum()):
                out.append(f"{doc_id}:{m['id']} {m['text']!r} splits a word")
    return out


def _span_problem(doc_id: str, where: str, text: str, span: dict[str, Any]) -> str | None:
    s, e = span["start"], span["end"]
    if not (0 <= s < e <= len(text)):
        return f"{doc_id}:{where} span {s}:{e} is outside the document"
    if text[s:e] != span["text"]:
        return f"{doc_id}:{where} stores {span['text']!r} but the text at {s}:{e} is {text[s:e]!r}"
    return None


def evidence_problems(corpus: Corpus) -> list[str]:
    """Every stance has evidence, every claim and unnamed actor a span, all matching the text."""
    out = []
    for doc_id, aset in sorted(corpus.gold().items()):
        text = corpus.texts[doc_id]
        spans: list[tuple[str, dict[str, Any]]] = []
        for st in aset["stances"]:
            if not st["evidence"]:
                out.append(f"{doc_id}:{st['id']} has no evidence")
            spans += [(f"{st['id']}/evidence", ev) for ev in st["evidence"]]
            if st["holder"]["kind"] == "unnamed":
                spans.append((f"{st['id']}/holder", st["holder"]["span"]))
        for cl in aset["claims"]:
            spans.append((cl["id"], cl))
            if cl["claimant"]["kind"] == "unnamed":
                spans.append((f"{cl['id']}/claimant", cl["claimant"]["span"]))
        out += [p for where, span in spans if (p := _span_problem(doc_id, where, text, span))]
    return out


def clusters_used(corpus: Corpus) -> dict[str, set[str]]:
    """cluster id -> the annotators whose claims use it, over every set of the annotation files (gold and drafts)."""
    out: dict[str, set[str]] = {}
    for doc in corpus.files.values():
        for aset in doc["annotations"]:
            for c in aset.get("claims", []):
                for cid in c["clusters"]:
                    out.setdefault(cid, set()).add(aset["annotator"])
    return out


def registry_use_problems(corpus: Corpus) -> list[str]:
    """The registry lists exactly the clusters some set uses (validate requires every set's clusters to be
    registered, so a cluster only an annotator's draft uses stays registered: it need not be gold's);
    every cluster of the gold groups two or more gold claims (a claim linked to no other has no cluster);
    every target has a gold stance."""
    gold = corpus.gold().values()
    per_cluster: dict[str, int] = {}
    for a in gold:
        for c in a["claims"]:
            for cid in c["clusters"]:
                per_cluster[cid] = per_cluster.get(cid, 0) + 1
    used = clusters_used(corpus)
    registered = [cluster["id"] for cluster in corpus.registry["clusters"]]
    targeted = {s["target"] for a in gold for s in a["stances"]}
    out = [f"cluster {cid!r} has no claim" for cid in registered if cid not in used]
    out += [f"cluster {cid!r} is used by {sorted(used[cid])} but not registered" for cid in sorted(set(used) - set(registered))]
    out += [
        f"cluster {cid!r} groups a single claim; a claim linked to no other has no cluster"
        for cid in registered
        if per_cluster.get(cid, 0) == 1
    ]
    out += [f"target {t['id']!r} has no stance" for t in corpus.registry["targets"] if t["id"] not in targeted]
    return out


def author_stance_problems(corpus: Corpus) -> list[str]:
    """A document whose actors take a stance on a target also has the article's own stance on it."""
    out = []
    for doc_id, aset in sorted(corpus.gold().items()):
        author = {s["target"] for s in aset["stances"] if s["holder"]["kind"] == "author"}
        for st in aset["stances"]:
            if st["target"] not in author:
                out.append(f"{doc_id}:{st['id']} addresses {st['target']!r} but the article has no own stance on it")
    return out


def gold_count_problems(corpus: Corpus) -> list[str]:
    """Every document with a text has an annotation file with exactly one gold set."""
    out = []
    for doc_id in sorted(corpus.texts):
        doc = corpus.files.get(doc_id)
        n = 0 if doc is None else sum(1 for s in doc["annotations"] if s["status"] == "gold")
        if n != 1:
            out.append(f"{doc_id} has {n} gold annotation sets, expected 1")
    return out


def _inside(item: dict[str, Any], start: int, end: int) -> bool:
    return start <= item["start"] and item["end"] <= end


def _mention_keys(aset: dict[str, Any], lo: int, hi: int, shift: int) -> set[tuple[Any, ...]]:
    """Mentions inside [lo, hi), as (start, end, label, entity) moved by `shift`."""
    return {(m["start"] + shift, m["end"] + shift, m["label"], m["entity"]) for m in aset["entities"] if _inside(m, lo, hi)}


def _claim_keys(aset: dict[str, Any], lo: int, hi: int, shift: int) -> set[tuple[Any, ...]]:
    """Claims inside [lo, hi), moved by `shift`; a claimant mention inside the copy moves with it."""
    mentions = {m["id"]: (m["start"], m["end"]) for m in aset["entities"]}
    keys = set()
    for c in aset["claims"]:
        if not _inside(c, lo, hi):
            continue
        actor = dict(c["claimant"])
        actor.pop("span", None)
        mention = actor.pop("mention", None)
        if mention is not None:
            s, e = mentions[mention]
            actor["mention_at"] = [s + shift, e + shift] if lo <= s and e <= hi else [s, e]
        fields = (c["attribution"], c["type"], c["checkworthiness"], c["hedged"], tuple(c["clusters"]), c["text"])
        keys.add((c["start"] + shift, c["end"] + shift, json.dumps(actor, sort_keys=True), *fields))
    return keys


def repeated_passage_problems(corpus: Corpus) -> list[str]:
    """Each verbatim repeat (manifest `repeated_passages`) is annotated exactly like its first copy.

    Compared, shifted by the distance between the copies: entity mentions (span, label, entity),
    claims (span, claimant, attribution, type, check-worthiness, hedge, cluster) and, per
    stance, the evidence spans that fall in either copy.
    """
    out = []
    gold = corpus.gold()
    for doc_id, entry in sorted(corpus.manifest.items()):
        aset = gold.get(doc_id)
        if aset is None:
            continue
        for p in entry["repeated_passages"]:
            delta = p["start"] - p["first_start"]
            first, second = (p["first_start"], p["end"] - delta), (p["start"], p["end"])
            where = f"{doc_id} passage {second[0]}:{second[1]} (copy of {first[0]})"
            a, b = _mention_keys(aset, *first, delta), _mention_keys(aset, *second, 0)
            if a != b:
                out.append(f"{where}: entity mentions differ: {sorted(a ^ b)}")
            a, b = _claim_keys(aset, *first, delta), _claim_keys(aset, *second, 0)
            if a != b:
                out.append(f"{where}: claims differ: {sorted(a ^ b, key=str)}")
            for st in aset["stances"]:
                ev_first = {(e["start"] + delta, e["end"] + delta) for e in st["evidence"] if _inside(e, *first)}
                ev_second = {(e["start"], e["end"]) for e in st["evidence"] if _inside(e, *second)}
                if ev_first != ev_second:
                    out.append(f"{where}: evidence of {st['id']} differs between the copies: {sorted(ev_first ^ ev_second)}")
    return out


# ----------------------------------------------------------------------------- the real corpus


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus(CorpusPaths())


def test_the_whole_corpus_validates() -> None:
    report = validate()
    assert report.problems == []
    assert report.exit_code == EXIT_OK


def test_every_document_has_exactly_one_gold_set(corpus: Corpus) -> None:
    assert corpus.texts, "no texts found"
    assert gold_count_problems(corpus) == []


def test_every_occurrence_of_a_registered_name_is_annotated(corpus: Corpus) -> None:
    assert surface_forms(corpus.gold()), "no entity mentions at all"
    assert uncovered_occurrences(corpus) == []


def test_no_name_links_two_entities(corpus: Corpus) -> None:
    assert ambiguous_surface_forms(corpus) == []


def test_exceptions_are_explained() -> None:
    assert all(reason.strip() for reason in [*COVERAGE_EXCEPTIONS.values(), *AMBIGUITY_EXCEPTIONS.values()])


def test_mentions_fall_on_word_boundaries(corpus: Corpus) -> None:
    assert split_word_mentions(corpus) == []


def test_stances_and_claims_have_evidence_in_their_document(corpus: Corpus) -> None:
    gold = corpus.gold()
    assert all(a["stances"] and a["claims"] for a in gold.values()), "a document without stances or claims"
    assert evidence_problems(corpus) == []


def test_every_cluster_has_a_claim_and_every_target_a_stance(corpus: Corpus) -> None:
    assert registry_use_problems(corpus) == []


def test_claims_made_in_several_articles_share_a_cluster(corpus: Corpus) -> None:
    """Clusters link articles: at least one gold cluster spans several documents; gold claims use only
    registered clusters, and most of the registry is gold's (a draft-only cluster is the exception)."""
    docs_per_cluster: dict[str, set[str]] = {}
    for doc_id, aset in corpus.gold().items():
        for c in aset["claims"]:
            for cid in c["clusters"]:
                docs_per_cluster.setdefault(cid, set()).add(doc_id)
    assert any(len(d) > 1 for d in docs_per_cluster.values())
    registered = {c["id"] for c in corpus.registry["clusters"]}
    assert set(docs_per_cluster) <= registered
    draft_only = registered - set(docs_per_cluster)
    assert len(draft_only) < len(docs_per_cluster), f"most registered clusters are no gold cluster: {sorted(draft_only)}"


def test_articles_state_their_own_stance_on_every_target_they_address(corpus: Corpus) -> None:
    assert author_stance_problems(corpus) == []


def test_repeated_passages_are_annotated_identically(corpus: Corpus) -> None:
    assert any(d["repeated_passages"] for d in corpus.manifest.values()), "the corpus has no repeated passage to check"
    assert repeated_passage_problems(corpus) == []


def test_provenance_is_recorded(corpus: Corpus) -> None:
    """Every gold set names a guideline version that GUIDELINES.md states or lists in its changelog.

    A gold set keeps the version it was made under (the 1.1 sets stay 1.1 when the guidelines move
    to 2.0); the version must still be one the guidelines document, never an unknown number.
    """
    guidelines = (CorpusPaths().annotations / "GUIDELINES.md").read_text(encoding="utf-8")
    version = re.search(r"\*\*Version (\d+\.\d+)\*\*", guidelines)
    assert version, "GUIDELINES.md states no version"
    changelog = guidelines.split("## Changelog", 1)[-1]
    known = {version.group(1), *re.findall(r"^- \*\*(\d+\.\d+)\*\*", changelog, re.MULTILINE)}
    for doc_id, aset in corpus.gold().items():
        assert aset["guideline_version"] in known, f"{doc_id}: {aset['guideline_version']} not in {sorted(known)}"
        assert aset["created"] <= aset["updated"], doc_id


# ----------------------------------------------------------------------------- each check can fail


def _broken(corpus: Corpus) -> Corpus:
    return copy.deepcopy(corpus)


def test_coverage_check_catches_a_deleted_mention(corpus: Corpus) -> None:
    broken = _broken(corpus)
    gold = broken.gold()
    # a mention whose text is used by another mention too, so the surface form stays registered
    counts: dict[str, int] = {}
    for a in gold.values():
        for m in a["entities"]:
            counts[m["text"]] = counts.get(m["text"], 0) + 1
    doc_id, victim = next((d, m) for d, a in sorted(gold.items()) for m in a["entities"] if counts[m["text"]] > 1)
    gold[doc_id]["entities"].remove(victim)
    assert any(p.startswith(f"{doc_id}:{victim['start']}:{victim['end']} {victim['text']!r} ") for p in uncovered_occurrences(broken))


def test_ambiguity_check_catches_a_mention_linked_to_the_wrong_entity(corpus: Corpus) -> None:
    broken = _broken(corpus)
    gold = broken.gold()
    texts = [m["text"] for a in gold.values() for m in a["entities"]]
    m = next(m for a in gold.values() for m in a["entities"] if texts.count(m["text"]) > 1)
    wrong = next(e["id"] for e in corpus.registry["entities"] if e["id"] != m["entity"])
    right, m["entity"] = m["entity"], wrong
    assert ambiguous_surface_forms(broken) == [f"{m['text']!r} names {sorted([right, wrong])}"]


def test_word_boundary_check_catches_a_split_word(corpus: Corpus) -> None:
    broken = _broken(corpus)
    doc_id, aset = next((d, a) for d, a in sorted(broken.gold().items()) if any(len(m["text"]) > 2 for m in a["entities"]))
    m = next(m for m in aset["entities"] if len(m["text"]) > 2)
    m["end"] -= 1
    m["text"] = m["text"][:-1]
    assert split_word_mentions(broken) == [f"{doc_id}:{m['id']} {m['text']!r} splits a word"]


def test_evidence_check_catches_shifted_evidence(corpus: Corpus) -> None:
    broken = _broken(corpus)
    _doc_id, aset = sorted(broken.gold().items())[0]
    ev = aset["stances"][0]["evidence"][0]
    ev["start"] += 1
    assert len(evidence_problems(broken)) == 1


def test_evidence_check_catches_a_stance_without_evidence(corpus: Corpus) -> None:
    broken = _broken(corpus)
    doc_id, aset = sorted(broken.gold().items())[-1]
    aset["stances"][0]["evidence"] = []
    assert evidence_problems(broken) == [f"{doc_id}:{aset['stances'][0]['id']} has no evidence"]


def test_registry_use_check_catches_a_cluster_without_claims(corpus: Corpus) -> None:
    """A registered cluster no set's claim uses (gold or draft) is reported."""
    broken = _broken(corpus)
    cluster = broken.registry["clusters"][0]["id"]
    for doc in broken.files.values():
        for aset in doc["annotations"]:
            for c in aset.get("claims", []):
                c["clusters"] = [x for x in c["clusters"] if x != cluster]
    assert registry_use_problems(broken) == [f"cluster {cluster!r} has no claim"]


def test_registry_use_check_catches_an_unregistered_cluster(corpus: Corpus) -> None:
    broken = _broken(corpus)
    gone = broken.registry["clusters"].pop(0)["id"]
    assert registry_use_problems(broken) == [f"cluster {gone!r} is used by {sorted(clusters_used(corpus)[gone])} but not registered"]


def test_registry_use_check_catches_a_cluster_with_a_single_claim(corpus: Corpus) -> None:
    broken = _broken(corpus)
    gold_clusters = {cid for a in broken.gold().values() for c in a["claims"] for cid in c["clusters"]}
    cluster = next(c["id"] for c in reversed(broken.registry["clusters"]) if c["id"] in gold_clusters)
    kept = False
    for aset in broken.gold().values():
        for c in aset["claims"]:
            if cluster in c["clusters"]:
                if kept:
                    c["clusters"] = [x for x in c["clusters"] if x != cluster]
                kept = True
    assert registry_use_problems(broken) == [f"cluster {cluster!r} groups a single claim; a claim linked to no other has no cluster"]


def test_author_stance_check_catches_a_missing_article_stance(corpus: Corpus) -> None:
    broken = _broken(corpus)
    _doc_id, aset = next((d, a) for d, a in sorted(broken.gold().items()) if any(s["holder"]["kind"] != "author" for s in a["stances"]))
    target = next(s["target"] for s in aset["stances"] if s["holder"]["kind"] != "author")
    aset["stances"] = [s for s in aset["stances"] if not (s["holder"]["kind"] == "author" and s["target"] == target)]
    assert author_stance_problems(broken)


def test_gold_count_check_catches_a_second_gold_set(corpus: Corpus) -> None:
    broken = _broken(corpus)
    doc_id = sorted(broken.files)[0]
    sets = broken.files[doc_id]["annotations"]
    gold = next(s for s in sets if s["status"] == "gold")
    sets.append({**copy.deepcopy(gold), "annotator": "someone-else"})
    assert gold_count_problems(broken) == [f"{doc_id} has 2 gold annotation sets, expected 1"]


def _repeat_with_mentions(corpus: Corpus) -> tuple[str, dict[str, Any]]:
    gold = corpus.gold()
    for doc_id, entry in sorted(corpus.manifest.items()):
        for p in entry["repeated_passages"]:
            if any(_inside(m, p["start"], p["end"]) for m in gold[doc_id]["entities"]):
                return doc_id, p
    raise AssertionError("no repeated passage with a mention")


def test_repeat_check_catches_a_mention_missing_in_one_copy(corpus: Corpus) -> None:
    broken = _broken(corpus)
    doc_id, p = _repeat_with_mentions(broken)
    aset = broken.gold()[doc_id]
    victim = next(m for m in aset["entities"] if _inside(m, p["start"], p["end"]))
    aset["entities"].remove(victim)
    assert any("entity mentions differ" in x for x in repeated_passage_problems(broken))


def test_repeat_check_catches_a_claim_labelled_differently_in_one_copy(corpus: Corpus) -> None:
    broken = _broken(corpus)
    gold = broken.gold()
    claim = next(
        c
        for d, e in sorted(broken.manifest.items())
        for p in e["repeated_passages"]
        for c in gold[d]["claims"]
        if _inside(c, p["start"], p["end"])
    )
    claim["hedged"] = not claim["hedged"]
    assert any("claims differ" in x for x in repeated_passage_problems(broken))


def test_repeat_check_catches_evidence_given_for_one_copy_only(corpus: Corpus) -> None:
    broken = _broken(corpus)
    gold = broken.gold()
    found = next(
        (d, st, ev)
        for d, e in sorted(broken.manifest.items())
        for p in e["repeated_passages"]
        for st in gold[d]["stances"]
        for ev in st["evidence"]
        if _inside(ev, p["start"], p["end"])
    )
    _doc_id, st, ev = found
    st["evidence"].remove(ev)
    assert any(f"evidence of {st['id']} differs" in x for x in repeated_passage_problems(broken))


def test_validate_rejects_a_corpus_with_one_span_broken(tmp_path: Path) -> None:
    """The same validator the first test trusts, on a copy of the real corpus with one span off by one."""
    paths = CorpusPaths()
    root = tmp_path / "corpus"
    shutil.copytree(paths.texts, root / "texts")
    shutil.copytree(paths.annotations, root / "annotations")
    target = sorted((root / "annotations").glob("0*.json"))[0]
    doc = json.loads(target.read_text(encoding="utf-8"))
    doc["annotations"][0]["entities"][0]["end"] += 1
    target.write_text(dumps(doc), encoding="utf-8")
    report = validate(root=root)
    assert report.exit_code != EXIT_OK
    assert any(p.code == "span-text-mismatch" and p.pointer == "/annotations/0/entities/0/text" for p in report.problems)
