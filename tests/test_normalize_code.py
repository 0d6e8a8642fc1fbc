"""Fenced code blocks are content as they stand: no prose rule edits inside one."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from corpus_tool.config import Config
from corpus_tool.normalize import normalize
from corpus_tool.parse.blocks import code_blocks
from corpus_tool.pipeline import normalize_and_extract

# Code lines that look like the debris the rules remove from prose.
CODE = """```python
STAR = re.compile(r"\\*+")  # an escaped star, not escaped markdown
def close(xs):
        }
        }
print("Sign up for our newsletter")
link = "[Read more](#)"
0:00
<div class="caption">(Photo: AP)</div>
Related: see the docs


    return None
```"""

PAGE = f"""# How the parser splits stars

By Jane Doe

The parser below splits the input on stars, and \\*escaped\\* stars stay.

{CODE}

Sign up for our newsletter

The function returns a list.
"""


def test_code_block_comes_back_as_it_was() -> None:
    out = normalize(PAGE)
    assert CODE in out.text
    assert "and *escaped* stars stay." in out.text  # the prose around it is cleaned
    assert out.text.count("Sign up for our newsletter") == 1  # the one in the code
    assert normalize(out.text).text == out.text


def test_code_block_through_the_pipeline() -> None:
    normalized, extracted = normalize_and_extract(PAGE, Config())
    assert CODE in normalized.text
    assert extracted.title == "How the parser splits stars"


def test_code_is_cleaned_of_invisible_characters_and_line_endings() -> None:
    text = "Intro line of the article.\r\n\r\n```\r\nx\u200b = 1\u00a0 \r\ny = 2\r\n```\r\n"
    assert normalize(text).text == "Intro line of the article.\n\n```\nx = 1\ny = 2\n```"


def test_text_that_holds_the_placeholder_is_normalized_as_before() -> None:
    text = "```corpus-tool-code-block-0```\n\n```\n0:00\n```\n\nThe article goes on here."
    out = normalize(text).text
    assert out.startswith("```corpus-tool-code-block-0```")
    assert normalize(out).text == out


def test_unclosed_fence_is_prose() -> None:
    out = normalize("```\nThe article.\n0:00\n\nMore of the article.").text
    assert "0:00" not in out


CODE_LINES = [
    "0:00", "}", "}", "(Photo: AP)", "Sign up for our newsletter", "[x](#)", "\\*",
    "<p>", "", "  indented", "By Jane Doe", "Comments (3)", "Related:", "| a | b |",
    "READ MORE: elsewhere", "Original url:", "https://example.com/x",
]  # fmt: skip
PROSE_LINES = [
    "The ministry said talks would resume in the capital next week.",
    "Sign up for our newsletter",
    "0:00",
    "# A heading",
    "By Jane Doe",
    "",
]
PROFILE = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROFILE
@given(
    st.lists(st.sampled_from(PROSE_LINES), max_size=8),
    st.lists(st.sampled_from(CODE_LINES), max_size=12),
    st.lists(st.sampled_from(PROSE_LINES), max_size=8),
    st.sampled_from(["```", "```js", "~~~", "````"]),
    st.sampled_from(["\n", "\r\n", "\r", "\u2028"]),
)
@example([], ["0:00", "", "}"], [], "```", "\n")
@example([], ["0:00"], [], "```", "\r")  # a lone CR closes the block, as N102 reads it
def test_every_code_line_survives_in_place(
    before: list[str], code: list[str], after: list[str], fence: str, newline: str
) -> None:
    closing = fence.rstrip("js")
    text = newline.join([*before, fence, *code, closing, *after])
    out = normalize(text).text
    lines = out.split("\n")
    blocks = code_blocks(lines)
    inner = [line.rstrip() for line in code]
    while inner and not inner[0]:
        inner.pop(0)
    while inner and not inner[-1]:
        inner.pop()
    assert any(lines[first + 1 : last] == inner for first, last in blocks), out
    assert normalize(out).text == out


def test_a_fence_that_a_rule_makes_reads_the_same_when_normalized_again() -> None:
    # The zero-width space hides the closing fence until N101 drops it.
    text = "The article opens here.\n\n```\n0:00\n[x](#)\n\u200b```\n\nThe article goes on."
    once = normalize(text).text
    assert normalize(once).text == once
    assert "```\nx\n```" in once  # read as prose first (the link unwrapped), then kept
