"""Where the corpus lives, in a source checkout and in an installed wheel.

In a checkout the data sits at the repository root (`texts/`, `annotations/`, `schema/`) where
annotators edit it; the wheel build copies the same folders into `cartel_fto_corpus/_data/`.
Everything else asks this module, so no other code knows which of the two layouts it runs in.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
TEXTS = "texts"
ANNOTATIONS = "annotations"
SCHEMA = "schema"
DATA = "data"
MANIFEST_FILE = "manifest.json"
REGISTRY_FILE = "registry.json"
#: annotations/protocol.json: the pre-registered protocol (frozen guidelines, legacy deliveries); not an annotation file
PROTOCOL_FILE = "protocol.json"
#: SEAL.json of a delivery in annotations/independent/<set_id>/; not an annotation file
SEAL_FILE = "SEAL.json"
CHECKSUMS_FILE = "SHA256SUMS"


def data_root() -> Path:
    """The folder holding texts/, annotations/ and schema/ for this installation."""
    packaged = PACKAGE_DIR / "_data"
    if (packaged / SCHEMA).is_dir():
        return packaged
    return PACKAGE_DIR.parent


_PROJECT_LINE = re.compile(r"""^\s*name\s*=\s*["']cartel[-_.]fto[-_.]corpus["']\s*$""", re.MULTILINE | re.IGNORECASE)


def is_checkout(folder: Path) -> bool:
    """A source checkout of this project: texts/, annotations/, schema/ and a pyproject naming it.

    The pyproject test keeps an unrelated folder that happens to have a texts/ from being taken
    for the corpus (a regex, not tomllib: Python 3.10 has no tomllib and one line is enough).
    """
    if not all((folder / d).is_dir() for d in (TEXTS, ANNOTATIONS, SCHEMA)):
        return False
    try:
        return bool(_PROJECT_LINE.search((folder / "pyproject.toml").read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError):
        return False


def find_checkout(start: Path | str | None = None) -> Path | None:
    """The nearest checkout from `start` (default: the working directory) upward, else None.

    This is how commands pick the corpus a user is looking at, as git finds its repository: the
    installed copy (data_root()) is only the fallback outside any checkout.
    """
    here = Path(start if start is not None else os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if is_checkout(folder):
            return folder
    return None


#: Set by the command line to the corpus it works on, so the schema comes from the same place.
_schema_root: Path | None = None


def use_schema_of(root: Path) -> None:
    """Read the schema from `root`/schema when it has one (a checkout may be ahead of the wheel)."""
    global _schema_root
    _schema_root = Path(root) if (Path(root) / SCHEMA).is_dir() else None


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
        """Per-document annotation files, sorted; the registry and the protocol are not among them."""
        if not self.annotations.is_dir():
            return []
        return sorted(p for p in self.annotations.glob("*.json") if p.name not in (REGISTRY_FILE, PROTOCOL_FILE))

    def text_files(self) -> list[Path]:
        return sorted(self.texts.glob("*.txt"))


def schema_dir() -> Path:
    if _schema_root is not None and (_schema_root / SCHEMA).is_dir():
        return _schema_root / SCHEMA
    return data_root() / SCHEMA


def display(path: Path | str) -> str:
    """Path as shown in messages: relative to the working directory where possible."""
    full, cwd = os.path.abspath(path), os.getcwd()
    return full[len(cwd) + 1 :] if full.startswith(cwd + os.sep) else full


def install_command(extra: str | None = None) -> str:
    """The one `pip install` line that adds an extra (or the package) to this installation.

    Every hint for a missing optional dependency comes from here. The package is not on any index,
    so `pip install cartel-fto-corpus[...]` would fail: from a checkout (an editable install) the
    line names the checkout; from a wheel, the wheel file.
    """
    from cartel_fto_corpus import __version__

    spec = f"[{extra}]" if extra else ""
    checkout = PACKAGE_DIR.parent
    if is_checkout(checkout):
        return f"pip install -e '{checkout}{spec}'"
    return f"pip install 'cartel_fto_corpus-{__version__}-py3-none-any.whl{spec}' (the wheel this was installed from)"
