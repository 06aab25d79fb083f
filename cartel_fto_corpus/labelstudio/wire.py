"""Raw HTTP for the big requests, and a total deadline for every request (SDK calls included).

Why not the SDK for everything: the SDK runs every request body through `jsonable_encoder`, which
walked 3.7 million objects for 1,000 documents (issue 13), and reads an export whole into memory.
Here the import body is serialised once with `orjson` and POSTed as bytes, and the export (one
request) is parsed task by task as it arrives, so a pull's memory does not grow with the size of
the export.

Why a deadline backend: httpx's `timeout` bounds each socket read, so a server that trickles a
byte every half second never times out (issue 15). Every socket operation of our connection pool
gets `min(timeout, time left)` of the request's deadline, which makes `--timeout` a total bound per
request, headers and body included. The deadline is a context variable set around each request.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import time
from collections.abc import Iterator
from typing import Any

import httpcore
import httpx
import orjson

from cartel_fto_corpus.labelstudio.json_stream import iter_array

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("cartel_fto_ls_deadline", default=None)


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Every request started inside must finish within `seconds` from now (all its reads together)."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def _left(timeout: float | None, exc: type[Exception]) -> float | None:
    end = _deadline.get()
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise exc("request deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, _left(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.SyncBackend):
    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None, socket_options=None):
        return _DeadlineStream(super().connect_tcp(host, port, _left(timeout, httpcore.ConnectTimeout), local_address, socket_options))


def http_client(url: str, api_key: str, timeout: float) -> httpx.Client:
    """The one httpx client of a sync, shared by the SDK and the raw bulk calls: its sockets honour the
    current `deadline()`; no proxies from the environment."""
    transport = httpx.HTTPTransport(trust_env=False)
    transport._pool = httpcore.ConnectionPool(network_backend=_DeadlineBackend())  # httpx keeps its pool here
    headers = {"Authorization": f"Token {api_key}"}
    return httpx.Client(base_url=url, headers=headers, timeout=timeout, transport=transport, trust_env=False, follow_redirects=True)


class HttpStatusError(Exception):
    """A non-2xx answer to a raw request: status and a short detail, never the request headers."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"HTTP {status}")
        self.status_code, self.detail = status, detail


def _check(r: httpx.Response) -> None:
    if r.is_success:
        return
    body = None
    with contextlib.suppress(Exception):
        r.read()
        body = r.json()
    raise HttpStatusError(r.status_code, detail_of(body))


def detail_of(body: Any) -> str:
    """What an error answer's body says (`validation_errors`, else `detail`, else the body), as one string."""
    detail = (body.get("validation_errors") or body.get("detail") or "") if isinstance(body, dict) else body or ""
    return detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)


def import_tasks(http: httpx.Client, project_id: int, body: bytes) -> tuple[list[int], str | None]:
    """POST pre-serialised tasks: the ids of the created tasks in input order, and the server's clock
    when it answered (ISO, rounded up to the next second), after which any update is someone else's."""
    r = http.post(
        f"/api/projects/{project_id}/import",
        params={"return_task_ids": "true"},
        content=body,
        headers={"Content-Type": "application/json"},
    )
    _check(r)
    ids = orjson.loads(r.content).get("task_ids")
    if not isinstance(ids, list):
        raise ValueError("the import answer has no task_ids")
    return ids, _server_clock(r.headers.get("date"))


def _server_clock(date: str | None) -> str | None:
    from datetime import timedelta
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(date) + timedelta(seconds=1)  # the header has whole seconds
    except (TypeError, ValueError):
        return None
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def get_json(http: httpx.Client, path: str) -> Any:
    r = http.get(path)
    _check(r)
    return orjson.loads(r.content)


def send_json(http: httpx.Client, method: str, path: str, body: Any = None) -> Any:
    """One small JSON request (PATCH, POST, DELETE) and its JSON answer (None when it has no body)."""
    r = http.request(method, path, content=None if body is None else orjson.dumps(body), headers={"Content-Type": "application/json"})
    _check(r)
    return orjson.loads(r.content) if r.content else None


def _listing(http: httpx.Client, path: str, params: dict[str, Any], key: str, total: str, page_size: int) -> list[dict[str, Any]]:
    """Every object of a paged listing (the `key` list of each page; `total` names the count): one
    request while the listing fits a page."""
    out: list[dict[str, Any]] = []
    page = 0
    while True:
        page += 1
        r = http.get(path, params={**params, "page": page, "page_size": page_size})
        if r.status_code == 404 and page > 1:
            return out  # "Invalid page." past the last page
        _check(r)
        body = orjson.loads(r.content)
        batch = body.get(key) if isinstance(body, dict) else body
        if not isinstance(batch, list):
            raise ValueError(f"the {key} listing is not a list")
        out.extend(x for x in batch if isinstance(x, dict))
        count = body.get(total) if isinstance(body, dict) else None
        if len(batch) < page_size or (isinstance(count, int) and len(out) >= count):
            return out


def list_projects(http: httpx.Client, title: str) -> list[dict[str, Any]]:
    """Projects whose title contains `title`: id, title and labelling config only."""
    return _listing(http, "/api/projects/", {"title": title, "include": "id,title,label_config"}, "results", "count", 1000)


def list_tasks(http: httpx.Client, project_id: int) -> list[dict[str, Any]]:
    """Tasks without text or annotations: id, updated_at, meta (one request up to 100,000 tasks)."""
    params = {"project": project_id, "fields": "task_only", "include": "id,created_at,updated_at,meta"}
    return _listing(http, "/api/tasks", params, "tasks", "total", 100_000)


@contextlib.contextmanager
def export_stream(http: httpx.Client, project_id: int) -> Iterator[Iterator[dict[str, Any]]]:
    """Every task with its annotations, streamed: one export request, parsed as it arrives."""
    with http.stream("GET", f"/api/projects/{project_id}/export", params={"exportType": "JSON", "download_all_tasks": "true"}) as r:
        _check(r)
        yield iter_array(r.iter_bytes())
