"""Anna can neither see nor change Ben's work through any screen of Label Studio she can reach (issue 23).

Two real servers, as `ls serve --annotator NAME` makes them. Anna's is made by the command itself on a
fresh data dir (a real `label-studio init`, timed: the first start, issue 23 point 5); Ben's is a copy of
the session's migrated template re-owned by Ben (his own account, password, API key and SECRET_KEY), so
the module pays for one migration, not two. Each submits work of their own, carrying a marker.

Anna, logged in on her server in Chromium, visits every screen she can reach: the project list, the
Data Manager with every column shown, each task in the editor with every tab she can click, the
organization's members and the invite link, her account pages, the project settings, Django's admin
(her account is the server's superuser) and the API her session can call. Every page's text and every
HTML/JSON response the browser received is searched for Ben's e-mail, name, annotation marker, URL and
port: none is there (Anna's own marker is, so the search sees what a screen shows). Anna's password,
API key, personal access token and session cookie are all refused by Ben's server.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from cartel_fto_corpus.cli.main import cli
from cartel_fto_corpus.labelstudio import config as C
from cartel_fto_corpus.labelstudio.client import Client, Settings
from cartel_fto_corpus.labelstudio.push import push
from cartel_fto_corpus.labelstudio.server import DB_FILE, LocalServer, copy_data_dir, existing_token, free_port, new_token
from cartel_fto_corpus.truth.paths import CorpusPaths

from .conftest import DATA_DIRS, FIXTURE_CORPUS, copy_corpus

pytestmark = [pytest.mark.labelstudio, pytest.mark.browser, pytest.mark.slow]

ANNA, BEN = "anna@localhost.localdomain", "ben@localhost.localdomain"
NO_KEY_ENV = {"LABEL_STUDIO_API_KEY": None, "LABEL_STUDIO_URL": None, "LABEL_STUDIO_PASSWORD": None, "LABEL_STUDIO_USERNAME": None}


def django_password(password: str, iterations: int = 100_000) -> str:
    """Django's pbkdf2_sha256 hash (it accepts any iteration count and upgrades it at the next login)."""
    salt = secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode()}"


def reowned_copy(template: Path, dest: Path, email: str, password: str, token: str) -> Path:
    """A copy of the migrated template whose one account is `email`: what a fresh `init` for him makes,
    without paying for the migration again (own password, API key and SECRET_KEY)."""
    data = copy_data_dir(template, dest)
    con = sqlite3.connect(data / DB_FILE)
    try:
        (uid,) = con.execute("SELECT id FROM htx_user").fetchone()
        assert con.execute("SELECT COUNT(*) FROM htx_user").fetchone() == (1,)
        con.execute("UPDATE htx_user SET email = ?, username = ?, password = ? WHERE id = ?", (email, "", django_password(password), uid))
        con.execute("UPDATE authtoken_token SET key = ? WHERE user_id = ?", (token, uid))
        con.commit()
    finally:
        con.close()
    (data / ".env").write_text(f"SECRET_KEY={secrets.token_urlsafe(50)}\n", encoding="utf-8")
    (data / ".env").chmod(0o600)
    return data


def submit_with_marker(client: Client, project_id: int, marker: str) -> None:
    """Submit each task's pre-annotation as the owner's annotation, the first mention proposing a new entity named `marker`."""
    me = client.sdk.users.whoami()
    for task in client.export_tasks(project_id):
        result = [r.model_dump() if hasattr(r, "model_dump") else r for r in client.sdk.predictions.list(task=task["id"])[0].result]
        mention = next(r for r in result if r.get("from_name") == C.ENTITY and r.get("type") == "labels")
        span = {k: mention["value"][k] for k in ("start", "end")}
        result.append(
            {
                "id": mention["id"],
                "from_name": C.NEW_ENTITY,
                "to_name": mention["to_name"],
                "type": "textarea",
                "value": {**span, "text": [marker]},
            }
        )
        client.sdk.annotations.create(id=task["id"], result=result, completed_by=me.id)


@pytest.fixture(scope="module")
def servers(ls_venv: Path, ls_template: tuple[Path, str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Anna's server by `ls serve --annotator anna` on a fresh data dir (timed), Ben's a re-owned template copy."""
    tmp = tmp_path_factory.mktemp("screens")
    corpus = copy_corpus(FIXTURE_CORPUS, tmp / "anna-corpus")
    port = free_port()
    args = ["ls", "serve", "--root", str(corpus), "--annotator", "anna", "--venv", str(ls_venv), "--port", str(port), "--detach"]
    started = time.monotonic()
    result = CliRunner().invoke(cli, args, env=NO_KEY_ENV, catch_exceptions=False)
    first_start = time.monotonic() - started
    anna_data = corpus / ".labelstudio" / "annotators" / "anna"
    ben = None
    try:
        assert result.exit_code == 0, result.output
        password = re.search(r"log in as \S+ with password (\S+)", result.output).group(1)  # type: ignore[union-attr]
        anna_key = existing_token(anna_data, ANNA)
        assert anna_key
        anna = {"url": f"http://127.0.0.1:{port}", "email": ANNA, "password": password, "key": anna_key, "data": anna_data}
        DATA_DIRS[anna["url"]] = anna_data

        template = ls_template[0]
        ben_password, ben_key = new_token()[:16], new_token()
        ben_data = reowned_copy(template, tmp / "ben", BEN, ben_password, ben_key)
        ben = LocalServer(ls_venv, ben_data, free_port(), BEN, "", ben_key).start()  # no password in its env: keep his
        DATA_DIRS[ben.url] = ben_data
        ben_corpus = copy_corpus(FIXTURE_CORPUS, tmp / "ben-corpus")
        ben_client = Client(Settings(ben.url, ben_key, timeout=30, retries=2, backoff=0.1))
        ben_pid = push(CorpusPaths(ben_corpus), ben_client, title="cartel_fto_corpus", as_="predictions", echo=lambda _: None).project_id
        ben_marker, anna_marker = f"BENONLY{secrets.token_hex(4)}", f"ANNAOWN{secrets.token_hex(4)}"
        submit_with_marker(ben_client, ben_pid, ben_marker)
        anna_client = Client(Settings(anna["url"], anna_key, timeout=30, retries=2, backoff=0.1))
        anna_pid = anna_client.find_project(None, "cartel_fto_corpus").id
        submit_with_marker(anna_client, anna_pid, anna_marker)
        yield {
            "anna": {**anna, "client": anna_client, "project": anna_pid, "marker": anna_marker, "corpus": corpus},
            "ben": {
                "url": ben.url,
                "port": ben.port,
                "email": BEN,
                "password": ben_password,
                "key": ben_key,
                "client": ben_client,
                "project": ben_pid,
                "marker": ben_marker,
            },
            "first_start": {"seconds": first_start, "output": result.output},
        }
    finally:
        if ben is not None:
            ben.stop()
        CliRunner().invoke(cli, ["ls", "stop", "--data-dir", str(anna_data)], catch_exceptions=False)


def test_a_fresh_first_start_of_ls_serve_annotator(servers: dict[str, Any]) -> None:
    """`ls serve --annotator anna` on a fresh data dir: one account (hers), her key found by push/pull and
    written by us nowhere, the project holding the corpus, and the messages saying what took how long."""
    anna, first = servers["anna"], servers["first_start"]
    out = first["output"]
    print(f"first `ls serve --annotator anna` (init, start, push): {first['seconds']:.0f} s")
    assert "about 30 s)" not in out and "about a minute" not in out
    m = re.search(r"initialised \S+ in (\d+) s; starting Label Studio", out)
    assert m and int(m.group(1)) <= first["seconds"] + 1, out
    assert "up to a few minutes on a busy one" in out
    con = sqlite3.connect(f"file:{anna['data'] / DB_FILE}?mode=ro", uri=True)
    try:
        assert con.execute("SELECT email, is_superuser FROM htx_user").fetchall() == [(ANNA, 1)]
    finally:
        con.close()
    # the key: in Label Studio's own database only; never in a file or log of ours, nor in the output
    key = anna["key"]
    assert key not in out
    holders = [p for p in anna["corpus"].rglob("*") if p.is_file() and key.encode() in p.read_bytes()]
    assert [p.name for p in holders] == [DB_FILE], holders
    tasks = anna["client"].export_tasks(anna["project"])
    assert [t["data"]["doc_id"] for t in tasks] == [p.stem for p in CorpusPaths(anna["corpus"]).annotation_files()]
    for cmd in ("pull", "push"):  # found with no key in the environment: URL from the record, key from the database
        r = CliRunner().invoke(
            cli, ["ls", cmd, "--root", str(anna["corpus"]), "--annotator", "anna"], env=NO_KEY_ENV, catch_exceptions=False
        )
        assert r.exit_code == 0, r.output
        assert key not in r.output


#: Responses whose body can carry data: HTML pages and the API (static bundles are the same files on every server).
def _is_data(url: str, content_type: str) -> bool:
    path = httpx.URL(url).path
    return not path.startswith(("/static/", "/react-app/", "/dm/", "/label-studio-frontend/")) and (
        "json" in content_type or "html" in content_type or "text/plain" in content_type
    )


class Visit:
    """Anna's browser: every page's text and every data response body, kept to be searched."""

    def __init__(self, browser: Any, anna: dict[str, Any]) -> None:
        self.url = anna["url"]
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.context.set_default_timeout(60_000)
        self.page = self.context.new_page()
        self.seen: list[tuple[str, str]] = []  # (where, text)
        self.page.on("response", self._keep)
        self.page.goto(f"{self.url}/user/login/")
        self.page.fill("input[name=email]", anna["email"])
        self.page.fill("input[name=password]", anna["password"])
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("networkidle")
        assert "/user/login" not in self.page.url, "Anna could not log in on her own server"

    def _keep(self, response: Any) -> None:
        try:
            if _is_data(response.url, response.headers.get("content-type", "")):
                self.seen.append((response.url, response.text()))
        except Exception:  # a redirect or a body the browser dropped: nothing to read
            pass

    def screen(self, path: str, wait_for: str | None = None) -> str:
        if path.startswith("/api/"):  # with her session's cookies; an export would be a download in the page
            text = self.context.request.get(self.url + path, timeout=120_000).text()
            self.seen.append((path, text))
            return text
        self.page.goto(self.url + path)
        self.page.wait_for_load_state("networkidle")
        if wait_for:
            self.page.wait_for_selector(wait_for)
        return self.text(path)

    def text(self, where: str) -> str:
        text = self.page.inner_text("body")
        self.seen.append((f"screen {where}", text + "\n" + self.page.content()))
        return text

    def click_every(self, selector: str, where: str, close: bool = False) -> int:
        """Click every visible element matching `selector` (tabs, annotation buttons), reading the screen after
        each; `close`: then reload the page (a dialog it opened would cover the next one)."""
        n = 0
        for i in range(self.page.locator(selector).count()):
            el = self.page.locator(selector).nth(i)
            if el.is_visible():
                el.click()
                self.page.wait_for_timeout(400)
                self.text(f"{where} after clicking {selector}[{i}]")
                if close:
                    self.page.reload()
                    self.page.wait_for_load_state("networkidle")
                n += 1
        return n


def test_nothing_of_bens_on_any_screen_anna_reaches(servers: dict[str, Any], browser: Any, artifacts: Path) -> None:
    anna, ben = servers["anna"], servers["ben"]
    pid = anna["project"]
    # Ben's marker is on Ben's server (so its absence on Anna's means something)
    assert ben["marker"] in json.dumps(ben["client"].export_tasks(ben["project"]))
    v = Visit(browser, anna)
    v.screen("/projects/")
    v.screen(f"/projects/{pid}/data/")
    # the Data Manager with every column shown (annotators, annotations, predictions, ...)
    headers = {"Authorization": f"Token {anna['key']}"}
    views = httpx.get(f"{anna['url']}/api/dm/views/", params={"project": pid}, headers=headers, timeout=30).json()
    assert views, "the Data Manager made no tab"
    for view in views:
        data = {**view.get("data", {}), "hiddenColumns": {"explore": [], "labeling": []}}
        r = httpx.patch(
            f"{anna['url']}/api/dm/views/{view['id']}/",
            params={"project": pid},
            headers=headers,
            json={"project": pid, "data": data},
            timeout=30,
        )
        assert r.status_code == 200, r.text
    dm = v.screen(f"/projects/{pid}/data/", wait_for=".dm-table__row, [class*=table-row], [class*=Table_row]")
    v.page.screenshot(path=str(artifacts / "screens-anna-data-manager.png"), full_page=True)
    assert anna["marker"] not in dm  # a proposed entity name is in the annotation, not a column
    tasks = anna["client"].export_tasks(pid)
    for task in tasks:
        v.screen(f"/projects/{pid}/data/?task={task['id']}", wait_for=".htx-highlight")
        v.click_every("[role=tab]", f"task {task['id']}")
        v.click_every("[class*=annotation-button], [class*=AnnotationButton], [class*=annotations-carousel] button", f"task {task['id']}")
        # every annotation of the task side by side, and the menu's "Show Other Annotations"
        v.click_every("text=Compare All", f"task {task['id']}")
        v.click_every("text=Show Other Annotations", f"task {task['id']}")
        v.page.screenshot(path=str(artifacts / f"screens-anna-task-{task['id']}.png"), full_page=True)
        for path in (
            f"/api/tasks/{task['id']}/",
            f"/api/tasks/{task['id']}/annotations/",
            *(f"/api/annotations/{a['id']}/" for a in task["annotations"]),
            f"/api/tasks/{task['id']}/drafts",
            f"/api/tasks/{task['id']}/agreement/",
        ):
            v.screen(path)
    v.screen("/people/")  # the older members page (1.23 shows its template only)
    assert ANNA in v.screen("/organization/", wait_for=f"text={ANNA}")  # the members list: Anna only
    v.click_every("text=Add Members", "organization", close=True)  # the invite dialog and its link
    v.click_every("text=API Tokens Settings", "organization", close=True)
    invite = httpx.get(f"{anna['url']}/api/invite", headers=headers, timeout=30).json()
    for path in (
        "/organization/webhooks",
        "/user/account/",
        "/user/account/personal-access-token",
        "/user/account/hotkeys",
        "/user/account/membership",
        "/models/",
        f"/projects/{pid}/settings/",
        f"/projects/{pid}/settings/labeling",
        f"/projects/{pid}/settings/annotation",
        f"/projects/{pid}/settings/review",
        f"/projects/{pid}/settings/ml",
        f"/projects/{pid}/settings/storage",
        f"/projects/{pid}/settings/webhooks",
        f"/projects/{pid}/settings/danger-zone",
        f"/projects/{pid}/data/export",
        "/admin/",
        "/admin/users/user/",
        "/version/",
        # the API Anna's session can call
        "/api/projects/",
        f"/api/projects/{pid}/",
        f"/api/projects/{pid}/summary/",
        f"/api/projects/{pid}/annotators/",
        f"/api/projects/{pid}/label-stream-history/",
        f"/api/projects/{pid}/export?exportType=JSON&download_all_tasks=true",
        f"/api/projects/{pid}/exports/",
        f"/api/tasks/?project={pid}&fields=all",
        f"/api/dm/views/?project={pid}",
        f"/api/dm/columns/?project={pid}",
        f"/api/dm/project/?project={pid}",
        "/api/users/",
        "/api/organizations/",
        "/api/current-user/whoami",
        "/api/webhooks/",
        "/api/invite",
        "/api/token/",
        "/api/version",
        "/api/ml/",
    ):
        v.screen(path)
    signup = v.screen(invite["invite_url"])
    assert signup is not None
    orgs = httpx.get(f"{anna['url']}/api/organizations/", headers=headers, timeout=30).json()
    for org in orgs:
        v.screen(f"/api/organizations/{org['id']}")
        v.screen(f"/api/organizations/{org['id']}/memberships")
    v.context.close()

    everything = "\n".join(text for _where, text in v.seen)
    assert anna["marker"] in everything, "the search did not see Anna's own work on her screens"
    bens = {
        "Ben's e-mail": BEN,
        "Ben's name": "ben@",
        "Ben's annotation": ben["marker"],
        "Ben's server URL": f"127.0.0.1:{ben['port']}",
        "Ben's port": f":{ben['port']}",
        "Ben's API key": ben["key"],
    }
    leaks = [(what, where) for what, needle in bens.items() for where, text in v.seen if needle in text]
    assert leaks == [], leaks
    print(f"{len(v.seen)} pages and responses of Anna's server searched, nothing of Ben's")


def test_annas_credentials_do_not_work_on_bens_server(servers: dict[str, Any], browser: Any) -> None:
    anna, ben = servers["anna"], servers["ben"]
    # her API key
    for path in ("/api/projects/", "/api/users/", f"/api/projects/{ben['project']}/export?exportType=JSON"):
        r = httpx.get(ben["url"] + path, headers={"Authorization": f"Token {anna['key']}"}, timeout=30)
        assert r.status_code == 401, (path, r.status_code)
    # her personal access token (a JWT signed by her server's SECRET_KEY; both accounts have user id 1)
    pat = httpx.post(f"{anna['url']}/api/token/", headers={"Authorization": f"Token {anna['key']}"}, timeout=30)
    assert pat.status_code == 201, pat.text
    refresh = pat.json()["token"]
    access = httpx.post(f"{anna['url']}/api/token/refresh/", json={"refresh": refresh}, timeout=30)
    assert access.status_code == 200, access.text
    assert (
        httpx.get(f"{anna['url']}/api/projects/", headers={"Authorization": f"Bearer {access.json()['access']}"}, timeout=30).status_code
        == 200
    )
    assert httpx.post(f"{ben['url']}/api/token/refresh/", json={"refresh": refresh}, timeout=30).status_code == 401
    r = httpx.get(f"{ben['url']}/api/projects/", headers={"Authorization": f"Bearer {access.json()['access']}"}, timeout=30)
    assert r.status_code == 401, r.status_code
    # her password, on Ben's login page
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{ben['url']}/user/login/")
    page.fill("input[name=email]", anna["email"])
    page.fill("input[name=password]", anna["password"])
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/user/login" in page.url
    # her session: logged in on her server, the browser also sends that cookie to Ben's (same host, other port)
    page.goto(f"{anna['url']}/user/login/")
    page.fill("input[name=email]", anna["email"])
    page.fill("input[name=password]", anna["password"])
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/user/login" not in page.url
    assert any(c["name"] == "sessionid" for c in context.cookies(ben["url"]))
    page.goto(f"{ben['url']}/projects/")
    page.wait_for_load_state("networkidle")
    assert "/user/login" in page.url
    body = page.goto(f"{ben['url']}/api/projects/")
    assert body is not None and body.status in (401, 403)
    context.close()
