"""Where the corpus lives, in a source checkout and in an installed wheel.

In a checkout the data sits at the repository root (`texts/`, `annotations/`, `schema/`) where
annotators edit it; the wheel build copies the same folders into `cartel_fto_corpus/_data/`.
Everything else asks this module, so no other code knows which of the two layouts it runs in.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
TEXTS = "texts"
ANNOTATIONS = "annotations"
SCHEMA = "schema"
DATA = "data"
MANIFEST_FILE = "manifest.json"
REGISTRY_FILE = "registry.json"
CHECKSUMS_FILE = "SHA256SUMS"


def data_root() -> Path:
    """The folder holding texts/, annotations/ and schema/ for this installation."""
    packaged = PACKAGE_DIR / "_data"
    if (packaged / SCHEMA).is_dir():
        return packaged
    return PACKAGE_DIR.parent


class CorpusPaths:
    """The files of one corpus root (the shipped corpus, or a test fixture corpus)."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else data_root()

    @property
    def texts(self) -> Path:
        return self.root / TEXTS

    @property
    def annotations(self) -> Path:
        return self.root / ANNOTATIONS

    @property
    def manifest(self) -> Path:
        return self.texts / MANIFEST_FILE

    @property
    def checksums(self) -> Path:
        return self.texts / CHECKSUMS_FILE

    @property
    def registry(self) -> Path:
        return self.annotations / REGISTRY_FILE

    def text_file(self, doc_id: str) -> Path:
        return self.texts / f"{doc_id}.txt"

    def annotation_file(self, doc_id: str) -> Path:
        return self.annotations / f"{doc_id}.json"

    def annotation_files(self) -> list[Path]:
        """Per-document annotation files, sorted; the registry is not one of them."""
        if not self.annotations.is_dir():
            return []
        return sorted(p for p in self.annotations.glob("*.json") if p.name != REGISTRY_FILE)

    def text_files(self) -> list[Path]:
        return sorted(self.texts.glob("*.txt"))


def schema_dir() -> Path:
    return data_root() / SCHEMA


def display(path: Path | str) -> str:
    """Path as shown in messages: relative to the working directory where possible."""
    full, cwd = os.path.abspath(path), os.getcwd()
    return full[len(cwd) + 1 :] if full.startswith(cwd + os.sep) else full
