"""`corpus-tool check` end to end: every input problem is a finding at its file and line."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
import zstandard

from tests.conftest import SEED_IDS, SEEDS, Corpus, article, check, invoke, where


def test_seeds_check_clean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SEEDS.parent)
    code, findings, summary = check("seeds")
    assert code == 0, [f for f in findings if f["severity"] == "error"]
    assert summary["documents"] == len(SEED_IDS)
    assert summary["error"] == 0
    # The five seeds are different articles on the same story: none is a duplicate.
    assert not [f for f in findings if f["code"].startswith("D")]


def test_invalid_utf8_points_at_line_and_byte(corpus: Corpus) -> None:
    corpus.write("bad.txt", b"first line\nsecond \xff line\n")
    corpus.write("good.txt", article(1))
    code, findings, summary = check()
    assert code == 1
    (f,) = [f for f in findings if f["code"] == "E001"]
    assert (f["path"], f["line"], f["column"]) == ("corpus/bad.txt", 2, 8)
    assert "0xff" in f["message"] and "byte offset 18" in f["message"]
    assert summary["documents"] == 2  # the good file was still checked


@pytest.mark.parametrize("content", [b"", b"  \n\n\t \n"])
def test_empty_or_blank_document(corpus: Corpus, content: bytes) -> None:
    corpus.write("empty.txt", content)
    code, findings, _ = check()
    assert code == 1
    assert where(findings, "E002") == [("E002", "corpus/empty.txt", 1)]


def test_binary_file(corpus: Corpus) -> None:
    corpus.write("blob.txt", b"PK\x03\x04\x00\x00binary\nstuff")
    code, findings, _ = check()
    assert code == 1
    assert where(findings, "E003") == [("E003", "corpus/blob.txt", 1)]


def test_bom_and_crlf_are_info(corpus: Corpus) -> None:
    corpus.write("bom.txt", "\ufeff" + article(1))
    corpus.write("crlf.txt", article(2).replace("\n", "\r\n"))
    code, findings, _ = check()
    assert code == 0
    assert where(findings, "E004", "E005") == [
        ("E004", "corpus/bom.txt", 1),
        ("E005", "corpus/crlf.txt", 1),
    ]
    assert {f["severity"] for f in findings if f["code"] in ("E004", "E005")} == {"info"}


def test_file_over_the_size_limit(corpus: Corpus) -> None:
    corpus.configure("max_file_bytes = 100")
    corpus.write("big.txt", article(1))
    code, findings, _ = check()
    assert code == 1
    assert where(findings, "E006") == [("E006", "corpus/big.txt", None)]


def test_malformed_sidecar_json(corpus: Corpus) -> None:
    corpus.write("a.txt", article(1))
    corpus.sidecar("a", '{\n  "title": "x",\n  "source": \n}\n')
    code, findings, _ = check()
    assert code == 1
    (f,) = [f for f in findings if f["code"] == "E008"]
    assert (f["path"], f["line"]) == ("corpus/a.meta.json", 4)
    assert f["column"] == 1


SIDECAR_CASES = [
    ({"title": "T", "publisher": "X"}, "M002", "publisher", "unknown field `publisher`"),
    ({"title": "T", "authors": "Jane Doe"}, "M001", "authors", "is not of type 'array'"),
    ({"title": "T", "published": "2023-13-45"}, "M003", "published", "`2023-13-45` is not a date"),
    ({"title": "T", "url": "ftp://example.com/a"}, "M004", "url", "not an http(s) URL"),
    ({"title": "T", "id": "b"}, "M005", "id", "differs from the file's stem `a`"),
    ({"title": "T", "language": "English!"}, "M011", "language", "not a BCP 47 tag"),
]


@pytest.mark.parametrize(("data", "code", "field", "message"), SIDECAR_CASES)
def test_sidecar_schema_violations_point_at_the_key(
    corpus: Corpus, data: dict[str, Any], code: str, field: str, message: str
) -> None:
    corpus.write("a.txt", article(1))
    corpus.sidecar("a", data)  # indent=2: key k is on line 2 + its index
    exit_code, findings, _ = check()
    assert exit_code == 1
    (f,) = [f for f in findings if f["code"] == code]
    assert f["path"] == "corpus/a.meta.json"
    assert f["line"] == 2 + list(data).index(field)
    assert f["field"] == field
    assert message in f["message"]


def test_orphan_sidecar(corpus: Corpus) -> None:
    corpus.write("a.txt", article(1))
    corpus.sidecar("gone", {"title": "Lost"})
    code, findings, _ = check()
    assert code == 1
    assert where(findings, "E010") == [("E010", "corpus/gone.meta.json", None)]


def test_missing_required_and_recommended(corpus: Corpus) -> None:
    (corpus.root / "pyproject.toml").write_text(
        '[tool.corpus-tool]\nname = "demo"\npaths = ["corpus"]\n', encoding="utf-8"
    )
    corpus.write("a.txt", "Just one plain paragraph of text with no header at all, nothing more.\n")
    code, findings, _ = check()
    assert code == 1
    required = [f for f in findings if f["code"] == "M006"]
    assert [f["field"] for f in required] == ["language"]
    recommended = sorted(f["field"] for f in findings if f["code"] == "M007")
    assert recommended == ["authors", "published", "source", "title", "url"]
    assert {f["severity"] for f in findings if f["code"] == "M007"} == {"warning"}


def test_path_like_id_in_a_shard_is_an_error(corpus: Corpus) -> None:
    rows = [{"id": "../../etc/passwd", "text": article(1)}, {"id": "ok-1", "text": article(2)}]
    corpus.write("part.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    code, findings, summary = check()
    assert code == 1
    (f,) = [f for f in findings if f["code"] == "M008"]
    assert (f["path"], f["line"]) == ("corpus/part.jsonl", 1)
    assert summary["documents"] == 2


def test_duplicate_ids_across_files_and_shards(corpus: Corpus) -> None:
    corpus.write("a.txt", article(1))
    corpus.write("z.jsonl", json.dumps({"id": "a", "text": article(2)}) + "\n")
    code, findings, _ = check()
    assert code == 1
    (f,) = [f for f in findings if f["code"] == "M009"]
    assert (f["path"], f["line"]) == ("corpus/z.jsonl", 1)
    assert "corpus/a.txt:1" in f["message"]


def test_malformed_jsonl_line_and_missing_text(corpus: Corpus) -> None:
    lines = [
        json.dumps({"id": "one", "text": article(1)}),
        '{"id": "two", "text": ',
        json.dumps({"id": "three"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "four", "text": article(4), "published": "2023-02-30"}),
    ]
    corpus.write("s.jsonl", "\n".join(lines) + "\n")
    code, findings, summary = check()
    assert code == 1
    assert where(findings, "E008", "M006", "M003") == [
        ("E008", "corpus/s.jsonl", 2),
        ("M006", "corpus/s.jsonl", 3),
        ("E008", "corpus/s.jsonl", 4),
        ("M003", "corpus/s.jsonl", 5),
    ]
    assert summary["documents"] == 5


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz", ".jsonl.zst", ".parquet"])
def test_shard_formats_point_at_their_line(corpus: Corpus, suffix: str) -> None:
    rows = [
        {"id": "one", "text": article(1), "title": "One", "language": "en"},
        {"id": "two", "text": "", "title": "Two", "language": "en"},
    ]
    name = "shard" + suffix
    payload = "".join(json.dumps(r) + "\n" for r in rows).encode()
    if suffix == ".jsonl.gz":
        payload = gzip.compress(payload)
    elif suffix == ".jsonl.zst":
        payload = zstandard.ZstdCompressor().compress(payload)
    if suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), corpus.dir / name)
    else:
        corpus.write(name, payload)
    corpus.write("doc.txt", article(3))
    code, findings, summary = check()
    assert code == 1
    assert where(findings, "E002") == [("E002", f"corpus/{name}", 2)]
    assert summary["documents"] == 3


def test_truncated_gzip_shard_is_a_finding(corpus: Corpus) -> None:
    data = gzip.compress(
        b"".join(
            json.dumps({"id": f"d{i}", "text": article(i)}).encode() + b"\n" for i in range(50)
        )
    )
    corpus.write("cut.jsonl.gz", data[: len(data) // 2])
    corpus.write("doc.txt", article(99))
    code, findings, _ = check()
    assert code == 1
    (f,) = [f for f in findings if f["code"] == "E009"]
    assert f["path"] == "corpus/cut.jsonl.gz" and f["line"]


def test_residual_markdown_link_is_a_warning(corpus: Corpus) -> None:
    text = article(1).replace("said the report.", "said [the report](https://example.com/r).", 1)
    corpus.write("a.txt", text)
    code, findings, _ = check()
    assert code == 0
    (f,) = [f for f in findings if f["code"] == "N201"]
    assert f["severity"] == "warning" and f["line"] == 7
    assert invoke("check", "--strict").exit_code == 1


def test_bad_file_and_exact_duplicates_in_one_run(corpus: Corpus) -> None:
    corpus.write("a.txt", article(1))
    corpus.write("b.txt", article(1))
    corpus.write("c.txt", b"\xfe\xfe")
    code, findings, _summary = check()
    assert code == 1
    assert where(findings, "E001", "D001") == [
        ("D001", "corpus/b.txt", 1),
        ("E001", "corpus/c.txt", 1),
    ]
    (dup,) = [f for f in findings if f["code"] == "D001"]
    assert dup["doc_id"] == "b" and dup["related"] == ["a"]


def _near_copy(text: str) -> str:
    """The same article republished: other header and footer boilerplate, a few words edited."""
    body = text.split("MT\n", 1)[1].rsplit("Original url:", 1)[0]
    body = body.replace("every day", "each day").replace("19,", "nineteen,")
    body = body.replace("Shame!", "Shame on you!").replace("last week", "recently")
    header = "Armenians Turn Against Russia\n\nBy Staff Writer\n\n10/02/2023\n\n"
    footer = "\nGet the Caucasus Daily in your inbox:\n\nRead more: [Other story](#)\n"
    return header + body + footer


def test_near_duplicate_of_a_seed_is_found(corpus: Corpus) -> None:
    for seed in SEED_IDS:
        corpus.seed(seed)
    original = (SEEDS / f"{SEED_IDS[0]}.txt").read_text(encoding="utf-8")
    corpus.write("zz_copy.txt", _near_copy(original))
    _code, findings, summary = check()
    dups = [f for f in findings if f["code"].startswith("D")]
    assert [(f["code"], f["doc_id"], f["related"]) for f in dups] == [
        ("D002", "zz_copy", [SEED_IDS[0]])
    ]
    assert summary["dropped_duplicates"] == 1


def test_same_url_is_reported(corpus: Corpus) -> None:
    corpus.write("a.txt", article(1))
    corpus.write("b.txt", article(2))
    corpus.sidecar("a", {"url": "https://example.com/story"})
    corpus.sidecar("b", {"url": "https://www.example.com/story/"})
    _, findings, _ = check()
    assert where(findings, "D003") == [("D003", "corpus/b.txt", 1)]


def test_findings_are_deterministic_across_job_counts(corpus: Corpus) -> None:
    for i in range(300):
        corpus.write(f"d{i:03d}.txt", article(i % 290))
    one = invoke("check", "--format", "json", "--jobs", "1").stdout
    two = invoke("check", "--format", "json", "--jobs", "2").stdout
    assert one == two
    assert json.loads(one)["summary"]["dropped_duplicates"] == 10


def test_select_ignore_and_severity_overrides(corpus: Corpus) -> None:
    corpus.configure('ignore = ["M007"]\n[tool.corpus-tool.severity]\nE005 = "error"')
    corpus.write("crlf.txt", article(2).replace("\n", "\r\n"))
    code, findings, _ = check()
    assert code == 1
    assert [f["code"] for f in findings] == ["E005"]


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ("colour = true", "unknown key `colour`"),
        ('ignore = ["X999"]', "unknown rule code or prefix `X999`"),
        ("[tool.corpus-tool.dedup]\nthreshold = 3", "dedup.threshold"),
    ],
)
def test_bad_configuration_is_a_usage_error(corpus: Corpus, extra: str, needle: str) -> None:
    corpus.configure(extra)
    result = invoke("check")
    assert result.exit_code == 2
    assert needle in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_github_format_annotates_lines(corpus: Corpus) -> None:
    corpus.write("bad.txt", b"ok\n\xff\n")
    result = invoke("check", "--format", "github")
    assert result.exit_code == 1
    assert "::error file=corpus/bad.txt,line=2,col=1,title=E001 invalid-utf8::" in result.stdout


def test_text_format_groups_by_file(corpus: Corpus) -> None:
    corpus.write("bad.txt", b"ok\n\xff\n")
    corpus.write("empty.txt", b"")
    result = invoke("check")
    assert result.exit_code == 1
    out = result.stdout
    assert out.index("corpus/bad.txt") < out.index("E001") < out.index("corpus/empty.txt")
    assert "2 documents checked: 2 errors" in out
    assert "\x1b[" not in out  # no colour when not a terminal


def test_json_report_equals_the_library_report(corpus: Corpus) -> None:
    from corpus_tool.config import load_config
    from corpus_tool.engines import run

    corpus.write("a.txt", article(1))
    corpus.write("b.txt", b"\xff")
    report = run([corpus.dir], load_config(), jobs=1).report
    assert report.flatten("code", "path", "line") == [
        ("M007", "corpus/a.txt", 1),  # source
        ("M007", "corpus/a.txt", 1),  # url
        ("E001", "corpus/b.txt", 1),
    ]
    result = invoke("check", "--format", "json")
    assert result.json() == json.loads(json.dumps(report.to_dict()))


def test_configured_language_must_be_a_bcp47_tag(corpus: Corpus) -> None:
    (corpus.root / "pyproject.toml").write_text(
        '[tool.corpus-tool]\npaths = ["corpus"]\nlanguage = "English"\n', encoding="utf-8"
    )
    result = invoke("check")
    assert result.exit_code == 2
    assert "`language`" in result.stderr
