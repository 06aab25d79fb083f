"""The one Chromium used by the browser tests and the editor benchmark: Debian's, with the same flags.

Flags: no sandbox (containers run as root), no GPU, and nothing that reaches the network on its own
(QUIC, first-run pages, background networking, component updates, sync): the machine has none.
"""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("CARTEL_FTO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
