"""Read: turn corpus paths into a stream of raw items, in a stable order.

A corpus is any mix of `.txt` documents (each with an optional
`<id>.meta.json` sidecar) and shards (`.jsonl`, `.jsonl.gz`, `.jsonl.zst`,
`.parquet`). Folders are walked recursively in sorted order, skipping hidden
folders. Reading does no parsing: an `Item` carries bytes (or, for Parquet, a
row) to the workers, which decode and check them. What cannot even be read
becomes a Finding here, and the stream goes on.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus_tool import codes
from corpus_tool.findings import Finding

SIDECAR_SUFFIX = ".meta.json"
SHARD_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".parquet")


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
    """The path as findings show it: relative to the working folder when inside it."""
    try:
        return path.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _kind_of(name: str) -> str | None:
    if name.endswith(SIDECAR_SUFFIX):
        return "sidecar"
    if name.endswith(".txt"):
        return "txt"
    if name.endswith(SHARD_SUFFIXES):
        return "shard"
    return None


def _walk(root: str, shown_root: str) -> Iterator[tuple[str, str]]:
    """(absolute path, shown path) of the corpus files under `root`, in sorted order.

    Paths are built as strings from the root resolved once: a corpus of a million
    .txt files must not pay a resolve() per file.
    """
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel = os.path.relpath(folder, root).replace(os.sep, "/")
        prefix = shown_root if rel == "." else f"{shown_root}/{rel}"
        prefix = "" if prefix == "." else prefix + "/"
        for name in sorted(names):
            if not name.startswith((".", "_")) and _kind_of(name):
                yield os.path.join(folder, name), prefix + name


def _files(paths: list[Path], cwd: Path) -> tuple[list[tuple[str, str]], list[Finding]]:
    files: list[tuple[str, str]] = []
    findings: list[Finding] = []
    for path in paths:
        if path.is_dir():
            files.extend(_walk(os.path.realpath(path), display_path(path, cwd)))
        elif path.is_file() and _kind_of(path.name):
            files.append((os.path.realpath(path), display_path(path, cwd)))
        elif path.exists():
            findings.append(
                codes.make("E011", f"`{path.name}` is not a corpus file", path=path.as_posix())
            )
        else:
            findings.append(codes.make("E007", "no such file or folder", path=path.as_posix()))
    seen: set[str] = set()
    unique = []
    for entry in files:
        if entry[0] not in seen:
            seen.add(entry[0])
            unique.append(entry)
    return unique, findings


def expand(paths: list[Path], cwd: Path | None = None) -> tuple[list[Path], list[Finding]]:
    """The files to read, in order, and findings for paths that are not corpus files."""
    files, findings = _files(paths, cwd or Path.cwd())
    return [Path(absolute) for absolute, _ in files], findings


def read_items(
    paths: list[Path], max_file_bytes: int, cwd: Path | None = None
) -> Iterator[Item | Finding]:
    """Every document of the corpus as an Item, and read-stage findings, in order."""
    from corpus_tool.sources import shards

    files, findings = _files(paths, cwd or Path.cwd())
    yield from findings
    present = {absolute for absolute, _ in files}
    for absolute, shown in files:
        kind = _kind_of(os.path.basename(absolute))
        if kind == "sidecar":
            text_file = absolute[: -len(SIDECAR_SUFFIX)] + ".txt"
            if text_file not in present and not os.path.isfile(text_file):
                name = os.path.basename(text_file)
                yield codes.make("E010", f"no `{name}` beside this sidecar", path=shown)
            continue
        if kind == "shard":
            yield from shards.read_shard(Path(absolute), shown, max_file_bytes)
            continue
        yield from _read_txt(absolute, shown, max_file_bytes)


def _read_bytes(path: str, shown: str, limit: int) -> bytes | Finding | None:
    """The file's bytes; None if it does not exist; a Finding if it cannot be read."""
    try:
        with open(path, "rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if size > limit:
                return codes.make(
                    "E006", f"{size:,} bytes is over the limit of {limit:,}", path=shown
                )
            return stream.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return codes.make("E007", f"cannot read: {exc.strerror or exc}", path=shown)


def _read_txt(path: str, shown: str, limit: int) -> Iterator[Item | Finding]:
    data = _read_bytes(path, shown, limit)
    if data is None:
        data = codes.make("E007", "the file disappeared while reading", path=shown)
    if isinstance(data, Finding):
        yield data
        return
    doc_id = os.path.basename(path)[: -len(".txt")]
    item = Item("txt", shown, 1, data, doc_id=doc_id)
    sidecar_shown = shown[: -len(".txt")] + SIDECAR_SUFFIX
    side = _read_bytes(path[: -len(".txt")] + SIDECAR_SUFFIX, sidecar_shown, limit)
    if isinstance(side, Finding):
        yield side
    elif side is not None:
        item.sidecar = side
        item.sidecar_path = sidecar_shown
    yield item
