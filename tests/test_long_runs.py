"""Long runs you can follow (progress with a total and an ETA, labelled phases, stats in
date order and as JSON, one number format), and `normalize` on any document: a
record inside a shard by `--id`, and `--explain`."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from corpus_tool.cli import Tracker
from corpus_tool.normalize import normalize
from corpus_tool.render.explain_normalize import hunks, render_trace, trace
from corpus_tool.render.numbers import count, duration, plural, size
from corpus_tool.sources.estimate import SAMPLE, estimate_documents
from tests.conftest import SEED_IDS, SEEDS, Corpus, article, invoke

# -- progress -------------------------------------------------------------------------


class FakeBar:
    """What a rich Progress is asked: tasks and their updates."""

    def __init__(self) -> None:
        self.tasks: list[dict[str, Any]] = []

    def add_task(self, description: str, **fields: Any) -> int:
        self.tasks.append({"description": description, **fields})
        return len(self.tasks) - 1

    def update(self, task: int, **fields: Any) -> None:
        self.tasks[task].update(fields)


def test_tracker_shows_a_total_and_keeps_it_above_what_is_done() -> None:
    bar = FakeBar()
    tracker = Tracker(bar, "checking", 1_000, exact=False)
    tracker(400)
    task = bar.tasks[0]
    assert task["total"] == 1_000 and task["completed"] == 400
    assert task["count"] == "400/~1,000 documents"
    assert task["rate"].endswith("docs/s")
    tracker(700)  # the estimate was low: the total follows
    assert task["total"] == 1_100 and task["completed"] == 1_100
    assert task["count"] == "1,100/~1,100 documents"


def test_tracker_exact_total_and_unknown_total() -> None:
    bar = FakeBar()
    Tracker(bar, "checking", 5)(5)
    assert bar.tasks[0]["count"] == "5/5 documents"
    bar = FakeBar()
    tracker = Tracker(bar, "reading", None)
    tracker(12_345)
    assert bar.tasks[0]["total"] is None and bar.tasks[0]["count"] == "12,345 documents"


def test_tracker_labels_the_phases_after_reading() -> None:
    bar = FakeBar()
    tracker = Tracker(bar, "building", 10)
    tracker(10)
    tracker.phase("resolving duplicates")
    tracker.phase("writing the release")
    assert [t["description"] for t in bar.tasks] == [
        "building",
        "resolving duplicates",
        "writing the release",
    ]
    assert bar.tasks[0]["completed"] == bar.tasks[0]["total"] == 10
    assert bar.tasks[2]["total"] is None  # a phase shows its label and elapsed time


def test_a_run_announces_its_phases(corpus: Corpus) -> None:
    """The pipeline and the build tell a progress display which phase begins."""
    from corpus_tool.config import load_config
    from corpus_tool.package.build import build_release

    corpus.write("a.txt", article(1))
    bar = FakeBar()
    tracker = Tracker(bar, "building", 1)
    outcome = build_release(
        [corpus.dir], load_config(), "1.0.0", corpus.root / "dist", jobs=1, progress=tracker
    )
    assert outcome.exit_code == 0
    assert [t["description"] for t in bar.tasks] == [
        "building",
        "resolving duplicates",
        "writing the release",
    ]


def _jsonl(n: int, start: int = 0) -> bytes:
    return b"".join(
        json.dumps({"id": f"d{i}", "text": article(i)}).encode() + b"\n"
        for i in range(start, start + n)
    )


def test_estimate_is_exact_for_text_files_parquet_and_small_shards(corpus: Corpus) -> None:
    corpus.write("a.txt", article(1))
    corpus.sidecar("a", {"source": "x"})  # a sidecar is no document
    corpus.write("b.txt", article(2))
    corpus.write("s.jsonl", _jsonl(30))
    corpus.write("s.jsonl.gz", gzip.compress(_jsonl(20)))
    corpus.write("s.jsonl.zst", zstandard.ZstdCompressor().compress(_jsonl(10)))
    table = pa.table({"id": [f"p{i}" for i in range(7)], "text": [article(i) for i in range(7)]})
    pq.write_table(table, corpus.dir / "p.parquet")
    corpus.write("notes.csv", "not read")
    estimate = estimate_documents([corpus.dir])
    assert estimate.documents == 2 + 30 + 20 + 10 + 7
    assert estimate.exact and estimate.files == 6


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz", ".jsonl.zst"])
def test_estimate_of_a_big_shard_is_close(corpus: Corpus, suffix: str) -> None:
    data = _jsonl(3_000)
    assert len(data) > 2 * SAMPLE
    if suffix == ".jsonl.gz":
        data = gzip.compress(data)
    elif suffix == ".jsonl.zst":
        data = zstandard.ZstdCompressor().compress(data)
    corpus.write("s" + suffix, data)
    estimate = estimate_documents([corpus.dir])
    assert not estimate.exact
    assert abs(estimate.documents - 3_000) < 3_000 * 0.1, estimate


def test_estimate_of_a_damaged_shard_does_not_raise(corpus: Corpus) -> None:
    corpus.write("s.jsonl.gz", b"\x1f\x8bnot gzip")
    corpus.write("p.parquet", b"PAR1 nope")
    assert estimate_documents([corpus.dir]).documents == 2


# -- numbers, stats ---------------------------------------------------------------------


def test_numbers_are_written_one_way() -> None:
    assert count(1234567) == "1,234,567"
    assert plural(1, "document") == "1 document" and plural(2_000, "file") == "2,000 files"
    assert size(532) == "532 B" and size(1_400_000) == "1.4 MB" and size(5.4e9) == "5.4 GB"
    assert duration(42) == "0:42" and duration(3723) == "1:02:03"


def test_text_summary_uses_thousands_separators() -> None:
    from corpus_tool.findings import Report
    from corpus_tool.render import RENDERERS

    out = RENDERERS["text"](Report(documents=1_234_567, dropped_duplicates=2_000))
    assert out == (
        "1,234,567 documents checked: 0 errors, 0 warnings, 0 info;"
        " 2,000 duplicates would be dropped\n"
    )


def _dated(corpus: Corpus) -> None:
    for i, (date, n) in enumerate([("2024-03-02", 3), ("2023-11-05", 1), ("2024-01-09", 2)]):
        for j in range(n):
            doc = f"d{i}{j}"
            corpus.write(f"{doc}.txt", article(10 * i + j))
            corpus.sidecar(doc, {"published": date, "source": "S"})
    corpus.write("undated.txt", "Plain text with no date at all, long enough to read.\n")


def test_stats_lists_months_in_date_order(corpus: Corpus) -> None:
    _dated(corpus)
    out = invoke("stats").stdout
    months = out.split("months:\n", 1)[1].split("\n")
    listed = [line.split()[-1] for line in months[:4]]
    assert listed == ["2023-11", "2024-01", "2024-03", "(undated)"]


def test_stats_as_json(corpus: Corpus) -> None:
    _dated(corpus)
    result = invoke("stats", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert list(data["months"].items()) == [
        ("2023-11", 1),
        ("2024-01", 2),
        ("2024-03", 3),
        ("(undated)", 1),
    ]
    assert data["documents"] == 7 and data["records"] == 7
    assert data["sources"] == {"S": 6, "(unknown)": 1}
    assert set(data) == {
        "documents",
        "records",
        "duplicates",
        "words",
        "characters",
        "findings",
        "languages",
        "sources",
        "months",
        "rules",
    }


# -- normalize any document ---------------------------------------------------------------

SEED = SEEDS / f"{SEED_IDS[1]}.txt"


def _seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def _write_shard(corpus: Corpus, suffix: str, rows: list[dict[str, Any]]) -> Path:
    lines = b"".join(json.dumps(r).encode() + b"\n" for r in rows)
    path = corpus.dir / f"shard{suffix}"
    if suffix == ".jsonl":
        path.write_bytes(lines)
    elif suffix == ".jsonl.gz":
        path.write_bytes(gzip.compress(lines))
    elif suffix == ".jsonl.zst":
        path.write_bytes(zstandard.ZstdCompressor().compress(lines))
    else:
        table = pa.table({k: [r.get(k) for r in rows] for k in ("id", "text", "source")})
        pq.write_table(table, path)
    return path


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz", ".jsonl.zst", ".parquet"])
def test_normalize_a_record_in_a_shard_by_id(corpus: Corpus, suffix: str) -> None:
    rows = [
        {"id": "other", "text": article(1), "source": "S"},
        {"id": "seed", "text": _seed_text(), "source": "S"},
        {"id": "seed-2", "text": article(2), "source": "seed"},  # the id's text elsewhere
    ]
    path = _write_shard(corpus, suffix, rows)
    result = invoke("normalize", str(path), "--id", "seed")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == normalize(_seed_text()).text + "\n"
    assert result.stdout == invoke("normalize", str(SEED)).stdout
    result = invoke("normalize", str(path), "--id", "seed", "--diff")
    assert result.exit_code == 0
    shown = f"corpus/{path.name}:2"  # as findings show it: relative to the working folder
    assert result.stdout.startswith(f"--- {shown} (raw)\n+++ {shown} (normalized)\n")
    assert "-Get the Mirror in your inbox:" in result.stdout
    assert "N105" in result.stderr


def test_normalize_by_id_in_a_folder(corpus: Corpus) -> None:
    _write_shard(corpus, ".jsonl", [{"id": "seed", "text": _seed_text()}])
    corpus.write("t.txt", article(3))
    assert (
        invoke("normalize", str(corpus.dir), "--id", "seed").stdout
        == invoke("normalize", str(SEED)).stdout
    )
    assert invoke("normalize", str(corpus.dir), "--id", "t").stdout == (
        normalize(article(3)).text + "\n"
    )


def test_normalize_unknown_id_and_shard_without_id(corpus: Corpus) -> None:
    path = _write_shard(corpus, ".jsonl", [{"id": "a", "text": article(1)}])
    result = invoke("normalize", str(path), "--id", "nope")
    assert result.exit_code == 1
    assert f"{path}: no document with id `nope`" in result.stderr
    result = invoke("normalize", str(path))
    assert result.exit_code == 2 and "--id" in result.stderr
    result = invoke("normalize", str(corpus.dir / "missing.jsonl"), "--id", "a")
    assert result.exit_code == 1 and "no such file" in result.stderr


def test_normalize_a_record_without_text_is_one_line(corpus: Corpus) -> None:
    path = _write_shard(corpus, ".jsonl", [{"id": "a", "text": 5}])
    result = invoke("normalize", str(path), "--id", "a")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "[M001]" in result.stderr


def test_explain_shows_each_rule_with_line_span_before_and_after() -> None:
    result = invoke("normalize", str(SEED), "--explain")
    assert result.exit_code == 0
    out = result.stdout
    applied = normalize(_seed_text()).applied
    shown = [line.split()[0] for line in out.splitlines() if not line.startswith(" ")]
    assert sorted(set(shown)) == sorted(applied)  # every rule that fired, no other
    assert "N105 newsletter-prompt\n  line 13: removed\n    - Get the Mirror in your inbox:" in out
    # an in-line edit: its columns, the span before and after, and the line around it
    (credit,) = [line for line in out.splitlines() if line.startswith("  line 11, columns")]
    assert credit.endswith(": ` (Video: Reuters)` -> ``")
    assert "    - …control of the region in late September. (Video: Reuters)" in out


def test_explain_in_a_shard(corpus: Corpus) -> None:
    path = _write_shard(corpus, ".jsonl.gz", [{"id": "seed", "text": _seed_text()}])
    assert (
        invoke("normalize", str(path), "--id", "seed", "--explain").stdout
        == invoke("normalize", str(SEED), "--explain").stdout
    )


def test_explain_traces_to_the_normalizers_text() -> None:
    for seed in SEED_IDS:
        text = (SEEDS / f"{seed}.txt").read_text(encoding="utf-8")
        steps, final = trace(text, lambda code: True)
        assert final == normalize(text, enabled=lambda code: True).text
        assert all(step.hunks for step in steps)  # every step changed something
        assert [s.code for s in steps if s.sweep == 1] == sorted(
            {s.code for s in steps if s.sweep == 1}, key=[s.code for s in steps].index
        )


def test_explain_of_clean_text_and_disagreement() -> None:
    assert render_trace([], "x", "x") == "no rule changed the text\n"
    steps, final = trace("a\n\n\nb\n", lambda code: True)
    assert "note:" in render_trace(steps, final, "something else")


def test_hunks_locate_edits() -> None:
    (h,) = hunks("a\nb [x](#) c\nd", "a\nb x c\nd")
    assert (h.line, h.lines, h.span) == (2, 1, (2, 8, 3))
    assert h.before[0][2:8] == "[x](#)" and h.after[0][2:3] == "x"
    (h,) = hunks("a\nb\nc", "a\nc")
    assert (h.line, h.lines, h.before, h.after) == (2, 1, ["b"], [])
