"""Engines: one list of them, and one driver whose result does not depend on which
engine found the repeated ids and the duplicates."""

from __future__ import annotations

import copy
import io
from typing import Any

import orjson
import pytest

from corpus_tool import cli, engines
from corpus_tool.config import Config, ConfigError
from corpus_tool.engines.base import Engine
from corpus_tool.pipeline import (
    KEEP_TEXT,
    BatchResult,
    Driver,
    FoundIndex,
    Job,
    RunResult,
    process_batch,
)
from corpus_tool.sources import Item
from tests.conftest import Corpus, article, invoke

# ------------------------------------------------------------------------------ the list


def test_the_cli_offers_exactly_the_listed_engines() -> None:
    assert [e.value for e in cli.Engine] == list(engines.NAMES)
    assert cli.DEFAULT_ENGINE.value == engines.DEFAULT
    for name in engines.NAMES:
        assert f"{name}: " in engines.HELP


@pytest.mark.parametrize("listed", engines.ENGINES, ids=lambda e: e.name)
def test_every_listed_engine_loads_as_an_engine(listed: engines.Listed) -> None:
    if listed.needs is not None:
        pytest.importorskip(listed.needs)
    assert issubclass(listed.load(), Engine)


def test_an_unknown_engine_is_a_usage_error() -> None:
    with pytest.raises(ConfigError, match="unknown engine `spark` \\(choose from local, ray\\)"):
        engines.require("spark")
    with pytest.raises(ConfigError, match="--ray-address needs --engine ray"):
        engines.require("local", "auto")


def test_a_sink_and_a_spill_together_are_refused(corpus: Corpus) -> None:
    with pytest.raises(ValueError, match="a sink or a spill, not both"):
        engines.run([corpus.dir], Config(), sink=print, spill=io.BytesIO())


# ------------------------------------------------------------------------------ the driver

DOCS: list[dict[str, Any]] = [
    {"id": "a", "text": article(1), "language": "en", "url": "https://example.com/a"},
    {"id": "b", "text": article(1), "language": "en"},  # a's text: D001
    {"id": "c", "text": article(2), "language": "en", "url": "https://www.example.com/a/"},  # D003
    {"id": "a", "text": article(3), "language": "en"},  # a's id again: M009, not in dedup
    {"id": "d", "text": article(1)},  # no language: an error, yet a duplicate of a (D001)
    {"id": "e", "text": article(5), "language": "en"},
    {"id": "f", "text": article(5).replace("said the report.", "said a report.", 1)},  # D002
    {"id": "g", "text": article(6), "language": "en"},
]


def key(line: int) -> int:
    """An engine's document number: increasing in corpus order, with gaps (as Ray's)."""
    return 7 << 32 | line * 10


def batch() -> BatchResult:
    items = [Item("jsonl", "s.jsonl", n, orjson.dumps(d)) for n, d in enumerate(DOCS, 1)]
    return process_batch(items, Config(), KEEP_TEXT)


def streamed() -> tuple[RunResult, list[dict[str, Any]]]:
    records: list[dict[str, Any]] = []
    driver = Driver(Job([], Config(), sink=records.append))
    driver.add(batch())
    return driver.finish(), records


def found() -> tuple[RunResult, list[dict[str, Any]]]:
    """The same documents with the repeats and the clusters given, as the Ray engine
    gives them: keyed by its own numbers, found before the ordered pass."""
    records: list[dict[str, Any]] = []
    repeats = {key(4): ("s.jsonl", 1)}
    roots = {key(2): key(1), key(3): key(1), key(5): key(1), key(7): key(6)}
    named = {*roots, *roots.values()}
    index = FoundIndex(repeats, roots, named)
    driver = Driver(Job([], Config(), sink=records.append), index)
    result = copy.deepcopy(batch())
    assert result.signatures is not None
    sigs = iter(result.signatures)
    for doc in result.docs:
        sig = next(sigs) if doc.record is not None else None
        record, valid = doc.record, doc.valid
        driver.document(doc.path, doc.line, doc.findings, record, valid, sig, key=key(doc.line))
    driver.advance(len(result.docs))
    return driver.finish(), records


def test_the_driver_reports_what_the_documents_hold() -> None:
    result, records = streamed()
    report = result.report
    dups = [(f.code, f.line) for f in report.findings if f.code[0] == "D" or f.code == "M009"]
    assert dups == [("D001", 2), ("D003", 3), ("M009", 4), ("D001", 5), ("D002", 7)]
    assert (report.documents, report.kept, report.dropped_duplicates) == (8, 3, 4)
    assert [r["id"] for r in records] == ["a", "b", "c", "e", "g"]  # f and d: no language
    assert result.dedup is not None
    assert result.dedup.keep.tolist() == [True, False, False, True, True]


def test_found_repeats_and_clusters_give_the_streamed_result() -> None:
    (stream, stream_records), (given, given_records) = streamed(), found()
    assert given.report.to_dict() == stream.report.to_dict()
    assert given_records == stream_records
    assert given.dedup is not None and stream.dedup is not None
    assert given.dedup.dropped == stream.dedup.dropped
    assert given.dedup.keep.tolist() == stream.dedup.keep.tolist()


# ------------------------------------------------------------------------------ the engines


def test_the_local_engine_gives_the_same_records_inline_and_in_a_pool(corpus: Corpus) -> None:
    for i in range(300):  # more than INLINE_BELOW: two jobs start a pool
        corpus.write(f"d{i:03d}.txt", article(i % 290))
    config = Config(root=corpus.root, language="en")
    results = {}
    for jobs in (1, 2):
        records: list[dict[str, Any]] = []
        result = engines.run([corpus.dir], config, jobs=jobs, sink=records.append)
        assert result.dedup is not None
        results[jobs] = (result.report.to_dict(), records, result.dedup.keep.tolist())
    assert results[1] == results[2]
    assert results[1][0]["summary"]["dropped_duplicates"] == 10


def test_the_ray_engine_reports_a_corpus_without_files_as_the_local_one(corpus: Corpus) -> None:
    pytest.importorskip("ray")
    (corpus.dir / "notes").mkdir()
    local = invoke("check", "--format", "json", "--engine", "local")
    distributed = invoke("check", "--format", "json", "--engine", "ray")
    assert local.exit_code == 1
    assert "E012" in local.stdout
    assert (distributed.exit_code, distributed.stdout) == (local.exit_code, local.stdout)
