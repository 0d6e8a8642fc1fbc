"""The dataset card `README.md`: Hugging Face YAML metadata and a summary for people.

The YAML header comes from huggingface_hub's `DatasetCardData`, so the Hub and
`datasets.load_dataset` read exactly what they expect: `configs` points the
default config at the shards of the described format (`formats.described`; the
copies in the other formats are not loaded twice), `dataset_info` gives the
features with the Arrow types.

Every corpus or configuration string (pretty name, description, sources, codes)
is escaped for where it lands (`corpus_tool.escape`): YAML values are
dumped by `yaml.safe_dump` on one line each, Markdown text is literal text that
cannot open a heading, a table column, a link or raw HTML.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from huggingface_hub import DatasetCardData

from corpus_tool.escape import md_code, md_paragraphs, md_text, yaml_block
from corpus_tool.package.fields import FIELDS
from corpus_tool.package.files import SPLIT
from corpus_tool.package.formats import FORMATS, described
from corpus_tool.package.manifest import UNKNOWN, ReleaseInfo, sorted_counts
from corpus_tool.registry import RULES

# Hugging Face's size_categories buckets: (upper bound, label), first match wins.
SIZE_CATEGORIES = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
    (10_000_000_000, "1B<n<10B"),
    (100_000_000_000, "10B<n<100B"),
    (1_000_000_000_000, "100B<n<1T"),
)


def size_category(n: int) -> str:
    return next((label for bound, label in SIZE_CATEGORIES if n < bound), "n>1T")


def configs() -> list[dict[str, Any]]:
    """The card's `configs`: the shards `datasets.load_dataset` reads."""
    return [{"config_name": "default", "data_files": [{"split": SPLIT, "path": described().glob}]}]


def card_data(info: ReleaseInfo) -> DatasetCardData:
    download_bytes = sum(f.bytes for f in info.shards(described()))
    cfg = info.config
    other = cfg.license == "other"
    return DatasetCardData(
        pretty_name=info.pretty_name,
        license=cfg.license,
        license_name=(cfg.license_name or None) if other else None,
        license_link=(cfg.license_link or None) if other else None,
        task_categories=cfg.task_categories or None,
        tags=cfg.tags or None,
        language=info.languages,
        size_categories=[size_category(info.counts.records)],
        configs=configs(),
        dataset_info={
            "features": [spec.hf_feature for spec in FIELDS],
            "splits": [
                {
                    "name": SPLIT,
                    "num_bytes": info.counts.arrow_bytes,
                    "num_examples": info.counts.records,
                }
            ],
            "download_size": download_bytes,
            "dataset_size": info.counts.arrow_bytes,
        },
    )


def _table(header: tuple[str, ...], rows: list[tuple[object, ...]]) -> list[str]:
    """A Markdown table; cells are Markdown already (escape corpus text with md_text)."""

    def cells(row: tuple[object, ...]) -> str:
        return "| " + " | ".join(str(c) for c in row) + " |"

    return [cells(header), "|" + "---|" * len(header), *(cells(r) for r in rows)]


def _trusted_cell(text: str) -> str:
    """Text of this program (rule summaries, field descriptions): Markdown kept,
    on one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def _rule_summary(code: str) -> str:
    rule = RULES.get(code)
    return (rule.summary if rule else "") or "(no description: rule not known to this version)"


def card_body(info: ReleaseInfo) -> str:
    c = info.counts
    n = c.records
    name = md_text(info.pretty_name)
    description = (
        md_paragraphs(info.config.description)
        if info.config.description
        else (
            f"{name} is a text corpus of {n} document{'s' if n != 1 else ''},"
            " normalized, checked and deduplicated with corpus_tool."
        )
    )
    out = [f"# {name}", "", description, ""]
    out += [f"Version {info.version}. Record schema and checksums: `manifest.json`.", ""]
    out += ["## Fields", ""]
    out += _table(
        ("field", "type", "description"),
        [(f"`{s.name}`", s.type_label, _trusted_cell(s.description)) for s in FIELDS],
    )
    out += ["", "## Contents", "", f"{n} records.", ""]
    out += _table(
        ("source", "records"), [(md_text(k), v) for k, v in sorted_counts(c.by_source).items()]
    )
    out += [""]
    out += _table(
        ("published (month)", "records"),
        [(md_text(k), v) for k, v in sorted_counts(c.by_month).items()],
    )
    out += ["", "## Normalization", ""]
    if info.normalization_counts:
        out += ["Rules that changed the text, and how many documents each changed:", ""]
        out += _table(
            ("code", "rule", "documents"),
            [
                (md_code(code), _trusted_cell(_rule_summary(code)), count)
                for code, count in sorted_counts(info.normalization_counts).items()
            ],
        )
    else:
        out += ["No normalization rule changed any document."]
    kinds = sorted_counts(Counter(d["kind"] for d in info.dropped))
    out += ["", "## Duplicates", ""]
    dropped = len(info.dropped)
    out += [
        f"{dropped} duplicate document{'s' if dropped != 1 else ''} dropped"
        + (" (" + ", ".join(f"{v} {md_text(k)}" for k, v in kinds.items()) + ")" if kinds else "")
        + "; `manifest.json` lists each with the document it duplicates."
    ]
    out += ["", *limitations(info)]
    out += ["", "## Usage", "", "```python"]
    out += [
        "import corpus_tool",
        'ds = corpus_tool.load(".")  # verifies every checksum first',
        "",
        "import datasets",
        f'ds = datasets.load_dataset(".", split="{SPLIT}")',
    ]
    for usage in (fmt.card_usage() for fmt in FORMATS):
        out += ["", *usage] if usage else []
    out += ["```", ""]
    out += [fmt.card_note() for fmt in FORMATS if fmt is not described()]
    cite = citation(info)
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", cite)), default=0))
    out += ["", "## Citation", "", fence, *cite.splitlines(), fence]
    return "\n".join(out) + "\n"


def citation(info: ReleaseInfo) -> str:
    """The configured citation, else a BibTeX entry made from the name and version
    (the card's Citation section and Croissant's `citeAs`). No year: the release's
    time is provenance, and the card is part of its identity."""
    if info.config.citation:
        return info.config.citation.strip()
    key = re.sub(r"[^A-Za-z0-9]+", "_", f"{info.name}_{info.version}")
    fields = [f"  title = {{{_bibtex(info.pretty_name)}}}", f"  version = {{{info.version}}}"]
    if info.config.homepage:
        fields.append(f"  url = {{{_bibtex(info.config.homepage)}}}")
    return "@misc{" + key + ",\n" + ",\n".join(fields) + "\n}"


def _bibtex(text: str) -> str:
    """Text inside BibTeX braces: braces and backslashes dropped, on one line."""
    return " ".join(re.sub(r"[{}\\]", "", text).split())


def limitations(info: ReleaseInfo) -> list[str]:
    """What the release leaves out of the corpus, and why."""
    c = info.counts
    out = ["## Limitations", ""]
    out += [
        "Only documents without error findings are released: `corpus-tool check`"
        " fails the build on any, so no record has invalid metadata, an invalid id or"
        " undecodable text.",
        "",
    ]
    kinds = sorted_counts(Counter(d["kind"] for d in info.dropped))
    why = {
        "exact": "the same normalized text as an earlier document",
        "near": f"nearly the same text as an earlier document (Jaccard similarity of"
        f" {info.config.dedup.shingle}-word shingles at least {info.config.dedup.threshold})",
        "url": "the same URL as an earlier document",
    }
    if kinds:
        for kind, n in kinds.items():
            reason = why.get(kind, md_text(kind))
            out += [f"{n} duplicate document{'s' if n != 1 else ''} removed: {reason}.", ""]
        out += ["Of each cluster of duplicates the first document in corpus order is kept.", ""]
    else:
        out += ["No duplicate was removed.", ""]
    if info.normalization_counts:
        n = len(info.normalization_counts)
        out += [
            f"Normalization removed scraping debris from the texts ({n} rule"
            f"{'s' if n != 1 else ''}, see Normalization): page furniture, prompts, credits"
            " and header lines are not in `text`; header metadata moved to the fields.",
            "",
        ]
    unknown_source = c.by_source.get(UNKNOWN, 0)
    undated = c.by_month.get(UNKNOWN, 0)
    if unknown_source or undated:
        out += [
            f"{unknown_source} record{'s' if unknown_source != 1 else ''} without a source and"
            f" {undated} without a publication date: metadata that is not known is left"
            " out, not guessed.",
            "",
        ]
    out.pop()  # the blank line after the last paragraph
    return out


def render_card(info: ReleaseInfo) -> str:
    """The whole README.md: `---` YAML `---` then the body."""
    return f"---\n{yaml_block(card_data(info).to_dict())}\n---\n\n{card_body(info)}"
