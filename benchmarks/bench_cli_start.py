"""Start-up time of the command line against the floor of its own libraries, measured in one run.

    python benchmarks/bench_cli_start.py              # 5 runs each (median)
    python benchmarks/bench_cli_start.py --runs 9

Floor: `python -c 'import click, rich'` (an interpreter that loads the CLI's two libraries and does
nothing). Measured: `python -m cartel_fto_corpus --help` (lists every command with its one-line help,
read from the modules' source without importing them) and `--version`. Target: `--help` within
TARGET x the floor (the medians' ratio). Each command runs in a fresh interpreter with the same
environment; the machine's load average is printed beside the table, since a shared machine moves
every figure (the ratio much less).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET = 2.0
FLOOR = [sys.executable, "-c", "import click, rich"]
COMMANDS = {
    "cartel-fto --help": [sys.executable, "-m", "cartel_fto_corpus", "--help"],
    "cartel-fto --version": [sys.executable, "-m", "cartel_fto_corpus", "--version"],
}


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env, cwd=REPO)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per command (median)")
    args = parser.parse_args(argv)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    cmds = {"floor: import click, rich": FLOOR, **COMMANDS}
    for cmd in cmds.values():  # warm the file cache and the bytecode
        timed(cmd, env)
    times: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(args.runs):  # interleaved, so load changes hit every command alike
        for name, cmd in cmds.items():
            times[name].append(timed(cmd, env))
    floor = statistics.median(times["floor: import click, rich"])
    print(f"load average {os.getloadavg()[0]:.2f}; median of {args.runs} runs")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:28s} {med * 1000:7.1f} ms  {med / floor:5.2f} x floor")
    ratio = statistics.median(times["cartel-fto --help"]) / floor
    verdict = "ok" if ratio <= TARGET else "SLOW"
    print(f"verdict: --help {ratio:.2f} x floor (target <= {TARGET}): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
