"""Configuration: `[tool.corpus-tool]` in `pyproject.toml`."""

from __future__ import annotations

import difflib
import functools
import os
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
)

from corpus_tool.findings import Finding, Severity
from corpus_tool.models import LANGUAGE_PATTERN
from corpus_tool.registry import all_codes, enabled_codes, is_enabled


class ConfigError(Exception):
    """A usage or configuration error: the CLI prints it on one line and exits 2."""


def _known(selectors: list[str]) -> list[str]:
    for sel in selectors:
        if not sel or not any(code.startswith(sel) for code in all_codes()):
            raise ValueError(f"unknown rule code or prefix `{sel}`")
    return selectors


class DedupConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exact: bool = True  # hash of the normalized text
    near: bool = True  # MinHash LSH over word shingles
    url: bool = True  # same canonical URL
    threshold: float = Field(0.7, gt=0, le=1)  # Jaccard over `shingle`-word shingles
    shingle: int = Field(5, ge=1, le=32)  # words per shingle
    num_perm: int = Field(128, ge=16, le=1024)  # MinHash permutations
    bands: int = Field(32, ge=1)  # LSH bands; rows per band = num_perm / bands
    seed: int = 1  # MinHash seed; part of the release's reproducibility


class Config(BaseModel):
    """Every key of `[tool.corpus-tool]`; an unknown key is an error."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field("corpus", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    pretty_name: str | None = None
    description: str | None = None
    license: str = "other"  # SPDX id or a Hugging Face license id
    license_name: str | None = None  # with license = "other": the license's short name
    license_link: str | None = None  # with license = "other": where its text is (URL or path)
    homepage: str | None = Field(None, pattern=r"^https?://\S+$")  # Croissant's `url`
    task_categories: list[str] = Field(default_factory=list)  # Hugging Face task categories
    tags: list[str] = Field(default_factory=list)  # Hugging Face tags
    citation: str | None = None  # how to cite the dataset (BibTeX or a sentence)
    paths: list[str] = Field(default_factory=list)  # none: PATHS must be given
    # For documents without one: a BCP 47 tag, or "detect" (the detected language,
    # where the detector is at least `language_confidence` sure).
    language: str | None = Field(None, pattern=rf"^detect$|{LANGUAGE_PATTERN}")
    language_confidence: float = Field(0.9, gt=0, le=1)  # top probability of the detector
    select: list[str] = Field(default_factory=list)  # codes or prefixes; empty = all
    extend_select: list[str] = Field(default_factory=list)  # added to `select` (or to all)
    ignore: list[str] = Field(default_factory=list)
    # Glob (relative to the configuration's folder) -> codes or prefixes whose findings
    # are not reported for files it matches; `per-file-ignores`, as in ruff, works too.
    per_file_ignores: dict[str, list[str]] = Field(
        default_factory=dict,
        validation_alias=AliasChoices("per_file_ignores", "per-file-ignores"),
    )
    severity: dict[str, Severity] = Field(default_factory=dict)
    max_file_bytes: int = Field(16 * 1024 * 1024, gt=0)  # 16 MiB: far above any article
    shard_rows: int = Field(100_000, gt=0)  # records per release shard
    row_group_rows: int = Field(10_000, gt=0)  # records per Parquet row group (also ≤ 128 MB)
    dedup: DedupConfig = Field(default_factory=DedupConfig)
    # `check` against this release (a folder, or "latest": the newest in dist/): see --since
    since: str | None = None

    # Where the configuration came from; paths are relative to it.
    root: Path = Field(default_factory=Path.cwd, exclude=True)
    _file_ignores: dict[str, tuple[str, ...]] = PrivateAttr(default_factory=dict)

    @field_validator("select", "extend_select", "ignore")
    @classmethod
    def _known_selectors(cls, value: list[str]) -> list[str]:
        return _known(value)

    @field_validator("per_file_ignores")
    @classmethod
    def _known_file_selectors(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for codes in value.values():
            _known(codes)
        return value

    @field_validator("severity")
    @classmethod
    def _known_codes(cls, value: dict[str, Severity]) -> dict[str, Severity]:
        for code in value:
            if code not in all_codes():
                raise ValueError(f"unknown rule code `{code}`")
        return value

    @property
    def detect_language(self) -> bool:
        """`language = "detect"`: a document without a language takes the detected one."""
        return self.language == "detect"

    @property
    def default_language(self) -> str | None:
        """The language of documents that state none (None with "detect")."""
        return None if self.detect_language else self.language

    def enabled(self, code: str) -> bool:
        """ruff's selection: the longest matching selector wins; ignore wins ties."""
        return is_enabled(code, tuple(self.select), tuple(self.ignore), tuple(self.extend_select))

    def enabled_codes(self) -> frozenset[str]:
        """Every code this configuration leaves on (computed once per selection)."""
        return enabled_codes(tuple(self.select), tuple(self.ignore), tuple(self.extend_select))

    def with_selection(
        self,
        select: list[str] | None = None,
        ignore: list[str] | None = None,
        extend_select: list[str] | None = None,
    ) -> Config:
        """This configuration with the command line's `--select`, `--ignore` and
        `--extend-select` laid over it, as ruff lays them: the command line wins.

        `--select` starts the selection afresh (the configuration's `select`,
        `extend_select` and `ignore` no longer apply); without it, `--ignore` and
        `--extend-select` add to the configuration's, and a code the command line
        extends is no longer ignored by the configuration. Each value is a list of
        codes or prefixes (the CLI splits `--select N1,D001` on commas); an unknown
        one is a ConfigError that names the closest codes.
        """
        for option, values in (
            ("--select", select),
            ("--ignore", ignore),
            ("--extend-select", extend_select),
        ):
            for sel in values or ():
                check_selector(sel, option)
        if select is None and ignore is None and extend_select is None:
            return self
        if select is not None:
            update = {
                "select": select,
                "ignore": ignore or [],
                "extend_select": extend_select or [],
            }
        else:
            extended = extend_select or []
            update = {
                "ignore": [i for i in self.ignore if i not in extended] + (ignore or []),
                "extend_select": self.extend_select + extended,
            }
        return self.model_copy(update=update)

    def file_ignores(self, path: str | None) -> tuple[str, ...]:
        """The codes or prefixes `per_file_ignores` silences for `path` (a finding's
        path: relative to the working folder, or absolute)."""
        if not self.per_file_ignores or path is None:
            return ()
        found = self._file_ignores.get(path)
        if found is None:
            try:
                rel = Path(os.path.abspath(path)).relative_to(self.root.resolve()).as_posix()
            except ValueError:
                rel = Path(path).as_posix()
            codes: list[str] = []
            for pattern, selectors in self.per_file_ignores.items():
                if glob_matches(pattern, rel):
                    codes += selectors
            found = self._file_ignores[path] = tuple(codes)
        return found

    def apply(self, findings: list[Finding]) -> list[Finding]:
        """Drop findings of disabled codes and of codes `per_file_ignores` silences
        for their file, and apply severity overrides."""
        out = []
        per_file = bool(self.per_file_ignores)
        for f in findings:
            if not self.enabled(f.code):
                continue
            if per_file and suppressed(f.code, self.file_ignores(f.path)):
                continue
            if f.code in self.severity:
                f.severity = self.severity[f.code]
            out.append(f)
        return out

    def resolve(self, path: str) -> Path:
        p = Path(path)
        return p if p.is_absolute() else self.root / p


def suppressed(code: str, selectors: tuple[str, ...] | list[str]) -> bool:
    """Does a suppression list (codes or prefixes) name `code`?"""
    return any(code.startswith(sel) for sel in selectors)


def close_codes(word: str, n: int = 3) -> list[str]:
    """The known codes nearest to `word` (for "did you mean")."""
    codes = sorted(all_codes())
    near = difflib.get_close_matches(word.upper(), codes, n=n, cutoff=0.5)
    if not near and word[:1].upper():
        near = [c for c in codes if c.startswith(word[:1].upper())][:n]
    return near


def check_selector(sel: str, option: str) -> None:
    """ConfigError unless `sel` is a code or a prefix of one."""
    if not sel or not any(code.startswith(sel) for code in all_codes()):
        near = close_codes(sel)
        hint = f" (did you mean {', '.join(f'`{c}`' for c in near)}?)" if near else ""
        raise ConfigError(f"{option}: unknown rule code or prefix `{sel}`{hint}")


@functools.lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob as a regex: `**` any path (also none), `*` and `?` within one name."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        out.append("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c))
        i += 1
    return re.compile("".join(out))


def glob_matches(pattern: str, path: str) -> bool:
    """`path` (relative, with `/`) matches the glob; a pattern without `/` also
    matches a file's name in any folder, and a folder's pattern what is under it."""
    pattern = pattern.removeprefix("./")
    rx = _glob_regex(pattern.rstrip("/"))
    if rx.fullmatch(path):
        return True
    if "/" not in pattern and rx.fullmatch(path.rsplit("/", 1)[-1]):
        return True
    return any(rx.fullmatch(path[:i]) for i, c in enumerate(path) if c == "/")


def find_pyproject(start: Path) -> Path | None:
    for folder in [start, *start.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
            if "corpus-tool" in data.get("tool", {}):
                return candidate
    return None


def load_config(path: str | Path | None = None, cwd: Path | None = None) -> Config:
    """Read `[tool.corpus-tool]` from `path`, or from the nearest pyproject.toml.

    No configuration at all gives the defaults, rooted at the working folder.
    """
    cwd = cwd or Path.cwd()
    if path is None:
        found = find_pyproject(cwd)
        if found is None:
            return Config(root=cwd)
        path = found
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    section: Any = (
        data.get("tool", {}).get("corpus-tool", {}) if path.name == "pyproject.toml" else data
    )
    if "tool" in section and path.name != "pyproject.toml":
        section = section["tool"].get("corpus-tool", {})
    return parse_config(section, source=str(path), root=path.resolve().parent)


def parse_config(section: dict[str, Any], source: str, root: Path) -> Config:
    try:
        return Config.model_validate({**section, "root": root})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            raise ConfigError(f"{source}: unknown key `{where}` in [tool.corpus-tool]") from None
        msg = err["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{source}: [tool.corpus-tool] `{where}`: {msg}") from None
