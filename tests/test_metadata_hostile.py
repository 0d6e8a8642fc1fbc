"""Hostile metadata fails closed: every odd value is one finding, never a crash.

Each class of hostile input has its own test, named after the class.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import random
from pathlib import Path
from typing import Annotated, Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from corpus_tool.config import Config, ConfigError, parse_config
from corpus_tool.engines import run
from corpus_tool.models import ID_PATTERN, LANGUAGE_PATTERN, URL_PATTERN, canonical_url, json_line
from corpus_tool.package.version import parse_version
from corpus_tool.pipeline import SPILL_LINES, process_batch, process_document
from corpus_tool.sources import Item
from corpus_tool.sources.decode import KeyLocator, parse_json
from corpus_tool.sources.files import printable
from corpus_tool.validate.dedup.pairs import url_key
from corpus_tool.validate.metadata import validator
from tests.conftest import Corpus, article, check, invoke

CONTROL_TAILS = ["\n", "\r", "\t", "\x00"]


def codes_of(findings: list[dict[str, Any]], path: str | None = None) -> list[str]:
    return sorted(f["code"] for f in findings if path is None or f["path"] == path)


# -------------------------------------------------------------------- 1. anchors


def test_id_with_trailing_control_char_is_rejected_in_sidecars_shards_rows_and_stems(
    corpus: Corpus,
) -> None:
    lines, rows = [], []
    for i, tail in enumerate(CONTROL_TAILS):
        corpus.write(f"a{i}.txt", article(i))
        corpus.sidecar(f"a{i}", {"id": f"a{i}" + tail})
        lines.append(json.dumps({"id": f"line{i}" + tail, "text": article(10 + i)}))
        rows.append({"id": f"row{i}" + tail, "text": article(20 + i)})
        if tail != "\x00":  # a file name cannot hold NUL
            corpus.write(f"stem{i}{tail}.txt", article(30 + i))
    corpus.write("s.jsonl", "\n".join(lines) + "\n")
    pq.write_table(pa.Table.from_pylist(rows), corpus.dir / "s.parquet")
    code, findings, summary = check()
    assert code == 1
    about_id = [(f["code"], f["path"], f["line"]) for f in findings if f["field"] == "id"]
    n = len(CONTROL_TAILS)
    expected = [("M008", f"corpus/a{i}.meta.json", 2) for i in range(n)]
    expected += [("M008", "corpus/s.jsonl", i + 1) for i in range(n)]
    expected += [("M008", "corpus/s.parquet", i + 1) for i in range(n)]
    expected += [  # shown paths spell control characters as escapes (sources.files.printable)
        ("M008", f"corpus/stem{i}{printable(t)}.txt", 1) for i, t in enumerate(CONTROL_TAILS[:-1])
    ]
    assert sorted(about_id) == sorted(expected)
    stems = [f for f in findings if f["code"] == "M008" and "stem" in f["path"]]
    assert len(stems) == n - 1
    assert all("\\" in f["message"] for f in stems)  # the control character is escaped
    assert not [f for f in findings if f["code"] == "M006"]  # invalid, not also missing
    assert summary["documents"] == 4 * n - 1


def test_version_with_trailing_control_char_is_rejected(corpus: Corpus) -> None:
    corpus.write("a.txt", article(1))
    for tail in CONTROL_TAILS:
        with pytest.raises(ValueError):
            parse_version("1.0.0" + tail)
        result = invoke("build", "--version", "1.0.0" + tail)
        assert result.exit_code == 2
    assert not (corpus.root / "dist").exists() or not any((corpus.root / "dist").iterdir())


def test_version_with_non_ascii_digits_is_rejected() -> None:
    with pytest.raises(ValueError):
        parse_version("1.0.\u0661")  # ARABIC-INDIC DIGIT ONE: int() would take it


@pytest.mark.parametrize("tail", CONTROL_TAILS)
def test_config_name_and_language_with_trailing_control_char_are_rejected(tail: str) -> None:
    with pytest.raises(ConfigError):
        parse_config({"name": "demo" + tail}, source="pyproject.toml", root=Path("."))
    with pytest.raises(ConfigError):
        parse_config({"language": "en" + tail}, source="pyproject.toml", root=Path("."))


PATTERN_CASES = [
    (ID_PATTERN, ["a", "a.b-c_d", "A" * 128], ["a\n", "a\r", "a\t", "a\x00", "\na", "", "a/b"]),
    (LANGUAGE_PATTERN, ["en", "pt-BR"], ["en\n", "en\r", "en\t", "en\x00", "English"]),
    (URL_PATTERN, ["https://e.com/a"], ["https://e.com/a\n", "ftp://e.com", "https://e.com/ a"]),
]


@pytest.mark.parametrize(("pattern", "good", "bad"), PATTERN_CASES)
def test_schema_patterns_mean_the_same_in_every_validator(
    pattern: str, good: list[str], bad: list[str]
) -> None:
    """pydantic-core (Rust regex), the sidecar validator (jsonschema) and an ECMA-262
    engine (what editors use on the committed schema) agree on every pattern."""
    from pydantic import TypeAdapter, ValidationError
    from pydantic.types import StringConstraints

    adapter = TypeAdapter(Annotated[str, StringConstraints(pattern=pattern)])
    schema = {"type": "string", "pattern": pattern}
    try:
        import regress  # the ECMA-262 engine check-jsonschema uses
    except ImportError:  # pragma: no cover
        regress = None
    for value, expected in [(v, True) for v in good] + [(v, False) for v in bad]:
        try:
            adapter.validate_python(value, strict=True)
            pydantic_ok = True
        except ValidationError:
            pydantic_ok = False
        jsonschema_ok = next(iter(validator().descend(value, schema)), None) is None
        assert (pydantic_ok, jsonschema_ok) == (expected, expected), repr(value)
        if regress is not None:
            assert (regress.Regex(pattern).find(value) is not None) == expected, repr(value)


def test_committed_sidecar_schema_rejects_trailing_newline_id() -> None:
    schema = json.loads(Path("schemas/sidecar.schema.json").read_text(encoding="utf-8"))
    assert schema["properties"]["id"]["pattern"] == ID_PATTERN  # ECMA-262: `$` is the end
    errors = list(validator().iter_errors({"id": "abc\n"}))
    assert [e.validator for e in errors] == ["pattern"]


# -------------------------------------------------------------------- 2. duplicate keys


def test_duplicate_key_in_sidecar_is_one_finding_at_its_line(corpus: Corpus) -> None:
    corpus.write("a.txt", article(1))
    corpus.sidecar("a", '{\n  "source": "A",\n  "title": "T",\n  "source": "B"\n}\n')
    code, findings, _ = check()
    assert code == 1
    (f,) = [f for f in findings if f["code"] == "E008"]
    assert (f["path"], f["line"], f["column"]) == ("corpus/a.meta.json", 4, 3)
    assert "`source`" in f["message"] and "line 2" in f["message"]
    assert not [f for f in findings if f["field"] == "source" and f["code"] != "E008"]


def test_duplicate_key_in_shard_line_is_one_finding(corpus: Corpus) -> None:
    good = json.dumps({"id": "one", "text": article(1)})
    body = json.dumps(article(2))
    dup = '{"id": "two", "title": "X", "text": ' + body + ', "title": "Y"}'
    corpus.write("s.jsonl", good + "\n" + dup + "\n")
    code, findings, summary = check()
    assert code == 1
    (f,) = [f for f in findings if f["code"] == "E008"]
    assert (f["path"], f["line"]) == ("corpus/s.jsonl", 2)
    assert "`title`" in f["message"] and f["column"] == dup.rindex('"title"') + 1
    assert summary["documents"] == 2


def test_duplicate_key_in_nested_object_is_found() -> None:
    data = b'{"a": 1, "b": {"k": 1, "x": [{"k": 1}], "k": 2}}'
    obj, found = parse_json(data, "p.jsonl")
    assert obj == {"a": 1, "b": {"k": 2, "x": [{"k": 1}]}}
    assert [(f.code, f.column) for f in found] == [("E008", data.rindex(b'"k"') + 1)]


@pytest.mark.parametrize(
    "data",
    [
        b'{"a": "x\\": 1", "b": 2}',  # a colon after an escaped quote in a value
        b'{"a" : 1, "b" :2}',  # spaces before the colon
        b'{"a": {"a": {"a": 1}}}',  # the same key in different objects
        b'{"\\u0061": 1, "b": 2}',
        b'[{"a": 1}, {"a": 2}]',
    ],
)
def test_duplicate_key_check_has_no_false_positive(data: bytes) -> None:
    assert parse_json(data, "p")[1] == []


def test_duplicate_key_spelled_with_escapes_is_found() -> None:
    assert [f.code for f in parse_json(b'{"a": 1, "\\u0061": 2}', "p")[1]] == ["E008"]


# -------------------------------------------------------------------- 3. depth


def _nested(depth: int, leaf: Any = "x") -> Any:
    value = leaf
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


def _nested_json(depth: int) -> str:
    opens = "".join("[" if i % 2 else '{"k": ' for i in range(depth))
    closes = "".join("]" if i % 2 else "}" for i in reversed(range(depth)))
    return opens + '"x"' + closes


@pytest.mark.parametrize("depth", [2, 3, 50, 500, 1020, 5000])
def test_deeply_nested_json_value_is_one_m001_never_recursion(corpus: Corpus, depth: int) -> None:
    """Up to orjson's limit (1024) M001 from the depth bound; beyond it E008."""
    corpus.write("a.txt", article(1))
    nested = _nested_json(depth)
    corpus.sidecar("a", '{"authors": [' + nested + '], "title": "T"}')
    corpus.write("s.jsonl", '{"id": "s", "text": "x y z", "authors": ' + nested + "}\n")
    code, findings, _ = check()
    assert code == 1
    for path in ("corpus/a.meta.json", "corpus/s.jsonl"):
        (f,) = [f for f in findings if f["path"] == path and f["severity"] == "error"]
        assert f["code"] == ("E008" if depth > 1024 else "M001")
    assert not [f for f in findings if f["field"] == "authors" and f["code"] == "M007"]


@pytest.mark.parametrize("field", ["authors", "title", "x", "text", "id"])
def test_deeply_nested_row_value_of_any_depth_is_a_finding(field: str) -> None:
    row = {"id": "d", "text": article(1), field: _nested(100_000)}
    doc = process_document(Item("row", "s.parquet", 1, row), Config(language="en"))
    assert [f.field for f in doc.findings if f.severity == "error"] == [field]


# -------------------------------------------------------------------- 4. value types

PARQUET_COLUMNS: list[tuple[str, pa.Array]] = [
    ("nan", pa.array([float("nan")])),
    ("inf", pa.array([float("inf")])),
    ("int", pa.array([7])),
    ("float", pa.array([1.5])),
    ("bool", pa.array([True])),
    ("binary", pa.array([b"\x00\xff"], pa.binary())),
    ("list_of_ints", pa.array([[1, 2]])),
    ("list_with_null", pa.array([["a", None]])),
    ("list_of_lists", pa.array([[["a"]]])),
    ("struct", pa.array([{"a": 1, "b": "x"}])),
    ("map", pa.array([[("k", "v")]], pa.map_(pa.string(), pa.string()))),
    ("timestamp", pa.array([dt.datetime(2023, 1, 2, 3, 4)], pa.timestamp("us"))),
    ("timestamp_midnight", pa.array([dt.datetime(2023, 1, 2)], pa.timestamp("s"))),
    ("date", pa.array([dt.date(2023, 1, 2)], pa.date32())),
    ("time", pa.array([dt.time(1, 2)], pa.time64("us"))),
    ("decimal", pa.array([decimal.Decimal("1.50")], pa.decimal128(5, 2))),
    ("duration", pa.array([dt.timedelta(seconds=5)], pa.duration("s"))),
    ("list_of_dates", pa.array([[dt.date(2023, 1, 2)]])),
]
FIELDS = ["id", "text", "title", "authors", "published", "updated", "source", "url", "language"]


def test_non_string_parquet_column_types_are_findings_never_crashes(corpus: Corpus) -> None:
    for field in FIELDS:
        for i, (kind, column) in enumerate(PARQUET_COLUMNS):
            table = pa.table(
                {
                    "id": pa.array([f"doc-{field}-{kind}"]),
                    "text": pa.array([article(i)]),
                    "url": pa.array([f"https://e.com/{field}/{kind}"]),
                }
            )
            table = table.drop_columns([field]) if field in table.column_names else table
            table = table.append_column(field, column)
            pq.write_table(table, corpus.dir / f"{field}-{kind}.parquet")
    code, findings, summary = check()
    assert code == 1
    assert summary["documents"] == len(PARQUET_COLUMNS) * len(FIELDS)
    for field in FIELDS:
        for kind, _ in PARQUET_COLUMNS:
            mine = [f for f in findings if f["path"] == f"corpus/{field}-{kind}.parquet"]
            errors = [f for f in mine if f["severity"] == "error"]
            if field in ("published", "updated") and kind == "date":
                assert not errors, errors  # a date column is a date
                continue
            assert len(errors) == 1, (field, kind, errors)  # one defect, one finding
            assert errors[0]["field"] == field, (field, kind, errors)
            missing = [f for f in mine if f["code"] in ("M006", "M007") and f["field"] == field]
            assert not missing, (field, kind, missing)


def test_nan_url_never_reaches_canonical_url_or_the_authors_merge() -> None:
    row = {"id": "d", "text": article(1), "url": float("nan"), "authors": [float("nan")]}
    doc = process_document(Item("row", "s.parquet", 1, row), Config(language="en"))
    assert sorted(f.field or "" for f in doc.findings if f.code == "M001") == ["authors", "url"]
    assert doc.record is not None and doc.record["url"] is None
    assert json_line(doc.record)
    assert canonical_url(float("nan")) == "" and url_key(float("nan")) == 0  # type: ignore[arg-type]


# -------------------------------------------------------------------- 5. one run, every problem


def test_document_with_metadata_errors_still_gets_its_duplicates_reported(corpus: Corpus) -> None:
    rows = [
        {"id": "ok", "text": article(1)},
        {"id": "../bad", "text": article(1)},  # invalid id
        {"text": article(1)},  # missing id
        {"id": "nolang", "text": article(1), "language": "English!"},
        {"id": "badurl", "text": article(1), "url": "ftp://x"},
    ]
    corpus.configure("")
    corpus.write("s.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    corpus.write("z.txt", article(1))
    corpus.sidecar("z", {"published": "2023-02-30"})
    code, findings, summary = check()
    assert code == 1
    dups = [(f["path"], f["line"], f["related"]) for f in findings if f["code"] == "D001"]
    shard = "corpus/s.jsonl"
    assert dups == [(shard, n, ["ok"]) for n in (2, 3, 4, 5)] + [("corpus/z.txt", 1, ["ok"])]
    assert summary["documents"] == 6


def test_duplicates_of_invalid_documents_do_not_shift_the_release_records(corpus: Corpus) -> None:
    rows = [
        {"id": "../bad", "text": article(1)},
        {"id": "a", "text": article(1)},
        {"id": "b", "text": article(2)},
    ]
    corpus.write("s.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    records: list[dict[str, Any]] = []
    result = run([corpus.dir], Config(root=corpus.root, language="en"), jobs=1, sink=records.append)
    assert [r["id"] for r in records] == ["a", "b"]
    assert result.dedup is not None and len(result.dedup.keep) == 2
    assert result.report.has_errors()


ONE_DEFECT_CASES = [
    ({"language": "English!"}, "M011", "language"),
    ({"authors": "Jane Doe"}, "M001", "authors"),
    ({"authors": [1]}, "M001", "authors"),
    ({"url": "ftp://e.com/a"}, "M004", "url"),
    ({"published": "2023-13-45"}, "M003", "published"),
    ({"title": ""}, "M001", "title"),
    ({"source": 5}, "M001", "source"),
]


@pytest.mark.parametrize(("data", "code", "field"), ONE_DEFECT_CASES)
def test_one_defect_one_finding_invalid_field_is_not_also_missing(
    corpus: Corpus, data: dict[str, Any], code: str, field: str
) -> None:
    (corpus.root / "pyproject.toml").write_text(
        '[tool.corpus-tool]\nname = "demo"\npaths = ["corpus"]\n', encoding="utf-8"
    )
    corpus.write("a.txt", "Just one plain paragraph of text with no header at all, nothing more.\n")
    corpus.sidecar("a", {**data, "language": data.get("language", "en")})
    _, findings, _ = check()
    about = [f["code"] for f in findings if f["field"] == field]
    assert about == [code]


@pytest.mark.parametrize("row", [{"id": 5}, {"id": ["a"]}, {"id": ""}, {"id": float("nan")}])
def test_one_defect_one_finding_bad_id_type_is_not_also_missing(row: dict[str, Any]) -> None:
    doc = process_document(Item("row", "s.parquet", 1, {**row, "text": article(1)}), Config())
    about = [f.code for f in doc.findings if f.field == "id"]
    assert len(about) == 1 and about[0] in ("M001", "M008")


def test_one_defect_one_finding_unreadable_sidecar_is_not_missing_fields(corpus: Corpus) -> None:
    corpus.write("a.txt", "Just one plain paragraph of text with no header at all, nothing more.\n")
    corpus.sidecar("a", "{not json")
    _, findings, _ = check()
    assert codes_of(findings) == ["E008"]


# -------------------------------------------------------------------- 8. lone surrogates


@pytest.mark.parametrize("field", ["text", "title", "authors", "url", "id"])
def test_lone_surrogate_in_row_is_e001_never_an_encode_error(field: str) -> None:
    value: Any = "bad \ud800 value"
    if field == "authors":
        value = [value]
    row = {"id": "d", "text": article(1), field: value}
    result = process_batch([Item("row", "s.parquet", 1, row)], Config(language="en"), SPILL_LINES)
    (doc,) = result.docs
    errors = [(f.code, f.field) for f in doc.findings if f.severity == "error"]
    assert errors == [("E001", field)]
    assert "U+D800" in doc.findings[0].message
    for f in doc.findings:
        f.message.encode("utf-8")


def test_lone_surrogate_escape_in_json_text_is_e008() -> None:
    obj, found = parse_json(b'{"id": "a", "text": "\\ud800"}', "s.jsonl")
    assert obj is None and [f.code for f in found] == ["E008"]


# -------------------------------------------------------------------- 8. mutation loop


INSERTS = [b'"', b"{", b"[", b"\\u", b"\\ud800", b"\x00", b"\n", b":"]


def _mutations(rng: random.Random, data: bytes, n: int) -> list[bytes]:
    out = []
    for _ in range(n):
        b = bytearray(data)
        for _ in range(rng.randint(1, 6)):
            pos = rng.randrange(len(b) + 1)
            op = rng.random()
            if op < 0.4 and b:
                b[min(pos, len(b) - 1)] = rng.randrange(256)
            elif op < 0.7:
                b[pos:pos] = rng.choice(INSERTS)
            else:
                del b[pos : pos + rng.randint(1, 8)]
        out.append(bytes(b))
    return out


def test_mutated_lines_sidecars_and_rows_never_raise() -> None:
    rng = random.Random(7)
    config = Config(language="en")
    line = json.dumps(
        {
            "id": "d-1",
            "text": article(1)[:400],
            "title": "T",
            "authors": ["A", "B"],
            "published": "2023-01-02",
            "url": "https://e.com/a",
            "language": "en",
        }
    ).encode()
    sidecar = json.dumps({"title": "T", "authors": ["A"], "published": "2023-01-02"}).encode()
    items = [Item("jsonl", "s.jsonl", i + 1, m) for i, m in enumerate(_mutations(rng, line, 300))]
    text = article(2).encode()
    for i, m in enumerate(_mutations(rng, sidecar, 150)):
        doc_text = _mutations(rng, text, 1)[0]
        items.append(Item("txt", f"d{i}.txt", 1, doc_text, f"d{i}", m, f"d{i}.meta.json"))
    values: list[Any] = [None, float("nan"), 1, True, b"x", [1], {"a": [1]}, "\udcff", "", [None]]
    base = orjson.loads(line)
    for key in [*base, "extra"]:
        for value in values:
            items.append(Item("row", "s.parquet", 1, {**base, key: value}))
    result = process_batch(items, config, SPILL_LINES)
    assert len(result.docs) == len(items)
    for doc in result.docs:
        for f in doc.findings:
            json.dumps(f.to_dict(), ensure_ascii=False).encode("utf-8")


def test_key_locator_finds_top_level_keys_only() -> None:
    raw = b'{\n  "a": {"title": 1},\n  "s": "\\"title\\": x",\n  "title": 2\n}'
    assert KeyLocator(raw, 10).locate("title") == (13, 3)


def test_duplicate_id_is_reported_for_documents_with_other_errors(corpus: Corpus) -> None:
    (corpus.root / "pyproject.toml").write_text(
        '[tool.corpus-tool]\nname = "demo"\npaths = ["corpus"]\n', encoding="utf-8"
    )
    corpus.write("a/x.txt", article(1))  # no language anywhere: M006
    corpus.write("b/x.txt", article(2))
    _, findings, _ = check()
    assert [(f["code"], f["path"]) for f in findings if f["code"] == "M009"] == [
        ("M009", "corpus/b/x.txt")
    ]
