"""The package's public Python API: listed, importable, typed, and cheap to import."""

from __future__ import annotations

import os
import subprocess
import sys

import cartel_fto_corpus
from tests.conftest import REPO


def test_all_lists_every_public_name_and_each_resolves() -> None:
    assert set(cartel_fto_corpus.__all__) == {"__version__", *cartel_fto_corpus._PUBLIC}
    for name in cartel_fto_corpus.__all__:
        assert getattr(cartel_fto_corpus, name) is not None
    assert set(cartel_fto_corpus.__all__) <= set(dir(cartel_fto_corpus))
    from cartel_fto_corpus import CorruptData

    assert issubclass(CorruptData, ValueError)


def test_unknown_names_raise_attribute_error() -> None:
    try:
        cartel_fto_corpus.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_the_package_is_typed() -> None:
    assert (REPO / "cartel_fto_corpus" / "py.typed").is_file()


def test_importing_the_package_loads_no_heavy_library() -> None:
    code = "import sys, cartel_fto_corpus; dir(cartel_fto_corpus); print(sorted(m for m in ('datasets', 'pyarrow', 'click') if m in sys.modules))"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
