"""The shard formats are units: one class each, listed once in `formats.FORMATS`.

Nothing else in the package names a format, and a new one is one class plus
one line in `FORMATS`: the toy format below (plain, uncompressed JSON lines)
is written, verified, described by the card and compared by identity without
any other change.
"""

from __future__ import annotations

import hashlib
import io
import tokenize
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO

import orjson
import pyarrow as pa
import pytest

import corpus_tool.package
from corpus_tool.config import Config
from corpus_tool.package.formats import FORMATS, ShardFormat, ShardWriter, format_of
from corpus_tool.package.manifest import read_manifest
from corpus_tool.package.verify import verify_release
from tests.conftest import Corpus, article, invoke

PACKAGE = Path(corpus_tool.package.__file__).parent
# Modules that go through `FORMATS` and must never name a format themselves.
FORMAT_BLIND = (
    "writer",
    "files",
    "verify",
    "card",
    "croissant",
    "manifest",
    "identity",
    "diff",
    "load",
)
# Text stored in every manifest: changing it would change every release's bytes.
FROZEN = "(the decompressed JSONL)"


def _code_text(path: Path) -> str:
    """The module's names and string literals, lowercased, without comments."""
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    kept = (t.string for t in tokens if t.type in (tokenize.NAME, tokenize.STRING))
    return "\n".join(kept).replace(FROZEN, "").lower()


@pytest.mark.parametrize("module", FORMAT_BLIND)
def test_no_module_outside_formats_names_a_format(module: str) -> None:
    text = _code_text(PACKAGE / f"{module}.py")
    for word in ("parquet", "jsonl", "gzip", "deflate", "zstd"):
        assert word not in text, f"package/{module}.py names `{word}`: go through FORMATS"


def test_each_format_has_its_own_folder_and_suffix() -> None:
    assert len({f.folder for f in FORMATS}) == len({f.suffix for f in FORMATS}) == len(FORMATS)
    assert sum(f.described for f in FORMATS) == sum(f.streamed for f in FORMATS) == 1
    for fmt in FORMATS:
        assert format_of(f"{fmt.folder}/train-00000-of-00001{fmt.suffix}") is fmt
    assert format_of("README.md") is None


# -- a third format: one class, one line in FORMATS ------------------------------


class _PlainShard(ShardWriter):
    def __init__(self, path: Path) -> None:
        self.file: IO[bytes] = path.open("wb")

    def encode(self, lines: bytes | bytearray) -> bytes:
        return bytes(lines)

    def write(self, encoded: Any, batch: pa.RecordBatch) -> None:
        self.file.write(encoded)

    def close(self, rows: int) -> None:
        self.file.close()


class PlainJSONL(ShardFormat):
    """Uncompressed JSON lines: a shard's bytes are its content."""

    label = "plain"
    name = "plain"
    folder = "plain"
    suffix = ".jsonl"
    mime = "application/jsonlines"
    kind_of_file = "uncompressed JSON lines"

    def open(self, path: Path, config: Config) -> ShardWriter:
        return _PlainShard(path)

    def records(self, f: BinaryIO) -> Iterator[Any]:
        for line in f:
            yield orjson.loads(line)

    def content(self, f: BinaryIO, raw_digest: Any | None = None) -> tuple[str, int]:
        digest, rows = hashlib.sha256(), 0
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            if raw_digest is not None:
                raw_digest.update(chunk)
            rows += chunk.count(b"\n")
        return digest.hexdigest(), rows


@pytest.fixture
def plain() -> Iterator[ShardFormat]:
    """The toy format, registered for one test (the one line in FORMATS)."""
    fmt = PlainJSONL()
    FORMATS.append(fmt)
    try:
        yield fmt
    finally:
        FORMATS.remove(fmt)


def test_a_new_format_is_built_verified_and_described(corpus: Corpus, plain: ShardFormat) -> None:
    corpus.configure("shard_rows = 3")
    for i in range(7):
        corpus.write(f"doc{i}.txt", article(i))
    result = invoke("build", "--version", "1.0.0")
    assert result.exit_code == 0, result.stderr
    release = corpus.root / "dist" / "demo-1.0.0"

    manifest = read_manifest(release)
    files = {f["path"]: f for f in manifest["files"]}
    shards = sorted(p for p in files if p.startswith("plain/"))
    assert shards == [f"plain/train-0000{i}-of-00003.jsonl" for i in range(3)]
    # The same records as every other format's twin: the same content identity.
    for fmt in FORMATS:
        twin = files[f"{fmt.folder}/train-00000-of-00003{fmt.suffix}"]
        assert (twin["rows"], twin["content_sha256"]) == (
            files[shards[0]]["rows"],
            files[shards[0]]["content_sha256"],
        )
    assert sum(files[p]["rows"] for p in shards) == manifest["counts"]["records"] == 7
    assert verify_release(release) == []
    card = (release / "README.md").read_text()
    assert "are in `plain/` as uncompressed JSON lines." in card

    # A rebuild is compared by identity, the new format included.
    again = invoke("build", "--version", "1.0.0")
    assert again.exit_code == 0 and "up to date" in again.stderr

    # verify reads the new format: a changed record is found in it alone.
    shard = release / shards[1]
    shard.write_bytes(shard.read_bytes().replace(b'"language":"en"', b'"language":"fr"', 1))
    problems = verify_release(release)
    assert problems and {p.path for p in problems} == {shards[1]}


def test_the_toy_format_is_gone_after_its_test() -> None:
    assert [type(f).__name__ for f in FORMATS] == ["Parquet", "JSONL"]
