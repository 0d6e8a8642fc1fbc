"""The report stays bounded however many findings the input makes, and counts stay exact."""

from __future__ import annotations

import gzip
import json
import time

import orjson

from corpus_tool.config import Config
from corpus_tool.engines import run
from corpus_tool.findings import MAX_PER_FILE_CODE, FindingCollector, Report
from corpus_tool.pipeline import process_document
from corpus_tool.sources import Item
from corpus_tool.sources.decode import KeyLocator, invalid_utf8, parse_json
from corpus_tool.validate.metadata import check_metadata, missing_recommended
from tests.conftest import Corpus, article, invoke


def test_finding_bomb_compressed_shard_keeps_a_bounded_report(corpus: Corpus) -> None:
    """A small gzip shard of 10,000 bad lines: 100 listed per code, the rest counted."""
    bad = 10_000
    lines = b"".join(b'{"id": "d%d"}\n' % i for i in range(bad))  # M006: no text
    corpus.write("bomb.jsonl.gz", gzip.compress(lines))
    corpus.write("good.txt", article(1))
    result = invoke("check", "--format", "json")
    assert result.exit_code == 1
    data = result.json()
    bomb = [f for f in data["findings"] if f["path"] == "corpus/bomb.jsonl.gz"]
    listed = [f for f in bomb if f["code"] == "M006" and not f["suppressed"]]
    assert len(listed) == MAX_PER_FILE_CODE
    note = bomb[-1]  # after its file's listed findings
    assert note["suppressed"] == bad - MAX_PER_FILE_CODE
    assert (
        note["message"]
        == f"{bad - MAX_PER_FILE_CODE:,} more M006 findings in this file were not listed"
    )
    assert len(bomb) == MAX_PER_FILE_CODE + 1
    assert data["summary"]["error"] == bad and data["summary"]["documents"] == bad + 1


def test_finding_bomb_counts_survive_severity_overrides_and_ignore(corpus: Corpus) -> None:
    corpus.configure('[tool.corpus-tool.severity]\nM006 = "warning"')
    corpus.write("bomb.jsonl", "".join(json.dumps({"id": f"d{i}"}) + "\n" for i in range(300)))
    report = run([corpus.dir], Config(root=corpus.root, severity={"M006": "warning"})).report
    assert report.counts() == {"error": 0, "warning": 300, "info": 0}
    assert report.exit_code() == 0 and report.exit_code(strict=True) == 1
    ignored = run([corpus.dir], Config(root=corpus.root, ignore=["M006"])).report
    assert ignored.counts()["error"] == 0 and not ignored.findings


def test_collector_counts_suppressed_findings_exactly() -> None:
    collector = FindingCollector(limit=3)
    for i in range(10):
        collector.add(missing_recommended.finding(f"w{i}", path="a.txt", line=i))
        collector.add(invalid_utf8.finding(f"e{i}", path="b.txt", line=i))
    collector.add(invalid_utf8.finding("e", path="c.txt"))
    report = Report(findings=collector.finish())
    assert report.counts() == {"error": 11, "warning": 10, "info": 0}
    assert [(f.path, f.code, f.suppressed) for f in report.findings if f.suppressed] == [
        ("a.txt", "M007", 7),
        ("b.txt", "E001", 7),
    ]
    assert len(report.findings) == 3 + 1 + 3 + 1 + 1


# The time bounds below guard against hangs (a super-linear path on these inputs takes
# minutes), with CPU time of this process: other processes on a shared machine do not count.


def test_single_document_finding_bomb_is_bounded() -> None:
    """One JSONL line of 100,000 unknown keys: per-document work and findings stay small."""
    n = 100_000
    line = orjson.dumps({"id": "d", "text": article(1), **{f"k{i}": 0 for i in range(n)}})
    start = time.process_time()
    doc = process_document(Item("jsonl", "s.jsonl", 1, line), Config(language="en"))
    assert time.process_time() - start < 10  # generous: about a second
    unknown = [f for f in doc.findings if f.code == "M002"]
    assert len(unknown) == MAX_PER_FILE_CODE + 1
    assert unknown[-1].suppressed == n - MAX_PER_FILE_CODE
    report = Report(findings=doc.findings)
    assert report.counts()["error"] == n


def test_single_row_with_many_bad_authors_is_one_finding() -> None:
    row = {"id": "d", "text": article(1), "authors": list(range(200_000))}
    doc = process_document(Item("row", "s.parquet", 1, row), Config(language="en"))
    assert [f.code for f in doc.findings if f.field == "authors"] == ["M001"]


def test_key_locator_is_linear_on_a_5mb_line_of_100k_keys() -> None:
    keys = 100_000
    value = "x" * 40
    line = orjson.dumps({f"key{i}": value for i in range(keys)})
    assert len(line) > 5_000_000
    start = time.process_time()
    locator = KeyLocator(line, 7)
    for i in range(0, keys, 97):
        line_no, column = locator.locate(f"key{i}")
        assert line_no == 7 and column is not None
    assert locator.locate("missing") == (7, None)
    assert time.process_time() - start < 5  # generous: well under a second when linear


def test_key_locator_many_lookups_on_a_pretty_printed_object() -> None:
    data = {f"k{i}": [i, {"k0": "nested"}] for i in range(20_000)}
    raw = json.dumps(data, indent=1).encode()
    start = time.process_time()
    locator = KeyLocator(raw, 1)
    lines = raw.decode().split("\n")
    for key in ("k0", "k1", "k19999"):
        line_no, col = locator.locate(key)
        assert lines[line_no - 1][col - 1 :].startswith(f'"{key}"')  # type: ignore[operator]
    assert time.process_time() - start < 5


def test_duplicate_key_precheck_on_a_5mb_line_is_fast_and_exact() -> None:
    obj = {f"key{i}": "a: b" for i in range(100_000)}
    line = orjson.dumps(obj)
    start = time.process_time()
    assert parse_json(line, "s.jsonl")[1] == []
    dup = line[:-1] + b',"key5":1}'
    found = parse_json(dup, "s.jsonl")[1]
    assert [f.code for f in found] == ["E008"] and "`key5`" in found[0].message
    assert time.process_time() - start < 5
    findings = check_metadata({"title": "T"}, path="p", doc_id=None, raw=None)
    assert findings == []
