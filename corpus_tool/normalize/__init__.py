"""Normalizer rules: a registry of small named text -> text functions.

Each rule has a stable code (`N1xx`), a slug and a docstring whose first line
is its one-line description (`corpus-tool rules` prints it). Rules run in
registration order; `normalize` reports which of them changed the text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

RuleFunc = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    slug: str
    func: RuleFunc

    @property
    def doc(self) -> str:
        return (self.func.__doc__ or "").strip()

    @property
    def summary(self) -> str:
        return self.doc.splitlines()[0] if self.doc else ""


RULES: dict[str, Rule] = {}


def normalizer(code: str, slug: str) -> Callable[[RuleFunc], RuleFunc]:
    """Register `func` as the rule `code` / `slug`; codes and slugs are unique."""

    def register(func: RuleFunc) -> RuleFunc:
        if code in RULES or any(r.slug == slug for r in RULES.values()):
            raise ValueError(f"normalizer {code} {slug} registered twice")
        RULES[code] = Rule(code, slug, func)
        return func

    return register


@dataclass(slots=True)
class Normalized:
    text: str
    applied: list[str] = field(default_factory=list)


def normalize(
    text: str,
    enabled: Callable[[str], bool] | None = None,
    rules: Iterable[Rule] | None = None,
) -> Normalized:
    """Run every enabled rule in order; `applied` lists the codes that changed the text.

    `rules` runs a part of the registry (in registry order), so a caller can
    look at the text between two stages: see `split_rules`.
    """
    applied = []
    for rule in RULES.values() if rules is None else rules:
        if enabled is not None and not enabled(rule.code):
            continue
        new = rule.func(text)
        if new != text:
            applied.append(rule.code)
            text = new
    return Normalized(text, applied)


def split_rules(first_of_second: str) -> tuple[list[Rule], list[Rule]]:
    """The registry in two parts: the rules before code `first_of_second`, and the rest."""
    codes = list(RULES)
    cut = codes.index(first_of_second)
    return [RULES[c] for c in codes[:cut]], [RULES[c] for c in codes[cut:]]


# Rule modules register themselves on import, in pipeline order.
from corpus_tool.normalize import rules as _rules  # noqa: E402,F401
