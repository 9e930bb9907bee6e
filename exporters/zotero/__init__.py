"""The `zotero` target: each paper as a preprint item with its commentary note (Web or local API).

This module stays light (`--help` imports it): pyzotero and the HTTP client are imported
only when an export runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

import click

from exportdigest.exporter import Exporter, ExportFailed, Outcome, Run, TargetUsageError
from exportdigest.options import force_option

if TYPE_CHECKING:  # for annotations only: --help must not load the model
    from exportdigest.model import Entry

from .settings import DEFAULT_API_URL, DEFAULT_COLLECTION, DEFAULT_LOCAL_URL, read

NOTE_LINK_TITLE = "Obsidian note"


def from_env(flag: str, **kwargs: Any) -> click.Option:
    """An option its environment variable also sets (`--zotero-api-key`: `ZOTERO_API_KEY`)."""
    envvar = flag.removeprefix("--").replace("-", "_").upper()
    return click.Option([flag], envvar=envvar, show_envvar=True, **kwargs)


class ZoteroExporter(Exporter):
    """Creates or updates one Zotero item (and note) per paper; never duplicates or clobbers."""

    summary = (
        "Zotero library via the Web API or the desktop app: a preprint item and a commentary "
        "note per paper."
    )
    options = (
        from_env(
            "--zotero-library-id",
            metavar="ID",
            help="Zotero library number (user ID, or group ID with --zotero-library-type group).",
        ),
        from_env(
            "--zotero-library-type",
            type=click.Choice(["user", "group"]),
            default="user",
            show_default=True,
            help="Whether the library is your own or a group's.",
        ),
        from_env(
            "--zotero-api-key",
            metavar="KEY",
            help="Zotero API key with write access (better: ZOTERO_API_KEY or the config file).",
        ),
        from_env(
            "--zotero-api-url",
            default=DEFAULT_API_URL,
            show_default=True,
            metavar="URL",
            help="Zotero Web API server.",
        ),
        click.Option(
            ["--zotero-local"],
            is_flag=True,
            default=False,
            help="Push to the Zotero desktop app on this machine through its local API (Zotero"
            " 10+; no library id or API key; Zotero asks once for permission).",
        ),
        from_env(
            "--zotero-local-url",
            default=DEFAULT_LOCAL_URL,
            show_default=True,
            metavar="URL",
            help="Where the Zotero desktop app's local API answers.",
        ),
        click.Option(
            ["--zotero-collection"],
            default=DEFAULT_COLLECTION,
            show_default=True,
            metavar="NAME",
            help="Collection new papers are filed into (created when missing).",
        ),
        click.Option(
            ["--zotero-collection-per-day/--no-zotero-collection-per-day"],
            default=False,
            help="File new papers into a sub-collection per digest day (YYYY-MM-DD).",
        ),
        force_option(),
    )
    secret_options = ("zotero_api_key",)
    publishes_on_write = True  # the items it holds, once written (the notes link to them)
    # Extra keyword arguments for the HTTP client (tests pass a fake clock and short timeouts).
    api_options: ClassVar[dict[str, Any]] = {}

    def __init__(self, settings: Mapping[str, Any], run: Run) -> None:
        super().__init__(settings, run)
        self.config = read(settings)
        url = urlsplit(self.config.endpoint)
        if url.scheme == "http" and url.hostname not in ("127.0.0.1", "localhost", "::1"):
            run.say(f"zotero: warning: {url.geturl()} is not https; the key goes unencrypted")

    def export(self, entries: Iterable[Entry], count: int) -> Outcome:
        """Push the entries; conflicts and failures are reported per paper by title."""
        from .api import ApiError, ApiUnavailable, ServerChanged, ZoteroApi
        from .remote import AccessDenied, WriteDenied
        from .render import Attachment, Paper
        from .state import StateFile
        from .sync import Sync

        config = self.config
        api = ZoteroApi(
            config.library_type,
            config.library_id,
            config.api_key,
            config.endpoint,
            on_wait=self.run.detail,
            local=config.local,
            **self.api_options,
        )
        try:
            server_id = self._open_local(api) if config.local else None
        except TargetUsageError:
            api.close()
            raise
        notes = self.run.locations.read("obsidian")

        def owned(p: Paper) -> list[Attachment]:
            """The attachments the tool owns on a paper's item: its PDF, its Obsidian note."""
            found = [p.pdf_link] if p.pdf_link else []
            if p.id in notes:
                found.append(Attachment(p.id, "obsidian", p.item_key, NOTE_LINK_TITLE, notes[p.id]))
            return found

        state = StateFile(config.endpoint, config.library_type, config.library_id, None, server_id)
        sync = Sync(
            api,
            state,
            self.run,
            collection=config.collection,
            per_day=config.per_day,
            force=config.force,
            attachments=owned,
        )
        desktop_denied = (AccessDenied,) if config.local else ()  # no key: a missing group
        try:
            outcome = sync.push(entries, count)
        except ServerChanged:
            raise TargetUsageError(
                "Zotero now answers for another Zotero database (its server id changed during "
                "the run): not written into it; run again"
            ) from None
        except desktop_denied:
            raise TargetUsageError(
                f"there is no {config.library} (HTTP 403/404); nothing was written"
            ) from None
        except AccessDenied:
            raise TargetUsageError(
                f"Zotero at {api.host} refused access to {config.library}: check the API key "
                "(--zotero-api-key / ZOTERO_API_KEY) and --zotero-library-id/-type; "
                "nothing was written to Zotero"
            ) from None
        except WriteDenied as exc:
            raise ExportFailed(self.run.mask(f"{config.library}: {exc}")) from None
        except (ApiError, ApiUnavailable) as exc:
            raise ExportFailed(
                self.run.mask(f"{exc}; what was done is kept, run again to finish")
            ) from None
        finally:
            api.close()
            self._publish(sync)
        counts = api.counters
        self.run.detail(
            f"zotero: {counts.requests} request(s) to {api.host}, {counts.writes} write(s)"
        )
        return outcome

    def _publish(self, sync: Any) -> None:
        """Say which items the library holds (the notes link to them), and which it lost."""
        uris: dict[str, str | None] = {p.id: self._uri(p.item_key) for p in sync.held}
        for p in sync.lost:
            uris.setdefault(p.id, None)
        self.run.locations.publish("zotero", uris)

    def _uri(self, key: str) -> str:
        """The `zotero://` link that selects the item in the desktop app."""
        if self.config.library_type == "group":
            return f"zotero://select/groups/{self.config.library_id}/items/{key}"
        return f"zotero://select/library/items/{key}"

    def _open_local(self, api: Any) -> str:
        """Connect to the desktop app (its server id); writes then get their key from it."""
        from .local import KeyFile, LocalAccess

        def hide(secret: str) -> None:
            self.run.secrets += (secret,)

        access = LocalAccess(
            api, KeyFile(self.config.local_url), self.config.local_key, self.run.echo, hide
        )
        if self.config.local_key:
            hide(self.config.local_key)
        server_id = access.connect()  # LocalRefused: one line, exit 2 (masked by the CLI)
        api.writer = access
        return server_id
