"""Load a release as a `datasets.Dataset`, verified first, without the network."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from corpus_tool.package.fields import ARROW_SCHEMA
from corpus_tool.package.files import CARD, MANIFEST, SPLIT
from corpus_tool.package.manifest_model import ManifestError, read_manifest_file
from corpus_tool.package.verify import Problem, ReleaseError, verify_release

if TYPE_CHECKING:  # pragma: no cover
    from datasets import Dataset


def load(release: str | Path, verify: bool = True, **kwargs: Any) -> Dataset:
    """The train split of the release folder `release`.

    With `verify` (the default) every file is checked against `manifest.json`
    first, and a damaged release raises ReleaseError naming the file; after
    loading, a Dataset with another number of rows than the release holds (say,
    a card whose `configs` were edited) raises ReleaseError too. Extra keyword
    arguments go to `datasets.load_dataset` (e.g. `cache_dir`).

    Offline: `datasets` reads a local folder (its README.md `configs` and the
    shards they name, of the described format) without the network. A path that
    is not a release folder is refused here, even without `verify`, because
    `datasets` would take it for a Hub repository id. An empty release gives an
    empty Dataset (`load_dataset` refuses empty splits).
    """
    path = Path(release)
    if verify:
        problems = verify_release(path)
        if problems:
            raise ReleaseError(path, problems)
    try:
        _, manifest = read_manifest_file(path / MANIFEST)
    except FileNotFoundError:
        raise ReleaseError(path, [Problem(MANIFEST, "missing: not a release folder")]) from None
    except ManifestError as exc:
        raise ReleaseError(path, [Problem(MANIFEST, str(exc))]) from None
    records = manifest.counts.records
    import datasets

    if records == 0:  # `datasets` refuses a split without rows; give an empty Dataset
        features = datasets.Features.from_arrow_schema(ARROW_SCHEMA)
        return datasets.Dataset.from_dict({name: [] for name in features}, features=features)
    kwargs.setdefault("split", SPLIT)
    try:
        ds = datasets.load_dataset(str(path), **kwargs)
    except datasets.exceptions.SplitsVerificationError as exc:  # the card's split sizes
        if not verify:
            raise
        raise ReleaseError(path, [Problem(CARD, f"does not match the data: {exc}"[:300])]) from None
    whole = kwargs["split"] == SPLIT and isinstance(ds, datasets.Dataset)
    if verify and whole and len(ds) != records:
        raise ReleaseError(
            path,
            [
                Problem(
                    CARD,
                    f"datasets.load_dataset gave {len(ds)} rows, the release holds {records}:"
                    " check the card's `configs` and the data files",
                )
            ],
        )
    return ds
