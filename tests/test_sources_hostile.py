"""The read stage fails closed: hostile input is a finding at its file, never a
traceback, a hang, unbounded memory or a green gate on nothing."""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from corpus_tool.findings import Finding
from corpus_tool.sources import Item, read_items
from corpus_tool.sources import shards as shards_module
from tests.conftest import Corpus, article, check, invoke, where

LIMIT = 16 * 1024 * 1024


def lines(n: int, start: int = 0) -> bytes:
    return b"".join(
        json.dumps({"id": f"d{i}", "text": article(i), "language": "en"}).encode() + b"\n"
        for i in range(start, start + n)
    )


def entries(path: Path, limit: int = LIMIT, **kw: Any) -> list[Item | Finding]:
    return list(read_items([path], limit, cwd=path.parent, **kw))


def codes_of(found: list[Item | Finding]) -> list[tuple[str, int | None]]:
    return [(f.code, f.line) for f in found if isinstance(f, Finding)]


@pytest.fixture
def no_hang() -> Iterator[None]:
    """Fail (instead of hanging the suite) if the test blocks on a FIFO."""

    def fail(*_: Any) -> None:
        raise TimeoutError("blocked: a FIFO or a loop was opened")

    previous = signal.signal(signal.SIGALRM, fail)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


# ------------------------------------------------------------------ 1. no documents


def test_no_documents_in_an_empty_folder_is_an_error(corpus: Corpus) -> None:
    code, findings, summary = check()
    assert code == 1
    assert where(findings, "E012") == [("E012", "corpus", None)]
    assert summary["documents"] == 0


def test_no_documents_in_a_folder_of_unsupported_files(corpus: Corpus) -> None:
    corpus.write("notes.md", "# notes\n")
    corpus.write("data.csv", "a,b\n")
    code, findings, _ = check()
    assert code == 1
    assert where(findings, "E011", "E012") == [
        ("E012", "corpus", None),
        ("E011", "corpus/data.csv", None),
        ("E011", "corpus/notes.md", None),
    ]


@pytest.mark.parametrize(
    ("name", "content"),
    [("empty.jsonl", b""), ("blank.jsonl", b"\n\n"), ("lonely.meta.json", b"{}"), ("a.md", b"x")],
)
def test_no_documents_in_an_explicit_path(corpus: Corpus, name: str, content: bytes) -> None:
    corpus.write(name, content)
    code, findings, _ = check(f"corpus/{name}")
    assert code == 1
    assert ("E012", f"corpus/{name}", None) in where(findings, "E012")


def test_no_documents_when_every_file_fails_to_read(corpus: Corpus) -> None:
    corpus.configure("max_file_bytes = 10")
    corpus.write("a.txt", article(1))
    code, findings, _ = check()
    assert code == 1
    assert where(findings, "E006", "E012") == [
        ("E012", "corpus", None),
        ("E006", "corpus/a.txt", None),
    ]


def test_no_documents_not_reported_for_a_path_that_has_some(corpus: Corpus) -> None:
    corpus.write("a.txt", article(1))
    corpus.write("empty.jsonl", b"")
    _, findings, _ = check("corpus", "corpus/a.txt")  # overlapping paths: both yield a.txt
    assert not where(findings, "E012")


# ------------------------------------------------------------- 2. unsupported files


def test_unsupported_files_in_a_folder_are_each_reported(corpus: Corpus) -> None:
    corpus.write("a.txt", article(1))
    for name in ("b.md", "C.TXT", "d.ndjson", "e.json", "f.csv", "sub/g.jsonl.bz2"):
        corpus.write(name, "{}\n")
    corpus.write(".hidden.md", "x")  # hidden: skipped
    corpus.write("_SUCCESS", "")  # Spark/Arrow convention: skipped
    corpus.write("_tmp/h.txt", article(2))
    code, findings, summary = check()
    assert code == 0
    assert sorted(where(findings, "E011")) == [
        ("E011", "corpus/C.TXT", None),
        ("E011", "corpus/b.md", None),
        ("E011", "corpus/d.ndjson", None),
        ("E011", "corpus/e.json", None),
        ("E011", "corpus/f.csv", None),
        ("E011", "corpus/sub/g.jsonl.bz2", None),
    ]
    assert summary["documents"] == 1


# --------------------------------------------------------- 3. truncated compressed shards


def _gzip_cases() -> dict[str, bytes]:
    first, second = gzip.compress(lines(30)), gzip.compress(lines(30, 30))
    return {
        "cut-mid-member": first[: len(first) // 2],
        "cut-in-trailer": first[:-3],
        "cut-in-second-header": first + second[:6],
        "cut-mid-second-member": first + second[: len(second) // 2],
        "trailing-garbage": first + second + b"garbage!",
    }


@pytest.mark.parametrize("case", list(_gzip_cases()))
def test_truncated_gzip_shard_is_e009_at_the_line_reached(corpus: Corpus, case: str) -> None:
    path = corpus.write("s.jsonl.gz", _gzip_cases()[case])
    found = entries(path)
    broken = [f for f in found if isinstance(f, Finding) and f.code == "E009"]
    assert len(broken) == 1 and broken[0].line
    docs = [e for e in found if isinstance(e, Item)]
    assert broken[0].line == len(docs) + 1
    assert all(json.loads(e.data) for e in docs)  # no partial last line passed on


def _zstd_frames() -> tuple[bytes, bytes]:
    c = zstandard.ZstdCompressor(write_checksum=True)
    return c.compress(lines(30)), c.compress(lines(30, 30))


def test_multi_frame_zstd_shard_is_read_whole(corpus: Corpus) -> None:
    first, second = _zstd_frames()
    path = corpus.write("s.jsonl.zst", first + second)
    found = entries(path)
    assert codes_of(found) == [] and len(found) == 60


@pytest.mark.parametrize(
    "case", ["cut-mid-frame", "cut-in-checksum", "cut-in-second-header", "trailing-garbage"]
)
def test_truncated_zstd_shard_is_e009_at_the_line_reached(corpus: Corpus, case: str) -> None:
    first, second = _zstd_frames()
    data = {
        "cut-mid-frame": first + second[: len(second) // 2],
        "cut-in-checksum": first + second[:-2],
        "cut-in-second-header": first + second[:3],
        "trailing-garbage": first + second + b"garbage!",
    }[case]
    path = corpus.write("s.jsonl.zst", data)
    found = entries(path)
    broken = [f for f in found if isinstance(f, Finding) and f.code == "E009"]
    assert len(broken) == 1, codes_of(found)
    docs = [e for e in found if isinstance(e, Item)]
    assert broken[0].line == len(docs) + 1
    assert all(json.loads(e.data) for e in docs)


def test_truncated_parquet_shard_is_e009(corpus: Corpus) -> None:
    buffer = io.BytesIO()
    rows = [{"id": f"d{i}", "text": article(i)} for i in range(20)]
    pq.write_table(pa.Table.from_pylist(rows), buffer)
    data = buffer.getvalue()
    for cut in (len(data) // 2, len(data) - 3, 5):
        path = corpus.write("s.parquet", data[:cut])
        found = entries(path)
        assert [c for c, _ in codes_of(found)] == ["E009", "E012"], cut
        assert not [e for e in found if isinstance(e, Item)]


def test_truncated_shard_through_check_names_file_and_line(corpus: Corpus) -> None:
    first, _ = _zstd_frames()
    corpus.write("cut.jsonl.zst", first[:-10])
    corpus.write("a.txt", article(99))
    code, findings, _ = check()
    assert code == 1
    (f,) = [f for f in findings if f["code"] == "E009"]
    assert f["path"] == "corpus/cut.jsonl.zst" and f["line"] >= 1


# ------------------------------------------------- 4. unlistable folders, unreadable files


def test_unlistable_folder_is_e007(corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus.write("a.txt", article(1))
    corpus.write("locked/b.txt", article(2))
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, findings, summary = check()
    assert code == 1
    (f,) = [f for f in findings if f["code"] == "E007"]
    assert (f["path"], f["line"]) == ("corpus/locked", None)
    assert "Permission denied" in f["message"]
    assert summary["documents"] == 1


def test_unreadable_file_is_e007(corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus.write("a.txt", article(1))
    corpus.write("b.jsonl", lines(1))
    corpus.write("c.txt", article(3))
    real_open = os.open

    def fake_open(path: Any, flags: int, *args: Any) -> int:
        if os.fspath(path).endswith(("b.jsonl", "c.txt")):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", fake_open)
    code, findings, summary = check()
    assert code == 1
    assert where(findings, "E007") == [
        ("E007", "corpus/b.jsonl", None),
        ("E007", "corpus/c.txt", None),
    ]
    assert summary["documents"] == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 folder anyway")
def test_unlistable_folder_by_permissions_is_e007(corpus: Corpus) -> None:
    corpus.write("a.txt", article(1))
    locked = corpus.write("locked/b.txt", article(2)).parent
    locked.chmod(0)
    try:
        code, findings, _ = check()
    finally:
        locked.chmod(0o755)
    assert code == 1
    assert where(findings, "E007") == [("E007", "corpus/locked", None)]


# ------------------------------------------------------------ 5. not a regular file


def test_fifo_in_a_folder_is_never_opened(corpus: Corpus, no_hang: None) -> None:
    corpus.write("a.txt", article(1))
    os.mkfifo(corpus.dir / "pipe.txt")
    os.mkfifo(corpus.dir / "pipe.jsonl.gz")
    code, findings, summary = check()
    assert code == 0
    assert where(findings, "E014") == [
        ("E014", "corpus/pipe.jsonl.gz", None),
        ("E014", "corpus/pipe.txt", None),
    ]
    assert all("FIFO" in f["message"] for f in findings if f["code"] == "E014")
    assert summary["documents"] == 1


def test_fifo_or_device_given_directly_is_never_opened(corpus: Corpus, no_hang: None) -> None:
    os.mkfifo(corpus.dir / "pipe.txt")
    (corpus.dir / "null.txt").symlink_to("/dev/null")
    code, findings, _ = check("corpus/pipe.txt", "/dev/null", "corpus/null.txt")
    assert code == 1
    assert [f["code"] for f in findings if f["code"] == "E014"] == ["E014"] * 3
    assert {f["path"] for f in findings if f["code"] == "E012"} >= {"corpus/pipe.txt"}


def test_fifo_sidecar_and_socket_are_never_opened(corpus: Corpus, no_hang: None) -> None:
    corpus.write("a.txt", article(1))
    os.mkfifo(corpus.dir / "a.meta.json")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(corpus.dir / "s.jsonl"))
        code, findings, summary = check()
    finally:
        sock.close()
    assert code == 0
    assert sorted(where(findings, "E014")) == [
        ("E014", "corpus/a.meta.json", None),
        ("E014", "corpus/s.jsonl", None),
    ]
    assert summary["documents"] == 1


def test_symlink_to_device_inside_a_folder_is_not_read(corpus: Corpus, no_hang: None) -> None:
    corpus.write("a.txt", article(1))
    (corpus.dir / "zero.txt").symlink_to("/dev/zero")
    code, findings, _ = check()
    # /dev is outside the corpus: not followed at all.
    assert where(findings, "E013", "E014") == [("E013", "corpus/zero.txt", None)]
    assert code == 0


# ----------------------------------------------------------------------- 6. symlinks


def test_symlink_outside_the_corpus_is_not_read(corpus: Corpus, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(article(5))
    (outside / "more.txt").write_text(article(6))
    corpus.write("a.txt", article(1))
    (corpus.dir / "leak.txt").symlink_to(outside / "secret.txt")
    (corpus.dir / "leakdir").symlink_to(outside)
    code, findings, summary = check()
    assert where(findings, "E013") == [
        ("E013", "corpus/leak.txt", None),
        ("E013", "corpus/leakdir", None),
    ]
    assert {f["severity"] for f in findings if f["code"] == "E013"} == {"warning"}
    assert summary["documents"] == 1 and code == 0


def test_symlink_inside_the_corpus_is_read_once(corpus: Corpus) -> None:
    corpus.write("a.txt", article(1))
    corpus.write("sub/b.txt", article(2))
    (corpus.dir / "alias.txt").symlink_to("a.txt")
    (corpus.dir / "subalias").symlink_to("sub")
    corpus.write(".store/c-object", article(3))  # a hidden store, as git-annex keeps
    (corpus.dir / "c.txt").symlink_to(".store/c-object")
    _, findings, summary = check()
    assert not where(findings, "E007", "E011", "E013", "M009", "D001")
    assert summary["documents"] == 3  # a, c (through its link), sub/b


def test_symlink_loops_do_not_hang(corpus: Corpus, no_hang: None) -> None:
    corpus.write("a.txt", article(1))
    (corpus.dir / "sub").mkdir()
    (corpus.dir / "sub" / "up").symlink_to("..")
    (corpus.dir / "self").symlink_to("self")
    (corpus.dir / "x.txt").symlink_to("y.txt")
    (corpus.dir / "y.txt").symlink_to("x.txt")
    (corpus.dir / "gone.txt").symlink_to("nowhere.txt")
    start = time.monotonic()
    code, findings, summary = check()
    assert time.monotonic() - start < 10
    assert summary["documents"] == 1
    assert sorted(where(findings, "E007")) == [
        ("E007", "corpus/gone.txt", None),
        ("E007", "corpus/self", None),
        ("E007", "corpus/x.txt", None),
        ("E007", "corpus/y.txt", None),
    ]
    assert code == 1


# -------------------------------------------------------- 7. undecodable file names


def test_undecodable_file_names_render_in_every_format(corpus: Corpus) -> None:
    corpus.write("good.txt", article(1))
    raw = os.fsencode(str(corpus.dir)) + b"/caf\xe9\n.txt"
    with open(raw, "wb") as stream:
        stream.write(b"\xff bad utf-8\n")
    with open(os.fsencode(str(corpus.dir)) + b"/n\xff.md", "wb") as stream:
        stream.write(b"x")
    result = invoke("check", "--format", "json")
    assert result.exit_code == 1
    findings = result.json()["findings"]
    paths = {f["path"] for f in findings}
    assert "corpus/caf\\xe9\\x0a.txt" in paths and "corpus/n\\xff.md" in paths
    for f in findings:
        json.dumps(f, ensure_ascii=False).encode("utf-8")  # valid str throughout
    github = invoke("check", "--format", "github")
    assert github.exit_code == 1 and "caf\\xe9" in github.stdout
    text = invoke("check")
    assert text.exit_code == 1 and "n\\xff.md" in text.stdout
    (corpus.dir / os.fsdecode(b"caf\xe9\n.txt")).unlink()
    built = invoke("build", "--version", "1.0.0")
    assert built.exit_code == 0, built.stderr


def test_undecodable_txt_name_gives_a_printable_invalid_id(corpus: Corpus) -> None:
    with open(os.fsencode(str(corpus.dir)) + b"/d\xff.txt", "wb") as stream:
        stream.write(article(1).encode())
    code, findings, _ = check()
    assert code == 1
    (f,) = [f for f in findings if f["code"] == "M008"]
    assert f["path"] == "corpus/d\\xff.txt" and "d\\xff" in f["message"]


# ---------------------------------------------------------------- 8. release folders


def test_release_folder_inside_the_corpus_is_not_read(corpus: Corpus) -> None:
    corpus.write("a.txt", article(1))
    release = corpus.dir / "dist" / "demo-1.0.0"
    (release / "data").mkdir(parents=True)
    (release / "jsonl").mkdir()
    (release / "manifest.json").write_text("{}")
    (release / "jsonl" / "train-00000-of-00001.jsonl.gz").write_bytes(gzip.compress(lines(3)))
    (release / "README.md").write_text("card")
    corpus.write(".tmp-demo-1.0.1-x/jsonl/t.jsonl", lines(1))
    code, findings, summary = check()
    assert code == 0
    assert where(findings, "E015", "E011") == [("E015", "corpus/dist/demo-1.0.0", None)]
    assert {f["severity"] for f in findings if f["code"] == "E015"} == {"info"}
    assert summary["documents"] == 1


def test_read_items_skips_excluded_folders(corpus: Corpus) -> None:
    corpus.write("a.txt", article(1))
    corpus.write("out/b.jsonl", lines(2))
    found = list(read_items([corpus.dir], LIMIT, cwd=corpus.root, exclude=[Path("corpus/out")]))
    assert [(e.kind, e.path) for e in found if isinstance(e, Item)] == [("txt", "corpus/a.txt")]
    assert codes_of(found) == []


# ------------------------------------------------------------ 9. memory and time bounds


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz", ".jsonl.zst"])
def test_over_long_line_is_e006_and_the_next_line_is_read(corpus: Corpus, suffix: str) -> None:
    payload = b'{"id": "big", "text": "' + b"x" * 5000 + b'"}\n' + lines(1)
    if suffix == ".jsonl.gz":
        payload = gzip.compress(payload)
    elif suffix == ".jsonl.zst":
        payload = zstandard.ZstdCompressor().compress(payload)
    path = corpus.write("s" + suffix, payload)
    found = entries(path, limit=4000)
    assert codes_of(found) == [("E006", 1)]
    assert "5,026 bytes" in str(found[0].message)  # type: ignore[union-attr]
    assert [(e.line, e.kind) for e in found if isinstance(e, Item)] == [(2, "jsonl")]


def test_gzip_bomb_of_one_line_is_bounded(corpus: Corpus) -> None:
    decoded = 300 * 1024 * 1024  # 300 MB of one line, about 300 KB on disk
    member = gzip.compress(b" " * (10 << 20), compresslevel=9)  # members concatenate
    data = member * (decoded // (10 << 20)) + gzip.compress(b"\n" + lines(1))
    path = corpus.write("bomb.jsonl.gz", data)
    start = time.monotonic()
    found = entries(path)
    assert time.monotonic() - start < 15  # generous: it takes well under a second
    assert codes_of(found) == [("E006", 1)]
    assert [e.line for e in found if isinstance(e, Item)] == [2]


def test_txt_over_the_limit_is_not_read_whole(corpus: Corpus) -> None:
    path = corpus.write("big.txt", b"x" * 5000)
    found = entries(path, limit=1000)
    assert [c for c, _ in codes_of(found)] == ["E006", "E012"]
    assert "per-document limit `max_file_bytes` of 1,000" in found[0].message  # type: ignore[union-attr]


def _parquet(corpus: Corpus, rows: list[dict[str, Any]], **kw: Any) -> Path:
    path = corpus.dir / "s.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, **kw)
    return path


def test_parquet_oversized_cell_is_e006_at_its_row(corpus: Corpus) -> None:
    rows = [{"id": f"d{i}", "text": article(i), "authors": ["A B"]} for i in range(5)]
    rows[2]["text"] = "y" * 6000
    rows[3]["authors"] = ["z" * 6000]
    path = _parquet(corpus, rows)
    found = entries(path, limit=5000)
    assert codes_of(found) == [("E006", 3), ("E006", 4)]
    assert [e.line for e in found if isinstance(e, Item)] == [1, 2, 5]


def test_parquet_page_over_the_page_limit_is_not_read(
    corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [{"id": f"d{i}", "text": article(i)} for i in range(40)]
    rows[25]["text"] = "q" * 200_000
    path = _parquet(corpus, rows, row_group_size=20, compression="zstd")
    monkeypatch.setattr(shards_module, "PAGE_LIMIT", 100_000)
    found = entries(path, limit=50_000)
    (e006,) = [f for f in found if isinstance(f, Finding)]
    assert e006.code == "E006" and "row group (rows 21-40)" in e006.message
    assert "column `text`" in e006.message and e006.line is not None and 21 <= e006.line <= 26
    assert [e.line for e in found if isinstance(e, Item)] == list(range(1, 21))


def test_parquet_with_huge_metadata_is_e009(corpus: Corpus) -> None:
    path = corpus.dir / "s.parquet"
    path.write_bytes(b"PAR1" + b"\0" * 100 + (2**31).to_bytes(4, "little") + b"PAR1")
    found = entries(path)
    assert [c for c, _ in codes_of(found)] == ["E009", "E012"]
