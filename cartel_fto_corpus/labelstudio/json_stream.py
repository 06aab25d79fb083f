"""One top-level JSON array read element by element from a byte stream: the parser of a pull's export.

Label Studio's export is one JSON array of tasks (35 KB each with the shipped corpus's density); a
pull plans each task as it arrives, so only the current task and the bytes after it are held.
A task is cut out where Label Studio's compact export ends one and opens the next, and read by
orjson; the last task, whatever orjson refuses (a lone surrogate escape, which `json.loads` reads
and the checks then name) and an export written another way go to the standard library's C scanner
(`JSONDecoder.raw_decode`). ijson was measured 9x slower and garbles lone surrogates (issue 26).
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

_SPACE = re.compile(r"[ \t\r\n]*")
_SCAN = json.JSONDecoder().raw_decode
#: Where one task of Label Studio's compact export ends and the next begins (tasks open with their id,
#: a number; so do annotations, whose cuts leave a slice orjson finds unfinished; regions' ids are strings).
_TASK_END = re.compile(r'\},\{"id":[-0-9]')
#: Characters of an element without a task boundary after which the standard scanner is tried (a layout
#: other than Label Studio's; the last task waits for the end of the stream).
SCAN_AFTER = 1 << 20


def iter_array(chunks: Iterable[bytes]) -> Iterator[Any]:
    """The elements of one top-level JSON array, parsed one at a time from a byte stream.

    Arrived chunks are joined only when an element is tried. An element that is still unfinished is
    tried again only once the text after its start has doubled, so a huge task (64 MB, issue 27) is
    parsed a few times, not once per chunk, and reading stays linear. A truncated, malformed or
    non-array stream is a `json.JSONDecodeError` (a `UnicodeDecodeError` for bytes that are not
    UTF-8), never fewer elements.
    """
    decode = codecs.getincrementaldecoder("utf-8")().decode
    chunks = iter(chunks)
    text, pos, need, ended, pending, waiting = "", 0, 1, False, [], 0
    expect = "["  # then "first" (an element or "]"), "element" (after a comma), "," (a comma or "]")
    while True:
        if len(text) - pos + waiting < need and not ended:  # more text first
            chunk = next(chunks, None)
            ended = chunk is None
            pending.append(decode(chunk or b"", final=ended))
            waiting += len(pending[-1])
            continue
        if pending:
            text, pos, pending, waiting = text[pos:] + "".join(pending), 0, [], 0
        pos = _SPACE.match(text, pos).end()
        if pos == len(text):
            if ended:
                break
            need = 1
            continue
        c = text[pos]
        if expect == "done":
            raise json.JSONDecodeError("extra data after the task list", text, pos)
        if expect == "[":
            if c != "[":
                raise json.JSONDecodeError("expected a JSON array of tasks", text, pos)
            expect, pos, need = "first", pos + 1, 1
        elif c == "]" and expect in ("first", ","):
            expect, pos, need = "done", pos + 1, 1
        elif expect == ",":
            if c != ",":
                raise json.JSONDecodeError('expected "," or "]" in the task list', text, pos)
            expect, pos, need = "element", pos + 1, 1
        else:
            try:
                got = _cut(text, pos) or (_SCAN(text, pos) if ended or len(text) - pos >= SCAN_AFTER else None)
            except json.JSONDecodeError:
                if ended:
                    raise
                got = None
            if got is None or (got[1] == len(text) and not ended and isinstance(got[0], int | float)):
                need = 2 * (len(text) - pos)  # unfinished (a number may go on in the next chunk)
                continue
            item, pos = got
            expect, need = ",", 1
            yield item
    if expect != "done":
        raise json.JSONDecodeError("the export ended in the middle of the task list", text, len(text))


def _cut(text: str, start: int) -> tuple[Any, int] | None:
    """The element at `start` by orjson (2x the standard scanner) when a task boundary of a compact export
    ends it; None when none does (the last task, another layout) or orjson refuses it (a lone surrogate)."""
    for m in _TASK_END.finditer(text, start):
        try:
            return orjson.loads(text[start : m.start() + 1]), m.start() + 1
        except orjson.JSONDecodeError as exc:
            if not str(exc).startswith("unexpected end of data"):  # not a slice cut inside the element
                return None
    return None
