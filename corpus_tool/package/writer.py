"""Write a release: a shard of every format, then the metadata, then one rename.

Records stream in through `ReleaseWriter.write_lines` as release JSON lines
(`json_line`; `write` takes a record dict) and go straight to the current
shard of every format in `formats.FORMATS`; in memory are one row group being
filled and one being encoded (a row group is `config.row_group_rows` records, or
ROW_GROUP_MAX_BYTES of JSON). Each row group's lines are parsed into Arrow (for
the counts and the formats that write Arrow) and handed to each format's
`encode`, on threads: all release the GIL.
Everything is written under `out/.tmp-<name>-<version>-<random>` and `finish`
renames that folder to `out/<name>-<version>` in one step, so the final name only
ever holds a complete release. The folder is locked while the build runs; one
left by a killed build is removed by the next build (`tempfiles.sweep`).

Determinism: records are written in the order given; shard and row-group
boundaries depend only on the configuration; each format writes fixed settings
(no name or time in a header); JSON is written with fixed key order; file modes
are fixed (0644, folders 0755) whatever the umask; the only time is the
`timestamp` argument, which appears in `manifest.json` alone. With the same
versions of the libraries in the manifest's `writers`, every file is
byte-identical on any machine. Across their versions the compressed bytes may
differ, so a rebuild is compared with an existing release by its identity
(`identity`: decoded content), never by compressed bytes.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa

from corpus_tool.config import Config
from corpus_tool.models import json_line
from corpus_tool.package.card import render_card
from corpus_tool.package.changelog import bump_hint, render_changelog
from corpus_tool.package.croissant import render_croissant
from corpus_tool.package.fields import check_record, parse_lines
from corpus_tool.package.files import (
    CARD,
    CHANGELOG,
    CROISSANT,
    MANIFEST,
    fsync_dir,
    shard_name,
    write_text,
)
from corpus_tool.package.formats import FORMATS, ShardWriter
from corpus_tool.package.identity import ReleaseExistsError, compare_with_existing
from corpus_tool.package.manifest import Counts, FileEntry, ReleaseInfo, render_manifest
from corpus_tool.package.tempfiles import TEMP_PREFIX, make_temp
from corpus_tool.package.version import parse_version

ENCODER_THREADS = 2  # a row group's Arrow parsing and format encodings run side by side
IN_FLIGHT = 1  # row groups left encoding while the next one fills
# A row group also ends once its JSON lines reach this size, so long documents
# (books, not news) cannot make one row group of `row_group_rows` records huge.
ROW_GROUP_MAX_BYTES = 128 << 20
PARTIAL = ".partial"  # suffix of a shard until `finish` knows the shard count
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

__all__ = ["ReleaseExistsError", "ReleaseWriter", "Result"]


@dataclass
class Result:
    path: Path  # the release folder
    status: Literal["created", "up to date"]
    records: int
    files: list[FileEntry] = field(default_factory=list)

    @property
    def message(self) -> str:
        if self.status == "up to date":
            return f"{self.path} is up to date"
        return f"created {self.path} ({self.records} records, {len(self.files) + 1} files)"

    def __str__(self) -> str:
        return self.message


class ReleaseWriter:
    """Streams records into a new release `out/<name>-<version>`; see the module doc."""

    def __init__(self, out: Path, name: str, version: str, config: Config) -> None:
        parse_version(version)
        if not NAME_RE.fullmatch(name):
            raise ValueError(f"release name `{name[:40]}` must match {NAME_RE.pattern}")
        self.out = Path(out)
        self.name = name
        self.version = version
        self.config = config
        self.final = self.out / f"{name}-{version}"
        self._temp = make_temp(self.out, f"{TEMP_PREFIX}{name}-{version}-", folder=True)
        self.tmp = self._temp.path
        self.tmp.chmod(0o755)  # mkdtemp makes it private; the release is a normal folder
        for fmt in FORMATS:
            (self.tmp / fmt.folder).mkdir()
        self.counts = Counts()
        self._shard_rows: list[int] = []  # rows of each shard opened so far
        self._shard_content: list[Any] = []  # sha256 of each shard's JSON lines
        self._chunk = bytearray()  # JSON lines of the row group being filled
        self._chunk_rows = 0
        self._longest = 0  # the longest line in `_chunk`
        self._shards: list[ShardWriter] = []  # the open shard of each format, if any
        # A row group is parsed into Arrow and encoded by each format on threads,
        # and written in order: (batch, [encoded per format]).
        self._encoders = ThreadPoolExecutor(ENCODER_THREADS, thread_name_prefix="release-encode")
        self._pending: deque[tuple[Future[pa.RecordBatch], list[Future[Any]]]] = deque()
        self._done = False

    # -- shards ------------------------------------------------------------------

    def _partial(self, index: int) -> list[Path]:
        """Where shard `index` of each format is written until `finish`."""
        return [self.tmp / fmt.folder / f"{index:05d}{fmt.suffix}{PARTIAL}" for fmt in FORMATS]

    def _open_shard(self) -> None:
        paths = self._partial(len(self._shard_rows))
        self._shard_rows.append(0)
        self._shard_content.append(hashlib.sha256())
        self._shards = [
            fmt.open(path, self.config) for fmt, path in zip(FORMATS, paths, strict=True)
        ]

    def _write_encoded(self, keep_in_flight: int = 0) -> None:
        """Write encoded row groups in order until at most `keep_in_flight` are pending."""
        while len(self._pending) > keep_in_flight:
            parsed, encoded = self._pending.popleft()
            batch = parsed.result()  # re-raises an encoding error
            for shard, payload in zip(self._shards, encoded, strict=True):
                shard.write(payload.result(), batch)
            self.counts.add_batch(batch)

    def _flush_row_group(self) -> None:
        if self._chunk_rows and self._shards:
            chunk, longest = self._chunk, self._longest  # handed over to the encoders
            self._shard_content[-1].update(chunk)  # the shard's identity: its decoded lines
            self._pending.append(
                (
                    self._encoders.submit(parse_lines, chunk, longest),
                    [self._encoders.submit(shard.encode, chunk) for shard in self._shards],
                )
            )
            self._write_encoded(keep_in_flight=IN_FLIGHT)  # bounded memory
        self._chunk, self._chunk_rows, self._longest = bytearray(), 0, 0

    def _close_shard(self) -> None:
        if not self._shards:
            return
        self._flush_row_group()
        self._write_encoded()
        shards, self._shards = self._shards, []
        for shard in shards:
            shard.close(self._shard_rows[-1])

    def write(self, record: dict[str, Any]) -> None:
        """Append one record (a Document dict) to the release, in corpus order."""
        check_record(record)
        self.write_lines([json_line(record)])

    def write_lines(self, lines: Iterable[bytes]) -> None:
        """Append records given as `json_line` bytes (each ending with a line feed), in
        corpus order: the fast path, which builds no Python object per record."""
        if self._done:
            raise RuntimeError("the release writer is finished or aborted")
        rows, group, shard = self._shard_rows, self.config.row_group_rows, self.config.shard_rows
        for line in lines:
            if not self._shards or rows[-1] >= shard:
                self._close_shard()
                self._open_shard()
            self._chunk += line
            self._longest = max(self._longest, len(line))
            self._chunk_rows += 1
            rows[-1] += 1
            if self._chunk_rows >= group or len(self._chunk) >= ROW_GROUP_MAX_BYTES:
                self._flush_row_group()

    def _name_shards(self) -> list[FileEntry]:
        """Rename the partial shards to `train-0000i-of-0000N`; their file entries, format
        by format."""
        if not self._shard_rows:
            self._open_shard()  # an empty release still has one (empty) shard of each
        self._close_shard()
        total = len(self._shard_rows)
        entries: list[list[FileEntry]] = [[] for _ in FORMATS]
        for index, rows in enumerate(self._shard_rows):
            content = self._shard_content[index].hexdigest()  # every twin holds these records
            for fmt, partial, found in zip(FORMATS, self._partial(index), entries, strict=True):
                rel = f"{fmt.folder}/{shard_name(index, total, fmt.suffix)}"
                partial.rename(self.tmp / rel)
                found.append(FileEntry.of(self.tmp, rel, rows, content))
        return [entry for found in entries for entry in found]

    # -- finish ------------------------------------------------------------------

    def finish(
        self,
        *,
        dropped: list[dict[str, Any]],
        source_commit: str | None,
        timestamp: int | None,
        previous: Path | None,
        extra: dict[str, str] | None = None,
        index: Callable[[Path], list[str]] | None = None,
    ) -> Result:
        """Write the metadata and publish the release under its final name. `extra`:
        more text files (the HTML report), listed in the manifest like the rest;
        `index` writes the dedup index into the folder it is given and names its files.

        Returns "created", or "up to date" when the version already exists with the
        same content. Raises ReleaseExistsError when it exists with other content.
        """
        if self._done:
            raise RuntimeError("the release writer is finished or aborted")
        try:
            data_files = self._name_shards()
            info = ReleaseInfo(
                self.name,
                self.version,
                self.config,
                self.counts,
                data_files,
                dropped,
                dict(self.counts.normalization),
                timestamp,
            )
            metadata = {
                CARD: render_card(info),
                CROISSANT: render_croissant(info),
                CHANGELOG: render_changelog(self.name, self.version, previous, self.tmp),
                **(extra or {}),
            }
            for rel, text in metadata.items():
                write_text(self.tmp / rel, text)
            files = data_files + [FileEntry.of(self.tmp, rel) for rel in metadata]
            if index is not None:
                files += [FileEntry.of_binary(self.tmp, rel) for rel in index(self.tmp)]
            write_text(self.tmp / MANIFEST, render_manifest(info, files, source_commit, timestamp))
            _fix_modes(self.tmp)
            fsync_dir(self.tmp)
            return self._publish(files)
        finally:
            self.abort()

    def _publish(self, files: list[FileEntry]) -> Result:
        if not self.final.exists():
            try:
                os.rename(self.tmp, self.final)  # fails rather than replace a non-empty folder
            except OSError:
                if not self.final.exists():
                    raise
                # Another build of this version finished first: compare with it below.
            else:
                fsync_dir(self.out)
                return Result(self.final, "created", self.counts.records, files)
        differing = compare_with_existing(self.final, self.tmp)
        if differing:
            shown = ", ".join(differing[:5]) + (", …" if len(differing) > 5 else "")
            raise ReleaseExistsError(
                f"release {self.final} already exists with different content ({shown});"
                f" a published version is never overwritten: bump the version"
                + bump_hint(self.version, self.final, self.tmp)
            )
        return Result(self.final, "up to date", self.counts.records, files)

    def abort(self) -> None:
        """Close the shards and remove the temporary folder; the final name is untouched."""
        self._done = True
        for parsed, encoded in self._pending:
            for future in (parsed, *encoded):
                future.cancel()
        self._encoders.shutdown(wait=True)
        self._pending.clear()
        for shard in self._shards:
            shard.discard()
        self._shards = []
        self._chunk = bytearray()
        shutil.rmtree(self.tmp, ignore_errors=True)
        self._temp.release()

    def __enter__(self) -> ReleaseWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.abort()


def _fix_modes(root: Path) -> None:
    """Files 0644 and folders 0755, whatever the umask of the build."""
    root.chmod(0o755)
    for path in root.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
