"""Language identification: L001, L002, `language = "detect"` and M006's hint."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_tool.config import Config
from corpus_tool.pipeline import process_document
from corpus_tool.sources import Item
from corpus_tool.validate.language import (
    FUNCTION_WORDS,
    GUARD_SHARE,
    GUARD_WORDS,
    detect,
    primary,
    reads_as,
)
from tests.conftest import Corpus, check, invoke

# One short news paragraph per language (written for these tests).
TEXTS = {
    "en": "The government decided on Wednesday to expand aid to the affected regions. "
    "According to the ministry, the money is to flow this year so that the towns can rebuild.",
    "de": "Die Bundesregierung hat am Mittwoch beschlossen, die Hilfen für die betroffenen "
    "Regionen deutlich auszuweiten. Die Mittel sollen noch in diesem Jahr fließen.",
    "fr": "Le gouvernement a décidé mercredi d'étendre l'aide aux régions touchées. Selon le "
    "ministère, l'argent doit arriver cette année afin que les communes puissent reconstruire.",
    "es": "El gobierno decidió el miércoles ampliar la ayuda a las regiones afectadas. Según el "
    "ministerio, el dinero llegará este año para que los municipios puedan reconstruir.",
    "it": "Il governo ha deciso mercoledì di estendere gli aiuti alle regioni colpite. Secondo il "
    "ministero, i fondi arriveranno quest'anno perché i comuni possano ricostruire.",
    "ru": "Правительство в среду решило расширить помощь пострадавшим регионам. По словам "
    "министерства, деньги поступят в этом году, чтобы города могли начать восстановление.",
    "hy": "Կառավարությունը չորեքշաբթի օրը որոշեց ընդլայնել օգնությունը տուժած շրջաններին։ "
    "Նախարարության խոսքով՝ գումարը կհատկացվի այս տարի, որպեսզի համայնքները վերականգնվեն։",
    "ja": "政府は水曜日、被害を受けた地域への支援を拡大することを決めた。省によると、"
    "町が復興を始められるよう、資金は今年中に支給される。",
}


@pytest.mark.parametrize("language", sorted(TEXTS))
def test_detects_the_language_of_news_in_several_languages(language: str) -> None:
    guess = detect(TEXTS[language])
    assert guess.language == language
    assert guess.confident(0.9)


def run(text: str, config: Config, stated: str | None = None) -> list[tuple[str, str]]:
    row = {"id": "doc", "text": text, **({"language": stated} if stated else {})}
    item = Item("jsonl", "s.jsonl", 1, json.dumps(row).encode())
    out = process_document(item, config)
    return [(f.code, f.message) for f in config.apply(out.findings) if f.code[0] in "LM"]


@pytest.mark.parametrize("language", sorted(TEXTS))
def test_a_right_declaration_gives_no_l_finding(language: str) -> None:
    assert run(TEXTS[language], Config(), stated=language) == [
        ("M007", f"recommended field `{name}` is missing")
        for name in ("title", "authors", "published", "source", "url")
    ]


@pytest.mark.parametrize("language", sorted(set(TEXTS) - {"en"}))
def test_l001_names_both_languages_and_the_confidence(language: str) -> None:
    found = [m for c, m in run(TEXTS[language], Config(language="en")) if c == "L001"]
    assert len(found) == 1
    assert found[0].startswith(
        f"`language` is `en` but the text reads as `{language}` (confidence "
    )


def test_a_region_subtag_and_an_alias_are_the_same_language() -> None:
    assert primary("en-GB") == "en" and primary("pt_BR") == "pt" and primary("nb") == "no"
    assert not [c for c, _ in run(TEXTS["en"], Config(), stated="en-GB") if c[0] == "L"]


def test_l002_on_short_and_mixed_text() -> None:
    short = run("Yerevan, 2023.", Config(language="en"))
    assert ("L002", "too little text to identify its language") in short
    mixed = run("Merci beaucoup, danke schön, grazie mille, muchas gracias.", Config(language="en"))
    assert [c for c, _ in mixed if c[0] == "L"] == ["L002"]


def test_the_function_word_guard_only_confirms_english() -> None:
    assert reads_as(TEXTS["en"] * 2, "en")
    for language in set(TEXTS) - {"en"}:
        assert not reads_as(TEXTS[language] * 3, "en"), language
    assert not reads_as(TEXTS["de"] * 3, "de")  # no list: the model decides


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("abcdthe ofTHE\n\t.,'’éÉßİ\u212a\u0130-_09 😀"), max_size=900)
)
def test_the_guard_reads_the_words_a_regex_would(text: str) -> None:
    """The guard's bytes-and-split word finding equals `[a-z]+` on the lowercased text."""
    head = text[: GUARD_WORDS * 8].lower()
    words = re.findall(r"[a-z]+", head)[:GUARD_WORDS]
    expected = len(words) >= GUARD_WORDS // 2 and sum(
        w.encode() in FUNCTION_WORDS["en"] for w in words
    ) >= GUARD_SHARE * len(words)
    assert reads_as(text, "en") == expected


def test_detect_fills_a_missing_language_when_sure() -> None:
    config = Config(language="detect")
    assert config.default_language is None and config.detect_language
    row = {"id": "doc", "text": TEXTS["fr"]}
    out = process_document(Item("jsonl", "s.jsonl", 1, json.dumps(row).encode()), config)
    assert out.valid and out.record is not None and out.record["language"] == "fr"
    assert not [f for f in out.findings if f.code in ("M006", "L001", "L002")]


def test_detect_keeps_m006_below_the_confidence() -> None:
    for config in (Config(language="detect"), Config(language="detect", language_confidence=1.0)):
        text = "Yerevan, 2023." if config.language_confidence < 1 else TEXTS["de"][:60]
        codes = [c for c, _ in run(text, config)]
        assert "M006" in codes and "L002" not in codes


def test_m006_hint_names_the_majority_language_when_none_is_stated(corpus: Corpus) -> None:
    corpus.configure()  # language = "en" is in the template: drop it
    (corpus.root / "pyproject.toml").write_text(
        '[tool.corpus-tool]\nname = "demo"\npaths = ["corpus"]\n', encoding="utf-8"
    )
    corpus.write("a.txt", TEXTS["de"])
    corpus.write("b.txt", TEXTS["de"].replace("Mittwoch", "Donnerstag"))
    corpus.write("c.txt", TEXTS["fr"])
    _, findings, _ = check()
    hints = {f["hint"] for f in findings if f["code"] == "M006"}
    assert hints == {
        'No document states `language`; 2 of 3 read as `de`: add `language = "de"` to '
        '[tool.corpus-tool] (or `language = "detect"` to take each document\'s detected language).'
    }


def test_m006_hint_is_the_plain_one_when_some_document_states_a_language(corpus: Corpus) -> None:
    (corpus.root / "pyproject.toml").write_text(
        '[tool.corpus-tool]\nname = "demo"\npaths = ["corpus"]\n', encoding="utf-8"
    )
    corpus.write("a.txt", TEXTS["de"])
    corpus.write("b.txt", TEXTS["fr"])
    corpus.sidecar("b", {"language": "fr"})
    _, findings, _ = check()
    assert [f["hint"] for f in findings if f["code"] == "M006"] == [
        "Add the field; `language` can come from `language` in [tool.corpus-tool]."
    ]


def test_language_detect_is_accepted_and_other_words_are_not(corpus: Corpus) -> None:
    corpus.configure("language_confidence = 0.8")
    corpus.write("a.txt", TEXTS["en"])
    assert invoke("check").exit_code == 0
    (corpus.root / "pyproject.toml").write_text(
        '[tool.corpus-tool]\nname = "demo"\npaths = ["corpus"]\nlanguage = "guess"\n',
        encoding="utf-8",
    )
    assert invoke("check").exit_code == 2
