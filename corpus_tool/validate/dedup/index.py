"""The dedup index: compact per-document state in the main process, resolved once.

`DedupIndex.add` takes each document's SHA-256, URL and MinHash signature (from
`hashing.signatures`, computed by the workers); `resolve` finds the pairs
(`pairs`), clusters them and makes the findings (`clusters`), and returns a
`DedupResult`: the findings, the manifest's dropped entries and a kept flag per
document. An engine that finds the clusters itself hands them to `settle`.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import Any

import numpy as np

from corpus_tool.config import DedupConfig
from corpus_tool.findings import Finding
from corpus_tool.validate.dedup.clusters import Member, cluster, report
from corpus_tool.validate.dedup.hashing import U64, SignatureStore
from corpus_tool.validate.dedup.pairs import (
    hash_keys,
    key_pairs,
    near_pairs,
    stable_argsort,
    url_key,
)


@dataclass
class DedupResult:
    findings: list[Finding]
    dropped: list[dict[str, Any]]
    keep: np.ndarray  # bool per document added, in order
    # Candidate near-duplicate pairs by MinHash values shared (0..num_perm), verified
    # or not; None where the engine found the pairs elsewhere.
    similarities: np.ndarray | None = None
    # Dropped document number -> the number of the one kept (`clusters.cluster`).
    roots: dict[int, int] | None = None


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
        tally = np.zeros(self.cfg.num_perm + 1, dtype=np.int64)
        if self.cfg.exact:
            pairs.append(key_pairs(hash_keys(bytes(self._hashes))))
        if self.cfg.near and self._sigs.rows == n and n > 1:
            pairs.append(near_pairs(self._sigs, self.cfg, tally))
        if self.cfg.url:
            pairs.append(key_pairs(np.frombuffer(self._urls, dtype=U64), skip=U64(0)))
        result = self.settle(cluster(pairs))
        result.similarities = tally
        return result

    def settle(self, roots: dict[int, int]) -> DedupResult:
        """The findings and the kept flags of the clusters `roots` (see `cluster`),
        however they were found: here by `resolve`, or by an engine elsewhere."""
        findings, dropped = report(roots, self._member, self.cfg)
        keep = np.ones(len(self.ids), dtype=bool)
        keep[list(roots)] = False
        return DedupResult(findings, dropped, keep, roots=roots)

    def _url_of(self, i: int) -> str:
        start = self._url_ends[i - 1] if i else 0
        return self._url_bytes[start : self._url_ends[i]].decode("utf-8", "surrogatepass")

    def _first_url_index(self, key: int) -> int:
        """The first document (in corpus order) with this url key: its spelling is shown."""
        if self._url_order is None:
            keys = np.frombuffer(self._urls, dtype=U64)
            order = stable_argsort(keys)  # equal keys stay in corpus order
            self._url_order = keys[order], order
        ordered, order = self._url_order
        return int(order[np.searchsorted(ordered, U64(key))])

    def _member(self, i: int) -> Member:
        path, line = self.location(i)
        key = self._urls[i]
        sig = self._sigs[i] if self._sigs.rows == len(self.ids) else None
        digest = bytes(self._hashes[32 * i : 32 * i + 32])
        url = self._url_of(self._first_url_index(key)) if key else ""
        return Member(self.ids[i], path, line, digest, key, url, sig)
