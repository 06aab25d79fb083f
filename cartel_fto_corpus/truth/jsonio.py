"""Reading JSON files so that every way they can fail becomes one readable line, never a traceback.

Python's `json` accepts more than the data model the corpus means: it lets the last of two equal
keys win silently, keeps lone surrogates (`"\\ud800"`) that no UTF-8 writer, Rust validator or
Parquet file can hold, accepts `NaN`/`Infinity`, and raises other exceptions than JSONDecodeError
for an integer of 4,301+ digits or nesting deeper than the interpreter's recursion limit.
`parse_json` turns the last three into `Unreadable` and reports the first two as `Flaw`s with a
JSON pointer, so a validator can name the place. It also notes whether any number was written with
a fraction or exponent (`21.0`): JSON Schema counts 21.0 as an integer, Python slicing does not,
so a validator must check such files with integers meaning integers.

The extra work is paid only where it can find something: duplicate keys are counted in the object
hook (C `dict()` on the pairs), and the document is walked for pointers only when a duplicate was
seen or the raw text contains a `\\uD8xx`-`\\uDFxx` escape (the only way a surrogate gets into
text that decoded as UTF-8).
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class Unreadable(Exception):
    """A file that cannot be read as JSON; carries the one-line reason."""


@dataclass(frozen=True)
class Flaw:
    """JSON that parses but has no single meaning as corpus data: where (pointer) and what."""

    pointer: str
    message: str
    code: str


@dataclass
class Parsed:
    """A parsed document, what is wrong with it at the JSON level, and whether it has whole-valued floats."""

    doc: Any
    flaws: list[Flaw] = field(default_factory=list)
    whole_floats: bool = False


#: A `\u` escape of a UTF-16 surrogate in raw JSON text (upper or lower case hex).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")


def pointer(*parts: str | int) -> str:
    """RFC 6901 pointer from path parts (the one pointer builder: jsonio's flaws and every Problem)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def escape_surrogates(text: str) -> str:
    """`text` with every lone surrogate written as a visible `\\udXXX` escape (safe to print or encode)."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _reject_constant(name: str) -> Any:
    raise _NotJson(f"malformed JSON: {name} is not a JSON value")


class _NotJson(ValueError):
    pass


def parse_json(text: str) -> Parsed:
    """Parse JSON text; raise Unreadable for what is not JSON, list flaws with pointers for the rest."""
    dup_objects: list[tuple[dict[str, Any], list[str]]] = []
    floats = False

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            dups = list(dict.fromkeys(k for k, _v in pairs if k in seen or seen.add(k)))  # type: ignore[func-returns-value]
            dup_objects.append((obj, dups))
        return obj

    def float_hook(s: str) -> float:
        nonlocal floats
        value = float(s)
        floats = floats or value.is_integer()
        return value

    try:
        doc = json.loads(text, object_pairs_hook=pairs_hook, parse_float=float_hook, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise Unreadable(f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except _NotJson as exc:
        raise Unreadable(str(exc)) from None
    except RecursionError:
        raise Unreadable("malformed JSON: nested too deeply (arrays and objects within each other beyond the parser's limit)") from None
    except ValueError as exc:  # int() of 4,301+ digits
        if "integer string conversion" in str(exc):
            raise Unreadable("malformed JSON: an integer of more than 4300 digits") from None
        raise Unreadable(f"malformed JSON: {exc}") from None
    parsed = Parsed(doc, whole_floats=floats)
    if dup_objects or _SURROGATE_ESCAPE.search(text):
        parsed.flaws = _flaws(doc, dup_objects)
    return parsed


def _flaws(doc: Any, dup_objects: list[tuple[dict[str, Any], list[str]]]) -> list[Flaw]:
    """Pointers of duplicate keys and lone surrogates; an explicit stack, since nesting can be deep."""
    dups = {id(obj): keys for obj, keys in dup_objects}
    out: list[Flaw] = []
    stack: list[tuple[Any, list[str | int]]] = [(doc, [])]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            m = _SURROGATE.search(value)
            if m:
                out.append(
                    Flaw(
                        pointer(*path),
                        f"expected Unicode text, found a lone surrogate \\u{ord(m.group()):04x} at character {m.start()}",
                        "lone-surrogate",
                    )
                )
        elif isinstance(value, dict):
            for key in dups.get(id(value), ()):
                out.append(
                    Flaw(
                        pointer(*path, key),
                        f"expected each key once per object, found {escape_surrogates(repr(key))} more than once (JSON readers disagree on which one counts)",
                        "duplicate-key",
                    )
                )
            items = list(value.items())
            for key, item in reversed(items):
                m = _SURROGATE.search(key)
                if m:
                    out.append(
                        Flaw(
                            pointer(*path),
                            f"expected Unicode text in keys, found a lone surrogate \\u{ord(m.group()):04x} in a key",
                            "lone-surrogate",
                        )
                    )
                    continue
                stack.append((item, [*path, key]))
        elif isinstance(value, list):
            stack.extend((item, [*path, i]) for i, item in reversed(list(enumerate(value))))
    return out


def scan(doc: Any) -> Parsed:
    """The checks of `parse_json` for data that did not come from JSON text (a Label Studio
    export already decoded, a document built in code): lone surrogates and whole-valued floats."""
    return Parsed(doc, flaws=_flaws(doc, []), whole_floats=has_whole_floats(doc))


def has_whole_floats(doc: Any) -> bool:
    """Whether a decoded document holds a float with an integer value (`21.0`); an explicit stack."""
    stack = [doc]
    while stack:
        value = stack.pop()
        if isinstance(value, float) and value.is_integer():
            return True
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def decode_utf8(data: bytes) -> str:
    """`data` as UTF-8 text, or Unreadable naming the first byte that is not."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"not UTF-8: byte 0x{data[exc.start]:02x} at byte offset {exc.start}") from None


#: The largest corpus file read (annotation, registry, manifest, text): 16 MiB, 40 times the
#: largest annotation file a 100k-document corpus has; a bigger one is refused before it is read.
MAX_FILE_BYTES = 16 * 1024 * 1024

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return f"expected a regular file, found {kind}"


def read_file_bytes(path: Path | str, limit: int | None = None) -> bytes:
    """The bytes of a regular file of at most `limit` (default `MAX_FILE_BYTES`) bytes, read once;
    Unreadable otherwise.

    A path that names a device, a pipe or a directory (itself or through a symbolic link:
    `annotations/005.json -> /dev/zero` used to be read until memory ran out, a named pipe hung
    the validator) is refused from its `stat` before it is opened, and again from `fstat` of the
    descriptor opened without blocking, so a swap in between changes nothing.
    """
    limit = MAX_FILE_BYTES if limit is None else limit
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise Unreadable("no such file") from None
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror}") from None
    except ValueError as exc:  # a NUL or a lone surrogate in the name
        raise Unreadable(f"cannot read: {exc}") from None
    if (why := _not_regular(st.st_mode)) is not None:
        raise Unreadable(why)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if (why := _not_regular(st.st_mode)) is not None:
            raise Unreadable(why)
        too_big = f"expected a file of at most {limit:,} bytes ({limit / 2**20:g} MiB), found "
        if st.st_size > limit:
            raise Unreadable(too_big + f"{st.st_size:,} bytes")
        # os.read straight into bytes: a third of Path.read_bytes' time (the loader reads every shard)
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(max(st.st_size - total, 0) + 1, limit + 1 - total, 2**30))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:  # grew after the fstat
            raise Unreadable(too_big + "more")
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_text_file(path: Path) -> str:
    """The UTF-8 text of a regular file, or Unreadable with the reason."""
    return decode_utf8(read_file_bytes(path))


def read_json_checked(path: Path) -> Parsed:
    """Parse a JSON file: Unreadable for what cannot be read, flaws with pointers for what has no single meaning."""
    return parse_json(read_text_file(path))


def read_json(path: Path) -> Any:
    """Parse a JSON file, turning every way it can fail into one readable line.

    Flaws (duplicate keys, lone surrogates) are not raised here: callers that read data the
    validator has passed use this; the validator itself uses `read_json_checked`.
    """
    return read_json_checked(path).doc
