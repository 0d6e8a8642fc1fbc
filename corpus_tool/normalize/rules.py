"""The normalizer rule modules: importing one registers its rules. The order in which
rules run is `corpus_tool.registry.NORMALIZER_ORDER`, not the order of these imports."""

# ruff: noqa: F401
from corpus_tool.normalize import (
    boilerplate,
    chars,
    encoding,
    furniture,
    markdown,
    page,
    redact,
    structure,
    whitespace,
)
