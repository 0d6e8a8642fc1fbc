"""Write a release: Parquet and gzip JSONL shards, then the metadata, then one rename.

Records stream in through `ReleaseWriter.write_lines` as release JSON lines
(`json_line`; `write` takes a record dict) and go straight to the current
shard; in memory are one row group being filled and one being encoded (a row
group is `config.row_group_rows` records, or ROW_GROUP_MAX_BYTES of JSON). Each
row group's lines are gzip-compressed (the JSONL shard) and parsed into Arrow
(the Parquet shard) on threads: both release the GIL.
Everything is written under `out/.tmp-<name>-<version>-<random>` and `finish`
renames that folder to `out/<name>-<version>` in one step, so the final name only
ever holds a complete release. The folder is locked while the build runs; one
left by a killed build is removed by the next build (`tempfiles.sweep`).

Determinism: records are written in the order given; shard and row-group
boundaries depend only on the configuration; gzip headers carry no name or
time; JSON is written with fixed key order; file modes are fixed (0644, folders
0755) whatever the umask; the only time is the `timestamp` argument, which
appears in `manifest.json` alone. With the same versions of the libraries in
the manifest's `writers`, every file is byte-identical on any machine. Across
their versions the compressed bytes may differ, so a rebuild is compared with
an existing release by its identity (`identity`: decoded content), never by
compressed bytes.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq

from corpus_tool.config import Config
from corpus_tool.models import json_line
from corpus_tool.package import identity
from corpus_tool.package.card import render_card
from corpus_tool.package.croissant import render_croissant
from corpus_tool.package.diff import diff_releases, render_diff, suggest_bump
from corpus_tool.package.fields import ARROW_SCHEMA, check_record, parse_lines
from corpus_tool.package.files import (
    CARD,
    CHANGELOG,
    CROISSANT,
    JSONL_DIR,
    JSONL_SUFFIX,
    MANIFEST,
    PARQUET_DIR,
    PARQUET_SUFFIX,
    fsync_dir,
    gzip_member,
    shard_name,
    write_text,
)
from corpus_tool.package.manifest import (
    Counts,
    FileEntry,
    ReleaseInfo,
    read_manifest,
    render_manifest,
)
from corpus_tool.package.tempfiles import TEMP_PREFIX, make_temp
from corpus_tool.package.version import parse_version

ENCODER_THREADS = 2  # a row group's gzip and Arrow encodings run side by side
IN_FLIGHT = 1  # row groups left encoding while the next one fills
# A row group also ends once its JSON lines reach this size, so long documents
# (books, not news) cannot make one row group of `row_group_rows` records huge.
ROW_GROUP_MAX_BYTES = 128 << 20
ZSTD_LEVEL = 3  # fixed: the level is part of the bytes; zstd's default, 4x faster than 9
DATA_PAGE_BYTES = 1 << 20  # pyarrow's default, pinned so a new default cannot change the bytes
PARTIAL = ".partial"  # suffix of a shard until `finish` knows the shard count
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class ReleaseExistsError(Exception):
    """The version exists with different content: releases are immutable."""


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
        (self.tmp / PARQUET_DIR).mkdir()
        (self.tmp / JSONL_DIR).mkdir()
        self.counts = Counts()
        self._shard_rows: list[int] = []  # rows of each shard opened so far
        self._shard_content: list[Any] = []  # sha256 of each shard's JSON lines
        self._chunk = bytearray()  # JSON lines of the row group being filled
        self._chunk_rows = 0
        self._longest = 0  # the longest line in `_chunk`
        self._parquet: pq.ParquetWriter | None = None
        self._raw: IO[bytes] | None = None
        # Each row group's JSONL is one gzip member (a multi-member gzip file is
        # plain gzip to every reader) and one Parquet row group; both are encoded
        # on threads and written in order.
        self._encoders = ThreadPoolExecutor(ENCODER_THREADS, thread_name_prefix="release-encode")
        self._pending: deque[tuple[Future[bytes | bytearray], Future[pa.RecordBatch]]] = deque()
        self._done = False

    # -- shards ------------------------------------------------------------------

    def _partial(self, index: int) -> tuple[Path, Path]:
        return (
            self.tmp / PARQUET_DIR / f"{index:05d}{PARQUET_SUFFIX}{PARTIAL}",
            self.tmp / JSONL_DIR / f"{index:05d}{JSONL_SUFFIX}{PARTIAL}",
        )

    def _open_shard(self) -> None:
        parquet_path, jsonl_path = self._partial(len(self._shard_rows))
        self._shard_rows.append(0)
        self._shard_content.append(hashlib.sha256())
        self._parquet = pq.ParquetWriter(
            parquet_path,
            ARROW_SCHEMA,
            compression="zstd",
            compression_level=ZSTD_LEVEL,
            version="2.6",
            data_page_size=DATA_PAGE_BYTES,
            use_dictionary=True,
            write_statistics=True,
        )
        self._raw = jsonl_path.open("wb")

    def _write_encoded(self, keep_in_flight: int = 0) -> None:
        """Write encoded row groups in order until at most `keep_in_flight` are pending."""
        while len(self._pending) > keep_in_flight:
            member, parsed = self._pending.popleft()
            batch = parsed.result()  # re-raises an encoding error
            assert self._raw is not None and self._parquet is not None
            self._raw.write(member.result())
            self._parquet.write_batch(batch, row_group_size=self.config.row_group_rows)
            self.counts.add_batch(batch)

    def _flush_row_group(self) -> None:
        if self._chunk_rows and self._parquet is not None:
            chunk, longest = self._chunk, self._longest  # handed over to the encoders
            self._shard_content[-1].update(chunk)  # the shard's identity: its decoded lines
            self._pending.append(
                (
                    self._encoders.submit(gzip_member, chunk),
                    self._encoders.submit(parse_lines, chunk, longest),
                )
            )
            self._write_encoded(keep_in_flight=IN_FLIGHT)  # bounded memory
        self._chunk, self._chunk_rows, self._longest = bytearray(), 0, 0

    def _close_shard(self) -> None:
        if self._parquet is None:
            return
        self._flush_row_group()
        self._write_encoded()
        self._parquet.close()
        self._parquet = None
        assert self._raw is not None
        if self._shard_rows[-1] == 0:
            self._raw.write(gzip_member(b""))  # an empty shard is still a gzip file
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        self._raw = None

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
            if self._parquet is None or rows[-1] >= shard:
                self._close_shard()
                self._open_shard()
            self._chunk += line
            self._longest = max(self._longest, len(line))
            self._chunk_rows += 1
            rows[-1] += 1
            if self._chunk_rows >= group or len(self._chunk) >= ROW_GROUP_MAX_BYTES:
                self._flush_row_group()

    def _name_shards(self) -> list[FileEntry]:
        """Rename the partial shards to `train-0000i-of-0000N`; their file entries."""
        if not self._shard_rows:
            self._open_shard()  # an empty release still has one (empty) shard of each
        self._close_shard()
        total = len(self._shard_rows)
        parquet: list[FileEntry] = []
        jsonl: list[FileEntry] = []
        for index, rows in enumerate(self._shard_rows):
            content = self._shard_content[index].hexdigest()  # both twins hold these records
            for partial, entries in zip(self._partial(index), (parquet, jsonl), strict=True):
                suffix = PARQUET_SUFFIX if entries is parquet else JSONL_SUFFIX
                rel = f"{partial.parent.name}/{shard_name(index, total, suffix)}"
                partial.rename(self.tmp / rel)
                entries.append(FileEntry.of(self.tmp, rel, rows, content))
        return parquet + jsonl

    # -- finish ------------------------------------------------------------------

    def finish(
        self,
        *,
        dropped: list[dict[str, Any]],
        source_commit: str | None,
        timestamp: int | None,
        previous: Path | None,
    ) -> Result:
        """Write the metadata and publish the release under its final name.

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
            )
            metadata = {
                CARD: render_card(info),
                CROISSANT: render_croissant(info),
                CHANGELOG: self._changelog(previous),
            }
            for rel, text in metadata.items():
                write_text(self.tmp / rel, text)
            files = data_files + [FileEntry.of(self.tmp, rel) for rel in metadata]
            write_text(self.tmp / MANIFEST, render_manifest(info, files, source_commit, timestamp))
            _fix_modes(self.tmp)
            fsync_dir(self.tmp)
            return self._publish(files)
        finally:
            self.abort()

    def _changelog(self, previous: Path | None) -> str:
        head = f"# Changelog\n\n## {self.name} {self.version}\n\n"
        if previous is None:
            return head + "Initial release.\n"
        diff, schema_changed = diff_releases(previous, self.tmp)
        text = f"Changes since {previous.name}: " + render_diff(diff, "markdown", schema_changed)
        bump = suggest_bump(diff, schema_changed)
        old_version = previous.name.removeprefix(f"{self.name}-")
        try:
            actual = parse_version(self.version).bump_from(parse_version(old_version))
        except ValueError:
            actual = None
        order = [None, "patch", "minor", "major"]
        if actual is not None and order.index(actual) < order.index(bump):
            text += (
                f"\nNote: this release is a {actual} version step from {old_version},"
                f" but its changes call for a {bump} one.\n"
            )
        return head + text

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
        differing = self._differences()
        if differing:
            shown = ", ".join(differing[:5]) + (", …" if len(differing) > 5 else "")
            raise ReleaseExistsError(
                f"release {self.final} already exists with different content ({shown});"
                f" a published version is never overwritten: bump the version{self._hint()}"
            )
        return Result(self.final, "up to date", self.counts.records, files)

    def _differences(self) -> list[str]:
        """What differs between the existing release and this build, by identity: the
        decoded content of every file, never compressed bytes (see `identity`). The
        existing release is read from its files, so a damaged one is named."""
        new = read_manifest(self.tmp)
        try:
            old = read_manifest(self.final)
        except (OSError, ValueError) as exc:
            raise ReleaseExistsError(
                f"release {self.final} exists but its manifest.json cannot be read"
                f" ({str(exc)[:80]}); a published version is never overwritten"
            ) from None
        try:
            old_view = identity.release_view(self.final, old)
        except identity.ReleaseReadError as exc:
            raise ReleaseExistsError(
                f"{exc}; a published version is never overwritten: restore it or bump the version"
            ) from None
        return identity.differences(identity.view(new, new["files"]), old_view)

    def _hint(self) -> str:
        """Which version the difference from the existing release calls for."""
        diff, schema_changed = diff_releases(self.final, self.tmp)
        bump = suggest_bump(diff, schema_changed)
        if bump is None:
            return ""
        return f" (the changes call for a {bump} bump: {parse_version(self.version).bumped(bump)})"

    def abort(self) -> None:
        """Close the shards and remove the temporary folder; the final name is untouched."""
        self._done = True
        for futures in self._pending:
            for future in futures:
                future.cancel()
        self._encoders.shutdown(wait=True)
        self._pending.clear()
        for closer in (self._parquet, self._raw):
            try:
                if closer is not None:
                    closer.close()
            except Exception:
                pass
        self._parquet = self._raw = None
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


def release_timestamp(repo: Path, paths: list[Path] | None = None) -> tuple[str | None, int | None]:
    """(source commit, epoch seconds) for a reproducible release; never the wall clock.

    The commit is the last one that changed the corpus `paths` (HEAD when none are
    given), so a release rebuilt at a later commit that left the corpus alone is
    byte-identical. The time is `SOURCE_DATE_EPOCH` when set (reproducible-builds.org),
    else that commit's time. Outside git and without `SOURCE_DATE_EPOCH`:
    (None, None). A malformed `SOURCE_DATE_EPOCH` raises ValueError.
    """
    env = os.environ.get("SOURCE_DATE_EPOCH")
    epoch: int | None = None
    if env is not None:
        if not env.strip().isdigit():
            raise ValueError(f"SOURCE_DATE_EPOCH `{env[:40]}` is not a whole number of seconds")
        epoch = int(env)
    folder = Path(repo)
    if not folder.is_dir():
        folder = folder.parent
    where = [str(Path(p).resolve()) for p in paths or []]
    try:
        proc = subprocess.run(
            ["git", "-C", str(folder), "log", "-1", "--format=%H %ct", "HEAD", "--", *where],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None, epoch
    parts = proc.stdout.split()
    if proc.returncode != 0 or len(parts) != 2:
        return None, epoch
    return parts[0], epoch if epoch is not None else int(parts[1])
