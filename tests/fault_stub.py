"""`python -m tests.fault_stub ls pull ...`: the real command line with Label Studio replaced by a stub.

The fault-injection tests (tests/test_fault_injection.py) kill and race real `ls pull` processes;
a real server costs a minute to start and seconds per pull, so the client is replaced by one that
serves a fixed export read from $CARTEL_FTO_STUB_EXPORT (a JSON list of tasks). Everything after the
client (plan, staging, lock, journal, commit) is the real code.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

STUB_URL = "http://stub.invalid"
STUB_USER_ID = 7
STUB_USER = "stub-annotator"


class StubClient:
    """The calls `pull` makes, answered from a fixed export."""

    def __init__(self, tasks: list[dict[str, Any]]) -> None:
        self.tasks = tasks
        self.settings = SimpleNamespace(url=STUB_URL, safe_url=STUB_URL)

    def find_project(self, project: Any, title: str) -> Any:
        return SimpleNamespace(id=1, title=title)

    def users(self) -> dict[int, Any]:
        return {STUB_USER_ID: SimpleNamespace(username=STUB_USER, email=f"{STUB_USER}@cartel-fto.invalid")}

    def consume_export(self, project_id: int, consume: Callable[[Iterator[dict[str, Any]]], Any]) -> Any:
        return consume(iter(self.tasks))


def main() -> None:
    import cartel_fto_corpus.cli.ls as ls
    from cartel_fto_corpus.cli.main import cli

    tasks = json.loads(Path(os.environ["CARTEL_FTO_STUB_EXPORT"]).read_text(encoding="utf-8"))
    ls.make_client = lambda *_a, **_k: StubClient(tasks)  # type: ignore[assignment]
    cli(prog_name="cartel-fto")


if __name__ == "__main__":
    main()
