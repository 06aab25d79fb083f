"""Two annotators, each on their own Label Studio server (issue 23 point 2), against real servers.

Each server is what `ls serve --annotator NAME` starts: its own data dir, port and database, one
account. Anna's server holds nothing of Ben's, whatever screen or API call she uses; pull with
`annotator=` takes each server's owner's annotations as that annotator's set, with no warning on
unchanged regions. An account other than the owner's on Ben's server (someone Ben invited) can Update
Ben's annotation through the API: pull reports it and never credits it to Ben, and that account's own
annotation is not taken either.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cartel_fto_corpus.labelstudio import config as C
from cartel_fto_corpus.labelstudio.client import Client, Settings
from cartel_fto_corpus.labelstudio.pull import pull
from cartel_fto_corpus.labelstudio.push import push
from cartel_fto_corpus.labelstudio.server import DEFAULT_USER, LocalServer, existing_token

pytestmark = pytest.mark.labelstudio


def quiet(_: str) -> None:
    pass


def client_of(server: LocalServer, key: str | None = None) -> Client:
    return Client(Settings(server.url, key or server.token, timeout=30, retries=2, backoff=0.1))


def sets_of(paths_file: Path) -> dict[str, dict]:
    return {s["annotator"]: s for s in json.loads(paths_file.read_text(encoding="utf-8"))["annotations"]}


def test_each_annotator_on_their_own_server_is_blind_and_credited_only_for_their_own_work(
    fixture_corpus: Path, own_servers: dict[str, LocalServer]
) -> None:
    from cartel_fto_corpus.truth.paths import CorpusPaths

    paths = CorpusPaths(fixture_corpus)
    doc_file = paths.annotation_files()[0]
    model = json.loads(doc_file.read_text(encoding="utf-8"))["annotations"][0]
    clients = {name: client_of(s) for name, s in own_servers.items()}
    projects = {name: push(paths, c, title="corpus", as_="predictions", echo=quiet).project_id for name, c in clients.items()}
    tasks = {name: c.export_tasks(projects[name])[0] for name, c in clients.items()}

    # each submits the pre-annotation; Ben also deletes the first mention nobody points at
    for name, c in clients.items():
        me = c.sdk.users.whoami()
        result = c.sdk.predictions.list(task=tasks[name]["id"])[0].result
        # as the editor sends them back: regions pushed without their text come with value.text ""
        result = [
            {**r, "value": {**r["value"], "text": ""}} if r.get("type") == "labels" and "text" not in r["value"] else r for r in result
        ]
        if name == "ben":
            used = {c_["claimant"].get("mention") for c_ in model["claims"]} | {s["holder"].get("mention") for s in model["stances"]}
            gone = next(e["id"] for e in model["entities"] if e["id"] not in used)
            result = [r for r in result if r.get("id") != gone]
        c.sdk.annotations.create(id=tasks[name]["id"], result=result, completed_by=me.id)

    # blind by construction: nothing on Anna's server is Ben's, through any call her account can make
    anna_sees = clients["anna"].export_tasks(projects["anna"])
    assert [len(t["annotations"]) for t in anna_sees if t["annotations"]] == [1]
    assert {u.email for u in clients["anna"].users().values()} == {DEFAULT_USER}

    for name in ("anna", "ben"):
        got = pull(paths, clients[name], title="corpus", annotator=name, echo=quiet)
        assert got.failed == [] and got.warnings == [], (name, got.failed, got.warnings)
    after = sets_of(doc_file)
    assert {"anna", "ben"} <= set(after)
    assert after["anna"]["entities"] == model["entities"] and len(after["ben"]["entities"]) == len(model["entities"]) - 1

    # someone Ben invited (another account on his server) changes Ben's annotation through the API
    ben = clients["ben"]
    guest = ben.sdk.users.create(username="guest", email="guest@example.org", first_name="guest")
    guest_key = existing_token(own_servers["ben"].data_dir, "guest@example.org")
    assert guest_key
    ann = ben.export_tasks(projects["ben"])[0]["annotations"][0]
    edited = [r for r in ann["result"] if not (r.get("from_name") == C.ENTITY and r["id"] == after["ben"]["entities"][0]["id"])]
    client_of(own_servers["ben"], guest_key).sdk.annotations.update(id=ann["id"], result=edited)
    client_of(own_servers["ben"], guest_key).sdk.annotations.create(id=ann["task"], result=edited)
    before = doc_file.read_bytes()
    got = pull(paths, ben, title="corpus", annotator="ben", echo=quiet)
    assert doc_file.read_bytes() == before  # nothing credited to Ben
    assert any("annotator ben" in line and "last changed by guest" in line and "not credited" in line for line in got.failed), got.failed
    assert any("annotator guest" in line and "not taken" in line for line in got.failed), got.failed
    assert guest.id != ben.sdk.users.whoami().id
