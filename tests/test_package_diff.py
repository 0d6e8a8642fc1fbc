"""Release diffs, the version bump they call for, and release versions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from corpus_tool.package import (
    ReleaseDiff,
    diff_records,
    diff_releases,
    parse_version,
    previous_release,
    render_diff,
    suggest_bump,
)
from corpus_tool.package.diff import latest_release


def doc(i: int, text_sha: str = "t", **meta: Any) -> dict[str, Any]:
    return {"id": f"d{i}", "text": "…", "text_sha256": text_sha * 64, "title": f"T{i}", **meta}


OLD = [doc(1), doc(2), doc(3)]


@pytest.mark.parametrize(
    ("new", "counts", "bump"),
    [
        (OLD, {"added": 0, "removed": 0, "text_changed": 0, "metadata_changed": 0}, None),
        (
            [*OLD, doc(4)],
            {"added": 1, "removed": 0, "text_changed": 0, "metadata_changed": 0},
            "minor",
        ),
        (OLD[:2], {"added": 0, "removed": 1, "text_changed": 0, "metadata_changed": 0}, "major"),
        (
            [doc(1, text_sha="u"), doc(2), doc(3)],
            {"added": 0, "removed": 0, "text_changed": 1, "metadata_changed": 0},
            "patch",
        ),
        (
            [doc(1), {**doc(2), "title": "Fixed"}, doc(3)],
            {"added": 0, "removed": 0, "text_changed": 0, "metadata_changed": 1},
            "patch",
        ),
        (
            [doc(2), doc(3), doc(4)],
            {"added": 1, "removed": 1, "text_changed": 0, "metadata_changed": 0},
            "major",
        ),
    ],
    ids=["nothing", "added", "removed", "text", "metadata", "added+removed"],
)
def test_diff_counts_and_bump(
    new: list[dict[str, Any]], counts: dict[str, int], bump: str | None
) -> None:
    diff = diff_records(OLD, new)
    assert {k: v for k, v in diff.counts().items() if k != "unchanged"} == counts
    assert suggest_bump(diff, schema_changed=False) == bump


def test_diff_names_the_ids_and_changed_fields() -> None:
    new = [doc(1, text_sha="u", title="New"), {**doc(2), "url": "https://x.org"}, doc(4)]
    diff = diff_records(OLD, new)
    assert diff.added == ["d4"]
    assert diff.removed == ["d3"]
    assert diff.text_changed == ["d1"]
    assert diff.metadata_changed == {"d1": ["title"], "d2": ["url"]}
    assert diff.unchanged == 0


def test_schema_change_is_major() -> None:
    assert suggest_bump(ReleaseDiff(), schema_changed=True) == "major"


def test_render_formats() -> None:
    diff = diff_records(OLD, [doc(1), {**doc(2), "title": "Fixed"}, doc(4)])
    text = render_diff(diff, "text")
    assert text.splitlines() == [
        "1 added, 1 removed, 0 text changed, 1 metadata changed, 1 unchanged",
        "added: d4",
        "removed: d3",
        "metadata changed: d2 (title)",
        "suggested bump: major",
    ]
    data = json.loads(render_diff(diff, "json"))
    assert data["counts"]["added"] == 1 and data["suggested_bump"] == "major"
    assert data["metadata_changed"] == {"d2": ["title"]}
    markdown = render_diff(diff, "markdown")
    assert "### Removed (1)\n\n`d3`" in markdown
    assert markdown.endswith("Suggested version bump: **major**.\n")
    with pytest.raises(ValueError, match="unknown diff format"):
        render_diff(diff, "yaml")  # type: ignore[arg-type]


def test_long_id_lists_are_cut_in_text() -> None:
    diff = diff_records([], [doc(i) for i in range(60)])
    assert "… and 10 more" in render_diff(diff, "text")
    assert len(json.loads(render_diff(diff, "json"))["added"]) == 60


@pytest.mark.parametrize("good", ["0.1.0", "1.0.0", "10.20.30", "1.0.0-rc.1", "1.0.0-alpha-2"])
def test_parse_version_accepts_semver(good: str) -> None:
    assert str(parse_version(good)) == good


@pytest.mark.parametrize(
    "bad", ["1.0", "v1.0.0", "01.0.0", "1.0.0+build", "1.0.0-", "1.0.0-01", ""]
)
def test_parse_version_rejects_other_strings(bad: str) -> None:
    with pytest.raises(ValueError, match="not a semantic version"):
        parse_version(bad)


def test_version_order_follows_semver() -> None:
    ordered = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.2.0",
        "2.0.0",
    ]
    assert sorted(ordered, key=lambda v: parse_version(v).sort_key()) == ordered
    assert parse_version("2.0.0").bump_from(parse_version("1.9.9")) == "major"
    assert parse_version("1.1.0").bump_from(parse_version("1.0.5")) == "minor"
    assert parse_version("1.0.0").bump_from(parse_version("1.0.0")) is None


def test_previous_release_is_the_highest_lower_version(tmp_path: Path) -> None:
    for name in [
        "news-0.9.0",
        "news-1.0.0-rc.1",
        "news-1.0.0",
        "news-1.10.0",
        "news-2.0.0",
        "other-1.5.0",
    ]:
        (tmp_path / name).mkdir()
        (tmp_path / name / "manifest.json").write_text("{}")
    (tmp_path / "news-1.9.0").mkdir()  # no manifest: not a finished release
    (tmp_path / ".tmp-news-1.9.5-abc").mkdir()
    assert previous_release(tmp_path, "news", "1.9.9") == tmp_path / "news-1.0.0"
    assert previous_release(tmp_path, "news", "1.0.0") == tmp_path / "news-1.0.0-rc.1"
    assert previous_release(tmp_path, "news", "3.0.0") == tmp_path / "news-2.0.0"
    assert latest_release(tmp_path, "news") == tmp_path / "news-2.0.0"
    (tmp_path / "news-2.0.0-rc.1").mkdir()
    (tmp_path / "news-2.0.0-rc.1" / "manifest.json").write_text("{}")
    assert latest_release(tmp_path, "news") == tmp_path / "news-2.0.0"  # a prerelease is older
    assert latest_release(tmp_path, "none") is None
    assert latest_release(tmp_path / "missing", "news") is None
    assert previous_release(tmp_path, "news", "0.1.0") is None
    assert previous_release(tmp_path / "absent", "news", "1.0.0") is None


def test_diff_releases_sees_a_schema_change(tmp_path: Path) -> None:
    for name, sha in [("old", "a"), ("new", "b"), ("same", "a"), ("broken", None)]:
        (tmp_path / name).mkdir()
        manifest = {"schema": {"version": 1, "sha256": sha}} if sha else "not a manifest"
        (tmp_path / name / "manifest.json").write_text(json.dumps(manifest))
    assert diff_releases(tmp_path / "old", tmp_path / "new") == (ReleaseDiff(), True)
    assert diff_releases(tmp_path / "old", tmp_path / "same")[1] is False
    assert diff_releases(tmp_path / "old", tmp_path / "broken")[1] is False


def test_next_version_for_a_bump() -> None:
    v = parse_version("1.2.3-rc.1")
    assert [str(v.bumped(b)) for b in ("major", "minor", "patch")] == ["2.0.0", "1.3.0", "1.2.4"]
