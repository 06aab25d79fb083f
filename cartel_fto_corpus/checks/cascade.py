"""One line per cause: the problems that only follow from another problem, folded into one line under it.

A registry that does not parse made `validate` print 506 lines (every registry reference of every
annotation file "unknown"), a registry entity removed while 144 mentions use it 168 lines, an
annotation file with a wrong `text_sha256` seven registry lines besides its own (issue 23). The
report keeps every problem (the exit code, `--format json` and every program that reads the report
see them all); what people read (`render`'s text and GitHub formats) shows each cause's own line(s)
and, right under them, `… and N more problems caused by this (…)` instead of the rest.

The causes, each recognised from the problems alone (codes, files, messages):

- the registry in use cannot be read (unparseable, schema, version): every unknown entity, target
  or cluster of the annotation files follows from it (nothing could be looked up);
- one unknown registry id: its first use is the cause, every other use of the same id follows;
- an annotation file that was not looked into (unreadable, wrong schema version, unknown document,
  wrong `text_sha256`): the registry's discrepancy notes citing its article, and registry entries
  "unused" that this file may use, follow from it (they cannot be judged until it is fixed).

A file's "N more problems not listed" line joins its cause when every listed problem of that file
followed from the same cause.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from cartel_fto_corpus.checks.problems import Problem
from cartel_fto_corpus.truth.paths import REGISTRY_FILE

CAUSED = "caused-problems"
REFERENCE_CODES = frozenset({"unknown-entity", "unknown-target", "unknown-cluster"})
#: an annotation file with one of these was not looked into: its references and claims are unknown
UNCHECKED_CODES = frozenset({"unreadable", "unknown-schema-version", "unknown-document", "sha256-mismatch"})
_MORE = re.compile(r"^(more than )?(\d+) more ")
_CITED = re.compile(r"found (\d+)$")


def _basename(file: str) -> str:
    return file.replace("\\", "/").rsplit("/", 1)[-1]


def is_registry(file: str) -> bool:
    name = _basename(file)
    return name == REGISTRY_FILE or name.endswith("." + REGISTRY_FILE)


def _not_loaded(p: Problem) -> bool:
    """A problem that kept the file from being used at all (parser, schema, version)."""
    return p.unreadable or p.code.startswith("schema") or p.code == "unknown-schema-version"


@dataclass
class _Cause:
    anchor: int  # index of the line the summary follows
    file: str
    pointer: str
    details: dict[str, None] = field(default_factory=dict)  # what follows, in order, each once
    members: list[int] = field(default_factory=list)
    folded: int = 0  # "N more problems not listed" lines of files whose every listed problem follows from it
    unlisted: int = 0
    at_least: bool = False
    files: set[str] = field(default_factory=set)

    def summary(self) -> Problem:
        """`… and N more problems caused by this (what they are)`; N counts the lines it stands for."""
        n = len(self.members) + self.folded
        detail = "; ".join(d.format(files=len(self.files), s="" if len(self.files) == 1 else "s") for d in self.details)
        if self.unlisted:
            detail += f"; {'more than ' if self.at_least else ''}{self.unlisted} more not listed"
        return Problem(self.file, self.pointer, f"… and {n} more problem{'' if n == 1 else 's'} caused by this ({detail})", CAUSED)


def _causes(problems: list[Problem], files: Iterable[str]) -> tuple[list[_Cause], set[int]]:
    """The causes (each with the problems that follow from it) and the indices of every line they hide."""
    by_file: dict[str, list[int]] = {}
    for i, p in enumerate(problems):
        by_file.setdefault(p.file, []).append(i)
    registries = [f for f in dict.fromkeys(files) if is_registry(f)]
    broken = [f for f in registries if any(_not_loaded(problems[i]) for i in by_file.get(f, []))]
    unchecked = [
        f
        for f, idx in by_file.items()
        if not is_registry(f) and any(problems[i].code in UNCHECKED_CODES or _not_loaded(problems[i]) for i in idx)
    ]
    causes: dict[int, _Cause] = {}
    follows: dict[int, int] = {}  # problem index -> cause id

    def join(i: int, root: int, detail: str, anchor: int | None = None, file: str | None = None, pointer: str | None = None) -> None:
        if root not in causes:
            file = problems[root].file if file is None else file
            causes[root] = _Cause(root if anchor is None else anchor, file, problems[root].pointer if pointer is None else pointer)
        causes[root].details[detail] = None
        causes[root].members.append(i)
        causes[root].files.add(problems[i].file)
        follows[i] = root

    registry_unusable = bool(registries) and len(broken) == len(registries)
    firsts: dict[tuple[str, str], int] = {}
    for i, p in enumerate(problems):
        if is_registry(p.file):
            continue
        if p.code in REFERENCE_CODES and registry_unusable:
            root = by_file[broken[0]][0]
            join(
                i,
                root,
                "references to registry ids in {files} annotation file{s}, unknown while the registry cannot be read",
                anchor=by_file[broken[0]][-1],
                pointer="",
            )
        elif p.code in REFERENCE_CODES:
            root = firsts.setdefault((p.code, p.message), i)
            if root != i:
                join(i, root, "the same unknown id, in {files} file{s}")
    for i, p in enumerate(problems):
        if not is_registry(p.file) or not unchecked:
            continue
        if p.code == "discrepancy-citation" and (m := _CITED.search(p.message)):
            owner = next((f for f in unchecked if _basename(f).startswith(m.group(1) + "_")), None)
            if owner is not None:
                root = by_file[owner][0]
                join(i, root, f"the registry's discrepancy notes citing article {m.group(1)}, which cannot be checked until this is fixed")
        elif p.code == "unused-entry":
            owner = next((f for f in unchecked if any(_not_loaded(problems[j]) for j in by_file[f])), None)
            if owner is not None:
                root = by_file[owner][0]
                join(i, root, "registry entries found unused, which this file may use once it can be read")
    # a file's "N more problems not listed" joins the cause all its listed problems follow from
    for idx in by_file.values():
        more = [i for i in idx if problems[i].code == "more-problems"]
        listed = [i for i in idx if problems[i].code != "more-problems"]
        roots = {follows.get(i) for i in listed}
        if more and listed and len(roots) == 1 and None not in roots:
            cause = causes[roots.pop()]  # type: ignore[index]
            for i in more:
                m = _MORE.match(problems[i].message)
                if m:
                    cause.folded += 1
                    cause.unlisted += int(m.group(2))
                    cause.at_least = cause.at_least or bool(m.group(1))
                    follows[i] = -1
    return list(causes.values()), set(follows)


def collapse(problems: list[Problem], files: Iterable[str] = ()) -> list[Problem]:
    """`problems` with every problem that follows from another replaced by one summary line per cause.

    `files`: the files the run read (`Report.files`), to tell whether every registry failed."""
    causes, hidden = _causes(problems, files)
    after: dict[int, list[_Cause]] = {}
    for c in causes:
        after.setdefault(c.anchor, []).append(c)
    out: list[Problem] = []
    for i, p in enumerate(problems):
        if i in hidden:
            continue
        out.append(p)
        out.extend(c.summary() for c in after.get(i, []))
    return out
