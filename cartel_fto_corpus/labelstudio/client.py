"""The connection to a Label Studio server: the SDK, raw bulk calls, our retry policy and one-line errors.

The SDK's own retries are switched off: it would retry a POST after a 5xx or 409, which could
import the same tasks twice. Here only transient failures are retried (connection refused or
dropped, 502/503/504/429, and timeouts of reads), with exponential backoff capped per wait
(`MAX_BACKOFF`) and a capped number of retries (`MAX_RETRIES`). `timeout` is a total deadline per
request (see wire.py). Every failure becomes a `LabelStudioError` whose message is one line and
never contains the API key or the credentials of a URL.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, TypeVar

import httpx

from cartel_fto_corpus.labelstudio import wire
from cartel_fto_corpus.labelstudio.json_stream import iter_array

T = TypeVar("T")
MAX_RETRIES = 10
MAX_BACKOFF = 10.0
URL_ENV, KEY_ENV = "LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY"
TRANSIENT_STATUS = {429, 502, 503, 504}


class LabelStudioError(Exception):
    """A failure talking to Label Studio, already phrased for the user (one line, no secrets)."""


@dataclass(frozen=True)
class Settings:
    """Where and how to connect. The key lives only in memory and is masked in repr()."""

    url: str
    api_key: str
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 0.5

    def __post_init__(self) -> None:
        object.__setattr__(self, "retries", max(0, min(int(self.retries), MAX_RETRIES)))

    def __repr__(self) -> str:
        return f"Settings(url={self.safe_url!r}, api_key='***', timeout={self.timeout}, retries={self.retries})"

    @property
    def safe_url(self) -> str:
        """The URL as it may be shown: user and password replaced by ***."""
        return safe_url(self.url)

    @classmethod
    def resolve(cls, url: str | None, api_key: str | None, local: tuple[str, str | None] | None = None, **kw: Any) -> Settings:
        """Flags first, then LABEL_STUDIO_URL / LABEL_STUDIO_API_KEY, then `local` (the server `ls serve` started)."""
        url = url or os.environ.get(URL_ENV)
        api_key = api_key or os.environ.get(KEY_ENV)
        if local is not None and not url:
            url, api_key = local[0], api_key or local[1]
        if not url:
            raise LabelStudioError(f"no Label Studio URL: pass --url or set {URL_ENV} (or run `cartel-fto ls serve`)")
        if not api_key:
            raise LabelStudioError(f"no Label Studio API key: pass --api-key-file or set {KEY_ENV}")
        return cls(url.rstrip("/"), api_key, **kw)


def safe_url(url: str) -> str:
    """`url` without its credentials (`http://user:pw@host` -> `http://***@host`)."""
    try:
        u = httpx.URL(url)
    except Exception:  # not a URL at all: show nothing of it that could be a secret
        return "<the Label Studio URL>"
    if u.userinfo:
        return str(u.copy_with(username=None, password=None)).replace("://", "://***@", 1)
    return url


def _scrub(text: str, settings: Settings) -> str:
    if settings.api_key:
        text = text.replace(settings.api_key, "***")
    if settings.url != settings.safe_url:
        text = text.replace(settings.url, settings.safe_url)
        userinfo = httpx.URL(settings.url).userinfo.decode()
        text = text.replace(userinfo, "***") if userinfo else text
    return text


def describe(exc: BaseException, settings: Settings, what: str) -> str:
    """One line saying what failed and why, for any exception the SDK or httpx can raise."""
    from label_studio_sdk.core.api_error import ApiError

    url = settings.safe_url
    if isinstance(exc, ApiError | wire.HttpStatusError):
        status = exc.status_code
        detail = exc.detail if isinstance(exc, wire.HttpStatusError) else wire.detail_of(exc.body)
        if status == 401:
            msg = f"{what}: Label Studio at {url} rejected the API key (HTTP 401); check {KEY_ENV} or --api-key-file"
        elif status == 403:
            msg = f"{what}: the API key has no access to this (HTTP 403)"
        elif status == 404:
            msg = f"{what}: not found on {url} (HTTP 404){': ' + detail if detail else ''}"
        else:
            msg = f"{what}: HTTP {status} from {url}{': ' + detail if detail else ''}"
    elif isinstance(exc, httpx.TimeoutException):
        msg = f"{what}: Label Studio at {url} did not answer within {settings.timeout:g} s"
    elif isinstance(exc, httpx.ConnectError):
        msg = f"{what}: cannot connect to Label Studio at {url} (is it running?)"
    elif isinstance(exc, httpx.TransportError):
        msg = f"{what}: connection to {url} failed: {type(exc).__name__}"
    elif isinstance(exc, json.JSONDecodeError):
        msg = f"{what}: malformed JSON from {url} (line {exc.lineno} column {exc.colno}: {exc.msg})"
    else:
        msg = f"{what}: {type(exc).__name__}: {exc}"
    line = " ".join(_scrub(msg, settings).split())  # one line of at most 200 characters
    return line if len(line) <= 200 else line[:199] + "\u2026"


def is_transient(exc: BaseException, idempotent: bool) -> bool:
    """Worth retrying: the request did not reach the server, or the server said 'try again'."""
    from label_studio_sdk.core.api_error import ApiError

    if isinstance(exc, httpx.ConnectError):
        return True
    if isinstance(exc, httpx.TimeoutException | httpx.RemoteProtocolError | httpx.ReadError):
        return idempotent  # a POST may have been applied before the connection died
    if isinstance(exc, ApiError | wire.HttpStatusError):
        return exc.status_code in TRANSIENT_STATUS and (idempotent or exc.status_code in (429, 503))
    return False


class Client:
    """A Label Studio SDK client plus `call()`, which retries transient errors and maps the rest."""

    def __init__(self, settings: Settings, sleep: Callable[[float], None] = time.sleep) -> None:
        from label_studio_sdk import LabelStudio

        self.settings = settings
        self._sleep = sleep
        self.http = wire.http_client(settings.url, settings.api_key, settings.timeout)
        self.sdk = LabelStudio(
            base_url=settings.url, api_key=settings.api_key, timeout=settings.timeout, max_retries=0, httpx_client=self.http
        )

    def __repr__(self) -> str:
        return f"Client({self.settings!r})"

    def call(self, what: str, fn: Callable[[], T], *, idempotent: bool = True) -> T:
        """Run one API call; retry it on transient failures with exponential backoff and jitter."""
        attempt = 0
        while True:
            try:
                with wire.deadline(self.settings.timeout):
                    return fn()
            except Exception as exc:  # mapped below; never re-raised with the key inside
                if isinstance(exc, LabelStudioError):
                    raise
                if attempt < self.settings.retries and is_transient(exc, idempotent):
                    delay = min(MAX_BACKOFF, self.settings.backoff * (2**attempt)) * (0.75 + random.random() / 2)
                    attempt += 1
                    self._sleep(delay)
                    continue
                raise LabelStudioError(describe(exc, self.settings, what)) from None

    # -- the few API calls the sync needs -------------------------------------------------------

    def find_project(self, project: str | int | None, title: str) -> Any | None:
        """A project by id (digits) or title; None if no project has that title (one small request)."""
        if project is not None and str(project).isdigit():
            return self.call(f"project {project}", lambda: self.sdk.projects.get(id=int(project)))
        wanted = str(project) if project is not None else title
        listed = self.call("list projects", lambda: wire.list_projects(self.http, wanted))
        found = [SimpleNamespace(**p) for p in listed if p.get("title") == wanted]
        if len(found) > 1:
            raise LabelStudioError(
                f"several projects are titled {wanted!r} (ids {', '.join(str(p.id) for p in found)}); pass --project <id>"
            )
        return found[0] if found else None

    def export_tasks(self, project_id: int) -> list[dict[str, Any]]:
        """Every task of a project with its annotations (the export, see consume_export), as a list."""
        return self.consume_export(project_id, list)

    def consume_export(self, project_id: int, consume: Callable[[Iterator[dict[str, Any]]], T]) -> T:
        """Pass every task of the export through `consume`, in task id order.

        More than `wire.EXPORT_PART` tasks with dense ids: the export in parts of consecutive ids,
        fetched ahead (the server builds the next part while `consume` works), each part retried
        on its own. Otherwise one streamed request; on a retry `consume` starts again from the first task.
        Either way the export is what the server holds as its requests arrive: a task created after
        the pull started may be missing (it comes with the next pull), as with one request.
        """

        def tasks(it: Iterator[Any]) -> Iterator[dict[str, Any]]:
            for t in it:
                if not isinstance(t, dict):
                    raise LabelStudioError(f"export tasks: malformed export from {self.settings.safe_url}: expected task objects")
                yield t

        windows = self.export_windows(project_id)
        if windows is None:

            def run() -> T:
                with wire.export_stream(self.http, project_id) as it:
                    return consume(tasks(it))

            return self.call("export tasks", run)

        parts = wire.fetched_ahead(lambda w: self.call("export tasks", lambda: wire.export_part(self.http, project_id, w)), windows)
        try:
            return consume(tasks(t for part in parts for t in iter_array((part,))))
        except LabelStudioError:
            raise
        except Exception as exc:  # what one request's call() would have mapped: a malformed part, a failed consume
            raise LabelStudioError(describe(exc, self.settings, "export tasks")) from None
        finally:
            parts.close()

    def export_windows(self, project_id: int) -> list[tuple[int, int]] | None:
        """The id windows of an export in parts; None for one request (also when the listing fails:
        the parts are a speed-up, and the one request then says what is wrong)."""
        try:
            total, first = self.call("list tasks", lambda: wire.first_task_id(self.http, project_id))
            if total <= wire.EXPORT_PART or first is None:
                return None
            _, last = self.call("list tasks", lambda: wire.first_task_id(self.http, project_id, descending=True))
        except LabelStudioError:
            return None
        return None if last is None else wire.id_windows(total, first, last, wire.EXPORT_PART)

    def list_tasks(self, project_id: int) -> list[dict[str, Any]]:
        """Tasks without their annotations: id, updated_at, meta, data.doc_id (one light listing request)."""
        return self.call("list tasks", lambda: wire.list_tasks(self.http, project_id))

    def list_tasks_if_project(self, project_id: int) -> list[dict[str, Any]] | None:
        """The light listing of a project known from the sync state; None if no such project any more (HTTP 404)."""

        def run() -> list[dict[str, Any]] | None:
            try:
                return wire.list_tasks(self.http, project_id)
            except wire.HttpStatusError as exc:
                if exc.status_code == 404:
                    return None
                raise

        return self.call("list tasks", run)

    def get_task(self, task_id: int) -> dict[str, Any]:
        """One task with its annotations (results included)."""
        return self.call(f"get task {task_id}", lambda: wire.get_json(self.http, f"/api/tasks/{task_id}"))

    def import_tasks(self, project_id: int, body: bytes) -> tuple[list[int], str | None]:
        """POST pre-serialised tasks (one bulk request): the new task ids in input order, and the server time after it."""
        return self.call("import tasks", lambda: wire.import_tasks(self.http, project_id, body), idempotent=False)

    def users(self) -> dict[int, Any]:
        return {u.id: u for u in self.call("list users", lambda: list(self.sdk.users.list()))}

    def close(self) -> None:
        self.http.close()
