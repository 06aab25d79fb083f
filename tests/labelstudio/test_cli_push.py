"""`cartel-fto ls push` as a user runs it against a real server: the dry run names the project it
would create; `--prefer labelstudio` keeps what an annotator changed instead of failing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cartel_fto_corpus.labelstudio.client import Client
from cartel_fto_corpus.labelstudio.push import push
from cartel_fto_corpus.labelstudio.server import LocalServer
from cartel_fto_corpus.truth.paths import CorpusPaths

from .conftest import as_author

pytestmark = pytest.mark.labelstudio


def cli(server: LocalServer, *args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LABEL_STUDIO_URL": server.url, "LABEL_STUDIO_API_KEY": server.token}
    return subprocess.run(
        [sys.executable, "-m", "cartel_fto_corpus", "ls", *map(str, args)], capture_output=True, text=True, env=env, timeout=300
    )


def test_dry_run_says_it_would_create_the_project(
    fixture_corpus: Path, ls_server: LocalServer, ls_client: Client, project_title: str
) -> None:
    proc = cli(ls_server, "push", "--root", fixture_corpus, "--project", project_title, "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert f"would create project {project_title!r} on {ls_server.url}" in proc.stderr
    assert ls_client.find_project(None, project_title) is None


def test_prefer_labelstudio_keeps_the_annotators_change(
    fixture_corpus: Path, ls_server: LocalServer, ls_client: Client, project_title: str
) -> None:
    paths = CorpusPaths(fixture_corpus)
    push(paths, ls_client, title=project_title, echo=lambda _s: None)
    proj = ls_client.find_project(None, project_title)
    ann = ls_client.export_tasks(proj.id)[0]["annotations"][0]
    kept = [i for i in ann["result"] if i.get("id") != "e1"]  # the annotator deletes a mention
    as_author(ls_client, ann).sdk.annotations.update(id=ann["id"], result=kept)
    f = paths.annotation_files()[0]
    doc = json.loads(f.read_text(encoding="utf-8"))
    doc["annotations"][0]["claims"][0]["hedged"] = True
    f.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    # human work imported as annotations (the default pushes predictions, which hold no one's work)
    refused = cli(ls_server, "push", "--root", fixture_corpus, "--title", project_title, "--as", "annotations")
    assert refused.returncode == 1 and "changed in Label Studio" in refused.stderr
    proc = cli(ls_server, "push", "--root", fixture_corpus, "--title", project_title, "--as", "annotations", "--prefer", "labelstudio")
    assert proc.returncode == 0, proc.stderr
    assert len(ls_client.export_tasks(proj.id)[0]["annotations"][0]["result"]) == len(kept)
