"""Reading JSON files so that every way they can fail becomes one readable line, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class Unreadable(Exception):
    """A file that cannot be read as JSON; carries the one-line reason."""


def read_json(path: Path) -> Any:
    """Parse a JSON file, turning every way it can fail into one readable line."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise Unreadable("no such file") from None
    except IsADirectoryError:
        raise Unreadable("is a directory, expected a JSON file") from None
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"not UTF-8: byte 0x{data[exc.start]:02x} at byte offset {exc.start}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise Unreadable(f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
