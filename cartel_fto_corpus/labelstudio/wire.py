"""Raw HTTP for the big requests, and a total deadline for every request (SDK calls included).

Why not the SDK for everything: the SDK runs every request body through `jsonable_encoder`, which
walked 3.7 million objects for 1,000 documents (issue 13), and reads an export whole into memory.
Here the import body is serialised once with `orjson` and POSTed as bytes, and the export is
parsed task by task as it arrives, so a pull's memory does not grow with the size of the export.
Label Studio builds an export whole before sending a byte, so a large one is asked for in parts of
consecutive task ids, fetched ahead in a thread (`EXPORT_PART`, `fetched_ahead`).

Why a deadline backend: httpx's `timeout` bounds each socket read, so a server that trickles a
byte every half second never times out (issue 15). Every socket operation of our connection pool
gets `min(timeout, time left)` of the request's deadline, which makes `--timeout` a total bound per
request, headers and body included. The deadline is a context variable set around each request.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import httpcore
import httpx
import orjson

from cartel_fto_corpus.labelstudio.json_stream import iter_array

K, V = TypeVar("K"), TypeVar("V")
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


def list_projects(http: httpx.Client, title: str, page_size: int = 1000) -> list[dict[str, Any]]:
    """Projects whose title contains `title`: id, title and labelling config only."""
    out: list[dict[str, Any]] = []
    page = 1
    while True:
        r = http.get("/api/projects/", params={"title": title, "page": page, "page_size": page_size, "include": "id,title,label_config"})
        _check(r)
        body = orjson.loads(r.content)
        batch = body.get("results") if isinstance(body, dict) else None
        if not isinstance(batch, list):
            raise ValueError("the project listing is not a list of projects")
        out.extend(p for p in batch if isinstance(p, dict))
        if len(batch) < page_size or len(out) >= (body.get("count") or 0):
            return out
        page += 1


LIGHT_FIELDS = "id,created_at,updated_at,meta"


def list_tasks(http: httpx.Client, project_id: int, page_size: int = 100_000) -> list[dict[str, Any]]:
    """Tasks without text or annotations: id, updated_at, meta (one request when the project fits a page)."""
    out: list[dict[str, Any]] = []
    page = 1
    while (got := _task_page(http, project_id, page, page_size, LIGHT_FIELDS)) is not None:
        batch, total = got
        out.extend(batch)
        if len(batch) < page_size or (isinstance(total, int) and len(out) >= total):
            break
        page += 1
    return out


def _task_page(
    http: httpx.Client, project_id: int, page: int, page_size: int, include: str, ordering: str | None = None
) -> tuple[list[Any], int | None] | None:
    """One page of the task listing: (its tasks, the project's task count if given); None past the last page."""
    params: dict[str, Any] = {"project": project_id, "page": page, "page_size": page_size, "fields": "task_only", "include": include}
    if ordering is not None:
        params["query"] = orjson.dumps({"ordering": [ordering]}).decode()
    r = http.get("/api/tasks", params=params)
    if r.status_code == 404 and page > 1:
        return None  # "Invalid page." past the last page
    _check(r)
    body = orjson.loads(r.content)
    batch = body.get("tasks") if isinstance(body, dict) else body
    if not isinstance(batch, list):
        raise ValueError("the task listing is not a list of tasks")
    return batch, body.get("total") if isinstance(body, dict) else None


@contextlib.contextmanager
def export_stream(http: httpx.Client, project_id: int) -> Iterator[Iterator[dict[str, Any]]]:
    """Every task with its annotations, streamed: one export request, parsed as it arrives."""
    with http.stream("GET", f"/api/projects/{project_id}/export", params={"exportType": "JSON", "download_all_tasks": "true"}) as r:
        _check(r)
        yield iter_array(r.iter_bytes())


#: Tasks per part of a pull's export. Label Studio builds an export whole before its first byte (1,000
#: tasks of 35 KB: 5.5 s), so more tasks than this are asked for in parts of consecutive task ids,
#: fetched ahead in a thread: the server builds the next part while this process plans the current
#: one. 200 ids keep the query string under 4 KB (proxies often refuse request lines over 8 KB). The
#: server's own time, measured: 1,000 tasks in one request 5.5 s, in parts of 250 or 500 5.6 s, of 100
#: 6.2-6.8 s; 10,000 tasks in one request 60-67 s, in 50 parts of 200 59 s.
EXPORT_PART = 200
#: Parts only while at least this share of the ids between the first and the last task are the
#: project's (ids follow import order; a project whose tasks were deleted and imported again would
#: need near-empty parts): otherwise one export request.
MIN_ID_DENSITY = 0.5


def id_windows(total: int, first: int, last: int, part: int) -> list[tuple[int, int]] | None:
    """Consecutive id windows (first id, last id) covering first..last, `part` ids each; None: one request.

    Every task of the project has an id in first..last, so the windows ask for every task exactly
    once whatever the gaps; a window asks for ids the project does not have, which the server skips.
    """
    span = last - first + 1
    if total <= part or span < total or span * MIN_ID_DENSITY > total:
        return None  # one part; or answers that do not add up (span < total); or too sparse
    return [(lo, min(lo + part - 1, last)) for lo in range(first, last + 1, part)]


def first_task_id(http: httpx.Client, project_id: int, descending: bool = False) -> tuple[int, int | None]:
    """(number of tasks, smallest or largest task id) from a one-task listing.

    80 ms at 1,000 tasks, where listing every id takes 2.5 s (the server loads each task's
    annotations for a listing, whatever fields are asked for).
    """
    got = _task_page(http, project_id, 1, 1, "id", "-tasks:id" if descending else "tasks:id")
    tasks, total = got if got is not None else ([], None)
    if not isinstance(total, int) or (tasks and not (isinstance(tasks[0], dict) and isinstance(tasks[0].get("id"), int))):
        raise ValueError("the task listing is not a count and a list of tasks")
    return total, tasks[0]["id"] if tasks else None


def export_part(http: httpx.Client, project_id: int, window: tuple[int, int]) -> bytes:
    """The export (a JSON array) of the project's tasks whose ids are in the window, read whole."""
    params = [("exportType", "JSON"), ("download_all_tasks", "true"), *(("ids[]", str(i)) for i in range(window[0], window[1] + 1))]
    r = http.get(f"/api/projects/{project_id}/export", params=params)
    _check(r)
    return r.content


def fetched_ahead(fetch: Callable[[K], V], keys: Sequence[K]) -> Iterator[V]:
    """fetch(key) for each key, in order, fetched in a thread ahead of the caller's use.

    A result waits in a queue of one, so besides the one in use at most two exist (one waiting, one
    being fetched): memory does not grow with the number of keys. A failed fetch is raised here, in
    order. Closing the iterator stops the thread after the fetch in flight; the thread is a daemon,
    so it never keeps the process alive.
    """
    done = threading.Event()
    results: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=1)

    def work() -> None:
        for key in keys:
            try:
                item: tuple[bool, Any] = (True, fetch(key))
            except BaseException as exc:  # handed to the caller, who raises it
                item = (False, exc)
            while not done.is_set():
                try:
                    results.put(item, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if done.is_set() or not item[0]:
                return

    threading.Thread(target=work, name="cartel-fto-export-parts", daemon=True).start()
    try:
        for _ in keys:
            ok, value = results.get()
            if not ok:
                raise value
            yield value
    finally:
        done.set()
