"""What a valid `manifest.json` looks like, and reading untrusted release files safely.

A release may come from anywhere, so its manifest is checked against `Manifest`
before any value is used: a wrong type, a missing key, a huge number or a path
that leaves the release is a `ManifestError` naming the key (`files[3].bytes`),
never a TypeError or KeyError later. Manifest versions 1 and 2 are accepted;
version 2 adds `content_sha256` per data file and a top-level `identity`.

Files are read with `read_regular`: a symlink, FIFO, device or socket is refused
without being opened for reading (O_NOFOLLOW | O_NONBLOCK, then fstat), and at
most `limit` bytes are read. JSON is parsed by orjson, whose depth limit (1024)
turns absurd nesting into a ValueError instead of a RecursionError.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, BinaryIO, Literal

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
)

MAX_MANIFEST_BYTES = 256 << 20  # the dropped list of a 10M-document corpus fits easily
MAX_COUNT = 2**53  # exact in every JSON reader; more records than any corpus holds
MAX_PATH_CHARS = 1024

Count = Annotated[StrictInt, Field(ge=0, le=MAX_COUNT)]
Sha256 = Annotated[StrictStr, Field(pattern=r"^[0-9a-f]{64}$")]


class ManifestError(ValueError):
    """manifest.json is missing, unreadable or malformed; `key` names the culprit."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(f"`{key}`: {message}" if key else message)


def check_release_path(rel: str) -> str:
    """A path relative to the release: `/`-separated, no `..`, `.`, empty part,
    backslash, NUL or control character, not absolute."""
    if not rel or len(rel) > MAX_PATH_CHARS:
        raise ValueError("must be a non-empty relative path")
    if any(ord(c) < 0x20 or c in "\\\x7f" for c in rel):
        raise ValueError("holds a backslash, NUL or control character")
    if rel.startswith("/") or ":" in PurePosixPath(rel).parts[0]:
        raise ValueError("must be relative to the release")
    if any(part in ("", ".", "..") for part in rel.split("/")):
        raise ValueError("must not hold `..`, `.` or empty parts")
    return rel


RelPath = Annotated[StrictStr, AfterValidator(check_release_path)]


class _Strict(BaseModel):
    # Unknown keys are kept (a later manifest version may add some); known keys
    # must have exactly their type: no "3" for 3, no 3.0 for 3.
    model_config = ConfigDict(extra="allow", strict=True, frozen=True)


class FileModel(_Strict):
    path: RelPath
    bytes: Count
    sha256: Sha256
    rows: Count | None = None  # data files only
    content_sha256: Sha256 | None = None  # version 2: SHA-256 of the records as JSON lines


class SchemaModel(_Strict):
    version: StrictInt
    sha256: Sha256


class CountsModel(_Strict):
    records: Count
    dropped: Count
    by_source: dict[StrictStr, Count] = {}
    by_month: dict[StrictStr, Count] = {}
    by_language: dict[StrictStr, Count] = {}
    normalization: dict[StrictStr, Count] = {}


class DroppedModel(_Strict):
    id: StrictStr
    duplicate_of: StrictStr
    kind: StrictStr
    similarity: StrictFloat | StrictInt | None = None


class IdentityModel(_Strict):
    sha256: Sha256
    covers: Any = None  # version 2: what the identity hash covers


class Manifest(_Strict):
    manifest_version: Literal[1, 2]
    name: StrictStr
    version: StrictStr
    tool_version: StrictStr | None = None
    schema_: SchemaModel = Field(alias="schema")
    source_commit: StrictStr | None = None
    timestamp: Count | None = None
    counts: CountsModel
    dropped: list[DroppedModel]
    files: list[FileModel]
    writers: dict[StrictStr, StrictStr | None] = {}
    identity: IdentityModel | None = None


def _key(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + ("schema" if part == "schema_" else str(part))
    return out


def validate_manifest(data: Any) -> Manifest:
    """The manifest model of parsed JSON `data`; ManifestError names the first bad key."""
    if not isinstance(data, dict):
        raise ManifestError("", f"must be a JSON object, not {type(data).__name__}")
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ManifestError(_key(first["loc"]), first["msg"] + more) from None
    paths = [f.path for f in manifest.files]
    if len(set(paths)) != len(paths):
        dup = next(p for p in paths if paths.count(p) > 1)
        raise ManifestError("files", f"lists `{dup[:60]}` twice")
    return manifest


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of the regular file `path`, at most `limit` of them.

    Raises OSError for a missing file, ValueError for a symlink, FIFO, device,
    socket or folder (never opened for reading: O_NONBLOCK keeps a FIFO from
    blocking) or a file larger than `limit`.
    """
    with open_regular(path) as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"is larger than {limit} bytes")
    return data


def open_regular(path: Path) -> BinaryIO:
    """Open the regular file `path` for reading, binary and unbuffered.

    Raises OSError for a missing file, ValueError for anything else than a regular
    file. It is looked at with lstat first, so no device is ever opened; the open
    itself neither follows a symlink nor waits on a FIFO swapped in meanwhile.
    """
    mode = os.lstat(path).st_mode
    if not stat.S_ISREG(mode):
        raise ValueError(f"is a {file_kind(mode)}, not a regular file")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise ValueError(f"cannot be opened: {exc.strerror}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise ValueError(f"is a {file_kind(mode)}, not a regular file")
    return os.fdopen(fd, "rb", buffering=0)


def file_kind(mode: int) -> str:
    """What `lstat` found, in words."""
    for test, name in (
        (stat.S_ISLNK, "symbolic link"),
        (stat.S_ISDIR, "folder"),
        (stat.S_ISFIFO, "FIFO"),
        (stat.S_ISSOCK, "socket"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
    ):
        if test(mode):
            return name
    return "regular file" if stat.S_ISREG(mode) else "special file"


def parse_json(data: bytes) -> Any:
    """Parse JSON bytes; ValueError (never RecursionError) on bad or too deep input."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {str(exc)[:80]}") from None


def read_manifest_file(path: Path) -> tuple[dict[str, Any], Manifest]:
    """The raw manifest at `path` (a release's `manifest.json`) and its validated model.

    Raises FileNotFoundError when there is none, ManifestError when it cannot be
    read or does not hold a valid manifest.
    """
    try:
        raw = read_regular(path, MAX_MANIFEST_BYTES)
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as exc:
        raise ManifestError("", f"cannot be read: {str(exc)[:80]}") from None
    try:
        data = parse_json(raw)
    except ValueError as exc:
        raise ManifestError("", str(exc)) from None
    return data, validate_manifest(data)
