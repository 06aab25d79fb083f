"""Names `vulture` cannot see being used, each with the reason it is kept.

Run: `vulture` (pyproject `[tool.vulture]` passes the package and this file at confidence 60).
Nothing here is executed; vulture counts the attribute references below as uses. A name belongs here
only if it is reached dynamically (click, `LAZY_COMMANDS`, `getattr`, a protocol the standard library
or httpx calls) or is public API exercised by the tests; dead code is deleted instead.
"""

import cartel_fto_corpus
from cartel_fto_corpus.checks import checker
from cartel_fto_corpus.cli import (
    adjudicate,
    agreement,
    baselines,
    build,
    consistency,
    diff,
    evaluate,
    export,
    hydrate,
    ls,
    main,
    migrate,
    protocol,
    review,
    scaffold,
    show,
    stats,
)
from cartel_fto_corpus.inspection import agreement as agreement_module
from cartel_fto_corpus.labelstudio import client, config, server, state, webhook, wire
from cartel_fto_corpus.publish import features, tokenize
from cartel_fto_corpus.truth import journal, layers, offsets, schema, texts

__all__ = ["USED_DYNAMICALLY"]

USED_DYNAMICALLY = (
    # PEP 562 module hooks: Python calls them for `cartel_fto_corpus.<public name>` and `dir()`.
    cartel_fto_corpus.__getattr__,
    cartel_fto_corpus.__dir__,
    # click commands: registered by their decorators and loaded by name through cli/main.LAZY_COMMANDS.
    adjudicate.adjudicate_command,
    adjudicate.import_set_command,
    agreement.agreement_command,
    baselines.baselines_command,
    build.build_command,
    consistency.consistency_command,
    diff.diff_command,
    evaluate.evaluate_command,
    export.export_command,
    hydrate.hydrate_command,
    migrate.migrate_command,
    protocol.seal_command,
    protocol.freeze_guidelines_command,
    review.review_command,
    scaffold.scaffold_command,
    show.show_command,
    stats.stats_command,
    # `cartel-fto ls` sub-commands: registered on ls_group by `@ls_group.command`.
    ls.config_command,
    ls.push_command,
    ls.pull_command,
    ls.serve_command,
    ls.check_submissions_command,
    ls.stop_command,
    # click.Group method overridden to list lazy commands in `--help`; click calls it.
    main.LazyGroup.format_commands,
    # each layer's own rules, dispatched by `getattr(self, own)` from the layer declaration (checker.OWN_RULES).
    checker.AnnotationChecker.check_entities,
    checker.AnnotationChecker.check_stances,
    checker.AnnotationChecker.check_claims,
    # http.server hooks of webhook.Receiver (its local Handler class and ThreadingHTTPServer): the standard library calls them.
    webhook.BaseHTTPRequestHandler.log_message,
    webhook.BaseHTTPRequestHandler.do_POST,
    webhook.ThreadingHTTPServer.daemon_threads,
    # httpx.HTTPTransport keeps its connection pool in `_pool`; assigning it gives the transport our deadline backend.
    wire.httpx.HTTPTransport._pool,
    # Public API of a module, exercised by the tests (reference implementations, round trips, fixtures):
    agreement_module.compute_agreement,  # the agreement of a set of documents (tests/test_agreement.py)
    client.Client.export_tasks,  # one project's tasks in parts (tests/labelstudio/test_export_parts.py)
    config.STATUS,  # the status control name that must never appear in the editor or a prediction (tests/test_labelstudio_config.py, test_labelstudio_ownership.py)
    config.NOT_IN_EDITOR,  # schema label sets with no editor control (tests/test_labelstudio_config.py)
    config.REGION_WIDGETS,  # per-region widgets the served config must show (tests/test_labelstudio_config.py)
    config.annotation_label_sets,
    config.STRUCTURAL_VALUES,  # editor-only values: the tests check the served config shows exactly these (tests/test_labelstudio_config.py)
    config.REGION_LABEL_SETS,  # Labels control -> label set, checked against the schema (tests/test_labelstudio_config.py)
    server.copy_data_dir,  # a server's data dir from a template (tests/labelstudio conftest)
    state.SyncState.baseline,  # the recorded set hash of a document and annotator (tests/test_labelstudio_state.py)
    features.SPAN_FIELDS,  # (column, start, end, text) per config, checked against every row (tests/test_build.py, test_features.py)
    tokenize.spans_from_tags,  # inverse of bio_tags for the round-trip property tests (tests/test_tokenize.py)
    offsets.cp_to_utf16,  # the tested UTF-16 reference; no package code converts today (see its module docstring)
    offsets.utf16_to_cp,
    schema.FILE_KINDS,  # the schema kinds, every one checked to load (tests/test_schema.py)
    schema.label_sets,  # every label set of the schema (tests/test_schema.py)
    layers.Layer.id_pattern,  # a layer's id pattern from its prefix, checked against the schema's (tests/test_layers.py)
    layers.Layer.item_schema,  # the item definition a declaration points into (tests/test_layers.py)
    layers.layer_of_id,  # which layer an id belongs to, by its prefix (tests/test_layers.py)
    texts.read_checksums,  # texts/SHA256SUMS as a dict (tests/test_corpus.py)
    # NOT dynamic: truth/journal.py `_apply` counts renames in `done` and never reads it (dead, was hidden by
    # the old labelstudio/json_stream.py's own `done`); truth/ is frozen this stop (mutation run): remove both then.
    journal.done,
)
