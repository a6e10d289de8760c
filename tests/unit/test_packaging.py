"""What ships must match what is declared: requirements, schema, and the README's tables."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from nashra.core.article import ArticleInput, article_json_schema

ROOT = Path(__file__).resolve().parents[2]


def _requirements() -> list[str]:
    lines = (ROOT / "functions" / "requirements.txt").read_text().splitlines()
    return sorted(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def test_function_requirements_match_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert _requirements() == sorted(project["dependencies"])


def test_runtime_dependencies_are_pinned() -> None:
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][\w.]*", r) for r in _requirements())


def test_article_schema_file_is_in_sync() -> None:
    """Regenerate with `nashra schema` when the article model changes."""
    path = ROOT / "content" / "schema" / "article.schema.json"
    assert json.loads(path.read_text(encoding="utf-8")) == article_json_schema()


def test_readme_documents_every_article_field() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = {m.group(1) for m in re.finditer(r"^\| `(\$?\w+)` \|", readme, re.MULTILINE)}
    fields = ArticleInput.model_fields
    assert {f.alias or name for name, f in fields.items()} <= table


def test_content_articles_satisfy_the_published_schema() -> None:
    import jsonschema

    schema = article_json_schema()
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted((ROOT / "content" / "articles").glob("*.json")):
        errors = list(validator.iter_errors(json.loads(path.read_text("utf-8"))))
        assert errors == [], path.name
    bad = {"section": "gulf", "title": "x", "published": "2026-11-01", "breaking": "yes"}
    assert any(e.validator == "required" for e in validator.iter_errors(bad))
    assert any(list(e.path) == ["breaking"] for e in validator.iter_errors(bad))


def test_readme_documents_exactly_the_site_keys() -> None:
    """Every key site.json takes has a row, and no row names a key it no longer takes."""
    from nashra.core.site import Site

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Site configuration", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (`\w+`(?:, `\w+`)*) \|", section, re.MULTILINE)
    keys = {k.strip("`") for row in rows for k in row.split(", ")}
    assert keys == set(Site.model_fields)
