"""Annotators in the real Label Studio editor (headless Debian chromium), then `pull` and `validate`.

One scenario, as a team works: the maintainer pushes pre-annotations; annotator A opens article 002
(the one with the emoji), accepts the pre-annotation and submits, then relabels an entity (proposing
a new registry entity), deletes a mention and draws a new one after the emoji with the mouse, picking
its entity from the registry drop-down; on the claims layer (its own Text object: only claims are drawn)
A makes a mention the claimant of a claim by a relation across layers, picked in the Regions list;
annotator B submits another article, and on 003 deletes the mention that makes a claim. Pull brings in exactly those edits, reports B's broken set in one line
and leaves everything else valid. Screenshots of the three layers go to $CARTEL_FTO_ARTIFACTS
(default: test-artifacts/ at the repository root).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from cartel_fto_corpus.labelstudio import config as C
from cartel_fto_corpus.labelstudio.client import Client
from cartel_fto_corpus.labelstudio.pull import pull
from cartel_fto_corpus.labelstudio.push import push
from cartel_fto_corpus.labelstudio.server import LocalServer
from cartel_fto_corpus.truth.paths import CorpusPaths
from cartel_fto_corpus.truth.sets import reference_set

from .conftest import REPO

pytestmark = [pytest.mark.labelstudio, pytest.mark.browser]

DOC_002 = "002_c5ca0eb7af3313b9"
DOC_001 = "001_5e8ee1b9dfd7c69f"
DOC_003 = "003_8b94e034f7dca91b"
PASSWORD = "editor-test-pw-1"


def quiet(_: str) -> None:
    pass


class Annotator:
    """One person in the editor: a browser context signed up through the organisation's invite link."""

    def __init__(self, browser: Any, server: LocalServer, email: str, shots: Path) -> None:
        self.url, self.shots = server.url, shots
        invite = httpx.get(f"{server.url}/api/invite", headers={"Authorization": f"Token {server.token}"}, timeout=30)
        invite.raise_for_status()
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.context.set_default_timeout(60_000)
        self.page = self.context.new_page()
        self.page.goto(server.url + invite.json()["invite_url"])
        self.page.fill("input[name=email]", email)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("networkidle")
        if "/user/signup" in self.page.url:  # already a member (a re-run on the same server): log in
            self.page.goto(f"{server.url}/user/login/")
            self.page.fill("input[name=email]", email)
            self.page.fill("input[name=password]", PASSWORD)
            self.page.click("button[type=submit]")
            self.page.wait_for_load_state("networkidle")

    def open(self, project_id: int, task_id: int) -> float:
        """Open a task in the editor; seconds until its pre-annotated regions are drawn."""
        t0 = time.monotonic()
        self.page.goto(f"{self.url}/projects/{project_id}/data?task={task_id}")
        self.page.wait_for_selector(".htx-highlight")
        self.page.wait_for_selector("[data-testid^=bottombar-]")
        return time.monotonic() - t0

    def layer(self, name: str) -> None:
        """Switch to a layer and wait until its Text object has drawn its highlights."""
        self.page.click(f"input.ant-radio-input[name={name}]")
        self.page.wait_for_selector("span.htx-highlight >> visible=true")

    def layer_empty(self, name: str) -> None:
        """Switch to a layer that has no region yet (nothing to wait for but the click)."""
        self.page.keyboard.press("Escape")
        self.page.click(f"input.ant-radio-input[name={name}]")

    def region(self, rid: str, timeout: float | None = None) -> None:
        """Select a pushed region: click the left edge of its first highlight piece (pieces are classed by region id)."""
        self.page.keyboard.press("Escape")
        piece = self.page.locator(f'span.htx-highlight[class*="htx-highlight-{rid}-"]').first
        piece.click(position={"x": 3, "y": 6}, timeout=timeout)

    def first_region(self, rids: list[str]) -> str:
        """Select the first of these regions whose left edge the editor lets a mouse reach (a wrapped line or an
        overlapping region can cover it); the one selected."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        for rid in rids:
            try:
                self.region(rid, timeout=5000)
            except PlaywrightTimeout:
                continue
            return rid
        raise AssertionError(f"none of the regions {rids} could be clicked")

    def link_to(self, text: str) -> None:
        """Draw a relation from the selected region to the region whose text is `text`, picked in the Regions list:
        the actor lives on the entities layer's Text object, hidden while the annotator works on claims or stance."""
        self.page.keyboard.press("Alt+r")
        self.page.locator(".lsf-outliner-item__text", has_text=re.compile(f"^{re.escape(text)}$")).first.click()

    def visible_regions(self) -> set[str]:
        """Ids of the regions drawn where the annotator can see them (pieces are classed htx-highlight-<id>-...)."""
        classes = self.page.evaluate(
            "() => [...document.querySelectorAll('span.htx-highlight')].filter(e => e.offsetParent !== null).map(e => e.className)"
        )
        return {m.group(1) for c in classes for m in [re.search(r"htx-highlight-(\S+?)-", c)] if m}

    def pick(self, heading: str, typed: str, alias: str, single: bool = False) -> None:
        """Open the Taxonomy drop-down under `heading`, type `typed` in its search box, pick the option of `alias`.

        Options show "name (TYPE) · id" (entities) or "summary (kind) · id" (clusters), the results carry the id;
        `single` (the entity, maxUsages 1): what is picked is unticked first, as an annotator changing it does."""
        box = self.page.locator(f"div:has(> h4:text('{heading}')) .htx-taxonomy")
        if single:
            for remove in box.locator(".ant-select-selection-item-remove").all():
                remove.click()
        box.locator(".ant-select-selector").click()
        search = self.page.locator(".htx-taxonomy-dropdown:visible [data-testid=taxonomy-search]")
        search.fill(typed)
        titles = self.page.locator(".htx-taxonomy-dropdown:visible .ant-select-tree-title")
        shown = re.compile(r"^\+ new entity" if alias == C.NEW_ENTITY else re.escape(f"· {alias}") + "$")
        option = titles.filter(has_text=shown)
        option.wait_for()
        assert titles.count() < 10, titles.all_inner_texts()  # the search filtered the options
        option.click()
        # close the drop-down by a click on its selector: Escape would also unselect the region (Label Studio's own key),
        # and while the drop-down's input has the focus the editor's hotkeys (a label's key, alt+r) do not reach the editor
        box.locator(".ant-select-selector").click()
        self.page.locator(".htx-taxonomy-dropdown:visible").wait_for(state="hidden")
        self.page.evaluate("() => document.activeElement && document.activeElement.blur()")

    def pick_entity(self, value: str, typed: str) -> None:
        """Pick a mention's registry entity by typing part of its name (or "new" for a new entity) in the search box."""
        self.pick("Canonical entity (registry)", typed, value, single=True)

    def select_words(self, words: str, context: str) -> None:
        """Drag the mouse over `words`, found at the start of `context` in the rendered text."""
        box = self.page.evaluate(
            """([context, n]) => {
              const shown = [...document.querySelectorAll('.lsf-richtext')].find(e => e.offsetParent !== null);
              const w = document.createTreeWalker(shown, NodeFilter.SHOW_TEXT);
              for (let t = w.nextNode(); t; t = w.nextNode()) {
                const i = t.data.indexOf(context);
                if (i < 0) continue;
                const r = document.createRange(); r.setStart(t, i); r.setEnd(t, i + n);
                // bring the words to the middle of their scrolling pane: a line under the toolbar cannot be dragged over
                let pane = t.parentElement;
                while (pane && !(pane.scrollHeight > pane.clientHeight + 1 && /(auto|scroll)/.test(getComputedStyle(pane).overflowY))) pane = pane.parentElement;
                if (pane) {
                  const top = r.getClientRects()[0].top, box = pane.getBoundingClientRect();
                  pane.scrollTop += top - box.top - pane.clientHeight / 2;
                }
                const b = r.getClientRects(), f = b[0], l = b[b.length - 1];
                return [f.left + 1, f.top + f.height / 2, l.right - 1, l.top + l.height / 2];
              }
              return null;
            }""",
            [context, len(words)],
        )
        assert box, f"{context!r} is not in the rendered text"
        m = self.page.mouse
        m.move(box[0], box[1])
        m.down()
        m.move(box[2], box[3], steps=8)
        m.up()

    def save(self, button: str) -> None:
        with self.page.expect_response(lambda r: "/api/" in r.url and "annotations" in r.url and r.request.method in ("POST", "PATCH")):
            self.page.click(f"[data-testid=bottombar-{button.lower()}-button]")
        self.page.wait_for_load_state("networkidle")

    def shot(self, name: str, heading: str | None = None) -> None:
        """A screenshot of the editor, scrolled so that the selected region's widgets (under `heading`) show."""
        if heading:
            self.page.locator(f"h4:text-is('{heading}')").scroll_into_view_if_needed()
        self.page.screenshot(path=str(self.shots / f"{name}.png"))

    def close(self) -> None:
        self.context.close()


def sets_by_annotator(path: Path) -> dict[str, dict]:
    return {s["annotator"]: s for s in json.loads(path.read_text(encoding="utf-8"))["annotations"]}


def without_provenance(aset: dict) -> dict:
    return {
        k: v for k, v in aset.items() if k not in ("annotator", "created", "updated", "status", "guideline_version", "note", "adjudication")
    }


def test_two_annotators_in_the_editor_then_pull(
    repo_corpus: Path, ls_client: Client, ls_server: LocalServer, project_title: str, browser: Any, artifacts: Path
) -> None:
    paths = CorpusPaths(repo_corpus)
    text = paths.text_file(DOC_002).read_text(encoding="utf-8")
    model = sets_by_annotator(paths.annotation_file(DOC_002))
    model_name = reference_set(json.loads(paths.annotation_file(DOC_002).read_text(encoding="utf-8")))["annotator"]  # the pre-annotation
    before_001 = paths.annotation_file(DOC_001).read_bytes()
    report = push(paths, ls_client, title=project_title, as_="predictions", echo=quiet)
    tasks = {t["data"]["doc_id"]: t for t in ls_client.export_tasks(report.project_id)}
    pid = report.project_id
    emoji = next(i for i, ch in enumerate(text) if ord(ch) > 0xFFFF)

    # --- annotator A on article 002 ---------------------------------------------------------------
    a = Annotator(browser, ls_server, "anna@example.org", artifacts)
    seconds = a.open(pid, tasks[DOC_002]["id"])
    print(f"\nopened article 002 in the editor in {seconds:.1f} s")
    a.layer("entities")
    a.save("Submit")  # accept the pre-annotation as it is

    white = next(e for e in model[model_name]["entities"] if e["text"] == "White House")
    a.layer("entities")
    a.region(white["id"])
    a.page.keyboard.press("3")  # FAC: the building, not the administration (metonymy rule: propose the entity)
    a.pick_entity("new_entity", "new")
    name_box = a.page.locator("input[name=entity_name]:visible")
    name_box.fill("White House building")
    name_box.press("Enter")
    a.shot("layer-entities", "Canonical entity (registry)")

    gone = next(e for e in model[model_name]["entities"] if e["start"] > emoji and e["text"] == "Mexico")
    a.region(gone["id"])
    a.page.keyboard.press("Backspace")

    a.page.keyboard.press("Escape")
    a.page.keyboard.press("5")  # GPE: GUIDELINES 1.1 §2.2, a government acting is its country
    a.select_words("administration", "administration's resolve")
    a.page.locator("span.htx-highlight", has_text=re.compile(r"^administration$")).last.click()
    a.pick_entity("united_states", "united st")
    a.save("Update")

    ms = model[model_name]
    # one layer at a time: each layer's Text object draws only its own regions
    layer_ids = {
        "entities": {e["id"] for e in ms["entities"] if e["id"] != gone["id"]},
        "claims": {c["id"] for c in ms["claims"]},
        "stance": {f"{st['id']}_{k}" for st in ms["stances"] for k in range(len(st["evidence"]))},
    }
    a.layer("entities")
    assert layer_ids["entities"] <= a.visible_regions() and not a.visible_regions() & (layer_ids["claims"] | layer_ids["stance"])
    # claims layer: an authorial claim gets a claimant, a mention on the entities layer, picked in the Regions list
    a.layer("claims")
    assert a.visible_regions() <= layer_ids["claims"] and len(a.visible_regions()) > len(layer_ids["claims"]) // 2
    names = [e["text"] for e in ms["entities"]]
    speaker = next(e for e in ms["entities"] if e["label"] == "PERSON" and names.count(e["text"]) == 1)
    # an authorial claim holding no author-stance evidence: once the claim is the speaker's, evidence inside it
    # would be reported speech, which the author's stance may not cite (a rule pull rightly enforces)
    author_evidence = [(ev["start"], ev["end"]) for st in ms["stances"] if st["holder"]["kind"] == "author" for ev in st["evidence"]]
    said = a.first_region(
        [
            c["id"]
            for c in ms["claims"]
            if c["claimant"]["kind"] == "author" and not any(c["start"] <= s and e <= c["end"] for s, e in author_evidence)
        ]
    )
    a.link_to(speaker["text"])
    a.region(said)
    a.page.click("input[name=reported]:visible")  # a named claimant's words reach the reader reported (schema rule)
    a.shot("layer-claims", "Check-worthiness of the claim")
    a.save("Update")
    a.layer("stance")
    assert a.visible_regions() <= layer_ids["stance"] and a.visible_regions()
    a.first_region(sorted(layer_ids["stance"]))
    a.shot("layer-stance", "Stance target")
    a.close()

    # --- annotator B: article 001 as pre-annotated; on 003 deletes the mention that makes a claim ----
    before_003 = paths.annotation_file(DOC_003).read_bytes()
    model_003 = json.loads(before_003)["annotations"][0]
    claim = next(c for c in model_003["claims"] if c["claimant"].get("mention"))
    b = Annotator(browser, ls_server, "ben@example.org", artifacts)
    b.open(pid, tasks[DOC_001]["id"])
    b.save("Submit")
    b.open(pid, tasks[DOC_003]["id"])
    claimant = next(e for e in model_003["entities"] if e["id"] == claim["claimant"]["mention"])
    b.layer("entities")
    b.region(claimant["id"])
    b.page.keyboard.press("Backspace")
    b.save("Submit")
    b.close()

    # --- pull --------------------------------------------------------------------------------------
    got = pull(paths, ls_client, title=project_title, echo=quiet)
    # B's broken set on 003 is one line naming B, the document, the claim and its text; 003 stays as it was
    assert len(got.failed) == 1, got.failed
    (lost,) = got.failed
    assert "annotator ben" in lost and DOC_003 in lost and f"claim {claim['id']} " in lost and "lost its claimant" in lost
    assert json.dumps(claim["text"][:30], ensure_ascii=False).rstrip('"') in lost
    assert paths.annotation_file(DOC_003).read_bytes() == before_003

    after = sets_by_annotator(paths.annotation_file(DOC_002))
    assert set(after) == {*model, "anna"} and all(after[name] == model[name] for name in model)
    anna = after["anna"]
    assert anna["status"] == "draft"  # a human's submission is their own draft, never a second gold set
    expected = json.loads(json.dumps(model[model_name]))
    for e in expected["entities"]:
        if e["id"] == white["id"]:
            e.update(label="FAC", entity="white_house_building")
    expected["entities"] = [e for e in expected["entities"] if e["id"] != gone["id"]]
    start = text.index("administration's resolve")
    n = max(int(e["id"][1:]) for e in model[model_name]["entities"]) + 1
    new = {"id": f"e{n}", "start": start, "end": start + 14, "text": "administration", "label": "GPE", "entity": "united_states"}
    expected["entities"].append(new)
    for c in expected["claims"]:
        if c["id"] == said:
            c.update(claimant={"kind": "entity", "entity": speaker["entity"], "mention": speaker["id"]}, attribution="reported")
    assert without_provenance(anna) == without_provenance(expected)
    assert start > emoji and text[new["start"] : new["end"]] == "administration"

    registry = json.loads(paths.registry.read_text(encoding="utf-8"))
    proposed = [e for e in registry["entities"] if e.get("proposed")]
    assert proposed == [
        {
            "id": "white_house_building",
            "name": "White House building",
            "type": "FAC",
            "org_type": None,
            "qid": None,
            "qid_source": None,
            "note": proposed[0]["note"],
            "proposed": True,
        }
    ]

    after_001 = sets_by_annotator(paths.annotation_file(DOC_001))
    sets_001 = {s["annotator"]: s for s in json.loads(before_001)["annotations"]}
    assert set(after_001) == {*sets_001, "ben"} and after_001["ben"]["status"] == "draft"
    assert all(after_001[name] == s for name, s in sets_001.items())  # untouched
    assert without_provenance(after_001["ben"]) == without_provenance(reference_set(json.loads(before_001)))

    check = subprocess.run(
        [sys.executable, "-m", "cartel_fto_corpus", "validate", "--root", str(repo_corpus)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert check.returncode == 0, check.stdout + check.stderr
    for layer in ("entities", "claims", "stance"):
        assert (artifacts / f"layer-{layer}.png").stat().st_size > 10_000
