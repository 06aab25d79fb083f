"""Every widget of every layer on regions drawn from scratch, in the real editor (issue 23 point 1).

The maintainer pushes the corpus (and runs the submission check, as `ls serve` does); article 001's
task has its pre-annotation removed, so annotator A starts from an empty page. A first submits a
deliberately incomplete annotation (a mention without its registry entity, a claim without widgets):
every problem shows at the top of the task, in Label Studio, within a minute, without any pull
(issue 23 point 4). A then completes it with the mouse: two mentions (their registry entities picked in
the drop-down, which shows each entity's name and type), one mention drawn and deleted again, the claim
(type, check-worthiness, attribution, claimant by a relation across layers), a stance evidence span held
by a mention (label, target, attribution, holder), and an authorial evidence span with the article-level
stance choice, and presses Update. Pull brings it back as A's set, with no warning, and the corpus validates.
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

import pytest

from cartel_fto_corpus.labelstudio import config as C
from cartel_fto_corpus.labelstudio.client import Client
from cartel_fto_corpus.labelstudio.pull import pull
from cartel_fto_corpus.labelstudio.push import push
from cartel_fto_corpus.labelstudio.server import LocalServer
from cartel_fto_corpus.labelstudio.webhook import Receiver, register
from cartel_fto_corpus.truth.paths import CorpusPaths

from .conftest import REPO
from .test_editor import DOC_001, Annotator, quiet

pytestmark = [pytest.mark.labelstudio, pytest.mark.browser]


def drop_predictions(client: Client, task_id: int) -> None:
    for p in client.sdk.predictions.list(task=task_id):
        client.sdk.predictions.delete(id=p.id)


def open_empty(a: Annotator, project_id: int, task_id: int) -> None:
    a.page.goto(f"{a.url}/projects/{project_id}/data?task={task_id}")
    a.page.wait_for_selector(".lsf-richtext")
    a.page.wait_for_selector("[data-testid^=bottombar-]")


def draw(a: Annotator, key: str, words: str, context: str | None = None) -> None:
    """Label first, then select (what works in Label Studio 1.23), then click the new region to select it."""
    a.page.keyboard.press("Escape")
    a.page.keyboard.press(key)
    a.select_words(words, context or words)
    a.page.locator("span.htx-highlight >> visible=true", has_text=words).last.click()


def choose(a: Annotator, value: str) -> None:
    """Tick the visible choice `value` of the selected region's widgets."""
    a.page.click(f"input[name={value}]:visible")


def test_every_widget_on_regions_drawn_from_scratch(
    repo_corpus: Path,
    ls_client: Client,
    ls_server: LocalServer,
    project_title: str,
    browser: Any,
    artifacts: Path,
) -> None:
    paths = CorpusPaths(repo_corpus)
    text = paths.text_file(DOC_001).read_text(encoding="utf-8")
    report = push(paths, ls_client, title=project_title, as_="predictions", echo=quiet)
    pid = report.project_id
    tasks = {t["data"]["doc_id"]: t for t in ls_client.export_tasks(pid)}
    tid = tasks[DOC_001]["id"]
    drop_predictions(ls_client, tid)

    receiver = Receiver(paths, ls_client, 0).start()  # what `ls serve` runs beside the server
    register(ls_client, pid, receiver.url)
    a = Annotator(browser, ls_server, "scratch@example.org", artifacts)
    open_empty(a, pid, tid)
    # a first, deliberately incomplete submission: a mention without its registry entity, a claim without widgets
    draw(a, "1", "Marco Rubio", "Marco Rubio said")
    draw(a, "4", "CNN", "CNN broke the story")
    a.pick_entity("cnn")
    a.layer_empty("claims")
    claim = "such groups are serious threats to US national security"
    draw(a, "q", claim)
    t0 = time.monotonic()
    a.save("Submit")
    # every problem shows at the top of the task, in Label Studio, without any pull
    shown = ""
    while time.monotonic() - t0 < 60 and "problem(s)" not in shown:
        time.sleep(0.5)
        shown = ls_client.get_task(tid)["data"].get(C.PROBLEMS, "")
    a.page.goto(f"{a.url}/projects/{pid}/data?task={tid}")
    header = a.page.get_by_text(re.compile(r"3 problem\(s\) in your last submission"))
    header.wait_for()
    seconds = time.monotonic() - t0
    print(f"\nthe submission's problems were on the annotator's screen {seconds:.1f} s after Submit")
    assert seconds < 60
    on_screen = header.inner_text()
    assert '"Marco Rubio"' in on_screen and "no registry entity picked" in on_screen, on_screen
    assert "no check-worthiness chosen" in on_screen and "no attribution chosen" in on_screen, on_screen
    a.shot("scratch-problems")
    a.layer("entities")  # (the task reopens on the layer it was submitted on: the layer choice is part of the result)
    a.page.locator("span.htx-highlight >> visible=true", has_text="Marco Rubio").last.click()
    a.pick_entity("marco_rubio")
    draw(a, "5", "Canada", "Canada, citing")
    a.page.keyboard.press("Backspace")
    # claims: type, check-worthiness, attribution, claimant
    a.layer("claims")
    a.page.keyboard.press("Escape")
    a.page.locator("span.htx-highlight >> visible=true", has_text="such groups").last.click()
    choose(a, "check_worthy")
    choose(a, "reported")
    a.link_to("Marco Rubio")
    a.shot("scratch-claims")
    # stance: evidence held by a mention, then an authorial one with the article-level choice
    a.layer_empty("stance")
    draw(a, "a", "serious threats to US national security", "serious threats to US national security")
    choose(a, "fto_designation")
    a.page.locator("input[name=reported]:visible").click()
    a.link_to("Marco Rubio")
    a.shot("scratch-stance")
    authorial = "fight organized crime"
    draw(a, "s", authorial)  # another label: pressing the active label's key again would switch it off
    choose(a, "fto_designation")
    a.page.locator("input[name=authorial]:visible").click()
    a.page.keyboard.press("Escape")
    a.page.locator("div.lsf-choices:visible").filter(has=a.page.locator("input[name=against]")).first.locator("input[name=against]").click()
    a.save("Update")
    a.close()
    receiver.close()

    got = pull(paths, ls_client, title=project_title, echo=quiet)
    assert got.failed == [] and got.warnings == [], (got.failed, got.warnings)
    doc = json.loads(paths.annotation_file(DOC_001).read_text(encoding="utf-8"))
    mine = next(s for s in doc["annotations"] if s["annotator"] == "scratch")
    ents = {e["text"]: e for e in mine["entities"]}
    assert {k: (v["label"], v["entity"]) for k, v in ents.items()} == {"Marco Rubio": ("PERSON", "marco_rubio"), "CNN": ("ORG", "cnn")}
    rubio = {"kind": "entity", "entity": "marco_rubio", "mention": ents["Marco Rubio"]["id"]}
    (c,) = mine["claims"]
    assert (c["text"], c["type"], c["checkworthiness"], c["attribution"], c["claimant"]) == (
        claim,
        "factual",
        "check_worthy",
        "reported",
        rubio,
    )
    stances = {st["evidence"][0]["text"]: st for st in mine["stances"]}
    held = stances["serious threats to US national security"]
    assert (held["holder"], held["target"], held["label"], held["attribution"]) == (rubio, "fto_designation", "favor", "reported")
    own = stances[authorial]
    assert (own["holder"], own["target"], own["label"], own["attribution"]) == (
        {"kind": "author"},
        "fto_designation",
        "against",
        "authorial",
    )
    assert all(text[s["start"] : s["end"]] == s["text"] for s in [*mine["entities"], *mine["claims"]])
    check = subprocess.run(
        [sys.executable, "-m", "cartel_fto_corpus", "validate", "--root", str(repo_corpus)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert check.returncode == 0, check.stdout + check.stderr
