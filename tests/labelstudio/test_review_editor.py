"""The review queue in the real editor (headless chromium): a reviewer opens a queued document, sees the
suspect claim's reason on its region, corrects its type with the hotkey, submits; `ls pull --review`
brings the correction back as the set review-<user>, gold untouched. Screenshot: review-claims.png."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cartel_fto_corpus.labelstudio.client import Client
from cartel_fto_corpus.labelstudio.pull import pull
from cartel_fto_corpus.labelstudio.push import push_review
from cartel_fto_corpus.labelstudio.review_queue import review_title
from cartel_fto_corpus.labelstudio.server import LocalServer
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.schema import label_set

from .test_editor import Annotator  # the `artifacts` and `browser` fixtures live in conftest.py

pytestmark = [pytest.mark.labelstudio, pytest.mark.browser]


def test_reviewer_corrects_a_suspect_in_the_editor(
    repo_corpus: Path,
    ls_client: Client,
    ls_server: LocalServer,
    project_title: str,
    browser: Any,
    artifacts: Path,
) -> None:
    pytest.importorskip("cleanlab", reason="needs the review extra")
    from cartel_fto_corpus.inspection.review import review

    paths = CorpusPaths(repo_corpus)
    rv = review(repo_corpus).as_dict()
    push_review(paths, ls_client, rv["layers"], top=1, model=rv["model"], title=project_title, echo=lambda _: None)
    proj = ls_client.find_project(None, review_title(project_title))
    suspect = rv["layers"]["claims.type"][0]
    task = next(t for t in ls_client.export_tasks(proj.id) if t["data"]["doc_id"] == suspect["doc_id"])
    gold_before = paths.annotation_file(suspect["doc_id"]).read_bytes()

    r = Annotator(browser, ls_server, "rita@example.org", artifacts)
    r.open(proj.id, task["id"])
    r.layer("claims")
    _select(r, suspect["item"])
    assert r.page.get_by_text("REVIEW claims.type", exact=False).count() >= 1, "the reason is not shown on the region"
    types = list(label_set("claim_type"))
    new_type = next(t for t in ("factual", "opinion") if t != suspect["gold"])
    r.page.keyboard.press("qwet"[types.index(new_type)])
    r.shot("review-claims")
    r.save("Submit")
    r.close()

    got = pull(paths, ls_client, title=project_title, review=True, echo=lambda _: None)
    assert got.failed == [], got.failed
    doc = json.loads(paths.annotation_file(suspect["doc_id"]).read_text(encoding="utf-8"))
    sets = {s["annotator"]: s for s in doc["annotations"]}
    assert "review-rita" in sets and sets["review-rita"]["status"] == "draft"
    claim = next(c for c in sets["review-rita"]["claims"] if (c["start"], c["end"]) == tuple(suspect["span"]))
    assert claim["type"] == new_type and suspect["unit"] in sets["review-rita"]["note"]
    before = {s["annotator"]: s for s in json.loads(gold_before)["annotations"]}
    assert all(sets[name] == s for name, s in before.items())  # gold and the annotators' sets untouched
    assert (artifacts / "review-claims.png").stat().st_size > 10_000


def _select(r: Annotator, rid: str) -> None:
    """Select a region by clicking its highlight's middle (a wrapped line may cover its left edge)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    r.page.keyboard.press("Escape")
    piece = r.page.locator(f'span.htx-highlight[class*="htx-highlight-{rid}-"]').first
    try:
        piece.click(timeout=10_000)
    except PlaywrightTimeout:
        piece.dispatch_event("click")
