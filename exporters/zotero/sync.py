"""One push of papers to a Zotero library: read its state, plan each paper, write in batches.

Reads: one `format=versions` request (since the last run's library version when this machine
has pushed before), the deletions since then when the library changed, the whole deletion log
only when something of ours may have to be made anew (once a run), and the items that must be
compared, 50 keys a request. Writes: at most 50 objects a request, a paper's item and note
always in the same one, each batch with its own write token, reused on retries; then the
attachments the tool owns, in batches of their own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from exportdigest.exporter import CONFLICT, CREATED, FAILED, UNCHANGED, UPDATED, Outcome, Run
from exportdigest.model import Entry

from . import fingerprint, schema
from .api import ApiError, ApiUnavailable, Reply, ZoteroApi, new_token
from .collections import Collections
from .plan import Decision, Held, Remote, decide, decide_attachment, recorded
from .remote import AccessDenied, Library, check_write
from .render import Attachment, Paper, paper
from .state import GONE, TRASHED, Record, State, StateFile

MAX_OBJECTS = 50  # the API's limit per write request
SAVE_EVERY = 2.0  # seconds between state saves during the writes (a cache: losing it is safe)
ROUNDS = 2  # a paper whose write met a version conflict is re-read and re-planned once


@dataclass
class Work:
    """A paper with a plan that writes."""

    paper: Paper
    decision: Decision
    round: int = 1
    landed: bool = False  # a retried request was refused: an earlier attempt may have landed


class Sync:
    """Pushes entries into one library; `push` returns what happened per paper."""

    def __init__(
        self,
        api: ZoteroApi,
        state_file: StateFile,
        run: Run,
        *,
        collection: str,
        per_day: bool,
        force: bool,
        attachments: Callable[[Paper], Iterable[Attachment]] = lambda _paper: (),
    ) -> None:
        self.api, self.state_file, self.run, self.force = api, state_file, run, force
        self.attachments = attachments  # the attachments the tool owns on a paper's item
        self.library = Library(api)
        self.collections = Collections(
            api, self.library, collection, per_day, run.dry_run, run.detail
        )
        self.outcome = Outcome()
        self.state = State()
        self._changed: dict[str, int] = {}
        self._full = True
        self._gone: set[str] | None = None
        self._saved = 0.0
        self._pending: set[str] = set()  # ids of papers with writes not yet settled
        self.held: list[Paper] = []  # papers whose item the library holds as we pushed it
        self.lost: list[Paper] = []  # papers whose item the user deleted

    # ---- the whole push ---------------------------------------------------------------------

    def push(self, entries: Iterable[Entry], count: int) -> Outcome:
        """Plan every paper against the library, then write what must be written."""
        self._read_library()
        to_compare, to_create = self._classify(self.run.progress(entries, count, "zotero"))
        work = self._plan_fetched(to_compare) + self._plan_new(to_create)
        writing = [w for w in work if w.decision.objects]
        if self.run.dry_run:
            self.collections.resolve(w.paper.day for w in writing if w.decision.creates_item)
            for w in writing:
                self._settle(w.paper, w.decision)
            self._attach()
            return self.outcome
        self._save()
        try:
            self._write(writing)
            self._attach()
        except (ApiError, ApiUnavailable, AccessDenied) as exc:  # what was done stays done
            left = len(self._pending)
            self.outcome.add(FAILED, left)
            self.run.say(f"zotero: {exc}; {left} paper(s) not written: run again to finish")
        finally:
            self._save()
        return self.outcome

    def _read_library(self) -> None:
        state, warning = self.state_file.load()
        if warning:
            self.run.say(f"zotero: {warning}")
        since = state.library_version
        changed, version = self.library.versions(since)
        if since is not None and version < since:  # the library was reset or restored
            self.run.say("zotero: the library is older than this machine remembers; re-reading")
            state, since = State(), None
            changed, version = self.library.versions(None)
        self.state, self._changed, self._full = state, changed, since is None
        self.state.library_version = version
        ours = max((r.version for r in state.objects.values()), default=0)
        if since is not None and version > max(since, ours):
            # Deletions do not show in the versions read: the log tells which of ours went
            # (so the notes stop linking to them). Changed by nobody but us: no request.
            for key in self.library.deleted_items(since) & state.objects.keys():
                self._mark_gone(key)

    # ---- planning ---------------------------------------------------------------------------

    def _version(self, key: str) -> int | None:
        """The object's version in the library as far as we know (None: not there)."""
        if key in self._changed:
            return self._changed[key]
        if self._full:
            return None
        record = self.state.objects.get(key)
        return record.version if record else None

    def _keys(self, p: Paper) -> list[str]:
        return [p.item_key, p.note_key] if p.note is not None else [p.item_key]

    def _classify(self, entries: Iterable[Entry]) -> tuple[list[Paper], list[Paper]]:
        """Settle what the local records decide; return (papers to compare, papers to create)."""
        to_compare: list[Paper] = []
        to_create: list[Paper] = []
        for entry in entries:
            p = paper(entry)
            invalid = schema.problems({**p.item, "key": p.item_key, "version": 0})
            if invalid:
                self._fail(p, "not a valid Zotero item: " + "; ".join(invalid))
                continue
            versions = [self._version(k) for k in self._keys(p)]
            if versions[0] is None and all(v is None for v in versions):
                to_create.append(p)
                continue
            known = self._known(p, versions)
            if known is None:
                to_compare.append(p)
            else:
                self._settle(p, known)
        return to_compare, to_create

    def _known(self, p: Paper, versions: list[int | None]) -> Decision | None:
        """A decision from the local records alone, when they match the library's versions."""
        records = []
        for key, version in zip(self._keys(p), versions, strict=True):
            record = self.state.objects.get(key)
            if version is None or record is None or record.version != version:
                return None
            records.append(record)
        return recorded(p, records, self.force)

    def _plan_fetched(self, papers: list[Paper]) -> list[Work]:
        """Read the items these papers need compared (50 keys a request) and decide."""
        keys = [k for p in papers for k in self._keys(p) if self._version(k) not in (None, GONE)]
        found = {data["key"]: data for data in self.library.items(keys)} if keys else {}
        return self._decide_all((p, self._remote(p, found)) for p in papers)

    def _decide_all(self, pairs: Iterable[tuple[Paper, Remote]]) -> list[Work]:
        """Decide each paper; settle those with nothing to write, return the others."""
        work = []
        for p, remote in pairs:
            decision = decide(p, remote, self.force)
            if decision.objects:
                work.append(Work(p, decision))
            else:
                self._settle(p, decision)
        return work

    def _remote(self, p: Paper, found: dict[str, dict[str, Any]]) -> Remote:
        """The paper's objects as read, recording them (or their deletion) in the state."""
        remote = Remote()
        item = found.get(p.item_key)
        pushed = fingerprint.pushed(item.get("extra", "")) if item else None
        if item is None:
            remote.pushed = self._pushed_before(p)
        for key, attr in ((p.item_key, "item"), (p.note_key, "note")):
            if attr == "note" and p.note is None:
                continue
            data = found.get(key)
            version = self._version(key)
            if data is not None:
                setattr(remote, attr, data)
                if attr == "item":
                    current = fingerprint.item_fp(data, p.arxiv)
                    was = pushed[0] if pushed else ""
                    was = current if was in fingerprint.item_fps(data) else was
                else:
                    current = fingerprint.note_fp(data.get("note", ""))
                    was = pushed[1] if pushed else ""
                if data.get("deleted"):
                    current = TRASHED
                self.state.objects[key] = Record(int(data["version"]), current, was)
            elif version is not None:
                setattr(remote, f"{attr}_gone", True)
                self._mark_gone(key)
        return remote

    def _pushed_before(self, p: Paper) -> tuple[str, str] | None:
        """What the local records say was last pushed for this paper, if anything."""
        item, note = (self.state.objects.get(k) for k in (p.item_key, p.note_key))
        return (item.pushed, note.pushed if note else "") if item else None

    def _mark_gone(self, key: str) -> None:
        """Remember that the user deleted this object (keeping what we had pushed)."""
        old = self.state.objects.get(key)
        self.state.objects[key] = Record(GONE, "", old.pushed if old else "")

    def _plan_new(self, papers: list[Paper]) -> list[Work]:
        """Papers none of whose objects are known: created, unless the user deleted them."""
        if not papers:
            return []
        gone = self._deleted()
        for key in (k for p in papers for k in self._keys(p) if k in gone):
            self._mark_gone(key)
        return self._decide_all(
            (p, Remote(item_gone=p.item_key in gone, note_gone=p.note_key in gone)) for p in papers
        )

    # ---- writing ----------------------------------------------------------------------------

    def _write(self, work: list[Work]) -> None:
        self._pending = {w.paper.id for w in work}
        for w in work:
            self._file(w)
        while work:
            retry: list[Work] = []
            for batch in _batches(work):
                retry += self._send(batch)
                self._save(at_most_every=SAVE_EVERY)
            work = self._replan(retry)

    def _file(self, w: Work) -> Work:
        """Put a new item into its collection (made when missing)."""
        if w.decision.creates_item:
            w.decision.objects[0]["collections"] = [self.collections.key_for(w.paper.day)]
        return w

    def _send(self, batch: list[Work]) -> list[Work]:
        """Send one batch; return the papers whose outcome must be read back."""
        payload = [obj for w in batch for obj in w.decision.objects]
        reply = self.api.post("items", payload, new_token())
        for w in batch:
            w.landed = reply.attempts > 1
        if reply.status == 412:  # this token's batch was already committed, or versions moved
            return batch
        if reply.status == 200 and not isinstance(reply.body, dict):  # saved, answer garbled?
            for w in batch:
                w.landed = True
            return batch
        check_write(reply, self.api)
        if reply.status != 200 or not isinstance(reply.body, dict):
            message = f"HTTP {reply.status} {reply.brief}"
            for w in batch:
                self._fail(w.paper, message)
            return []
        return self._results(batch, reply)

    def _results(self, batch: list[Work], reply: Reply) -> list[Work]:
        body = reply.body
        successful = body.get("successful") or {}
        unchanged = body.get("unchanged") or {}
        failed = body.get("failed") or {}
        retry = []
        index = 0
        for w in batch:
            problems, conflict = [], False
            for obj in w.decision.objects:
                slot = str(index)
                index += 1
                if slot in successful:
                    version = _saved_version(successful[slot])
                    if version is None:  # saved, but the answer does not say which version
                        w.landed = conflict = True
                        problems.append("the server's answer lacks the saved version")
                    else:
                        self._record_written(w.paper, obj, version)
                elif slot in unchanged:
                    self._record_written(w.paper, obj, int(obj.get("version") or 0))
                else:
                    error = failed.get(slot) or {"code": 0, "message": "no result returned"}
                    conflict |= error.get("code") == 412
                    problems.append(f"{error.get('message', '')} (HTTP {error.get('code')})")
            if not problems:
                self._settle(w.paper, w.decision)
            elif conflict and w.round < ROUNDS:
                retry.append(w)
            else:
                self._fail(w.paper, "; ".join(problems))
        return retry

    def _record_written(self, p: Paper, obj: dict[str, Any], version: int) -> None:
        fp = {p.item_key: p.item_fp, p.note_key: p.note_fp}[obj["key"]]
        self.state.objects[obj["key"]] = Record(version, fp, fp)

    def _replan(self, papers: list[Work]) -> list[Work]:
        """Re-read papers whose write may have landed or met a change; plan them again."""
        if not papers:
            return []
        keys = [k for w in papers for k in self._keys(w.paper)]
        found = {data["key"]: data for data in self.library.items(keys)}
        again = []
        for w in papers:
            remote = self._remote(w.paper, found)
            decision = decide(w.paper, remote, self.force)
            if decision.action == UNCHANGED and w.landed:  # an earlier attempt did land
                self._settle(w.paper, w.decision)
            elif not decision.objects:
                self._settle(w.paper, decision)
            else:
                again.append(self._file(Work(w.paper, decision, w.round + 1)))
        for w in again:
            if w.round > ROUNDS:
                self._fail(w.paper, "the library kept changing during the push; run again")
        return [w for w in again if w.round <= ROUNDS]

    # ---- attachments the tool owns ------------------------------------------------------------

    def _attach(self) -> None:
        """Bring the tool's attachments of every held item up to date (after the items)."""
        wanted = [(p, a) for p in self.held for a in self.attachments(p)]
        keys = [a.key for _p, a in wanted if self._attachment_unsure(a)]
        found = {data["key"]: data for data in self.library.items(keys)} if keys else {}
        unsure = set(keys)  # looked up once per attachment: --force reads them all
        work = []
        for p, a in wanted:
            held, gone = self._held(a, found, unsure)
            decision = decide_attachment(a, held, gone, self.force)
            if decision.objects and not self.run.dry_run:
                work.append((p, a, decision))
            else:
                self._report_attachment(p, a, decision)
        refused: list[str] = []
        for start in range(0, len(work), MAX_OBJECTS):
            refused += self._send_attachments(work[start : start + MAX_OBJECTS])
            self._save(at_most_every=SAVE_EVERY)
        if refused:
            self.outcome.notes.append(f"{len(refused)} link(s) not stored")
            self.run.say(
                f"zotero: Zotero refused {len(refused)} link attachment(s) ({refused[0]}): "
                "the items and their notes are stored, those links are not"
            )

    def _deleted(self) -> set[str]:
        """Keys in the library's deletion log, read once per run and only when needed."""
        if self._gone is None:
            self._gone = self.library.deleted_items(0)
        return self._gone

    def _attachment_unsure(self, a: Attachment) -> bool:
        """Whether the attachment must be read: our records do not vouch for its copy."""
        version, record = self._version(a.key), self.state.objects.get(a.key)
        if version is None or version == GONE:
            return False
        # --force re-creates what the user deleted: whether it is there is read, not assumed.
        if self.force or record is None:
            return True
        # A copy about to be written is read first: an update keeps the user's tags and
        # relations on it, and one in the trash stays there.
        changed = record.version != version or record.current != record.pushed
        return changed or record.current != a.fp

    def _held(
        self, a: Attachment, found: dict[str, dict[str, Any]], read: set[str]
    ) -> tuple[Held | None, bool]:
        """The attachment as the library holds it, and whether the user deleted it."""
        version, record = self._version(a.key), self.state.objects.get(a.key)
        if record is not None and (record.version == GONE or (version is None and record.version)):
            self._mark_gone(a.key)
            return None, True
        if version is None:
            gone = a.key in self._deleted()
            if gone:
                self._mark_gone(a.key)
            return None, gone
        if a.key not in read:
            assert record is not None  # vouched for by it
            return Held(record.version, record.current, record.pushed), False
        data = found.get(a.key)
        if data is None:  # listed as changed, gone when read
            self._mark_gone(a.key)
            return None, True
        current = TRASHED if data.get("deleted") else fingerprint.attachment_fp(data)
        pushed = record.pushed if record else ""
        self.state.objects[a.key] = Record(int(data["version"]), current, pushed or current)
        return Held(int(data["version"]), current, pushed, data, bool(data.get("deleted"))), False

    def _send_attachments(self, work: list[tuple[Paper, Attachment, Decision]]) -> list[str]:
        """Write one batch of attachments; why each refused one was refused."""
        reply = self.api.post("items", [d.objects[0] for _p, _a, d in work], new_token())
        check_write(reply, self.api)
        body = reply.body if reply.status == 200 and isinstance(reply.body, dict) else None
        if body is None:  # all of them, perhaps saved: the next run reads them back
            for _p, a, _d in work:
                self.state.objects.pop(a.key, None)
            self.run.say(
                f"zotero: {len(work)} link attachment(s) not confirmed "
                f"(HTTP {reply.status} {reply.brief}): the next run checks them"
            )
            return []
        refused = []
        for index, (p, a, decision) in enumerate(work):
            slot, obj = str(index), decision.objects[0]
            saved = (body.get("successful") or {}).get(slot)
            if saved is not None or slot in (body.get("unchanged") or {}):
                version = _saved_version(saved) if saved is not None else int(obj["version"])
                self.state.objects[a.key] = Record(version or 0, a.fp, a.fp)
                self._report_attachment(p, a, decision)
                continue
            error = (body.get("failed") or {}).get(slot) or {}
            if error.get("code") == 404:  # deleted since we last saw it: the user's choice
                self._mark_gone(a.key)
            elif error.get("code") == 412:  # changed meanwhile: read again on the next run
                self.state.objects.pop(a.key, None)
            else:
                refused.append(f"HTTP {error.get('code')}: {error.get('message', '')}")
        return refused

    def _report_attachment(self, p: Paper, a: Attachment, decision: Decision) -> None:
        if decision.action != UNCHANGED:
            self.outcome.add(f"links {decision.action}")
        what = f"{a.title} link of {p.title}"
        self.run.plan(decision.action, f"{what} ({decision.reason})" if decision.reason else what)

    # ---- reporting and memory ---------------------------------------------------------------

    def _settle(self, p: Paper, decision: Decision) -> None:
        self._pending.discard(p.id)
        if decision.action in (CREATED, UPDATED, UNCHANGED):
            self.held.append(p)
        elif getattr(self.state.objects.get(p.item_key), "version", None) == GONE:
            self.lost.append(p)
        self.outcome.add(decision.action)
        self._report(p, decision)

    def _report(self, p: Paper, decision: Decision) -> None:
        action, reason = decision.action, decision.reason
        if action == CONFLICT and not self.run.dry_run:
            self.run.say(f"zotero: conflict: {p.title}: {reason}; {self._left(decision)}")
        else:
            self.run.plan(action, f"{p.title} ({reason})" if reason else p.title)

    def _left(self, conflict: Decision) -> str:
        """What became of a conflict and what resolves it: --force only when it would."""
        if not conflict.forceable:  # a conflict under --force too
            return "left as it is (fix or remove the exportdigest-id line in that item's Extra)"
        return "left as it is" if self.force else "left as it is (--force overwrites)"

    def _fail(self, p: Paper, message: str) -> None:
        self._pending.discard(p.id)
        self.outcome.add(FAILED)
        self.run.say(f"zotero: failed: {p.title}: {message}")

    def _save(self, at_most_every: float = 0.0) -> None:
        """Write the state file (during the writes, at most every few seconds)."""
        now = time.monotonic()
        if self.run.dry_run or now - self._saved < at_most_every:
            return
        self.state_file.save(self.state)
        self._saved = now


def _saved_version(saved: Any) -> int | None:
    """The version the server gave a saved object (in `successful`), if it says."""
    if not isinstance(saved, dict):
        return None
    version = saved.get("version", (saved.get("data") or {}).get("version"))
    return version if isinstance(version, int) else None


def _batches(work: list[Work]) -> Iterator[list[Work]]:
    """Papers in groups of at most 50 objects, never splitting a paper from its note."""
    batch: list[Work] = []
    size = 0
    for w in work:
        n = len(w.decision.objects)
        if batch and size + n > MAX_OBJECTS:
            yield batch
            batch, size = [], 0
        batch.append(w)
        size += n
    if batch:
        yield batch
