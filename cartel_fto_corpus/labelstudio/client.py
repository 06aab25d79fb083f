"""The connection to a Label Studio server: the SDK, our retry policy and one-line errors.

The SDK's own retries are switched off: it would retry a POST after a 5xx or 409, which could
import the same tasks twice. Here only transient failures are retried (connection refused or
dropped, 502/503/504/429, and timeouts of reads), with exponential backoff. Every failure
becomes a `LabelStudioError` whose message is one line and never contains the API key.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

T = TypeVar("T")
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

    def __repr__(self) -> str:
        return f"Settings(url={self.url!r}, api_key='***', timeout={self.timeout}, retries={self.retries})"

    @classmethod
    def resolve(cls, url: str | None, api_key: str | None, **kw: Any) -> Settings:
        """Flags first, then LABEL_STUDIO_URL / LABEL_STUDIO_API_KEY."""
        url = url or os.environ.get(URL_ENV)
        api_key = api_key or os.environ.get(KEY_ENV)
        if not url:
            raise LabelStudioError(f"no Label Studio URL: pass --url or set {URL_ENV} (or run `cartel-fto ls serve`)")
        if not api_key:
            raise LabelStudioError(f"no Label Studio API key: pass --api-key or set {KEY_ENV}")
        return cls(url.rstrip("/"), api_key, **kw)


def _scrub(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text


def _first_line(text: str, limit: int = 200) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "\u2026"


def describe(exc: BaseException, settings: Settings, what: str) -> str:
    """One line saying what failed and why, for any exception the SDK or httpx can raise."""
    from label_studio_sdk.core.api_error import ApiError

    url = settings.url
    if isinstance(exc, ApiError):
        status = exc.status_code
        body = exc.body
        detail = ""
        if isinstance(body, dict):
            detail = body.get("validation_errors") or body.get("detail") or ""
            if isinstance(detail, dict | list):
                detail = json.dumps(detail, ensure_ascii=False)
        elif body:
            detail = str(body)
        if status == 401:
            msg = f"{what}: Label Studio at {url} rejected the API key (HTTP 401); check {KEY_ENV} or --api-key"
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
    return _scrub(_first_line(msg), settings.api_key)


def is_transient(exc: BaseException, idempotent: bool) -> bool:
    """Worth retrying: the request did not reach the server, or the server said 'try again'."""
    from label_studio_sdk.core.api_error import ApiError

    if isinstance(exc, httpx.ConnectError):
        return True
    if isinstance(exc, httpx.TimeoutException | httpx.RemoteProtocolError | httpx.ReadError):
        return idempotent  # a POST may have been applied before the connection died
    if isinstance(exc, ApiError):
        return exc.status_code in TRANSIENT_STATUS and (idempotent or exc.status_code in (429, 503))
    return False


class Client:
    """A Label Studio SDK client plus `call()`, which retries transient errors and maps the rest."""

    def __init__(self, settings: Settings, sleep: Callable[[float], None] = time.sleep) -> None:
        from label_studio_sdk import LabelStudio

        self.settings = settings
        self._sleep = sleep
        self.sdk = LabelStudio(base_url=settings.url, api_key=settings.api_key, timeout=settings.timeout, max_retries=0)

    def __repr__(self) -> str:
        return f"Client({self.settings!r})"

    def call(self, what: str, fn: Callable[[], T], *, idempotent: bool = True) -> T:
        """Run one API call; retry it on transient failures with exponential backoff and jitter."""
        attempt = 0
        while True:
            try:
                return fn()
            except Exception as exc:  # mapped below; never re-raised with the key inside
                if attempt < self.settings.retries and is_transient(exc, idempotent):
                    delay = self.settings.backoff * (2**attempt) * (0.75 + random.random() / 2)
                    attempt += 1
                    self._sleep(delay)
                    continue
                raise LabelStudioError(describe(exc, self.settings, what)) from None

    # -- the few API calls the sync needs -------------------------------------------------------

    def check(self) -> None:
        """Fail early, with a clear line, if the server is down or the key is wrong."""
        self.call("connect", lambda: self.sdk.users.whoami())

    def find_project(self, project: str | int | None, title: str) -> Any | None:
        """A project by id (digits) or title; None if no project has that title."""
        if project is not None and str(project).isdigit():
            return self.call(f"project {project}", lambda: self.sdk.projects.get(id=int(project)))
        wanted = str(project) if project is not None else title
        found = [p for p in self.call("list projects", lambda: list(self.sdk.projects.list(page_size=100))) if p.title == wanted]
        if len(found) > 1:
            raise LabelStudioError(
                f"several projects are titled {wanted!r} (ids {', '.join(str(p.id) for p in found)}); pass --project <id>"
            )
        return found[0] if found else None

    def export_tasks(self, project_id: int) -> list[dict[str, Any]]:
        """Every task of a project with its annotations and predictions: one export request."""

        def run() -> list[dict[str, Any]]:
            chunks: Iterator[bytes] = self.sdk.projects.exports.download_sync(project_id, export_type="JSON", download_all_tasks=True)
            return json.loads(b"".join(chunks))

        data = self.call("export tasks", run)
        if not isinstance(data, list) or not all(isinstance(t, dict) for t in data):
            raise LabelStudioError(f"export tasks: malformed export from {self.settings.url}: expected a list of task objects")
        return data

    def users(self) -> dict[int, Any]:
        return {u.id: u for u in self.call("list users", lambda: list(self.sdk.users.list()))}
