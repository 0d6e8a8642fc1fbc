"""corpus_tool: check, normalize, deduplicate and package text corpora kept in git."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from datasets import Dataset

__all__ = ["__version__", "load"]


def load(release: str, verify: bool = True, **kwargs: Any) -> Dataset:
    """Load a release folder as a `datasets.Dataset` (the train split).

    With `verify=True` every file is checked against `manifest.json` first and a
    tampered release raises `corpus_tool.package.verify.ReleaseError` naming the file.
    """
    from corpus_tool.package.load import load as _load

    return _load(release, verify=verify, **kwargs)
