"""Listing the corpus: which files are read, under which shown path, and why others are not.

The rules (the README's "The corpus" says the same):

- Only regular files are read. A FIFO, device or socket is never opened (E014).
- Folders are walked in sorted order. Names starting with `.` or `_` are skipped,
  files and folders alike: hidden files, and the `_SUCCESS`, `_metadata`,
  `_temporary/` that Spark, Hadoop and Arrow write beside their shards (the
  convention of `pyarrow.dataset`'s `ignore_prefixes`).
- Suffixes are exact and lower-case: `.txt`, `.meta.json`, `.jsonl`, `.jsonl.gz`,
  `.jsonl.zst`, `.parquet`. Every other file in a folder is reported (E011),
  `.TXT` and `.ndjson` included: an alias would give two spellings of one id.
- A symlink (to a file or a folder) whose target is outside every corpus path is
  not read (E013). One whose target is inside is an alias: when the walk reaches
  the target under its own name, the link is skipped; otherwise (a target in a
  hidden folder, e.g. git-annex) it is followed. Every real file is read once, and
  a folder is walked at most once per corpus path, so symlink loops end. A
  broken symlink is E007.
- A release (any folder holding a `manifest.json`, so a damaged release too) and
  the folders in `exclude` are never read back as input (E015, info, for a
  release). A build's own temporary files in `--out` are hidden (`.tmp-*`).
- A folder that cannot be listed is E007; the walk goes on with the others.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO

from corpus_tool.findings import Finding
from corpus_tool.sources.read import (
    NOT_A_REGULAR_FILE,
    RELEASE_FOLDER,
    SYMLINK_OUTSIDE,
    UNREADABLE_FILE,
    UNSUPPORTED_FILE,
)

SIDECAR_SUFFIX = ".meta.json"
SHARD_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".parquet")
SKIPPED_PREFIXES = (".", "_")
RELEASE_MARKER = "manifest.json"

_OPEN_FLAGS = (
    os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
)


def printable(text: str) -> str:
    """`text` safe for every renderer: undecodable bytes of a file name (which
    Python holds as lone surrogates) become `\\xff`, control characters `\\x0a`."""
    if text.isprintable():
        return text
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else _escape(c) for c in text)


def _escape(char: str) -> str:
    point = ord(char)
    return f"\\x{point:02x}" if point < 0x100 else f"\\u{point:04x}"


def kind_of(name: str) -> str | None:
    """`txt`, `sidecar` or `shard` by the file name; None for other files."""
    if name.endswith(SIDECAR_SUFFIX):
        return "sidecar"
    if name.endswith(".txt"):
        return "txt"
    if name.endswith(SHARD_SUFFIXES):
        return "shard"
    return None


def what_is(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def open_regular(path: str, shown: str) -> IO[bytes] | Finding:
    """`path` opened for reading if it is a regular file, else the finding that says why not.

    O_NONBLOCK: opening a FIFO never waits for a writer; O_NOFOLLOW: `path` is the
    resolved path, so a symlink there now was swapped in after the listing. The
    descriptor is checked, not the name, so nothing can change in between.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        return UNREADABLE_FILE.finding("the file disappeared before it was read", path=shown)
    except OSError as exc:
        return UNREADABLE_FILE.finding(f"cannot open: {exc.strerror or exc}", path=shown)
    try:
        mode = os.fstat(fd).st_mode
    except OSError as exc:
        os.close(fd)
        return UNREADABLE_FILE.finding(f"cannot read: {exc.strerror or exc}", path=shown)
    if not stat.S_ISREG(mode):
        os.close(fd)
        return NOT_A_REGULAR_FILE.finding(
            f"{what_is(mode)}, not a regular file: not read", path=shown
        )
    return os.fdopen(fd, "rb")


@dataclass(slots=True)
class Entry:
    """One file to read: the path it was listed under, the real path to open, and
    the path findings show. `roots` are the indexes of the corpus paths holding it."""

    path: str
    real: str
    shown: str
    kind: str
    roots: list[int] = field(default_factory=list)
    given: bool = False  # a file named as a corpus path itself


@dataclass(slots=True)
class Listing:
    entries: list[Entry]
    findings: list[Finding]
    roots: list[str]  # each corpus path as shown
    missing: set[int]  # corpus paths that do not exist (already an E007)


def _inside(real: str, folders: Sequence[str]) -> bool:
    return any(real == f or real.startswith(f.rstrip(os.sep) + os.sep) for f in folders)


def _is_release(folder: str, names: set[str]) -> bool:
    """A folder with a `manifest.json` is a release (or a damaged one): its shards
    are never corpus documents, whatever else it lacks."""
    return RELEASE_MARKER in names and os.path.isfile(os.path.join(folder, RELEASE_MARKER))


class _Walker:
    def __init__(self, roots: list[str], exclude: Sequence[str]) -> None:
        self.roots = roots  # real paths of the corpus paths that exist
        self.exclude = list(exclude)
        self.findings: list[Finding] = []

    def reached(self, real: str, is_dir: bool) -> bool:
        """Whether the plain walk (no symlinks) reaches `real` under its own name."""
        for root in self.roots:
            if not _inside(real, [root]) or not os.path.isdir(root):
                continue
            rel = os.path.relpath(real, root)
            parts = [] if rel == "." else rel.split(os.sep)
            if any(p.startswith(SKIPPED_PREFIXES) for p in parts):
                continue
            if not is_dir and (not parts or kind_of(parts[-1]) is None):
                continue
            folders = parts if is_dir else parts[:-1]
            current, ok = root, True
            for part in ["", *folders]:
                current = os.path.join(current, part) if part else current
                if _inside(current, self.exclude) or self._release_here(current):
                    ok = False
                    break
            if ok:
                return True
        return False

    def _release_here(self, folder: str) -> bool:
        try:
            names = set(os.listdir(folder))
        except OSError:
            return False
        return _is_release(folder, names)

    def walk(self, folder: str, real: str, shown: str, seen: set[str]) -> Iterator[Entry]:
        """The corpus files under `folder` (real path `real`), in sorted order."""
        if _inside(real, self.exclude):
            return
        seen.add(real)
        try:
            with os.scandir(folder) as listing:
                found = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            where = shown or "."
            msg = f"cannot list the folder: {exc.strerror or exc}"
            self.findings.append(UNREADABLE_FILE.finding(msg, path=where))
            return
        if _is_release(folder, {e.name for e in found}):
            msg = "a release folder (it holds manifest.json): not read as input"
            self.findings.append(RELEASE_FOLDER.finding(msg, path=shown or "."))
            return
        prefix = shown + "/" if shown else ""
        folders: list[tuple[str, str, str]] = []
        for entry in found:
            name = entry.name
            if name.startswith(SKIPPED_PREFIXES):
                continue
            here = prefix + printable(name)
            target = os.path.join(real, name)
            try:
                if entry.is_symlink():
                    resolved = self._follow(entry.path, here)
                    if resolved is None:
                        continue
                    target, mode = resolved
                else:
                    mode = entry.stat(follow_symlinks=False).st_mode
            except OSError as exc:
                msg = f"cannot read: {exc.strerror or exc}"
                self.findings.append(UNREADABLE_FILE.finding(msg, path=here))
                continue
            if stat.S_ISDIR(mode):
                folders.append((entry.path, target, here))
            elif not stat.S_ISREG(mode):
                msg = f"{what_is(mode)}, not a regular file: not read"
                self.findings.append(NOT_A_REGULAR_FILE.finding(msg, path=here))
            elif _inside(target, self.exclude):
                continue
            elif (kind := kind_of(name)) is None:
                msg = f"`{printable(name)}` is not a corpus file: not read"
                self.findings.append(UNSUPPORTED_FILE.finding(msg, path=here))
            else:
                yield Entry(entry.path, target, here, kind)
        for path, target, here in folders:
            if target not in seen:
                yield from self.walk(path, target, here, seen)

    def _follow(self, path: str, shown: str) -> tuple[str, int] | None:
        """(real path, mode) of a symlink to follow; None (with a finding, when data
        is left out) for a link outside the corpus paths or an alias of a file read anyway."""
        try:
            mode = os.stat(path).st_mode
        except OSError as exc:
            msg = f"broken symlink: {exc.strerror or exc}"
            self.findings.append(UNREADABLE_FILE.finding(msg, path=shown))
            return None
        real = os.path.realpath(path)
        if not _inside(real, self.roots):
            msg = f"symlink to `{printable(real)}`, outside the corpus paths: not read"
            self.findings.append(SYMLINK_OUTSIDE.finding(msg, path=shown))
            return None
        if self.reached(real, stat.S_ISDIR(mode)):
            return None  # read under its own name
        return real, mode


def list_corpus(
    paths: Sequence[os.PathLike[str] | str],
    shown_roots: list[str],
    exclude: Sequence[os.PathLike[str] | str] = (),
) -> Listing:
    """Every corpus file under `paths`, each real file once, and the listing's findings."""
    excluded = [os.path.realpath(p) for p in exclude]
    reals = [os.path.realpath(p) for p in paths]
    walker = _Walker([r for r in reals if os.path.exists(r)], excluded)
    by_real: dict[str, Entry] = {}
    entries: list[Entry] = []
    missing: set[int] = set()
    for index, (path, real, shown) in enumerate(zip(paths, reals, shown_roots, strict=True)):
        path = os.fspath(path)
        listed: list[Entry] = []
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            walker.findings.append(UNREADABLE_FILE.finding("no such file or folder", path=shown))
            missing.add(index)
            continue
        except OSError as exc:
            msg = f"cannot read: {exc.strerror or exc}"
            walker.findings.append(UNREADABLE_FILE.finding(msg, path=shown))
            continue
        if _inside(real, excluded):
            continue
        if stat.S_ISDIR(mode):
            listed = list(walker.walk(real, real, "" if shown == "." else shown, set()))
        elif not stat.S_ISREG(mode):
            msg = f"{what_is(mode)}, not a regular file: not read"
            walker.findings.append(NOT_A_REGULAR_FILE.finding(msg, path=shown))
        elif (kind := kind_of(os.path.basename(path))) is None:
            name = printable(os.path.basename(path))
            walker.findings.append(
                UNSUPPORTED_FILE.finding(f"`{name}` is not a corpus file: not read", path=shown)
            )
        else:
            listed = [Entry(real, real, shown, kind, given=True)]
        for entry in listed:
            first = by_real.get(entry.real)
            if first is None:
                by_real[entry.real] = entry
                entries.append(entry)
                first = entry
            if index not in first.roots:
                first.roots.append(index)
    return Listing(entries, walker.findings, list(shown_roots), missing)
