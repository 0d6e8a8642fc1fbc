from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from corpus_tool.cli import app

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_IDS = sorted(p.stem for p in SEEDS.glob("*.txt"))

os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.pop("SOURCE_DATE_EPOCH", None)

PYPROJECT = """\
[tool.corpus-tool]
name = "demo"
paths = ["corpus"]
language = "en"
{extra}
"""


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def invoke(*args: str) -> CliResult:
    """Run the CLI in-process, stdout and stderr apart, exceptions surfaced."""
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return CliResult(result.exit_code, result.stdout, result.stderr)


def check(*args: str) -> tuple[int, list[dict[str, Any]], dict[str, Any]]:
    """`corpus-tool check ARGS --format json`: (exit code, findings, summary)."""
    result = invoke("check", *args, "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    data = result.json()
    return result.exit_code, data["findings"], data["summary"]


def where(findings: list[dict[str, Any]], *codes: str) -> list[tuple[str, str, int | None]]:
    return [(f["code"], f["path"], f["line"]) for f in findings if f["code"] in codes]


@pytest.fixture
def cli() -> Callable[..., CliResult]:
    return invoke


class Corpus:
    """A temporary corpus repository: pyproject.toml plus files under corpus/."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.dir = root / "corpus"
        self.dir.mkdir()
        self.configure()

    def configure(self, extra: str = "") -> None:
        (self.root / "pyproject.toml").write_text(PYPROJECT.format(extra=extra), encoding="utf-8")

    def write(self, name: str, content: str | bytes) -> Path:
        path = self.dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode("utf-8")
        path.write_bytes(content)
        return path

    def sidecar(self, doc_id: str, data: dict[str, Any] | str) -> Path:
        text = data if isinstance(data, str) else json.dumps(data, indent=2)
        return self.write(f"{doc_id}.meta.json", text)

    def seed(self, doc_id: str, as_id: str | None = None) -> Path:
        target = self.dir / f"{as_id or doc_id}.txt"
        shutil.copy(SEEDS / f"{doc_id}.txt", target)
        return target


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Corpus:
    monkeypatch.chdir(tmp_path)
    return Corpus(tmp_path)


WORDS = [
    "committee",
    "budget",
    "river",
    "mountain",
    "village",
    "council",
    "harvest",
    "winter",
    "market",
    "station",
    "bridge",
    "school",
    "doctor",
    "museum",
    "festival",
    "election",
    "harbor",
    "factory",
    "garden",
    "library",
    "railway",
    "theater",
    "airport",
    "forest",
    "island",
    "valley",
    "teacher",
    "farmer",
    "painter",
    "soldier",
]


def article(n: int = 0, title: str | None = None) -> str:
    """A small clean article whose body is unique to `n` (no two are near-duplicates)."""
    import random

    rng = random.Random(n)
    paragraphs = []
    for _ in range(4):
        words = [rng.choice(WORDS) for _ in range(18)]
        paragraphs.append("The " + " ".join(words) + " said the report.")
    head = [f"# {title or f'Article number {n}'}", "By Jane Doe", "March 3, 2024"]
    return "\n\n".join(head + paragraphs) + "\n"
