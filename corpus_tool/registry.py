"""The registry: every finding code and every normalizer rule, and their order.

A normalizer rule registers itself with `@normalizer(code, slug)`; the order in
which rules run is `NORMALIZER_ORDER` here, the one place that states it (codes
are stable names, not positions: a rule added later gets the next free code and
its place in this list).

A check registers itself with `@check(code, slug, severity, hint=...)` (or
`declare(...)` when no one function finds it): the code, its family, summary
and hint are stated there and nowhere else. Codes are never reused: a retired
code stays registered with `removed=True`. Selection (`select`/`ignore`) is
decided here too.
"""

from __future__ import annotations

import enum
import functools
import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypedDict

from corpus_tool.findings import Finding, Severity

if TYPE_CHECKING:  # the runner's view of an edit and the parsed page; only types named here
    from corpus_tool.normalize import Change
    from corpus_tool.parse.page import Page

RuleFunc = Callable[[str], str]
PageFunc = Callable[["Page"], str]
LinePredicate = Callable[[str], bool]  # called with a line stripped of spaces and tabs

# N116-N118 encoding repair first (mojibake, entities, tags: what the others would
# misread), N101-N102 characters, N103 escaped markdown, N119-N121 and N123 boilerplate
# by its shape while links still show (comment sections, link lists, controls,
# prompts), N104 dead links, N105-N108 page furniture in the body, N109-N112 page
# structure (header, repeats, footer), N114-N115 more furniture (ads, social prompts,
# copyright), N122 the trailer under what is left, N126 redaction (off by default),
# N113 layout last.
NORMALIZER_ORDER = (
    "N116", "N117", "N118", "N101", "N102", "N103",
    "N119", "N120", "N121", "N123",
    "N104", "N105", "N106", "N107", "N108",
    "N109", "N110", "N111", "N112", "N114", "N115", "N122", "N126", "N113",
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
    default: bool = True  # on unless deselected; False: off unless `select`ed by its code

    @property
    def doc(self) -> str:
        return (self.func.__doc__ or "").strip()

    @property
    def summary(self) -> str:
        return summary_of(self.func)


def summary_of(func: Callable[..., object]) -> str:
    """The first line of a unit's docstring: its one-line description."""
    doc = (func.__doc__ or "").strip()
    return doc.splitlines()[0] if doc else ""


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
    default: bool = True,
) -> Callable[[RuleFunc], RuleFunc]:
    """Register `func` as the rule `code` / `slug`; codes and slugs are unique.

    `edits`, `sees`, `reads`, `local` and `trusts` tell the fixed-point runner
    when the rule must look at the text again (see `normalize`); the defaults
    are the safe ones: any edit by another rule makes it due.

    A rule that deletes (`drops`) or empties (`blanks`) lines judged one by one
    declares its line predicate: the page parser reads through such lines (see
    `transparent_lines`), so it need not know the rule.

    A rule with `default=False` (one that changes content, such as redaction) runs
    only where `select` or `extend_select` names its code in full.
    """

    def register(func: RuleFunc) -> RuleFunc:
        rule = Rule(code, slug, func, edits, sees, reads, local, trusts, drops, blanks)
        add_rule(replace(rule, default=default) if not default else rule)
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


# -------------------------------------------------------------------- checks

# Code families, as in ruff, in the order `corpus-tool rules` lists them.
FAMILIES = {
    "E": "input and encoding",
    "M": "metadata and schema",
    "N": "normalization",
    "D": "duplicates",
    "L": "language",
    "P": "personal data and secrets",
}
FIX_HINT = "Applied by normalization; disable with `ignore` in [tool.corpus-tool]."

# The modules that declare checks and normalizer rules: `load_all` imports them, so
# the whole table is known (for `rules`, and to validate select/ignore) whatever
# the caller imported. Module names, not imports: the registry is the foundation.
UNIT_MODULES = (
    "corpus_tool.sources.decode",
    "corpus_tool.sources.read",
    "corpus_tool.normalize",
    "corpus_tool.extract",
    "corpus_tool.validate.metadata",
    "corpus_tool.validate.residue",
    "corpus_tool.validate.language",
    "corpus_tool.validate.personal",
    "corpus_tool.validate.dedup",
)


@dataclass(frozen=True, slots=True)
class Hit:
    """What a check found, and where, as far as the check knows it; the runner
    adds the code, severity, hint, path and document (and a line the check left out)."""

    message: str
    line: int | None = None
    column: int | None = None
    field: str | None = None
    related: tuple[str, ...] = ()
    evidence: str | None = None  # text to find in the raw document for the line, if unknown


class At(TypedDict):
    """Where a document is, for the runner to stamp on its findings (`Check.run(**at)`)."""

    path: str | None
    line: int | None
    doc_id: str | None


CheckFunc = Callable[..., Iterator[Hit]]


@dataclass(frozen=True, slots=True)
class Check:
    """A finding code: what it means, and (for most) the function that finds it.

    A check without a function is found by code that is not a per-document check
    (reading files, the corpus-wide duplicate checks); it still names its code
    only here, and makes its findings with `finding`."""

    code: str
    slug: str
    severity: Severity
    summary: str
    hint: str
    func: CheckFunc | None = None
    removed: bool = False  # a retired code: never reused, still listed

    @property
    def family(self) -> str:
        return FAMILIES[self.code[0]]

    def finding(
        self,
        hit: Hit | str,
        *,
        path: str | None = None,
        line: int | None = None,
        doc_id: str | None = None,
    ) -> Finding:
        """A Finding of this code; a hit's own line wins over `line`."""
        if isinstance(hit, str):
            hit = Hit(hit)
        return Finding(
            code=self.code,
            severity=self.severity,
            message=hit.message,
            path=path,
            line=hit.line if hit.line is not None else line,
            column=hit.column,
            doc_id=doc_id,
            field=hit.field,
            related=list(hit.related),
            hint=self.hint,
            slug=self.slug,
        )

    def run(
        self,
        *args: Any,
        path: str | None = None,
        line: int | None = None,
        doc_id: str | None = None,
    ) -> list[Finding]:
        """The findings of the check function over `args`, stamped with this code."""
        assert self.func is not None, f"{self.code} has no check function"
        return [self.finding(h, path=path, line=line, doc_id=doc_id) for h in self.func(*args)]

    def __call__(self, *args: Any) -> Iterator[Hit]:
        assert self.func is not None, f"{self.code} has no check function"
        return self.func(*args)


CHECKS: dict[str, Check] = {}  # by code; `checks()` lists them in code order


def _register(entry: Check) -> Check:
    if entry.code[:1] not in FAMILIES or entry.code in CHECKS or entry.code in RULES:
        raise ValueError(f"check {entry.code} {entry.slug}: a code of no family, or taken")
    if any(c.slug == entry.slug for c in CHECKS.values()):
        raise ValueError(f"check {entry.code}: slug {entry.slug} taken")
    CHECKS[entry.code] = entry
    return entry


def check(
    code: str, slug: str, severity: Severity, *, hint: str, removed: bool = False
) -> Callable[[CheckFunc], Check]:
    """Register `func` as the check of `code`: its docstring's first line is the
    code's summary. The function yields `Hit`s; `Check.run` stamps them."""

    def register(func: CheckFunc) -> Check:
        return _register(Check(code, slug, severity, summary_of(func), hint, func, removed))

    return register


def declare(
    code: str, slug: str, severity: Severity, summary: str, hint: str, *, removed: bool = False
) -> Check:
    """Register a code found outside a check function (see `Check`), or a retired one."""
    return _register(Check(code, slug, severity, summary, hint, None, removed))


def load_all() -> None:
    """Import every module that declares checks or rules (see UNIT_MODULES)."""
    for name in UNIT_MODULES:
        importlib.import_module(name)


def checks() -> list[Check]:
    """Every declared check, by family, then code."""
    load_all()
    return sorted(CHECKS.values(), key=lambda c: family_key(c.code))


def family_key(code: str) -> tuple[int, str]:
    return list(FAMILIES).index(code[0]), code


@functools.cache
def all_codes() -> frozenset[str]:
    """Every code a selector can name: the checks' and the normalizer rules'."""
    load_all()
    return frozenset(CHECKS) | frozenset(RULES)


@functools.lru_cache(maxsize=64)
def enabled_codes(
    select: tuple[str, ...], ignore: tuple[str, ...], extend: tuple[str, ...] = ()
) -> frozenset[str]:
    """Every code that `select`, `extend` (extend-select) and `ignore` leave on (asked
    once per selection). A rule off by default (`Rule.default`) is on only where
    `select` or `extend` names its code in full."""
    return frozenset(c for c in all_codes() if is_enabled(c, select, ignore, extend))


def is_enabled(
    code: str, select: tuple[str, ...], ignore: tuple[str, ...], extend: tuple[str, ...] = ()
) -> bool:
    """`selected`, with `extend` added to `select` and default-off rules honoured."""
    rule = RULES.get(code)
    if rule is not None and not rule.default and code not in select and code not in extend:
        return False
    if extend and selected(code, extend, ignore):
        return True
    return selected(code, select, ignore)


@functools.lru_cache(maxsize=4096)
def selected(code: str, select: tuple[str, ...], ignore: tuple[str, ...]) -> bool:
    """ruff's selection: the longest matching selector wins; ignore wins ties.
    An empty `select` selects every code."""
    best_select = max((len(s) for s in select if code.startswith(s)), default=-1)
    if not select:
        best_select = 0
    best_ignore = max((len(s) for s in ignore if code.startswith(s)), default=-1)
    return best_select >= 0 and best_select > best_ignore
