"""Benchmark of the build and the loader on synthetic corpora.

    python benchmarks/bench_loader.py                      # 10k and 100k documents
    python benchmarks/bench_loader.py --sizes 1000 10000 --runs 9
    python benchmarks/bench_loader.py make-corpus DIR 500  # only write a synthetic corpus
    python benchmarks/bench_loader.py --dataset OUT [OUT ...]  # only time the loader on built roots

For each size it writes a synthetic corpus (texts, manifest, SHA256SUMS, registry, one annotation
file per document), then prints:
  * the build's peak memory (peak RSS, VmHWM, of a fresh subprocess running `build.build`, against the
    peak of a subprocess that only imports the same modules: the baseline in the same run), and its time;
  * per config, the median time of `cartel_fto_corpus.load_dataset(config)` against the floor: per
    split, `pyarrow.parquet.read_table` and a sha256 of each file plus `datasets.Dataset(InMemoryTable(
    table))` (what any loader that verifies digests and returns `datasets` objects pays at least, with
    none of our code), their ratio (the target: at most TARGET), the median of the per-run ratios, and
    for information the raw read alone (`read_table` on the same files) and the loader's first call;
    then a verdict line.
The machine's load average is printed with every table: on a shared machine read the ratios with it.
The build runs without validation here: the validator's cross-document overlap check is quadratic
and not what is measured. Corpora up to EXACT_MANIFEST_MAX documents get an exact manifest (they
validate); larger ones list no overlaps.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

EXACT_MANIFEST_MAX = 1000
#: The data model version, read from the schema without importing the package (kept light here).
SCHEMA_VERSION = json.loads((Path(__file__).resolve().parent.parent / "schema" / "common.schema.json").read_text(encoding="utf-8"))[
    "$defs"
]["schema_version"]["const"]
#: qid_source of the synthetic registry's QIDs (schema 1.1 requires one next to every QID).
SYNTHETIC_QID_SOURCE = {"status": "unconfirmed", "source": "synthetic benchmark registry", "evidence": "not a real lookup"}
_FIRST = ["Maria", "Jose", "Ana", "Luis", "Carmen", "Jorge", "Elena", "Pablo", "Rosa", "Diego"]
_LAST = ["Garcia", "Lopez", "Hernandez", "Martinez", "Ramirez", "Flores", "Torres", "Rivera", "Ortiz", "Castro"]
_WORDS = re.findall(
    r"\w+",
    "officials said the designation would expand sanctions and allow prosecutors to pursue material support charges "
    "while critics warned about consequences for trade migration and diplomatic relations in the region; analysts "
    "noted that cartels operate across borders and that enforcement depends on cooperation",
)

REGISTRY = {
    "schema_version": SCHEMA_VERSION,
    "entities": [
        {"id": "united_states", "name": "United States", "type": "GPE", "org_type": None, "qid": "Q30", "qid_source": SYNTHETIC_QID_SOURCE},
        {"id": "mexico", "name": "Mexico", "type": "GPE", "org_type": None, "qid": "Q96", "qid_source": SYNTHETIC_QID_SOURCE},
        {"id": "sinaloa_cartel", "name": "Sinaloa Cartel", "type": "ORG", "org_type": "criminal", "qid": None, "qid_source": None},
        {"id": "person_x", "name": "A Person", "type": "PERSON", "org_type": None, "qid": None, "qid_source": None},
    ],
    "targets": [{"id": "fto_designation", "name": "FTO designation", "description": "The designation of cartels as FTOs."}],
    "clusters": [
        {"id": "cartels_threaten_us", "kind": "non_factual", "summary": "Cartels threaten the United States.", "discrepancies": None}
    ],
}


def _document(i: int, rng: random.Random) -> tuple[str, str, dict]:
    """(doc_id, text, annotation file) of synthetic document i: four paragraphs, five mentions, a stance, a claim."""
    doc_id = f"{i % 1000:03d}_{i:016x}"
    person = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
    filler = [" ".join(rng.choice(_WORDS) for _ in range(rng.randint(25, 60))) for _ in range(3)]
    claim = "the Sinaloa Cartel is a threat to the United States"
    paragraphs = [
        f"**Report {i}**",
        f"{person} said {claim}. Mexico objected, {filler[0]}.",
        f"In Mexico, {filler[1]}.",
        f"{filler[2]}.",
    ]
    text = "\n".join(paragraphs)
    mentions = []

    def mention(surface: str, entity: str, label: str, start_at: int = 0) -> None:
        start = text.index(surface, start_at)
        end = start + len(surface)
        mentions.append({"id": f"e{len(mentions) + 1}", "start": start, "end": end, "text": surface, "label": label, "entity": entity})

    mention(person, "person_x", "PERSON")
    mention("Sinaloa Cartel", "sinaloa_cartel", "ORG")
    mention("United States", "united_states", "GPE")
    mention("Mexico", "mexico", "GPE")
    mention("Mexico", "mexico", "GPE", text.index("In Mexico"))
    c_start = text.index(claim)
    aset = {
        "annotator": "synthetic",
        "guideline_version": "1.0",
        "created": "2025-01-01T00:00:00Z",
        "updated": "2025-01-01T00:00:00Z",
        "status": "gold",
        "entities": mentions,
        "stances": [
            {
                "id": "s1",
                "holder": {"kind": "entity", "entity": "person_x", "mention": "e1"},
                "target": "fto_designation",
                "label": "favor",
                "attribution": "reported",
                "evidence": [{"start": c_start, "end": c_start + len(claim), "text": claim}],
            }
        ],
        "claims": [
            {
                "id": "c1",
                "start": c_start,
                "end": c_start + len(claim),
                "text": claim,
                "claimant": {"kind": "entity", "entity": "person_x", "mention": "e1"},
                "attribution": "reported",
                "type": "opinion",
                "checkworthiness": "non_factual",
                "hedged": False,
                "clusters": ["cartels_threaten_us"],
            }
        ],
    }
    data = text.encode("utf-8")
    return (
        doc_id,
        text,
        {"schema_version": SCHEMA_VERSION, "doc_id": doc_id, "text_sha256": hashlib.sha256(data).hexdigest(), "annotations": [aset]},
    )


def make_corpus(root: Path, n: int, seed: int = 0) -> Path:
    """Write a synthetic corpus of `n` documents under `root` (texts/, annotations/); returns root."""
    from cartel_fto_corpus.truth.texts import Text, compute_manifest, document_entry, dumps

    root = Path(root)
    texts, annotations = root / "texts", root / "annotations"
    texts.mkdir(parents=True, exist_ok=True)
    annotations.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    ids = []
    with open(texts / "SHA256SUMS", "w", encoding="utf-8") as sums:
        for i in range(n):
            doc_id, text, ann = _document(i, rng)
            data = text.encode("utf-8")
            (texts / f"{doc_id}.txt").write_bytes(data)
            (annotations / f"{doc_id}.json").write_text(dumps(ann), encoding="utf-8")
            sums.write(f"{hashlib.sha256(data).hexdigest()}  {doc_id}.txt\n")
            ids.append(doc_id)
    (annotations / "registry.json").write_text(dumps(REGISTRY), encoding="utf-8")
    ids.sort()
    if n <= EXACT_MANIFEST_MAX:
        all_texts = [Text(d, f"{d}.txt", (texts / f"{d}.txt").read_bytes()) for d in ids]
        (texts / "manifest.json").write_text(dumps(compute_manifest(all_texts)), encoding="utf-8")
    else:  # streamed, without the quadratic overlap computation
        with open(texts / "manifest.json", "w", encoding="utf-8") as fh:
            fh.write('{\n  "schema_version": "' + SCHEMA_VERSION + '",\n  "documents": [\n')
            for k, d in enumerate(ids):
                entry = document_entry(Text(d, f"{d}.txt", (texts / f"{d}.txt").read_bytes()), [])
                fh.write(("," if k else "") + json.dumps(entry, ensure_ascii=False) + "\n")
            fh.write("  ]\n}\n")
    return root


_IMPORTS = (
    "import cartel_fto_corpus.publish.build, cartel_fto_corpus.publish.card, cartel_fto_corpus.publish.croissant, datasets, pyarrow.parquet"
)
# VmHWM (Linux) is the peak RSS of this program alone; ru_maxrss would also count the parent's
# footprint at fork time, which exec carries over.
_PEAK = """
import re, resource, sys
try:
    with open("/proc/self/status") as fh:
        peak = int(re.search(r"VmHWM:\\s+(\\d+) kB", fh.read()).group(1))
except (OSError, AttributeError):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(peak, file=sys.stderr)
"""


def _peak_kib(code: str) -> tuple[int, float]:
    """Peak RSS (KiB) and wall time of `code` run in a fresh interpreter."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", f"{code}\n{_PEAK}"], capture_output=True, text=True, check=True)
    return int(proc.stderr.strip().splitlines()[-1]), time.perf_counter() - t0


def build_peak(root: Path, out: Path) -> tuple[int, int, float]:
    """(build peak KiB, import-only baseline KiB, build seconds)."""
    base, _ = _peak_kib(_IMPORTS)
    code = (
        f"{_IMPORTS}\nfrom pathlib import Path\nfrom cartel_fto_corpus.truth.paths import CorpusPaths\n"
        f"cartel_fto_corpus.publish.build.build(CorpusPaths({str(root)!r}), Path({str(out)!r}), validate_first=False)"
    )
    peak, seconds = _peak_kib(code)
    return peak, base, seconds


#: The target: `load_dataset(config)` at most this many times the floor (read, sha256, `datasets`' own
#: Dataset constructor). Issue 11 set it against `pq.read_table` alone; on the shipped corpus's
#: millisecond configs the Dataset constructor costs as much as the read (1-2 ms), so that target took a
#: pickled per-config Dataset template and a hashing thread to hold. Issue 26 dropped both for
#: `datasets`' own constructor and moved the floor to include what the library itself costs.
TARGET = 1.2
#: Seconds of timed runs a config gets at most beyond the minimum number of runs, and a cap on runs.
BUDGET = 3.0
MAX_RUNS = 400


class LoaderTime(NamedTuple):
    """Timings of one config: medians over the runs, and the median of the per-run ratios. (A
    NamedTuple, not a dataclass: tests load this file without registering it in sys.modules.)"""

    config: str
    rows: int
    nbytes: int
    runs: int
    ours: float
    floor: float
    read: float
    paired: float
    first: float

    @property
    def ratio(self) -> float:
        return self.ours / self.floor


def loader_times(out: Path, runs: int, budget: float = BUDGET) -> list[LoaderTime]:
    """Per config: the median time of `load_dataset(config)`, of the floor (per split: `pq.read_table`
    and a sha256 of each file's bytes, `datasets.Dataset(InMemoryTable(table))`), and (for information)
    of `pq.read_table` alone on the same files. Each run times all three back to back, in an order that
    rotates from run to run, so a burst of load from other processes hits them alike; `paired` is
    the median of the per-run ratios loader / floor (steadier than the ratio of medians on a shared
    machine). A config gets at least `runs` runs, more (up to MAX_RUNS) while they fit in about
    `budget` seconds: a millisecond read needs hundreds of runs for a median that holds still.
    `first` is the loader's first call for the config in this process (imports, the features' first
    comparison); it is not in the medians."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from datasets import Dataset
    from datasets.table import InMemoryTable

    from cartel_fto_corpus.publish.features import CONFIGS
    from cartel_fto_corpus.publish.loader import load_dataset, split_files

    def read(files: list[Path]) -> list:
        return [pq.read_table(f) for f in files]

    def floor(splits: dict[str, list[Path]]) -> dict:
        out = {}
        for split, files in splits.items():
            tables = [(hashlib.sha256(blob := f.read_bytes()).hexdigest(), pq.read_table(pa.BufferReader(blob)))[1] for f in files]
            out[split] = Dataset(InMemoryTable(pa.concat_tables(tables)), fingerprint=f"floor-{split}")
        return out

    out_rows = []
    for config in CONFIGS:
        splits = split_files(config, out)
        files = [f for fs in splits.values() for f in fs]
        steps = {
            "ours": lambda c=config: load_dataset(c, root=out),
            "floor": lambda ss=splits: floor(ss),
            "read": lambda fs=files: read(fs),
        }
        warm = {}
        for name, step in steps.items():  # warm the page cache, the imports and the per-config caches
            t0 = time.perf_counter()
            step()
            warm[name] = time.perf_counter() - t0
        n_runs = max(runs, min(MAX_RUNS, int(budget / sum(warm.values()))))
        times: dict[str, list[float]] = {k: [] for k in steps}
        for i in range(n_runs):
            order = list(steps)[i % 3 :] + list(steps)[: i % 3]
            for name in order:
                t0 = time.perf_counter()
                result = steps[name]()
                times[name].append(time.perf_counter() - t0)
                del result  # freed outside the timing, for all three alike (the caller keeps what it loads)
        ds, tables = load_dataset(config, root=out), read(files)
        n = sum(d.num_rows for d in ds.values())
        assert n == sum(t.num_rows for t in tables)
        paired = statistics.median(a / b for a, b in zip(times["ours"], times["floor"], strict=True))
        out_rows.append(
            LoaderTime(
                config,
                n,
                sum(f.stat().st_size for f in files),
                n_runs,
                statistics.median(times["ours"]),
                statistics.median(times["floor"]),
                statistics.median(times["read"]),
                paired,
                warm["ours"],
            )
        )
    return out_rows


def _load() -> str:
    """The 1/5/15-minute load averages (the machine may be shared: read the timings with them)."""
    try:
        return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} CPUs"
    except OSError:
        return "load average unknown"


def print_loader_table(label: str, out: Path, runs: int, budget: float = BUDGET) -> list[LoaderTime]:
    """Time every config of the dataset root `out` and print the table and a verdict line."""
    print(f"loader vs floor (read_table + sha256 + datasets.Dataset) on the same files; medians of >= {runs} runs; {_load()} (before)")
    print(
        f"{'config':<22} {'rows':>8} {'MB':>6} {'runs':>5} {'loader ms':>10} {'floor ms':>9} {'ratio':>6} {'paired':>7} "
        f"{'read ms':>8} {'ratio':>6} {'first ms':>9}"
    )
    rows = loader_times(out, runs, budget)
    for r in rows:
        print(
            f"{r.config:<22} {r.rows:>8} {r.nbytes / 1e6:>6.2f} {r.runs:>5} {r.ours * 1e3:>10.2f} {r.floor * 1e3:>9.2f} "
            f"{r.ratio:>6.2f} {r.paired:>7.2f} {r.read * 1e3:>8.2f} {r.ours / r.read:>6.2f} {r.first * 1e3:>9.2f}"
        )
    print(f"({_load()}, after)")
    over = [r for r in rows if r.ratio > TARGET]
    if over:
        worst = ", ".join(f"{r.config} {r.ratio:.2f}x" for r in sorted(over, key=lambda r: -r.ratio))
        print(f"verdict {label}: {len(over)} of {len(rows)} configs OVER the {TARGET}x target (ratio of medians): {worst}")
    else:
        print(f"verdict {label}: all {len(rows)} configs within {TARGET}x of the floor (worst {max(r.ratio for r in rows):.2f}x)")
    sys.stdout.flush()
    return rows


def run(sizes: list[int], runs: int, keep: Path | None, budget: float = BUDGET) -> None:
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix=f"bench-{n}-", dir=keep) as tmp:
            root, out = Path(tmp) / "corpus", Path(tmp) / "out"
            t0 = time.perf_counter()
            make_corpus(root, n)
            made = time.perf_counter() - t0
            peak, base, seconds = build_peak(root, out)
            print(f"\n== {n} documents (corpus written in {made:.1f} s)")
            print(
                f"build: {seconds:.1f} s, peak RSS {peak / 1024:.0f} MiB; import-only baseline {base / 1024:.0f} MiB; "
                f"build above baseline {(peak - base) / 1024:.0f} MiB"
            )
            print_loader_table(f"{n} documents", out, runs, budget)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["make-corpus"]:
        make_corpus(Path(argv[1]), int(argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=9, help="least timed runs per config (median)")
    parser.add_argument("--budget", type=float, default=BUDGET, help="seconds of extra runs a fast config may take (stabler medians)")
    parser.add_argument("--keep", type=Path, default=None, help="folder for the temporary corpora (default: the system temp)")
    parser.add_argument(
        "--dataset", type=Path, nargs="+", default=None, help="only time the loader on these built dataset roots (no corpus, no build)"
    )
    args = parser.parse_args(argv)
    if args.dataset:
        for out in args.dataset:
            print(f"\n== {out}")
            print_loader_table(str(out), out, args.runs, args.budget)
        return
    run(args.sizes, args.runs, args.keep, args.budget)


if __name__ == "__main__":
    main()
