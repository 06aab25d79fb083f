"""cartel_fto_corpus: an annotated news corpus on the US designation of Latin American cartels
as Foreign Terrorist Organizations.

The version below is the single version number of the package, the corpus, the dataset card,
the Croissant metadata and the loader's cache fingerprint.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
