"""Raw HTTP for the big requests, and a total deadline for every request (SDK calls included).

Why not the SDK for everything: the SDK runs every request body through `jsonable_encoder`, which
walked 3.7 million objects for 1,000 documents (issue 13), and reads an export whole into memory.
Here the import body is serialised once with `orjson` and POSTed as bytes, and the export is
streamed and parsed task by task, so a pull's memory does not grow with the size of the export.

Why a deadline backend: httpx's `timeout` bounds each socket read, so a server that trickles a
byte every half second never times out (issue 15). Every socket operation of our connection pool
gets `min(timeout, time left)` of the request's deadline, which makes `--timeout` a total bound per
request, headers and body included. The deadline is a context variable set around each request.
"""

from __future__ import annotations

import codecs
import contextlib
import contextvars
import json
import time
from collections.abc import Iterator
from typing import Any

import httpcore
import httpx
import orjson

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


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None, socket_options=None):
        inner = self._inner.connect_tcp(host, port, _left(timeout, httpcore.ConnectTimeout), local_address, socket_options)
        return _DeadlineStream(inner)

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options=None):
        return _DeadlineStream(self._inner.connect_unix_socket(path, _left(timeout, httpcore.ConnectTimeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def deadline_transport() -> httpx.HTTPTransport:
    """An httpx transport whose sockets honour the current `deadline()` (no proxies from the environment)."""
    transport = httpx.HTTPTransport(trust_env=False)
    transport._pool = httpcore.ConnectionPool(network_backend=_DeadlineBackend())  # httpx keeps its pool here
    return transport


def http_client(url: str, api_key: str, timeout: float) -> httpx.Client:
    """The one httpx client of a sync: shared by the SDK and the raw bulk calls."""
    return httpx.Client(
        base_url=url,
        headers={"Authorization": f"Token {api_key}"},
        timeout=httpx.Timeout(timeout),
        transport=deadline_transport(),
        trust_env=False,
        follow_redirects=True,
    )


class HttpStatusError(Exception):
    """A non-2xx answer to a raw request: status and a short detail, never the request headers."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"HTTP {status}")
        self.status_code, self.detail = status, detail


def _check(r: httpx.Response) -> None:
    if r.is_success:
        return
    with contextlib.suppress(Exception):
        r.read()
    detail = ""
    with contextlib.suppress(Exception):
        body = r.json()
        detail = body.get("validation_errors") or body.get("detail") or "" if isinstance(body, dict) else body
        detail = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)
    raise HttpStatusError(r.status_code, detail)


def dumps(obj: Any) -> bytes:
    """The wire form of a request body: orjson, no key sorting, no whitespace."""
    return orjson.dumps(obj)


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
    while True:
        r = http.get(
            "/api/tasks",
            params={"project": project_id, "page": page, "page_size": page_size, "fields": "task_only", "include": LIGHT_FIELDS},
        )
        if r.status_code == 404 and page > 1:
            break  # "Invalid page." past the last page
        _check(r)
        body = orjson.loads(r.content)
        batch = body.get("tasks") if isinstance(body, dict) else body
        if not isinstance(batch, list):
            raise ValueError("the task listing is not a list of tasks")
        out.extend(batch)
        total = body.get("total") if isinstance(body, dict) else None
        if len(batch) < page_size or (isinstance(total, int) and len(out) >= total):
            break
        page += 1
    return out


#: Where one task of Label Studio's compact export ends and the next begins (tasks open with their id,
#: a number; so do annotations, whose cuts orjson finds unfinished; regions' ids are strings).
_CUT = b'},{"id":'
_NUMBER_START = b"-0123456789"
_WS = b" \t\r\n"
#: Bytes of one element without a cut before the standard parser is tried (then again each time they double).
STANDARD_AFTER = 1 << 22


def iter_array(chunks: Iterator[bytes]) -> Iterator[Any]:
    """The elements of one top-level JSON array, parsed one at a time from a byte stream.

    Only the current element and what arrived after it stay in memory. Each element is cut out of the
    bytes and parsed by orjson (0.41 s per 1,000 tasks of 35 KB; the standard parser took 0.54 s on the
    same stream): a cut is tried where Label Studio's compact export ends one task and opens the next
    (`_CUT`). A cut that is not an element's end (inside
    a string, or between two annotations of a task) leaves the slice unfinished, which orjson reports
    as an unexpected end of data at the slice's end, so only the true end parses. Whatever else orjson
    refuses (a lone surrogate escape, which Python's json reads and the checks then name), the last
    element, and an export written some other way (once STANDARD_AFTER bytes came without a cut) go to
    the standard parser, which is tried again only once the buffer has doubled, so that re-parsing
    stays linear overall.
    """
    buf, pos, started, done, finished = b"", 0, False, False, False
    chunks = iter(chunks)

    def more() -> bool:
        nonlocal buf, pos, finished
        for chunk in chunks:
            if chunk:
                buf, pos = buf[pos:] + chunk, 0
                return True
        finished = True
        return False

    need, tried = STANDARD_AFTER, 0  # tried: how far into the current element cuts were tried (None: orjson refused it)
    while True:
        while pos < len(buf) and buf[pos] in _WS:
            pos += 1
        if pos >= len(buf):
            if more():
                continue
            break
        c = buf[pos : pos + 1]
        if done:
            raise json.JSONDecodeError("extra data after the task list", buf.decode("utf-8", "replace"), pos)
        if not started:
            if c != b"[":
                raise json.JSONDecodeError("expected a JSON array of tasks", buf.decode("utf-8", "replace"), pos)
            started, pos = True, pos + 1
            continue
        if c == b"]":
            done, pos = True, pos + 1
            continue
        if c == b"," and pos > 0:
            pos += 1
            continue
        item, end = (None, None) if tried is None else _cut_element(buf, pos, tried)
        if end is None and tried is not None:  # cuts are not tried twice; None: orjson refused the element
            tried, need = (None, 0) if item is _REFUSED else (max(tried, len(buf) - pos - len(_CUT)), need)
        if end is None and (finished or len(buf) - pos >= need):
            item, end = _standard_element(buf, pos, finished)
            need = 2 * (len(buf) - pos)
        if end is None:
            if finished:
                raise json.JSONDecodeError("the export ended in the middle of the task list", buf.decode("utf-8", "replace"), len(buf))
            more()
            continue
        need, pos, tried = STANDARD_AFTER, end, 0
        yield item
    if not done:
        raise json.JSONDecodeError("the export ended in the middle of the task list", buf.decode("utf-8", "replace"), len(buf))


_REFUSED = object()


def _cut_element(buf: bytes, start: int, tried: int) -> tuple[Any, int | None]:
    """The element at `start` and the offset after it, if a cut at `start + tried` or later ends it; else
    (None, None), or (_REFUSED, None) if orjson refuses what the element holds."""
    at = buf.find(_CUT, start + tried)
    while at != -1:
        after = buf[at + len(_CUT) : at + len(_CUT) + 1]
        if not after:  # the id has not arrived yet: this cut is tried with the next chunk
            return None, None
        if after not in _NUMBER_START:  # a region's id is a string: not a task's end
            at = buf.find(_CUT, at + 1)
            continue
        piece = buf[start : at + 1]
        try:
            return orjson.loads(piece), at + 1
        except orjson.JSONDecodeError as exc:
            if exc.pos < len(piece):  # not an unfinished slice: something orjson refuses
                return _REFUSED, None
        at = buf.find(_CUT, at + 1)
    return None, None


def _standard_element(buf: bytes, start: int, final: bool) -> tuple[Any, int | None]:
    """The element at `start` read by Python's json; (None, None) while it may still be incomplete."""
    text = codecs.getincrementaldecoder("utf-8")().decode(buf[start:], final=final)
    try:
        item, end = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError:
        if final:
            raise
        return None, None
    return item, start + len(text[:end].encode("utf-8", "surrogatepass"))


@contextlib.contextmanager
def export_stream(http: httpx.Client, project_id: int) -> Iterator[Iterator[dict[str, Any]]]:
    """Every task with its annotations, streamed: one export request, parsed as it arrives."""
    with http.stream("GET", f"/api/projects/{project_id}/export", params={"exportType": "JSON", "download_all_tasks": "true"}) as r:
        _check(r)
        yield iter_array(r.iter_bytes())
