"""`verify`, `load` and the changelog diff trust nothing in a release.

Each test names the class of hostile or damaged input it feeds: a problem
naming the file (and key), never a traceback, a hang or a wrong answer.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import re
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from corpus_tool.package import (
    ReleaseError,
    diff_releases,
    identity,
    read_release_records,
    verify_release,
)
from corpus_tool.package.load import load
from corpus_tool.package.verify import Problem
from tests.conftest import invoke
from tests.test_package_release import RECORDS, build, make_record

MANIFEST = "manifest.json"


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("dist")).path  # 10 records, 4 shards of each format


@pytest.fixture
def copy(release: Path, tmp_path: Path) -> Path:
    target = tmp_path / release.name
    shutil.copytree(release, target)
    return target


def manifest_of(release: Path) -> dict[str, Any]:
    return json.loads((release / MANIFEST).read_text())


def write_manifest(release: Path, manifest: dict[str, Any]) -> None:
    """Write a tampered manifest whose `identity` agrees with it, as a forger would:
    only the deeper checks can tell."""
    reseal(manifest)
    (release / MANIFEST).write_text(json.dumps(manifest, indent=2))


def rewrite(release: Path, rel: str, data: bytes, rows: int | None = None) -> None:
    """Replace a file and make its manifest entry (and identity) agree: only the deeper
    checks can tell."""
    (release / rel).write_bytes(data)
    manifest = manifest_of(release)
    for entry in manifest["files"]:
        if entry["path"] == rel:
            entry["bytes"] = len(data)
            entry["sha256"] = hashlib.sha256(data).hexdigest()
            with contextlib.suppress(Exception):  # a damaged file keeps its old hash
                entry["content_sha256"] = identity.file_content(release, rel)[0]
            if rows is not None:
                entry["rows"] = rows
    write_manifest(release, manifest)


def reseal(manifest: Any) -> None:
    """Make `identity` agree with the manifest's content (where it has the shape)."""
    with contextlib.suppress(Exception):
        view = identity.view(manifest, manifest["files"])
        manifest["identity"]["sha256"] = identity.identity_sha256(view)


def edit_json(release: Path, rel: str, change: Callable[[Any], None]) -> None:
    data = json.loads((release / rel).read_text())
    change(data)
    rewrite(release, rel, json.dumps(data, indent=2).encode())


def edit_card_header(release: Path, change: Callable[[dict[str, Any]], None]) -> None:
    text = (release / "README.md").read_text()
    _, header, body = text.split("---\n", 2)
    data = yaml.safe_load(header)
    change(data)
    new = f"---\n{yaml.safe_dump(data, sort_keys=False)}---\n{body}"
    rewrite(release, "README.md", new.encode())


def paths(problems: list[Problem]) -> set[str]:
    return {p.path for p in problems}


def finishes(call: Callable[[], Any], seconds: float = 10) -> Any:
    """Run `call` on a thread; fail (rather than hang the suite) if it blocks."""
    out: list[Any] = []

    def run() -> None:
        try:
            out.append(call())
        except BaseException as exc:
            out.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "blocked: a FIFO was opened"
    if isinstance(out[0], BaseException):
        raise out[0]
    return out[0]


# -- 1. the manifest against itself and the files --------------------------------


def test_counts_records_tampered_is_found(copy: Path) -> None:
    edit_manifest = manifest_of(copy)
    edit_manifest["counts"]["records"] = 11
    write_manifest(copy, edit_manifest)
    problems = verify_release(copy)
    assert Problem(MANIFEST, "`counts.records` is 11, but the Parquet shards hold 10 rows") in (
        problems
    )
    assert paths(problems) <= {MANIFEST, "README.md"}  # the card states 10 as well


def test_counts_dropped_tampered_is_found(copy: Path) -> None:
    manifest = manifest_of(copy)
    manifest["dropped"] = []
    write_manifest(copy, manifest)
    assert verify_release(copy) == [
        Problem(MANIFEST, "`counts.dropped` is 1, but `dropped` lists 0")
    ]


def test_counts_by_source_not_adding_up_is_found(copy: Path) -> None:
    manifest = manifest_of(copy)
    manifest["counts"]["by_source"]["Reuters"] += 5
    write_manifest(copy, manifest)
    assert [p.message for p in verify_release(copy)] == [
        "`counts.by_source` adds up to 15, not `counts.records` 10"
    ]


def test_rows_counted_from_the_files_not_the_manifest(copy: Path) -> None:
    """A shard with a line removed and a manifest entry made to agree: the counts
    and the Parquet twin still tell."""
    rel = "jsonl/train-00002-of-00004.jsonl.gz"
    lines = gzip.decompress((copy / rel).read_bytes()).splitlines(keepends=True)
    rewrite(copy, rel, gzip.compress(b"".join(lines[:-1]), mtime=0), rows=2)
    problems = verify_release(copy)
    assert Problem(MANIFEST, "`counts.records` is 10, but the JSONL shards hold 9 rows") in (
        problems
    )
    assert any(p.path == rel and "ends at record 2" in p.message for p in problems)


def test_shard_gap_is_found(copy: Path) -> None:
    manifest = manifest_of(copy)
    gone = ["data/train-00002-of-00004.parquet", "jsonl/train-00002-of-00004.jsonl.gz"]
    manifest["files"] = [f for f in manifest["files"] if f["path"] not in gone]
    write_manifest(copy, manifest)
    for rel in gone:
        (copy / rel).unlink()
    problems = verify_release(copy)
    for rel in gone:
        assert any(p.path == rel and p.message.startswith("missing") for p in problems)


def test_shard_extra_index_is_found(copy: Path) -> None:
    extra = "data/train-00004-of-00004.parquet"
    shutil.copy(copy / "data/train-00003-of-00004.parquet", copy / extra)
    manifest = manifest_of(copy)
    entry = dict(next(f for f in manifest["files"] if f["path"].endswith("00003-of-00004.parquet")))
    manifest["files"].append({**entry, "path": extra})
    write_manifest(copy, manifest)
    problems = verify_release(copy)
    assert Problem(extra, "index 4 is outside 0..3") in problems


def test_shard_totals_disagreeing_is_found(copy: Path) -> None:
    old, new = "data/train-00003-of-00004.parquet", "data/train-00003-of-00005.parquet"
    (copy / old).rename(copy / new)
    manifest = manifest_of(copy)
    for f in manifest["files"]:
        if f["path"] == old:
            f["path"] = new
    write_manifest(copy, manifest)
    problems = verify_release(copy)
    assert any(p.path == "data" and "disagree" in p.message for p in problems)


# -- Croissant -------------------------------------------------------------------


def file_object(data: dict[str, Any], index: int = 0) -> dict[str, Any]:
    return [d for d in data["distribution"] if d["@type"] == "cr:FileObject"][index]


def test_croissant_wrong_sha256_is_found(copy: Path) -> None:
    edit_json(copy, "croissant.json", lambda d: file_object(d).update(sha256="0" * 64))
    (problem,) = verify_release(copy)
    assert problem.path == "croissant.json" and "sha256" in problem.message


def test_croissant_wrong_content_size_is_found(copy: Path) -> None:
    edit_json(copy, "croissant.json", lambda d: file_object(d).update(contentSize="1 B"))
    (problem,) = verify_release(copy)
    assert problem.path == "croissant.json" and "contentSize" in problem.message


@pytest.mark.parametrize(
    "url",
    ["../news-0.9.0/data/train-00000-of-00004.parquet", "/etc/passwd", "https://x.org/a.parquet"],
    ids=["dotdot", "absolute", "remote"],
)
def test_croissant_content_url_outside_the_release_is_found(copy: Path, url: str) -> None:
    edit_json(copy, "croissant.json", lambda d: file_object(d).update(contentUrl=url))
    problems = verify_release(copy)
    assert problems[0].path == "croissant.json" and "contentUrl" in problems[0].message
    assert "has no FileObject for `data/train-00000-of-00004.parquet`" in problems[1].message


def test_croissant_not_json_is_found(copy: Path) -> None:
    rewrite(copy, "croissant.json", b"[" * 100_000)
    (problem,) = verify_release(copy)
    assert problem.path == "croissant.json" and "not valid JSON" in problem.message


# -- the dataset card ------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda h: h["dataset_info"]["splits"][0].update(num_examples=11), "num_examples"),
        (lambda h: h["dataset_info"].update(download_size=1), "download_size"),
        (lambda h: h.update(size_categories=["10K<n<100K"]), "size_categories"),
        (lambda h: h["configs"][0]["data_files"][0].update(path="data/*0.parquet"), "configs"),
    ],
    ids=["num_examples", "download_size", "size_categories", "configs-glob"],
)
def test_card_counts_tampered_are_found(copy: Path, change: Any, key: str) -> None:
    edit_card_header(copy, change)
    (problem,) = verify_release(copy)
    assert problem.path == "README.md" and key in problem.message


@pytest.mark.parametrize(
    "header",
    [b"[" * 200_000, b"a: x'y [" + b"[" * 5_000, b"- " * 5_000 + b"x", b"a: *unknown", b"\t: ["],
    ids=["flow-nesting", "nesting-after-a-quote", "block-nesting", "bad-alias", "syntax"],
)
def test_card_yaml_bomb_is_a_problem(copy: Path, header: bytes) -> None:
    rewrite(copy, "README.md", b"---\n" + header + b"\n---\nbody\n")
    (problem,) = finishes(lambda: verify_release(copy), seconds=5)
    assert problem.path == "README.md" and "YAML header" in problem.message


# -- entries that are not regular files -----------------------------------------


def test_symlink_in_release_is_found_and_not_followed(copy: Path, tmp_path: Path) -> None:
    """A listed shard moved out and linked back would pass every checksum if followed."""
    rel = "data/train-00001-of-00004.parquet"
    outside = tmp_path / "elsewhere.parquet"
    (copy / rel).rename(outside)
    (copy / rel).symlink_to(outside)
    (copy / "jsonl/extra.jsonl.gz").symlink_to("/etc/passwd")
    problems = verify_release(copy)
    assert paths(problems) == {rel, "jsonl/extra.jsonl.gz"}
    assert all("symbolic link" in p.message and "not followed" in p.message for p in problems)


def test_dangling_symlink_is_found(copy: Path) -> None:
    (copy / "data/gone.parquet").symlink_to(copy / "nowhere")
    assert paths(verify_release(copy)) == {"data/gone.parquet"}


def test_symlinked_manifest_is_not_read(copy: Path, tmp_path: Path) -> None:
    (copy / MANIFEST).rename(tmp_path / MANIFEST)
    (copy / MANIFEST).symlink_to(tmp_path / MANIFEST)
    (problem,) = verify_release(copy)
    assert problem.path == MANIFEST and "symbolic link" in problem.message
    with pytest.raises(ReleaseError, match=r"manifest\.json"):
        load(copy, verify=False)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_in_release_is_never_opened(copy: Path) -> None:
    (copy / "croissant.json").unlink()
    os.mkfifo(copy / "croissant.json")  # listed
    os.mkfifo(copy / "data/pipe")  # not listed
    problems = finishes(lambda: verify_release(copy))
    assert {(p.path, p.message.split(",")[0]) for p in problems} == {
        ("croissant.json", "is a FIFO"),
        ("data/pipe", "is a FIFO"),
    }


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_manifest_is_never_opened(copy: Path) -> None:
    (copy / MANIFEST).unlink()
    os.mkfifo(copy / MANIFEST)
    (problem,) = finishes(lambda: verify_release(copy))
    assert problem.path == MANIFEST and "FIFO" in problem.message
    with pytest.raises(ReleaseError, match="FIFO"):
        finishes(lambda: load(copy, verify=False))


def test_empty_folder_in_release_is_found(copy: Path) -> None:
    (copy / "data" / "empty").mkdir()
    assert verify_release(copy) == [Problem("data/empty", "empty folder")]


# -- 2. a malformed manifest -------------------------------------------------------


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(m: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = m
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is KeyError:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value

    return change


def _dup_files(m: dict[str, Any]) -> None:
    m["files"].append(dict(m["files"][0]))


# A manifest that is no JSON object at all is a stub to `read_release_records`
# (the diff tests use one): it reads such a folder by shard names.
NOT_AN_OBJECT = b"[1, 2]"
MALFORMED: list[tuple[str, Callable[[dict[str, Any]], None] | bytes, str]] = [
    ("not-an-object", NOT_AN_OBJECT, "JSON object"),
    ("deep-nesting", b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    ("deep-nesting-in-a-key", b'{"files": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "JSON"),
    ("not-json", b"\xff\xfe not json", "not valid JSON"),
    ("empty-file", b"", "not valid JSON"),
    ("files-not-a-list", _set("files", "all"), "`files`"),
    ("non-dict-entry", _set("files.0", 5), "`files[0]`"),
    ("missing-key", _set("counts", KeyError), "`counts`"),
    ("missing-nested-key", _set("files.3.sha256", KeyError), "`files[3].sha256`"),
    ("wrong-type", _set("counts.records", "10"), "`counts.records`"),
    ("bool-for-int", _set("files.3.rows", True), "`files[3].rows`"),
    ("negative-number", _set("files.3.bytes", -1), "`files[3].bytes`"),
    ("huge-number", _set("files.3.bytes", 10**30), "`files[3].bytes`"),
    ("huge-u64", _set("counts.dropped", 2**64 - 1), "`counts.dropped`"),
    ("dotdot-path", _set("files.3.path", "../../etc/passwd"), "`files[3].path`"),
    ("absolute-path", _set("files.3.path", "/etc/passwd"), "`files[3].path`"),
    ("backslash-path", _set("files.3.path", "data\\train.parquet"), "`files[3].path`"),
    ("nul-path", _set("files.3.path", "data/x\x00.parquet"), "`files[3].path`"),
    ("empty-path", _set("files.3.path", ""), "`files[3].path`"),
    ("duplicate-path", _dup_files, "twice"),
    ("bad-sha256", _set("files.3.sha256", "xyz"), "`files[3].sha256`"),
    ("unknown-manifest-version", _set("manifest_version", 99), "`manifest_version`"),
    ("non-dict-dropped", _set("dropped.0", ["doc"]), "`dropped[0]`"),
    ("schema-not-a-dict", _set("schema", "v1"), "`schema`"),
]


@pytest.mark.parametrize(
    ("damage", "expected"), [(d, e) for _, d, e in MALFORMED], ids=[n for n, _, _ in MALFORMED]
)
def test_malformed_manifest_is_a_problem_never_a_traceback(
    copy: Path, damage: Any, expected: str
) -> None:
    if isinstance(damage, bytes):
        (copy / MANIFEST).write_bytes(damage)
    else:
        manifest = manifest_of(copy)
        damage(manifest)
        (copy / MANIFEST).write_text(json.dumps(manifest))
    (problem,) = verify_release(copy)
    assert problem.path == MANIFEST and expected in problem.message
    for verify in (True, False):
        with pytest.raises(ReleaseError, match=r"manifest\.json"):
            load(copy, verify=verify)
    if damage == NOT_AN_OBJECT:
        return
    with pytest.raises(ReleaseError, match=r"manifest\.json") as caught:
        list(read_release_records(copy))
    assert caught.value.release == copy and caught.value.file == MANIFEST


def test_malformed_manifest_through_the_cli_exits_1(copy: Path) -> None:
    (copy / MANIFEST).write_bytes(b"[" * 100_000)
    result = invoke("verify", str(copy))
    assert result.exit_code == 1
    assert "manifest.json: " in result.stdout and "Traceback" not in result.stderr


def test_huge_manifest_read_is_bounded(copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from corpus_tool.package import manifest_model

    monkeypatch.setattr(manifest_model, "MAX_MANIFEST_BYTES", 1000)
    (problem,) = verify_release(copy)
    assert problem.path == MANIFEST and "larger than 1000 bytes" in problem.message


def test_identity_and_content_hashes_are_checked(copy: Path) -> None:
    """Version 2: each file's `content_sha256` and the `identity` they make up."""
    assert verify_release(copy) == []
    manifest = manifest_of(copy)
    manifest["identity"]["sha256"] = "a" * 64
    (copy / MANIFEST).write_text(json.dumps(manifest, indent=2))  # not resealed
    (problem,) = verify_release(copy)
    assert problem.path == MANIFEST and "identity.sha256" in problem.message
    manifest["files"][-1]["content_sha256"] = "0" * 64  # the last JSONL shard
    write_manifest(copy, manifest)
    (problem,) = [p for p in verify_release(copy) if "content_sha256" in p.message]
    assert problem.path == manifest["files"][-1]["path"]
    del manifest["files"][0]["content_sha256"]
    write_manifest(copy, manifest)
    assert any("no `content_sha256`" in p.message for p in verify_release(copy))


# -- 3. load never returns fewer rows than the release holds ----------------------


def _fewer_files(header: dict[str, Any]) -> None:
    """A glob that matches two of the four shards, and split sizes to go with it."""
    header["configs"][0]["data_files"][0]["path"] = "data/train-0000[01]*.parquet"
    header["dataset_info"]["splits"][0]["num_examples"] = 6


def test_load_with_a_tampered_card_glob_raises(
    copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit_card_header(copy, _fewer_files)
    with pytest.raises(ReleaseError, match="configs"):
        load(copy, cache_dir=str(tmp_path / "cache"))
    # Were verify to miss it, the row count after loading still would not.
    monkeypatch.setattr("corpus_tool.package.load.verify_release", lambda path: [])
    with pytest.raises(ReleaseError, match="gave 6 rows, the release holds 10"):
        load(copy, cache_dir=str(tmp_path / "cache"))


def test_load_with_an_extra_parquet_file_raises(
    copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(copy / "data/train-00000-of-00004.parquet", copy / "data/train-extra.parquet")
    with pytest.raises(ReleaseError, match=r"train-extra\.parquet"):
        load(copy, cache_dir=str(tmp_path / "cache"))
    monkeypatch.setattr("corpus_tool.package.load.verify_release", lambda path: [])
    with pytest.raises(ReleaseError, match=r"README\.md: does not match the data"):
        load(copy, cache_dir=str(tmp_path / "cache"))


@pytest.mark.parametrize("kind", ["missing", "plain-folder", "a-file"])
def test_load_without_verify_refuses_a_non_release_path(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "target"
    if kind == "plain-folder":
        (target / "data").mkdir(parents=True)
        (target / "data" / "x.parquet").write_bytes(b"PAR1")
    elif kind == "a-file":
        target.write_text("hello")
    with pytest.raises(ReleaseError, match=r"manifest\.json"):
        load(target, verify=False)
    with pytest.raises(ReleaseError):
        load(target, verify=True)


# -- 4. a damaged earlier release while building the next -------------------------

JSONL = "jsonl/train-00001-of-00004.jsonl.gz"


def _truncate(release: Path) -> None:
    data = (release / JSONL).read_bytes()
    (release / JSONL).write_bytes(data[: len(data) // 2])


def _garbage(release: Path) -> None:
    (release / JSONL).write_bytes(b"not gzip at all")


def _bad_json_line(release: Path) -> None:
    rewrite(release, JSONL, gzip.compress(b'{"id": "x", \n'), rows=1)


def _record_without_id(release: Path) -> None:
    line = json.dumps({**json.loads(json.dumps(make_record(3), default=str)), "id": None})
    rewrite(release, JSONL, gzip.compress(line.encode() + b"\n"), rows=1)


def _flipped_but_valid(release: Path) -> None:
    """Valid gzip and JSON, other bytes: only the checksum tells."""
    lines = gzip.decompress((release / JSONL).read_bytes()).replace(b"Title", b"Tilte")
    (release / JSONL).write_bytes(gzip.compress(lines, mtime=0))


def _deleted(release: Path) -> None:
    (release / JSONL).unlink()


@pytest.mark.parametrize(
    "damage",
    [_truncate, _garbage, _bad_json_line, _record_without_id, _flipped_but_valid, _deleted],
    ids=["truncated", "garbage", "bad-json-line", "record-without-id", "flipped", "deleted"],
)
def test_damaged_previous_release_names_the_release_and_the_file(
    copy: Path, tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    damage(copy)
    with pytest.raises(ReleaseError) as caught:
        diff_releases(copy, copy)
    assert caught.value.release == copy and caught.value.file == JSONL
    assert str(copy) in str(caught.value) and JSONL in str(caught.value)
    # Building the next release over it: the same error, and nothing is left behind.
    out = copy.parent
    with pytest.raises(ReleaseError, match=re.escape(JSONL)):
        build(out, records=[*RECORDS, make_record(10)], version="1.1.0", previous=copy)
    assert sorted(p.name for p in out.iterdir()) == [copy.name]
