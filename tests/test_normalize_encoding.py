"""Encoding repair (N116 mojibake, N117 html-entities, N118 html-tags): clean text is
left alone, debris is repaired wherever it stands and settles in one run, the residue
checks stop firing on what was repaired, and pathological inputs stay linear.
"""

from __future__ import annotations

import html
from pathlib import Path

import ftfy.bad_codecs  # noqa: F401  registers `sloppy-windows-1252`
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from corpus_tool.normalize import RULES, normalize
from corpus_tool.normalize.encoding import _MOJIBAKE
from corpus_tool.validate.residue import markup, mojibake
from tests.test_normalize_pathological import BOUND_S, FLOOR_S, MAX_RATIO, _seconds

PROFILE = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ENCODING = ("N116", "N117", "N118")
GOLDEN = Path(__file__).resolve().parent / "golden" / "rules"

# Words as clean text holds them: accents, curly quotes, dashes, other scripts,
# Portuguese capitals with Ã (`NÃO`), signs next to letters.
CLEAN_WORDS = [
    "café", "naïve", "Zürich", "São", "NÃO", "IRMÃ", "Fuß", "résumé", "Ελληνικά", "Русский",
    "Հայերեն", "中文", "한국어", "日本語", "Chișinău", "Ærø", "Ça", "Øresund", "£5", "€10",
    "½", "3×4", "20°C", "§2", "ÉTÉ", "à", "él", "ü", "x", "AT&T", "Q&A", "a<b", "<EMAIL>", "<3",
    "<https://e.org/a>", "MAÇÃ", "LÃ", "List<String>", "x<y>z", "<name@x.org>", "&c", "R&D;",
    "<s>", "</s>",
]  # fmt: skip
OPENING = ["", "“", "‘", "«", "(", "„", "¿"]
CLOSING = ["", "”", "’", "’s", "»", ")", "…", "—", "–", ".", ",", ";", "!", "?"]


@st.composite
def clean_word(draw: st.DrawFn) -> str:
    return (
        draw(st.sampled_from(OPENING))
        + draw(st.sampled_from(CLEAN_WORDS))
        + draw(st.sampled_from(CLOSING))
    )


CLEAN_TEXT = st.lists(
    st.tuples(clean_word(), st.sampled_from([" ", " ", " — ", "\n", "\n\n", " – "])),
    max_size=40,
).map(lambda pairs: "".join(w + sep for w, sep in pairs))


@PROFILE
@given(CLEAN_TEXT)
def test_clean_text_in_many_scripts_is_left_alone(text: str) -> None:
    for code in ENCODING:
        assert RULES[code].func(text) == text, code


@PROFILE
@given(st.text())
def test_random_text_without_debris_shapes_is_left_alone(text: str) -> None:
    assume("&" not in text and "<" not in text and _MOJIBAKE.search(text) is None)
    for code in ENCODING:
        assert RULES[code].func(text) is text, code


# ---------------------------------------------------------------- debris
SENTENCES = [
    "Armenia’s prime minister said the “peacekeepers” had failed — again.",
    "The café on Abovyan Street reopened, and Étienne’s naïve résumé won.",
    "Prices rose to £5 in Zürich; the mayor said “non”.",
    "Президент заявил — переговоры “продолжатся”.",
]


def _mojibake(text: str, times: int) -> str:
    for _ in range(times):
        text = text.encode("utf-8").decode("sloppy-windows-1252")
    return text


def _entities(text: str, named: bool) -> str:
    out = html.escape(text, quote=True)
    if named:
        out = out.replace("’", "&rsquo;").replace("—", "&mdash;").replace("é", "&eacute;")
    return out.replace(" ", "&nbsp;", 1)


TAGGINGS = [
    ("<p>{}</p>", "{}"),
    ("<b>{}</b>", "{}"),
    ('<span class="lead">{}</span>', "{}"),
    ("{}<br>", "{}"),
    ("<div><!-- ad -->{}</div>", "{}"),
    ('<a href="https://e.org/a" target="_blank">{}</a>', "{}"),
]


@st.composite
def debris_line(draw: st.DrawFn) -> tuple[str, str]:
    """(raw, expected): a sentence with mojibake, entities or tags, as N116-N118 leave it."""
    sentence = draw(st.sampled_from(SENTENCES))
    kind = draw(
        st.sampled_from(["mojibake", "mojibake-twice", "entities", "escaped-twice", "tags"])
    )
    if kind.startswith("mojibake"):
        return _mojibake(sentence, 2 if kind.endswith("twice") else 1), sentence
    if kind == "entities":
        return _entities(sentence, draw(st.booleans())), sentence.replace(" ", " ", 1)
    if kind == "escaped-twice":
        raw = _entities(sentence, False).replace("&", "&amp;")
        return raw, sentence
    raw, expected = draw(st.sampled_from(TAGGINGS))
    return raw.format(sentence), expected.format(sentence)


DEBRIS_DOC = st.lists(debris_line(), min_size=1, max_size=6, unique_by=lambda pair: pair[1])


@PROFILE
@given(DEBRIS_DOC)
def test_debris_is_repaired_and_each_rule_settles_in_one_run(lines: list[tuple[str, str]]) -> None:
    text = "\n\n".join(raw for raw, _ in lines)
    for code in ENCODING:
        once = RULES[code].func(text)
        assert RULES[code].func(once) == once, code
    out = normalize(text).text
    assert normalize(out).text == out
    assert out == "\n\n".join(expected for _, expected in lines)
    assert list(markup(out)) == [] and list(mojibake(out)) == []


@PROFILE
@given(st.lists(st.sampled_from(["&", "amp;", "lt;", "gt;", "#38;", "<", ">", "b", "p", "/", " ",
                                 "Ã", "©", "â", "€", "™", "\u00a0", "x", "!--", "--", "\n"]),
                max_size=60).map("".join))  # fmt: skip
def test_encoding_soup_settles(text: str) -> None:
    for code in ENCODING:
        once = RULES[code].func(text)
        assert RULES[code].func(once) == once, (code, text, once)
    once = normalize(text).text
    assert normalize(once).text == once


# ---------------------------------------------------------------- what runs first
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # the C1 control of `”` and the no-break space of `Â\xa0` reach N116 before N101
        ("He said â€œhiâ€\x9d.", "He said “hi”."),
        ("Five\u00c2\u00a0km and a zero-width â€‹space.", "Five km and a zero-width space."),
        # an escaped tag decodes to a tag, which N118 removes
        ("&lt;p&gt;The ministry said.&lt;/p&gt;", "The ministry said."),
        # a decoded entity completes mojibake; a removed tag completes an entity
        ("caf&Atilde;&copy; reopened", "café reopened"),
        ("Smith &am<b></b>p; Wesson", "Smith & Wesson"),
        # a block tag keeps two paragraphs apart
        ("First paragraph.<p>Second paragraph.", "First paragraph.\n\nSecond paragraph."),
        ("A line<br>\n<br>\nanother", "A line\n\nanother"),
    ],
)
def test_normalize_repairs_before_the_other_rules_read(raw: str, expected: str) -> None:
    out = normalize(raw)
    assert out.text == expected
    assert normalize(out.text).text == out.text


def test_residue_markup_check_agrees_with_what_n118_keeps() -> None:
    kept = "Write to <a@example.org> or <p.s@example.org>; see <https://e.org/a>."
    assert RULES["N118"].func(kept) is kept
    assert list(markup(kept)) == []
    broken = 'The council met <span class="x>today at noon.'
    assert RULES["N118"].func(broken) is broken
    assert [hit.evidence for hit in markup(broken)] == ['<span class="x>']


def test_markup_escaped_as_text_survives_the_whole_normalizer() -> None:
    """N118 keeps `\\<html>`; N103 then keeps the backslash in front of it, or the
    next run would read a leftover tag: the line stays, and stays put."""
    raw = (GOLDEN / "N118-html-tags" / "kept-escaped.in.txt").read_text(encoding="utf-8")
    out = normalize(raw).text
    for line in ("\\<!DOCTYPE html>", '\\<html lang="en">', "\\<head>", '\\<p class="note">'):
        assert line in out
    assert normalize(out).text == out
    assert list(markup(out)) == []


def test_seed_footer_autolink_is_kept() -> None:
    text = "Body text of the article.\n\nOriginal url: <https://www.example.com/2023/a-1>"
    assert RULES["N118"].func(text) is text


DEBRIS_CASE = {
    "N116-mojibake": "repaired.in.txt",
    "N117-html-entities": "decoded.in.txt",
    "N118-html-tags": "removed.in.txt",
}


@pytest.mark.parametrize("folder", list(DEBRIS_CASE))
def test_residue_checks_fire_before_the_repair_and_not_after(folder: str) -> None:
    """N203 and N204 flag the golden debris; after the rule, nothing is left to flag."""
    raw = (GOLDEN / folder / DEBRIS_CASE[folder]).read_text(encoding="utf-8")
    check = mojibake if folder.startswith("N116") else markup
    assert list(check(raw))
    out = RULES[folder[:4]].func(raw)
    assert list(check(out)) == []


# ---------------------------------------------------------------- bounds
def _pathological(n: int) -> dict[str, tuple[str, str, str | None]]:
    """(input, rule, what the rule makes of it; None: the input as it is)."""
    return {
        "tags": ("<b>" * (n // 3), "N118", ""),
        "tag-lines": ("<p>x</p>\n" * (n // 9), "N118", "x\n" * (n // 9)),
        "unclosed-attributes": ('<a x="' * (n // 6), "N118", None),
        "comment-openers": ("<!--" * (n // 4), "N118", None),
        "script-openers": ("<script>" * (n // 8), "N118", ""),
        "entities": ("&amp;" * (n // 5), "N117", "&" * (n // 5)),
        "entity-chain": ("&" + "amp;" * (n // 4) + "lt;", "N117", "<"),
        "unknown-entities": ("&zzzz;" * (n // 6), "N117", None),
        "ampersands": ("&" * n, "N117", None),
        "mojibake": ("cafÃ© " * (n // 6), "N116", "café " * (n // 6)),
        "cut-mojibake": ("â€ " * (n // 3), "N116", None),
        "mixed-mojibake": ("cafÃ© â€ " * (n // 9), "N116", "café â€ " * (n // 9)),
        "lead-bytes": ("Ã" * n, "N116", None),
    }


N = 40_000
SMALL, LARGE = _pathological(N), _pathological(4 * N)


@pytest.mark.parametrize("name", list(SMALL))
def test_pathological_input_is_linear_and_settled(name: str) -> None:
    text, code, expected = LARGE[name]
    func = RULES[code].func
    out = func(text)
    if out != (text if expected is None else expected):
        pytest.fail(f"{code} on {name}: {len(text)} -> {len(out)} chars, {out[:60]!r}...")
    assert func(out) == out
    small, large = _seconds(func, SMALL[name][0]), _seconds(func, text)
    assert large < BOUND_S, (name, large)
    assert large / max(small, FLOOR_S) < MAX_RATIO, (name, small, large)
