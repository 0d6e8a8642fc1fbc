"""P001-P006 (personal data and secrets) and the redaction rule N126.

Golden cases: tests/golden/checks/<code>-<slug>/<case>.txt, each a document checked
through the whole pipeline (language `en`), and <case>.findings, the findings of
that code as `line:column code message`, one a line (empty: the case shows what is
kept). The L codes' cases are in the same folder and run by the same test.
"""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus_tool.config import Config
from corpus_tool.findings import Report
from corpus_tool.normalize import RULES, normalize
from corpus_tool.normalize.personal import Kind, find_all
from corpus_tool.pipeline import process_document
from corpus_tool.registry import CHECKS
from corpus_tool.render import render_github, render_json, render_text
from corpus_tool.sources import Item
from tests.conftest import Corpus, article, invoke

CHECK_DIR = Path(__file__).resolve().parent / "golden" / "checks"
CASES = sorted(CHECK_DIR.glob("*/*.txt"))
RECORD = False  # True once to write missing .findings files (then review them by eye)


def findings_of(text: str, code: str, config: Config | None = None) -> list[str]:
    config = config or Config(language="en")
    item = Item("txt", "case.txt", 1, text.encode("utf-8"))
    out = process_document(item, config)
    return [
        f"{f.line}:{f.column} {f.code} {f.message}"
        for f in config.apply(out.findings)
        if f.code == code
    ]


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_check_golden_case(case: Path) -> None:
    code, slug = case.parent.name.split("-", 1)
    assert CHECKS[code].slug == slug
    got = findings_of(case.read_text(encoding="utf-8"), code)
    expected_file = case.with_suffix(".findings")
    if RECORD and not expected_file.exists():
        expected_file.write_text("".join(f"{line}\n" for line in got), encoding="utf-8")
    assert got == expected_file.read_text(encoding="utf-8").splitlines()


def test_every_l_and_p_code_has_a_case_that_finds_and_one_that_keeps() -> None:
    codes = {c for c in CHECKS if c[0] in "LP"}
    folders = {p.name.split("-", 1)[0] for p in CHECK_DIR.iterdir() if p.is_dir()}
    assert folders == codes
    for folder in CHECK_DIR.iterdir():
        sizes = [len(f.read_text()) for f in folder.glob("*.findings")]
        assert (any(sizes) and 0 in sizes) or folder.name.startswith("L002"), folder


def test_seeds_give_no_p_findings() -> None:
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    for path in sorted(seeds.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert find_all(text) == [], path.name
        for code in ("P001", "P002", "P003", "P004", "P005", "P006"):
            assert findings_of(text, code) == [], (path.name, code)


def test_a_shard_row_names_its_line_and_where_in_the_text() -> None:
    config = Config(language="en")
    row = {"id": "r1", "text": "Body.\n\nWrite to jane.doe@example.org today.", "language": "en"}
    item = Item("jsonl", "s.jsonl", 7, json.dumps(row).encode())
    found = [f for f in process_document(item, config).findings if f.code == "P001"]
    assert [(f.line, f.column, f.message) for f in found] == [
        (7, None, "email address `j***@e***.org` (text line 3, column 10)")
    ]


# -------------------------------------------------------------------- masking

PHONES = ["+1 202 555 0143", "+44 20 7946 0958", "+49 30 901820", "+33 1 42 68 53 00"]
CARDS = ["4539 1488 0343 6467", "5555-5555-5555-4444", "378282246310005"]
IBANS = ["DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432", "FR1420041010050500013M02606"]
EMAILS = st.from_regex(r"[a-z]{3,10}\.[a-z]{3,10}@[a-z]{4,10}\.(com|org|net)", fullmatch=True)
OCTETS = st.tuples(*[st.integers(1, 223)] * 4).map(lambda t: ".".join(map(str, t)))
SECRETS = {
    Kind.EMAIL: EMAILS,
    Kind.PHONE: st.sampled_from(PHONES),
    Kind.CARD: st.sampled_from(CARDS),
    Kind.IBAN: st.sampled_from(IBANS),
    Kind.IP: OCTETS.filter(lambda s: ipaddress.ip_address(s).is_global),
    Kind.SECRET: st.from_regex(r"ghp_[A-Za-z0-9]{36}", fullmatch=True),
}


def _all_outputs(report: Report) -> str:
    return render_json(report) + render_github(report) + render_text(report)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(list(SECRETS)), data=st.data(), where=st.integers(0, 3))
def test_a_masked_span_never_appears_in_any_output_format(kind: Kind, data, where: int) -> None:
    value = data.draw(SECRETS[kind])
    sentences = [
        "The council met on Tuesday to discuss the budget for the coming year.",
        "Officials said the plan would be published in the spring.",
        "Residents were asked to send comments before the end of the month.",
    ]
    sentences.insert(where, f"Contact: {value} for details.")
    text = " ".join(sentences) + "\n"
    config = Config(language="en")
    out = process_document(Item("txt", "doc.txt", 1, text.encode()), config)
    report = Report(findings=config.apply(out.findings), documents=1)
    found = {f.code for f in report.findings if f.code.startswith("P")}
    assert found, text  # the planted value is found...
    assert value not in _all_outputs(report)  # ...and shown masked in every format
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 8 and kind is not Kind.IP:  # nor its digits run together
        assert digits[-6:] not in _all_outputs(report)


def test_release_card_and_manifest_never_show_a_finding_value(corpus: Corpus) -> None:
    corpus.write(
        "doc1.txt", article(1) + "\nWrite to jane.roe@example.org or call +1 202 555 0143.\n"
    )
    corpus.write("doc2.txt", article(2))
    result = invoke("build", "--version", "1.0.0")
    assert result.exit_code == 0, result.stderr
    release = corpus.root / "dist" / "demo-1.0.0"
    for name in ("README.md", "manifest.json", "croissant.json", "CHANGELOG.md"):
        shown = (release / name).read_text(encoding="utf-8")
        assert "jane.roe@example.org" not in shown and "555 0143" not in shown, name
    assert "jane.roe@example.org" not in result.stdout + result.stderr


# -------------------------------------------------------------------- severity and build


def test_p006_as_error_makes_build_refuse(corpus: Corpus) -> None:
    corpus.configure('[tool.corpus-tool.severity]\nP006 = "error"')
    corpus.write("doc1.txt", article(1) + "\nThe key AKIAIOSFODNN7EXAMPLE was in the text.\n")
    result = invoke("build", "--version", "1.0.0")
    assert result.exit_code == 1
    assert "P006" in result.stderr and "no release was written" in result.stderr
    assert not (corpus.root / "dist" / "demo-1.0.0").exists()


def test_p006_is_a_warning_by_default_and_build_goes_on(corpus: Corpus) -> None:
    corpus.write("doc1.txt", article(1) + "\nThe key AKIAIOSFODNN7EXAMPLE was in the text.\n")
    assert invoke("build", "--version", "1.0.0").exit_code == 0


# -------------------------------------------------------------------- redaction N126

PLANTED = (
    "Write to jane.roe@example.org, call +1 202 555 0143, server 185.220.101.4, "
    "card 4539 1488 0343 6467, IBAN DE89 3704 0044 0532 0130 00, key AKIAIOSFODNN7EXAMPLE."
)
REDACTED = "Write to <EMAIL>, call <PHONE>, server <IP>, card <CARD>, IBAN <IBAN>, key <SECRET>."


def test_redaction_is_off_by_default() -> None:
    assert "N126" not in Config().enabled_codes()
    assert "N126" not in Config(select=["N"]).enabled_codes()
    assert normalize(PLANTED).text == PLANTED


@pytest.mark.parametrize("key", ["select", "extend_select"])
def test_redaction_is_turned_on_by_naming_it(key: str) -> None:
    config = Config(**{key: ["N126"] if key == "extend_select" else ["N", "P", "M", "E", "D"]})
    if key == "select":
        config = Config(select=["N126", "N1", "P", "M", "E", "D"])
    assert "N126" in config.enabled_codes()
    assert "N101" in config.enabled_codes()


def test_redaction_replaces_each_span_with_a_typed_placeholder_and_is_recorded(
    corpus: Corpus,
) -> None:
    assert RULES["N126"].func(PLANTED) == REDACTED
    corpus.configure('extend_select = ["N126"]')
    corpus.write("doc1.txt", article(1) + "\n" + PLANTED + "\n")
    result = invoke("check", "--format", "json")
    assert not [f for f in result.json()["findings"] if f["code"].startswith("P")]
    assert invoke("build", "--version", "1.0.0").exit_code == 0
    import gzip

    shard = next((corpus.root / "dist" / "demo-1.0.0" / "jsonl").glob("*.jsonl.gz"))
    record = json.loads(gzip.decompress(shard.read_bytes()).splitlines()[0])
    assert REDACTED in record["text"] and "N126" in record["normalization"]


def test_a_config_may_not_name_an_unknown_extend_select() -> None:
    from corpus_tool.config import ConfigError, parse_config

    with pytest.raises(ConfigError, match="X999"):
        parse_config({"extend_select": ["X999"]}, source="t", root=Path("."))


@pytest.mark.parametrize(
    "token",
    [
        "ghp_" + "A" * 36,  # random letters hold no digit in one GitHub token of ~600
        "ghp_" + "aBcDeFgHiJkLmNoPqRsTuVwXyZaBcDeFgHiJ",
        "AKIA" + "ABCDEFGHIJKLMNOP",
        "sk_live_" + "abcdefghijklmnopqrstuvwx",
    ],
)
def test_a_token_without_a_digit_is_still_a_secret(token: str) -> None:
    text = f"The key {token} was left in the page."
    assert [span.kind for span in find_all(text)] == [Kind.SECRET]


def test_long_words_of_prose_are_no_secret() -> None:
    text = "Internationalization of counterrevolutionaries: NONCOMMUNICATIONS, McDonaldization."
    assert find_all(text) == []
