"""Hostile input never crashes `check`: arbitrary text and sidecar bytes, shard lines, ids."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus_tool.config import Config
from corpus_tool.findings import Severity
from corpus_tool.pipeline import run
from tests.conftest import article, invoke

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=8,
)
sidecar_objects = st.dictionaries(
    st.sampled_from(
        [
            "id",
            "title",
            "authors",
            "published",
            "updated",
            "source",
            "url",
            "language",
            "x",
            "$schema",
        ]
    ),
    json_values | st.sampled_from(["2023-13-45", "2023-02-28", "https://e.com/a", "en", "../x"]),
    max_size=6,
)
sidecar_bytes = st.one_of(
    st.binary(max_size=200),
    sidecar_objects.map(lambda d: json.dumps(d).encode()),
    st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")),
)
text_bytes = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.sampled_from([article(1).encode(), b"", b"\xef\xbb\xbf", b"\r\n\r\n", b"[x](#)\n"]),
)


def _check(folder: Path) -> None:
    report = run([folder], Config(root=folder, language="en"), jobs=1).report
    assert report.documents >= 0
    for f in report.findings:
        assert f.code and f.message and isinstance(f.severity, Severity)


@SETTINGS
@given(text=text_bytes, sidecar=st.none() | sidecar_bytes)
def test_any_text_and_sidecar_bytes(tmp_path_factory, text: bytes, sidecar: bytes | None) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "doc.txt").write_bytes(text)
    if sidecar is not None:
        (folder / "doc.meta.json").write_bytes(sidecar)
    _check(folder)


shard_lines = st.one_of(
    st.binary(max_size=120).filter(lambda b: b"\n" not in b),
    st.fixed_dictionaries(
        {"id": json_values | st.text(max_size=20), "text": json_values | st.text(max_size=200)},
        optional={"published": json_values, "url": json_values, "authors": json_values},
    ).map(lambda d: json.dumps(d).encode()),
)


@SETTINGS
@given(lines=st.lists(shard_lines, max_size=8))
def test_any_shard_lines(tmp_path_factory, lines: list[bytes]) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "part.jsonl").write_bytes(b"\n".join(lines))
    _check(folder)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=text_bytes, sidecar=st.none() | sidecar_bytes)
def test_cli_exit_codes_are_0_1_or_2(tmp_path_factory, text: bytes, sidecar: bytes | None) -> None:
    folder = tmp_path_factory.mktemp("cli")
    (folder / "doc.txt").write_bytes(text)
    if sidecar is not None:
        (folder / "doc.meta.json").write_bytes(sidecar)
    for fmt in ("text", "json", "github"):
        result = invoke("check", str(folder), "--format", fmt)
        assert result.exit_code in (0, 1, 2)
        assert "Traceback" not in result.stdout + result.stderr
