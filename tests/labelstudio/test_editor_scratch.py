"""Two annotators in Chromium, each on their own server, every widget on regions drawn from scratch (issue 23).

Anna and Ben each log in to their own server (what `ls serve --annotator NAME` starts) and open article
001, its pre-annotation removed: an empty page. Each, with the mouse and the keyboard only:
- draws mentions and picks each one's registry entity by typing part of its name in the entity
  drop-down's search box (a Taxonomy: Label Studio 1.23's select has none), draws a third mention and
  deletes it again;
- draws a claim (type, check-worthiness, attribution), picks its claim cluster by typing part of the
  cluster's summary, and links its claimant by a relation across layers;
- draws stance evidence held by a mention (label, target, attribution, holder) and an authorial
  evidence span with the article-level stance choice;
- submits from the entities layer: the article stance, chosen on the stance layer, is kept.
Anna first submits a deliberately incomplete annotation: every problem shows at the top of her task
within a minute, without any pull (issue 23 point 4, as `ls serve` runs the submission check). Her
screen never shows anything of Ben's. Pull with `annotator=` brings each back as their own set with
no warning, and the corpus validates.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cartel_fto_corpus.labelstudio import config as C
from cartel_fto_corpus.labelstudio.client import Client
from cartel_fto_corpus.labelstudio.pull import pull
from cartel_fto_corpus.labelstudio.push import push
from cartel_fto_corpus.labelstudio.server import LocalServer
from cartel_fto_corpus.labelstudio.webhook import Receiver, register
from cartel_fto_corpus.truth.paths import CorpusPaths

from .conftest import REPO
from .test_blind import client_of
from .test_editor import DOC_001, Annotator, quiet

pytestmark = [pytest.mark.labelstudio, pytest.mark.browser]


@dataclass(frozen=True)
class Mention:
    label: str
    words: str
    context: str
    typed: str  # what the annotator types in the entity drop-down's search box
    entity: str


@dataclass(frozen=True)
class Evidence:
    label: str
    words: str
    target: str
    attribution: str
    holder: str | None  # the mention's words, or None: the author


@dataclass(frozen=True)
class Work:
    mentions: tuple[Mention, ...]
    deleted: Mention
    claim: str
    checkworthiness: str
    claimant: str
    cluster_typed: str
    cluster: str
    evidence: tuple[Evidence, ...]


AUTHORIAL = "fight organized crime"
WORK = {
    "anna": Work(
        mentions=(
            Mention("PERSON", "Marco Rubio", "Marco Rubio said", "rubio", "marco_rubio"),
            Mention("ORG", "CNN", "CNN broke the story", "CNN", "cnn"),
        ),
        deleted=Mention("GPE", "Canada", "Canada, citing", "", ""),
        claim="such groups are serious threats to US national security",
        checkworthiness="non_factual",
        claimant="Marco Rubio",
        cluster_typed="threaten",
        cluster="cartels_threaten_us_security",
        evidence=(
            Evidence("favor", "serious threats to US national security", "fto_designation", "reported", "Marco Rubio"),
            Evidence("against", AUTHORIAL, "fto_designation", "authorial", None),
        ),
    ),
    "ben": Work(
        mentions=(
            Mention("PERSON", "Claudia Sheinbaum", "Claudia Sheinbaum confirmed", "sheinb", "claudia_sheinbaum"),
            Mention("ORG", "Reuters", "Reuters has not", "reut", "reuters"),
        ),
        deleted=Mention("GPE", "Mexico", "Mexico and Canada", "", ""),
        claim="they are part of a cooperative pact with the US",
        checkworthiness="check_worthy",
        claimant="Claudia Sheinbaum",
        cluster_typed="drone flights",
        cluster="sheinbaum_drones_cooperation",
        evidence=(
            Evidence("favor", "part of a cooperative pact with the US", "us_military_action", "reported", "Claudia Sheinbaum"),
            Evidence("neutral", AUTHORIAL, "fto_designation", "authorial", None),
        ),
    ),
}


def label_keys(paths: CorpusPaths) -> dict[str, str]:
    """Each label's hotkey, read from the config push sends (derived, see `config.hotkeys`)."""
    registry = json.loads(paths.registry.read_text(encoding="utf-8"))
    root = ET.fromstring(C.label_config(registry["targets"], registry["entities"], registry["clusters"]))
    return {el.get("value"): el.get("hotkey") for el in root.iter("Label")}


def drop_predictions(client: Client, task_id: int) -> None:
    for p in client.sdk.predictions.list(task=task_id):
        client.sdk.predictions.delete(id=p.id)


def open_empty(a: Annotator, project_id: int, task_id: int) -> None:
    a.page.goto(f"{a.url}/projects/{project_id}/data?task={task_id}")
    a.page.wait_for_selector(".lsf-richtext")
    a.page.wait_for_selector("[data-testid^=bottombar-]")


def draw(a: Annotator, key: str, words: str, context: str | None = None) -> None:
    """Label first, then select (what works in Label Studio 1.23), then click the new region to select it.

    A label key pressed while the editor is still settling (a loaded machine, right after the task
    opened) can be lost, and the drag then makes no region: the annotator would press it again, and
    so does this, up to three times; a region that does appear is never drawn twice.
    """
    regions = a.page.locator("span.htx-highlight >> visible=true", has_text=words)
    before = regions.count()
    for _attempt in range(3):
        a.page.keyboard.press("Escape")
        a.page.keyboard.press(key)
        a.select_words(words, context or words)
        deadline = time.monotonic() + 20
        while regions.count() <= before and time.monotonic() < deadline:
            a.page.wait_for_timeout(250)
        if regions.count() > before:
            break
    regions.last.click()


def choose(a: Annotator, value: str) -> None:
    """Tick the visible choice `value` of the selected region's widgets."""
    a.page.click(f"input[name={value}]:visible")


def article_stance(a: Annotator, label: str) -> None:
    """Tick the article-level stance toward the registry's first target (one group of choices per target, in the
    registry's order, below the stance layer's text; nothing else of the kind shows while no region is selected)."""
    a.page.keyboard.press("Escape")
    groups = a.page.locator("div.lsf-choices:visible").filter(has=a.page.locator(f"input[name={label}]"))
    groups.first.locator(f"input[name={label}]").click()


def owner_in_browser(browser: Any, server: LocalServer, shots: Path) -> Annotator:
    """The one account of an annotator's own server, logged in (no invite: the server is theirs)."""
    a = Annotator.__new__(Annotator)
    a.url, a.shots = server.url, shots
    a.context = browser.new_context(viewport={"width": 1400, "height": 1000})
    a.context.set_default_timeout(60_000)
    a.page = a.context.new_page()
    a.page.goto(f"{server.url}/user/login/")
    a.page.fill("input[name=email]", server.username)
    a.page.fill("input[name=password]", server.password)
    a.page.click("button[type=submit]")
    a.page.wait_for_load_state("networkidle")
    return a


def problems_on_screen(a: Annotator, client: Client, pid: int, tid: int, t0: float) -> str:
    """Wait for the submission check's message, reopen the task, return the header: seconds are printed."""
    shown = ""
    while time.monotonic() - t0 < 60 and "problem(s)" not in shown:
        time.sleep(0.5)
        shown = client.get_task(tid)["data"].get(C.PROBLEMS, "")
    a.page.goto(f"{a.url}/projects/{pid}/data?task={tid}")
    header = a.page.get_by_text(re.compile(r"3 problem\(s\) in your last submission"))
    header.wait_for()
    seconds = time.monotonic() - t0
    print(f"\nthe submission's problems were on the annotator's screen {seconds:.1f} s after Submit")
    assert seconds < 60
    return header.inner_text()


def test_two_annotators_from_empty_regions_each_on_their_own_server(
    repo_corpus: Path, own_servers: dict[str, LocalServer], browser: Any, artifacts: Path
) -> None:
    paths = CorpusPaths(repo_corpus)
    text = paths.text_file(DOC_001).read_text(encoding="utf-8")
    keys = label_keys(paths)
    assert json.loads(paths.registry.read_text(encoding="utf-8"))["targets"][0]["id"] == "fto_designation"  # see article_stance
    clients = {name: client_of(s) for name, s in own_servers.items()}
    submitted: dict[str, list[dict[str, Any]]] = {}
    for name, work in WORK.items():
        client = clients[name]
        pid = push(paths, client, title="corpus", as_="predictions", echo=quiet).project_id
        tid = next(t["id"] for t in client.export_tasks(pid) if t["data"]["doc_id"] == DOC_001)
        drop_predictions(client, tid)
        a = owner_in_browser(browser, own_servers[name], artifacts)
        open_empty(a, pid, tid)
        first, second = work.mentions
        receiver = None
        if name == "anna":  # a deliberately incomplete first submission: a mention without its entity, a bare claim
            receiver = Receiver(paths, client, 0).start()  # what `ls serve` runs beside the server
            register(client, pid, receiver.url)
            draw(a, keys[first.label], first.words, first.context)
            draw(a, keys[second.label], second.words, second.context)
            a.pick_entity(second.entity, second.typed)
            a.layer_empty("claims")
            draw(a, keys["factual"], work.claim)
            t0 = time.monotonic()
            a.save("Submit")
            on_screen = problems_on_screen(a, client, pid, tid, t0)
            assert f'"{first.words}"' in on_screen and "no registry entity picked" in on_screen, on_screen
            assert "no check-worthiness chosen" in on_screen and "no attribution chosen" in on_screen, on_screen
            a.shot("scratch-problems")
            a.layer("entities")  # (the task reopens on the layer it was submitted on: the layer choice is part of the result)
            a.page.locator("span.htx-highlight >> visible=true", has_text=first.words).last.click()
            a.pick_entity(first.entity, first.typed)
            a.shot("scratch-entity-search")
            a.layer("claims")
            a.page.keyboard.press("Escape")
            a.page.locator("span.htx-highlight >> visible=true", has_text=work.claim[:12]).last.click()
        else:
            for m in work.mentions:
                draw(a, keys[m.label], m.words, m.context)
                a.pick_entity(m.entity, m.typed)
            a.layer_empty("claims")
            draw(a, keys["factual"], work.claim)
        # the deletion: a mention drawn, then deleted (Backspace on the selected region)
        a.layer("entities")
        draw(a, keys[work.deleted.label], work.deleted.words, work.deleted.context)
        a.page.keyboard.press("Backspace")
        # the claim: check-worthiness, attribution, cluster, claimant
        a.layer("claims")
        a.page.keyboard.press("Escape")
        a.page.locator("span.htx-highlight >> visible=true", has_text=work.claim[:12]).last.click()
        choose(a, work.checkworthiness)
        choose(a, "reported")
        a.pick("Claim clusters (registry; none if the claim is linked to no other claim)", work.cluster_typed, work.cluster)
        a.link_to(work.claimant)
        a.shot(f"scratch-claims-{name}")
        # stance: evidence held by a mention, then an authorial span with the article-level stance
        a.layer_empty("stance")
        for ev in work.evidence:
            draw(a, keys[ev.label], ev.words)  # each its own label: pressing the active label's key again switches it off
            choose(a, ev.target)
            choose(a, ev.attribution)
            if ev.holder:
                a.link_to(ev.holder)
        own = next(ev for ev in work.evidence if ev.holder is None)
        article_stance(a, own.label)
        a.shot(f"scratch-stance-{name}")
        a.layer("entities")  # submitted from another layer: the article stance must not be lost
        a.save("Update" if name == "anna" else "Submit")
        if receiver is not None:
            receiver.close()
        (ann,) = client.get_task(tid)["annotations"]
        submitted[name] = ann["result"]
        if name == "ben":  # Anna's screen, on her server, holds nothing of Ben's
            anna = owner_in_browser(browser, own_servers["anna"], artifacts)
            anna_pid = clients["anna"].find_project(None, "corpus").id
            anna_tid = next(t["id"] for t in clients["anna"].export_tasks(anna_pid) if t["data"]["doc_id"] == DOC_001)
            anna.page.goto(f"{own_servers['anna'].url}/projects/{anna_pid}/data?task={anna_tid}")
            anna.page.wait_for_selector(".htx-highlight")
            shown = {t.strip() for t in anna.page.locator(".lsf-outliner-item__text").all_inner_texts()}
            assert "Marco Rubio" in shown and "Claudia Sheinbaum" not in shown, shown
            anna.close()
        a.close()

    for name, work in WORK.items():
        doc_choice = [i for i in submitted[name] if i.get("from_name") == C.DOC_STANCE_PREFIX + "fto_designation"]
        own = next(ev for ev in work.evidence if ev.holder is None)
        assert [i["value"]["choices"] for i in doc_choice] == [[own.label]], (name, doc_choice)  # kept though submitted elsewhere
        got = pull(paths, clients[name], title="corpus", annotator=name, echo=quiet)
        assert got.failed == [] and got.warnings == [], (name, got.failed, got.warnings)

    sets = {s["annotator"]: s for s in json.loads(paths.annotation_file(DOC_001).read_text(encoding="utf-8"))["annotations"]}
    for name, work in WORK.items():
        mine = sets[name]
        assert mine["status"] == "draft"
        ents = {e["text"]: e for e in mine["entities"]}
        assert {k: (v["label"], v["entity"]) for k, v in ents.items()} == {m.words: (m.label, m.entity) for m in work.mentions}, name
        mention = {words: {"kind": "entity", "entity": e["entity"], "mention": e["id"]} for words, e in ents.items()}
        (c,) = mine["claims"]
        assert (c["text"], c["type"], c["checkworthiness"], c["attribution"], c["claimant"], c["clusters"]) == (
            work.claim,
            "factual",
            work.checkworthiness,
            "reported",
            mention[work.claimant],
            [work.cluster],
        ), name
        stances = {st["evidence"][0]["text"]: st for st in mine["stances"]}
        assert len(stances) == len(work.evidence)
        for ev in work.evidence:
            st = stances[ev.words]
            holder = mention[ev.holder] if ev.holder else {"kind": "author"}
            assert (st["holder"], st["target"], st["label"], st["attribution"]) == (holder, ev.target, ev.label, ev.attribution), name
        assert all(text[s["start"] : s["end"]] == s["text"] for s in [*mine["entities"], *mine["claims"]])
    check = subprocess.run(
        [sys.executable, "-m", "cartel_fto_corpus", "validate", "--root", str(repo_corpus)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert check.returncode == 0, check.stdout + check.stderr
