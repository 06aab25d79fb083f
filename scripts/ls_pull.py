#!/usr/bin/env python3
"""Thin wrapper: `python scripts/ls_pull.py [options]` is `cartel-fto ls pull [options]` (see --help)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cartel_fto_corpus.cli.ls import pull_command

if __name__ == "__main__":
    pull_command(prog_name="ls_pull.py")
