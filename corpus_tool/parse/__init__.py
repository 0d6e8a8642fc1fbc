"""Reading a document's structure, once: header, dates, names, agencies, footer.

`Page` holds a text and what the parsers found in it; the page rules of
`corpus_tool.normalize` and `corpus_tool.extract` read it. Stage 2 of the
pipeline: it imports only the foundation (`corpus_tool.registry` tells it
which lines other rules remove).
"""

from corpus_tool.parse.page import Page

__all__ = ["Page"]
