"""What reading the corpus can find: the E-codes of files, folders and shards.

These are found while listing and reading (`corpus_tool.sources`,
`sources.files`, `sources.shards`), not by a check over a document, so each is
declared here and makes its findings with `Check.finding`.
"""

from __future__ import annotations

from corpus_tool.findings import Severity
from corpus_tool.registry import declare

_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO

FILE_TOO_LARGE = declare(
    "E006",
    "file-too-large",
    _E,
    "A document (file, shard line or row) is larger than `max_file_bytes` decoded.",
    "Split the document, or raise `max_file_bytes` in [tool.corpus-tool].",
)
UNREADABLE_FILE = declare(
    "E007",
    "unreadable-file",
    _E,
    "The file could not be read.",
    "Check that the file exists and is readable.",
)
MALFORMED_SHARD = declare(
    "E009",
    "malformed-shard",
    _E,
    "A shard file could not be decoded.",
    "Re-create the shard; check its compression and format.",
)
ORPHAN_SIDECAR = declare(
    "E010",
    "orphan-sidecar",
    _E,
    "A sidecar has no text file beside it.",
    "Rename the sidecar to `<id>.meta.json` of an existing `<id>.txt`, or delete it.",
)
UNSUPPORTED_FILE = declare(
    "E011",
    "unsupported-file",
    _W,
    "The file type is not a corpus format.",
    "Pass .txt, .jsonl, .jsonl.gz, .jsonl.zst or .parquet files.",
)
NO_DOCUMENTS = declare(
    "E012",
    "no-documents",
    _E,
    "A corpus path yields no document at all.",
    "Point the path at .txt, .jsonl, .jsonl.gz, .jsonl.zst or .parquet files.",
)
SYMLINK_OUTSIDE = declare(
    "E013",
    "symlink-outside",
    _W,
    "A symlink leads outside the corpus paths; it is not read.",
    "Copy the data into the corpus, or add its folder to the corpus paths.",
)
NOT_A_REGULAR_FILE = declare(
    "E014",
    "not-a-regular-file",
    _W,
    "A FIFO, device or socket is in the corpus; it is never opened.",
    "Remove it from the corpus folder; only regular files are read.",
)
RELEASE_FOLDER = declare(
    "E015",
    "release-folder",
    _I,
    "A release folder inside the corpus paths is not read back as input.",
    "Nothing to do; keep releases outside the corpus paths to silence this.",
)
