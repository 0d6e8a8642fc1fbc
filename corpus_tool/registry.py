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

if TYPE_CHECKING:  # the runner's view of an edit; only its type is named here
    from corpus_tool.normalize import Change

RuleFunc = Callable[[str], str]

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
) -> Callable[[RuleFunc], RuleFunc]:
    """Register `func` as the rule `code` / `slug`; codes and slugs are unique.

    `edits`, `sees`, `reads`, `local` and `trusts` tell the fixed-point runner
    when the rule must look at the text again (see `normalize`); the defaults
    are the safe ones: any edit by another rule makes it due.
    """

    def register(func: RuleFunc) -> RuleFunc:
        if code in RULES or any(r.slug == slug for r in RULES.values()):
            raise ValueError(f"normalizer {code} {slug} registered twice")
        if code not in NORMALIZER_ORDER:
            raise ValueError(f"normalizer {code} has no place in NORMALIZER_ORDER")
        RULES[code] = Rule(code, slug, func, edits, sees, reads, local, trusts)
        ordered = sorted(RULES.values(), key=lambda r: NORMALIZER_ORDER.index(r.code))
        RULES.clear()
        RULES.update((r.code, r) for r in ordered)
        return func

    return register
