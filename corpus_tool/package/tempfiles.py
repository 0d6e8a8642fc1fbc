"""A build's temporary files in `--out`, and what killed builds left there.

A build writes two things beside its releases: the spill file of the records
it keeps (`.tmp-spill-*.jsonl`) and the release being written
(`.tmp-<name>-<version>-*/`). Each is created holding an exclusive lock
(`flock`) for as long as its build runs, and the kernel drops a lock when its
process dies, however it dies. So a `.tmp-*` entry that nobody holds a lock on
was left by a killed build: `sweep` removes it. Creating and sweeping both
happen under a lock on the `--out` folder itself, so a sweep never takes a new
build's file before that build has locked it.

Without `fcntl` (Windows) nothing is locked and nothing is swept;
`leftovers` lists what is there.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

TEMP_PREFIX = ".tmp-"
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)


class Temp:
    """A temporary file or folder in `--out`, locked while this build lives."""

    def __init__(self, path: Path, fd: int | None) -> None:
        self.path = path
        self._fd = fd

    def release(self) -> None:
        """Drop the lock (after the entry was removed or renamed into place)."""
        if self._fd is not None:
            with suppress(OSError):
                os.close(self._fd)
            self._fd = None


@contextmanager
def _out_locked(out: Path) -> Iterator[None]:
    if fcntl is None:
        yield
        return
    fd = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # held for a moment: a create or a sweep
        yield
    finally:
        os.close(fd)


def _lock(path: Path) -> int | None:
    """An exclusive lock on `path`; None if another process holds one (or no fcntl)."""
    if fcntl is None:
        return None
    fd = os.open(path, _OPEN_FLAGS)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise
    return fd


def make_temp(out: Path, prefix: str, *, folder: bool, suffix: str = "") -> Temp:
    """Create `out/<prefix>XXXX<suffix>` (a folder or an empty file), locked."""
    if not prefix.startswith(TEMP_PREFIX):
        raise ValueError(f"temporary names start with {TEMP_PREFIX}")
    out.mkdir(parents=True, exist_ok=True)
    with _out_locked(out):
        if folder:
            path = Path(tempfile.mkdtemp(prefix=prefix, suffix=suffix, dir=out))
        else:
            fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=out)
            os.close(fd)
            path = Path(name)
        return Temp(path, _lock(path))


def sweep(out: Path) -> list[str]:
    """Remove the `.tmp-*` entries of `out` that no running build holds; their names."""
    if fcntl is None or not out.is_dir():
        return []
    removed = []
    with _out_locked(out):
        for entry in sorted(out.iterdir()):
            if not entry.name.startswith(TEMP_PREFIX):
                continue
            try:
                mode = entry.lstat().st_mode
                if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                    continue  # not ours: a link, a FIFO, ...
                fd = _lock(entry)
            except OSError:
                continue  # held by a running build, or gone
            try:
                if stat.S_ISDIR(mode):
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
                removed.append(entry.name)
            except OSError:
                pass
            finally:
                if fd is not None:
                    os.close(fd)
    return removed


def leftovers(out: Path) -> list[Path]:
    """The `.tmp-*` entries in `out` (for a note where nothing could be swept)."""
    if not out.is_dir():
        return []
    return sorted(p for p in out.iterdir() if p.name.startswith(TEMP_PREFIX))
