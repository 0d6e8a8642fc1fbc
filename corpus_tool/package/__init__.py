"""Package a record stream as a release: shards, dataset card, Croissant, manifest.

The CLI calls `ReleaseWriter` (write, then finish), `verify_release`, `load`,
the diff functions and `parse_version`; each lives in its own module.
"""

from __future__ import annotations

from corpus_tool.package.diff import (
    ReleaseDiff,
    diff_records,
    diff_releases,
    previous_release,
    read_release_records,
    render_diff,
    suggest_bump,
)
from corpus_tool.package.verify import Problem, ReleaseError, verify_release
from corpus_tool.package.version import Version, parse_version
from corpus_tool.package.writer import (
    ReleaseExistsError,
    ReleaseWriter,
    Result,
    release_timestamp,
)

__all__ = [
    "Problem",
    "ReleaseDiff",
    "ReleaseError",
    "ReleaseExistsError",
    "ReleaseWriter",
    "Result",
    "Version",
    "diff_records",
    "diff_releases",
    "parse_version",
    "previous_release",
    "read_release_records",
    "release_timestamp",
    "render_diff",
    "suggest_bump",
    "verify_release",
]
