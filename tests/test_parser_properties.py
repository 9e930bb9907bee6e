"""Property tests: digest text round-trips, and no input makes the reader raise."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import entry_lists

from exportdigest import digest_text
from exportdigest.diagnostics import Diagnostic
from exportdigest.inputs import collect
from exportdigest.reader import Digests

FIELDS = ("id", "title", "authors", "abstract", "commentary", "tags", "date")


def reread(text: str | bytes) -> Digests:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return Digests(collect(["-"], stdin=io.BytesIO(data)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entry_lists())
def test_entries_rendered_as_a_digest_parse_back_to_the_same_entries(entries):
    digests = reread(digest_text.render(entries))
    parsed = list(digests)
    assert [[getattr(e, f) for f in FIELDS] for e in parsed] == [
        [getattr(e, f) for f in FIELDS] for e in entries
    ]
    # Only entries without a hashtag line may be reported (they end at the next title).
    assert len(digests.diagnostics) == sum(1 for e in entries if not e.tags)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_arbitrary_text_never_raises_only_diagnostics(text):
    digests = reread(text)
    for entry in digests:
        assert entry.title and entry.authors
    assert all(isinstance(d, Diagnostic) and d.line >= 0 for d in digests.diagnostics)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(data):
    digests = reread(b"2024-11-04\n" + data)
    list(digests)
    assert all(str(d).startswith("<stdin>") for d in digests.diagnostics)
