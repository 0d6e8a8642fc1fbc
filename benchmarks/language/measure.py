"""Accuracy and speed of language identifiers on `sample.jsonl` (see make_sample.py).

Each candidate reads the first PREFIX characters of a document, as the check does.
Prints, per candidate: accuracy on short (one sentence) and longer documents, how
often it is confident (top probability >= CONFIDENT) and its accuracy then, and the
median time per document.

Usage: python3 benchmarks/language/measure.py [sample.jsonl] [candidate ...]
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

PREFIX = 2000  # characters read per document
CONFIDENT = 0.9  # the check's default confidence

Detector = Callable[[str], tuple[str, float]]


def py3langid() -> Detector:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return lambda text: ident.classify(text)


def langid() -> Detector:
    from langid.langid import LanguageIdentifier, model

    ident = LanguageIdentifier.from_modelstring(model, norm_probs=True)
    return lambda text: ident.classify(text)


def lingua(low: bool = False) -> Detector:
    from lingua import LanguageDetectorBuilder

    builder = LanguageDetectorBuilder.from_all_languages()
    detector = (builder.with_low_accuracy_mode() if low else builder).build()

    def detect(text: str) -> tuple[str, float]:
        values = detector.compute_language_confidence_values(text)
        if not values:
            return "und", 0.0
        top = values[0]
        return top.language.iso_code_639_1.name.lower(), top.value

    return detect


def corpus_tool() -> Detector:
    from corpus_tool.validate.language import detect

    def run(text: str) -> tuple[str, float]:
        guess = detect(text)
        return guess.language or "und", guess.confidence

    return run


CANDIDATES: dict[str, Callable[[], Detector]] = {
    "py3langid": py3langid,
    "langid": langid,
    "lingua": lingua,
    "lingua-low": lambda: lingua(low=True),
    "corpus_tool": corpus_tool,
}


def main() -> None:
    args = sys.argv[1:]
    sample = Path(args.pop(0)) if args and args[0].endswith(".jsonl") else None
    sample = sample or Path(__file__).with_name("sample.jsonl")
    docs = [json.loads(line) for line in sample.read_text(encoding="utf-8").splitlines()]
    for name in args or list(CANDIDATES):
        try:
            start = time.perf_counter()
            detect = CANDIDATES[name]()
            load = time.perf_counter() - start
        except ImportError as exc:
            print(f"{name}: not installed ({exc})")
            continue
        times, rows = [], []
        for doc in docs:
            text = doc["text"][:PREFIX]
            t0 = time.perf_counter()
            lang, conf = detect(text)
            times.append(time.perf_counter() - t0)
            rows.append((doc, lang, conf))
        short = [(d, lg) for d, lg, _ in rows if "-short-" in d["id"]]
        long = [(d, lg) for d, lg, _ in rows if "-short-" not in d["id"]]
        sure = [(d, lg) for d, lg, c in rows if c >= CONFIDENT]

        def acc(pairs: list[tuple[dict[str, str], str]]) -> str:
            right = sum(d["lang"] == lg for d, lg in pairs)
            return f"{right}/{len(pairs)} = {right / max(len(pairs), 1):.3f}"

        print(
            f"{name}: load {load:.2f} s; short {acc(short)}; longer {acc(long)}; "
            f"confident >= {CONFIDENT}: {len(sure)}/{len(rows)}, accuracy {acc(sure)}; "
            f"median {statistics.median(times) * 1e3:.2f} ms/doc"
        )
        wrong = [(d["id"], d["lang"], lg, round(c, 3)) for d, lg, c in rows if d["lang"] != lg]
        sure_wrong = [w for w in wrong if w[3] >= CONFIDENT]
        print(f"  confident and wrong: {sure_wrong[:12]}")


if __name__ == "__main__":
    main()
