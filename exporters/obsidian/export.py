"""One sync of digests into a vault: paper, tag and digest-day notes, the index and the base."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import frontmatter
import yaml

from exportdigest.exporter import (
    CONFLICT,
    CREATED,
    FAILED,
    UNCHANGED,
    UPDATED,
    ExportFailed,
    Outcome,
    Run,
)
from exportdigest.model import Entry, Source

from . import note, properties, starter
from .cache import FILES as FILES_CACHE
from .cache import PAPERS as PAPERS_CACHE
from .cache import Cache
from .context import (
    KIND_KEY,
    Listed,
    digest_context,
    digest_days,
    fingerprint,
    index_context,
    listed,
    paper_context,
    paper_properties,
)
from .names import fold, safe_name, with_suffix
from .render import BASE, DIGEST, FILENAME, INDEX, PAPER, TAG, TemplateProblem, Templates
from .sync import Decision, Desired, merge, new_note
from .tags import obsidian_tags
from .uri import vault_home
from .vault import (
    BASE_FILE,
    DIGESTS,
    INDEX_STEM,
    PAPERS,
    STATE_DIR,
    TAGS,
    NameTaken,
    UnsafePath,
    Vault,
    note_id,
)

LABEL = "obsidian"


class VaultSync:
    """Brings one vault up to date with a stream of entries (see the README's sync rules)."""

    def __init__(
        self,
        root: Path,
        templates: Templates,
        run: Run,
        force: bool = False,
        starter_dir: Path | None = None,
    ) -> None:
        self.root = root
        self.templates = templates
        self.run = run
        self.force = force
        self.starter_dir = starter_dir
        self.vault = Vault(root)
        self.outcome = Outcome()
        self.dirty = False  # whether a note's facts changed (so the cache must be saved)
        self.listed: dict[str, tuple[Listed, str]] = {}  # papers of this run: listing, note path
        self.days: defaultdict[str, set[str]] = defaultdict(set)  # day -> digest file names
        self.day_paths: dict[str, str] = {}
        self.day_links: dict[str, str] = {}
        self.tag_links: dict[str, str] = {}
        self.tag_paths: dict[str, str] = {}
        self.said: set[str] = set()  # refusals said once (a folder that is a link)
        self.planned: dict[str, tuple[str | None, Iterator[str]]] = {}  # new notes' names
        self.new_tags: dict[str, tuple[str, str, Iterator[str]]] = {}  # tag notes to write
        self.items: Mapping[str, str] = {}  # paper id -> its Zotero item's URI
        self._held = contextlib.ExitStack()  # the vault's lock, from the plan to the end

    # -- the run ----------------------------------------------------------------------------

    def plan(self, entries: Iterable[Entry], count: int) -> dict[str, str]:
        """Find every paper's note, and the names of the new ones (claimed, not written);
        the vault-relative path of every paper note the vault will hold, by paper id."""
        try:
            self._held.enter_context(self._lock())
            cache = Cache(self.root / STATE_DIR)
            self.vault.scan(cache)
            self.vault.reserve(BASE_FILE)  # written last, but its name is taken from the start
            self._cache = cache
            for entry in entries:
                self._plan_paper(entry)
        except BaseException:
            self._held.close()
            self.vault.close()
            raise
        paths = {
            key: found.path for (kind, key), found in self.vault.notes.items() if kind == "paper"
        }
        paths.update({pid: rel for pid, (rel, _stems) in self.planned.items() if rel})
        return paths

    def _plan_paper(self, entry: Entry) -> None:
        """Claim the names of the paper's new tag notes, digest notes and note."""
        if self.vault.get("paper", entry.id) is not None:
            for tag in obsidian_tags(entry.tags):
                self._tag_path(tag)
            for day, _parts in digest_days(entry):
                self._day_path(day)
            return
        context = self._context(entry)
        name = safe_name(self._render(FILENAME, context).strip())
        name = name or safe_name(f"Untitled {entry.id[:8]}")
        stems = itertools.chain(
            (name, with_suffix(name, f" ({entry.id[:8]})"), with_suffix(name, f" ({entry.id})")),
            (with_suffix(name, f" ({entry.id}-{n})") for n in range(2, 100)),
        )
        try:
            rel: str | None = self.vault.claim(PAPERS, stems)
        except NameTaken as exc:
            self.run.say(f"{LABEL}: {exc}")
            rel = None
        self.planned[entry.id] = (rel, stems)

    def _context(self, entry: Entry) -> dict:
        """The paper's template context (its Zotero item when the zotero target has one)."""
        tags = obsidian_tags(entry.tags)
        days = digest_days(entry)
        tag_links = [self._tag_link(tag) for tag in tags]
        day_links = {day: self._day_link(day) for day, _parts in days}
        context = paper_context(entry, tags, tag_links, days, day_links)
        item = self.items.get(entry.id)
        if item:  # only then: a vault never linked to Zotero keeps its fingerprints
            context["zotero"] = item
        return context

    def export(self, entries: Iterable[Entry], count: int) -> Outcome:
        """Sync every entry, then the digest notes, the index and the base."""
        try:
            with self._held:  # planned first: ObsidianExporter.export sees to it
                self._sync(entries, count)
        except BrokenPipeError:  # a reader left: the command's to handle, not a failure here
            raise
        except OSError as exc:  # the vault's folder itself, say: what was done stays counted
            self.run.say(f"{LABEL}: stopped: {exc}")
            self.outcome.add(FAILED)
            self.outcome.notes.append(f"stopped: {exc.strerror or exc}")
        finally:
            self.vault.close()
        return self.outcome

    def _sync(self, entries: Iterable[Entry], count: int) -> None:
        """The run itself, inside the vault's lock."""
        self._start_vault()
        cache = self._cache
        self._report_duplicates()
        if self.vault.stale_temps and not self.run.dry_run:
            removed = self.vault.remove_stale_temps()
            self.run.detail(f"{LABEL}: removed {removed} temp file(s) a killed run left")
        for entry in self.run.progress(entries, count, LABEL):
            self._paper(entry)
        others = self._vault_papers(cache)
        rows = [
            (paper, self.vault.link(rel, paper.title))
            for paper, rel in itertools.chain(self.listed.values(), others.values())
        ]
        self._digest_notes(rows)
        self._index(rows)
        self._base()
        self._save_cache(cache, others)

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """One run per vault at a time (skipped in a dry run, which writes nothing)."""
        if self.run.dry_run:
            yield
            return
        handle = self.vault.open()  # the vault's folder: locked itself, so no file is needed
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks; runs must not overlap
            handle = None
        if handle is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ExportFailed(f"another exportdigest run is syncing {self.root}") from None
            except OSError as exc:  # a file system without locks on folders (some NFS)
                self.run.say(f"{LABEL}: the vault cannot be locked ({exc}); run one sync at a time")
        yield

    def _start_vault(self) -> None:
        """Give a new vault the template's files; give an existing one missing property types."""
        builtin = self.templates.builtin
        source = starter.starter_root(self.starter_dir, builtin)
        if vault_home(self.root)[0] != self.root.expanduser().absolute():
            return  # a folder of a larger vault: its settings are that vault's
        is_new = not (self.root / starter.SETTINGS).is_dir()
        if is_new:
            self.run.plan(CREATED, f"vault {self.root} (from {source})")
            for rel, data in starter.starting_files(source):
                if not self.vault.path(rel).exists():
                    self._write_setting(rel, data)
            return
        types = self.vault.path(starter.TYPES)
        ours = (source / starter.TYPES).read_bytes() if (source / starter.TYPES).is_file() else None
        if ours is None:
            return
        if not types.exists():
            self._write_setting(starter.TYPES, ours)
            return
        merged = starter.merged_types(types.read_bytes(), ours)
        if merged is not None:
            self._write_setting(starter.TYPES, merged, "property types added")

    def _write_setting(self, rel: str, data: bytes, change: str = "") -> None:
        """Write a settings file or the base; skip it, with a warning, where a link leads."""
        link = self.vault.symlink_on_the_way(rel)
        if link is not None:  # the user's link, perhaps shared by vaults: theirs to change
            what = f"updating {rel} ({change})" if change else f"creating {rel}"
            self.run.say(f"{LABEL}: {what} skipped: {link}; nothing is written through links")
            return
        self.run.plan(UPDATED if change else CREATED, f"{rel} ({change})" if change else rel)
        if self.run.dry_run:
            return
        try:
            self.vault.write(rel, data, create=not change)
        except (OSError, UnsafePath, NameTaken) as exc:
            self.run.say(f"{LABEL}: cannot write {rel}: {exc}")
            self.outcome.add(FAILED)

    def _report_duplicates(self) -> None:
        for (kind, key), paths in sorted(self.vault.duplicates.items()):
            self.run.say(
                f"{LABEL}: {len(paths)} notes are the {kind} {key or ''}".rstrip()
                + f" ({', '.join(paths)}); only {paths[0]} is kept up to date"
            )

    # -- paper notes --------------------------------------------------------------------------

    def _paper(self, entry: Entry) -> None:
        """The paper's note: left when its fingerprint says so, else created or merged."""
        for source in entry.sources:
            self.days[source.date.isoformat()].add(source.path.rpartition("/")[2])
        for tag in obsidian_tags(entry.tags):
            self._write_tag_note(tag.casefold())
        context = self._context(entry)
        h_in = fingerprint(context, self.templates.fingerprint)
        found = self.vault.get("paper", entry.id)
        path: str | None
        if found is not None and not self.force and found.h_in == h_in:
            action, path = UNCHANGED, found.path
        else:
            desired = Desired(
                paper_properties(context), self._inner(PAPER, context), h_in, entry.id
            )
            if found is not None:
                action, path = self._update(found.path, desired, "paper", entry.id), found.path
            else:
                path = self._create_paper(entry, desired)
                action = CREATED if path else FAILED
        if path:
            self.listed[entry.id] = (listed(entry), path)
        self._count(action, path or entry.title)

    def _create_paper(self, entry: Entry, desired: Desired) -> str | None:
        """Write the paper's new note under the name its plan claimed (or the next free one)."""
        rel, stems = self.planned.pop(entry.id, (None, iter(())))
        if rel is None:
            return None
        return self._create(
            PAPERS, stems, new_note(desired), ("paper", entry.id, desired.h_in), rel
        )

    def _inner(self, template: str, context: dict) -> str:
        """A template's text for the managed block (ends with one newline, no markers inside)."""
        text = self._render(template, context).strip("\n") + "\n"
        if note.END in text or "%% exportdigest:begin" in text:
            raise ExportFailed(
                f"template {self.templates.path(template)} writes an exportdigest block marker"
            )
        return text

    def _render(self, template: str, context: dict) -> str:
        try:
            return self.templates.render(template, context)
        except TemplateProblem as exc:
            raise ExportFailed(f"template error: {exc}") from None

    # -- writing ------------------------------------------------------------------------------

    def _create(
        self, folder: str, stems: Iterable[str], text: str, facts: tuple, claimed: str = ""
    ) -> str | None:
        """Write a new note under `claimed` or the first free name; its path, or None when
        it failed."""
        stems = iter(stems)
        while True:
            try:
                rel, claimed = claimed or self.vault.claim(folder, stems), ""
            except NameTaken as exc:
                self.run.say(f"{LABEL}: {exc}")
                return None
            try:
                return rel if self._write(rel, text, True, facts) else None
            except NameTaken as exc:  # a file appeared under that name meanwhile: take the next
                self.run.detail(f"{LABEL}: {exc}")

    def _update(self, rel: str, desired: Desired, kind: str, key: str) -> str:
        """Merge `desired` into the note at `rel`; the outcome word."""
        if rel in self.vault.links:
            where = self.vault.links[rel]
            return self._conflict(rel, f"it is a symbolic link to {where}; never written through")
        try:
            text = self.vault.read(rel).decode("utf-8")
        except UnicodeDecodeError:
            return self._conflict(rel, "it is not UTF-8 text")
        except OSError as exc:
            self.run.say(f"{LABEL}: cannot read {rel}: {exc}")
            return FAILED
        decision: Decision = merge(text, desired, self.force)
        if decision.action == CONFLICT:
            return self._conflict(rel, decision.reason)
        facts = (kind, key, desired.h_in)
        if decision.action == UPDATED and decision.text is not None:
            return UPDATED if self._write(rel, decision.text, False, facts) else FAILED
        # Already what the tool writes (its `in` may be another's): remember it as made from
        # these inputs, so the next run skips it without rendering.
        known = self.vault.facts.get(rel)
        if known is not None and not self.run.dry_run and known[3:] != list(facts):
            self.vault.facts[rel] = [*known[:3], *facts]
            self.dirty = True
        return UNCHANGED

    def _write(self, rel: str, text: str, create: bool, facts: tuple) -> bool:
        """Write a note atomically and remember its facts; False (and say why) if it failed.

        A new note (`create`) never replaces a file: NameTaken if one appeared meanwhile.
        In a dry run nothing is written, and it is taken as done unless a link refuses it.
        """
        try:
            if self.run.dry_run:  # the run would refuse a folder that is a link: say so
                link = self.vault.symlink_on_the_way(rel.rpartition("/")[0])
                if link is not None:
                    raise UnsafePath(f"{link}; nothing is written there")
                return True
            stat = self.vault.write(rel, text.encode("utf-8"), create)
        except UnsafePath as exc:  # a folder that is a link refuses every note: say so once
            if str(exc) not in self.said:
                self.said.add(str(exc))
                self.run.say(f"{LABEL}: cannot write {rel}: {exc}")
            return False
        except OSError as exc:
            self.run.say(f"{LABEL}: cannot write {rel}: {exc}")
            return False
        self.vault.facts[rel] = [*stat, *facts]
        self.dirty = True
        return True

    def _conflict(self, rel: str, reason: str) -> str:
        if self.run.dry_run:
            self.run.plan(CONFLICT, f"{rel} ({reason})")
        elif self.force:  # what --force could do, it did: this note needs a hand
            self.run.say(
                f"{LABEL}: conflict: {rel}: {reason}; left as it is, even with --force (repair"
                " it, or delete it and the next run writes it anew)"
            )
        else:
            self.run.say(
                f"{LABEL}: conflict: {rel}: {reason}; left as it is (--force rewrites the"
                " tool's part, keeping your own text and properties)"
            )
        return CONFLICT

    def _count(self, action: str, what: str, label: str = "") -> None:
        """Count a note under its outcome (papers plainly, other notes by label) and plan it."""
        if not label or action != UNCHANGED:
            self.outcome.add(_key(action, label))
        if action != CONFLICT:
            self.run.plan(action, what)

    # -- tag notes ----------------------------------------------------------------------------

    def _tag_link(self, tag: str) -> str:
        """The link to the tag's note (tags match ignoring case, as in Obsidian)."""
        link = self.tag_links.get(tag)
        if link is None:
            link = self.tag_links[tag] = self.vault.link(self._tag_path(tag))
        return link

    def _tag_path(self, tag: str) -> str:
        """The tag's note: where it is, or a new one from the tag template."""
        key = tag.casefold()
        rel = self.tag_paths.get(key)
        if rel is not None:
            return rel
        found = self.vault.get("tag", key)
        name = safe_name(tag) or "tag"
        if found is not None:
            rel = found.path
        elif self._is_untold_tag_note(f"{TAGS}/{name}.md"):
            rel = f"{TAGS}/{name}.md"
        else:
            suffix = hashlib.sha256(key.encode()).hexdigest()
            # A paper's id is the same hash of its title, so a paper named like the tag can
            # take each of these: numbered names come last.
            left = itertools.chain(
                (
                    name,
                    with_suffix(name, f" ({suffix[:8]})"),
                    with_suffix(name, f" ({suffix[:16]})"),
                ),
                (with_suffix(name, f" ({suffix[:16]}-{n})") for n in range(2, 100)),
            )
            try:
                rel = self.vault.claim(TAGS, left)
                self.new_tags[key] = (tag, name, left)
            except NameTaken as exc:
                self.run.say(f"{LABEL}: {exc}")
                self.outcome.add(FAILED)
                rel = f"{TAGS}/{name}.md"
        self.tag_paths[key] = rel
        return rel

    def _write_tag_note(self, key: str) -> None:
        """Write the new note of a tag (`key`) under the name the plan claimed for it."""
        pending = self.new_tags.pop(key, None)
        if pending is None:
            return
        tag, name, stems = pending
        rel = self.tag_paths[key]
        body = self._render(TAG, {"tag": tag, "name": name})
        text = note.join(properties.emit({KIND_KEY: f"tag/{tag}"}), body)
        written = self._create(TAGS, stems, text, ("tag", key, None), rel)
        if written is None:
            self.outcome.add(FAILED)
        else:
            self._count(CREATED, written, "tag notes")

    def _is_untold_tag_note(self, rel: str) -> bool:
        """Whether the tag note's own name holds a note that does not say whose it is (its
        properties broken, a link): the tag's still, as tag notes are never rewritten."""
        facts = self.vault.facts.get(rel)
        if facts is not None:
            return not facts[3]
        return os.path.islink(self.vault.path(rel))

    # -- digest-day notes ---------------------------------------------------------------------

    def _day_link(self, day: str) -> str:
        link = self.day_links.get(day)
        if link is None:
            link = self.day_links[day] = self.vault.link(self._day_path(day))
        return link

    def _day_path(self, day: str) -> str:
        """The note of a digest day: where it is, or the free name it will be written under."""
        rel = self.day_paths.get(day)
        if rel is None:
            found = self.vault.get("digest", day)
            if found is not None:
                rel = found.path
            else:
                name = f"Digest {day}"
                stems = (f"{name} ({n})" if n > 1 else name for n in range(1, 100))
                rel = self.vault.claim(DIGESTS, stems)
            self.day_paths[day] = rel
        return rel

    def _digest_notes(self, rows: list[tuple[Listed, str]]) -> None:
        """The note of every digest day this run saw, listing all its papers in the vault."""
        by_day: dict[dt.date, list[tuple[Listed, str, Source]]] = {
            dt.date.fromisoformat(day): [] for day in self.days
        }
        for paper, link in rows:
            seen = set()
            for source in paper.sources:
                if source.date in by_day and source.date not in seen:
                    seen.add(source.date)
                    by_day[source.date].append((paper, link, source))
        for date, papers in sorted(by_day.items()):
            self._digest_note(date, papers)

    def _digest_note(self, date: dt.date, papers: list[tuple[Listed, str, Source]]) -> None:
        """The note of one digest day, listing its papers (the paper, its link, that posting)."""
        day = date.isoformat()
        context = digest_context(day, [row[:2] for row in papers], sorted(self.days[day]))
        props = {KIND_KEY: f"digest/{day}", "date": date}
        self._managed_note(("digest", day), self._day_path(day), DIGEST, context, props)

    def _managed_note(self, identity, rel, template, context, props) -> None:
        """Create or update a note that is all managed block (digest days, the index)."""
        kind, key = identity
        label = "index" if kind == "index" else f"{kind} notes"
        h_in = fingerprint(context, self.templates.fingerprint)
        found = self.vault.get(kind, key)
        if found is not None and not self.force and found.h_in == h_in:
            self._count(UNCHANGED, found.path, label)
            return
        desired = Desired(props, self._inner(template, context), h_in, note_id(kind, key))
        if found is not None:
            self._count(self._update(found.path, desired, kind, key), found.path, label)
            return
        try:
            written = self._write(rel, new_note(desired), True, (kind, key, h_in))
        except NameTaken as exc:  # its name is in links already: no other name will do
            self.run.say(f"{LABEL}: cannot write {rel}: {exc}")
            written = False
        self._count(CREATED if written else FAILED, rel, label)

    # -- the index and the base ---------------------------------------------------------------

    def _vault_papers(self, cache: Cache) -> dict[str, tuple[Listed, str]]:
        """Papers with a note in the vault that this run did not bring (for index and days)."""
        by_link = self._digest_days_by_link()
        others = {}
        for (kind, key), found in self.vault.notes.items():
            if kind != "paper" or key in self.listed:
                continue
            cached = cache.papers.get(key)
            paper: Listed | None = Listed.from_json(key, cached) if cached else None
            if paper is None:
                paper = self._listing_from_note(found, by_link)
            if paper is not None:
                others[key] = (paper, found.path)
        return others

    def _listing_from_note(self, found, by_link: dict[str, str]) -> Listed | None:
        """A paper's listing read back from its note's properties (when the cache lacks it)."""
        try:
            values, _body = frontmatter.parse(self.vault.read(found.path).decode("utf-8"))
        except (OSError, ValueError, yaml.YAMLError):  # ValueError: undecodable, `2024-13-45`
            return None
        days = set()
        links = values.get("digests")
        for link in links if isinstance(links, list) else []:
            target = fold(str(link).strip("[]").split("|")[0])
            if target in by_link:
                days.add(dt.date.fromisoformat(by_link[target]))
        date = values.get("date")
        if not isinstance(date, dt.date):
            date = min(days, default=dt.date.min)
        title = str(values.get("title") or found.path.rsplit("/", 1)[-1].removesuffix(".md"))
        return Listed(found.key, title, date, tuple(Source("", 0, d, 1) for d in sorted(days)))

    def _digest_days_by_link(self) -> dict[str, str]:
        """Digest day of each digest note, by every link name that reaches it."""
        by_link = {}
        for (kind, key), other in self.vault.notes.items():
            if kind == "digest":
                by_link[fold(other.path.removesuffix(".md"))] = key
                by_link[fold(other.path.rsplit("/", 1)[-1].removesuffix(".md"))] = key
        return by_link

    def _index(self, rows: list[tuple[Listed, str]]) -> None:
        """The index of every paper in the vault, brought by this run or not."""
        context = index_context(rows)
        props = {KIND_KEY: "index", "papers": context["count"]}
        found = self.vault.get("index", "")
        if found is not None:
            rel = found.path
        else:
            rel = self.vault.claim("", [INDEX_STEM, f"{INDEX_STEM} (exportdigest)"])
        self._managed_note(("index", ""), rel, INDEX, context, props)

    def _base(self) -> None:
        """The Bases view of all papers: written once, then the user's (it is live anyway)."""
        if os.path.lexists(self.vault.path(BASE_FILE)):  # even a dangling link: the user's
            return
        failed = self.outcome.failed
        self._write_setting(BASE_FILE, self._render(BASE, {}).encode("utf-8"))
        if self.outcome.failed == failed and not self.vault.symlink_on_the_way(BASE_FILE):
            self.outcome.add("base created")

    def _save_cache(self, cache: Cache, others: dict[str, tuple[Listed, str]]) -> None:
        """Keep what this run learnt, unless it is what the cache already says."""
        vault = self.vault
        if self.run.dry_run or (
            not self.dirty and not vault.misses and len(vault.facts) == len(cache.files)
        ):
            return
        papers = {
            pid: paper.as_json()
            for pid, (paper, _rel) in itertools.chain(others.items(), self.listed.items())
        }
        link = vault.symlink_on_the_way(STATE_DIR)
        if link is not None:
            self.run.say(f"{LABEL}: the cache is not saved: {link} (the next run reads every note)")
            return
        for name, facts in ((PAPERS_CACHE, papers), (FILES_CACHE, vault.facts)):
            data = Cache.encode(name, facts)
            rel = f"{STATE_DIR}/{name}"
            with contextlib.suppress(OSError, UnsafePath):  # only a cache: the notes are written
                if not vault.path(rel).is_file() or vault.read(rel) != data:
                    vault.write(rel, data, create=False)


def _key(action: str, label: str) -> str:
    """The outcome count a note's action goes under: papers and failures plainly, else labelled."""
    return f"{label} {action}" if label and action != FAILED else action
