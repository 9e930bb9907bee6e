"""Compare what the parser recovers from a corpus with its truth.jsonl, field by field.

Usage: python scripts/conformance.py [CORPUS_DIR]   (default ../shared/corpus/2023)
Prints per-field accuracy and the first mismatches; exits 1 unless every field matches.
Skips (exit 0) when the corpus is not there, as on a user's fresh clone.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from exportdigest.inputs import collect
from exportdigest.reader import Digests

FIELDS = ("title", "authors", "abstract", "ko", "en", "tags", "date")
DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "2023"


def norm(value):
    """Whitespace-normalised form: runs of white space become one space."""
    if isinstance(value, list):
        return [norm(v) for v in value]
    return " ".join(str(value).split())


def recovered(entry) -> dict:
    """The entry's fields under truth.jsonl's names."""
    return {
        "title": entry.title,
        "authors": list(entry.authors),
        "abstract": entry.abstract,
        "ko": entry.commentary.ko,
        "en": entry.commentary.en,
        "tags": list(entry.tags),
        "date": entry.date.isoformat(),
    }


def main(argv: list[str]) -> int:
    corpus = Path(argv[1]) if len(argv) > 1 else DEFAULT
    truth_file = corpus / "truth.jsonl"
    if not truth_file.exists():
        print(f"conformance: skipped, no corpus at {corpus}")
        return 0
    truth = [json.loads(line) for line in truth_file.read_text("utf-8").splitlines() if line]
    digests = Digests(collect([str(corpus)]))
    got = {norm(e.title): recovered(e) for e in digests}
    right = dict.fromkeys(FIELDS, 0)
    misses: list[str] = []
    for row in truth:
        entry = got.get(norm(row["title"]))
        for name in FIELDS:
            if entry is not None and norm(entry[name]) == norm(row[name]):
                right[name] += 1
            elif len(misses) < 15:
                shown = entry[name] if entry else "<paper not found>"
                misses.append(f"{row['file']} {row['title'][:50]!r} {name}: {shown!r:.120}")
    total = len(truth)
    print(
        f"conformance: {corpus} - {total} papers in truth, {len(got)} parsed, "
        f"{len(digests.diagnostics)} diagnostics"
    )
    for name in FIELDS:
        print(f"  {name:9} {right[name]:4}/{total}  {100 * right[name] / total:6.2f}%")
    for line in misses:
        print("  MISMATCH", line)
    perfect = all(v == total for v in right.values()) and len(got) == total
    print("conformance:", "all fields match" if perfect else "FAILED")
    return 0 if perfect else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
