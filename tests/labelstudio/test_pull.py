"""Pull against a real Label Studio: round trip, emoji offsets, annotator edits, conflicts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cartel_fto_corpus.labelstudio import config as C
from cartel_fto_corpus.labelstudio.client import Client
from cartel_fto_corpus.labelstudio.pull import pull
from cartel_fto_corpus.labelstudio.push import push
from cartel_fto_corpus.labelstudio.repo import SyncError
from cartel_fto_corpus.truth.paths import CorpusPaths

from .conftest import as_author, as_draft, copy_corpus, tree_hash

pytestmark = pytest.mark.labelstudio


def quiet(_: str) -> None:
    pass


def annotation_bytes(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in CorpusPaths(root).annotation_files()}


def the_task(client: Client, title: str, doc_id: str) -> dict:
    proj = client.find_project(None, title)
    return next(t for t in client.export_tasks(proj.id) if t["data"]["doc_id"] == doc_id)


def test_round_trip_is_byte_identical(any_corpus: Path, ls_client: Client, project_title: str, tmp_path: Path) -> None:
    before = annotation_bytes(any_corpus)
    assert before, "the corpus under test has no annotation files"
    push(CorpusPaths(any_corpus), ls_client, title=project_title, echo=quiet)
    # Pull into a second copy that has texts and registry but no annotation files and no sync state:
    # every byte written there comes from Label Studio.
    fresh = copy_corpus(any_corpus, tmp_path / "fresh")
    for p in CorpusPaths(fresh).annotation_files():
        p.unlink()
    report = pull(CorpusPaths(fresh), ls_client, title=project_title, echo=quiet)
    assert sorted(Path(p).name for p in report.written) == sorted(before)
    assert annotation_bytes(fresh) == before
    # and pulling into the pushed corpus itself changes nothing
    again = pull(CorpusPaths(any_corpus), ls_client, title=project_title, echo=quiet)
    assert again.written == [] and annotation_bytes(any_corpus) == before


def _emoji_doc(root: Path) -> tuple[str, str, int]:
    paths = CorpusPaths(root)
    for p in paths.annotation_files():
        text = paths.text_file(p.stem).read_text(encoding="utf-8")
        astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]
        if astral:
            return p.stem, text, astral[0]
    raise AssertionError("no annotated document with a non-BMP character")


def test_spans_after_emoji_keep_code_point_offsets(repo_corpus: Path, ls_client: Client, project_title: str) -> None:
    doc_id, text, emoji_at = _emoji_doc(repo_corpus)
    assert doc_id.startswith("002_"), "article 002 is the one with the emoji"
    paths = CorpusPaths(repo_corpus)
    push(paths, ls_client, title=project_title, echo=quiet)
    task = the_task(ls_client, project_title, doc_id)
    ann = task["annotations"][0]
    # Simulate an editor that filled value.text by UTF-16 slicing: pull must trust the offsets only.
    utf16 = text.encode("utf-16-le")
    for item in ann["result"]:
        v = item.get("value", {})
        if item["type"] == "labels" and v["start"] > emoji_at:
            v["text"] = utf16[2 * v["start"] : 2 * v["end"]].decode("utf-16-le", errors="replace")
    as_author(ls_client, ann).sdk.annotations.update(id=ann["id"], result=ann["result"])
    report = pull(paths, ls_client, title=project_title, prefer="labelstudio", echo=quiet)
    assert any("differs from the text at the offsets" in w for w in report.warnings)
    doc = json.loads(paths.annotation_file(doc_id).read_text(encoding="utf-8"))
    after = 0
    for aset in doc["annotations"]:
        spans = [*aset["entities"], *aset["claims"], *(ev for st in aset["stances"] for ev in st["evidence"])]
        for s in spans:
            assert text[s["start"] : s["end"]] == s["text"]
            after += s["start"] > emoji_at
    assert after > 0, "no span after the emoji was exercised"


def test_annotator_edit_and_new_entity_come_back_exactly(fixture_corpus: Path, ls_client: Client, project_title: str) -> None:
    paths = CorpusPaths(fixture_corpus)
    as_draft(paths)
    doc_id = paths.annotation_files()[0].stem
    text = paths.text_file(doc_id).read_text(encoding="utf-8")
    original = json.loads(paths.annotation_file(doc_id).read_text(encoding="utf-8"))
    push(paths, ls_client, title=project_title, echo=quiet)
    ann = the_task(ls_client, project_title, doc_id)["annotations"][0]

    # The annotator narrows "Donald Trump" to "Trump" and marks a new mention in the headline.
    first = original["annotations"][0]
    target = next(e for e in first["entities"] if e["text"] == "Donald Trump")
    new_start = target["start"] + len("Donald ")
    for item in ann["result"]:
        if item.get("id") == target["id"]:  # the labels item and its per-region entity_id share the id
            item["value"]["start"] = new_start
            if item["type"] == "labels":
                item["value"]["text"] = text[new_start : target["end"]]
    # a new entity drawn in the editor: random region id, no meta, linked to the registry by entity_id
    covered = {(e["start"], e["end"]) for e in first["entities"]}
    new_span = (text.index("Cartels"), text.index("Cartels") + len("Cartels"))
    assert all(not (a < new_span[1] and new_span[0] < b) for a, b in covered)
    value = {"start": new_span[0], "end": new_span[1], "text": text[new_span[0] : new_span[1]]}
    ann["result"] += [
        {
            "id": "Xy12ab",
            "from_name": "entity",
            "to_name": C.LAYER_OBJECTS["entities"],
            "type": "labels",
            "value": {**value, "labels": ["ORG"]},
        },
        {
            "id": "Xy12ab",
            "from_name": "entity_id",
            "to_name": C.LAYER_OBJECTS["entities"],
            "type": "textarea",
            "value": {"start": value["start"], "end": value["end"], "text": ["sinaloa_cartel"]},
        },
    ]
    as_author(ls_client, ann).sdk.annotations.update(id=ann["id"], result=ann["result"])
    updated_at = the_task(ls_client, project_title, doc_id)["annotations"][0]["updated_at"]

    pull(paths, ls_client, title=project_title, echo=quiet)
    got = json.loads(paths.annotation_file(doc_id).read_text(encoding="utf-8"))

    expected = json.loads(json.dumps(original))
    exp_set = expected["annotations"][0]
    changed = next(e for e in exp_set["entities"] if e["id"] == target["id"])
    changed["start"], changed["text"] = new_start, "Trump"
    next_id = 1 + max(int(e["id"][1:]) for e in exp_set["entities"])
    exp_set["entities"].append(
        {"id": f"e{next_id}", "start": new_span[0], "end": new_span[1], "text": "Cartels", "label": "ORG", "entity": "sinaloa_cartel"}
    )
    exp_set["updated"] = updated_at[:19] + "Z"
    assert got == expected
    assert paths.annotation_file(doc_id).read_text(encoding="utf-8") == json.dumps(expected, indent=2, ensure_ascii=False) + "\n"


def _change_repo_claim(paths: CorpusPaths, doc_id: str, index: int = 0) -> bytes:
    f = paths.annotation_file(doc_id)
    doc = json.loads(f.read_text(encoding="utf-8"))
    claim = doc["annotations"][0]["claims"][index]
    claim["hedged"] = not claim["hedged"]
    f.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return f.read_bytes()


def _change_ls_status(client: Client, title: str, doc_id: str) -> None:
    """An annotator's edit in Label Studio: the check-worthiness of the first claim flips."""
    ann = the_task(client, title, doc_id)["annotations"][0]
    item = next(i for i in ann["result"] if i.get("from_name") == "checkworthiness")
    item["value"]["choices"] = ["non_factual" if item["value"]["choices"] != ["non_factual"] else "check_worthy"]
    as_author(client, ann).sdk.annotations.update(id=ann["id"], result=ann["result"])


def test_conflict_refuses_and_prefer_resolves(fixture_corpus: Path, ls_client: Client, project_title: str) -> None:
    paths = CorpusPaths(fixture_corpus)
    as_draft(paths)
    doc_id = paths.annotation_files()[0].stem
    push(paths, ls_client, title=project_title, echo=quiet)
    mine = _change_repo_claim(paths, doc_id)
    _change_ls_status(ls_client, project_title, doc_id)
    before = tree_hash(paths.annotations)

    with pytest.raises(SyncError) as err:
        pull(paths, ls_client, title=project_title, echo=quiet)
    message = "\n".join(err.value.lines)
    assert f"{doc_id}.json" in message and "conflict" in message and "fixture" in message
    assert "claims changed" in message  # what differs, on both sides
    assert tree_hash(paths.annotations) == before

    pull(paths, ls_client, title=project_title, prefer="repo", echo=quiet)
    assert paths.annotation_file(doc_id).read_bytes() == mine

    # Label Studio wins when asked: its status change arrives, the repo's claim edit is replaced.
    _change_ls_status(ls_client, project_title, doc_id)
    _change_repo_claim(paths, doc_id, index=1)
    with pytest.raises(SyncError):
        pull(paths, ls_client, title=project_title, echo=quiet)
    pull(paths, ls_client, title=project_title, prefer="labelstudio", echo=quiet)
    doc = json.loads(paths.annotation_file(doc_id).read_text(encoding="utf-8"))
    ls_ann = the_task(ls_client, project_title, doc_id)["annotations"][0]
    item = next(i for i in ls_ann["result"] if i.get("from_name") == "checkworthiness")
    claim = next(c for c in doc["annotations"][0]["claims"] if c["id"] == item["id"])
    assert claim["checkworthiness"] == item["value"]["choices"][0]


def test_one_broken_set_is_reported_and_the_rest_comes_in(any_corpus: Path, ls_client: Client, project_title: str) -> None:
    paths = CorpusPaths(any_corpus)
    files = paths.annotation_files()
    n_sets = len(json.loads(files[0].read_text(encoding="utf-8"))["annotations"])
    if n_sets == 1:  # the broken set is an annotator's draft (an edited gold set is refused as such: test_plans)
        as_draft(paths)
    push(paths, ls_client, title=project_title, echo=quiet)
    for p in files:
        p.unlink()  # so that every document would be written
    broken = files[0].stem
    ann = the_task(ls_client, project_title, broken)["annotations"][0]
    for item in ann["result"]:
        if item.get("from_name") == "entity_id":
            item["value"]["taxonomy"] = [["no_such_entity"]]
            break
    as_author(ls_client, ann).sdk.annotations.update(id=ann["id"], result=ann["result"])
    fresh = copy_corpus(any_corpus, any_corpus.parent / "fresh")
    # Ownership: one annotator's broken set is reported (annotator, document, region text); nothing else is held back.
    report = pull(CorpusPaths(fresh), ls_client, title=project_title, echo=quiet)
    assert report.failed and all(broken in line and "annotator " in line for line in report.failed)
    assert any("no_such_entity" in line and '"' in line for line in report.failed)  # with the region's text
    written = {Path(p).stem for p in report.written}
    assert written - {broken} == {p.stem for p in files} - {broken}
    if n_sets == 1:  # the only set was broken: the document is not written
        assert broken not in written
    else:  # the other annotators' sets of the document came in, the broken one did not
        sets = json.loads(CorpusPaths(fresh).annotation_file(broken).read_text(encoding="utf-8"))["annotations"]
        assert 1 <= len(sets) < n_sets  # (a gold set whose adjudication record cites the broken set goes with it)


def test_several_annotators_stay_separate(fixture_corpus: Path, ls_client: Client, project_title: str, tmp_path: Path) -> None:
    paths = CorpusPaths(fixture_corpus)
    f = paths.annotation_files()[0]
    doc = json.loads(f.read_text(encoding="utf-8"))
    first = json.loads(json.dumps(doc["annotations"][0]))
    first["claims"][0]["type"] = "factual"
    second = {**{k: first[k] for k in ("annotator", "guideline_version", "created", "updated")}, "status": "draft"}
    second.update(annotator="second.annotator", note="disagrees on the claim type")
    second.update({k: first[k] for k in ("entities", "stances", "claims")})  # the files' key order
    doc["annotations"].append(second)
    f.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    before = f.read_bytes()
    push(paths, ls_client, title=project_title, echo=quiet)
    task = the_task(ls_client, project_title, doc["doc_id"])
    assert len(task["annotations"]) == 2 and sorted(a["ground_truth"] for a in task["annotations"]) == [False, True]
    fresh = copy_corpus(fixture_corpus, tmp_path / "fresh")
    CorpusPaths(fresh).annotation_file(doc["doc_id"]).unlink()
    pull(CorpusPaths(fresh), ls_client, title=project_title, echo=quiet)
    assert CorpusPaths(fresh).annotation_file(doc["doc_id"]).read_bytes() == before

    # A third person annotates in Label Studio: a new set of their own, nobody else's changes.
    me = ls_client.sdk.users.whoami()
    result = [i for i in task["annotations"][0]["result"] if i.get("id") != "e1"]
    for item in result:
        if item.get("from_name") == "status":
            item["value"]["choices"] = ["draft"]  # a second gold set would be refused by the validator
    ls_client.sdk.annotations.create(id=task["id"], result=result, completed_by=me.id, ground_truth=False)
    pull(paths, ls_client, title=project_title, echo=quiet)
    got = json.loads(f.read_text(encoding="utf-8"))
    assert got["annotations"][:2] == doc["annotations"]
    new = got["annotations"][2]
    assert new["annotator"] not in {"fixture", "second.annotator"} and "@" not in new["annotator"]
    assert [e["id"] for e in new["entities"]] == [e["id"] for e in doc["annotations"][0]["entities"][1:]]
    assert new["guideline_version"] == doc["annotations"][0]["guideline_version"]


def test_an_edit_of_the_gold_set_in_label_studio_never_reaches_the_gold_set(
    repo_corpus: Path, ls_client: Client, project_title: str
) -> None:
    """Issue 27: after `push --as annotations`, an edit of the adjudicated set in Label Studio was written
    into the gold set by a plain pull (status still gold, record unchanged, validate clean)."""
    paths = CorpusPaths(repo_corpus)
    doc_id = paths.annotation_files()[0].stem
    push(paths, ls_client, title=project_title, as_="annotations", echo=quiet)
    gold = next(a for a in the_task(ls_client, project_title, doc_id)["annotations"] if a["ground_truth"])
    item = next(i for i in gold["result"] if i.get("from_name") == "checkworthiness")
    item["value"]["choices"] = ["non_factual" if item["value"]["choices"] != ["non_factual"] else "check_worthy"]
    ls_client.sdk.annotations.update(id=gold["id"], result=gold["result"])
    before = annotation_bytes(repo_corpus)
    for prefer in (None, "labelstudio"):
        report = pull(paths, ls_client, title=project_title, prefer=prefer, echo=quiet)
        assert len(report.failed) == 1 and "gold set edited in Label Studio" in report.failed[0] and doc_id in report.failed[0]
        assert annotation_bytes(repo_corpus) == before  # the gold set, and everything else, as it was
