"""Package a record stream as a release: shards, dataset card, Croissant, manifest.

The CLI calls `build` (which runs the pipeline into `ReleaseWriter`),
`verify_release`, `load`, the diff functions and `parse_version`; each lives in
its own module. The shard formats are `formats.FORMATS`.
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
from corpus_tool.package.identity import ReleaseExistsError
from corpus_tool.package.provenance import release_timestamp
from corpus_tool.package.verify import Problem, ReleaseError, verify_release
from corpus_tool.package.version import Version, parse_version
from corpus_tool.package.writer import ReleaseWriter, Result

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
