"""The project keeps its promises: schemas, docs, workflows, lint and types."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from corpus_tool.cli import app
from corpus_tool.models import SCHEMA_FILES, render_schema
from corpus_tool.registry import FAMILIES
from corpus_tool.render.rules import render_rules, rule_table
from tests.conftest import ROOT, invoke

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_schema_check_passes_on_the_committed_schemas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = invoke("schema", "--check")
    assert result.exit_code == 0, result.stderr


def test_schema_check_fails_when_a_schema_drifts(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name, model in SCHEMA_FILES.items():
        (tmp_path / "schemas").mkdir(exist_ok=True)
        (tmp_path / "schemas" / name).write_text(render_schema(model), encoding="utf-8")
    assert invoke("schema", "--check").exit_code == 0
    path = tmp_path / "schemas" / "sidecar.schema.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"Publisher."', '"Who?"'))
    result = invoke("schema", "--check")
    assert result.exit_code == 1
    assert "sidecar.schema.json" in result.stderr


def test_readme_rule_table_is_current() -> None:
    table = README.split("<!-- rules:start -->\n", 1)[1].split("<!-- rules:end -->", 1)[0]
    assert table == render_rules("markdown"), "run: corpus-tool rules --format markdown"


def test_every_rule_has_a_summary_and_hint() -> None:
    for row in rule_table():
        assert row["summary"] and row["hint"], row["code"]
        assert re.fullmatch(rf"[{''.join(FAMILIES)}]\d{{3}}", row["code"])
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", row["slug"])


def test_every_command_is_documented() -> None:
    commands = [c.name or c.callback.__name__ for c in app.registered_commands]  # type: ignore[union-attr]
    assert commands
    for name in commands:
        assert f"corpus-tool {name}" in README, name
        assert invoke(name, "--help").exit_code == 0


def test_workflows_are_valid_github_actions() -> None:
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    assert workflows
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, workflows),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pre_commit_hook_runs_the_check() -> None:
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = hooks
    assert hook["entry"].startswith("corpus-tool check")
    assert hook["language"] == "python" and hook["pass_filenames"] is False


def test_ci_runs_the_readme_test_command() -> None:
    command = README.split("# run the whole test suite (with ruff and mypy)\n", 1)[1].splitlines()[
        0
    ]
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert command in script.splitlines()


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        ["mypy"],
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_lint_and_types(command: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
