"""Rendering validation problems for people (text), programs (json) and GitHub Actions.

Line numbers are looked up only when a format needs them, from a source map of the offending
file, so the fast path of a clean run never re-reads a file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from functools import cache
from pathlib import Path

from json_source_map import calculate

from cartel_fto_corpus.checks.problems import Problem, Report
from cartel_fto_corpus.truth.jsonio import escape_surrogates

FORMATS = ("text", "json", "github")


@cache
def _source_map(file: str) -> dict:
    try:
        return calculate(Path(file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, TypeError, RecursionError):
        return {}


def line_of(problem: Problem) -> int | None:
    """1-based line of the JSON value the pointer names, or of its nearest existing parent."""
    smap = _source_map(problem.file)
    ptr = problem.pointer
    while True:
        entry = smap.get(ptr)
        if entry is not None:
            return entry.value_start.line + 1
        if not ptr:
            return None
        ptr = ptr.rsplit("/", 1)[0]


def with_lines(problems: Iterable[Problem]) -> list[Problem]:
    return [p if p.unreadable else replace(p, line=line_of(p)) for p in problems]


def _gh_escape(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def render(report: Report, fmt: str) -> str:
    """The report in one of FORMATS; empty string for a clean text/github run.

    Lone surrogates (from a file name that is not UTF-8, or data quoted in a message) are written
    as `\\udXXX` escapes, so the output can always be encoded as UTF-8.
    """
    return escape_surrogates(_render(report, fmt))


def _render(report: Report, fmt: str) -> str:
    if fmt == "text":
        return "".join(f"{p}\n" for p in report.problems) + "".join(f"warning: {w}\n" for w in report.warnings)
    problems = with_lines(report.problems)
    if fmt == "json":
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
        for p in problems:
            props = f"file={_gh_escape(p.file, True)}"
            if p.line is not None:
                props += f",line={p.line}"
            props += f",title={_gh_escape(p.code, True)}"
            message = f"{p.pointer}: {p.message}" if p.pointer else p.message
            out.append(f"::error {props}::{_gh_escape(message)}\n")
        for w in with_lines(report.warnings):
            props = (
                f"file={_gh_escape(w.file, True)}"
                + (f",line={w.line}" if w.line is not None else "")
                + f",title={_gh_escape(w.code, True)}"
            )
            out.append(f"::warning {props}::{_gh_escape(f'{w.pointer}: {w.message}' if w.pointer else w.message)}\n")
        return "".join(out)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
