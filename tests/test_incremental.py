"""Incremental runs against a release's dedup index: the index in the release and
`verify`; `check --since` gives a full check's answer for what changed; `dedup
explain`. Corpora are generated from the seeds' paragraphs, then changed by
`benchmarks.incremental.change_corpus` (edits, additions with planted exact and
near copies of old documents, removals, repeated ids)."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.incremental import change_corpus
from tests import conftest
from tests.conftest import SEEDS

PYPROJECT = '[tool.corpus-tool]\nname = "demo"\npaths = ["corpus"]\nlanguage = "en"\n{extra}\n'


def invoke(args: list[str], cwd: Path) -> conftest.CliResult:
    """The CLI run in-process from the folder `cwd` (where its pyproject and dist/ are)."""
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return conftest.invoke(*args)
    finally:
        os.chdir(old)


def _paragraphs() -> list[str]:
    found = []
    for path in sorted(SEEDS.glob("*.txt")):
        for part in path.read_text(encoding="utf-8").split("\n\n"):
            if len(part.split()) >= 12 and not part.startswith(("#", "!", "[", "<", "Original")):
                found.append(" ".join(part.split()))
    return found


def make_corpus(
    root: Path, docs: int = 240, shards: int = 4, seed: int = 1, extra: str = ""
) -> None:
    """`docs` news-like documents in JSONL shards, some exact and near copies, some
    sharing a url; plus a pyproject."""
    rng = random.Random(seed)
    paragraphs = _paragraphs()
    corpus = root / "corpus"
    corpus.mkdir(parents=True)
    records: list[dict[str, Any]] = []
    for i in range(docs):
        words = " ".join(rng.sample(paragraphs, 4)).split()
        rng.shuffle(words)
        text = "\n\n".join(" ".join(words[k : k + 40]) for k in range(0, len(words), 40))
        doc = {"id": f"doc{i:05d}", "text": text, "source": "Gen", "title": f"Story {i}"}
        doc["url"] = f"https://example.org/story/{i}"
        doc["published"] = "2023-05-01"
        if i % 17 == 5 and records:  # an exact copy of an earlier one
            doc["text"] = rng.choice(records)["text"]
        elif i % 13 == 7 and records:  # a near copy
            words = rng.choice(records)["text"].split(" ")
            words[rng.randrange(len(words))] = "changed"
            doc["text"] = " ".join(words)
        elif i % 19 == 3 and records:  # the same url
            doc["url"] = rng.choice(records)["url"]
        records.append(doc)
    per = -(-docs // shards)
    for s in range(shards):
        lines = [json.dumps(d) + "\n" for d in records[s * per : (s + 1) * per]]
        (corpus / f"shard-{s:03d}.jsonl").write_text("".join(lines), encoding="utf-8")
    (root / "pyproject.toml").write_text(PYPROJECT.format(extra=extra), encoding="utf-8")


def _build(root: Path, version: str = "1.0.0", *args: str) -> Path:
    result = invoke(["build", "--version", version, "-q", *args], cwd=root)
    assert result.exit_code == 0, result.output
    return root / "dist" / f"demo-{version}"


def _check(root: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    result = invoke(["check", "-q", "--format", "json", *args], cwd=root)
    return result.exit_code, json.loads(result.stdout), result.stderr


def _key(f: dict[str, Any]) -> tuple[Any, ...]:
    return (f["code"], f["path"], f["line"], f["message"])


def _compare(
    root: Path, release: Path, touched: set[str], changed: set[str] | None = None
) -> dict[str, Any]:
    """check --since against a full check: the same summary; every incremental
    finding is the full check's; every full-check M009 and D finding that names a
    changed document (as the document or the one it duplicates) is reported."""
    code_full, full, _ = _check(root)
    code_inc, inc, _ = _check(root, "--since", str(release))
    assert code_inc == code_full
    for k in ("documents", "kept", "dropped_duplicates"):
        assert inc["summary"][k] == full["summary"][k], k
    full_keys = {_key(f) for f in full["findings"]}
    inc_keys = {_key(f) for f in inc["findings"]}
    assert inc_keys <= full_keys, inc_keys - full_keys
    needed = {
        _key(f)
        for f in full["findings"]
        if f["code"][0] == "D" or f["code"] == "M009"
        if f["doc_id"] in touched or set(f.get("related") or ()) & touched
    }
    assert needed <= inc_keys, needed - inc_keys
    # The findings of the changed documents themselves are all there.
    changed = touched if changed is None else changed
    mine = {_key(f) for f in full["findings"] if f["doc_id"] in changed}
    assert mine <= inc_keys, mine - inc_keys
    return inc


# -------------------------------------------------------------------- 1. the index


def test_release_carries_a_verified_index_outside_its_identity(tmp_path: Path) -> None:
    make_corpus(tmp_path, docs=80)
    release = _build(tmp_path)
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["path"] for f in manifest["files"]}
    from corpus_tool.engines.since import INDEX_FILES, ReleaseIndex

    assert set(INDEX_FILES) <= listed
    assert invoke(["verify", str(release)], cwd=tmp_path).exit_code == 0
    meta = json.loads((release / "index" / "index.json").read_text(encoding="utf-8"))
    assert meta["documents"] == manifest["counts"]["records"] + manifest["counts"]["dropped"]
    clusters = json.loads((release / "index" / "clusters.json").read_text(encoding="utf-8"))
    assert sum(len(c["dropped"]) for c in clusters) == manifest["counts"]["dropped"] > 0
    assert {c["keep_rule"] for c in clusters} == {"first in corpus order"}
    # Rebuilding the version without an index (as an older release) is the same release.
    import shutil

    from corpus_tool.config import load_config

    index = ReleaseIndex(release, load_config(tmp_path / "pyproject.toml"))
    assert index.n == meta["documents"]
    shutil.rmtree(release / "index")
    manifest["files"] = [f for f in manifest["files"] if not f["path"].startswith("index/")]
    (release / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    result = invoke(["build", "--version", "1.0.0"], cwd=tmp_path)
    assert result.exit_code == 0 and "up to date" in result.stderr


@pytest.mark.parametrize(
    ("rel", "damage"),
    [
        ("index/signatures.npy", lambda b: b[:-7]),
        ("index/documents.parquet", lambda b: b[:100] + b"\xff" * 50 + b[150:]),
        ("index/band_keys.npy", lambda b: b[:128] + bytes(reversed(b[128:]))),
        ("index/index.json", lambda b: b"{not json"),
    ],
)
def test_a_damaged_index_is_a_finding_and_a_fallback(tmp_path: Path, rel: str, damage: Any) -> None:
    make_corpus(tmp_path, docs=40, shards=2)
    release = _build(tmp_path)
    path = release / rel
    path.write_bytes(damage(path.read_bytes()))
    result = invoke(["verify", str(release)], cwd=tmp_path)
    assert result.exit_code == 1 and rel in result.stdout, result.output
    code, full, _ = _check(tmp_path)
    code_inc, inc, stderr = _check(tmp_path, "--since", str(release))
    assert "running a full check" in stderr and "Traceback" not in stderr
    assert inc["findings"] == full["findings"] and code_inc == code


# -------------------------------------------------------------------- 2. check --since


def test_check_since_gives_the_full_checks_answer_for_what_changed(tmp_path: Path) -> None:
    make_corpus(tmp_path, docs=240)
    release = _build(tmp_path)
    touched = change_corpus(
        tmp_path / "corpus", added=30, duplicates=12, edited=20, removed=10, repeated_ids=3
    )
    every = {i for ids in touched.values() for i in ids}
    changed = set(touched["added"] + touched["edited"]) - set(touched["repeated"])
    inc = _compare(tmp_path, release, every, changed)
    assert inc["since"]["removed"] >= 1 and inc["since"]["added"] >= 30
    assert any(f["code"] == "M009" for f in inc["findings"])
    assert any(f["code"] == "D001" for f in inc["findings"])
    # Unchanged documents' own findings (their M007 warnings, say) are not repeated.
    assert len(inc["findings"]) < len(_check(tmp_path)[1]["findings"])


def test_nothing_changed_reports_nothing_new(tmp_path: Path) -> None:
    make_corpus(tmp_path, docs=60, shards=2)
    release = _build(tmp_path)
    code, inc, _ = _check(tmp_path, "--since", str(release))
    full = _check(tmp_path)[1]
    told = invoke(["check", "--since", str(release)], cwd=tmp_path).stderr
    assert "0 added, 0 edited, 0 removed, 60 unchanged (0 of 2 files read again)" in told
    assert code == 0 and inc["findings"] == [] and inc["summary"]["documents"] == 60
    assert inc["summary"]["dropped_duplicates"] == full["summary"]["dropped_duplicates"]
    assert inc["since"]["unchanged"] == 60


def _jsonl(path: Path, docs: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")


def _doc(i: str, text: str, url: str | None = None) -> dict[str, Any]:
    doc = {"id": i, "text": text, "source": "S", "title": "T", "published": "2023-01-01"}
    if url:
        doc["url"] = url
    return doc


def test_a_new_document_first_in_order_takes_the_keep_and_joins_two_clusters(
    tmp_path: Path,
) -> None:
    paragraphs = _paragraphs()
    a, b, c = (" ".join(paragraphs[k : k + 3]) for k in (0, 5, 10))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.format(extra=""), encoding="utf-8")
    _jsonl(corpus / "b.jsonl", [_doc("a1", a, "https://x.org/1"), _doc("b1", b), _doc("c1", c)])
    _jsonl(corpus / "c.jsonl", [_doc("a2", a), _doc("b2", b, "https://x.org/2")])
    release = _build(tmp_path)
    # Before everything: a document with a1's url and b's text bridges {a1, a2} and {b1, b2}.
    _jsonl(corpus / "a.jsonl", [_doc("new", b, "https://x.org/1")])
    inc = _compare(tmp_path, release, {"new"})
    dropped = {f["doc_id"] for f in inc["findings"] if f["code"].startswith("D")}
    assert dropped == {"a1", "b1", "a2", "b2"}
    assert inc["clusters"][0]["kept"] == "new"


def _undropping(root: Path) -> Path:
    """Release 1.0.0 of a1, b1 | a2, a3 (a2 and a3 copies of a1), then a1 removed: a2,
    dropped in the release, is kept now, and a3 its duplicate."""
    paragraphs = _paragraphs()
    a, b = " ".join(paragraphs[0:3]), " ".join(paragraphs[6:9])
    corpus = root / "corpus"
    corpus.mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT.format(extra=""), encoding="utf-8")
    _jsonl(corpus / "a.jsonl", [_doc("a1", a), _doc("b1", b)])
    _jsonl(corpus / "b.jsonl", [_doc("a2", a), _doc("a3", a)])
    release = _build(root)
    _jsonl(corpus / "a.jsonl", [_doc("b1", b)])
    return release


def test_a_removed_document_undrops_its_duplicate(tmp_path: Path) -> None:
    release = _undropping(tmp_path)
    code, inc, _ = _check(tmp_path, "--since", str(release))
    code_full, full, _ = _check(tmp_path)
    assert code == code_full
    for k in ("documents", "kept", "dropped_duplicates"):
        assert inc["summary"][k] == full["summary"][k], k
    assert [(f["code"], f["doc_id"], f["related"]) for f in inc["findings"]] == [
        ("D001", "a3", ["a2"])
    ]
    assert inc["since"]["removed"] == 1


def test_a_repeated_id_of_an_unchanged_document_is_m009(tmp_path: Path) -> None:
    paragraphs = _paragraphs()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.format(extra=""), encoding="utf-8")
    _jsonl(corpus / "b.jsonl", [_doc("one", paragraphs[0]), _doc("two", paragraphs[3])])
    release = _build(tmp_path)
    _jsonl(corpus / "a.jsonl", [_doc("two", paragraphs[8])])  # first in order now
    inc = _compare(tmp_path, release, {"two"}, set())
    assert [(f["code"], f["path"]) for f in inc["findings"] if f["path"] != "corpus/a.jsonl"] == [
        ("M009", "corpus/b.jsonl")
    ]


def test_since_a_release_without_an_index_or_with_other_settings_runs_a_full_check(
    tmp_path: Path,
) -> None:
    make_corpus(tmp_path, docs=30, shards=1)
    release = _build(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        PYPROJECT.format(extra="[tool.corpus-tool.dedup]\nthreshold = 0.8\n"), encoding="utf-8"
    )
    _, inc, stderr = _check(tmp_path, "--since", "latest")
    assert "built with other settings (dedup): running a full check" in stderr
    assert "since" not in inc and inc["summary"]["documents"] == 30
    result = invoke(["check", "-q", "--since", "nowhere"], cwd=tmp_path)
    assert result.exit_code == 2 and "not a release folder" in result.stderr
    explained = invoke(["dedup", "explain", "doc00000"], cwd=tmp_path).stdout  # latest: 1.0.0
    assert explained.startswith("`doc00000` (corpus/shard-000.jsonl:1) is kept")
    assert release.is_dir()


def test_the_committed_seeds_release_has_no_index_and_check_says_so(tmp_path: Path) -> None:
    from tests.conftest import ROOT

    result = invoke(
        ["check", "seeds", "-q", "--since", str(ROOT / "dist" / "seeds-0.1.3")], cwd=ROOT
    )
    assert "has no dedup index" in result.stderr and "running a full check" in result.stderr
    assert result.exit_code == 0


# -------------------------------------------------------------------- 4. dedup explain


def test_dedup_explain_says_why_and_with_what(tmp_path: Path) -> None:
    paragraphs = _paragraphs()
    a = " ".join(paragraphs[0:3])
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.format(extra=""), encoding="utf-8")
    _jsonl(corpus / "a.jsonl", [_doc("a1", a), _doc("solo", paragraphs[5]), _doc("a2", a)])
    _build(tmp_path)
    dropped = invoke(["dedup", "explain", "a2"], cwd=tmp_path)
    assert dropped.exit_code == 0
    assert dropped.stdout == (
        "`a2` (corpus/a.jsonl:3) was dropped: an exact duplicate of `a1` (corpus/a.jsonl:1),"
        " similarity 1.0.\nkeep rule: first in corpus order: `a1` comes first, so it is kept.\n"
    )
    kept = invoke(["dedup", "explain", "a1"], cwd=tmp_path).stdout
    assert "is kept: first in corpus order of its cluster of 2" in kept and "`a2`" in kept
    assert "no duplicate" in invoke(["dedup", "explain", "solo"], cwd=tmp_path).stdout
    assert invoke(["dedup", "explain", "nope"], cwd=tmp_path).exit_code == 1
    data = _check(tmp_path)[1]
    assert data["clusters"] == [
        {
            "kept": "a1",
            "path": "corpus/a.jsonl",
            "line": 1,
            "keep_rule": "first in corpus order",
            "dropped": [
                {
                    "id": "a2",
                    "kind": "exact",
                    "similarity": 1.0,
                    "path": "corpus/a.jsonl",
                    "line": 3,
                }
            ],
        }
    ]


# -------------------------------------------------------------------- 3. build --since


def _full_build(root: Path, version: str, out: Path, since: Path) -> Path:
    """A full build of `version` into `out`, beside a copy of the release `since` (so
    both builds write the same changelog)."""
    import shutil

    from corpus_tool.config import load_config
    from corpus_tool.package.build import build_release

    shutil.copytree(since, out / since.name)
    old = os.getcwd()
    os.chdir(root)
    try:
        cfg = load_config(root / "pyproject.toml")
        outcome = build_release([Path("corpus")], cfg, version, out.relative_to(root))
    finally:
        os.chdir(old)
    assert outcome.exit_code == 0, outcome.message
    return out / f"demo-{version}"


def _same_bytes(a: Path, b: Path) -> None:
    files_a = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file())
    assert files_a == files_b
    for rel in files_a:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


@pytest.mark.parametrize("seed", [7, 8])
def test_build_since_is_byte_identical_to_a_full_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    make_corpus(tmp_path, docs=200, seed=seed)
    release = _build(tmp_path)
    change_corpus(tmp_path / "corpus", added=25, duplicates=10, edited=15, removed=12, seed=seed)
    result = invoke(["build", "--version", "1.1.0", "--since", "latest"], cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "since dist/demo-1.0.0:" in result.stderr
    since = tmp_path / "dist" / "demo-1.1.0"
    full = _full_build(tmp_path, "1.1.0", tmp_path / "full", release)
    _same_bytes(since, full)
    assert invoke(["verify", str(since)], cwd=tmp_path).exit_code == 0


def test_build_since_keeps_what_a_removal_undrops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    release = _undropping(tmp_path)
    assert invoke(["build", "--version", "1.0.1", "--since", "latest"], cwd=tmp_path).exit_code == 0
    full = _full_build(tmp_path, "1.0.1", tmp_path / "full", release)
    _same_bytes(tmp_path / "dist" / "demo-1.0.1", full)
    manifest = json.loads((full / "manifest.json").read_text(encoding="utf-8"))
    assert [(d["id"], d["duplicate_of"]) for d in manifest["dropped"]] == [("a3", "a2")]


def _chained(root: Path, seed: int, extra: str = "") -> tuple[Path, set[str]]:
    """Release 1.0.0 of families of near copies that are each a step from the previous
    one (a cluster held together by a chain: the first and last are not similar), then
    a change that breaks chains (a middle member removed or edited away), bridges two
    families, and puts a copy first in the corpus (which changes every star pair of its
    runs). Returns the release and the ids the change touched."""
    rng = random.Random(seed)
    words = " ".join(_paragraphs()).split()
    corpus = root / "corpus"
    corpus.mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT.format(extra=extra), encoding="utf-8")
    docs: list[dict[str, Any]] = []
    families: list[list[str]] = []
    for f in range(10):
        text = rng.sample(words, 150)
        family = []
        for m in range(6):
            docs.append(_doc(f"f{f}m{m}", " ".join(text)))
            family.append(docs[-1]["text"])
            for at in rng.sample(range(150), 3):
                text[at] = f"w{f}x{m}x{at}"
        families.append(family)
    docs += [_doc(f"u{i}", " ".join(rng.sample(words, 150))) for i in range(30)]
    rng.shuffle(docs)
    shards = [docs[0::3], docs[1::3], docs[2::3]]
    for k, shard in enumerate(shards):
        _jsonl(corpus / f"s{k}.jsonl", shard)
    release = _build(root)
    touched = set()
    for f in rng.sample(range(10), 3):  # a middle member removed
        touched.add(f"f{f}m{rng.randrange(1, 5)}")
    shards = [[d for d in shard if d["id"] not in touched] for shard in shards]
    f, g = rng.sample(range(10), 2)
    edited = f"f{f}m2"  # edited into a member of another family
    for shard in shards:
        for d in shard:
            if d["id"] == edited:
                d["text"] = families[g][3]
    half = families[f][0].split()[:75] + families[g][5].split()[75:]
    bridge = _doc("bridge", " ".join(half))
    first = _doc("first", families[g][4])  # now first in corpus order
    shards[1].insert(rng.randrange(len(shards[1]) + 1), bridge)
    shards[0].insert(0, first)
    for k, shard in enumerate(shards):
        _jsonl(corpus / f"s{k}.jsonl", shard)
    return release, touched | {edited, "bridge", "first"}


# One band per MinHash value over single words: every run is long, so a new member
# takes pairs from old ones (a chain pair between two old documents is lost).
LOOSE_LSH = "[tool.corpus-tool.dedup]\nnum_perm = 16\nbands = 16\nshingle = 1\nthreshold = 0.8"


@pytest.mark.parametrize(("seed", "extra"), [(1, ""), (2, ""), (1, LOOSE_LSH), (2, LOOSE_LSH)])
def test_chains_that_break_and_join_give_the_full_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, extra: str
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    release, touched = _chained(tmp_path, seed, extra)
    full = _check(tmp_path)[1]
    assert full["summary"]["dropped_duplicates"] >= 20  # the families are clusters
    inc = _compare(tmp_path, release, touched)
    # Files hashed and shards matched in this process, or on two workers: one answer.
    assert _check(tmp_path, "--since", str(release), "-j", "1")[1] == inc
    assert _check(tmp_path, "--since", str(release), "-j", "2")[1] == inc
    assert invoke(["build", "--version", "1.0.1", "--since", "latest"], cwd=tmp_path).exit_code == 0
    built = _full_build(tmp_path, "1.0.1", tmp_path / "full", release)
    _same_bytes(tmp_path / "dist" / "demo-1.0.1", built)


# Eight bands of two values over 16; similar at 15 equal values of 16.
TIGHT = "[tool.corpus-tool.dedup]\nnum_perm = 16\nbands = 8\nthreshold = 0.9"


def _signed(values: list[int]) -> str:
    return "A story of the day with its signature " + ",".join(map(str, values)) + " told."


def _planted_signatures(texts: list[str], cfg: Any) -> Any:
    """The MinHash signature a `_signed` text carries (other texts: their own)."""
    import numpy as np

    rows = []
    for k, text in enumerate(texts):
        found = text.split("signature ")[-1].split(" ")[0].split(",")
        rows.append(
            [int(v) for v in found] if len(found) == 16 else [10**6 + k * 16 + i for i in range(16)]
        )
    return np.array(rows, dtype=np.uint32)


@pytest.mark.parametrize("change", ["inserted", "removed"])
def test_an_edge_between_unchanged_documents_is_lost_or_gained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """b and c are similar (15 values of 16). A member that shares their seven common
    bands (14 values: not similar to either) between them in corpus order takes their
    chain pair, and a member first in each run takes the star: so inserting one splits
    their cluster, and removing one joins them. A full check and --since agree."""
    monkeypatch.setattr("corpus_tool.pipeline.signatures", _planted_signatures)
    base = list(range(1, 17))
    b, c, middle = base, [*base[:15], 99], [*base[:14], 97, 98]
    firsts = [
        [v if v in own else 200 + 16 * k + i for i, v in enumerate(base)]
        for k, own in enumerate([base[0:4], base[4:8], base[8:12], base[12:14]])
    ]
    docs = [_doc(f"a{k}", _signed(v)) for k, v in enumerate(firsts)]
    before = [*docs, _doc("b", _signed(b)), _doc("c", _signed(c))]
    after = [*before[:5], _doc("m", _signed(middle)), before[5]]
    if change == "removed":
        before, after = after, before
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.format(extra=TIGHT), encoding="utf-8")
    _jsonl(corpus / "s.jsonl", before)
    release = _build(tmp_path)
    _jsonl(corpus / "s.jsonl", after)
    full = _check(tmp_path)[1]
    dropped = 0 if change == "inserted" else 1  # c, a duplicate of b
    assert full["summary"]["dropped_duplicates"] == dropped
    inc = _compare(tmp_path, release, {"m"}, set())
    assert [f["doc_id"] for f in inc["findings"] if f["code"] == "D002"] == ["c"] * dropped


def test_blank_lines_in_a_changed_shard_keep_the_line_numbers(tmp_path: Path) -> None:
    """Blank and whitespace-only lines are numbered, then skipped, as a full read does:
    findings of a changed shard name the same lines."""
    paragraphs = _paragraphs()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.format(extra=""), encoding="utf-8")
    docs = [_doc(f"d{i}", paragraphs[i]) for i in range(4)]
    lines = [json.dumps(d) for d in docs]
    shard = corpus / "s.jsonl"
    shard.write_text(
        f"{lines[0]}\n\n  \n{lines[1]}\n\t\r\n{lines[2]}\n{lines[3]}", encoding="utf-8"
    )
    release = _build(tmp_path)
    edited = dict(docs[2], url="not a url")  # a finding on line 7
    copy = dict(docs[0], id="again")  # an exact duplicate, last line, no newline
    text = f"\n{lines[0]}\n\n  \n{lines[1]}\n\t\r\n{json.dumps(edited)}\n{lines[3]}\n"
    shard.write_text(text + json.dumps(copy), encoding="utf-8")
    inc = _compare(tmp_path, release, {"d2", "again"})
    assert {(f["doc_id"], f["line"]) for f in inc["findings"]} >= {("d2", 7), ("again", 9)}


def test_build_since_with_an_error_writes_nothing(tmp_path: Path) -> None:
    make_corpus(tmp_path, docs=40, shards=2)
    _build(tmp_path)
    change_corpus(tmp_path / "corpus", added=2, duplicates=0, edited=1, removed=1, repeated_ids=1)
    result = invoke(["build", "--version", "1.0.1", "--since", "latest"], cwd=tmp_path)
    assert result.exit_code == 1 and "no release was written" in result.stderr
    assert not (tmp_path / "dist" / "demo-1.0.1").exists()


def _greedy_in_order(old: list[int], new: list[int], unhashable: int) -> list[int]:
    """The matching rule spelled out: each new record takes the first old record with
    its digest after the last match that it has not passed already."""
    out, last, used = [], -1, set()
    for digest in new:
        found = -1
        if digest != unhashable:
            for j, d in enumerate(old):
                if d == digest and j > last and j not in used:
                    found = j
                    break
        if found >= 0:
            last = found
            used.add(found)
        out.append(found)
    return out


@settings(max_examples=300, deadline=None)
@given(
    old=st.lists(st.integers(0, 9), max_size=25),
    edits=st.lists(st.tuples(st.integers(0, 30), st.integers(-1, 12)), max_size=12),
    hi=st.sampled_from([0, 1]),
)
def test_records_match_in_order_as_the_rule_says(
    old: list[int], edits: list[tuple[int, int]], hi: int
) -> None:
    """The vectorized matcher (no repeated digest) and its fallback (repeats) give the
    greedy rule's answer; 12 stands for UNHASHABLE, -1 for a removal."""
    import numpy as np

    from corpus_tool.engines.since import _UNHASHABLE_PAIR, match_in_order

    new = list(old)
    for at, value in edits:
        at = min(at, len(new))
        if value < 0:
            del new[at : at + 1]
        else:
            new.insert(at, value)

    def pairs(values: list[int]) -> np.ndarray:
        out = np.array([[v, hi] for v in values], dtype=np.uint64).reshape(-1, 2)
        out[np.array(values, dtype=np.int64) == 12] = _UNHASHABLE_PAIR
        return out

    got = match_in_order(pairs(old), pairs(new)).tolist()
    assert got == _greedy_in_order(old, new, 12)
    unique_old = list(dict.fromkeys(old))  # the vectorized path: no repeats
    unique_new = [v for v in dict.fromkeys(new) if v != 12 or 12 not in unique_old]
    got = match_in_order(pairs(unique_old), pairs(unique_new)).tolist()
    assert got == _greedy_in_order(unique_old, unique_new, 12)
