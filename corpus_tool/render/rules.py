"""The rule table that `corpus-tool rules` prints and the README documents."""

from __future__ import annotations

from corpus_tool.registry import FAMILIES, FIX_HINT, RULES, checks, family_key, load_all

OPT_IN_HINT = 'Off by default: turn it on with `extend_select = ["{code}"]` in [tool.corpus-tool].'


def rule_table() -> list[dict[str, str]]:
    """Every code, sorted: findings with their default severity, normalizer rules as `fix`."""
    load_all()
    rows = [
        {
            "code": c.code,
            "slug": c.slug,
            "family": c.family,
            "severity": "removed" if c.removed else c.severity.value,
            "summary": c.summary,
            "hint": c.hint,
        }
        for c in checks()
    ]
    rows += [
        {
            "code": r.code,
            "slug": r.slug,
            "family": FAMILIES["N"],
            "severity": "fix" if r.default else "opt-in fix",
            "summary": r.summary,
            "hint": FIX_HINT if r.default else OPT_IN_HINT.format(code=r.code),
        }
        for r in RULES.values()
    ]
    return sorted(rows, key=lambda r: family_key(r["code"]))


def render_rules(fmt: str = "text") -> str:
    rows = rule_table()
    if fmt == "json":
        import json

        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        lines = [
            "| code | name | family | severity | what it means |",
            "|---|---|---|---|---|",
        ]
        for r in rows:
            summary = r["summary"].replace("|", "\\|")
            lines.append(
                f"| `{r['code']}` | {r['slug']} | {r['family']} | {r['severity']} | {summary} |"
            )
        return "\n".join(lines) + "\n"
    return "".join(
        f"{r['code']:<5} {r['slug']:<23} {r['family']:<20} {r['severity']:<8} {r['summary']}\n"
        for r in rows
    )
