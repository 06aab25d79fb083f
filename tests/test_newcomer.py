"""What a newcomer meets first: the README's first screen and figures, the two set-up commands,
the test suite without optional extras."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def test_without_the_labelstudio_extra_its_tests_are_skipped_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text('import sys\nsys.modules["orjson"] = None  # as if not installed\n', encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--co", "-rs", "tests/labelstudio", "tests/test_labelstudio_state.py"],
        capture_output=True, text=True, cwd=REPO, timeout=300,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)])},
    )  # fmt: skip
    assert proc.returncode in (0, 5), proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "error" not in proc.stdout.lower(), proc.stdout[-2000:]
    assert "needs the labelstudio extra (missing: orjson): pip install -e '.[labelstudio]'" in proc.stdout
