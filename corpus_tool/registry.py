"""The registry: every finding code and every normalizer rule, and their order.

A normalizer rule registers itself with `@normalizer(code, slug)`; the order in
which rules run is `NORMALIZER_ORDER` here, the one place that states it (codes
are stable names, not positions: a rule added later gets the next free code and
its place in this list).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the runner's view of an edit and the parsed page; only types named here
    from corpus_tool.normalize import Change
    from corpus_tool.parse.page import Page

RuleFunc = Callable[[str], str]
PageFunc = Callable[["Page"], str]
LinePredicate = Callable[[str], bool]  # called with a line stripped of spaces and tabs

# N101-N102 characters, N103-N104 markdown residue, N105-N108 page furniture in the
# body, N109-N112 page structure (header, repeats, footer), N114-N115 more furniture
# (ads, social prompts, copyright), N113 layout last.
NORMALIZER_ORDER = (
    "N101", "N102", "N103", "N104", "N105", "N106", "N107", "N108",
    "N109", "N110", "N111", "N112", "N114", "N115", "N113",
)  # fmt: skip


class Edit(enum.Flag):
    """What a rule's edits do to a text, and which edits by other rules a rule sees."""

    NONE = 0
    CHARS = enum.auto()  # text inside a line changes (characters or words go)
    LINES = enum.auto()  # whole lines go; the others are left as they were
    LAYOUT = enum.auto()  # only spaces and tabs at line ends and blank lines change
    ANY = CHARS | LINES | LAYOUT


Reads = Callable[["Change"], bool]


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    slug: str
    func: RuleFunc
    edits: Edit = Edit.ANY  # the kinds of edit this rule makes
    sees: Edit = Edit.ANY  # the kinds of edit by another rule that can give it new work
    reads: Reads | None = None  # does a change touch the part of the text it reads?
    local: bool = False  # judges each line alone: asked about the changed lines only
    trusts: tuple[str, ...] = ()  # rules whose edits its own reading already accounts for
    drops: LinePredicate | None = None  # the lines it deletes whole, judged alone
    blanks: LinePredicate | None = None  # the lines it empties (a blank line is left)
    on_page: PageFunc | None = None  # reads the parsed Page; `func` parses one itself

    @property
    def doc(self) -> str:
        return (self.func.__doc__ or "").strip()

    @property
    def summary(self) -> str:
        return self.doc.splitlines()[0] if self.doc else ""


RULES: dict[str, Rule] = {}  # in NORMALIZER_ORDER, whatever the import order


def normalizer(
    code: str,
    slug: str,
    *,
    edits: Edit = Edit.ANY,
    sees: Edit = Edit.ANY,
    reads: Reads | None = None,
    local: bool = False,
    trusts: tuple[str, ...] = (),
    drops: LinePredicate | None = None,
    blanks: LinePredicate | None = None,
) -> Callable[[RuleFunc], RuleFunc]:
    """Register `func` as the rule `code` / `slug`; codes and slugs are unique.

    `edits`, `sees`, `reads`, `local` and `trusts` tell the fixed-point runner
    when the rule must look at the text again (see `normalize`); the defaults
    are the safe ones: any edit by another rule makes it due.

    A rule that deletes (`drops`) or empties (`blanks`) lines judged one by one
    declares its line predicate: the page parser reads through such lines (see
    `transparent_lines`), so it need not know the rule.
    """

    def register(func: RuleFunc) -> RuleFunc:
        add_rule(Rule(code, slug, func, edits, sees, reads, local, trusts, drops, blanks))
        return func

    return register


def add_rule(rule: Rule) -> None:
    """Register `rule`; codes and slugs are unique, and every code has its place in the order."""
    if rule.code in RULES or any(r.slug == rule.slug for r in RULES.values()):
        raise ValueError(f"normalizer {rule.code} {rule.slug} registered twice")
    if rule.code not in NORMALIZER_ORDER:
        raise ValueError(f"normalizer {rule.code} has no place in NORMALIZER_ORDER")
    RULES[rule.code] = rule
    ordered = sorted(RULES.values(), key=lambda r: NORMALIZER_ORDER.index(r.code))
    RULES.clear()
    RULES.update((r.code, r) for r in ordered)
    _transparent.clear()


_transparent: list[tuple[tuple[LinePredicate, ...], tuple[LinePredicate, ...]]] = []


def transparent_lines() -> tuple[tuple[LinePredicate, ...], tuple[LinePredicate, ...]]:
    """(drops, blanks): the line predicates of the registered rules that run before the
    first page rule. The page parser reads through those lines, so its reading is the
    same whether or not their rules ran first; a rule after the page rules gives them
    new work through the runner instead. Registered rules, enabled or not: a config
    that turns a rule off does not change how the header is read.
    """
    if not _transparent:
        first = next((i for i, r in enumerate(RULES.values()) if r.on_page), len(RULES))
        before = list(RULES.values())[:first]
        _transparent.append(
            (
                tuple(r.drops for r in before if r.drops is not None),
                tuple(r.blanks for r in before if r.blanks is not None),
            )
        )
    return _transparent[0]
