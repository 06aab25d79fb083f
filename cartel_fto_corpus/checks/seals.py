"""Sealed blind deliveries and the pre-registered protocol: what `validate` checks of them.

A blind annotator's delivery lies in `annotations/independent/<set_id>/` with a `SEAL.json`
(`schema/seal.schema.json`) naming every delivered file with its sha256, the guidelines version
and the sha256 of the GUIDELINES.md bytes the annotator was given, and when it worked.
`annotations/protocol.json` (`schema/protocol.schema.json`) pre-registers each guidelines version
by the sha256 of its GUIDELINES.md and the time it was frozen. The point is that nothing can
change after the fact without a new version or a new set id, and that `validate` says so:

* a sealed file's bytes differ from its sha256, or a file was added to or removed from the folder;
* a delivery's guidelines are not the frozen bytes of their version (or the version is not frozen);
* the current GUIDELINES.md carries a frozen version number but other bytes (an edit needs a bump);
* the seal's times are out of order (frozen <= started <= ended <= sealed);
* a delivered annotation file states another schema or guidelines version than the seal;
* a folder in `annotations/independent/` has no SEAL.json and is not listed as a legacy delivery
  (with its reason) in protocol.json.

Each is one `Problem` (file, JSON pointer, expected vs found). Pure reading; nothing is written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from cartel_fto_corpus.checks.problems import Problem, pointer
from cartel_fto_corpus.checks.schema_check import sound_document
from cartel_fto_corpus.truth.paths import PROTOCOL_FILE, SEAL_FILE, CorpusPaths, display
from cartel_fto_corpus.truth.texts import sha256_hex

GUIDELINES_FILE = "GUIDELINES.md"
INDEPENDENT = "independent"

#: GUIDELINES.md states its version near the top as `**Version 1.1**`.
_VERSION = re.compile(r"\bVersion\s+([0-9]+\.[0-9]+)\b")


def protocol_path(paths: CorpusPaths) -> Path:
    return paths.annotations / PROTOCOL_FILE


def guidelines_path(paths: CorpusPaths) -> Path:
    return paths.annotations / GUIDELINES_FILE


def independent_dir(paths: CorpusPaths) -> Path:
    return paths.annotations / INDEPENDENT


def guidelines_version(data: bytes) -> str | None:
    """The version GUIDELINES.md states in its first 40 lines (`**Version X.Y**`), or None."""
    head = "\n".join(data.decode("utf-8", errors="replace").splitlines()[:40])
    m = _VERSION.search(head)
    return m.group(1) if m else None


def parse_time(value: str) -> datetime | None:
    """An RFC 3339 date-time with a time zone, or None."""
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return t if t.tzinfo is not None else None


def delivered_files(folder: Path) -> list[str]:
    """The files a seal must list: every regular file of the folder but SEAL.json, by relative path."""
    rels = (p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    return sorted(r for r in rels if r != SEAL_FILE)


def _load(kind: str, path: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    return sound_document(kind, path, display(path))


def load_protocol(paths: CorpusPaths) -> tuple[dict[str, Any] | None, list[Problem]]:
    """(protocol.json if present and schema-valid, its problems); (None, []) when there is none."""
    path = protocol_path(paths)
    if not path.exists():
        return None, []
    return _load("protocol", path)


def frozen_versions(protocol: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    return {e["version"]: e for e in (protocol or {}).get("guidelines", [])}


def legacy_sets(protocol: Mapping[str, Any] | None) -> dict[str, str]:
    """set id -> reason of the deliveries allowed unsealed."""
    return {e["set_id"]: e["reason"] for e in (protocol or {}).get("legacy_deliveries", [])}


def protocol_problems(paths: CorpusPaths, protocol: Mapping[str, Any]) -> Iterator[Problem]:
    """One entry per version and per legacy set, valid times, and today's GUIDELINES.md not silently edited."""
    file = display(protocol_path(paths))
    seen: dict[str, int] = {}
    for i, e in enumerate(protocol["guidelines"]):
        if e["version"] in seen:
            yield Problem(
                file,
                pointer("guidelines", i, "version"),
                f"expected one entry per version, found {e['version']} again (first at /guidelines/{seen[e['version']]})",
                "duplicate-version",
            )
        seen.setdefault(e["version"], i)
        if parse_time(e["frozen"]) is None:
            yield Problem(
                file,
                pointer("guidelines", i, "frozen"),
                f"expected an RFC 3339 date-time with time zone, found {e['frozen']!r}",
                "bad-time",
            )
    folders = {p.name for p in independent_dir(paths).iterdir() if p.is_dir()} if independent_dir(paths).is_dir() else set()
    for i, e in enumerate(protocol["legacy_deliveries"]):
        if e["set_id"] not in folders:
            yield Problem(
                file,
                pointer("legacy_deliveries", i, "set_id"),
                f"expected a folder annotations/{INDEPENDENT}/{e['set_id']}/, found none",
                "unknown-legacy-delivery",
            )
    gpath = guidelines_path(paths)
    if gpath.is_file():
        data = gpath.read_bytes()
        version = guidelines_version(data)
        entry = frozen_versions(protocol).get(version or "")
        if entry is not None and entry["sha256"] != sha256_hex(data):
            yield Problem(
                display(gpath),
                "",
                f"expected the frozen bytes of version {version} (sha256 {entry['sha256']}, annotations/{PROTOCOL_FILE}), found sha256 {sha256_hex(data)}: "
                "an edit of frozen guidelines needs a new version number",
                "frozen-guidelines-edited",
            )


def _times_problems(file: str, seal: Mapping[str, Any], frozen: Mapping[str, Any] | None) -> Iterator[Problem]:
    times = {k: parse_time(seal[k]) for k in ("started", "ended", "sealed")}
    for k, t in times.items():
        if t is None:
            yield Problem(file, f"/{k}", f"expected an RFC 3339 date-time with time zone, found {seal[k]!r}", "bad-time")
    order = [("started", "ended"), ("ended", "sealed")]
    for a, b in order:
        ta, tb = times[a], times[b]
        if ta is not None and tb is not None and tb < ta:
            yield Problem(file, f"/{b}", f"expected {b} >= {a} ({seal[a]}), found {seal[b]}", "seal-times-out-of-order")
    ft = parse_time(frozen["frozen"]) if frozen is not None else None
    if ft is not None and times["started"] is not None and times["started"] < ft:
        yield Problem(
            file,
            "/started",
            f"expected a start after guidelines {frozen['version']} were frozen ({frozen['frozen']}), found {seal['started']}",  # type: ignore[index]
            "started-before-freeze",
        )


def seal_problems(folder: Path, seal: Mapping[str, Any], protocol: Mapping[str, Any] | None) -> Iterator[Problem]:
    """Problems of one schema-valid seal against its folder and the protocol."""
    file = display(folder / SEAL_FILE)
    if seal["set_id"] != folder.name:
        yield Problem(file, "/set_id", f"expected the folder name {folder.name!r}, found {seal['set_id']!r}", "set-id-mismatch")
    listed: Mapping[str, str] = seal["files"]
    present = set(delivered_files(folder))
    for rel in sorted(listed):
        ptr = pointer("files", rel)
        path = folder / rel
        if rel not in present:
            yield Problem(file, ptr, f"expected the sealed file {rel} in the delivery, found none", "sealed-file-missing")
            continue
        digest = sha256_hex(path.read_bytes())
        if digest != listed[rel]:
            yield Problem(
                file, ptr, f"expected sha256 {listed[rel]} (sealed), found {digest}: a sealed file was changed", "sealed-file-changed"
            )
    for rel in sorted(present - set(listed)):
        yield Problem(
            file,
            "/files",
            f"expected only the sealed files, found {rel} added after sealing (a revision is a new set id)",
            "file-added-after-seal",
        )
    g = seal["guidelines"]
    frozen = frozen_versions(protocol).get(g["version"])
    if frozen is None:
        where = "annotations/protocol.json" if protocol is not None else "annotations/protocol.json (missing)"
        yield Problem(
            file,
            "/guidelines/version",
            f"expected a guidelines version frozen in {where}, found {g['version']} not frozen; run `cartel-fto freeze-guidelines` before annotating",
            "guidelines-not-frozen",
        )
    elif frozen["sha256"] != g["sha256"]:
        yield Problem(
            file,
            "/guidelines/sha256",
            f"expected the frozen sha256 of guidelines {g['version']} {frozen['sha256']}, found {g['sha256']}",
            "guidelines-not-frozen-bytes",
        )
    yield from _times_problems(file, seal, frozen)
    yield from _version_problems(folder, seal, present & set(listed))


def _version_problems(folder: Path, seal: Mapping[str, Any], files: set[str]) -> Iterator[Problem]:
    """The delivered annotation files say the schema and guidelines versions the seal names."""
    for rel in sorted(files):
        if not rel.endswith(".json") or rel == "registry.json":
            continue
        try:
            doc = json.loads((folder / rel).read_bytes().decode("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            continue  # the file's own validation says why
        if not isinstance(doc, dict):
            continue
        name = display(folder / rel)
        if doc.get("schema_version") != seal["schema_version"]:
            yield Problem(
                name,
                "/schema_version",
                f"expected {seal['schema_version']} (the seal's), found {doc.get('schema_version')!r}",
                "seal-version-mismatch",
            )
        for i, aset in enumerate(doc.get("annotations") or []):
            got = aset.get("guideline_version") if isinstance(aset, dict) else None
            if got != seal["guidelines"]["version"]:
                yield Problem(
                    name,
                    pointer("annotations", i, "guideline_version"),
                    f"expected {seal['guidelines']['version']} (the guidelines the seal names), found {got!r}",
                    "seal-version-mismatch",
                )


def delivery_problems(paths: CorpusPaths) -> list[Problem]:
    """Every problem of the protocol and the deliveries of a corpus (empty when it has neither)."""
    protocol, out = load_protocol(paths)
    if protocol is not None:
        out += list(protocol_problems(paths, protocol))
    folder = independent_dir(paths)
    if not folder.is_dir():
        return out
    legacy = legacy_sets(protocol)
    for d in sorted(p for p in folder.iterdir() if p.is_dir()):
        seal_path = d / SEAL_FILE
        if not seal_path.exists():
            if d.name not in legacy:
                out.append(
                    Problem(
                        display(d),
                        "",
                        f"expected {SEAL_FILE} (a delivery is sealed with `cartel-fto seal`) or a legacy entry with its reason in "
                        f"annotations/{PROTOCOL_FILE}, found neither",
                        "unsealed-delivery",
                    )
                )
            continue
        seal, found = _load("seal", seal_path)
        out += found
        if seal is not None:
            out += list(seal_problems(d, seal, protocol))
            if d.name in legacy:
                out.append(
                    Problem(
                        display(protocol_path(paths)),
                        "/legacy_deliveries",
                        f"expected legacy entries only for unsealed deliveries, found {d.name!r} which has a {SEAL_FILE}",
                        "sealed-legacy-delivery",
                    )
                )
    return out
