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

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xxhash

from corpus_tool import codes
from corpus_tool.config import DedupConfig
from corpus_tool.findings import Finding

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


def word_hashes(text: str) -> np.ndarray:
    """64-bit hashes of the lower-cased whitespace-separated words of `text`.

    A polynomial hash over the UTF-8 bytes computed with prefix sums, so no
    Python string is built per word.
    """
    data = np.frombuffer(text.lower().encode("utf-8"), dtype=np.uint8)
    if data.size == 0:
        return np.empty(0, dtype=_U64)
    space = _WHITESPACE[data]
    edges = np.diff(np.concatenate(([True], space, [True])).astype(np.int8))
    starts = np.flatnonzero(edges == -1)
    ends = np.flatnonzero(edges == 1)  # exclusive
    if starts.size == 0:
        return np.empty(0, dtype=_U64)
    powers, inv_powers = _power_tables(data.size)
    with np.errstate(over="ignore"):
        # h(word) = sum c[j] * P^(end-1-j) = P^(end-1) * (prefix[end-1] - prefix[start-1])
        # with prefix the running sum of c[j] * P^-j (all modulo 2^64).
        prefix = np.cumsum((data + _U64(1)) * inv_powers[: data.size], dtype=_U64)
        before = np.where(starts > 0, prefix[starts - 1], _U64(0))
        raw = (prefix[ends - 1] - before) * powers[ends - 1]
        return _mix(raw + (ends - starts).astype(_U64))


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


def shingle_hashes(text: str, k: int) -> np.ndarray:
    """Hashes of every run of `k` consecutive words (the whole text if shorter)."""
    words = word_hashes(text)
    if words.size == 0:
        return words
    if words.size < k:
        k = int(words.size)
    count = words.size - k + 1
    with np.errstate(over="ignore"):
        acc = words[:count].copy()
        for j in range(1, k):
            acc = acc * _P + words[j : j + count]
        return _mix(acc)


def signatures(texts: list[str], cfg: DedupConfig) -> np.ndarray:
    """MinHash signatures (len(texts) x num_perm, uint32) of the texts' shingle sets."""
    from rensa import RMinHash

    if not texts:
        return np.empty((0, cfg.num_perm), dtype=np.uint32)
    parts = [shingle_hashes(t, cfg.shingle) for t in texts]
    offsets = np.zeros(len(parts) + 1, dtype=_U64)
    offsets[1:] = np.cumsum([p.size for p in parts])
    flat = np.concatenate(parts) if parts else np.empty(0, _U64)
    matrix = RMinHash.digest_matrix_from_flat_token_hashes(flat, offsets, cfg.num_perm, cfg.seed)
    return np.asarray(matrix.to_rows(), dtype=np.uint32).reshape(len(texts), cfg.num_perm)


@dataclass
class DedupResult:
    findings: list[Finding]
    dropped: list[dict[str, Any]]
    keep: np.ndarray  # bool per document added, in order


@dataclass
class DedupIndex:
    """Compact per-document dedup state; `resolve` clusters at the end."""

    cfg: DedupConfig
    ids: list[str] = field(default_factory=list)
    where: list[tuple[str, int]] = field(default_factory=list)
    _hashes: list[bytes] = field(default_factory=list)
    _urls: list[int] = field(default_factory=list)
    _url_text: dict[int, str] = field(default_factory=dict)
    _sigs: list[np.ndarray] = field(default_factory=list)

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
        self.where.append((path, line))
        self._hashes.append(bytes.fromhex(text_sha256))
        if url:
            key = xxhash.xxh64_intdigest(_canonical_url(url).encode("utf-8"))
            self._url_text.setdefault(key, url)
        else:
            key = 0
        self._urls.append(key)
        if signature is not None:
            self._sigs.append(signature.reshape(1, -1))

    def __len__(self) -> int:
        return len(self.ids)

    def resolve(self) -> DedupResult:
        n = len(self.ids)
        parent = list(range(n))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        def union(i: int, j: int) -> None:
            ri, rj = find(i), find(j)
            if ri != rj:
                parent[max(ri, rj)] = min(ri, rj)

        if self.cfg.exact:
            for i, j in _equal_runs(self._hash_keys()):
                union(i, j)
        sigs = np.concatenate(self._sigs) if self._sigs else np.empty((0, self.cfg.num_perm))
        if self.cfg.near and sigs.shape[0] == n and n > 1:
            for i, j in self._near_pairs(sigs):
                union(i, j)
        if self.cfg.url:
            urls = np.asarray(self._urls, dtype=_U64)
            for i, j in _equal_runs(urls, skip=_U64(0)):
                union(i, j)
        return self._report(find, sigs)

    def _hash_keys(self) -> np.ndarray:
        if not self._hashes:
            return np.empty(0, dtype=_U64)
        digests = np.frombuffer(b"".join(self._hashes), dtype=_U64).reshape(-1, 4)
        return digests[:, 0] ^ _mix(digests[:, 1])  # 64 bits of SHA-256: ample for a key

    def _near_pairs(self, sigs: np.ndarray) -> list[tuple[int, int]]:
        cfg = self.cfg
        rows = cfg.num_perm // cfg.bands
        candidates: list[np.ndarray] = []
        with np.errstate(over="ignore"):
            for b in range(cfg.bands):
                band = sigs[:, b * rows : (b + 1) * rows].astype(_U64)
                key = np.zeros(band.shape[0], dtype=_U64)
                for j in range(rows):
                    key = _mix(key * _P + band[:, j])
                candidates.extend(np.asarray(p) for p in _equal_runs_array(key))
        if not candidates:
            return []
        pairs = np.unique(np.concatenate(candidates), axis=0)
        verified: list[tuple[int, int]] = []
        for start in range(0, len(pairs), 65536):
            chunk = pairs[start : start + 65536]
            sim = (sigs[chunk[:, 0]] == sigs[chunk[:, 1]]).mean(axis=1)
            verified.extend(map(tuple, chunk[sim >= cfg.threshold].tolist()))
        return verified

    def _report(self, find: Any, sigs: np.ndarray) -> DedupResult:
        n = len(self.ids)
        keep = np.ones(n, dtype=bool)
        findings: list[Finding] = []
        dropped: list[dict[str, Any]] = []
        for i in range(n):
            root = find(i)
            if root == i:
                continue
            keep[i] = False
            kind, similarity, message = self._describe(i, root, sigs)
            code = {"exact": "D001", "near": "D002", "url": "D003"}[kind]
            path, line = self.where[i]
            rpath, rline = self.where[root]
            findings.append(
                codes.make(
                    code,
                    f"{message} `{self.ids[root]}` ({rpath}:{rline}); the first is kept",
                    path=path,
                    line=line,
                    doc_id=self.ids[i],
                    related=[self.ids[root]],
                )
            )
            dropped.append(
                {
                    "id": self.ids[i],
                    "duplicate_of": self.ids[root],
                    "kind": kind,
                    "similarity": similarity,
                }
            )
        return DedupResult(findings, dropped, keep)

    def _describe(self, i: int, root: int, sigs: np.ndarray) -> tuple[str, float, str]:
        if self._hashes[i] == self._hashes[root]:
            return "exact", 1.0, "same normalized text as"
        sim = float((sigs[i] == sigs[root]).mean()) if sigs.shape[0] == len(self.ids) else 0.0
        if self._urls[i] and self._urls[i] == self._urls[root] and sim < self.cfg.threshold:
            url = self._url_text.get(self._urls[i], "")
            return "url", round(sim, 4), f"same url `{codes.shorten(url, 60)}` as"
        shingles = f"{self.cfg.shingle}-word shingles"
        return "near", round(sim, 4), f"near-duplicate (Jaccard ~{sim:.2f} over {shingles}) of"


def _canonical_url(url: str) -> str:
    url = url.strip()
    for prefix in ("https://", "http://"):
        if url.lower().startswith(prefix):
            url = url[len(prefix) :]
            break
    url = url.split("#", 1)[0].rstrip("/")
    host, _, rest = url.partition("/")
    host = host.lower().removeprefix("www.")
    return f"{host}/{rest}"


def _equal_runs_array(keys: np.ndarray, skip: Any = None) -> list[np.ndarray]:
    """Index pairs (i, j), i < j, of equal keys: each member paired with the first
    and the previous member of its run (a star plus a chain: linear in run size)."""
    if keys.size < 2:
        return []
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    same = ordered[1:] == ordered[:-1]
    if skip is not None:
        same &= ordered[1:] != skip
    if not same.any():
        return []
    idx = np.flatnonzero(same)  # positions p where ordered[p+1] == ordered[p]
    run_start = np.flatnonzero(np.concatenate(([True], ~same)))  # first position of each run
    first_of = run_start[np.searchsorted(run_start, idx + 1, side="right") - 1]
    chain = np.stack([order[idx], order[idx + 1]], axis=1)
    star = np.stack([order[first_of], order[idx + 1]], axis=1)
    pairs = np.concatenate([chain, star])
    pairs.sort(axis=1)
    return [pairs]


def _equal_runs(keys: np.ndarray, skip: Any = None) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for arr in _equal_runs_array(keys, skip):
        out.extend(map(tuple, arr.tolist()))
    return out
