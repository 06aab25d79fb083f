"""Rendering validation problems for people (text), programs (json) and GitHub Actions.

Line numbers are looked up only when a format needs them, from a source map of the offending
file, so the fast path of a clean run never re-reads a file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import replace
from functools import cache
from json.decoder import scanstring

from cartel_fto_corpus.checks.cascade import collapse
from cartel_fto_corpus.checks.problems import Problem, Report
from cartel_fto_corpus.truth.jsonio import Unreadable, read_file_bytes
from cartel_fto_corpus.truth.visible import visible, visible_json

FORMATS = ("text", "json", "github")


_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


class _Source:
    """One file's JSON text and the places of the containers walked so far.

    Finding the line of a pointer walks only the containers on its path: the values beside it are
    skipped by the C decoder (`raw_decode`), and each container's member places are listed once
    and kept, so 100 pointers into one file cost about one parse of it, not a source map of every
    value (json-source-map took 43 s and 1.1 GB for a 28 MB file).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.members: dict[int, dict[str, int]] = {}

    def _skip(self, i: int) -> int:
        return _WS.match(self.text, i).end()  # type: ignore[union-attr]

    def _children(self, i: int) -> dict[str, int]:
        """{key or index: where its value starts} of the object or array starting at i."""
        if i in self.members:
            return self.members[i]
        text, out = self.text, {}
        close = "}" if text[i] == "{" else "]"
        j, n = self._skip(i + 1), 0
        while j < len(text) and text[j] != close:
            if close == "}":
                key, j = scanstring(text, j + 1)
                j = self._skip(j)
                j = self._skip(j + 1)  # the colon
                out.setdefault(key, j)
            else:
                out[str(n)] = j
                n += 1
            _value, j = _DECODER.raw_decode(text, j)
            j = self._skip(j)
            if j < len(text) and text[j] == ",":
                j = self._skip(j + 1)
        self.members[i] = out
        return out

    def line(self, ptr: str) -> int | None:
        """1-based line of the value `ptr` names, or of its nearest existing parent."""
        i = self._skip(0)
        if i >= len(self.text):
            return None
        parts = [p.replace("~1", "/").replace("~0", "~") for p in ptr.split("/")[1:]] if ptr else []
        try:
            for part in parts:
                if self.text[i] not in "{[":
                    break
                found = self._children(i).get(part)
                if found is None:
                    break
                i = found
        except (ValueError, IndexError, RecursionError):
            pass
        return self.text.count("\n", 0, i) + 1


@cache
def _source(file: str) -> _Source | None:
    try:
        return _Source(read_file_bytes(file).decode("utf-8"))
    except (Unreadable, UnicodeDecodeError):
        return None


def line_of(problem: Problem) -> int | None:
    """1-based line of the JSON value the pointer names, or of its nearest existing parent."""
    source = _source(problem.file)
    return None if source is None else source.line(problem.pointer)


def with_lines(problems: Iterable[Problem]) -> list[Problem]:
    return [p if p.unreadable else replace(p, line=line_of(p)) for p in problems]


def _gh_escape(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def render(report: Report, fmt: str) -> str:
    """The report in one of FORMATS; empty string for a clean text/github run.

    File names and data quoted in messages are shown through `truth.visible`: control and
    bidirectional characters and lone surrogates (a file name that is not UTF-8) as escapes, so a
    problem line cannot rewrite the terminal or read backwards, and can always be encoded as UTF-8.
    JSON output keeps its value: the same characters as JSON `\\uNNNN` escapes.
    """
    out = _render(report, fmt)
    return visible_json(out) if fmt == "json" else out


def shown(report: Report) -> list[Problem]:
    """The problems people read: one line per cause, what follows from it summed up under it
    (checks/cascade.py). The report itself, its exit code and `--format json` keep every problem."""
    return collapse(report.problems, report.files)


def _render(report: Report, fmt: str) -> str:
    if fmt == "text":
        return "".join(f"{visible(str(p))}\n" for p in shown(report)) + "".join(f"warning: {visible(str(w))}\n" for w in report.warnings)
    if fmt == "json":
        problems = with_lines(report.problems)
        body = {
            "valid": not report.problems,
            "exit_code": report.exit_code,
            "files": report.files,
            "problems": [p.as_dict() for p in problems],
            "warnings": [w.as_dict() for w in with_lines(report.warnings)],
        }
        return json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    if fmt == "github":
        out = []
        for p in with_lines(shown(report)):
            props = f"file={visible(_gh_escape(p.file, True))}"
            if p.line is not None:
                props += f",line={p.line}"
            props += f",title={_gh_escape(p.code, True)}"
            message = f"{p.pointer}: {p.message}" if p.pointer else p.message
            out.append(f"::error {props}::{visible(_gh_escape(message))}\n")
        for w in with_lines(report.warnings):
            props = (
                f"file={_gh_escape(w.file, True)}"
                + (f",line={w.line}" if w.line is not None else "")
                + f",title={_gh_escape(w.code, True)}"
            )
            out.append(f"::warning {props}::{visible(_gh_escape(f'{w.pointer}: {w.message}' if w.pointer else w.message))}\n")
        return "".join(out)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
