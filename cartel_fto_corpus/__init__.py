"""cartel_fto_corpus: an annotated news corpus on the US designation of Latin American cartels
as Foreign Terrorist Organizations.

The version below is the single version number of the package, the corpus, the dataset card,
the Croissant metadata and the loader's cache fingerprint.
"""

__version__ = "0.2.0"

__all__ = ["__version__", "evaluate", "load_dataset"]


def __getattr__(name: str):
    """`load_dataset` is imported on first use, so `import cartel_fto_corpus` stays cheap."""
    if name == "load_dataset":
        from cartel_fto_corpus.publish.loader import load_dataset

        return load_dataset
    if name == "evaluate":
        from cartel_fto_corpus.evaluation.api import evaluate

        return evaluate
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
