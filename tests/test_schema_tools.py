"""The schemas and the hook, used by standard tools the way a user would: `check-jsonschema` reads
the shipped files against the shipped schemas (relative `$ref`s between the schema files), and
pre-commit runs the `cartel-fto-validate` hook of `.pre-commit-hooks.yaml` in a throwaway repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import FIXTURE_CORPUS, REPO

SCHEMA = REPO / "schema"
#: schema -> the shipped files it describes
SHIPPED = {
    "annotation.schema.json": sorted(p for p in (REPO / "annotations").glob("*.json") if p.name not in ("registry.json", "protocol.json")),
    "registry.schema.json": [REPO / "annotations" / "registry.json"],
    "manifest.schema.json": [REPO / "texts" / "manifest.json"],
    "protocol.schema.json": [REPO / "annotations" / "protocol.json"],
    "seal.schema.json": sorted((REPO / "annotations" / "independent").glob("*/SEAL.json")),
}


def check_jsonschema(schema: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("check_jsonschema", reason="check-jsonschema is in the dev extra: pip install -e '.[dev]'")
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--schemafile", str(schema), *map(str, files)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.mark.parametrize("schema", sorted(SHIPPED))
def test_check_jsonschema_validates_the_shipped_files(schema: str) -> None:
    assert SHIPPED[schema]
    proc = check_jsonschema(SCHEMA / schema, *SHIPPED[schema])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok -- validation done" in proc.stdout


def test_check_jsonschema_reports_a_broken_file(tmp_path: Path) -> None:
    doc = json.loads(SHIPPED["annotation.schema.json"][0].read_text(encoding="utf-8"))
    doc["annotations"][0]["entities"][0]["label"] = "PERSONA"  # not in common.schema.json's entity_label
    broken = tmp_path / "entity_label_unknown.json"
    broken.write_text(json.dumps(doc), encoding="utf-8")
    proc = check_jsonschema(SCHEMA / "annotation.schema.json", broken)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert str(broken) in proc.stdout and "'PERSONA' is not one of" in proc.stdout


def _throwaway_repo(at: Path, shim_dir: Path) -> dict[str, str]:
    """A git repository holding a copy of the fixture corpus and a .pre-commit-config.yaml running the
    hook of `.pre-commit-hooks.yaml` as a local hook: the same id, entry, files and pass_filenames,
    only `language: system` with `cartel-fto` on PATH running this checkout's code, so no install
    (the hook's `language: python` install is a `pip install` of this package, tested elsewhere)."""
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    for d in ("texts", "annotations"):
        shutil.copytree(FIXTURE_CORPUS / d, at / d)
    shutil.copytree(SCHEMA, at / "schema")
    local = {k: v for k, v in hook.items() if k not in ("language", "description")}
    config = {"repos": [{"repo": "local", "hooks": [{**local, "language": "system"}]}]}
    (at / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    shim_dir.mkdir()
    shim = shim_dir / "cartel-fto"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m cartel_fto_corpus "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{shim_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(REPO),
        "PRE_COMMIT_HOME": str(shim_dir.parent / "pre-commit-home"),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"]):
        subprocess.run(cmd, cwd=at, check=True, env=env, timeout=60)
    return env


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_pre_commit_hook_passes_a_valid_corpus_and_fails_a_broken_one(tmp_path: Path) -> None:
    pytest.importorskip("pre_commit", reason="pre-commit is in the dev extra: pip install -e '.[dev]'")
    repo = tmp_path / "corpus"
    env = _throwaway_repo(repo, tmp_path / "bin")

    def hook() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", "cartel-fto-validate", "--all-files", "--color", "never"],
            capture_output=True, text=True, cwd=repo, env=env, timeout=300,
        )  # fmt: skip

    ok = hook()
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "validate corpus annotations" in ok.stdout and "Passed" in ok.stdout

    (target,) = [p for p in (repo / "annotations").glob("*.json") if p.name != "registry.json"]
    doc = json.loads(target.read_text(encoding="utf-8"))
    doc["annotations"][0]["entities"][0]["text"] += "x"  # span text no longer the text at its offsets
    target.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env, timeout=60)
    bad = hook()
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout and f"annotations/{target.name}:/annotations/0/entities/0" in bad.stdout
