"""Push and pull time of the Label Studio sync against one request per task, in the same run.

    python benchmarks/bench_labelstudio.py                   # 1,000 synthetic documents
    python benchmarks/bench_labelstudio.py --n 200 --text-bytes 3000
    python benchmarks/bench_labelstudio.py --url URL --api-key KEY   # an existing server

Without --url it starts a throwaway Label Studio on 127.0.0.1 from the server venv
(${CARTEL_FTO_LS_VENV:-.venv-labelstudio}, see scripts/setup_labelstudio_server.sh) with a fresh
data dir (migrations take ~30 s, not measured). The corpus comes from benchmarks/synth.py.

Measured, each into its own new project:
  * push:      `cartel-fto ls push` as shipped (bulk import, IMPORT_BATCH tasks per request)
  * push/task: the same code with one import request per task (the naive baseline)
  * pull:      `cartel-fto ls pull` into a copy without annotation files (one export request)
  * pull/task: the same pull fetching every task with its own GET /api/tasks/<id>
Both pulls convert, validate and write every file, so only the fetching strategy differs.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from cartel_fto_corpus.labelstudio import push as push_mod  # noqa: E402
from cartel_fto_corpus.labelstudio.client import Client, Settings  # noqa: E402
from cartel_fto_corpus.labelstudio.pull import pull  # noqa: E402
from cartel_fto_corpus.labelstudio.server import DEFAULT_USER, LocalServer, executable, free_port, init_data_dir, new_token, venv_path  # noqa: E402
from cartel_fto_corpus.truth.paths import CorpusPaths  # noqa: E402


def quiet(_: str) -> None:
    pass


def fresh_copy(src: Path, dst: Path) -> Path:
    """texts/ and the registry only: everything pull writes comes from Label Studio."""
    (dst / "annotations").mkdir(parents=True)
    shutil.copytree(src / "texts", dst / "texts")
    shutil.copy(src / "annotations" / "registry.json", dst / "annotations" / "registry.json")
    return dst


def per_task_export(client: Client):
    """An export_tasks that lists the task ids, then GETs every task on its own."""

    def export(project_id: int) -> list[dict[str, Any]]:
        headers = {"Authorization": f"Token {client.settings.api_key}"}
        with httpx.Client(base_url=client.settings.url, headers=headers, timeout=client.settings.timeout) as http:
            ids, page = [], 1
            while True:
                r = http.get("/api/tasks", params={"project": project_id, "page": page, "page_size": 500, "fields": "task_only"})
                if r.status_code == 404:
                    break
                r.raise_for_status()
                batch = r.json()["tasks"]
                ids += [t["id"] for t in batch]
                if len(batch) < 500:
                    break
                page += 1
            return [http.get(f"/api/tasks/{tid}").raise_for_status().json() for tid in ids]

    return export


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run(n: int, text_bytes: int, url: str | None, key: str | None) -> None:
    from synth import make_corpus

    with tempfile.TemporaryDirectory(prefix="bench-ls-") as tmp:
        tmp = Path(tmp)
        server = None
        if url is None:
            venv = venv_path(base=REPO)
            venv = venv if venv.is_absolute() else REPO / venv
            if not executable(venv).exists():
                sys.exit(f"no Label Studio venv at {venv}: run `make setup-test` or pass --url/--api-key")
            key, password = new_token(), new_token()[:16]
            data = tmp / "ls-data"
            print(f"initialising a throwaway Label Studio in {data} ...", file=sys.stderr)
            init_data_dir(venv, data, DEFAULT_USER, password, key)
            server = LocalServer(venv, data, free_port(), DEFAULT_USER, password, key).start()
            url = server.url
        try:
            corpus = make_corpus(tmp / "corpus", n, text_bytes=text_bytes)
            paths = CorpusPaths(corpus)
            client = Client(Settings(url, key, timeout=300))
            stamp = time.strftime("%H%M%S")

            bulk_push = timed(lambda: push_mod.push(paths, client, title=f"bench-bulk-{stamp}", echo=quiet))
            batch = push_mod.IMPORT_BATCH
            push_mod.IMPORT_BATCH = 1
            try:
                naive_push = timed(lambda: push_mod.push(paths, client, title=f"bench-task-{stamp}", echo=quiet))
            finally:
                push_mod.IMPORT_BATCH = batch

            a = fresh_copy(corpus, tmp / "pull-bulk")
            bulk_pull = timed(lambda: pull(CorpusPaths(a), client, title=f"bench-bulk-{stamp}", echo=quiet))
            b = fresh_copy(corpus, tmp / "pull-task")
            naive = Client(client.settings)
            naive.export_tasks = per_task_export(naive)  # type: ignore[method-assign]
            naive_pull = timed(lambda: pull(CorpusPaths(b), naive, title=f"bench-bulk-{stamp}", echo=quiet))
            written_a = sorted(p.name for p in CorpusPaths(a).annotation_files())
            written_b = sorted(p.name for p in CorpusPaths(b).annotation_files())
            assert len(written_a) == n and written_a == written_b, "both pulls must write every document"
            same = all((CorpusPaths(a).annotations / f).read_bytes() == (CorpusPaths(b).annotations / f).read_bytes() for f in written_a)
            assert same, "both pulls must write identical files"
        finally:
            if server is not None:
                server.stop()

    print(f"Label Studio sync, {n} synthetic documents (~{text_bytes} bytes of text each)")
    print(f"{'':10} {'bulk (shipped)':>15} {'one req./task':>15} {'ratio':>8}")
    print(f"{'push':10} {bulk_push:14.2f}s {naive_push:14.2f}s {naive_push / bulk_push:7.1f}x")
    print(f"{'pull':10} {bulk_pull:14.2f}s {naive_pull:14.2f}s {naive_pull / bulk_pull:7.1f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--text-bytes", type=int, default=3000)
    ap.add_argument("--url", default=None)
    ap.add_argument("--api-key", default=None)
    args = ap.parse_args()
    if (args.url is None) != (args.api_key is None):
        ap.error("--url and --api-key go together")
    run(args.n, args.text_bytes, args.url, args.api_key)


if __name__ == "__main__":
    main()
