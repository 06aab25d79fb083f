"""Two annotators in Chromium, each on their own server (what `ls serve --annotator NAME` starts), from empty tasks.

Anna and Ben each log in to their own server, open article 001 (its pre-annotation removed: an empty
page), draw a mention and pick its registry entity, and Submit. Anna's screens (the task list and the
task) show nothing of Ben's work, and pull with `annotator=` brings each back as their own set, with no
warning (issue 23 points 1-3).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cartel_fto_corpus.labelstudio.pull import pull
from cartel_fto_corpus.labelstudio.push import push
from cartel_fto_corpus.labelstudio.server import DEFAULT_USER, LocalServer, copy_data_dir, free_port
from cartel_fto_corpus.truth.paths import CorpusPaths

from .conftest import DATA_DIRS
from .test_blind import client_of, quiet
from .test_editor import DOC_001, Annotator
from .test_editor_scratch import draw, drop_predictions, open_empty

pytestmark = [pytest.mark.labelstudio, pytest.mark.browser]

WORK = {"anna": ("1", "Marco Rubio", "Marco Rubio said", "marco_rubio"), "ben": ("4", "CNN", "CNN broke the story", "cnn")}


@pytest.fixture
def own_servers(ls_venv: Path, ls_template: tuple[Path, str, str], tmp_path: Path) -> Iterator[dict[str, LocalServer]]:
    template, password, token = ls_template
    servers: dict[str, LocalServer] = {}
    try:
        for name in WORK:
            data = copy_data_dir(template, tmp_path / f"ls-{name}")
            servers[name] = LocalServer(ls_venv, data, free_port(), DEFAULT_USER, password, token).start()
            DATA_DIRS[servers[name].url] = data
        yield servers
    finally:
        for s in servers.values():
            s.stop()


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


def test_two_annotators_each_on_their_own_server_in_the_editor(
    repo_corpus: Path, own_servers: dict[str, LocalServer], browser: Any, artifacts: Path
) -> None:
    paths = CorpusPaths(repo_corpus)
    clients = {name: client_of(s) for name, s in own_servers.items()}
    for name, c in clients.items():
        pid = push(paths, c, title="corpus", as_="predictions", echo=quiet).project_id
        tid = next(t["id"] for t in c.export_tasks(pid) if t["data"]["doc_id"] == DOC_001)
        drop_predictions(c, tid)
        key, words, context, entity = WORK[name]
        a = owner_in_browser(browser, own_servers[name], artifacts)
        open_empty(a, pid, tid)
        draw(a, key, words, context)
        a.pick_entity(entity)
        a.save("Submit")
        if name == "ben":  # Anna's screens, on her server: the task list and the task hold nothing of Ben's
            anna = owner_in_browser(browser, own_servers["anna"], artifacts)
            anna.page.goto(f"{own_servers['anna'].url}/projects/")
            anna.page.wait_for_load_state("networkidle")
            anna_pid = clients["anna"].find_project(None, "corpus").id
            anna_tid = next(t["id"] for t in clients["anna"].export_tasks(anna_pid) if t["data"]["doc_id"] == DOC_001)
            anna.page.goto(f"{own_servers['anna'].url}/projects/{anna_pid}/data?task={anna_tid}")
            anna.page.wait_for_selector(".htx-highlight")
            shown = {t.strip() for t in anna.page.locator(".lsf-outliner-item__text").all_inner_texts()}
            assert "Marco Rubio" in shown and "CNN" not in shown, shown
            anna.close()
        a.close()

    for name in WORK:
        got = pull(paths, clients[name], title="corpus", annotator=name, echo=quiet)
        assert got.failed == [] and got.warnings == [], (name, got.failed, got.warnings)
    sets = {s["annotator"]: s for s in json.loads(paths.annotation_file(DOC_001).read_text(encoding="utf-8"))["annotations"]}
    for name, (_key, words, _context, entity) in WORK.items():
        assert [(e["text"], e["entity"]) for e in sets[name]["entities"]] == [(words, entity)], (name, sets[name])
