#!/usr/bin/env bash
# Mutation testing of truth/ and checks/ with mutmut 3 (issue 26); never run in CI (minutes to hours).
#
#   scripts/mutation.sh                       # every module of truth/ and checks/ ([tool.mutmut] in pyproject.toml)
#   scripts/mutation.sh 'cartel_fto_corpus.truth.offsets*' 'cartel_fto_corpus.checks.checker*'   # some modules
#
# mutmut copies the package, the tests and the corpus into mutants/ (git-ignored) and runs, per
# mutant, the tests of the fast selection that cover the mutated function. Afterwards:
#   mutmut results                 # survivors by name
#   mutmut show <mutant name>      # its diff
#   scripts/mutation.sh --summary  # killed / total per module, from mutants/
# PYTHONPATH is cleared so the tests import the mutated copy, not an installed one.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ "${1:-}" = "--summary" ]; then
  exec "$PYTHON" - <<'PY'
import json, pathlib
# mutmut 3 exit codes per mutant (mutmut/stats.py): 1, 3 killed; 36, 24, -24, 152, 255 timeout (counted
# as killed, as mutmut does); 0 survived; 5, 33 no test covers it (counted as surviving); None not run
# and 34 skipped (left out).
KILLED = {1, 3, 36, 24, -24, 152, 255}
total_k = total_n = 0
for meta in sorted(pathlib.Path("mutants/cartel_fto_corpus").glob("*/*.py.meta")):
    codes = json.loads(meta.read_text())["exit_code_by_key"]
    ran = [c for c in codes.values() if c is not None and c != 34]
    if not ran:
        continue
    killed = sum(1 for c in ran if c in KILLED)
    total_k, total_n = total_k + killed, total_n + len(ran)
    print(f"{meta.parent.name}/{meta.name[:-5]:22} {killed:5}/{len(ran):<5} {100 * killed / len(ran):5.1f}%  (not run: {len(codes) - len(ran)})")
print(f"{'total':31} {total_k:5}/{total_n:<5} {100 * total_k / max(total_n, 1):5.1f}%")
PY
fi
PYTHONPATH= exec "$PYTHON" -m mutmut run --max-children "${MUTMUT_CHILDREN:-2}" "$@"
