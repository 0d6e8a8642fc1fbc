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


def _walk(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith((".", "_")) and _kind_of(name):
                yield Path(folder) / name


def expand(paths: list[Path]) -> tuple[list[Path], list[Finding]]:
    """The files to read, in order, and findings for paths that are not corpus files."""
    files: list[Path] = []
    findings: list[Finding] = []
    for path in paths:
        if path.is_dir():
            files.extend(_walk(path))
        elif path.is_file() and _kind_of(path.name):
            files.append(path)
        elif path.exists():
            findings.append(
                codes.make("E011", f"`{path.name}` is not a corpus file", path=path.as_posix())
            )
        else:
            findings.append(codes.make("E007", "no such file or folder", path=path.as_posix()))
    seen: set[Path] = set()
    unique = []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique, findings


def read_items(
    paths: list[Path], max_file_bytes: int, cwd: Path | None = None
) -> Iterator[Item | Finding]:
    """Every document of the corpus as an Item, and read-stage findings, in order."""
    from corpus_tool.sources import shards

    cwd = cwd or Path.cwd()
    files, findings = expand(paths)
    yield from findings
    present = {f.resolve() for f in files}
    for file in files:
        shown = display_path(file, cwd)
        kind = _kind_of(file.name)
        if kind == "sidecar":
            text_file = file.with_name(file.name[: -len(SIDECAR_SUFFIX)] + ".txt")
            if text_file.resolve() not in present and not text_file.is_file():
                yield codes.make("E010", f"no `{text_file.name}` beside this sidecar", path=shown)
            continue
        if kind == "shard":
            yield from shards.read_shard(file, shown, max_file_bytes)
            continue
        yield from _read_txt(file, shown, max_file_bytes, cwd)


def _read_bytes(path: Path, shown: str, limit: int) -> bytes | Finding:
    try:
        size = path.stat().st_size
        if size > limit:
            return codes.make("E006", f"{size:,} bytes is over the limit of {limit:,}", path=shown)
        return path.read_bytes()
    except OSError as exc:
        return codes.make("E007", f"cannot read: {exc.strerror or exc}", path=shown)


def _read_txt(path: Path, shown: str, limit: int, cwd: Path) -> Iterator[Item | Finding]:
    data = _read_bytes(path, shown, limit)
    if isinstance(data, Finding):
        yield data
        return
    item = Item("txt", shown, 1, data, doc_id=path.name[: -len(".txt")])
    sidecar = path.with_name(item.doc_id + SIDECAR_SUFFIX)  # type: ignore[operator]
    if sidecar.exists():
        side = _read_bytes(sidecar, display_path(sidecar, cwd), limit)
        if isinstance(side, Finding):
            yield side
        else:
            item.sidecar = side
            item.sidecar_path = display_path(sidecar, cwd)
    yield item
