"""Date lines: `Sept. 28, 2023`, `Updated: 9/27/2023 10:15 AM`, `2023-09-26`."""

from __future__ import annotations

import datetime as dt
import re

from corpus_tool.parse.lines import MAX_NAME_LEN

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9,
    "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11,
    "dec": 12, "december": 12,
}  # fmt: skip
_MONTH = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = (
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|mon|tues|tue|wed|thurs|thur|thu|fri|sat|sun)\.?,?"
)
_TIME = r"\d{1,2}[:.]\d\d(?:\s*[ap]\.?m\.?)?(?:\s+[A-Z]{2,5})?"
_DATE_CORE = (
    rf"(?:(?P<mon>{_MONTH})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})"
    rf"|(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon2>{_MONTH}),?\s+(?P<year2>\d{{4}})"
    r"|(?P<n1>\d{1,2})/(?P<n2>\d{1,2})/(?P<ny>\d{4})"
    r"|(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
    r"|(?P<dd>\d{1,2})\.(?P<dm>\d{1,2})\.(?P<dy>\d{4}))"
)
_DATE_LINE = re.compile(
    r"(?:(?P<label>published|posted|updated|last\s+updated|modified|date)(?:\s+on)?\s*:?\s*)?"
    rf"(?:{_TIME}\s*[,|·–—-]?\s*)?(?:{_WEEKDAY}\s+)?{_DATE_CORE}"
    rf"(?:\s*(?:,|at|\||·|–|—|-)?\s*{_TIME})?",
    re.IGNORECASE,
)
UPDATED_LABEL = re.compile(r"(?:updated|last\s+updated|modified)(?:\s+on)?\s*:?", re.IGNORECASE)


_DIGIT = re.compile(r"\d")


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_date_line(line: str) -> tuple[bool, str | None, dt.date | None] | None:
    """`Sept. 28, 2023` -> (True, label, date); None if the line is not a date line.

    The date is None when the line has the shape of a date but names no real
    day (`2/30/2023`). `9/26/2023` is month/day/year (US) unless the first
    number cannot be a month (`26/9/2023`); `12.10.2023` is day.month.year.
    """
    if len(line) > MAX_NAME_LEN or _DIGIT.search(line) is None:
        return None
    m = _DATE_LINE.fullmatch(line)
    if m is None:
        return None
    label = m["label"].lower() if m["label"] else None
    if m["mon"]:
        value = _safe_date(int(m["year"]), _MONTHS[m["mon"].rstrip(".").lower()], int(m["day"]))
    elif m["mon2"]:
        value = _safe_date(int(m["year2"]), _MONTHS[m["mon2"].rstrip(".").lower()], int(m["day2"]))
    elif m["ny"]:
        a, b = int(m["n1"]), int(m["n2"])
        month, day = (b, a) if a > 12 >= b else (a, b)
        value = _safe_date(int(m["ny"]), month, day)
    elif m["dy"]:
        value = _safe_date(int(m["dy"]), int(m["dm"]), int(m["dd"]))
    else:
        value = _safe_date(int(m["iy"]), int(m["im"]), int(m["id"]))
    return True, label, value
