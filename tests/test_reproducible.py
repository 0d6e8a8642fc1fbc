"""A release is the same release on any machine: identity is decoded content.

The bytes of a compressed file depend on the compressor's implementation and
version (ISA-L picks code paths by CPU feature, and did change the JSONL bytes
from one machine to the next). These tests rebuild with another implementation
and another level of each compressor, which is what another machine or another
library version amounts to, and require "up to date", never a conflict.
"""

from __future__ import annotations

import json
import os
import shutil
import zlib
from pathlib import Path

import pytest

from corpus_tool.package import identity
from corpus_tool.package.files import MANIFEST
from corpus_tool.package.formats import jsonl, parquet
from corpus_tool.package.manifest import MANIFEST_VERSION, read_manifest, writer_versions
from corpus_tool.package.verify import verify_release
from corpus_tool.package.version import parse_version
from tests.conftest import ROOT, SEED_IDS, Corpus, article, invoke


def files_of(release: Path) -> dict[str, bytes]:
    return {
        p.relative_to(release).as_posix(): p.read_bytes()
        for p in sorted(release.rglob("*"))
        if p.is_file()
    }


def byte_identical_part(release: Path) -> dict[str, bytes]:
    """The files the byte-identity guarantee covers and a release built before the dedup
    index existed has: all but `identity.outside` (the HTML report, whose charts depend
    on the renderer and the engine's statistics, and the dedup index, whose byte
    identity `test_incremental` and `test_ray_engine` check), with the manifest's
    entries for those left out."""
    files = {k: v for k, v in files_of(release).items() if not identity.outside(k)}
    manifest = json.loads(files["manifest.json"])
    manifest["files"] = [f for f in manifest["files"] if not identity.outside(f["path"])]
    files["manifest.json"] = json.dumps(manifest).encode()
    return files


def view_of(release: Path) -> dict:
    return identity.release_view(release, read_manifest(release))


def other_gzip(data: bytes | bytearray) -> bytes:
    """Another deflate implementation and level: zlib at 9, as another machine might."""
    return zlib.compress(bytes(data), 9, wbits=31)


@pytest.fixture
def demo(corpus: Corpus) -> Corpus:
    corpus.configure("shard_rows = 3")
    for i in range(7):
        corpus.write(f"doc{i}.txt", article(i))
    return corpus


def test_rebuild_with_another_gzip_implementation_is_up_to_date(
    demo: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert invoke("build", "--version", "1.0.0", "--out", "a").exit_code == 0
    monkeypatch.setattr(jsonl, "gzip_member", other_gzip)
    monkeypatch.setattr(parquet, "ZSTD_LEVEL", 9)  # Parquet bytes change too
    assert invoke("build", "--version", "1.0.0", "--out", "b").exit_code == 0
    a, b = demo.root / "a" / "demo-1.0.0", demo.root / "b" / "demo-1.0.0"
    assert (
        files_of(a)["jsonl/train-00000-of-00003.jsonl.gz"]
        != files_of(b)["jsonl/train-00000-of-00003.jsonl.gz"]
    )
    assert (
        files_of(a)["data/train-00000-of-00003.parquet"]
        != files_of(b)["data/train-00000-of-00003.parquet"]
    )
    # Same identity, recorded and recomputed; both releases verify.
    ma, mb = read_manifest(a), read_manifest(b)
    assert ma["identity"] == mb["identity"]
    assert view_of(a) == view_of(b)
    assert verify_release(a) == [] and verify_release(b) == []
    # A rebuild over either one is a no-op, whichever compressor made it.
    result = invoke("build", "--version", "1.0.0", "--out", "a")
    assert result.exit_code == 0, result.stderr
    assert "up to date" in result.stderr


def test_rebuild_over_a_release_compressed_elsewhere_is_up_to_date(
    demo: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as m:
        m.setattr(jsonl, "gzip_member", other_gzip)
        assert invoke("build", "--version", "1.0.0").exit_code == 0
    before = files_of(demo.root / "dist" / "demo-1.0.0")
    result = invoke("build", "--version", "1.0.0")
    assert result.exit_code == 0, result.stderr
    assert "up to date" in result.stderr
    assert files_of(demo.root / "dist" / "demo-1.0.0") == before  # never overwritten


def test_rebuild_with_other_content_is_a_conflict_naming_the_files(demo: Corpus) -> None:
    assert invoke("build", "--version", "1.0.0").exit_code == 0
    demo.write("doc1.txt", article(1) + "\nOne more sentence of the article.\n")
    result = invoke("build", "--version", "1.0.0")
    assert result.exit_code == 1
    assert "already exists with different content" in result.stderr
    assert "train-00000-of-00003" in result.stderr
    assert "bump" in result.stderr


def test_rebuild_over_a_damaged_release_names_the_file(demo: Corpus) -> None:
    assert invoke("build", "--version", "1.0.0").exit_code == 0
    shard = demo.root / "dist" / "demo-1.0.0" / "jsonl" / "train-00001-of-00003.jsonl.gz"
    shard.write_bytes(shard.read_bytes()[:-20])  # cut short
    result = invoke("build", "--version", "1.0.0")
    assert result.exit_code == 1
    assert "demo-1.0.0" in result.stderr and "train-00001-of-00003.jsonl.gz" in result.stderr
    assert "Traceback" not in result.stderr


def test_identity_does_not_depend_on_jobs_umask_or_checkout_path(
    demo: Corpus, tmp_path: Path
) -> None:
    for i in range(300):  # enough documents for the worker pool to start
        demo.write(f"many{i:03d}.txt", article(i % 250))
    old = os.umask(0o077)
    try:
        assert invoke("build", "--version", "1.0.0", "--jobs", "1", "--out", "one").exit_code == 0
    finally:
        os.umask(old)
    moved = tmp_path / "elsewhere" / "deeper"
    shutil.copytree(demo.root, moved, ignore=shutil.ignore_patterns("one"))
    os.chdir(moved)
    assert invoke("build", "--version", "1.0.0", "--jobs", "2", "--out", "two").exit_code == 0
    one = demo.root / "one" / "demo-1.0.0"
    two = moved / "two" / "demo-1.0.0"
    assert files_of(one) == files_of(two)
    modes = {p.stat().st_mode & 0o777 for p in one.rglob("*")}
    assert modes == {0o644, 0o755}


def test_manifest_records_content_hashes_and_identity(demo: Corpus) -> None:
    assert invoke("build", "--version", "1.0.0").exit_code == 0
    release = demo.root / "dist" / "demo-1.0.0"
    manifest = read_manifest(release)
    assert manifest["manifest_version"] == MANIFEST_VERSION
    assert "content_sha256" in manifest["identity"]["covers"]
    by_path = {f["path"]: f for f in manifest["files"]}
    for rel, entry in by_path.items():
        assert entry["content_sha256"] == identity.file_content(release, rel)[0], rel
    for i in range(3):  # a Parquet shard and its JSONL twin hold the same records
        parquet = by_path[f"data/train-0000{i}-of-00003.parquet"]
        jsonl = by_path[f"jsonl/train-0000{i}-of-00003.jsonl.gz"]
        assert parquet["content_sha256"] == jsonl["content_sha256"]
    recomputed = identity.identity_sha256(identity.view(manifest, manifest["files"]))
    assert manifest["identity"]["sha256"] == recomputed


def _committed() -> list[Path]:
    releases = [p for p in (ROOT / "dist").glob("seeds-*") if (p / MANIFEST).is_file()]
    return sorted(releases, key=lambda p: parse_version(p.name.removeprefix("seeds-")))


def test_committed_seeds_release_is_reproduced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change to the seeds or the rules without a new release is noticed here.

    On any machine the rebuild has the committed release's identity; with the
    same versions of the writing libraries it is byte-identical as well."""
    committed = _committed()
    assert committed, "dist/ holds the seeds release"
    release = committed[-1]
    monkeypatch.chdir(ROOT)
    version = release.name.removeprefix("seeds-")
    out = tmp_path / "dist"
    for earlier in committed[:-1]:  # the changelog names the release before it
        shutil.copytree(earlier, out / earlier.name)
    result = invoke("build", "seeds", "--version", version, "--out", str(out), "--quiet")
    assert result.exit_code == 0, result.stderr
    fresh = out / release.name
    assert identity.differences(view_of(fresh), view_of(release)) == []
    manifest = read_manifest(release)
    if manifest["writers"] == writer_versions():
        assert manifest["manifest_version"] == MANIFEST_VERSION
        assert byte_identical_part(fresh) == byte_identical_part(release), (
            "rebuild dist/ with a new version"
        )
    assert len(SEED_IDS) == manifest["counts"]["records"] + manifest["counts"]["dropped"]


def test_readme_build_of_the_committed_release_is_up_to_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's first command, against a copy of dist/: "up to date", exit 0.

    The README builds the newest committed release; older ones were published with
    an earlier card and Croissant layout and are kept as they were (a rebuild of
    them with this version is a conflict, as it must be: releases are immutable)."""
    out = tmp_path / "dist"
    for release in _committed():
        shutil.copytree(release, out / release.name)
    monkeypatch.chdir(ROOT)
    version = _committed()[-1].name.removeprefix("seeds-")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"corpus-tool build seeds --version {version}" in readme
    result = invoke("build", "seeds", "--version", version, "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert "up to date" in result.stderr, result.stderr
    assert json.loads((out / _committed()[-1].name / MANIFEST).read_text())["name"] == "seeds"
