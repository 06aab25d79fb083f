"""Release hygiene: one version number everywhere it appears, licence files, citation metadata.

The version is `cartel_fto_corpus.__version__`. CITATION.cff, the latest CHANGELOG entry and the
installed distribution must carry it; so must the dataset card (README.md front matter and its
generated block), croissant.json and the loader's cache fingerprint, each checked as soon as
it exists, so a file that appears later cannot bring a second version number with it.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest
import yaml

from cartel_fto_corpus import __version__

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")

REPO = Path(__file__).resolve().parents[1]
SEMVER = re.compile(r"^\d+\.\d+\.\d+$")


def changelog_latest(text: str) -> str:
    """Version of the first `## [X.Y.Z]` entry (an `## [Unreleased]` section is skipped)."""
    for m in re.finditer(r"^## \[([^\]]+)\]", text, re.MULTILINE):
        if m.group(1).lower() != "unreleased":
            return m.group(1)
    raise AssertionError("CHANGELOG.md: expected a `## [X.Y.Z] - YYYY-MM-DD` entry, found none")


def front_matter(readme: str) -> dict | None:
    m = re.match(r"---\n(.*?)\n---\n", readme, re.DOTALL)
    return yaml.safe_load(m.group(1)) if m else None


def test_version_is_semver() -> None:
    assert SEMVER.match(__version__), __version__


def test_citation_cff_carries_the_version() -> None:
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors", "version"):
        assert cff.get(key), key
    assert str(cff["version"]) == __version__
    assert set(cff["license"]) == {"MIT", "CC-BY-4.0"}


def test_changelog_latest_entry_carries_the_version() -> None:
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog_latest(text) == __version__
    assert re.search(rf"^## \[{re.escape(__version__)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, re.MULTILINE)


def test_changelog_parser() -> None:
    assert changelog_latest("# C\n## [Unreleased]\n## [1.2.0] - 2026-01-01\n## [1.1.0] - 2025-01-01\n") == "1.2.0"
    with pytest.raises(AssertionError):
        changelog_latest("# C\n## [Unreleased]\n")


def test_installed_distribution_carries_the_version() -> None:
    """pyproject reads the version from __init__.py (hatch); a stale install would show another one."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["hatch"]["version"]["path"] == "cartel_fto_corpus/__init__.py"
    assert importlib.metadata.version("cartel-fto-corpus") == __version__, "reinstall: pip install -e ."


def test_licence_files() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["license"] == "MIT"
    code = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert code.startswith("MIT License") and "Permission is hereby granted, free of charge" in code
    annotations = (REPO / "LICENSE-ANNOTATIONS").read_text(encoding="utf-8")
    assert "Creative Commons Attribution 4.0 International Public License" in annotations
    assert "Section 1 -- Definitions." in annotations and "Section 8 -- Interpretation." in annotations
    assert "OPEN QUESTION" in annotations  # the news texts are not licensed by this project
    include = pyproject["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]
    assert "LICENSE*" in include and "CITATION.cff" in include and "DATASHEET.md" in include


def test_card_carries_the_version_and_links_the_datasheet() -> None:
    """README.md is the dataset card: any version it states is ours, and it links DATASHEET.md."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    meta = front_matter(readme)
    if meta is not None and "version" in meta:
        assert str(meta["version"]) == __version__
    stated = re.findall(r"corpus version (\d+\.\d+\.\d+)", readme)
    assert all(v == __version__ for v in stated), stated
    assert "DATASHEET.md" in readme, "README.md (the dataset card) must link to DATASHEET.md"


def test_croissant_carries_the_version() -> None:
    path = REPO / "croissant.json"
    if not path.exists():
        pytest.skip("croissant.json not built yet (`cartel-fto build`)")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["version"] == __version__
    assert all(v == __version__ for v in re.findall(r"Version (\d+\.\d+\.\d+)", doc.get("citeAs", "")))


def test_loader_fingerprint_carries_the_version() -> None:
    if importlib.util.find_spec("cartel_fto_corpus.publish.loader") is None:
        pytest.skip("no loader module yet")
    from cartel_fto_corpus.publish import loader

    fp = loader.fingerprint("articles", "test", "0123456789abcdef")
    assert fp.startswith(f"cartel_fto_corpus-{__version__}-"), fp
