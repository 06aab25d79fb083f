"""cartel_fto_corpus: an annotated news corpus on the US designation of Latin American cartels
as Foreign Terrorist Organizations.

The version below is the single version number of the package, the corpus, the dataset card,
the Croissant metadata and the loader's cache fingerprint.

The public names are listed in `__all__` and imported on first use (`__getattr__`), so
`import cartel_fto_corpus` stays cheap (no `datasets`, no pyarrow) while `dir()`, completion and
`from cartel_fto_corpus import CorruptData` still see them. A new public name is one line of
`_PUBLIC`: name -> the module that defines it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.3.0"

#: Public name -> module defining it (imported when the name is first used).
_PUBLIC = {
    "load_dataset": "cartel_fto_corpus.publish.loader",
    "available_configs": "cartel_fto_corpus.publish.loader",
    "CorruptData": "cartel_fto_corpus.publish.loader",
    "evaluate": "cartel_fto_corpus.evaluation.api",
}

#: Literal, so linters and type checkers read it; a test checks it equals `_PUBLIC` plus the version.
__all__ = ["CorruptData", "__version__", "available_configs", "evaluate", "load_dataset"]

if TYPE_CHECKING:  # for type checkers and IDEs; at run time these come from __getattr__
    from cartel_fto_corpus.evaluation.api import evaluate
    from cartel_fto_corpus.publish.loader import CorruptData, available_configs, load_dataset


def __getattr__(name: str) -> Any:
    """Import a public name on first use; it is cached in the module's globals afterwards."""
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
