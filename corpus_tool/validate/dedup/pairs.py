"""Keys and pairs: which documents are duplicates of which, as index pairs (i, j), i < j.

Exact duplicates share `hash_keys` of the text's SHA-256, same-URL ones a
`url_key`; near duplicates share an LSH band key of their MinHash signatures
(`band_key`/`band_keys`) and then pass `similar`. `key_pairs` turns equal keys
into pairs; `near_pairs` does the candidates and the check for a whole store.
The pairs go to `clusters.cluster`.

Shared by both engines: the local one (through `index.DedupIndex.resolve`)
calls them on whole arrays, the Ray engine on each shuffled partition (equal
keys always meet in one partition).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xxhash

from corpus_tool.config import DedupConfig
from corpus_tool.models import canonical_url
from corpus_tool.validate.dedup.hashing import U64, P, SignatureStore, mix


def hash_keys(digests: list[bytes] | bytes) -> np.ndarray:
    """64 bits of each SHA-256 digest (a list, or all of them joined): ample for a key."""
    joined = digests if isinstance(digests, bytes) else b"".join(digests)
    if not joined:
        return np.empty(0, dtype=U64)
    words = np.frombuffer(joined, dtype=U64).reshape(-1, 4)
    return words[:, 0] ^ mix(words[:, 1])


def url_key(url: str | None) -> int:
    """A 64-bit key of the canonical url; 0 without a url (or with no string at all)."""
    if not url or not isinstance(url, str):
        return 0
    return xxhash.xxh64_intdigest(canonical_url(url).encode("utf-8", "surrogatepass"))


def band_key(band: np.ndarray) -> np.ndarray:
    """LSH: one 64-bit key per row of one band's columns (documents x rows per band)."""
    band = band.astype(U64)
    key = np.zeros(band.shape[0], dtype=U64)
    with np.errstate(over="ignore"):
        for j in range(band.shape[1]):
            key = mix(key * P + band[:, j])
    return key


def band_keys(sigs: np.ndarray, cfg: DedupConfig) -> np.ndarray:
    """LSH: one 64-bit key per band of each signature (documents x bands)."""
    rows = cfg.num_perm // cfg.bands
    keys = np.empty((sigs.shape[0], cfg.bands), dtype=U64)
    for b in range(cfg.bands):
        keys[:, b] = band_key(sigs[:, b * rows : (b + 1) * rows])
    return keys


def similar(a: np.ndarray, b: np.ndarray, threshold: float) -> np.ndarray:
    """Per row pair of signatures: is the fraction of equal MinHash values >= threshold?"""
    equal = np.count_nonzero(a == b, axis=-1)
    return np.asarray(equal >= threshold * a.shape[-1])


MAX_HELD_KEYS = 8_000_000  # candidate pair keys (64 MB) held before merging repeats
VERIFY_CHUNK = 65_536  # candidate pairs whose signatures are compared at once


def near_pairs(
    sigs: np.ndarray | SignatureStore, cfg: DedupConfig, tally: np.ndarray | None = None
) -> np.ndarray:
    """Verified near-duplicate pairs: candidates share a band key, then pass `similar`.

    One band at a time, so the keys of all bands never sit in memory together;
    a candidate pair is held as one 64-bit key (`i * n + j`) until verified.
    `tally` (num_perm + 1 counters), if given, counts the candidate pairs by how many
    MinHash values they share, passed or not: the report's similarity histogram.
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
        if tally is not None:
            equal = np.count_nonzero(left == right, axis=-1)
            tally += np.bincount(equal, minlength=tally.size)[: tally.size]
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
