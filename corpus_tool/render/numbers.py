"""One way to write numbers everywhere the CLI talks: thousands separated by commas."""

from __future__ import annotations


def count(n: int) -> str:
    """`12345` -> `12,345`."""
    return f"{n:,}"


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 document`, `12,345 documents` (`many`: an irregular plural)."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def size(n: float) -> str:
    """Bytes for people: `532 B`, `1.4 MB`, `5.4 GB` (powers of 1000, as `du --si`)."""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def duration(seconds: float) -> str:
    """`0:42`, `12:03`, `1:02:03`."""
    total = max(int(seconds + 0.5), 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
