"""The normalizer rules, imported in pipeline order (their codes follow the same order).

N101-N102 characters, N103-N104 markdown residue, N105-N108 page furniture in
the body, N109-N112 page structure (header, repeats, footer), N114-N115 more
furniture (ads, social prompts, copyright), N113 layout last. Codes are
stable names, not positions: a rule added later gets the next free code.
Registration order is execution order, so these imports must not be sorted.
"""

# ruff: noqa: I001, F401
from corpus_tool.normalize import chars
from corpus_tool.normalize import markdown
from corpus_tool.normalize import boilerplate
from corpus_tool.normalize import page
from corpus_tool.normalize import furniture
from corpus_tool.normalize import whitespace
