"""The `exportdigest` command: options, target selection, and errors turned into exit codes."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from . import __version__, arxiv
from . import config as config_file
from .exporter import Exporter, ExportFailed, Outcome, Run
from .registry import Target, discover
from .streams import echo_err, stdout_gone

EXIT_OK, EXIT_EXPORT_FAILED, EXIT_USAGE = 0, 1, 2
DEFAULT_INPUT = "digests"
CORE_PARAMS = {
    "target",
    "list_targets",
    "dry_run",
    "since",
    "until",
    "tag",
    "strict",
    "quiet",
    "verbose",
    "config",
    "arxiv",
    "arxiv_url",
    "arxiv_delay",
    "paths",
}
# Config tables the core reads besides [defaults]: the ids set by hand.
CORE_TABLES = {"defaults", "arxiv"}

EPILOG = """\b
Examples:
  exportdigest --target jsonl digests/
  exportdigest --target obsidian --vault ~/Notes --dry-run
  exportdigest -t ris --ris-out papers.ris -t bibtex --bibtex-out papers.bib --since 2024-11-01
  ZOTERO_API_KEY=... exportdigest -t zotero --zotero-library-id 1234567 digests/
  cat digest.txt | exportdigest --target csljson -

\b
Exit codes:
  0  done
  1  some export failed (other targets and papers were still exported)
  2  bad usage, unusable target settings, or unreadable input (with --strict: any problem)

\b
Defaults come from the config file (see --config); command-line options win over it.
Shell completion: eval "$(_EXPORTDIGEST_COMPLETE=bash_source exportdigest)"
"""


def _list_targets(targets: Mapping[str, Target]) -> None:
    width = max((len(n) for n in targets), default=0)
    for name, target in targets.items():
        text = target.exporter.summary if target.exporter else f"(broken) {target.error}"
        click.echo(f"{name:<{width}}  {text}")


def _target_options(targets: Mapping[str, Target]) -> list[click.Option]:
    """Each exporter's own options, merged by name, with the targets that take them in help."""
    merged: dict[str, click.Option] = {}
    users: dict[str, list[str]] = {}
    for name, target in targets.items():
        for option in target.exporter.options if target.exporter else ():
            if option.name in CORE_PARAMS:
                continue
            merged.setdefault(option.name, option)
            users.setdefault(option.name, []).append(name)
    for key, option in merged.items():
        note = f"[{', '.join(users[key])}]"
        if not (option.help or "").endswith(note):
            option.help = f"{option.help or ''} {note}".strip()
    return list(merged.values())


def _value(ctx: click.Context, option: click.Option, section: Mapping[str, Any], table: str) -> Any:
    """An option's value: command line or environment, then the config section, then default."""
    # The file's value is checked even where the command line wins: a broken file is named.
    configured = (
        config_file.setting(ctx, option, section[option.name], table)
        if option.name in section
        else None
    )
    source = ctx.get_parameter_source(option.name)
    if option.name in section and source not in (
        ParameterSource.COMMANDLINE,
        ParameterSource.ENVIRONMENT,
    ):
        return configured
    return ctx.params[option.name]


def _core(ctx: click.Context, name: str, defaults: Mapping[str, Any]) -> Any:
    param = next(p for p in ctx.command.params if p.name == name)
    return _value(ctx, param, defaults, "defaults")  # type: ignore[arg-type]


def _build_exporters(ctx, targets, names, conf, run) -> list[tuple[str, Exporter]]:
    chosen = []
    for name in dict.fromkeys(names):
        target = targets.get(name)
        if target is None:
            known = ", ".join(targets) or "none installed"
            raise click.UsageError(f"unknown target '{name}' (known targets: {known})")
        if target.exporter is None:
            raise click.UsageError(f"target '{name}' {target.error}")
        section = conf.get(name, {})
        keys = {o.name for o in target.exporter.options}
        for key in sorted(set(section) - keys):
            _warn(
                f"config [{name}]: unknown key '{key}' ignored"
                f" (known: {', '.join(sorted(k for k in keys if k)) or 'none'})"
            )
        settings = {o.name: _value(ctx, o, section, name) for o in target.exporter.options}
        run.secrets += tuple(
            str(settings[s]) for s in target.exporter.secret_options if settings.get(s)
        )
        chosen.append((name, target.exporter(settings, run)))
    _refuse_shared_outputs(chosen)
    return chosen


def _refuse_shared_outputs(chosen: list[tuple[str, Exporter]]) -> None:
    writers: dict[str, str] = {}
    for name, exporter in chosen:
        for output in exporter.outputs():
            if output in writers:
                where = "standard output" if output == "-" else output
                raise click.UsageError(
                    f"targets '{writers[output]}' and '{name}' would both write {where}; "
                    f"give each its own file with --{writers[output]}-out and --{name}-out"
                )
            writers[output] = name


def _run(ctx: click.Context, targets: Mapping[str, Target], **params: Any) -> int:
    from .enrich import manual_ids
    from .inputs import collect
    from .overlap import refuse_input_outputs, refuse_stdin_output
    from .reader import Digests, Selection, SpillFailed

    conf = config_file.load(params["config"])
    config_file.check_tables(conf, CORE_TABLES | set(targets), _warn)
    manual = manual_ids(conf.get("arxiv", {}))  # checked now: a bad id stops before reading
    defaults = conf.get("defaults", {})
    _warn_unknown_defaults(ctx, defaults)
    names = _core(ctx, "target", defaults)
    if not names:
        known = ", ".join(targets)
        raise click.UsageError(f"no target given: use --target NAME (known targets: {known})")
    quiet, verbose = _core(ctx, "quiet", defaults), _core(ctx, "verbose", defaults)
    run = Run(
        dry_run=_core(ctx, "dry_run", defaults),
        verbosity=-1 if quiet else (1 if verbose else 0),
        show_progress=not quiet and sys.stderr.isatty(),
    )
    ctx.meta["run"] = run
    exporters = _build_exporters(ctx, targets, names, conf, run)

    paths = list(params["paths"]) or [DEFAULT_INPUT]
    outputs = {out: name for name, exporter in exporters for out in exporter.outputs()}
    refuse_stdin_output(outputs, "-" in paths)
    try:
        files = collect(paths)
    except FileNotFoundError as exc:
        raise click.UsageError(f"no such file or directory: {exc.args[0]}") from None
    if not files:
        raise click.UsageError(f"no digest files (*.txt) found in {', '.join(paths)}")
    refuse_input_outputs(outputs, files)
    since, until = _core(ctx, "since", defaults), _core(ctx, "until", defaults)
    selection = Selection(
        since=since.date() if since else None,
        until=until.date() if until else None,
        tags=tuple(_core(ctx, "tag", defaults)),
    )
    try:
        digests = Digests(files, selection, lambda fs: run.progress(fs, len(fs), "reading"))
    except SpillFailed as exc:
        raise ExportFailed(str(exc)) from None
    for problem in digests.diagnostics:
        echo_err(str(problem))
    strict = _core(ctx, "strict", defaults)
    if strict and digests.diagnostics:
        raise InputProblem(
            f"--strict: {len(digests.diagnostics)} problem(s) in the input; nothing exported"
        )
    count = len(digests)
    code = EXIT_USAGE if digests.unreadable else EXIT_OK
    report = [f"{digests.total} papers read from {len(digests.files)} file(s)"]
    if count != digests.total:
        report[0] += f", {count} selected"
    entries, found = _enrich(ctx, digests, defaults, manual, run)
    if found:
        report.append(found)
    outcomes: dict[str, Outcome] = {}
    for name, exporter in exporters:
        outcome = _guarded(run, name, functools.partial(exporter.plan, entries, count))
        if outcome is not None:
            outcomes[name] = outcome
    # Targets that plan (and so may link to others) write last: by then the targets that
    # publish on write have written, and the planners read this run's locations.
    writing = sorted(exporters, key=lambda pair: _plans(pair[1]))
    for name, exporter in writing:
        if name not in outcomes:
            outcomes[name] = (
                _guarded(run, name, functools.partial(exporter.export, entries, count)) or Outcome()
            )
    if not run.dry_run:
        try:
            run.locations.save()
        except OSError as exc:  # a cache: the next runs publish again
            echo_err(f"exportdigest: the published locations are not kept: {exc}")
    for name, _exporter in exporters:
        outcome = outcomes[name]
        if outcome.failed:
            code = max(code, EXIT_EXPORT_FAILED)
        report.append(f"{name}: {outcome.summary()}")
    if run.dry_run:
        report.append("dry run: nothing written")
    if digests.diagnostics:
        report.append(f"{len(digests.diagnostics)} input problem(s)")
    run.say(run.mask("; ".join(report)))
    return code


def _enrich(ctx, digests, defaults, manual, run) -> tuple[Any, str | None]:
    """The entries with their arXiv records, and the lookup's summary (None without one)."""
    from .enrich import Settings, enrich

    settings = Settings(
        lookup=_core(ctx, "arxiv", defaults),
        url=_core(ctx, "arxiv_url", defaults),
        delay=_core(ctx, "arxiv_delay", defaults),
        manual=manual,
    )
    return enrich(digests, settings, run)


def _plans(exporter: Exporter) -> bool:
    """Whether the target has a plan phase of its own and does not publish on write."""
    return type(exporter).plan is not Exporter.plan and not exporter.publishes_on_write


def _guarded(run: Run, name: str, work: Callable[[], Outcome | None]) -> Outcome | None:
    """Do one phase of a target; a failure is reported and becomes its outcome (others go on)."""
    try:
        return work()
    except BrokenPipeError:
        # The reader of standard output left (`| head`): this target stops, quietly and
        # without failing; the others still do their work.
        stdout_gone()
        outcome = Outcome()
        outcome.notes.append("stopped: standard output was closed by its reader")
    except (ExportFailed, OSError) as exc:
        # One target failing must not stop the others: report it, carry on, exit 1.
        message = exc.format_message() if isinstance(exc, ExportFailed) else str(exc)
        echo_err(run.mask(f"exportdigest: {name}: {message}"))
        outcome = Outcome()
        outcome.add("failed", 1)
    return outcome


class InputProblem(click.ClickException):
    """The input cannot be used as asked (exit code 2)."""

    exit_code = EXIT_USAGE


def _masked(ctx: click.Context, exc: click.ClickException) -> click.ClickException:
    """`exc`, or the same error (class, exit code, context) with every registered secret
    masked in its message."""
    import copy

    run = ctx.meta.get("run")
    if run is None or run.mask(exc.message) == exc.message:
        return exc
    masked = copy.copy(exc)
    click.ClickException.__init__(masked, run.mask(exc.message))
    return masked


def _warn(message: str) -> None:
    echo_err(f"exportdigest: {message}")


def _warn_unknown_defaults(ctx: click.Context, defaults: Mapping[str, Any]) -> None:
    """Name the keys of `[defaults]` that no core option reads."""
    known = {p.name for p in ctx.command.params if p.name in CORE_PARAMS}
    known -= {"paths", "config", "list_targets"}
    for key in sorted(set(defaults) - known):
        _warn(f"config [defaults]: unknown key '{key}' ignored (known: {', '.join(sorted(known))})")


def build_command(targets: Mapping[str, Target]) -> click.Command:
    """The click command, with every installed target's own options added to the core ones."""

    def callback(**params: Any) -> None:
        ctx = click.get_current_context()
        try:
            code = _run(ctx, targets, **params)
        except click.ClickException as exc:
            masked = _masked(ctx, exc)
            if masked is exc:
                raise
            raise masked from None
        except BrokenPipeError:
            # Standard output's reader left outside any target (`--list-targets | head`).
            stdout_gone()
            ctx.exit(EXIT_OK)
        except Exception as exc:  # a bug in a target: one clean message, never a key
            error = _masked(ctx, ExportFailed(f"internal error: {type(exc).__name__}: {exc}"))
            if ctx.meta.get("run") and ctx.meta["run"].verbosity > 0:
                import traceback

                echo_err(ctx.meta["run"].mask(traceback.format_exc()))
            raise error from None
        ctx.exit(code)

    @_reader_may_leave
    def list_targets(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        if value and not ctx.resilient_parsing:
            _list_targets(targets)
            ctx.exit(EXIT_OK)

    core = [
        click.Option(
            ["--target", "-t"],
            multiple=True,
            metavar="NAME",
            shell_complete=lambda *_: [click.shell_completion.CompletionItem(n) for n in targets],
            help="Target to export to; repeat for several (see --list-targets).",
        ),
        click.Option(
            ["--list-targets"],
            is_flag=True,
            expose_value=False,
            is_eager=True,
            callback=list_targets,
            help="List installed targets and exit.",
        ),
        click.Option(
            ["--dry-run", "-n"],
            is_flag=True,
            help="Show what each target would create, update or leave; write nothing.",
        ),
        _date_bound("--since", "after"),
        _date_bound("--until", "before"),
        click.Option(
            ["--tag"],
            multiple=True,
            metavar="TAG",
            help="Only papers with this hashtag (repeat: any of them).",
        ),
        click.Option(
            ["--strict"],
            is_flag=True,
            help="Treat any input problem as an error: report, export nothing, exit 2.",
        ),
        click.Option(["--quiet", "-q"], is_flag=True, help="Print only problems and errors."),
        click.Option(
            ["--verbose", "-v"],
            is_flag=True,
            help="Print a line for every paper each target handles.",
        ),
        click.Option(
            ["--arxiv"],
            is_flag=True,
            help="Look each paper up on arXiv (its id, abstract page, PDF, DOI) before the"
            " targets run; answers are cached.",
        ),
        click.Option(
            ["--arxiv-url"],
            metavar="URL",
            envvar="EXPORTDIGEST_ARXIV_URL",
            default=arxiv.DEFAULT_URL,
            show_default=True,
            help="arXiv's API (env EXPORTDIGEST_ARXIV_URL).",
        ),
        click.Option(
            ["--arxiv-delay"],
            metavar="SECONDS",
            type=click.FloatRange(min=0),
            envvar="EXPORTDIGEST_ARXIV_DELAY",
            default=arxiv.DEFAULT_DELAY,
            show_default=True,
            help="Seconds between two requests to arXiv; its terms ask for 3: do not lower it"
            " against arXiv (env EXPORTDIGEST_ARXIV_DELAY).",
        ),
        click.Option(
            ["--config"],
            type=click.Path(dir_okay=False, path_type=Path),
            metavar="FILE",
            help=f"Config file [default: {_config_hint()}].",
        ),
    ]
    extra = [o for o in _target_options(targets) if o.name not in CORE_PARAMS]
    params: list[click.Parameter] = [
        *core,
        *extra,
        click.Argument(["paths"], nargs=-1, type=click.Path(allow_dash=True)),
    ]
    command = _Command(
        "exportdigest",
        callback=callback,
        params=params,
        help="Export the papers of daily ML digests to Obsidian, Zotero and citation files.\n\n"
        "PATHS are digest files (any name) or folders (searched for *.txt), or - for standard "
        f"input; default: {DEFAULT_INPUT}/.",
        epilog=EPILOG,
        context_settings={
            "help_option_names": ["-h", "--help"],
            "max_content_width": 100,
            "terminal_width": _terminal_width(),
        },
    )
    click.version_option(__version__, "--version", prog_name="exportdigest")(command)
    return command


def _date_bound(flag: str, side: str) -> click.Option:
    """`--since`/`--until DATE`: only papers first posted on or `side` (after/before) DATE."""
    return click.Option(
        [flag],
        type=click.DateTime(formats=["%Y-%m-%d"]),
        metavar="DATE",
        help=f"Only papers first posted on or {side} DATE (YYYY-MM-DD).",
    )


def _reader_may_leave(callback: Callable[..., None]) -> Callable[..., None]:
    """An eager option's callback (help, target list) that ends quietly with 0 when the reader
    of its output has left (`--help | head`); click would exit with 1."""

    def guarded(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        try:
            callback(ctx, param, value)
        except BrokenPipeError:
            stdout_gone()
            ctx.exit(EXIT_OK)

    return guarded


class _Command(click.Command):
    """The command, with a help option that a reader leaving early does not turn into exit 1."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        """Click's help option, its callback guarded against a closed standard output."""
        option = super().get_help_option(ctx)
        if option is not None and option.callback is not None:
            option.callback = _reader_may_leave(option.callback)
        return option


def _terminal_width() -> int:
    # Measured here with os rather than by click, whose way imports shutil (slower start-up).
    try:
        columns = os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError, AttributeError):
        columns = int(os.environ.get("COLUMNS", "80") or 80)
    return max(min(columns, 100) - 2, 50)


def _config_hint() -> str:
    try:
        return str(config_file.default_path())
    except Exception:  # platformdirs missing or odd platform: help must still print
        return "$EXPORTDIGEST_CONFIG"


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `exportdigest` script."""
    command = build_command(discover())
    try:
        # Without standalone mode click *returns* the code a ctx.exit() carried.
        code = command.main(args=argv, prog_name="exportdigest", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        echo_err("Aborted.")
        sys.exit(130)
    except click.ClickException as exc:
        if isinstance(exc, click.UsageError) and exc.ctx is not None:
            echo_err(exc.ctx.get_usage())
            echo_err("Try 'exportdigest --help' for help.")
        echo_err(f"exportdigest: error: {exc.format_message()}")
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else EXIT_OK)
