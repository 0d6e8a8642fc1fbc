"""What a document's text becomes for deduplication: word and shingle hashes, its
MinHash signature, and the store the main process keeps the signatures in.

Workers call `signatures` on each batch (a document's signature does not depend
on its batch); `index.DedupIndex` appends them to a `SignatureStore`, which
`pairs.near_pairs` reads band by band. `U64`, `P` and `mix` are the 64-bit
hashing primitives the keys in `pairs` are built from as well.
"""

from __future__ import annotations

import itertools

import numpy as np

from corpus_tool.config import DedupConfig

U64 = np.uint64
# Odd multipliers from splitmix64 / golden ratio; any odd constants work.
P = U64(0x9E3779B97F4A7C15)  # the base of the polynomial hashes, here and in `pairs`
_M1 = U64(0xBF58476D1CE4E5B9)
_M2 = U64(0x94D049BB133111EB)
_WHITESPACE = np.zeros(256, dtype=bool)
_WHITESPACE[[9, 10, 11, 12, 13, 32]] = True


def mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finalizer, vectorized: spreads a weak hash over all 64 bits."""
    x = x ^ (x >> U64(30))
    x = x * _M1
    x = x ^ (x >> U64(27))
    x = x * _M2
    return x ^ (x >> U64(31))


def word_hashes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of the lower-cased whitespace-separated words of `texts`.

    Returns the hashes of all texts' words in one array, and the offsets where
    each text's words begin (one more than there are texts). A polynomial hash
    over the UTF-8 bytes computed with prefix sums, over the whole batch at once:
    no Python string is built per word, and numpy is called a few times per
    batch rather than per text. A word's hash does not depend on where it is.
    """
    encoded = [t.lower().encode("utf-8") for t in texts]
    # A line feed between texts is whitespace: no word spans two texts.
    data = np.frombuffer(b"\n".join(encoded), dtype=np.uint8)
    sizes = np.fromiter((len(e) + 1 for e in encoded), dtype=np.int64, count=len(encoded))
    text_starts = np.cumsum(sizes) - sizes
    if data.size == 0:
        return np.empty(0, dtype=U64), np.zeros(len(texts) + 1, dtype=np.int64)
    space = _WHITESPACE[data]
    edges = np.diff(np.concatenate(([True], space, [True])).astype(np.int8))
    starts = np.flatnonzero(edges == -1)
    ends = np.flatnonzero(edges == 1)  # exclusive
    offsets = np.append(np.searchsorted(starts, text_starts), starts.size)
    if starts.size == 0:
        return np.empty(0, dtype=U64), offsets
    powers, inv_powers = _power_tables(data.size)
    with np.errstate(over="ignore"):
        # h(word) = sum c[j] * P^(end-1-j) = P^(end-1) * (prefix[end-1] - prefix[start-1])
        # with prefix the running sum of c[j] * P^-j (all modulo 2^64).
        prefix = np.cumsum((data + U64(1)) * inv_powers[: data.size], dtype=U64)
        before = np.where(starts > 0, prefix[starts - 1], U64(0))
        raw = (prefix[ends - 1] - before) * powers[ends - 1]
        return mix(raw + (ends - starts).astype(U64)), offsets


_POWERS: list[np.ndarray] = []


def _power_tables(n: int) -> tuple[np.ndarray, np.ndarray]:
    """P^i and P^-i modulo 2^64 for i < n, grown on demand and reused."""
    if not _POWERS or _POWERS[0].size < n:
        size = max(n, 1 << 16, 2 * _POWERS[0].size if _POWERS else 0)
        inv = U64(pow(int(P), -1, 1 << 64))
        tables = []
        with np.errstate(over="ignore"):
            for base in (P, inv):
                t = np.empty(size, dtype=U64)
                t[0] = U64(1)
                t[1:] = np.cumprod(np.full(size - 1, base, dtype=U64))
                tables.append(t)
        _POWERS[:] = tables
    return _POWERS[0], _POWERS[1]


def _windows(words: np.ndarray, k: int) -> np.ndarray:
    """Unmixed hashes of every run of `k` consecutive words (`words.size >= k`)."""
    count = words.size - k + 1
    with np.errstate(over="ignore"):
        acc = words[:count].copy()
        for j in range(1, k):
            acc = acc * P + words[j : j + count]
    return acc


def shingle_hashes(texts: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of every run of `k` consecutive words of each text (the whole text
    if shorter), all in one array, and the offsets where each text's begin."""
    words, offsets = word_hashes(texts)
    runs = _windows(words, k) if words.size >= k else words[:0]
    parts = []
    for a, b in itertools.pairwise(offsets.tolist()):
        if b - a >= k:
            parts.append(runs[a : b - k + 1])  # the runs inside this text only
        elif b > a:
            parts.append(_windows(words[a:b], b - a))  # a short text: one shingle
        else:
            parts.append(words[:0])
    sizes = np.fromiter((part.size for part in parts), dtype=np.int64, count=len(parts))
    flat = mix(np.concatenate(parts)) if parts else np.empty(0, dtype=U64)
    return flat, np.concatenate(([0], np.cumsum(sizes)))


def signatures(texts: list[str], cfg: DedupConfig) -> np.ndarray:
    """MinHash signatures (len(texts) x num_perm, uint32) of the texts' shingle sets."""
    from rensa import RMinHash

    if not texts:
        return np.empty((0, cfg.num_perm), dtype=np.uint32)
    flat, offsets = shingle_hashes(texts, cfg.shingle)
    matrix = RMinHash.digest_matrix_from_flat_token_hashes(
        flat, offsets.astype(U64), cfg.num_perm, cfg.seed
    )
    return np.asarray(matrix.to_rows(), dtype=np.uint32).reshape(len(texts), cfg.num_perm)


class SignatureStore:
    """MinHash signatures appended row by row into fixed-size blocks.

    The whole set is never copied: a million documents hold 512 MB of signatures
    (128 x uint32), and concatenating them would need that twice. Reads are the two
    the dedup needs: a column slab over all rows, and rows by index.
    """

    BLOCK = 65_536  # rows per block

    def __init__(self, num_perm: int) -> None:
        self.num_perm = num_perm
        self.blocks: list[np.ndarray] = []
        self.rows = 0

    @property
    def shape(self) -> tuple[int, int]:
        return self.rows, self.num_perm

    def append(self, row: np.ndarray) -> None:
        block, offset = divmod(self.rows, self.BLOCK)
        if block == len(self.blocks):
            self.blocks.append(np.empty((self.BLOCK, self.num_perm), dtype=np.uint32))
        self.blocks[block][offset] = row
        self.rows += 1

    def columns(self, start: int, stop: int) -> np.ndarray:
        """All rows, columns start:stop (one LSH band): a small copy."""
        if not self.blocks:
            return np.empty((0, stop - start), dtype=np.uint32)
        return np.concatenate([b[:, start:stop] for b in self.blocks])[: self.rows]

    def take(self, index: np.ndarray) -> np.ndarray:
        """The rows at `index`, in that order."""
        index = np.asarray(index, dtype=np.int64)
        out = np.empty((index.size, self.num_perm), dtype=np.uint32)
        block = index // self.BLOCK
        for b in np.unique(block).tolist():
            where = np.flatnonzero(block == b)
            out[where] = self.blocks[b].take(index[where] - b * self.BLOCK, axis=0)
        return out

    def __getitem__(self, i: int) -> np.ndarray:
        block, offset = divmod(i, self.BLOCK)
        return self.blocks[block][offset]
