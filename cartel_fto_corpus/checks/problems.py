"""Problems as values: where (file, RFC 6901 pointer) and what (expected vs found), and the run's report."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cartel_fto_corpus.truth.jsonio import pointer as pointer  # re-exported: checks build their pointers here

#: Exit codes of `cartel-fto validate`.
EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2

#: Problems listed per file (schema and semantic each); the rest are counted in one line, so a file
#: with 10^5 errors neither floods the terminal nor holds 10^5 objects in memory.
MAX_PROBLEMS_PER_FILE = 100


@dataclass(frozen=True)
class Problem:
    """One error: where (file and RFC 6901 pointer) and what (expected vs found)."""

    file: str
    pointer: str
    message: str
    code: str
    unreadable: bool = False
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.pointer}" if self.pointer else self.file
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "pointer": self.pointer, "line": self.line, "code": self.code, "message": self.message}


@dataclass
class Report:
    files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: listed, but do not change the exit code (checks/severity.py, checks/execution_stances.py)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if any(p.unreadable for p in self.problems):
            return EXIT_UNREADABLE
        return EXIT_INVALID if self.problems else EXIT_OK


def more_problems(file: str, n: int, what: str, at_least: bool = False) -> Problem:
    """The line that stands for the problems of a file beyond MAX_PROBLEMS_PER_FILE."""
    count = f"more than {n}" if at_least else str(n)
    return Problem(file, "", f"{count} more {what} not listed (at most {MAX_PROBLEMS_PER_FILE} are listed per file)", "more-problems")


def _short(text: str, limit: int = 60) -> str:
    text = text if len(text) <= limit else text[: limit - 1] + "\u2026"
    return json.dumps(text, ensure_ascii=False)
