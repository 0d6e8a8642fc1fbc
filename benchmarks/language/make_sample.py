"""Assemble the labelled multilingual sample that `measure.py` reads (`sample.jsonl`).

Two public sources, read from bare git mirrors given on the command line:

- lingua-py's `language-testdata/sentences/<lang>.txt` (Leipzig corpora sentences,
  not used to train any of the candidates measured here except lingua itself, which
  was tuned on other Leipzig sentences): for each language, documents of 1 sentence
  (short text) and of 10 sentences (a paragraph, as a short article).
- Mozilla readability's `test/test-pages/*/expected.html` (real web articles) whose
  `expected-metadata.json` names a language: the text with the tags stripped.

Usage: python3 benchmarks/language/make_sample.py LINGUA_GIT READABILITY_GIT > sample.jsonl
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys

PER_LANGUAGE = 6  # documents per language and length
LANGS = [
    "ar",
    "bg",
    "ca",
    "cs",
    "da",
    "de",
    "el",
    "en",
    "es",
    "et",
    "fa",
    "fi",
    "fr",
    "he",
    "hi",
    "hr",
    "hu",
    "id",
    "it",
    "ja",
    "ko",
    "lt",
    "lv",
    "nl",
    "pl",
    "pt",
    "ro",
    "ru",
    "sk",
    "sl",
    "sr",
    "sv",
    "th",
    "tr",
    "uk",
    "vi",
    "zh",
]


def git_show(git_dir: str, path: str) -> str:
    out = subprocess.run(
        ["git", f"--git-dir={git_dir}", "show", f"HEAD:{path}"], capture_output=True, check=True
    )
    return out.stdout.decode("utf-8")


def git_ls(git_dir: str, path: str) -> list[str]:
    out = subprocess.run(
        ["git", f"--git-dir={git_dir}", "ls-tree", "--name-only", "HEAD", path + "/"],
        capture_output=True,
        check=True,
    )
    return out.stdout.decode().split()


def lingua_docs(git_dir: str) -> list[dict[str, str]]:
    docs = []
    for lang in LANGS:
        try:
            sentences = git_show(git_dir, f"language-testdata/sentences/{lang}.txt").splitlines()
        except subprocess.CalledProcessError:
            continue
        sentences = [s for s in sentences if s.strip()]
        for i in range(PER_LANGUAGE):
            docs.append({"id": f"{lang}-short-{i}", "lang": lang, "text": sentences[i]})
            chunk = sentences[100 + 10 * i : 110 + 10 * i]
            docs.append({"id": f"{lang}-para-{i}", "lang": lang, "text": " ".join(chunk)})
    return docs


TEXT_CHARS = 3000  # of each article: the detectors read a prefix anyway
TAG = re.compile(r"<[^>]+>")


def readability_docs(git_dir: str) -> list[dict[str, str]]:
    docs = []
    for page in git_ls(git_dir, "test/test-pages"):
        meta = json.loads(git_show(git_dir, f"{page}/expected-metadata.json"))
        lang = (meta.get("lang") or "").split("-")[0].lower()
        if not lang:
            continue
        body = html.unescape(TAG.sub(" ", git_show(git_dir, f"{page}/expected.html")))
        text = "\n".join(" ".join(line.split()) for line in body.splitlines() if line.strip())
        if "lorem ipsum" in text.lower():  # placeholder Latin labelled as English: not a label
            continue
        name = "readability-" + page.rsplit("/", 1)[-1]
        docs.append({"id": name, "lang": lang, "text": text[:TEXT_CHARS]})
    return docs


def main() -> None:
    lingua_git, readability_git = sys.argv[1:3]
    for doc in lingua_docs(lingua_git) + readability_docs(readability_git):
        sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
