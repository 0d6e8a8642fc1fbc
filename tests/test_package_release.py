"""Release packaging: formats, determinism, atomicity, immutability, verification."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from corpus_tool.config import Config
from corpus_tool.models import SCHEMA_VERSION, Document
from corpus_tool.package import (
    ReleaseError,
    ReleaseExistsError,
    ReleaseWriter,
    identity,
    previous_release,
    read_release_records,
    release_timestamp,
    tempfiles,
    verify_release,
)
from corpus_tool.package.fields import ARROW_SCHEMA, FIELD_NAMES, FIELDS, comparable
from corpus_tool.package.load import load

SOURCES = ["The Washington Post", "Reuters", None]


def make_record(i: int, text: str | None = None, **changes: Any) -> dict[str, Any]:
    text = text or f"Document {i}: Stepanakert — «naïve» café text, line two.\nSecond line."
    record = {
        "id": f"doc-{i:03d}",
        "text": text,
        "title": f"Title {i}" if i % 3 else None,
        "authors": ["Robyn Dixon", "Francesca Ebel"][: i % 3],
        "published": dt.date(2023, 1 + i % 12, 1 + i % 28) if i % 4 else None,
        "updated": dt.date(2023, 12, 31) if i % 5 == 0 else None,
        "source": SOURCES[i % 3],
        "url": f"https://example.org/a/{i}" if i % 2 else None,
        "language": "en" if i % 7 else "fr",
        "raw_sha256": hashlib.sha256(f"raw {i}".encode()).hexdigest(),
        "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "normalization": ["N101", "N120"][: i % 3] + (["N999"] if i == 9 else []),
    }
    record.update(changes)
    return record


RECORDS = [make_record(i) for i in range(10)]
DROPPED = [{"id": "doc-dup", "duplicate_of": "doc-001", "kind": "near", "similarity": 0.93}]
CONFIG = Config(
    name="news", pretty_name="News sample", license="cc-by-4.0", shard_rows=3, row_group_rows=2
)


def build(
    out: Path,
    records: list[dict[str, Any]] = RECORDS,
    version: str = "1.0.0",
    config: Config = CONFIG,
    previous: Path | None = None,
    timestamp: int | None = 1_700_000_000,
) -> Any:
    writer = ReleaseWriter(out, config.name, version, config)
    for record in records:
        writer.write(record)
    return writer.finish(
        dropped=DROPPED,
        source_commit="0" * 40,
        timestamp=timestamp,
        previous=previous,
    )


def files_of(release: Path) -> dict[str, bytes]:
    return {
        p.relative_to(release).as_posix(): p.read_bytes()
        for p in sorted(release.rglob("*"))
        if p.is_file()
    }


def snapshot(release: Path) -> dict[Path, tuple[int, bytes]]:
    """Each file's mtime and bytes: what "untouched" means."""
    return {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in release.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    result = build(tmp_path_factory.mktemp("dist"))
    assert result.status == "created"
    return result.path


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def copy(release: Path, tmp_path: Path) -> Path:
    """A private copy of the release, to tamper with."""
    target = tmp_path / release.name
    shutil.copytree(release, target)
    return target


def expected_records() -> list[dict[str, Any]]:
    return [comparable(r) for r in RECORDS]


# -- layout and formats -------------------------------------------------------


def test_fields_follow_the_document_model() -> None:
    assert tuple(spec.name for spec in FIELDS) == tuple(Document.model_fields) == FIELD_NAMES


def test_release_tree_uses_hugging_face_shard_names(release: Path) -> None:
    assert release.name == "news-1.0.0"
    assert sorted(files_of(release)) == [
        "CHANGELOG.md",
        "README.md",
        "croissant.json",
        *(f"data/train-0000{i}-of-00004.parquet" for i in range(4)),
        *(f"jsonl/train-0000{i}-of-00004.jsonl.gz" for i in range(4)),
        "manifest.json",
    ]


def test_jsonl_holds_the_records_in_order(release: Path) -> None:
    assert list(read_release_records(release)) == expected_records()
    first = gzip.decompress((release / "jsonl/train-00000-of-00004.jsonl.gz").read_bytes())
    assert list(orjson_keys(first.splitlines()[0])) == list(FIELD_NAMES)


def orjson_keys(line: bytes) -> list[str]:
    import json

    return list(json.loads(line))


def test_gzip_header_has_no_time_and_no_name(release: Path) -> None:
    raw = (release / "jsonl/train-00000-of-00004.jsonl.gz").read_bytes()
    assert raw[3] & 0x08 == 0  # FNAME flag
    assert raw[4:8] == b"\0\0\0\0"  # MTIME


def test_parquet_schema_types_and_metadata(release: Path) -> None:
    schema = pq.read_schema(release / "data/train-00000-of-00004.parquet")
    assert schema.field("published").type == pa.date32()
    assert schema.field("updated").type == pa.date32()
    assert schema.field("authors").type == pa.list_(pa.string())
    assert schema.field("normalization").type == pa.list_(pa.string())
    assert schema.metadata[b"corpus_tool.schema_version"] == str(SCHEMA_VERSION).encode()
    assert schema.remove_metadata().equals(ARROW_SCHEMA.remove_metadata())


def test_parquet_row_groups_follow_the_config(release: Path) -> None:
    meta = pq.ParquetFile(release / "data/train-00000-of-00004.parquet").metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [2, 1]
    assert meta.row_group(0).column(0).compression == "ZSTD"


def test_load_dataset_offline_yields_the_jsonl_records(
    release: Path, tmp_path: Path, no_network: None
) -> None:
    import datasets

    ds = datasets.load_dataset(str(release), split="train", cache_dir=str(tmp_path))
    assert ds.features["published"].dtype == "date32"
    assert [comparable(row) for row in ds] == list(read_release_records(release))


def test_pyarrow_polars_duckdb_read_the_shards(release: Path) -> None:
    import duckdb
    import polars as pl

    ids = [r["id"] for r in RECORDS]
    table = pq.read_table(release / "data")
    assert table.column("id").to_pylist() == ids
    frame = pl.read_parquet(str(release / "data" / "train-*.parquet"))
    assert frame["id"].to_list() == ids
    assert frame.schema["published"] == pl.Date
    rows = duckdb.sql(
        f"SELECT id, published FROM read_parquet('{release}/data/train-*.parquet',"
        " filename = true, file_row_number = true) ORDER BY filename, file_row_number"
    ).fetchall()
    assert [r[0] for r in rows] == ids
    assert dict(rows)["doc-001"] == dt.date(2023, 2, 2)


def test_long_and_unusual_texts_survive_both_formats(tmp_path: Path) -> None:
    """Records reach Parquet through Arrow's JSON reader: a line longer than its
    default block, escapes and every kind of character come out as they went in."""
    odd = 'tab\there "quoted" \\ back\u2028sep \u0000nul \U0001f600 ΟΔΟΣ Zu\u0308rich\n'
    records = [
        make_record(0, text="long " * 700_000),  # 3.5 MB on one JSON line
        make_record(1, text=odd * 3),
        make_record(2),
    ]
    release = build(tmp_path, records=records).path
    expected = [comparable(r) for r in records]
    assert list(read_release_records(release)) == expected
    table = pq.read_table(release / "data")
    assert [comparable(row) for row in table.to_pylist()] == expected
    assert verify_release(release) == []


def test_counts_match_the_records(release: Path) -> None:
    import json
    from collections import Counter

    counts = json.loads((release / "manifest.json").read_text())["counts"]
    months = Counter(
        r["published"].strftime("%Y-%m") if r["published"] else "unknown" for r in RECORDS
    )
    assert counts["by_month"] == dict(sorted(months.items()))
    assert counts["by_language"] == {"en": 8, "fr": 2}
    assert counts["normalization"] == {"N101": 6, "N120": 3, "N999": 1}


def test_a_row_group_also_ends_at_its_byte_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from corpus_tool.package import writer as writer_module

    monkeypatch.setattr(writer_module, "ROW_GROUP_MAX_BYTES", 1500)
    records = [make_record(i, text="word " * 200) for i in range(5)]  # ~1.3 kB lines
    config = CONFIG.model_copy(update={"shard_rows": 100, "row_group_rows": 100})
    release = build(tmp_path, records=records, config=config).path
    meta = pq.ParquetFile(release / "data/train-00000-of-00001.parquet").metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [2, 2, 1]
    assert list(read_release_records(release)) == [comparable(r) for r in records]


def test_empty_release_has_one_empty_shard(tmp_path: Path) -> None:
    result = build(tmp_path, records=[])
    assert result.records == 0
    assert (result.path / "data/train-00000-of-00001.parquet").is_file()
    assert verify_release(result.path) == []
    assert len(load(result.path, cache_dir=str(tmp_path / "cache"))) == 0


def test_a_record_that_is_not_a_document_is_refused(tmp_path: Path) -> None:
    writer = ReleaseWriter(tmp_path, "news", "1.0.0", CONFIG)
    with pytest.raises(ValueError, match=r"record `doc-000`: field `published`"):
        writer.write(make_record(0, published=dt.datetime(2023, 1, 1)))
    with pytest.raises(ValueError, match="unexpected"):
        writer.write({**make_record(0), "extra": 1})
    writer.abort()
    assert list(tmp_path.iterdir()) == []


# -- determinism, atomicity, immutability --------------------------------------


def test_same_inputs_give_byte_identical_files(release: Path, tmp_path: Path) -> None:
    again = build(tmp_path / "elsewhere").path
    assert files_of(again) == files_of(release)


def test_timestamp_only_in_the_manifest(release: Path, tmp_path: Path) -> None:
    other = files_of(build(tmp_path, timestamp=None).path)
    same = files_of(release)
    # Croissant's datePublished is the release's timestamp, masked in the identity.
    assert [k for k in same if other[k] != same[k]] == ["croissant.json", "manifest.json"]
    assert b'"timestamp"' not in other["manifest.json"]
    assert b'"datePublished"' not in other["croissant.json"]
    assert b'"datePublished"' in same["croissant.json"]
    masked = [identity.masked("croissant.json", f["croissant.json"]) for f in (other, same)]
    assert masked[0] == masked[1]


def test_abort_leaves_nothing(tmp_path: Path) -> None:
    writer = ReleaseWriter(tmp_path, "news", "1.0.0", CONFIG)
    for record in RECORDS[:4]:
        writer.write(record)
    writer.abort()
    assert list(tmp_path.iterdir()) == []


def test_killed_build_leaves_no_release_under_the_final_name(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import os, sys
        from pathlib import Path
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_package_release import CONFIG, RECORDS
        from corpus_tool.package import ReleaseWriter
        writer = ReleaseWriter(Path({str(tmp_path)!r}), "news", "1.0.0", CONFIG)
        for record in RECORDS[:5]:
            writer.write(record)
        os._exit(1)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, check=False)
    assert proc.returncode == 1, proc.stderr.decode()
    assert not (tmp_path / "news-1.0.0").exists()
    leftovers = tempfiles.leftovers(tmp_path)
    assert len(leftovers) == 1 and leftovers[0].name.startswith(".tmp-news-1.0.0-")
    # Its build is dead, so nobody holds its lock: the next build's sweep removes it.
    assert tempfiles.sweep(tmp_path) == [leftovers[0].name]
    assert tempfiles.leftovers(tmp_path) == []
    # A later build is not disturbed by the leftover and is not a previous release.
    assert previous_release(tmp_path, "news", "2.0.0") is None
    assert build(tmp_path).status == "created"


def test_rebuilding_a_version_with_equal_content_is_up_to_date(release: Path) -> None:
    before = snapshot(release)
    result = build(release.parent)
    assert result.status == "up to date"
    assert "up to date" in result.message
    assert snapshot(release) == before
    assert tempfiles.leftovers(release.parent) == []


def test_rebuilding_equal_content_from_a_later_commit_is_up_to_date(release: Path) -> None:
    """Provenance (commit, time, library versions) is not content: no new version needed."""
    before = snapshot(release)
    assert build(release.parent, timestamp=1_800_000_000).status == "up to date"
    assert snapshot(release) == before


def test_rebuilding_a_version_with_other_content_is_refused(release: Path) -> None:
    before = snapshot(release)
    changed = [*RECORDS[:-1], make_record(9, text="A corrected text.")]
    with pytest.raises(
        ReleaseExistsError, match=r"different content.*bump the version.*patch bump: 1\.0\.1"
    ):
        build(release.parent, records=changed)
    assert snapshot(release) == before
    assert tempfiles.leftovers(release.parent) == []


def test_invalid_version_is_refused_before_writing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a semantic version"):
        ReleaseWriter(tmp_path, "news", "1.0", CONFIG)
    assert list(tmp_path.iterdir()) == []


# -- verification and loading -------------------------------------------------


def test_clean_release_verifies(release: Path) -> None:
    assert verify_release(release) == []


def test_flipped_parquet_byte_is_found(copy: Path) -> None:
    target = copy / "data/train-00001-of-00004.parquet"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    problems = verify_release(copy)
    assert {p.path for p in problems} == {"data/train-00001-of-00004.parquet"}
    assert any("sha256" in p.message for p in problems)


def test_removed_jsonl_line_is_found(copy: Path) -> None:
    target = copy / "jsonl/train-00002-of-00004.jsonl.gz"
    lines = gzip.decompress(target.read_bytes()).splitlines(keepends=True)
    target.write_bytes(gzip.compress(b"".join(lines[:-1]), mtime=0))
    problems = verify_release(copy)
    assert {p.path for p in problems} == {"jsonl/train-00002-of-00004.jsonl.gz"}
    assert any("2 rows, manifest says 3" in p.message for p in problems)


def test_deleted_and_unlisted_files_are_found(copy: Path) -> None:
    (copy / "croissant.json").unlink()
    (copy / "data/extra.parquet").write_bytes(b"PAR1")
    problems = {(p.path, p.message) for p in verify_release(copy)}
    assert problems == {
        ("croissant.json", "listed in manifest.json but missing"),
        ("data/extra.parquet", "present but not listed in manifest.json"),
    }


def test_parquet_and_jsonl_disagreeing_is_found(copy: Path) -> None:
    """Both copies intact by checksum, but different records (a writer bug)."""
    import json

    target = copy / "jsonl/train-00000-of-00004.jsonl.gz"
    lines = gzip.decompress(target.read_bytes()).splitlines(keepends=True)
    record = json.loads(lines[1])
    record["title"] = "Another title"
    lines[1] = (json.dumps(record, ensure_ascii=False) + "\n").encode()
    target.write_bytes(gzip.compress(b"".join(lines), mtime=0))
    manifest_path = copy / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for entry in manifest["files"]:
        if entry["path"] == "jsonl/train-00000-of-00004.jsonl.gz":
            entry["bytes"] = target.stat().st_size
            entry["sha256"] = hashlib.sha256(target.read_bytes()).hexdigest()
            entry["content_sha256"] = hashlib.sha256(b"".join(lines)).hexdigest()
    croissant_path = copy / "croissant.json"  # Croissant lists the JSONL shards too
    croissant = json.loads(croissant_path.read_text())
    for entry in croissant["distribution"]:
        if entry.get("contentUrl") == "jsonl/train-00000-of-00004.jsonl.gz":
            entry["contentSize"] = f"{target.stat().st_size} B"
            entry["sha256"] = hashlib.sha256(target.read_bytes()).hexdigest()
    croissant_path.write_text(json.dumps(croissant))
    for entry in manifest["files"]:
        if entry["path"] == "croissant.json":
            entry["bytes"] = croissant_path.stat().st_size
            entry["sha256"] = hashlib.sha256(croissant_path.read_bytes()).hexdigest()
            entry["content_sha256"] = identity.text_content_sha256(
                "croissant.json", croissant_path.read_bytes()
            )
    view = identity.view(manifest, manifest["files"])  # a manifest true to each file
    manifest["identity"]["sha256"] = identity.identity_sha256(view)
    manifest_path.write_text(json.dumps(manifest))
    problems = verify_release(copy)
    assert len(problems) == 1
    assert problems[0].path == "jsonl/train-00000-of-00004.jsonl.gz"
    assert "record 2 (`doc-001`)" in problems[0].message and "title" in problems[0].message


def test_load_verifies_and_returns_the_records(
    release: Path, tmp_path: Path, no_network: None
) -> None:
    ds = load(release, cache_dir=str(tmp_path))
    assert [comparable(r) for r in ds] == expected_records()


def test_load_refuses_a_tampered_release(copy: Path, tmp_path: Path) -> None:
    target = copy / "jsonl/train-00003-of-00004.jsonl.gz"
    target.write_bytes(target.read_bytes()[:-4])
    with pytest.raises(ReleaseError, match=r"jsonl/train-00003-of-00004\.jsonl\.gz"):
        load(copy, cache_dir=str(tmp_path))


def test_load_without_verify_refuses_a_folder_that_is_no_release(tmp_path: Path) -> None:
    with pytest.raises(ReleaseError, match=r"manifest\.json"):
        load(tmp_path / "missing", verify=False)


# -- metadata files -------------------------------------------------------------


def test_manifest_lists_every_file_and_the_counts(release: Path) -> None:
    import json

    manifest = json.loads((release / "manifest.json").read_text())
    listed = {f["path"]: f for f in manifest["files"]}
    actual = files_of(release)
    assert set(listed) == set(actual) - {"manifest.json"}
    for path, entry in listed.items():
        assert entry["bytes"] == len(actual[path])
        assert entry["sha256"] == hashlib.sha256(actual[path]).hexdigest()
    assert [listed[f"data/train-0000{i}-of-00004.parquet"]["rows"] for i in range(4)] == [
        3,
        3,
        3,
        1,
    ]
    assert manifest["counts"]["records"] == 10
    assert manifest["counts"]["dropped"] == 1
    assert manifest["counts"]["by_source"] == {"Reuters": 3, "The Washington Post": 4, "unknown": 3}
    assert sum(manifest["counts"]["by_month"].values()) == 10
    assert manifest["timestamp"] == 1_700_000_000
    assert manifest["schema"]["version"] == SCHEMA_VERSION
    assert manifest["dropped"] == DROPPED
    assert set(manifest["writers"]) >= {"pyarrow"}


def card_header(release: Path) -> dict[str, Any]:
    text = (release / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1])


def test_card_yaml_has_the_hugging_face_keys(release: Path) -> None:
    header = card_header(release)
    assert header["configs"] == [
        {
            "config_name": "default",
            "data_files": [{"split": "train", "path": "data/train-*.parquet"}],
        }
    ]
    features = {f["name"]: f for f in header["dataset_info"]["features"]}
    assert list(features) == list(FIELD_NAMES)
    assert features["published"]["dtype"] == "date32"
    assert features["authors"]["sequence"] == "string"
    assert header["dataset_info"]["splits"][0]["num_examples"] == 10
    assert header["license"] == "cc-by-4.0"
    assert header["language"] == ["en", "fr"]
    assert header["size_categories"] == ["n<1K"]
    assert header["pretty_name"] == "News sample"


def test_card_loads_with_huggingface_hub_and_describes_the_release(release: Path) -> None:
    from huggingface_hub import DatasetCard

    card = DatasetCard.load(release / "README.md")
    assert card.data.pretty_name == "News sample"
    body = card.text
    assert "| `published` | date (date32) or null |" in body
    assert "| The Washington Post | 4 |" in body
    assert "`N999` | (no description" in body  # unknown rule codes do not break the card
    assert "1 duplicate document dropped (1 near)" in body
    assert 'datasets.load_dataset(".", split="train")' in body


def test_size_categories() -> None:
    from corpus_tool.package.card import size_category

    assert [size_category(n) for n in (0, 999, 1000, 54_321, 2_000_000)] == [
        "n<1K",
        "n<1K",
        "1K<n<10K",
        "10K<n<100K",
        "1M<n<10M",
    ]


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")
def test_croissant_validates_with_mlcroissant(release: Path, no_network: None) -> None:
    import mlcroissant as mlc

    dataset = mlc.Dataset(jsonld=release / "croissant.json")
    assert not dataset.metadata.ctx.issues.errors
    records = list(dataset.records("train"))
    assert [r["train/id"].decode() for r in records] == [r["id"] for r in RECORDS]


def test_changelog_describes_the_changes_since_the_previous_release(
    release: Path, tmp_path: Path
) -> None:
    out = tmp_path / "dist"
    shutil.copytree(release, out / release.name)
    new = [*RECORDS[1:], make_record(10)]
    previous = previous_release(out, "news", "1.0.1")
    assert previous == out / "news-1.0.0"
    result = build(out, records=new, version="1.0.1", previous=previous)
    changelog = (result.path / "CHANGELOG.md").read_text()
    assert changelog.startswith("# Changelog\n\n## news 1.0.1\n")
    assert "1 added, 1 removed" in changelog
    assert "Suggested version bump: **major**" in changelog
    assert "this release is a patch version step from 1.0.0" in changelog
    assert (release / "CHANGELOG.md").read_text().endswith("Initial release.\n")


# -- provenance -----------------------------------------------------------------


def test_release_timestamp_prefers_source_date_epoch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1234567890")
    assert release_timestamp(tmp_path) == (None, 1234567890)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(ValueError, match="SOURCE_DATE_EPOCH"):
        release_timestamp(tmp_path)


def test_release_timestamp_uses_the_head_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert release_timestamp(tmp_path) == (None, None)
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": "@1600000000 +0000",
        "GIT_COMMITTER_DATE": "@1600000000 +0000",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, env=env)
    subprocess.run(
        ["git", "-C", str(tmp_path), "commit", "-q", "--allow-empty", "-m", "x"],
        check=True,
        env=env,
    )
    head = subprocess.run(
        ["git", "-C", str(tmp_path), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (tmp_path / "sub").mkdir()
    assert release_timestamp(tmp_path / "sub") == (head, 1600000000)
