"""Where and when a release comes from: the corpus's git commit and a fixed time."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def release_timestamp(repo: Path, paths: list[Path] | None = None) -> tuple[str | None, int | None]:
    """(source commit, epoch seconds) for a reproducible release; never the wall clock.

    The commit is the last one that changed the corpus `paths` (HEAD when none are
    given), so a release rebuilt at a later commit that left the corpus alone is
    byte-identical. The time is `SOURCE_DATE_EPOCH` when set (reproducible-builds.org),
    else that commit's time. Outside git and without `SOURCE_DATE_EPOCH`:
    (None, None). A malformed `SOURCE_DATE_EPOCH` raises ValueError.
    """
    env = os.environ.get("SOURCE_DATE_EPOCH")
    epoch: int | None = None
    if env is not None:
        if not env.strip().isdigit():
            raise ValueError(f"SOURCE_DATE_EPOCH `{env[:40]}` is not a whole number of seconds")
        epoch = int(env)
    folder = Path(repo)
    if not folder.is_dir():
        folder = folder.parent
    where = [str(Path(p).resolve()) for p in paths or []]
    try:
        proc = subprocess.run(
            ["git", "-C", str(folder), "log", "-1", "--format=%H %ct", "HEAD", "--", *where],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None, epoch
    parts = proc.stdout.split()
    if proc.returncode != 0 or len(parts) != 2:
        return None, epoch
    return parts[0], epoch if epoch is not None else int(parts[1])
