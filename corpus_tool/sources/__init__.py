"""Read: turn corpus paths into a stream of raw items, in a stable order.

A corpus is any mix of `.txt` documents (each with an optional
`<id>.meta.json` sidecar) and shards (`.jsonl`, `.jsonl.gz`, `.jsonl.zst`,
`.parquet`). Reading does no parsing: an `Item` carries bytes (or, for Parquet,
a row) to the workers, which decode and check them. What cannot even be read
becomes a Finding here, and the stream goes on.

Fail closed: which files are read, and what happens to the others (unsupported
types E011, symlinks out of the corpus E013, FIFOs and devices E014, release
folders E015, unlistable folders E007) is in `corpus_tool.sources.files`. A
corpus path that yields no document is an error (E012), never a green gate on
nothing. `max_file_bytes` is the per-document limit on decoded size, in every
format, checked before the document is materialized (E006); compressed shards
that end early or carry trailing garbage are E009 at the line reached.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus_tool.findings import Finding
from corpus_tool.sources.files import (
    SHARD_SUFFIXES,
    SIDECAR_SUFFIX,
    Entry,
    Listing,
    list_corpus,
    open_regular,
    printable,
)
from corpus_tool.sources.read import FILE_TOO_LARGE, NO_DOCUMENTS, ORPHAN_SIDECAR, UNREADABLE_FILE

READ_SUFFIXES = (".txt", *SHARD_SUFFIXES)


@dataclass(slots=True)
class Item:
    """One document as read, before any decoding.

    kind: `txt` (data = raw bytes of the file), `jsonl` (data = the line's
    bytes) or `row` (data = a Parquet row as a dict).
    """

    kind: str
    path: str
    line: int
    data: Any
    doc_id: str | None = None
    sidecar: bytes | None = None
    sidecar_path: str | None = None


def display_path(path: Path, cwd: Path) -> str:
    """The path as findings show it: relative to the working folder when inside it,
    with undecodable bytes and control characters escaped (see `printable`)."""
    try:
        shown = path.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        shown = path.as_posix()
    return printable(shown)


def expand(
    paths: list[Path], cwd: Path | None = None, *, exclude: Sequence[Path] = ()
) -> tuple[list[Path], list[Finding]]:
    """The files to read, in order, and the findings of listing them (paths that
    are not corpus files, folders that cannot be listed, paths with no corpus file)."""
    cwd = cwd or Path.cwd()
    listing = list_corpus(paths, [display_path(p, cwd) for p in paths], exclude)
    findings = listing.findings + _empty_roots(listing, set(), read=False)
    return [Path(e.path) for e in listing.entries], findings


def read_items(
    paths: list[Path],
    max_file_bytes: int,
    cwd: Path | None = None,
    *,
    exclude: Sequence[Path] = (),
    require_documents: bool = True,
) -> Iterator[Item | Finding]:
    """Every document of the corpus as an Item, and read-stage findings, in order.

    `max_file_bytes` bounds each document's decoded size: a .txt file, a shard
    line, a Parquet row. Folders in `exclude` (e.g. the release output folder)
    are not read. A corpus path that yields no document is an E012 error, unless
    `require_documents` is false (an engine that reads file by file checks that).
    """
    from corpus_tool.sources import shards

    cwd = cwd or Path.cwd()
    listing = list_corpus(paths, [display_path(p, cwd) for p in paths], exclude)
    yield from listing.findings
    sidecars = {e.path: e for e in listing.entries if e.kind == "sidecar"}
    present = {e.path for e in listing.entries}
    fruitful: set[int] = set()
    for entry in listing.entries:
        if entry.kind == "sidecar":
            text_file = entry.path[: -len(SIDECAR_SUFFIX)] + ".txt"
            if text_file not in present and not os.path.isfile(text_file):
                name = printable(os.path.basename(text_file))
                yield ORPHAN_SIDECAR.finding(f"no `{name}` beside this sidecar", path=entry.shown)
            continue
        if entry.kind == "shard":
            stream = shards.read_shard(entry.real, entry.shown, max_file_bytes)
        else:
            stream = _read_txt(entry, sidecars, max_file_bytes)
        for found in stream:
            if isinstance(found, Item):
                fruitful.update(entry.roots)
            yield found
    if require_documents:
        yield from _empty_roots(listing, fruitful, read=True)


def read_entry(
    entry: Entry, sidecars: dict[str, Entry], max_file_bytes: int
) -> Iterator[Item | Finding]:
    """The documents of one listed file (a .txt with its sidecar from `sidecars`, keyed
    by listed path, or a shard), as `read_items` reads them: for a run that re-reads
    only some files of a listing (`check --since`)."""
    from corpus_tool.sources import shards

    if entry.kind == "shard":
        return shards.read_shard(entry.real, entry.shown, max_file_bytes)
    return _read_txt(entry, sidecars, max_file_bytes)


def _empty_roots(listing: Listing, fruitful: set[int], *, read: bool) -> list[Finding]:
    """E012 for each corpus path that yields no document.

    Before reading (`read` false): the paths that hold no file to read at all.
    After: also those whose files gave no document (every one is a finding).
    """
    listed: dict[int, int] = {}
    for entry in listing.entries:
        if entry.kind != "sidecar":
            for root in entry.roots:
                listed[root] = listed.get(root, 0) + 1
    findings = []
    for index, shown in enumerate(listing.roots):
        if index in listing.missing or index in fruitful:
            continue
        count = listed.get(index, 0)
        if count == 0:
            msg = f"`{shown}` holds no document: no {', '.join(READ_SUFFIXES)} file to read"
        elif read:
            files = "one file" if count == 1 else f"{count:,} files"
            msg = f"`{shown}` holds no document: its {files} gave none (see the findings there)"
        else:
            continue
        findings.append(NO_DOCUMENTS.finding(msg, path=shown))
    return findings


def _read_txt(entry: Entry, sidecars: dict[str, Entry], limit: int) -> Iterator[Item | Finding]:
    data = _read_bytes(entry.real, entry.shown, limit)
    if isinstance(data, Finding):
        yield data
        return
    doc_id = printable(os.path.basename(entry.path)[: -len(".txt")])
    item = Item("txt", entry.shown, 1, data, doc_id=doc_id)
    side_path = entry.path[: -len(".txt")] + SIDECAR_SUFFIX
    side_shown = entry.shown[: -len(".txt")] + SIDECAR_SUFFIX
    listed = sidecars.get(side_path)
    side: bytes | Finding | None = None
    if listed is not None:
        side = _read_bytes(listed.real, side_shown, limit)
    elif entry.given and os.path.lexists(side_path):
        # A .txt given by itself: its sidecar beside it, if that is a regular file.
        side = _read_bytes(side_path, side_shown, limit)
    if isinstance(side, Finding):
        yield side
    elif side is not None:
        item.sidecar = side
        item.sidecar_path = side_shown
    yield item


def _read_bytes(path: str, shown: str, limit: int) -> bytes | Finding:
    """At most `limit` bytes of the file, or the finding that says why not.

    Reads `limit + 1` bytes at most, so a file that grows while it is read (or
    whose size the file system misreports) still costs no more than the limit.
    """
    stream = open_regular(path, shown)
    if isinstance(stream, Finding):
        return stream
    try:
        with stream:
            size = os.fstat(stream.fileno()).st_size
            if size > limit:
                return _too_large(size, limit, shown)
            data = stream.read(limit + 1)
            if len(data) > limit:
                return _too_large(None, limit, shown)
            return data
    except OSError as exc:
        return UNREADABLE_FILE.finding(f"cannot read: {exc.strerror or exc}", path=shown)


def _too_large(size: int | None, limit: int, shown: str) -> Finding:
    what = f"{size:,} bytes" if size is not None else "more bytes"
    msg = f"{what} is over the per-document limit `max_file_bytes` of {limit:,}"
    return FILE_TOO_LARGE.finding(msg, path=shown)
