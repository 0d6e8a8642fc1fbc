"""MinHash signatures: what they are computed from, independent of batching."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_tool.config import DedupConfig
from corpus_tool.validate.dedup.clusters import cluster
from corpus_tool.validate.dedup.hashing import shingle_hashes, signatures, word_hashes
from corpus_tool.validate.dedup.pairs import distinct, similar, stable_argsort

CFG = DedupConfig()
words = st.sampled_from(["Baku", "peace", "ΟΔΟΣ", "café", "naïve", "a", "the", "Zu\u0308rich"])
spaces = st.sampled_from([" ", "\n", "\t", "  ", "\n\n"])
texts = st.lists(st.tuples(words, spaces), max_size=30).map(
    lambda pairs: "".join(w + s for w, s in pairs)
)


@settings(max_examples=60, deadline=None)
@given(batch=st.lists(texts, max_size=8))
def test_a_signature_does_not_depend_on_its_batch(batch: list[str]) -> None:
    """Workers and Ray batch documents differently: a document's signature is its own."""
    together = signatures(batch, CFG)
    alone = [signatures([text], CFG) for text in batch]
    assert together.shape == (len(batch), CFG.num_perm)
    for row, single in zip(together, alone, strict=True):
        assert np.array_equal(row, single[0])


def test_words_are_split_on_whitespace_and_lower_cased() -> None:
    hashes, offsets = word_hashes(["Peace  talks\nPEACE", "", "talks"])
    assert offsets.tolist() == [0, 3, 3, 4]
    assert hashes[0] == hashes[2]  # `Peace` and `PEACE`
    assert hashes[1] == hashes[3]  # the same word in another text
    assert hashes[0] != hashes[1]


def test_shingles_stay_inside_their_text() -> None:
    k = 3
    flat, offsets = shingle_hashes(["a b c d", "e f", "", "a b c"], k)
    assert offsets.tolist() == [0, 2, 3, 3, 4]  # 2 runs, 1 short-text shingle, none, 1
    assert flat[0] == flat[3]  # `a b c` in the first and the last text
    alone, _ = shingle_hashes(["e f"], k)
    assert flat[2] == alone[0]


def test_near_and_far_texts() -> None:
    base = " ".join(f"word{i}" for i in range(300))
    near = base.replace("word150", "changed")
    far = " ".join(f"other{i}" for i in range(300))
    sigs = signatures([base, near, far], CFG)
    assert similar(sigs[0], sigs[1:2], CFG.threshold).tolist() == [True]
    assert similar(sigs[0], sigs[2:3], CFG.threshold).tolist() == [False]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 2**62), max_size=40))
def test_distinct_equals_numpy_unique(values: list[int]) -> None:
    keys = np.array(values, dtype=np.int64)
    assert np.array_equal(distinct(keys), np.unique(keys))


def _reference_cluster(pairs: list[tuple[int, int]]) -> dict[int, int]:
    """Every member of a component but its smallest -> the smallest, by search."""
    neighbours: dict[int, set[int]] = {}
    for i, j in pairs:
        neighbours.setdefault(i, set()).add(j)
        neighbours.setdefault(j, set()).add(i)
    out, seen = {}, set()
    for start in sorted(neighbours):
        if start in seen:
            continue
        component, todo = {start}, [start]
        while todo:
            for k in neighbours[todo.pop()] - component:
                component.add(k)
                todo.append(k)
        seen |= component
        out.update({k: start for k in component if k != start})
    return out


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=80))
def test_cluster_maps_each_member_to_the_first_of_its_component(
    rows: list[tuple[int, int]],
) -> None:
    pairs = [(min(i, j), max(i, j)) for i, j in rows if i != j]
    half = len(pairs) // 2
    chunks = [np.array(pairs[:half], dtype=np.int64), np.array(pairs[half:], dtype=np.int64)]
    assert cluster(chunks) == _reference_cluster(pairs)


def test_cluster_follows_long_chains() -> None:
    chain = np.array([(i, i + 1) for i in range(5000)][::-1], dtype=np.int64)
    assert cluster([chain]) == {i: 0 for i in range(1, 5001)}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 12), max_size=60))
def test_stable_argsort_equals_numpy_stable(values: list[int]) -> None:
    keys = np.array(values, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    assert np.array_equal(stable_argsort(keys), np.argsort(keys, kind="stable"))
