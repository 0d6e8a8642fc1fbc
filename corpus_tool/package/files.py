"""The files of a release: names, checksums, deterministic writing, shard listing."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from corpus_tool.package.formats import ShardFormat

SPLIT = "train"
MANIFEST = "manifest.json"
CARD = "README.md"
CROISSANT = "croissant.json"
CHANGELOG = "CHANGELOG.md"
REPORT = "report.html"  # the page of the build's check: listed, outside the identity
CHUNK = 1 << 20  # bytes read at a time when hashing


def shard_name(index: int, total: int, suffix: str) -> str:
    """Hugging Face's shard naming: `train-00000-of-00003` and the format's suffix."""
    return f"{SPLIT}-{index:05d}-of-{total:05d}{suffix}"


def shard_index(name: str, suffix: str) -> int | None:
    """The index of a shard file named by `shard_name` with `suffix`, else None."""
    m = re.fullmatch(rf"{SPLIT}-(\d{{5}})-of-(\d{{5}}){re.escape(suffix)}", name)
    return int(m.group(1)) if m else None


def shard_files(release: Path, fmt: ShardFormat) -> list[Path]:
    """The shards of one format found in its folder, in index order."""
    found = [
        (index, p)
        for p in (release / fmt.folder).glob(f"*{fmt.suffix}")
        if (index := shard_index(p.name, fmt.suffix)) is not None
    ]
    return [p for _, p in sorted(found)]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def json_text(data: Any) -> str:
    """Stable JSON text: the caller fixes key order; 2-space indent, trailing newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 with `\\n` line ends on every platform, and flush it to disk."""
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def fsync_dir(path: Path) -> None:
    """Make a rename in `path` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
