"""`corpus-tool normalize --explain`: which rule changed which line, and how.

The normalizer's own runner (`corpus_tool.normalize.normalize`) is not touched:
this module runs the enabled rules again on the side, one at a time in
registry order, sweep after sweep until none changes the text, and records
each edit. Every rule is idempotent and the runner only skips rules that
cannot have new work, so this reaches the text the runner returns; if it ever
did not, the explanation says so.

Each edit is shown as hunks: the line (in the text the rule saw) and, for a
line edited in place, the span of columns that changed, with the text before
and after.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

from corpus_tool.escape import terminal
from corpus_tool.normalize import MAX_SWEEPS, RULES

MAX_HUNKS = 20  # hunks shown per edit
WIDTH = 100  # characters of a line shown


@dataclass(frozen=True)
class Hunk:
    line: int  # 1-based, in the text the rule was given
    lines: int  # how many lines it covers there (0: lines inserted before `line`)
    # Of a line edited in place: 0-based [start, end) in the line before, and the end
    # in the line after, of the part that changed.
    span: tuple[int, int, int] | None
    before: list[str]
    after: list[str]


@dataclass(frozen=True)
class Step:
    code: str
    slug: str
    sweep: int
    hunks: list[Hunk]


def _span(a: str, b: str) -> tuple[int, int, int]:
    """(prefix, end in a, end in b) of the part of `a` and `b` that differs."""
    p = 0
    n = min(len(a), len(b))
    while p < n and a[p] == b[p]:
        p += 1
    s = 0
    while s < n - p and a[len(a) - 1 - s] == b[len(b) - 1 - s]:
        s += 1
    return p, len(a) - s, len(b) - s


def hunks(before: str, after: str) -> list[Hunk]:
    """The edits between two texts, line by line."""
    a, b = before.split("\n"), after.split("\n")
    out = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        span = None
        if tag == "replace" and i2 - i1 == 1 and j2 - j1 == 1:
            span = _span(a[i1], b[j1])
        out.append(Hunk(i1 + 1, i2 - i1, span, a[i1:i2], b[j1:j2]))
    return out


def trace(text: str, enabled: Callable[[str], bool]) -> tuple[list[Step], str]:
    """Every edit the enabled rules make to `text`, in order, and the final text."""
    steps: list[Step] = []
    rules = [r for r in RULES.values() if enabled(r.code)]
    for sweep in range(1, MAX_SWEEPS + 1):
        changed = False
        for rule in rules:
            new = rule.func(text)
            if new == text:
                continue
            steps.append(Step(rule.code, rule.slug, sweep, hunks(text, new)))
            text, changed = new, True
        if not changed:
            break
    return steps, text


def _cut(line: str) -> str:
    line = terminal(line)
    return line if len(line) <= WIDTH else line[: WIDTH - 1] + "…"


CONTEXT = 40  # characters shown on each side of an in-line edit


def _window(line: str, start: int, end: int) -> str:
    """The part of `line` around [start, end), with `…` where it is cut."""
    lo, hi = max(start - CONTEXT, 0), min(end + CONTEXT, len(line))
    return ("…" if lo else "") + terminal(line[lo:hi]) + ("…" if hi < len(line) else "")


def render_trace(steps: list[Step], final: str, expected: str) -> str:
    """The explanation, for stderr or stdout."""
    if not steps:
        return "no rule changed the text\n"
    out = []
    for step in steps:
        again = f" (sweep {step.sweep})" if step.sweep > 1 else ""
        out.append(f"{step.code} {step.slug}{again}")
        for h in step.hunks[:MAX_HUNKS]:
            if h.lines == 0:
                where = f"before line {h.line}"
            elif h.lines == 1:
                where = f"line {h.line}"
            else:
                where = f"lines {h.line}-{h.line + h.lines - 1}"
            if h.span is not None:
                start, end_a, end_b = h.span
                where += f", columns {start + 1}-{max(end_a, start + 1)}"
                was, now = h.before[0][start:end_a], h.after[0][start:end_b]
                out.append(f"  {where}: `{_cut(was)}` -> `{_cut(now)}`")
                out.append(f"    - {_window(h.before[0], start, end_a)}")
                out.append(f"    + {_window(h.after[0], start, end_b)}")
                continue
            what = "removed" if not h.after else "inserted" if not h.before else "replaced"
            out.append(f"  {where}: {what}")
            out += [f"    - {_cut(line)}" for line in h.before]
            out += [f"    + {_cut(line)}" for line in h.after]
        if len(step.hunks) > MAX_HUNKS:
            out.append(f"  ... and {len(step.hunks) - MAX_HUNKS:,} more edits")
    if final != expected:
        out.append(
            "note: run one rule at a time, the rules end on a different text than the"
            " normalizer's; the text printed is the normalizer's"
        )
    return "\n".join(out) + "\n"
