"""`CHANGELOG.md`, and the version step a release's changes call for."""

from __future__ import annotations

from pathlib import Path

from corpus_tool.package.diff import diff_releases, render_diff, suggest_bump
from corpus_tool.package.version import parse_version

BUMP_ORDER = [None, "patch", "minor", "major"]


def render_changelog(name: str, version: str, previous: Path | None, new: Path) -> str:
    """The changelog of release `new` (being written) of `name` `version`: its changes
    since the `previous` release, and a note when the version step is too small."""
    head = f"# Changelog\n\n## {name} {version}\n\n"
    if previous is None:
        return head + "Initial release.\n"
    diff, schema_changed = diff_releases(previous, new)
    text = f"Changes since {previous.name}: " + render_diff(diff, "markdown", schema_changed)
    bump = suggest_bump(diff, schema_changed)
    old_version = previous.name.removeprefix(f"{name}-")
    try:
        actual = parse_version(version).bump_from(parse_version(old_version))
    except ValueError:
        actual = None
    if actual is not None and BUMP_ORDER.index(actual) < BUMP_ORDER.index(bump):
        text += (
            f"\nNote: this release is a {actual} version step from {old_version},"
            f" but its changes call for a {bump} one.\n"
        )
    return head + text


def bump_hint(version: str, existing: Path, new: Path) -> str:
    """Which version the difference of `new` from the `existing` release of `version`
    calls for, as the end of a sentence (empty when none)."""
    diff, schema_changed = diff_releases(existing, new)
    bump = suggest_bump(diff, schema_changed)
    if bump is None:
        return ""
    return f" (the changes call for a {bump} bump: {parse_version(version).bumped(bump)})"
