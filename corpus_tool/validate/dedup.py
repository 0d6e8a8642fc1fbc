"""Deduplication: exact (SHA-256 of the normalized text), near (MinHash LSH over
word shingles, verified) and same-URL.

Workers compute each document's MinHash signature (`signatures`); the main
process keeps only compact per-document state in `DedupIndex` (a 32-byte hash,
a URL hash and the signature: about 600 bytes a document, never the text)
and resolves clusters once the stream ends. The document that comes first in
corpus order is kept; every later member of its cluster is dropped and gets a
finding that names the kept one.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import xxhash

from corpus_tool.config import DedupConfig
from corpus_tool.findings import Finding, Severity, shorten
from corpus_tool.models import canonical_url
from corpus_tool.registry import Check, Hit, declare

_U64 = np.uint64
# Odd multipliers from splitmix64 / golden ratio; any odd constants work.
_P = _U64(0x9E3779B97F4A7C15)
_M1 = _U64(0xBF58476D1CE4E5B9)
_M2 = _U64(0x94D049BB133111EB)
_WHITESPACE = np.zeros(256, dtype=bool)
_WHITESPACE[[9, 10, 11, 12, 13, 32]] = True


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finalizer, vectorized: spreads a weak hash over all 64 bits."""
    x = x ^ (x >> _U64(30))
    x = x * _M1
    x = x ^ (x >> _U64(27))
    x = x * _M2
    return x ^ (x >> _U64(31))


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
        return np.empty(0, dtype=_U64), np.zeros(len(texts) + 1, dtype=np.int64)
    space = _WHITESPACE[data]
    edges = np.diff(np.concatenate(([True], space, [True])).astype(np.int8))
    starts = np.flatnonzero(edges == -1)
    ends = np.flatnonzero(edges == 1)  # exclusive
    offsets = np.append(np.searchsorted(starts, text_starts), starts.size)
    if starts.size == 0:
        return np.empty(0, dtype=_U64), offsets
    powers, inv_powers = _power_tables(data.size)
    with np.errstate(over="ignore"):
        # h(word) = sum c[j] * P^(end-1-j) = P^(end-1) * (prefix[end-1] - prefix[start-1])
        # with prefix the running sum of c[j] * P^-j (all modulo 2^64).
        prefix = np.cumsum((data + _U64(1)) * inv_powers[: data.size], dtype=_U64)
        before = np.where(starts > 0, prefix[starts - 1], _U64(0))
        raw = (prefix[ends - 1] - before) * powers[ends - 1]
        return _mix(raw + (ends - starts).astype(_U64)), offsets


_POWERS: list[np.ndarray] = []


def _power_tables(n: int) -> tuple[np.ndarray, np.ndarray]:
    """P^i and P^-i modulo 2^64 for i < n, grown on demand and reused."""
    if not _POWERS or _POWERS[0].size < n:
        size = max(n, 1 << 16, 2 * _POWERS[0].size if _POWERS else 0)
        inv = _U64(pow(int(_P), -1, 1 << 64))
        tables = []
        with np.errstate(over="ignore"):
            for base in (_P, inv):
                t = np.empty(size, dtype=_U64)
                t[0] = _U64(1)
                t[1:] = np.cumprod(np.full(size - 1, base, dtype=_U64))
                tables.append(t)
        _POWERS[:] = tables
    return _POWERS[0], _POWERS[1]


def _windows(words: np.ndarray, k: int) -> np.ndarray:
    """Unmixed hashes of every run of `k` consecutive words (`words.size >= k`)."""
    count = words.size - k + 1
    with np.errstate(over="ignore"):
        acc = words[:count].copy()
        for j in range(1, k):
            acc = acc * _P + words[j : j + count]
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
    flat = _mix(np.concatenate(parts)) if parts else np.empty(0, dtype=_U64)
    return flat, np.concatenate(([0], np.cumsum(sizes)))


def signatures(texts: list[str], cfg: DedupConfig) -> np.ndarray:
    """MinHash signatures (len(texts) x num_perm, uint32) of the texts' shingle sets."""
    from rensa import RMinHash

    if not texts:
        return np.empty((0, cfg.num_perm), dtype=np.uint32)
    flat, offsets = shingle_hashes(texts, cfg.shingle)
    matrix = RMinHash.digest_matrix_from_flat_token_hashes(
        flat, offsets.astype(_U64), cfg.num_perm, cfg.seed
    )
    return np.asarray(matrix.to_rows(), dtype=np.uint32).reshape(len(texts), cfg.num_perm)


@dataclass
class DedupResult:
    findings: list[Finding]
    dropped: list[dict[str, Any]]
    keep: np.ndarray  # bool per document added, in order


@dataclass(slots=True)
class Member:
    """What the report needs to know of one member of a duplicate cluster."""

    doc_id: str
    path: str
    line: int
    text_sha256: bytes
    url_key: int  # 0 without a url
    url: str  # the url shown for `url_key`: the first spelling met in corpus order
    signature: np.ndarray | None


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


class DedupIndex:
    """Compact per-document dedup state; `resolve` clusters at the end.

    About 700 bytes a document (id, path number and line, 32-byte hash, url key,
    signature), in arrays rather than Python objects where the size adds up.
    """

    def __init__(self, cfg: DedupConfig) -> None:
        self.cfg = cfg
        self.ids: list[str] = []
        self._paths: dict[str, int] = {}  # path -> its number
        self._path_list: list[str] = []
        self._path_of = array("I")
        self._lines = array("q")
        self._hashes = bytearray()
        self._urls = array("Q")
        self._url_bytes = bytearray()  # every document's url, UTF-8, back to back
        self._url_ends = array("Q")  # where each document's url ends in _url_bytes
        self._url_order: tuple[np.ndarray, np.ndarray] | None = None  # sorted keys, order
        self._sigs = SignatureStore(cfg.num_perm)

    def add(
        self,
        doc_id: str,
        path: str,
        line: int,
        text_sha256: str,
        url: str | None,
        signature: np.ndarray | None,
    ) -> None:
        self.ids.append(doc_id)
        number = self._paths.get(path)
        if number is None:
            number = self._paths[path] = len(self._path_list)
            self._path_list.append(path)
        self._path_of.append(number)
        self._lines.append(line)
        self._hashes += bytes.fromhex(text_sha256)
        self._urls.append(url_key(url))
        if url and isinstance(url, str):
            self._url_bytes += url.encode("utf-8", "surrogatepass")
        self._url_ends.append(len(self._url_bytes))
        if signature is not None:
            self._sigs.append(signature)

    def __len__(self) -> int:
        return len(self.ids)

    def location(self, i: int) -> tuple[str, int]:
        """(path, line) of document number i."""
        return self._path_list[self._path_of[i]], self._lines[i]

    def resolve(self) -> DedupResult:
        n = len(self.ids)
        pairs: list[np.ndarray] = []
        if self.cfg.exact:
            pairs.append(key_pairs(hash_keys(bytes(self._hashes))))
        if self.cfg.near and self._sigs.rows == n and n > 1:
            pairs.append(near_pairs(self._sigs, self.cfg))
        if self.cfg.url:
            pairs.append(key_pairs(np.frombuffer(self._urls, dtype=_U64), skip=_U64(0)))
        return self.settle(cluster(pairs))

    def settle(self, roots: dict[int, int]) -> DedupResult:
        """The findings and the kept flags of the clusters `roots` (see `cluster`),
        however they were found: here by `resolve`, or by an engine elsewhere."""
        findings, dropped = report(roots, self._member, self.cfg)
        keep = np.ones(len(self.ids), dtype=bool)
        keep[list(roots)] = False
        return DedupResult(findings, dropped, keep)

    def _url_of(self, i: int) -> str:
        start = self._url_ends[i - 1] if i else 0
        return self._url_bytes[start : self._url_ends[i]].decode("utf-8", "surrogatepass")

    def _first_url_index(self, key: int) -> int:
        """The first document (in corpus order) with this url key: its spelling is shown."""
        if self._url_order is None:
            keys = np.frombuffer(self._urls, dtype=_U64)
            order = stable_argsort(keys)  # equal keys stay in corpus order
            self._url_order = keys[order], order
        ordered, order = self._url_order
        return int(order[np.searchsorted(ordered, _U64(key))])

    def _member(self, i: int) -> Member:
        path, line = self.location(i)
        key = self._urls[i]
        sig = self._sigs[i] if self._sigs.rows == len(self.ids) else None
        digest = bytes(self._hashes[32 * i : 32 * i + 32])
        url = self._url_of(self._first_url_index(key)) if key else ""
        return Member(self.ids[i], path, line, digest, key, url, sig)


# ------------------------------------------------------------------ keys and candidate pairs
# Shared by both engines: the local one calls them on whole arrays, the Ray engine on
# each shuffled partition (equal keys always meet in one partition).


def hash_keys(digests: list[bytes] | bytes) -> np.ndarray:
    """64 bits of each SHA-256 digest (a list, or all of them joined): ample for a key."""
    joined = digests if isinstance(digests, bytes) else b"".join(digests)
    if not joined:
        return np.empty(0, dtype=_U64)
    words = np.frombuffer(joined, dtype=_U64).reshape(-1, 4)
    return words[:, 0] ^ _mix(words[:, 1])


def url_key(url: str | None) -> int:
    """A 64-bit key of the canonical url; 0 without a url (or with no string at all)."""
    if not url or not isinstance(url, str):
        return 0
    return xxhash.xxh64_intdigest(canonical_url(url).encode("utf-8", "surrogatepass"))


def band_key(band: np.ndarray) -> np.ndarray:
    """LSH: one 64-bit key per row of one band's columns (documents x rows per band)."""
    band = band.astype(_U64)
    key = np.zeros(band.shape[0], dtype=_U64)
    with np.errstate(over="ignore"):
        for j in range(band.shape[1]):
            key = _mix(key * _P + band[:, j])
    return key


def band_keys(sigs: np.ndarray, cfg: DedupConfig) -> np.ndarray:
    """LSH: one 64-bit key per band of each signature (documents x bands)."""
    rows = cfg.num_perm // cfg.bands
    keys = np.empty((sigs.shape[0], cfg.bands), dtype=_U64)
    for b in range(cfg.bands):
        keys[:, b] = band_key(sigs[:, b * rows : (b + 1) * rows])
    return keys


def similar(a: np.ndarray, b: np.ndarray, threshold: float) -> np.ndarray:
    """Per row pair of signatures: is the fraction of equal MinHash values >= threshold?"""
    equal = np.count_nonzero(a == b, axis=-1)
    return np.asarray(equal >= threshold * a.shape[-1])


MAX_HELD_KEYS = 8_000_000  # candidate pair keys (64 MB) held before merging repeats
VERIFY_CHUNK = 65_536  # candidate pairs whose signatures are compared at once


def near_pairs(sigs: np.ndarray | SignatureStore, cfg: DedupConfig) -> np.ndarray:
    """Verified near-duplicate pairs: candidates share a band key, then pass `similar`.

    One band at a time, so the keys of all bands never sit in memory together;
    a candidate pair is held as one 64-bit key (`i * n + j`) until verified.
    """
    store = sigs if isinstance(sigs, SignatureStore) else None
    n = sigs.shape[0]
    rows = cfg.num_perm // cfg.bands
    found: list[np.ndarray] = []
    held = 0
    for b in range(cfg.bands):
        start, stop = b * rows, (b + 1) * rows
        slab = store.columns(start, stop) if store else np.asarray(sigs)[:, start:stop]
        band = key_pairs(band_key(slab))
        found.append(band[:, 0] * n + band[:, 1])
        held += found[-1].size
        if held > MAX_HELD_KEYS:  # duplicates meet in most bands: merging shrinks them
            found = [distinct(np.concatenate(found))]
            held = found[0].size
    candidates = distinct(np.concatenate(found))
    verified = [np.empty((0, 2), dtype=np.int64)]
    for start in range(0, candidates.size, VERIFY_CHUNK):
        keys = candidates[start : start + VERIFY_CHUNK]
        chunk = np.stack([keys // n, keys % n], axis=1)
        left = store.take(chunk[:, 0]) if store else np.asarray(sigs)[chunk[:, 0]]
        right = store.take(chunk[:, 1]) if store else np.asarray(sigs)[chunk[:, 1]]
        verified.append(chunk[similar(left, right, cfg.threshold)])
    return np.concatenate(verified)


def distinct(keys: np.ndarray) -> np.ndarray:
    """The distinct values of a 1-D array, sorted (a sort and a mask: no hashing)."""
    keys = np.sort(keys)
    return keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if keys.size else keys


def stable_argsort(keys: np.ndarray) -> np.ndarray:
    """`np.argsort(keys, kind="stable")`, three times faster on 64-bit hash keys.

    numpy's stable sort of 64-bit integers is a merge sort; its quicksort is
    not stable, but hash keys rarely repeat, so only the few positions in runs
    of equal keys are put back in index order afterwards.
    """
    order = np.argsort(keys)
    ordered = keys[order]
    same = ordered[1:] == ordered[:-1]
    if same.any():
        in_run = np.zeros(keys.size, dtype=bool)
        in_run[1:] |= same
        in_run[:-1] |= same
        pos = np.flatnonzero(in_run)  # sorted keys: each run stays where it is
        order[pos] = order[pos][np.lexsort((order[pos], ordered[pos]))]
    return order


def key_pairs(keys: np.ndarray, skip: Any = None) -> np.ndarray:
    """Index pairs (i, j), i < j, of equal keys: each member paired with the first
    and the previous member of its run (a star plus a chain: linear in run size)."""
    none = np.empty((0, 2), dtype=np.int64)
    if keys.size < 2:
        return none
    order = stable_argsort(keys)
    ordered = keys[order]
    same = ordered[1:] == ordered[:-1]
    if skip is not None:
        same &= ordered[1:] != skip
    if not same.any():
        return none
    idx = np.flatnonzero(same)  # positions p where ordered[p+1] == ordered[p]
    run_start = np.flatnonzero(np.concatenate(([True], ~same)))  # first position of each run
    first_of = run_start[np.searchsorted(run_start, idx + 1, side="right") - 1]
    chain = np.stack([order[idx], order[idx + 1]], axis=1)
    star = np.stack([order[first_of], order[idx + 1]], axis=1)
    pairs = np.concatenate([chain, star]).astype(np.int64)
    pairs.sort(axis=1)
    return pairs


# ------------------------------------------------------------------ clusters and the report


def cluster(pairs: list[np.ndarray]) -> dict[int, int]:
    """Connected components of the pairs (document numbers in any increasing numbering
    of the corpus order): every member that is not first in its component -> the first.

    Minimum-label propagation with pointer jumping, in numpy: a million-document
    corpus has millions of pairs, which as Python objects would cost seconds and
    hundreds of megabytes. Each round gives both ends of every pair the smaller
    of their labels and then follows labels to their own labels; at the fixed
    point every member of a component carries its smallest number.
    """
    empty = np.empty(0, dtype=np.int64)
    edges = np.concatenate([np.asarray(p, dtype=np.int64).reshape(-1) for p in pairs] or [empty])
    if edges.size == 0:
        return {}
    nodes, inverse = np.unique(edges, return_inverse=True)
    a, b = inverse.reshape(-1, 2).T
    label = np.arange(nodes.size)
    while True:
        new = label.copy()
        low = np.minimum(label[a], label[b])
        np.minimum.at(new, a, low)
        np.minimum.at(new, b, low)
        while True:  # pointer jumping: a label's label is at most the label
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, label):
            break
        label = new
    moved = np.flatnonzero(label != np.arange(nodes.size))
    return dict(zip(nodes[moved].tolist(), nodes[label[moved]].tolist(), strict=True))


# Corpus-wide checks: `DedupIndex` is their runner (`add` each document, `resolve`
# at the end of the stream); `report` makes the findings.
EXACT_DUPLICATE = declare(
    "D001",
    "exact-duplicate",
    Severity.WARNING,
    "The normalized text equals another document's.",
    "`build` keeps the first in corpus order; delete one copy to silence this.",
)
NEAR_DUPLICATE = declare(
    "D002",
    "near-duplicate",
    Severity.WARNING,
    "The text is nearly the same as another document's.",
    "`build` keeps the first in corpus order; delete one copy or raise the threshold.",
)
DUPLICATE_URL = declare(
    "D003",
    "duplicate-url",
    Severity.WARNING,
    "Two documents have the same URL.",
    "Check whether they are the same article.",
)
_KINDS: dict[str, Check] = {"exact": EXACT_DUPLICATE, "near": NEAR_DUPLICATE, "url": DUPLICATE_URL}


def report(
    roots: dict[int, int], member: Callable[[int], Member], cfg: DedupConfig
) -> tuple[list[Finding], list[dict[str, Any]]]:
    """A finding and a manifest entry for every dropped member, in corpus order."""
    findings: list[Finding] = []
    dropped: list[dict[str, Any]] = []
    for i in sorted(roots):
        doc, first = member(i), member(roots[i])
        kind, similarity, message = _describe(doc, first, cfg)
        message += f" `{first.doc_id}` ({first.path}:{first.line}); the first is kept"
        hit = Hit(message, related=(first.doc_id,))
        findings.append(_KINDS[kind].finding(hit, path=doc.path, line=doc.line, doc_id=doc.doc_id))
        dropped.append(
            {
                "id": doc.doc_id,
                "duplicate_of": first.doc_id,
                "kind": kind,
                "similarity": similarity,
            }
        )
    return findings, dropped


def _describe(doc: Member, first: Member, cfg: DedupConfig) -> tuple[str, float, str]:
    if doc.text_sha256 == first.text_sha256:
        return "exact", 1.0, "same normalized text as"
    sim = 0.0
    if doc.signature is not None and first.signature is not None:
        sim = float((doc.signature == first.signature).mean())
    if doc.url_key and doc.url_key == first.url_key and sim < cfg.threshold:
        return "url", round(sim, 4), f"same url `{shorten(doc.url, 60)}` as"
    shingles = f"{cfg.shingle}-word shingles"
    if sim < cfg.threshold:  # joined to the cluster through another member
        return "near", round(sim, 4), f"duplicate, through other copies (Jaccard ~{sim:.2f}), of"
    return "near", round(sim, 4), f"near-duplicate (Jaccard ~{sim:.2f} over {shingles}) of"
