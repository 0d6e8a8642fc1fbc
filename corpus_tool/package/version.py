"""Release versions: strict semantic versions `X.Y.Z` or `X.Y.Z-prerelease`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Bump = Literal["major", "minor", "patch"]

_NUM = r"0|[1-9][0-9]*"  # [0-9], not \d: \d also matches non-ASCII digits
_IDENT = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_VERSION_RE = re.compile(rf"^({_NUM})\.({_NUM})\.({_NUM})(?:-({_IDENT}(?:\.{_IDENT})*))?$")


@dataclass(frozen=True, slots=True)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()

    def __str__(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        return f"{core}-{'.'.join(self.prerelease)}" if self.prerelease else core

    def sort_key(self) -> tuple[object, ...]:
        """Semver precedence: a prerelease sorts before its release; numeric
        identifiers compare as numbers and before alphanumeric ones."""
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, not self.prerelease, pre)

    def __lt__(self, other: Version) -> bool:
        return self.sort_key() < other.sort_key()

    def bumped(self, bump: Bump) -> Version:
        """The next release version for a change of kind `bump` (prerelease dropped)."""
        if bump == "major":
            return Version(self.major + 1, 0, 0)
        if bump == "minor":
            return Version(self.major, self.minor + 1, 0)
        return Version(self.major, self.minor, self.patch + 1)

    def bump_from(self, older: Version) -> Bump | None:
        """Which part changed from `older` to this version (None when not newer)."""
        if not older < self:
            return None
        if self.major != older.major:
            return "major"
        return "minor" if self.minor != older.minor else "patch"


def parse_version(v: str) -> Version:
    """Parse `X.Y.Z` or `X.Y.Z-prerelease` (semver 2.0, no build metadata).

    Raises ValueError with the reason; the CLI reports it and exits 2.
    """
    m = _VERSION_RE.fullmatch(v)  # `$` alone would let a trailing "\n" through
    if m is None:
        raise ValueError(
            f"version `{v[:40]}` is not a semantic version: expected X.Y.Z or X.Y.Z-prerelease"
            " with numbers without leading zeros, e.g. `1.0.0` or `1.1.0-rc.1`"
        )
    pre = tuple(m.group(4).split(".")) if m.group(4) else ()
    return Version(int(m.group(1)), int(m.group(2)), int(m.group(3)), pre)
