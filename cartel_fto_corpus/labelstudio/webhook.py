"""The submission check's webhook receiver: Label Studio calls it on Submit/Update, it writes the problems back.

`ls serve` starts it (`cartel-fto ls check-submissions`, its own process, stopped with the server) and
registers it as the project's webhook for ANNOTATION_CREATED and ANNOTATION_UPDATED (webhooks are
part of Label Studio Community). Label Studio waits at most a second for a webhook (WEBHOOK_TIMEOUT),
so the receiver answers at once and checks in a worker thread: it reads the task (annotations, meta),
checks each annotation with `submit_check.submission_problems`, and writes the message into the task's
`problems` data field, which the editor shows at the top of the task when it is opened again. The
server must be told that a webhook to 127.0.0.1 is allowed (`SSRF_PROTECTION_ENABLED=false`, set by
`server.server_env` for the local servers `ls serve` starts; they listen on loopback only by default).
"""

from __future__ import annotations

import json
import queue
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cartel_fto_corpus.labelstudio import config as C
from cartel_fto_corpus.labelstudio import wire
from cartel_fto_corpus.labelstudio.client import Client
from cartel_fto_corpus.labelstudio.convert import completed_by
from cartel_fto_corpus.labelstudio.pull_plan import user_name
from cartel_fto_corpus.labelstudio.repo import Repo, load_repo
from cartel_fto_corpus.labelstudio.submit_check import message, submission_problems
from cartel_fto_corpus.truth.jsonio import read_json
from cartel_fto_corpus.truth.paths import CorpusPaths

ACTIONS = ("ANNOTATION_CREATED", "ANNOTATION_UPDATED")


def task_id_of(payload: Any) -> int | None:
    """The task a webhook payload is about (its `task` object or the annotation's `task` id)."""
    if not isinstance(payload, dict) or payload.get("action") not in ACTIONS:
        return None
    task = payload.get("task")
    if isinstance(task, dict) and isinstance(task.get("id"), int):
        return task["id"]
    ann = payload.get("annotation")
    tid = ann.get("task") if isinstance(ann, dict) else None
    return tid if isinstance(tid, int) else None


def check_task(repo: Repo, task: dict[str, Any], users: dict[int, Any], when: str) -> str:
    """The message for a task: each annotation's problems (named by annotator when there are several)."""
    anns = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
    names = [user_name(completed_by(ann), users) for ann in anns]
    parts = [(name, submission_problems(repo, task, ann, name)) for ann, name in zip(anns, names, strict=True)]
    if len(parts) == 1:
        return message(parts[0][1], when)
    return " || ".join(f"{name}: {message(lines, when)}" for name, lines in parts)


class Receiver:
    """The HTTP endpoint and its worker; `serve_forever` blocks (the `ls check-submissions` process)."""

    def __init__(self, paths: CorpusPaths, client: Client, port: int) -> None:
        self.paths, self.client = paths, client
        self.todo: queue.Queue[int] = queue.Queue()
        self.repo = load_repo(paths)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                try:
                    tid = task_id_of(json.loads(body))
                except ValueError:
                    tid = None
                if tid is not None:
                    receiver.todo.put(tid)

        self.http = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.http.daemon_threads = True
        self.worker = threading.Thread(target=self._work, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http.server_address[1]}/"

    def _work(self) -> None:
        while True:
            tid = self.todo.get()
            try:
                self.check(tid)
            except Exception as exc:  # a failed check must not stop the receiver; the next Submit retries
                print(f"task {tid}: check failed: {type(exc).__name__}: {exc}", flush=True)

    def check(self, task_id: int) -> str:
        """Check one task now and write the message into its data; returns the message."""
        self.repo.registry = read_json(self.paths.registry)  # proposals accepted by a pull meanwhile
        self.repo._ctx = None
        task = self.client.get_task(task_id)
        text = check_task(self.repo, task, self.client.users(), datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"))
        data = {**(task.get("data") or {}), C.PROBLEMS: text}
        self.client.call(
            f"write problems of task {task_id}", lambda: wire.send_json(self.client.http, "PATCH", f"/api/tasks/{task_id}", {"data": data})
        )
        return text

    def start(self) -> Receiver:
        self.worker.start()
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        return self

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


def register(client: Client, project_id: int, url: str) -> int:
    """Make `url` the project's submission-check webhook (earlier ones of ours, on other ports, removed)."""
    hooks = client.call("list webhooks", lambda: wire.get_json(client.http, f"/api/webhooks/?project={project_id}"))
    for h in hooks if isinstance(hooks, list) else []:
        if str(h.get("url", "")).startswith("http://127.0.0.1:") and h.get("project") == project_id:
            client.call("delete webhook", lambda h=h: wire.send_json(client.http, "DELETE", f"/api/webhooks/{h['id']}/"))
    body = {"url": url, "project": project_id, "send_payload": True, "send_for_all_actions": False, "actions": list(ACTIONS)}
    made = client.call("create webhook", lambda: wire.send_json(client.http, "POST", "/api/webhooks/", body), idempotent=False)
    return int(made["id"])
