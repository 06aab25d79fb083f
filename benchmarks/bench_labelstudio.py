"""Push and pull of the Label Studio sync against the server's own floor, in one run (issue 13).

    python benchmarks/bench_labelstudio.py                        # 1,000 and 10,000 documents
    python benchmarks/bench_labelstudio.py --n 200 --text-bytes 3000
    python benchmarks/bench_labelstudio.py --url URL --api-key-file FILE # an existing server

Without --url it starts a throwaway Label Studio on 127.0.0.1 from the server venv
(${CARTEL_FTO_LS_VENV:-.venv-labelstudio}) with a fresh data dir (migrations not measured). The
corpus comes from benchmarks/synth.py. For each size, each into its own new project:

  * push        `cartel-fto ls push` as shipped, in a child process (time, peak RSS)
  * push floor  the very same import bodies POSTed raw with httpx into a fresh project (bodies
                built beforehand, only the requests timed): the server's own import time
  * re-push     push again with nothing changed: time and the requests it sent
  * pull        `cartel-fto ls pull` into a copy without annotation files, in a child process
  * pull floor  the raw export download (one request, streamed to nowhere) + converting every
                exported annotation with convert.regions_to_set (what any pull must do at least).
                A pull of more than wire.EXPORT_PART tasks asks for the export in parts and plans
                one while the server builds the next; the same parts downloaded one after another
                are printed too (not a target), to show that overlap
  * payload     import bytes per task vs the document's annotation JSON (targets: <= 2x), for the
                corpus pushed, for the other synthetic mix (200 documents) and for each document of
                the shipped corpus; text excluded (it is data, not annotation), annotation JSON
                compact (no indentation, the annotation sets only)
  * editor      seconds until the largest task's text and regions show in headless Chromium
                (Playwright + /usr/bin/chromium, if installed)

The synthetic corpus has the shipped corpus's mix by default (--mix real: mentions, claims, stances
and evidence per 1,000 characters, see benchmarks/synth.py); --mix dense is the entity-heavy mix
the first runs used (60 mentions per document: the payload of a mention is two result items, a
labels item and its entity's per-region choice, about 2.9x the mention's own JSON).

Targets: push <= 1.3x its floor, pull <= 1.3x its floor, pull peak memory sub-linear in n.
Timings are medians of --repeat runs where a run is cheap enough (the floor requests); the
sync itself runs once per size (it creates projects).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from cartel_fto_corpus.labelstudio import convert, wire  # noqa: E402
from cartel_fto_corpus.labelstudio.client import Client, Settings  # noqa: E402
from cartel_fto_corpus.labelstudio.push import import_batches, import_body, user_ids  # noqa: E402
from cartel_fto_corpus.labelstudio.push_plan import CreateTask  # noqa: E402
from cartel_fto_corpus.labelstudio.repo import load_repo  # noqa: E402
from cartel_fto_corpus.labelstudio.server import DEFAULT_USER, LocalServer, executable, free_port, init_data_dir, new_token, venv_path  # noqa: E402
from cartel_fto_corpus.truth.paths import CorpusPaths  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

CHILD = """
import json, sys, time
sys.path.insert(0, {repo!r})
from cartel_fto_corpus.labelstudio.client import Client, Settings
from cartel_fto_corpus.labelstudio.{mod} import {mod}
from cartel_fto_corpus.labelstudio import wire
from cartel_fto_corpus.truth.paths import CorpusPaths
import os
wire.EXPORT_PART = {part}
c = Client(Settings({url!r}, os.environ["BENCH_KEY"], timeout=3600))
t0 = time.perf_counter()
r = {mod}(CorpusPaths({root!r}), c, title={title!r}, echo=lambda s: None, progress=False)
seconds = time.perf_counter() - t0
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({{"seconds": seconds, "peak_kb": hwm}}))
"""


def child(mod: str, url: str, key: str, root: Path, title: str) -> tuple[float, float]:
    """Run push or pull in a fresh process: (seconds inside, peak RSS in MB of that process).

    The peak is the child's own VmHWM: `ru_maxrss` of a child inherits the parent's size at fork.
    """
    code = CHILD.format(repo=str(REPO), mod=mod, url=url, root=str(root), title=title, part=wire.EXPORT_PART)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, env={**os.environ, "BENCH_KEY": key})
    out, _ = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"{mod} failed (exit {proc.returncode})")
    got = json.loads(out)
    return got["seconds"], got["peak_kb"] / 1024


def fresh_copy(src: Path, dst: Path) -> Path:
    """texts/ and the registry only: everything pull writes comes from Label Studio."""
    (dst / "annotations").mkdir(parents=True)
    shutil.copytree(src / "texts", dst / "texts")
    shutil.copy(src / "annotations" / "registry.json", dst / "annotations" / "registry.json")
    return dst


class Counter(httpx.HTTPTransport):
    """Counts the requests a client sends (method and path) on their way to the real server."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner, self.seen = inner, []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(f"{request.method} {request.url.path}")
        return self.inner.handle_request(request)


def push_floor(client: Client, repo: Any, title: str) -> tuple[float, int]:
    """The server's own import time for the same bodies: (seconds, bytes sent)."""
    proj = client.sdk.projects.create(
        title=title, label_config=client.sdk.projects.get(id=find(client, title.replace("floor", "sync")).id).label_config
    )
    creates = [CreateTask(d, tuple(s["annotator"] for s in doc["annotations"]), "annotations") for d, doc in sorted(repo.files.items())]
    users = user_ids(client, set(), create=False)
    bodies = [import_body(repo, batch, users) for batch in import_batches(creates)]  # push's batches
    with httpx.Client(base_url=client.settings.url, headers={"Authorization": f"Token {client.settings.api_key}"}, timeout=3600) as h:
        t0 = time.perf_counter()
        for body in bodies:
            h.post(f"/api/projects/{proj.id}/import", content=body, headers={"Content-Type": "application/json"}).raise_for_status()
        return time.perf_counter() - t0, sum(len(b) for b in bodies)


def find(client: Client, title: str) -> Any:
    return client.find_project(None, title)


def export_floor(client: Client, project_id: int, repeat: int) -> tuple[float, bytes]:
    """Median seconds of the raw export download; the bytes of the last one (for the conversion floor)."""
    times, raw = [], b""
    with httpx.Client(base_url=client.settings.url, headers={"Authorization": f"Token {client.settings.api_key}"}, timeout=3600) as h:
        for _ in range(repeat):
            chunks = []
            t0 = time.perf_counter()
            with h.stream("GET", f"/api/projects/{project_id}/export", params={"exportType": "JSON", "download_all_tasks": "true"}) as r:
                for chunk in r.iter_bytes():
                    chunks.append(chunk)
            times.append(time.perf_counter() - t0)
            raw = b"".join(chunks)
    return statistics.median(times), raw


def parts_floor(client: Client, project_id: int) -> tuple[float, int]:
    """Seconds to download the export in the parts a pull asks for, one after another, and their number.

    Not a target: the issue's floor is one export request. This shows what the parts cost the server
    by themselves, so the pull's overlap (planning one part while the next is built) can be read off.
    """
    windows = client.export_windows(project_id)
    if windows is None:
        return float("nan"), 1
    with wire.http_client(client.settings.url, client.settings.api_key, 3600) as h:
        t0 = time.perf_counter()
        for w in windows:
            wire.export_part(h, project_id, w)
        return time.perf_counter() - t0, len(windows)


def conversion_floor(raw: bytes, repo: Any) -> float:
    """Seconds to turn every exported annotation back into a set (no merge, no validation, no writes)."""
    tasks = json.loads(raw)
    t0 = time.perf_counter()
    for t in tasks:
        text = repo.text(t["data"]["doc_id"])
        for a in t["annotations"]:
            convert.regions_to_set(
                a["result"], text, "bench", None, created_at=a["created_at"], updated_at=a["updated_at"], guideline_version="1.0"
            )
    return time.perf_counter() - t0


def repush_requests(client: Client, paths: CorpusPaths, title: str) -> tuple[float, list[str]]:
    from cartel_fto_corpus.labelstudio.push import push

    counted = Client(client.settings)
    counter = Counter(counted.http._transport)
    counted.http._transport = counter
    t0 = time.perf_counter()
    push(paths, counted, title=title, echo=lambda s: None, progress=False)
    return time.perf_counter() - t0, counter.seen


def editor_open_seconds(url: str, password: str, project_id: int, task_id: int) -> float | None:
    """Seconds from navigating to the task until its text and regions are on screen; None without a browser."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not Path(CHROMIUM).exists():
        return None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=list(CHROMIUM_ARGS))
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/user/login/")
        page.fill("input[name=email]", DEFAULT_USER)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        t0 = time.perf_counter()
        page.goto(f"{url}/projects/{project_id}/data?task={task_id}")
        page.wait_for_selector(".htx-highlight, [class*=highlight]", timeout=180_000)
        page.wait_for_load_state("networkidle")
        seconds = time.perf_counter() - t0
        browser.close()
    return seconds


def payload_ratio(repo: Any, doc_ids: list[str]) -> tuple[float, int]:
    """(import bytes minus text, over the compact annotation JSON; import bytes) of these documents as new tasks."""
    creates = [CreateTask(d, tuple(s["annotator"] for s in repo.files[d]["annotations"]), "annotations") for d in doc_ids]
    users = {s["annotator"]: 1 for d in doc_ids for s in repo.files[d]["annotations"]}
    body = sum(len(import_body(repo, batch, users)) for batch in import_batches(creates))
    ann = sum(len(json.dumps(repo.files[d]["annotations"], ensure_ascii=False, separators=(",", ":")).encode()) for d in doc_ids)
    text = sum(len(repo.texts[d].data) for d in doc_ids)
    return (body - text) / ann, body


def payload_elsewhere(mix: str, text_bytes: int, tmp: Path) -> dict[str, Any]:
    """Payload ratios of the other synthetic mix (200 documents) and of each shipped document."""
    from synth import DENSE, make_corpus, real_mix

    other = "dense" if mix == "real" else "real"
    root = make_corpus(tmp / f"payload-{other}", 200, text_bytes=text_bytes, mix=DENSE if other == "dense" else real_mix())
    synthetic = load_repo(CorpusPaths(root))
    shipped = load_repo(CorpusPaths(REPO))
    return {
        "other_mix": other,
        "other_mix_payload": payload_ratio(synthetic, sorted(synthetic.files))[0],
        "shipped_payload": {d: payload_ratio(shipped, [d])[0] for d in sorted(shipped.files)},
    }


def run_size(
    client: Client, url: str, key: str, password: str | None, n: int, text_bytes: int, tmp: Path, repeat: int, mix: str
) -> dict[str, Any]:
    from synth import DENSE, make_corpus, real_mix

    corpus = make_corpus(tmp / f"corpus-{n}", n, text_bytes=text_bytes, mix=DENSE if mix == "dense" else real_mix())
    paths = CorpusPaths(corpus)
    stamp = time.strftime("%H%M%S")
    title = f"bench-sync-{n}-{stamp}"
    out: dict[str, Any] = {"n": n, "mix": mix}
    out["push"], out["push_rss_mb"] = child("push", url, key, corpus, title)
    repo = load_repo(paths)
    out["push_floor"], body_bytes = push_floor(client, repo, f"bench-floor-{n}-{stamp}")
    out["payload_per_task"] = body_bytes / n
    ann_bytes = sum(len(json.dumps(d["annotations"], ensure_ascii=False, separators=(",", ":")).encode()) for d in repo.files.values())
    text = sum(len(repo.texts[d].data) for d in repo.files)
    out["payload_vs_annotation_json"] = (body_bytes - text) / ann_bytes  # the text itself is data, not annotation
    assert abs(out["payload_vs_annotation_json"] - payload_ratio(repo, sorted(repo.files))[0]) < 1e-9  # one definition
    out["annotation_json_per_doc"] = ann_bytes / n
    out["repush"], seen = repush_requests(client, paths, title)
    out["repush_requests"] = seen
    proj = find(client, title)
    out["export_floor"], raw = export_floor(client, proj.id, repeat if n <= 1000 else 1)  # 10,000: once (heavy)
    out["conversion_floor"] = conversion_floor(raw, repo)
    out["parts_download"], out["parts"] = parts_floor(client, proj.id)
    largest = max(json.loads(raw), key=lambda t: len(json.dumps(t["annotations"])))
    del raw
    pulled = fresh_copy(corpus, tmp / f"pull-{n}")
    out["pull"], out["pull_rss_mb"] = child("pull", url, key, pulled, title)
    same = all(json.loads((pulled / "annotations" / p.name).read_bytes()) == json.loads(p.read_bytes()) for p in paths.annotation_files())
    out["pull_identical"] = same
    if password:
        out["editor_open"] = editor_open_seconds(url, password, proj.id, largest["id"])
    return out


def report(rows: list[dict[str, Any]], text_bytes: int, elsewhere: dict[str, Any]) -> None:
    print(f"Label Studio sync vs the server's floor (~{text_bytes} bytes of text per synthetic document, {rows[0]['mix']} mix)")
    print(
        f"{'docs':>6} {'push':>8} {'floor':>8} {'ratio':>6} {'pull':>8} {'floor':>8} {'ratio':>6} {'re-push':>8} {'reqs':>5} {'B/task':>8} {'x ann':>6} {'push MB':>8} {'pull MB':>8} {'editor':>7}"
    )
    for r in rows:
        pf = r["export_floor"] + r["conversion_floor"]
        ed = r.get("editor_open")
        print(
            f"{r['n']:>6} {r['push']:7.2f}s {r['push_floor']:7.2f}s {r['push'] / r['push_floor']:5.2f}x "
            f"{r['pull']:7.2f}s {pf:7.2f}s {r['pull'] / pf:5.2f}x {r['repush']:7.2f}s {len(r['repush_requests']):>5} "
            f"{r['payload_per_task']:8.0f} {r['payload_vs_annotation_json']:5.2f}x {r['push_rss_mb']:8.0f} {r['pull_rss_mb']:8.0f} "
            f"{(f'{ed:6.1f}s' if ed else '     -'):>7}"
        )
    for r in rows:
        print(
            f"  n={r['n']}: export {r['export_floor']:.2f}s + conversion {r['conversion_floor']:.2f}s; re-push requests: {', '.join(r['repush_requests'])}; pull identical: {r['pull_identical']}"
        )
        if r.get("parts", 1) > 1:
            pp = r["parts_download"] + r["conversion_floor"]
            print(
                f"  n={r['n']}: the pull's {r['parts']} export parts downloaded one after another {r['parts_download']:.2f}s "
                f"(+ conversion {pp:.2f}s; pull {r['pull'] / pp:.2f}x that: the overlap of planning and the server's work)"
            )
    shipped = elsewhere["shipped_payload"]
    print(f"  payload, {elsewhere['other_mix']} mix (200 synthetic documents): {elsewhere['other_mix_payload']:.2f}x the annotation JSON")
    print("  payload, shipped corpus: " + ", ".join(f"{d[:3]} {r:.2f}x" for d, r in shipped.items()))
    for line in verdicts(rows, elsewhere):
        print(line)


def verdicts(rows: list[dict[str, Any]], elsewhere: dict[str, Any] | None = None) -> list[str]:
    """One line per target and size: met or not, with the numbers."""
    out = []

    def say(ok: bool, what: str) -> None:
        out.append(f"{'MET    ' if ok else 'NOT MET'} {what}")

    for r in rows:
        n, pf = r["n"], r["export_floor"] + r["conversion_floor"]
        say(
            r["push"] <= 1.3 * r["push_floor"],
            f"n={n}: push {r['push']:.2f}s <= 1.3 x floor {r['push_floor']:.2f}s ({r['push'] / r['push_floor']:.2f}x)",
        )
        say(r["pull"] <= 1.3 * pf, f"n={n}: pull {r['pull']:.2f}s <= 1.3 x (export + conversion) {pf:.2f}s ({r['pull'] / pf:.2f}x)")
        say(r["payload_vs_annotation_json"] <= 2, f"n={n}: payload {r['payload_vs_annotation_json']:.2f}x the annotation JSON <= 2x")
        reqs = r["repush_requests"]
        say(
            len(reqs) == 1 and reqs[0].startswith("GET /api/tasks"),
            f"n={n}: re-push with nothing changed = one listing request ({len(reqs)})",
        )
        say(r["pull_identical"], f"n={n}: pulled files identical to the pushed ones")
    if elsewhere:
        worst = max(elsewhere["shipped_payload"].items(), key=lambda kv: kv[1])
        say(worst[1] <= 2, f"payload of every shipped document <= 2x its annotation JSON (worst {worst[0]}: {worst[1]:.2f}x)")
    if len(rows) > 1:
        a, b = rows[0], rows[-1]
        growth, size = b["pull_rss_mb"] / a["pull_rss_mb"], b["n"] / a["n"]
        say(
            growth < size,
            f"pull peak memory {a['pull_rss_mb']:.0f} MB -> {b['pull_rss_mb']:.0f} MB: x{growth:.2f} for x{size:.0f} documents (sub-linear)",
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--text-bytes", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--mix", choices=("real", "dense"), default="real", help="Annotation mix of the synthetic corpus (benchmarks/synth.py)."
    )
    ap.add_argument(
        "--export-part", type=int, default=wire.EXPORT_PART, help="Tasks per export part of a pull (wire.EXPORT_PART; smaller: more parts)."
    )
    ap.add_argument("--url", default=None)
    ap.add_argument("--api-key-file", type=Path, default=None, help="File holding the API key of --url (never the key itself in argv).")
    ap.add_argument("--password", default=None, help=f"Password of {DEFAULT_USER} on --url, to time the editor.")
    ap.add_argument("--json", type=Path, default=None, help="Also write the measurements here.")
    args = ap.parse_args()
    if (args.url is None) != (args.api_key_file is None):
        ap.error("--url and --api-key-file go together")
    wire.EXPORT_PART = args.export_part
    with tempfile.TemporaryDirectory(prefix="bench-ls-") as tmp:
        tmp = Path(tmp)
        key = args.api_key_file.read_text(encoding="utf-8").strip() if args.api_key_file else None
        server, url, password = None, args.url, args.password
        if url is None:
            venv = venv_path(base=REPO)
            venv = venv if venv.is_absolute() else REPO / venv
            if not executable(venv).exists():
                sys.exit(f"no Label Studio venv at {venv}: run `make setup-test` or pass --url/--api-key-file")
            key, password = new_token(), new_token()[:16]
            print(f"initialising a throwaway Label Studio in {tmp / 'ls-data'} ...", file=sys.stderr)
            init_data_dir(venv, tmp / "ls-data", DEFAULT_USER, password, key)
            server = LocalServer(venv, tmp / "ls-data", free_port(), DEFAULT_USER, password, key).start()
            url = server.url
        try:
            client = Client(Settings(url, key, timeout=3600))
            rows = []
            for n in args.n:
                rows.append(run_size(client, url, key, password, n, args.text_bytes, tmp, args.repeat, args.mix))
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        finally:
            if server is not None:
                server.stop()
        elsewhere = payload_elsewhere(args.mix, args.text_bytes, tmp)
    report(rows, args.text_bytes, elsewhere)
    if args.json:
        args.json.write_text(json.dumps({"sizes": rows, "payload_elsewhere": elsewhere}, indent=2) + "\n")


if __name__ == "__main__":
    main()
