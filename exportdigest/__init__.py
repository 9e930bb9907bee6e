"""exportdigest: daily ML paper digests into Obsidian notes, Zotero items and citation files."""

__version__ = "0.1.0"
