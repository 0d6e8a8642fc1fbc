"""Load a release as a `datasets.Dataset`, verified first, without the network."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus_tool.package.fields import ARROW_SCHEMA
from corpus_tool.package.files import MANIFEST, SPLIT
from corpus_tool.package.manifest import read_manifest
from corpus_tool.package.verify import Problem, ReleaseError, verify_release

if TYPE_CHECKING:  # pragma: no cover
    from datasets import Dataset


def load(release: str | Path, verify: bool = True, **kwargs: Any) -> Dataset:
    """The train split of the release folder `release`.

    With `verify` (the default) every file is checked against `manifest.json`
    first, and a damaged release raises ReleaseError naming the file. Extra
    keyword arguments go to `datasets.load_dataset` (e.g. `cache_dir`).

    Offline: `datasets` reads a local folder (its README.md `configs` and the
    Parquet shards) without the network. A path that is not a release folder is
    refused here, because `datasets` would take it for a Hub repository id. An
    empty release gives an empty Dataset (`load_dataset` refuses empty splits).
    """
    path = Path(release)
    if verify:
        problems = verify_release(path)
        if problems:
            raise ReleaseError(path, problems)
    try:
        records = read_manifest(path)["counts"]["records"]
    except (OSError, ValueError, KeyError, TypeError):
        raise ReleaseError(path, [Problem(MANIFEST, "missing or unreadable")]) from None
    import datasets

    if records == 0:  # `datasets` refuses a split without rows; give an empty Dataset
        features = datasets.Features.from_arrow_schema(ARROW_SCHEMA)
        return datasets.Dataset.from_dict({name: [] for name in features}, features=features)
    kwargs.setdefault("split", SPLIT)
    return datasets.load_dataset(str(path), **kwargs)
