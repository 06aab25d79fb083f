"""Shared test fixtures: where the fixture corpus and the invalid fixtures live."""

from __future__ import annotations

import hashlib
import importlib.util
import secrets
import shutil
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
FIXTURE_CORPUS = FIXTURES / "corpus"
INVALID = FIXTURES / "invalid"
REPO = TESTS.parent

#: Modules of the `labelstudio` extra (pyproject.toml); without them the Label Studio tests are
#: skipped with this reason instead of failing at collection.
LABELSTUDIO_EXTRA = ("orjson", "httpx", "label_studio_sdk")
MISSING_LABELSTUDIO = [m for m in LABELSTUDIO_EXTRA if importlib.util.find_spec(m) is None]


class _SkippedModule(pytest.Module):
    """A test module that needs a missing extra: reported as skipped, with the reason, not imported."""

    def collect(self):  # type: ignore[override]
        pytest.skip(
            f"needs the labelstudio extra (missing: {', '.join(MISSING_LABELSTUDIO)}): pip install -e '.[labelstudio]'",
            allow_module_level=True,
        )


def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    if MISSING_LABELSTUDIO and (module_path.name.startswith("test_labelstudio_") or module_path.parent.name == "labelstudio"):
        return _SkippedModule.from_parent(parent, path=module_path)
    return None


#: workerinput key of the throwaway Label Studio password and token shared by the pytest-xdist workers
#: (tests/labelstudio/conftest.py's `ls_template`: one migrated template for the whole run).
LS_SECRETS_KEY = "cartel_fto_ls_secrets"
_LS_SECRETS: list[str] = []


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: object) -> None:
    """pytest-xdist, in the controller: hand every worker the same password and token, in memory (never a file,
    an argument or the environment), generated once per run."""
    if not _LS_SECRETS:
        _LS_SECRETS.extend([secrets.token_hex(20)[:16], secrets.token_hex(20)])
    node.workerinput[LS_SECRETS_KEY] = tuple(_LS_SECRETS)  # type: ignore[attr-defined]


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """`--dist loadgroup` (`make test`): two groups, the Label Studio tests on one worker and everything else on
    the other, each in its usual order, side by side.

    Not finer: the suite's commands lock the corpus they read (`truth.lock`, refusing at once by default), and
    many tests build or check the one shared fixture corpus or the repository itself, so two workers running
    them at once refuse each other (seen: test_loader.py's and test_loader_paths.py's module fixtures). The
    Label Studio tests work on copies and lock nothing shared. A scheduler rather than `xdist_group` marks:
    pytest-xdist 3.8 groups by renaming node ids, which pytest 9 ignores."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class TwoGroups(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "labelstudio" if nodeid.startswith("tests/labelstudio/") else "suite"

    return TwoGroups(config, log)


@pytest.fixture
def fixture_root() -> Path:
    """The small valid corpus under tests/fixtures/corpus (read-only: copy before changing it)."""
    return FIXTURE_CORPUS


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the fixture corpus."""
    dst = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, dst)
    return dst


def resign_release(out: Path) -> None:
    """An attacker who also rewrites the release manifest: every digest in SHA256SUMS recomputed from the bytes."""
    lines = []
    for line in (out / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        rel = line.split("  ", 1)[1]
        lines.append(f"{hashlib.sha256((out / rel).read_bytes()).hexdigest()}  {rel}\n")
    (out / "SHA256SUMS").write_text("".join(lines), encoding="utf-8")
