"""Metadata extraction on the seeds and on the variants other publishers use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_tool.extract import Extracted, extract
from corpus_tool.normalize import normalize
from corpus_tool.parse.header import parse_header
from corpus_tool.parse.names import is_byline_head, parse_byline, split_glued

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def test_seed_000() -> None:
    assert extract(_seed("000")) == Extracted(
        title="Nagorno-Karabakh Crisis Deepens Divides in Armenia Toward Russia",
        authors=["Moscow Times Reporter"],
        published=dt.date(2023, 9, 28),
        url="https://www.themoscowtimes.com/2023/09/28/"
        "nagorno-karabakh-crisis-deepens-divides-in-armenia-toward-russia-a82586",
    )


def test_seed_001_has_two_glued_authors_and_nothing_else() -> None:
    assert extract(_seed("001")) == Extracted(authors=["Robyn Dixon", "Francesca Ebel"])


def test_seed_002() -> None:
    assert extract(_seed("002")) == Extracted(
        title="Frustration With Russia Grows in Armenia",
        authors=["AFP"],
        published=dt.date(2023, 4, 16),
        url="https://www.themoscowtimes.com/2023/04/16/frustration-with-russia-grows-in-armenia-a80849",
    )


def test_seed_003_title_once_name_line_and_update() -> None:
    assert extract(_seed("003")) == Extracted(
        title="Russia–Armenia Ties Bottom Out as Yerevan Reconsiders Alliance With Moscow",
        authors=["Adam Morrow"],
        published=dt.date(2023, 9, 26),
        updated=dt.date(2023, 9, 27),
    )


def test_seed_004_plain_title() -> None:
    assert extract(_seed("004")) == Extracted(
        title='"There are no Armenians left in NK, though Russians have taken to defending them".'
        " Opinion about reasons"
    )


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_extraction_and_normalization_agree(prefix: str) -> None:
    """What extraction reports as metadata is gone from the text, and only that."""
    raw = _seed(prefix)
    got = extract(raw)
    text = normalize(raw).text
    if got.title:
        assert got.title not in text
    for author in got.authors:
        assert author not in text.split("\n\n")[0]
    if got.url:
        assert got.url not in text


@pytest.mark.parametrize(
    ("byline", "authors"),
    [
        ("By [Moscow Times Reporter](#)", ["Moscow Times Reporter"]),
        ("By Robyn DixonFrancesca Ebel", ["Robyn Dixon", "Francesca Ebel"]),
        ("By Anna McDonald", ["Anna McDonald"]),
        ("By Anna McDonaldJohn O’Brien", ["Anna McDonald", "John O’Brien"]),
        ("By Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
        ("By [Jane Doe](#), John Roe and Ani Petrosyan", ["Jane Doe", "John Roe", "Ani Petrosyan"]),
        ("By Jane Doe, John Roe, and Ani Petrosyan", ["Jane Doe", "John Roe", "Ani Petrosyan"]),
        ("BY JEAN-PIERRE de la Tour", ["JEAN-PIERRE de la Tour"]),
        ("By AFP", ["AFP"]),
        # one-word names: an agency, a linked name, a staff desk
        ("By Reuters", ["Reuters"]),
        ("By [Madonna](#)", ["Madonna"]),
        ("By Staff", ["Staff"]),
        ("By Staff Writer", ["Staff Writer"]),
        # linked names run together, or listed
        ("By [A B](#)[C D](#)", ["A B", "C D"]),
        (
            "By [Jane Doe](#)[John Roe](#)[Ani Petrosyan](#)",
            ["Jane Doe", "John Roe", "Ani Petrosyan"],
        ),
        ("By [Madonna](#)[Prince](#)", ["Madonna", "Prince"]),
        ("By [A](#), [B](#) and [C](#)", ["A", "B", "C"]),
        ("By [Jane Doe](#) and [John Roe](#)", ["Jane Doe", "John Roe"]),
        ("By [Jane Doe](#) | [Reuters](#)", ["Jane Doe", "Reuters"]),
        ("By Jane Doe & John Roe", ["Jane Doe", "John Roe"]),
        ("BY JANE DOE AND JOHN ROE", ["JANE DOE", "JOHN ROE"]),
        # a role after the name is not a name; a desk named for its outlet is
        ("By Jane Doe | Reporter", ["Jane Doe"]),
        ("By Jane Doe, Senior Correspondent", ["Jane Doe"]),
        ("By Jane Doe, Staff Writer", ["Jane Doe"]),
        ("By Jane DoeSenior Correspondent", ["Jane Doe"]),
        ("By Lucas SarkisianMoscow Times Reporter", ["Lucas Sarkisian", "Moscow Times Reporter"]),
        # labels in other languages, and other English labels
        ("Von Hans Müller", ["Hans Müller"]),
        ("Von Anna Schmidt und Peter Meier", ["Anna Schmidt", "Peter Meier"]),
        ("Par Jean Dupont", ["Jean Dupont"]),
        ("Par [Madonna](#)", ["Madonna"]),
        ("Auteur : Jean Dupont et Marie Curie", ["Jean Dupont", "Marie Curie"]),
        ("Por María García y Juan Pérez", ["María García", "Juan Pérez"]),
        ("Por EFE", ["EFE"]),
        ("Di Marco Rossi", ["Marco Rossi"]),
        ("di Marco Rossi e Luca Bianchi", ["Marco Rossi", "Luca Bianchi"]),
        ("Da Marco Rossi", ["Marco Rossi"]),
        ("Door Jan de Vries", ["Jan de Vries"]),
        ("Av Lars Svensson och Anna Berg", ["Lars Svensson", "Anna Berg"]),
        ("Przez Jan Kowalski i Anna Nowak", ["Jan Kowalski", "Anna Nowak"]),
        ("Автор: Иван Петров", ["Иван Петров"]),
        ("Texto: João Silva", ["João Silva"]),
        ("Text: Hans Müller", ["Hans Müller"]),
        ("Written by Jane Doe", ["Jane Doe"]),
        ("Words by Jane Doe", ["Jane Doe"]),
        ("Story by Jane Doe", ["Jane Doe"]),
        ("Reporting by Jane Doe", ["Jane Doe"]),
        ("Posted by Jane Doe", ["Jane Doe"]),
        ("Author: Jane Doe", ["Jane Doe"]),
        ("By: Jane Doe", ["Jane Doe"]),
    ],
)
def test_bylines(byline: str, authors: list[str]) -> None:
    assert (
        extract(f"# A Title Here\n\n{byline}\n\nThe body starts with a sentence.").authors
        == authors
    )


@pytest.mark.parametrize(
    "line",
    [
        "By late Friday, September 29, 93,000 Karabakh Armenians had arrived.",
        "By 2030",
        "By Tuesday, the army had left the town.",
        "By contrast, the city was quiet.",
        "By Tuesday",
        "By Jane Doe in Moscow and Kyiv",
        "Von Anfang an war klar, dass es so kommt.",
        "Par ailleurs, le gouvernement a démenti.",
        "Door de regen bleef iedereen binnen.",
    ],
)
def test_sentences_starting_with_by_are_not_bylines(line: str) -> None:
    got = extract(f"# A Title Here\n\n{line}\n\nMore text here, long enough.")
    assert got.authors == []
    assert line in normalize(f"# A Title Here\n\n{line}\n\nMore text here, long enough.").text


@pytest.mark.parametrize(
    "line",
    [
        "By Tuesday",  # a weekday, a month or a common word alone is no name
        "By Design",
        "Text Hans Müller",  # a field label takes a colon
        "Par Excellence",  # after a short label of another language, one word is no name
        "Di Maria",
        "Da Silva",
        "By Jane Doe, the mayor said.",
    ],
)
def test_not_bylines(line: str) -> None:
    assert parse_byline(line) is None


def test_a_surname_with_a_particle_is_a_bare_name_not_a_byline() -> None:
    """`Di Maria`, `Von der Leyen` under the title: the whole line is the name."""
    for name in ("Di Maria", "Von der Leyen"):
        assert extract(f"# A Title Here\n\n{name}\n\nThe body is a sentence.").authors == [name]


def test_linked_names_run_together_on_a_bare_name_line() -> None:
    got = extract("# A Title Here\n\n[Jane Doe](#)[John Roe](#)\n\nThe body is a sentence.")
    assert got.authors == ["Jane Doe", "John Roe"]


@pytest.mark.parametrize(
    ("line", "day"),
    [
        ("September 28, 2023", dt.date(2023, 9, 28)),
        ("Sept. 28, 2023", dt.date(2023, 9, 28)),
        ("Sep 28 2023", dt.date(2023, 9, 28)),
        ("28 September 2023", dt.date(2023, 9, 28)),
        ("Thursday, September 28, 2023", dt.date(2023, 9, 28)),
        ("Thu, 28 Sept. 2023", dt.date(2023, 9, 28)),
        ("9/26/2023", dt.date(2023, 9, 26)),
        ("26/9/2023", dt.date(2023, 9, 26)),
        ("2023-09-26", dt.date(2023, 9, 26)),
        ("12.10.2023", dt.date(2023, 10, 12)),  # day.month.year, as in Europe
        ("Published: 3.9.2023, 14:05", dt.date(2023, 9, 3)),
        ("31.02.2023", None),
        ("Published: September 28, 2023 10:43 AM", dt.date(2023, 9, 28)),
        ("September 28, 2023 | 10:43 am EDT", dt.date(2023, 9, 28)),
        ("2/30/2023", None),
        ("13/13/2023", None),
        ("February 30, 2023", None),
    ],
)
def test_dates(line: str, day: dt.date | None) -> None:
    got = extract(f"# A Title Here\n\n{line}\n\nThe body starts with a sentence.")
    assert got.published == day


def test_updated_on_one_line_and_on_two() -> None:
    one = extract("# T Title\n9/26/2023\nUpdated: 9/27/2023\nBody sentence here.")
    two = extract("# T Title\n9/26/2023\nUpdated:\n\n9/27/2023\nBody sentence here.")
    assert one.published == two.published == dt.date(2023, 9, 26)
    assert one.updated == two.updated == dt.date(2023, 9, 27)


def test_bare_name_under_the_title_and_above_a_date() -> None:
    assert extract("# Title Words\n\nAdam Morrow\n\nThe body is a sentence.").authors == [
        "Adam Morrow"
    ]
    got = extract(
        "Title Words Here\nA deck that ends with a period, as decks do.\nAdam Morrow\n9/26/2023\n"
    )
    assert got.authors == ["Adam Morrow"] and got.title == "Title Words Here"


@pytest.mark.parametrize(
    "top",
    [
        "Storm Closes Schools Across the North\n# Storm Closes Schools Across the North",
        "Storm Closes Schools Across the North\n\n# Storm Closes Schools Across the North",
        "Storm Closes Schools - The Daily Example\n# Storm Closes Schools",
        "Storm Closes Schools | Example News\n# Storm Closes Schools",
        # a lower heading, linked, with the apostrophe in its other form
        "The Storm's Toll on Schools\n## [The Storm’s Toll on Schools](#)",
    ],
)
def test_a_plain_title_line_over_its_own_heading_is_the_title(top: str) -> None:
    """The page's title, then the article's `# ` heading of it (with or without the site's
    name after a separator): the plain line is the title, and neither stays in the body."""
    body = "Heavy snow kept children at home on Monday, officials said.\nMore text follows."
    text = f"{top}\n{body}"
    assert extract(text).title == top.split("\n")[0]
    assert normalize(text).text == body.replace("\n", "\n\n")


def test_a_plain_title_over_a_kicker_and_its_own_heading_is_the_title() -> None:
    """`Title`, a kicker heading, then the article's heading of the title: the title and
    its heading go, the kicker stays (it is the article's)."""
    body = "Heavy snow kept children at home on Monday, officials said.\nMore text follows."
    text = f"Storm Closes Schools\n### Winter Chaos\n# Storm Closes Schools\n{body}"
    assert extract(text).title == "Storm Closes Schools"
    assert normalize(text).text == "### Winter Chaos\n\n" + body.replace("\n", "\n\n")


@pytest.mark.parametrize(
    "top",
    [
        "Storm Closes Schools Across the North\n# Schools Across the North",  # another heading
        "Storm Closes Schools\n# Storm Closes Schools Early",  # the heading says more
        "Storm Closes Schools Today\n# Storm Closes Schools",  # no separator before the rest
        "Storm Closes Schools\nWinter Chaos\n# Storm Closes Schools",  # a line, no kicker
        "Storm Closes Schools\n### Winter Chaos\n### Ice\n# Storm Closes Schools",  # too far
    ],
)
def test_a_plain_line_over_another_heading_is_not_the_title(top: str) -> None:
    text = f"{top}\nA sentence of the body.\nMore text follows."
    assert extract(text).title is None
    assert normalize(text).text.startswith(top.split("\n")[0])


@pytest.mark.parametrize(
    "footer",
    [
        "Original url:\n\n<https://example.com/a>",
        "Original URL: <https://example.com/a>",
        "Source URL:\nhttps://example.com/a",
        "Original link: https://example.com/a\n\n",
    ],
)
def test_footer_url(footer: str) -> None:
    assert extract(f"Body sentence one.\n\n{footer}").url == "https://example.com/a"


def test_url_in_body_is_not_the_url() -> None:
    assert extract("See <https://example.com/a> for more.\n\nLast sentence.").url is None


def test_crlf_nbsp_and_bom_are_cleaned_first() -> None:
    got = extract(
        "\ufeff# Title\u00a0Words\r\n\r\nBy\u00a0Jane Doe\r\n\r\nSeptember\u00a028, 2023\r\n"
    )
    assert got == Extracted(
        title="Title Words", authors=["Jane Doe"], published=dt.date(2023, 9, 28)
    )


def test_title_markup_is_cleaned() -> None:
    assert extract("# [Armenia \\*Turns\\* West](#)\n\nBy AFP\n").title == "Armenia *Turns* West"


def test_split_glued() -> None:
    assert split_glued("Robyn DixonFrancesca Ebel") == ["Robyn Dixon", "Francesca Ebel"]
    assert split_glued("Anna McDonald") == ["Anna McDonald"]


def test_parse_header_on_no_lines() -> None:
    assert parse_header([]).title is None
    assert parse_header(["", "  "]).kinds == {}


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises(text: str) -> None:
    assert isinstance(extract(text), Extracted)


def test_a_logo_line_before_the_heading_is_not_the_title() -> None:
    text = (
        "BBC\n\n# Ukraine Grain Deal Collapses After Russia Withdraws\n\n"
        "By Jane SmithJohn Doe and Peter Brown\n\nSept. 3, 2023\n\n"
        "KYIV, Ukraine (AP) — Russia pulled out of the grain deal on Monday, officials said.\n"
    )
    found = extract(text)
    assert found.title == "Ukraine Grain Deal Collapses After Russia Withdraws"
    assert found.authors == ["Jane Smith", "John Doe", "Peter Brown"]
    assert found.published == dt.date(2023, 9, 3)


_LABELS = [
    "By", "Von", "Par", "Por", "Di", "Da", "Door", "Av", "Przez", "Written by", "Words by",
    "Story by", "Reporting by", "Reported by", "Posted by",
]  # fmt: skip
_FIELD_LABELS = [
    "Author",
    "Authors",
    "Autor",
    "Auteur",
    "Autore",
    "Автор",
    "Text",
    "Texto",
    "Tekst",
]


@pytest.mark.parametrize("case", [str, str.lower, str.upper])
@pytest.mark.parametrize("sep", [" ", "\t", ": ", " : ", ":", "  "])
@pytest.mark.parametrize("label", _LABELS + _FIELD_LABELS)
def test_every_byline_label_passes_the_cheap_head_test(
    label: str, sep: str, case: Callable[[str], str]
) -> None:
    """The header parser reads a line as a byline only if `is_byline_head` lets it:
    every label, in any case, with any separator, must."""
    line = f"{case(label)}{sep}Jane Doe"
    names = parse_byline(line)
    if label in _FIELD_LABELS and ":" not in sep:
        assert names is None  # a field name is a label only with a colon
    else:
        assert names == ["Jane Doe"]
        assert is_byline_head(line)
