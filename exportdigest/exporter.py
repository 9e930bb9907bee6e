"""What an exporter is: the base class every target, built-in or third-party, derives from."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import click

if TYPE_CHECKING:
    from .locations import Locations
    from .model import Entry

T = TypeVar("T")

# Outcome words an exporter reports per paper (and the summary counts).
CREATED, UPDATED, UNCHANGED, SKIPPED, CONFLICT, FAILED = (
    "created",
    "updated",
    "unchanged",
    "skipped",
    "conflict",
    "failed",
)
OUTCOMES = (CREATED, UPDATED, UNCHANGED, SKIPPED, CONFLICT, FAILED)


class ExportFailed(click.ClickException):
    """A target could not finish its work (exit code 1); other targets still run."""

    exit_code = 1


class TargetUsageError(click.ClickException):
    """A target's settings are missing or wrong (exit code 2); nothing was written."""

    exit_code = 2


class Outcome:
    """Counts of what one target did, for the closing summary."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = dict.fromkeys(OUTCOMES, 0)
        self.notes: list[str] = []  # said after the counts, e.g. why the target stopped

    def add(self, what: str, n: int = 1) -> None:
        """Count `n` papers (or notes) under the outcome `what`."""
        self.counts[what] = self.counts.get(what, 0) + n

    @property
    def failed(self) -> int:
        """How many things failed."""
        return self.counts.get(FAILED, 0)

    def summary(self) -> str:
        """`3 created, 1 updated, ...`, leaving out conflict/failed when zero."""
        parts = [
            f"{self.counts.get(k, 0)} {k}"
            for k in OUTCOMES
            if k in (CREATED, UPDATED, UNCHANGED, SKIPPED) or self.counts.get(k)
        ]
        parts += [f"{v} {k}" for k, v in self.counts.items() if k not in OUTCOMES and v]
        return ", ".join(parts + self.notes)


class Run:
    """What a target is told about this run, and how it talks back to the user."""

    def __init__(
        self,
        dry_run: bool = False,
        verbosity: int = 0,  # -1 quiet, 0 normal, 1 verbose
        show_progress: bool = False,
        echo: Callable[[str], None] | None = None,
        secrets: tuple[str, ...] = (),
        locations: Locations | None = None,
    ) -> None:
        self.dry_run = dry_run
        self.verbosity = verbosity
        self.show_progress = show_progress
        self.echo = echo or _to_stderr
        self.secrets = secrets
        self._locations = locations

    @property
    def locations(self) -> Locations:
        """Where each target put each paper (`paper_id -> URI`): publish yours, read others'."""
        if self._locations is None:
            from .locations import Locations

            self._locations = Locations()
        return self._locations

    def say(self, message: str) -> None:
        """A line for the user (suppressed by --quiet), with secrets masked."""
        if self.verbosity >= 0:
            self.echo(self.mask(message))

    def detail(self, message: str) -> None:
        """A line shown only with --verbose (and always in a dry run's plan)."""
        if self.verbosity > 0 or self.dry_run:
            self.echo(self.mask(message))

    def status(self, message: str) -> None:
        """A line about a long wait: shown where a progress bar would be (a terminal, not
        --quiet) and wherever `detail` lines are, so a wait never looks like a hang."""
        if self.show_progress or self.verbosity > 0 or self.dry_run:
            self.echo(self.mask(message))

    def plan(self, action: str, what: str) -> None:
        """One line of the plan: `would create: Title` in a dry run, `created: Title` if verbose."""
        if self.verbosity > 0 or self.dry_run:  # called per paper: build no text for nothing
            prefix = f"would {_verb(action)}" if self.dry_run else action
            self.echo(self.mask(f"  {prefix}: {what}"))

    def mask(self, text: str) -> str:
        """Text with every registered secret replaced by `***`."""
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, "***")
        return text

    def progress(self, items: Iterable[T], length: int, label: str) -> Iterator[T]:
        """Iterate items with a progress bar on a terminal (counts and time left), plainly
        otherwise."""
        if not self.show_progress or length < 20:
            yield from items
            return
        from .streams import STDERR

        with click.progressbar(
            items, length=length, label=label, file=STDERR, show_pos=True, show_eta=True
        ) as bar:
            yield from bar


def _to_stderr(message: str) -> None:
    from .streams import echo_err

    echo_err(message)


def _verb(action: str) -> str:
    return {
        CREATED: "create",
        UPDATED: "update",
        UNCHANGED: "leave unchanged",
        SKIPPED: "skip",
        CONFLICT: "stop at conflict",
        FAILED: "fail",
    }.get(action, action)


class Exporter:
    """Base of every target. Subclasses set `summary` and `options` and implement `export`.

    Keep the module that defines an exporter light: `--help` and `--list-targets` import it,
    so heavy libraries (pyzotero, jinja2, yaml) are imported inside methods.
    """

    summary: ClassVar[str] = ""  # one line for --list-targets
    options: ClassVar[Sequence[click.Option]] = ()  # this target's own command-line options
    secret_options: ClassVar[Sequence[str]] = ()  # option names whose values must never show
    # Whether the target publishes its locations in `export` (after its writes): such
    # targets write first, so that the others read this run's locations.
    publishes_on_write: ClassVar[bool] = False

    def __init__(self, settings: Mapping[str, Any], run: Run) -> None:
        """Check `settings` (raise TargetUsageError when unusable) before anything is read."""
        self.settings = dict(settings)
        self.run = run

    def outputs(self) -> tuple[str, ...]:
        """Files (or '-' for standard output) this target writes whole, so two targets
        selected together are refused if they would write the same one."""
        return ()

    def plan(self, entries: Iterable[Entry], count: int) -> None:
        """Decide where each paper lands, without writing, and publish it (see docs/plugins.md).

        Called for every chosen target before any target's `export`; the default does nothing.
        """

    def export(self, entries: Iterable[Entry], count: int) -> Outcome:
        """Export the entries (`count` of them); return what was done. Honour run.dry_run."""
        raise NotImplementedError
