"""Deduplication: exact (SHA-256 of the normalized text), near (MinHash LSH over
word shingles, verified) and same-URL.

Workers compute each document's MinHash signature (`signatures`); the main
process keeps only compact per-document state in `DedupIndex` (a 32-byte hash,
a URL hash and the signature: about 600 bytes a document, never the text)
and resolves clusters once the stream ends. The document that comes first in
corpus order is kept; every later member of its cluster is dropped and gets a
finding that names the kept one.

The modules, in the order a document's data passes through them:

    hashing.py   words and shingles -> 64-bit hashes -> MinHash signatures (in the
                 workers); `SignatureStore`, where the main process keeps them
    index.py     `DedupIndex`: per-document state, `resolve` at the end -> `DedupResult`
    pairs.py     keys (text hash, url, LSH bands) -> candidate and verified pairs
    clusters.py  pairs -> clusters (`cluster`) -> findings (`report`, D001-D003)

Imports run one way: `index` calls `pairs` and `clusters`, which know nothing of
it; `pairs` reads `hashing`. The Ray engine calls `pairs` and `clusters` itself.
"""

from corpus_tool.validate.dedup.clusters import (
    DUPLICATE_URL,
    EXACT_DUPLICATE,
    NEAR_DUPLICATE,
    Member,
    cluster,
    report,
)
from corpus_tool.validate.dedup.hashing import (
    SignatureStore,
    shingle_hashes,
    signatures,
    word_hashes,
)
from corpus_tool.validate.dedup.index import DedupIndex, DedupResult
from corpus_tool.validate.dedup.pairs import (
    band_key,
    band_keys,
    distinct,
    hash_keys,
    key_pairs,
    near_pairs,
    similar,
    stable_argsort,
    url_key,
)

__all__ = [
    "DUPLICATE_URL",
    "EXACT_DUPLICATE",
    "NEAR_DUPLICATE",
    "DedupIndex",
    "DedupResult",
    "Member",
    "SignatureStore",
    "band_key",
    "band_keys",
    "cluster",
    "distinct",
    "hash_keys",
    "key_pairs",
    "near_pairs",
    "report",
    "shingle_hashes",
    "signatures",
    "similar",
    "stable_argsort",
    "url_key",
    "word_hashes",
]
