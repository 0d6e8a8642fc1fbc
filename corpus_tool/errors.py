"""Errors the CLI turns into one line: light, so that importing them costs nothing."""

from __future__ import annotations


class DataError(Exception):
    """Data outside the corpus is bad (a damaged release): the CLI exits 1, not 2."""
