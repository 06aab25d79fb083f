"""`cartel-fto ls ...`: push, pull, serve, stop and config.

Every failure ends in one line per reason on stderr and a non-zero exit (1: refused or invalid,
2: connection or server problem), never a traceback; the API key never appears in output.

Long because it is one click group of seven thin subcommands (serve, stop, config, push, pull,
check-submissions, and the review variants) sharing the connection options and error handling;
the logic they call lives in `labelstudio/` (`labelstudio.serving` runs serve and stop).
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from cartel_fto_corpus.cli.options import corpus_root, root_option
from cartel_fto_corpus.labelstudio.repo import DEFAULT_TITLE, SyncError

EXIT_REFUSED, EXIT_CONNECTION = 1, 2


def _fail(lines: list[str], code: int) -> None:
    for line in lines:
        click.echo(f"error: {line}", err=True)
    sys.exit(code)


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the sync's exceptions into one-line messages and exit codes."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from cartel_fto_corpus.labelstudio.client import LabelStudioError
        from cartel_fto_corpus.labelstudio.server import ServerError

        try:
            return fn(*args, **kwargs)
        except SyncError as exc:
            _fail(exc.lines, EXIT_REFUSED)
        except (LabelStudioError, ServerError) as exc:
            _fail([str(exc)], EXIT_CONNECTION)
        except KeyboardInterrupt:
            _fail(["interrupted; nothing half-written (files are replaced atomically)"], 130)

    return wrapper


#: The longest API key file read (Label Studio's tokens are 40 characters).
MAX_KEY_BYTES = 4096


def _read_api_key(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """The key in the file `value` (`-`: standard input), read once, surrounding white space removed.

    There is no `--api-key KEY` option: a value on the command line is in every process listing
    (`ps`, /proc/<pid>/cmdline) while the command runs (issue 27). A file, a file descriptor
    (`--api-key-file /dev/fd/3`, `<(pass show ls)`) or standard input never is.
    """
    if value is None:
        return None
    try:
        if value == "-":
            raw = sys.stdin.buffer.read(MAX_KEY_BYTES + 1)
        else:
            with open(value, "rb") as fh:  # a pipe or /dev/fd/N is fine here: read at most MAX_KEY_BYTES
                raw = fh.read(MAX_KEY_BYTES + 1)
    except OSError as exc:
        raise click.BadParameter(f"cannot read {value}: {exc.strerror}") from None
    if len(raw) > MAX_KEY_BYTES:
        raise click.BadParameter(f"expected an API key of at most {MAX_KEY_BYTES} bytes in {value}, found more")
    key = raw.decode("utf-8", "replace").strip()
    if not key or any(ch.isspace() for ch in key):
        raise click.BadParameter(f"expected one API key in {value}, found {'nothing' if not key else 'several words'}")
    return key


def api_key_option(help_text: str) -> Callable[..., Any]:
    """`--api-key-file FILE` (the function gets `api_key`, the key itself): never the key in argv."""
    return click.option(
        "--api-key-file",
        "api_key",
        metavar="FILE",
        default=None,
        callback=_read_api_key,
        expose_value=True,
        help=f"File holding the {help_text[0].lower()}{help_text[1:]} `-` reads it from standard input; the key is never a command-line argument.",
    )


def connection_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    for opt in reversed(
        [
            root_option,
            click.option("--url", default=None, help="Label Studio URL (default: $LABEL_STUDIO_URL, else the server `ls serve` runs)."),
            api_key_option(
                "API key (default: $LABEL_STUDIO_API_KEY, else read from the data dir of the `ls serve` server). Never printed or stored."
            ),
            click.option("--project", default=None, help="Project id or title (default: the title below)."),
            click.option(
                "--annotator",
                default=None,
                help="Talk to this annotator's own server (`ls serve --annotator NAME`); pull credits only that account's work to NAME.",
            ),
            click.option("--title", default=DEFAULT_TITLE, show_default=True, help="Title of the project to find or create."),
            click.option(
                "--timeout",
                type=float,
                default=120.0,
                show_default=True,
                help="Total seconds each request may take (a deadline, not per read).",
            ),
            click.option(
                "--retries",
                type=click.IntRange(0, 10),
                default=3,
                show_default=True,
                help="Retries of transient errors, with exponential backoff capped at 10 s per wait.",
            ),
        ]
    ):
        fn = opt(fn)
    return fn


def make_client(
    url: str | None, api_key: str | None, timeout: float, retries: int, root: Path | None = None, annotator: str | None = None
) -> Any:
    """A client for the flags, else the environment, else the local server `ls serve` recorded for this corpus
    (the annotator's own one with `--annotator`)."""
    from cartel_fto_corpus.labelstudio.client import Client, Settings
    from cartel_fto_corpus.labelstudio.server import local_server
    from cartel_fto_corpus.truth.paths import CorpusPaths

    local = None
    if not url and not os.environ.get("LABEL_STUDIO_URL"):
        with contextlib.suppress(Exception):
            local = local_server(CorpusPaths(root).root, annotator)
    return Client(Settings.resolve(url, api_key, local=local, timeout=timeout, retries=retries))


@click.group("ls")
def ls_group() -> None:
    """Two-way sync with Label Studio: push the corpus, pull annotators' work, run a local server."""


@ls_group.command("config")
@root_option
@handle_errors
def config_command(root: Path | None) -> None:
    """Print the labelling config generated from the schema and the registry's targets."""
    from cartel_fto_corpus.labelstudio.config import label_config
    from cartel_fto_corpus.labelstudio.repo import load_repo
    from cartel_fto_corpus.truth.paths import CorpusPaths

    registry = load_repo(CorpusPaths(corpus_root(root))).registry
    click.echo(label_config(registry["targets"], registry["entities"], registry.get("clusters")), nl=False)


@ls_group.command("push")
@connection_options
@click.option(
    "--as",
    "as_",
    type=click.Choice(["annotations", "predictions"]),
    default="predictions",
    show_default=True,
    help="Pre-annotate (predictions, the default: annotators start from them) or import the sets as annotations "
    "of their annotators (explicit: for restoring human work).",
)
@click.option("--dry-run", is_flag=True, help="Print what would change; change nothing.")
@click.option(
    "--prefer",
    type=click.Choice(["repo", "labelstudio"]),
    default=None,
    help="Annotations changed on both sides since the last sync: `repo` overwrites Label Studio's, `labelstudio` keeps them "
    "(pull later); default: refuse and list them.",
)
@click.option(
    "--review",
    is_flag=True,
    help="Queue the gold items `cartel-fto review` ranks most likely wrong in the project '<title> review' "
    "(gold as a prediction, each suspect region with its reason); pull them with `ls pull --review`.",
)
@click.option("--top", type=click.IntRange(min=1), default=5, show_default=True, help="With --review: items per layer queued.")
@handle_errors
def push_command(root, url, api_key, project, annotator, title, timeout, retries, as_, dry_run, prefer, review, top) -> None:
    """Create or update one task per document, with the repository's annotations."""
    from cartel_fto_corpus.labelstudio.push import push
    from cartel_fto_corpus.truth.paths import CorpusPaths

    paths = CorpusPaths(corpus_root(root, writes=not dry_run))  # the sync state lives beside the corpus
    client = make_client(url, api_key, timeout, retries, paths.root, annotator)
    if review:
        from cartel_fto_corpus.inspection.review import review as rank
        from cartel_fto_corpus.labelstudio.push import push_review

        rv = rank(paths.root).as_dict()
        rr = push_review(paths, client, rv["layers"], top=top, model=rv["model"], project=project, title=title, dry_run=dry_run)
        click.echo(f"review project {rr.project_id}: {rr.created_tasks} tasks created, {rr.unchanged} already queued", err=True)
        return
    r = push(paths, client, project=project, title=title, as_=as_, dry_run=dry_run, prefer=prefer, echo=lambda s: click.echo(s))
    if dry_run and r.project_id is None:
        click.echo(f"would create project {project or title!r} on {client.settings.safe_url}", err=True)
    if not dry_run:
        click.echo(
            f"project {r.project_id}: {r.created_tasks} tasks created, {r.updated} updated, {r.created_annotations} added, "
            f"{r.meta_updates} task metas updated, {r.unchanged} unchanged",
            err=True,
        )


@ls_group.command("pull")
@connection_options
@click.option("--partial", is_flag=True, help="Write the documents that converted cleanly even if others failed (exit 1 still).")
@click.option(
    "--prefer",
    type=click.Choice(["repo", "labelstudio"]),
    default=None,
    help="Settle conflicts (both sides changed) in favour of one side.",
)
@click.option("--dry-run", is_flag=True, help="Print which files would change; write nothing.")
@click.option(
    "--guideline-version", default=None, help="guideline_version for annotators new in Label Studio (default: the newest in the file)."
)
@click.option("--review", is_flag=True, help="Pull the review project ('<title> review'): each reviewer's work is the set review-<user>.")
@handle_errors
def pull_command(
    root, url, api_key, project, annotator, title, timeout, retries, partial, prefer, dry_run, guideline_version, review
) -> None:
    """Write Label Studio's annotations back to annotations/<doc_id>.json, validated and atomically."""
    from cartel_fto_corpus.labelstudio.pull import pull
    from cartel_fto_corpus.truth.paths import CorpusPaths

    paths = CorpusPaths(corpus_root(root, writes=not dry_run))
    client = make_client(url, api_key, timeout, retries, paths.root, annotator)
    r = pull(
        paths,
        client,
        annotator=annotator,
        project=project,
        title=title,
        partial=partial,
        prefer=prefer,
        dry_run=dry_run,
        guideline_version=guideline_version,
        echo=lambda s: click.echo(s),
        review=review,
    )
    for w in r.warnings:
        click.echo(f"warning: {w}", err=True)
    for p in r.written:
        click.echo(f"{'would write' if dry_run else 'wrote'} {p}", err=True)
    click.echo(f"{len(r.written)} files {'to write' if dry_run else 'written'}, {r.unchanged} unchanged, {len(r.failed)} failed", err=True)
    if r.failed:
        _fail(r.failed, EXIT_REFUSED)


@ls_group.command("serve")
@root_option
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".labelstudio/server"),
    show_default=True,
    help="Persistent Label Studio data (database, media).",
)
@click.option(
    "--venv",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Server virtualenv (default: $CARTEL_FTO_LS_VENV or .venv-labelstudio; created on first use).",
)
@click.option("--port", type=int, default=None, help="Port (default: 8080 if free, else any free port).")
@click.option(
    "--annotator",
    default=None,
    help="Start NAME's own server (data dir .labelstudio/annotators/NAME, own port and database, one account: NAME's), "
    "so that annotators are blind to each other by construction.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Remote annotators: keep 127.0.0.1 and give them an SSH tunnel "
    "(ssh -N -L PORT:127.0.0.1:PORT you@this-machine); 0.0.0.0 exposes the server to the network.",
)
@click.option("--username", default=None, help="Login e-mail of the local admin user.")
@api_key_option("API key to use (default: $LABEL_STUDIO_API_KEY, else generated / read from the data dir).")
@click.option("--title", default=DEFAULT_TITLE, show_default=True, help="Title of the project to push the corpus into.")
@click.option("--no-push", is_flag=True, help="Start the server only.")
@click.option("--detach", is_flag=True, help="Leave the server running in the background (stop it with `cartel-fto ls stop`).")
@handle_errors
def serve_command(root, data_dir, venv, port, annotator, host, username, api_key, title, no_push, detach) -> None:
    """Start a local Label Studio on 127.0.0.1 with the corpus pushed as pre-annotations."""
    from cartel_fto_corpus.labelstudio.serving import push_and_check, shut_down, start_local
    from cartel_fto_corpus.truth.paths import CorpusPaths

    paths = CorpusPaths(corpus_root(root, writes=not no_push))
    progress = functools.partial(click.echo, err=True)
    started = start_local(
        paths, data_dir=data_dir, venv=venv, port=port, annotator=annotator, host=host, username=username, api_key=api_key, echo=progress
    )
    server, username = started.server, started.username
    try:
        if not no_push:
            r = push_and_check(paths, started, title, echo=progress)
            click.echo(f"project {r.project_id}: {r.created_tasks} tasks created, {r.updated} predictions updated", err=True)
            click.echo("submissions are checked on Submit/Update: problems show at the top of the task when it is opened again", err=True)
        click.echo(f"Label Studio is running at {server.url} (pid {server.pid})" + (f", {annotator}'s own server" if annotator else ""))
        if host == "127.0.0.1":
            click.echo(
                f"annotators on other machines: `ssh -N -L {server.port}:127.0.0.1:{server.port} you@this-machine`, "
                f"then open http://127.0.0.1:{server.port}"
            )
        if started.fresh and not os.environ.get("LABEL_STUDIO_PASSWORD"):
            click.echo(
                f"log in as {username} with password {started.password} (generated for this local server; change it under Account & Settings)"
            )
        else:
            click.echo(f"log in as {username} with the password set when {server.data_dir} was created")
        who = f" --annotator {annotator}" if annotator else ""
        click.echo(f"then `cartel-fto ls pull{who}` / `ls push{who}` from this corpus find this server (no exports needed)")
        if detach:
            server.process = None  # keep it running; `ls stop` finds it by the PID file
            return
        click.echo("press Ctrl-C to stop", err=True)
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        shut_down(paths, server, annotator)


@ls_group.command("check-submissions")
@root_option
@click.option("--url", required=True, help="The Label Studio server whose submissions are checked.")
@click.option("--project", "project_id", type=int, required=True, help="Project id whose webhook this receiver is.")
@click.option("--port", type=int, default=0, help="Port on 127.0.0.1 to listen on (default: any free one).")
@handle_errors
def check_submissions_command(root: Path | None, url: str, project_id: int, port: int) -> None:
    """Receive Label Studio's Submit/Update webhooks and write every problem of the submission into its task
    (started by `ls serve`; the API key comes from $LABEL_STUDIO_API_KEY only)."""
    from cartel_fto_corpus.labelstudio.client import Client, Settings
    from cartel_fto_corpus.labelstudio.webhook import Receiver, register
    from cartel_fto_corpus.truth.paths import CorpusPaths

    client = Client(Settings.resolve(url, None))
    receiver = Receiver(CorpusPaths(corpus_root(root)), client, port).start()
    register(client, project_id, receiver.url)
    click.echo(f"checking submissions of project {project_id} at {receiver.url}", err=True)
    try:
        receiver.worker.join()
    except KeyboardInterrupt:
        pass
    finally:
        receiver.close()


@ls_group.command("stop")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".labelstudio/server"),
    show_default=True,
    help="Data dir the server was started with (`ls serve --data-dir`); its PID file names the process.",
)
@click.option("--annotator", default=None, help="Stop NAME's own server (`ls serve --annotator NAME`).")
@handle_errors
def stop_command(data_dir: Path, annotator: str | None) -> None:
    """Stop the server started by `ls serve --detach` from this data dir (by its PID)."""
    from cartel_fto_corpus.labelstudio.serving import stop_local

    click.echo(f"stopped pid {stop_local(data_dir, annotator)}", err=True)
