"""A new article into the corpus: `cartel-fto scaffold FILE --annotator NAME`.

Adding an article used to mean writing its annotation file by hand before `validate` accepted the
text (issue 26). Given a text named `<doc_id>.txt` (in texts/ already, or anywhere: it is copied),
this plans every file the corpus needs for it, all in one journalled write:

* `texts/<doc_id>.txt` when the text is not in texts/ yet (its bytes as given: they are ground truth);
* `texts/manifest.json`, recomputed from every text (as `cartel-fto manifest` would);
* `texts/SHA256SUMS` with the new text's line (the other lines kept);
* `annotations/<doc_id>.json`: `schema_version`, `doc_id`, `text_sha256` and one empty draft set of
  the named annotator under the current guidelines' version. The schema requires at least one set
  (`annotations` has `minItems: 1`), and the only set that is true of a text nobody has annotated
  yet is an empty draft of the person who will annotate it; a gold set is made by adjudication only.

Any problem (a file name that is no document id, a text already in the corpus, bytes that are not
UTF-8, an empty text, an annotator name the schema refuses) is one line and nothing is written.
The caller holds the corpus lock (`cli.options.writing`) from the first read to the write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from cartel_fto_corpus.checks.seals import guidelines_path, guidelines_version
from cartel_fto_corpus.inspection.sealing import now_rfc3339
from cartel_fto_corpus.truth.atomic import write_all_atomic
from cartel_fto_corpus.truth.jsonio import Unreadable, read_file_bytes
from cartel_fto_corpus.truth.layers import layer_names
from cartel_fto_corpus.truth.paths import CorpusPaths, display
from cartel_fto_corpus.truth.schema import fast_validator, load_schemas, schema_version
from cartel_fto_corpus.truth.texts import Text, compute_manifest, dumps, parse_sha256sums, read_texts, sha256_hex


@dataclass
class ScaffoldResult:
    doc_id: str = ""
    #: the files written (or that would be, with write=False), in the order they are listed
    files: list[Path] = field(default_factory=list)
    #: one line each; non-empty means nothing was written
    problems: list[str] = field(default_factory=list)


def _pattern(name: str) -> str:
    """A pattern from the schema (a common definition, else a property of an annotation set), so
    what the command accepts is what `validate` accepts."""
    schemas = load_schemas()
    return (schemas["common"]["$defs"].get(name) or schemas["annotation"]["$defs"]["annotation_set"]["properties"][name])["pattern"]


def empty_annotation_file(doc_id: str, data: bytes, annotator: str, guideline_version: str, when: str) -> dict:
    """The annotation file of a text nobody has annotated: one empty draft set of `annotator`."""
    return {
        "schema_version": schema_version(),
        "doc_id": doc_id,
        "text_sha256": sha256_hex(data),
        "annotations": [
            {
                "annotator": annotator,
                "guideline_version": guideline_version,
                "created": when,
                "updated": when,
                "status": "draft",
                **{name: [] for name in layer_names()},
            }
        ],
    }


def _checksums(paths: CorpusPaths) -> tuple[dict[str, str], str | None]:
    """texts/SHA256SUMS as {file name: digest} (none yet: empty), or why it cannot be extended (one line):
    a line that is not a checksum would be lost by rewriting the file, so it is refused instead."""
    if not paths.checksums.exists():
        return {}, None
    try:
        sums, bad = parse_sha256sums(read_file_bytes(paths.checksums).decode("utf-8"))
    except (Unreadable, UnicodeDecodeError) as exc:
        return {}, f"{display(paths.checksums)}: cannot read: {exc}"
    if bad:
        return (
            {},
            f"{display(paths.checksums)}: line {bad[0][0]}: expected '<64 hex digits>  <file name>'; fix it first (`cartel-fto validate`)",
        )
    return sums, None


def _refusals(paths: CorpusPaths, source: Path, doc_id: str, annotator: str) -> list[str]:
    """What forbids adding `source` (one line each), before its bytes are read."""
    shown = display(source)
    if not re.fullmatch(_pattern("doc_id"), doc_id) or source.suffix != ".txt":
        return [f"{shown}: expected a file named <doc id>.txt with a doc id matching {_pattern('doc_id')}, found {source.name!r}"]
    if not re.fullmatch(_pattern("annotator"), annotator):
        return [f"--annotator: expected a name matching {_pattern('annotator')}, found {annotator!r}"]
    out = []
    target = paths.text_file(doc_id)
    if paths.annotation_file(doc_id).exists():
        out.append(f"{display(paths.annotation_file(doc_id))}: already there: {doc_id} is in the corpus")
    if target.exists() and source.resolve() != target.resolve():
        out.append(f"{display(target)}: already there: {doc_id} is in the corpus (edit nothing in texts/; pick a new doc id)")
    sums, bad = _checksums(paths)
    if bad:
        return [bad]
    if f"{doc_id}.txt" in sums:
        out.append(f"{display(paths.checksums)}: already lists {doc_id}.txt: {doc_id} is in the corpus")
    prefix = doc_id.split("_", 1)[0]
    taken = [p.stem for p in paths.text_files() if p.stem.split("_", 1)[0] == prefix and p.stem != doc_id]
    if taken:
        out.append(f"{shown}: expected a new number, found {prefix} already used by {taken[0]}")
    return out[:1]  # one cause, one line: the annotation file, the text and the checksum line all say "in the corpus"


def _stated_version(paths: CorpusPaths) -> str | None:
    try:
        return guidelines_version(read_file_bytes(guidelines_path(paths)))
    except Unreadable:
        return None


def scaffold(
    paths: CorpusPaths,
    source: Path,
    annotator: str,
    *,
    guideline_version: str | None = None,
    when: str | None = None,
    write: bool = True,
) -> ScaffoldResult:
    """Plan (and with `write`, write all or none) the files that add the text `source` to the corpus.

    `guideline_version`: of the empty draft set; default the version annotations/GUIDELINES.md states.
    """
    source = Path(source)
    result = ScaffoldResult(doc_id=source.stem)
    result.problems = _refusals(paths, source, result.doc_id, annotator)
    if result.problems:
        return result
    try:
        data = read_file_bytes(source)
    except Unreadable as exc:
        result.problems.append(f"{display(source)}: {exc}")
        return result
    new = Text(result.doc_id, f"{result.doc_id}.txt", data)
    if (msg := new.decode_error()) is not None:
        result.problems.append(f"{display(source)}: {msg}")
    elif not new.text.strip():
        result.problems.append(f"{display(source)}: expected the article's text, found an empty file")
    others = [t for t in read_texts(paths) if t.doc_id != new.doc_id]
    for t in others:
        if (msg := t.decode_error()) is not None:
            result.problems.append(f"{display(paths.texts / t.source_file)}: {msg}: the manifest cannot be recomputed")
    version = guideline_version or _stated_version(paths)
    if version is None:
        result.problems.append(
            f"{display(guidelines_path(paths))}: expected 'Version X.Y' in its first lines, found none (or give --guideline-version)"
        )
    elif not re.fullmatch(_pattern("guideline_version"), version):
        result.problems.append(f"--guideline-version: expected {_pattern('guideline_version')}, found {version!r}")
    if result.problems:
        return result
    annotation = empty_annotation_file(new.doc_id, data, annotator, str(version), when or now_rfc3339())
    errors = [e.message for e in fast_validator("annotation").iter_errors(annotation)]
    if errors:  # the schema moved on without this module: say so rather than write a file validate refuses
        result.problems.append(f"{display(paths.annotation_file(new.doc_id))}: the empty annotation file is not valid: {errors[0]}")
        return result
    sums = _checksums(paths)[0]
    sums[new.source_file] = sha256_hex(data)
    files: dict[Path, bytes | str] = {}
    if not paths.text_file(new.doc_id).exists():
        files[paths.text_file(new.doc_id)] = data
    files[paths.manifest] = dumps(compute_manifest([*others, new]))
    files[paths.checksums] = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))
    files[paths.annotation_file(new.doc_id)] = dumps(annotation)
    if write:
        write_all_atomic(files, root=paths.root)
    result.files = list(files)
    return result
