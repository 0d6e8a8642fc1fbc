"""Language checks: the declared language against the one the text is written in.

The identifier is py3langid (a modernized langid.py: a naive Bayes model over byte
n-grams, 97 languages, its model file inside its wheel, nothing downloaded). It was
chosen by measurement (`benchmarks/language/`): on 514 labelled documents in 37
languages it was as accurate as lingua (0.97 on single sentences, 1.00 on longer
text, no error where it is 90% sure) at 2.3 ms a document against lingua's 17 ms
and langid's 20 ms, in 4.5 MB installed against lingua's 96 MB.

It reads a bounded prefix of the text (`SAMPLE_CHARS`), so a check costs the same
on a long document as on a short one. Its probabilities are normalized, so the
top one is a confidence: at or above `language_confidence` the guess is trusted.

A cheap guard spares most documents the model: a text declared English whose
first hundred words hold at least 11% English function words is English (the model
would say so too), which costs a split and a set lookup per word.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from corpus_tool.findings import Severity
from corpus_tool.registry import Hit, check

SAMPLE_CHARS = 1500  # characters of the text the detector reads: cost independent of length
MIN_LETTERS = 20  # fewer letters than this: too little text to tell its language
GUARD_WORDS = 100  # words the function-word guard reads
GUARD_SHARE = 0.11  # share of them that must be function words of the declared language

# Frequent English function words that are not also words of another language in
# the sample (no `a`, `in`, `is`, `was`, `also`, `die`...). In the language sample
# their share of a text's first 100 words is 0.09 and more in English (0.14 and more
# in English news; 0.13 in generated news), at most 0.08 in the 36 other languages.
_WORDS_EN = (
    "about after against and because been before being between but by could during for "
    "from has have him his if into its more not of one only other our said says she "
    "should some such than that the their them there these they this those to told "
    "were what when where which while who with would you your"
)
FUNCTION_WORDS = {
    "en": frozenset(_WORDS_EN.encode("ascii").split()),
}
# Tags that name the same language as another (the detector's tag first).
SAME_LANGUAGE = {"nb": "no", "nn": "no", "iw": "he", "in": "id", "ji": "yi", "jw": "jv"}
WORD = re.compile(r"[^\W\d_]+")
# The guard's words are the runs of ASCII letters of the lowercased text: bytes with
# every other byte made a space, split (as `[a-z]+` would find them, without a regex).
_LETTERS_ONLY = bytes(c if 97 <= c <= 122 else 32 for c in range(256))


@dataclass(frozen=True, slots=True)
class Guess:
    """What the detector says of a text: a language and how sure it is."""

    language: str | None  # None: too little text to try
    confidence: float
    second: tuple[str, float] | None = None  # the runner-up, for an uncertain guess

    def confident(self, threshold: float) -> bool:
        return self.language is not None and self.confidence >= threshold


@functools.cache
def _identifier() -> Any:
    """py3langid's identifier with normalized probabilities, loaded once per process."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def primary(tag: str) -> str:
    """The primary language subtag of a BCP 47 tag, lowercased, aliases merged."""
    code = tag.split("-", 1)[0].split("_", 1)[0].lower()
    return SAME_LANGUAGE.get(code, code)


def detect(text: str) -> Guess:
    """The language of `text`, from its first SAMPLE_CHARS characters."""
    sample = text[:SAMPLE_CHARS]
    letters = sum(len(w) for w in WORD.findall(sample))
    if letters < MIN_LETTERS:
        return Guess(None, 0.0)
    ranked = _identifier().rank(sample)
    (lang, conf), runner = ranked[0], ranked[1] if len(ranked) > 1 else None
    second = (primary(runner[0]), float(runner[1])) if runner else None
    return Guess(primary(lang), float(conf), second)


def reads_as(text: str, language: str) -> bool:
    """The cheap guard: enough of the first words of `text` are function words of
    `language` (only for languages with a list; otherwise False: ask the model)."""
    words = FUNCTION_WORDS.get(primary(language))
    if words is None:
        return False
    head = text[: GUARD_WORDS * 8]
    # ASCII text lowercases as bytes; other text first as str, where a letter may
    # lowercase to an ASCII one (`K` the kelvin sign), and its other letters are no words.
    low = head.encode().lower() if head.isascii() else head.lower().encode("ascii", "replace")
    sample = low.translate(_LETTERS_ONLY).split()[:GUARD_WORDS]
    if len(sample) < GUARD_WORDS // 2:  # too short to judge by a share
        return False
    return sum(map(words.__contains__, sample)) >= GUARD_SHARE * len(sample)


def _percent(confidence: float) -> str:
    return f"{confidence:.0%}" if confidence < 0.995 else f"{confidence:.1%}"


@check(
    "L001",
    "language-mismatch",
    Severity.WARNING,
    hint="Fix `language` in the sidecar or the row, or the corpus default in [tool.corpus-tool].",
)
def language_mismatch(declared: str, guess: Guess, threshold: float) -> Iterator[Hit]:
    """The declared language differs from the one detected with high confidence."""
    if guess.confident(threshold) and guess.language != primary(declared):
        message = (
            f"`language` is `{declared}` but the text reads as `{guess.language}` "
            f"(confidence {_percent(guess.confidence)})"
        )
        yield Hit(message, field="language")


@check(
    "L002",
    "language-uncertain",
    Severity.INFO,
    hint="Short or mixed text: check `language` by hand.",
)
def language_uncertain(guess: Guess, threshold: float) -> Iterator[Hit]:
    """The detector cannot decide the language (short or mixed text)."""
    if guess.language is None:
        yield Hit("too little text to identify its language", field="language")
    elif guess.confidence < threshold:
        runner = f", then `{guess.second[0]}` {_percent(guess.second[1])}" if guess.second else ""
        message = (
            f"language uncertain: `{guess.language}` {_percent(guess.confidence)}{runner} "
            f"(below {_percent(threshold)})"
        )
        yield Hit(message, field="language")
