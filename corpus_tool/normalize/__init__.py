"""Normalizer rules: a registry of small named text -> text functions.

Each rule has a stable code (`N1xx`), a slug and a docstring whose first line
is its one-line description (`corpus-tool rules` prints it). Rules run in the
order `corpus_tool.registry.NORMALIZER_ORDER` states; `normalize` reports which
of them changed the text.

Idempotent by design: removing one piece of debris can turn the next one into
a whole line, the first line or the last one, which a rule that already ran
would now remove. So `normalize` runs the rules to a fixed point. After the
first sweep, a rule runs again only when another rule's edit can give it new
work: an edit of a kind it sees (`Rule.sees`), by a rule it does not trust
(`Rule.trusts`), that touches what it reads (`Rule.reads`; a `local` rule is
asked about the changed lines only). Every rule is idempotent on its own (a
property test checks each one), so its own edit never makes it due. On a
typical page nothing is due after the first sweep, or one cheap rule.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from corpus_tool.parse.blocks import code_blocks, laid_out, may_hold_fence
from corpus_tool.parse.page import Page
from corpus_tool.registry import RULES, Edit, PageFunc, Reads, Rule, add_rule, normalizer

__all__ = [
    "RULES",
    "Change",
    "Edit",
    "Normalized",
    "Rule",
    "normalize",
    "normalizer",
    "note_span",
    "page_normalizer",
]
MAX_SWEEPS = 8  # sweeps over the due rules; real pages settle in one or two


_NON_BLANK = re.compile(r"[^ \t\n]")


class Change:
    """One rule's edit, `old` -> `new`, with what the runner asks about it (computed once).

    `bounds`: lower bounds on the common prefix and suffix that the editor knows (see
    `note_span`); the searches start there, and their answers are the same as from 0.
    """

    __slots__ = (
        "_answers",
        "_bounds",
        "_lines",
        "_prefix",
        "_suffix",
        "edits",
        "new",
        "old",
        "page",
    )

    def __init__(
        self,
        old: str,
        new: str,
        edits: Edit = Edit.ANY,
        page: Page | None = None,
        bounds: tuple[int, int] = (0, 0),
    ) -> None:
        self.old, self.new, self.edits = old, new, edits  # edits: what the rule may do
        self.page = page  # the parsed Page of `old`, if the runner has one
        self._bounds = bounds
        self._prefix: int | None = None
        self._suffix: int | None = None
        self._lines: str | None = None
        self._answers: dict[Reads, bool] = {}

    def touches(self, reads: Reads) -> bool:
        """`reads(self)`, asked once per change (rules that read the same part share it)."""
        answer = self._answers.get(reads)
        if answer is None:
            answer = self._answers[reads] = reads(self)
        return answer

    @property
    def prefix(self) -> int:
        """Length of the common prefix of `old` and `new`."""
        if self._prefix is None:
            self._prefix = _common(self.old, self.new, 1, self._bounds[0])
        return self._prefix

    @property
    def suffix(self) -> int:
        """Length of the common suffix, not overlapping the common prefix."""
        if self._suffix is None:
            room = min(len(self.old), len(self.new)) - self.prefix
            self._suffix = min(_common(self.old, self.new, -1, self._bounds[1]), room)
        return self._suffix

    @property
    def lines(self) -> str:
        """The lines of `new` that differ from `old`, with the nearest non-blank line on
        each side (where lines were only removed, just those two)."""
        if self._lines is None:
            new = self.new
            start = new.rfind("\n", 0, self.prefix) + 1
            end = new.find("\n", len(new) - self.suffix)
            end = len(new) if end < 0 else end
            before = _end_of_text(new, start)  # end of the previous non-blank line
            if before:
                start = new.rfind("\n", 0, before) + 1
            after = _NON_BLANK.search(new, end)  # start of the next non-blank line
            if after is not None:
                end = new.find("\n", after.start())
                end = len(new) if end < 0 else end
            self._lines = new[start:end]
        return self._lines


def _end_of_text(text: str, end: int) -> int:
    """`len(text[:end].rstrip(" \\t\\n"))`, without copying `text[:end]`: blank space is
    stripped from windows read backwards from `end`."""
    while end > 0:
        start = max(end - 64, 0)
        kept = len(text[start:end].rstrip(" \t\n"))
        if kept:
            return start + kept
        end = start
    return 0


def _common(a: str, b: str, way: int, start: int = 0) -> int:
    """Length of the common prefix (`way` 1) or suffix (-1) of `a` and `b`: spans
    compared in place in doubling steps, then halving, so the work is linear in
    the answer (one slice of `a` per step, none of `b`). `start`: a length known
    to be common (at most the answer); the search goes on from there."""
    n = min(len(a), len(b))
    la, lb = len(a), len(b)
    lo, step = start, 64
    while lo < n:
        hi = min(lo + step, n)
        if not (
            b.startswith(a[lo:hi], lo) if way > 0 else b.endswith(a[la - hi : la - lo], 0, lb - lo)
        ):
            break
        lo, step = hi, step * 2
    else:
        return n
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if (
            b.startswith(a[lo:mid], lo)
            if way > 0
            else b.endswith(a[la - mid : la - lo], 0, lb - lo)
        ):
            lo = mid
        else:
            hi = mid
    return lo


# The span of the last edit an editor reported (`note_span`): its text before and
# after, and lower bounds on their common prefix and suffix.
_span: list[tuple[str, str, int, int] | None] = [None]


def note_span(old: str, new: str, prefix: int, suffix: int) -> None:
    """Report that `new`, made from `old`, keeps at least `old`'s first `prefix` and
    last `suffix` characters: the runner's questions about the edit (`Change.prefix`,
    `Change.suffix`) then compare only from there, not the whole texts.

    One slot, the last report. A report whose `old` is the last one's `new` (a rule
    that edits in steps) extends it: the smaller of each bound holds for both steps.
    Safe whoever reports what: the slot holds the texts themselves, and the runner
    takes the bounds only for a change between these very objects (`is`), which,
    strings being immutable, are the texts the bounds were found on."""
    last = _span[0]
    if last is not None and last[1] is old:
        old, prefix, suffix = last[0], min(prefix, last[2]), min(suffix, last[3])
    _span[0] = (old, new, prefix, suffix)


def _take_span(old: str, new: str) -> tuple[int, int]:
    """The bounds reported for the edit `old` -> `new`, or (0, 0); empties the slot, so
    that the next rule's first report starts afresh."""
    last = _span[0]
    _span[0] = None
    if last is not None and last[0] is old and last[1] is new:
        return last[2], last[3]
    return 0, 0


def page_normalizer(code: str, slug: str, **how: Any) -> Callable[[PageFunc], PageFunc]:
    """Register a rule that reads the document's parsed `Page` instead of its text.

    The runner hands it the Page of the current text, parsed once and shared by
    every page rule (and by extraction) while the text does not change. Its
    `Rule.func` still takes a text: it parses a Page of its own. `how` takes
    the runner's options of `normalizer` (`edits`, `sees`, `reads`, `trusts`).
    """

    def register(func: PageFunc) -> PageFunc:
        @functools.wraps(func)
        def on_text(text: str) -> str:
            return func(Page(text))

        add_rule(Rule(code, slug, on_text, on_page=func, **how))
        return func

    return register


@dataclass(slots=True)
class Normalized:
    text: str
    applied: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Plan:
    order: tuple[Rule, ...]  # the rules that may run, in registry order
    first: tuple[bool, ...]  # which of them the first sweep runs
    wakes: tuple[tuple[int, ...], ...]  # per rule, the positions of those its edits can wake


@functools.lru_cache(maxsize=64)
def _plan(asked: tuple[str, ...], others: tuple[str, ...] | None) -> _Plan:
    """The plan to run the rules `asked`, where the registry's other rules before the
    last of them may run again if enabled (`others`: the enabled ones; None: all)."""
    registry = list(RULES)
    last = max(registry.index(c) for c in asked)
    codes = [c for c in registry[: last + 1] if c in asked or others is None or c in others]
    order = tuple(RULES[c] for c in codes)
    wakes = tuple(
        tuple(
            j
            for j, other in enumerate(order)
            if j != i and other.sees & rule.edits and rule.code not in other.trusts
        )
        for i, rule in enumerate(order)
    )
    return _Plan(order, tuple(c in asked for c in codes), wakes)


@functools.lru_cache(maxsize=64)
def _chosen(
    asked: tuple[str, ...], enabled: frozenset[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The codes of `asked` that are enabled, and the registry's enabled codes."""
    return tuple(c for c in asked if c in enabled), tuple(c for c in RULES if c in enabled)


def _wakes(rule: Rule, change: Change) -> bool:
    if rule.local:
        lines = change.lines
        return bool(lines) and rule.func(lines) != lines
    return rule.reads is None or change.touches(rule.reads)


def normalize(
    text: str,
    enabled: Callable[[str], bool] | frozenset[str] | None = None,
    rules: Iterable[Rule] | None = None,
    page: Page | None = None,
) -> Normalized:
    """Run every enabled rule in order, then again where needed, to a fixed point.

    `enabled` says which rules are on: a predicate on codes, or the set of enabled
    codes (a configuration's `enabled_codes()`: then the choice is made once per
    set, not per call); None: the rules on by default (`Rule.default`). `applied`
    lists, in registry order, the codes that changed the text. The result is a text
    on which every enabled rule up to the last one run is a no-op (unless MAX_SWEEPS
    ran out), so normalize(normalize(x)) == normalize(x).

    `rules` runs a part of the registry (in registry order), so a caller can
    look at the text between two stages (see `split_rules`). Its edits can
    still give new work to a rule of the registry before that part (a removed
    line joins a list near the top into a related-headlines list): such a rule
    runs again, so that running the parts one after the other settles like
    running the whole registry at once. Rules after the part never run.

    `page`, the parsed `Page` of `text` if the caller has one, is handed to the
    page rules; after an edit they get the Page of the new text, parsed once
    for all of them.

    Fenced code blocks are left out of the rules' reach (see `_masked`): they come
    back as they were, cleaned only by N101 and N102 when those are on.
    """
    asked = tuple(r.code for r in (RULES.values() if rules is None else rules))
    others = None
    if isinstance(enabled, frozenset):  # the enabled codes: the choice is cached
        asked, others = _chosen(asked, enabled)
    elif enabled is not None:
        asked = tuple(c for c in asked if enabled(c))
        others = tuple(c for c in RULES if enabled(c))
    else:
        asked, others = _chosen(asked, _default_on())
    if not asked:
        return Normalized(text, [])
    plan = _plan(asked, others)
    out = _around_code(text, plan, asked)
    if out is not None:
        return out
    out = _sweep(text, plan, page)
    if may_hold_fence(out.text):
        # A rule made a fence (a zero-width space gone from `\u200b~~~`): normalized
        # again, the output would read a block the rules read as prose. Its reading
        # with that block is the one that a further run leaves as it is.
        again = _around_code(out.text, plan, asked)
        if again is not None and again.text != out.text:
            fired = {*out.applied, *again.applied}
            return Normalized(again.text, [c for c in RULES if c in fired])
    return out


def _around_code(text: str, plan: _Plan, asked: tuple[str, ...]) -> Normalized | None:
    """`text` normalized with its code blocks out of the rules' reach; None if it has
    no block, or if the rules' output does not take its blocks back."""
    masked = _masked(text, asked)
    if masked is None:
        return None
    prose, blocks = masked
    done = _sweep(prose, plan, None)
    back = _unmasked(done.text, blocks, asked)
    if back is None:
        return None
    new, fired = back
    if new != text and "N102" in asked and _BREAKS.search(text) is not None:
        fired.add("N102")  # the line breaks were made line feeds before masking
    return Normalized(new, [c for c in RULES if c in fired or c in done.applied])


# A fenced code block is the page's content as it stands: the rules read prose, and in
# code they would unescape a regex (`\\*`), drop a `0:00` or a repeated `}`. The rules
# get the text with each closed block as one placeholder line; the blocks come back
# cleaned of odd spaces, invisible characters and line endings only, and laid out as
# the layout rule lays out a block. Should a rule take a placeholder away, the text
# is normalized as it is, code and all: nothing is lost.
_CODE_RULES = ("N101", "N102")
_MARK = "```corpus-tool-code-block-"


_BREAKS = re.compile("[\r\u2028\u2029]")  # what N102 makes a line feed


def _masked(text: str, asked: tuple[str, ...]) -> tuple[str, list[list[str]]] | None:
    """`text` with each closed code block as one placeholder line, and the blocks'
    lines; None if it has no block (one search answers for most texts). The lines
    are read as N102 leaves them, where it runs: a line break it makes can close a
    block."""
    if "`" not in text and "~" not in text:  # no fence: most texts
        return None
    if "N102" in asked and _BREAKS.search(text) is not None:
        text = RULES["N102"].func(text)
    if not may_hold_fence(text) or _MARK in text:
        return None
    lines = text.split("\n")
    found = code_blocks(lines)
    if not found:
        return None
    prose: list[str] = []
    blocks: list[list[str]] = []
    at = 0
    for k, (first, last) in enumerate(found):
        prose += lines[at:first]
        prose.append(f"{_MARK}{k}```")
        blocks.append(lines[first : last + 1])
        at = last + 1
    prose += lines[at:]
    return "\n".join(prose), blocks


def _unmasked(
    text: str, blocks: list[list[str]], asked: tuple[str, ...]
) -> tuple[str, set[str]] | None:
    """The normalized `text` with its blocks back, and the rules that changed a block.
    None if a placeholder is not there, once, as a line of its own, or if the result
    does not read as the same blocks (a rule made a fence of a prose line): the text
    must read the same when normalized again."""
    lines = text.split("\n")
    marks = [i for i, line in enumerate(lines) if line.startswith(_MARK)]
    if [lines[i] for i in marks] != [f"{_MARK}{k}```" for k in range(len(blocks))]:
        return None
    fired: set[str] = set()
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    at = 0
    for i, block in zip(marks, blocks, strict=True):
        code = "\n".join(block)
        for c in _CODE_RULES:
            if c in asked:
                new = RULES[c].func(code)
                if new != code:
                    fired.add(c)
                    code = new
        if "N113" in asked:
            code = laid_out(code.split("\n"))
        out += lines[at:i]
        first = len(out)
        out += code.split("\n")
        spans.append((first, len(out) - 1))
        at = i + 1
    out += lines[at:]
    if code_blocks(out) != spans:
        return None
    return "\n".join(out), fired


def _sweep(text: str, plan: _Plan, page: Page | None) -> Normalized:
    """Run the plan's rules on `text` to a fixed point."""
    order, wakes = plan.order, plan.wakes
    due = list(plan.first)
    changed = [False] * len(order)
    for _ in range(MAX_SWEEPS):
        for i, rule in enumerate(order):
            if not due[i]:
                continue
            due[i] = False
            if rule.on_page is None:
                new = rule.func(text)
            else:
                if page is None or page.text is not text:
                    page = Page(text)
                new = rule.on_page(page)
            if new is text or new == text:
                continue
            changed[i] = True
            bounds = _take_span(text, new)
            if wakes[i]:
                page_of = page if page is not None and page.text is text else None
                change = Change(text, new, rule.edits, page_of, bounds)
                for j in wakes[i]:
                    if not due[j] and _wakes(order[j], change):
                        due[j] = True
            text = new
        if True not in due:
            break
    return Normalized(text, [r.code for r, c in zip(order, changed, strict=True) if c])


@functools.cache
def _default_on() -> frozenset[str]:
    """The codes of the rules on by default (asked once the rule modules are loaded)."""
    return frozenset(code for code, rule in RULES.items() if rule.default)


def split_rules(first_of_second: str) -> tuple[list[Rule], list[Rule]]:
    """The registry in two parts: the rules before code `first_of_second`, and the rest."""
    codes = list(RULES)
    cut = codes.index(first_of_second)
    return [RULES[c] for c in codes[:cut]], [RULES[c] for c in codes[cut:]]


# Rule modules register themselves on import; the registry orders them.
from corpus_tool.normalize import rules as _rules  # noqa: E402,F401
