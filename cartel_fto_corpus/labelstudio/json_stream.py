"""One top-level JSON array read element by element from a byte stream: the parser of a pull's export.

Label Studio's export is one JSON array of tasks (35 KB each with the shipped corpus's density); a
pull plans each task as it arrives, so only the current task and the bytes after it are held.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import Any

import orjson

#: Where one task of Label Studio's compact export ends and the next begins (tasks open with their id,
#: a number; so do annotations, whose cuts orjson finds unfinished; regions' ids are strings).
_CUT = b'},{"id":'
_TASK_CUT = re.compile(re.escape(_CUT) + rb"[-0-9]")
_WS = b" \t\r\n"
#: Bytes of one element without a cut before the standard parser is tried (then again each time they double).
STANDARD_AFTER = 1 << 22
#: Consumed bytes kept at the buffer's head before it is compacted (then only when they are most of it).
COMPACT_AFTER = 1 << 20


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
    # One growing bytearray, appended to in place and compacted only when more than half of it is
    # consumed: rebuilding a bytes buffer per chunk (`buf[pos:] + chunk`) copied the whole of an
    # unfinished task for every chunk of it, quadratic in one task's size (64 MB: 26 s, issue 27).
    buf, pos, started, done, finished = bytearray(), 0, False, False, False
    comma_next, after_comma = False, False  # after an element: "," or "]"; after ",": an element
    chunks = iter(chunks)

    def more() -> bool:
        nonlocal pos, finished
        for chunk in chunks:
            if chunk:
                if pos > COMPACT_AFTER and 2 * pos > len(buf):
                    del buf[:pos]
                    pos = 0
                buf.extend(chunk)
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
        if c == b"]" and not after_comma:
            done, pos = True, pos + 1
            continue
        if c == b"," and comma_next:  # wherever it falls: a chunk may begin with it (an element ended its chunk)
            comma_next, after_comma, pos = False, True, pos + 1
            continue
        if comma_next or c in b",]":
            expected = '"," or "]"' if comma_next else "a task"
            raise json.JSONDecodeError(f"expected {expected} in the task list", buf.decode("utf-8", "replace"), pos)
        item, end = (None, None) if tried is None else _cut_element(buf, pos, tried)
        if end is None and tried is not None:  # cuts are not tried twice; None: orjson refused the element
            tried, need = (None, 0) if item is _REFUSED else (max(tried, len(buf) - pos - len(_CUT)), need)
        if end is None and (finished or len(buf) - pos >= need):
            # An element with cuts in it is Label Studio's compact export: orjson finds its end at a
            # later cut, so the standard parser (a full parse each time, 2 s at 64 MB) is not tried.
            if finished or tried is None or buf.find(_CUT, pos) == -1:
                item, end = _standard_element(buf, pos, finished)
            need = 2 * (len(buf) - pos)
        if end is None:
            if finished:
                raise json.JSONDecodeError("the export ended in the middle of the task list", buf.decode("utf-8", "replace"), len(buf))
            more()
            continue
        need, pos, tried = STANDARD_AFTER, end, 0
        comma_next, after_comma = True, False
        yield item
    if not done:
        raise json.JSONDecodeError("the export ended in the middle of the task list", buf.decode("utf-8", "replace"), len(buf))


_REFUSED = object()


def _cut_element(buf: bytearray, start: int, tried: int) -> tuple[Any, int | None]:
    """The element at `start` and the offset after it, if a cut at `start + tried` or later ends it; else
    (None, None), or (_REFUSED, None) if orjson refuses what the element holds.

    Only cuts followed by a number are candidates (a region's id is a string: not a task's end); the
    regular expression skips the others in C (a 64 MB task has 250k of them). A cut whose id has not
    arrived yet is tried again with the next chunk (the caller's `tried` stops short of it)."""
    for m in _TASK_CUT.finditer(buf, start + tried):
        at = m.start()
        piece = memoryview(buf)[start : at + 1]
        try:
            return orjson.loads(piece), at + 1
        except orjson.JSONDecodeError as exc:
            if exc.pos < len(piece):  # not an unfinished slice: something orjson refuses
                return _REFUSED, None
        finally:
            piece.release()  # a live view would stop the buffer from growing
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
