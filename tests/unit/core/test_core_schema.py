"""The article JSON Schema as an editor's IDE uses it: every field explained in Arabic
then English, `$schema` accepted, and every article of content/ valid as it is typed."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from nashra.core.article import SCHEMA_PATH, article_json_schema
from nashra.core.intake import parse_article
from nashra.core.site import Section, Site

ROOT = Path(__file__).resolve().parents[3]
ARTICLES = ROOT / "content" / "articles"
SCHEMA_FILE = ROOT / "content" / "schema" / "article.schema.json"
ARABIC = re.compile("[\u0600-\u06ff]")
NOW_ISO = "2026-11-20T08:00:00+03:00"


def properties(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property of the article and of its nested objects, by dotted name."""
    yield from schema["properties"].items()
    for name, definition in schema.get("$defs", {}).items():
        for prop, spec in definition.get("properties", {}).items():
            yield f"{name}.{prop}", spec


def test_every_property_is_explained_in_arabic_then_english() -> None:
    schema = article_json_schema()
    found = dict(properties(schema))
    assert {"$schema", "correction", "AuthorInput.email", "ImageInput.caption"} <= set(found)
    for name, spec in found.items():
        arabic, _, english = spec.get("description", "").partition("\n\n")
        assert ARABIC.search(arabic), f"{name}: no Arabic description first"
        assert re.search(r"[A-Za-z]{3} [a-z]{2,}", english), f"{name}: no English after it"
    arabic, _, english = schema["description"].partition("\n\n")
    assert ARABIC.search(arabic) and "article" in english


def test_the_schema_file_is_the_generated_one_and_points_at_itself() -> None:
    schema = json.loads(SCHEMA_FILE.read_text("utf-8"))
    assert schema == article_json_schema()  # `nashra schema` regenerates it
    # Relative to content/articles/, where the files naming it live.
    assert (ARTICLES / SCHEMA_PATH).resolve() == SCHEMA_FILE.resolve()
    jsonschema.Draft202012Validator.check_schema(schema)


def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text("utf-8")))


@pytest.mark.parametrize("path", sorted(ARTICLES.glob("*.json")), ids=lambda p: p.name)
def test_every_content_article_validates_as_it_is_and_with_schema_first(path: Path) -> None:
    data = json.loads(path.read_text("utf-8"))
    assert list(validator().iter_errors(data)) == []
    typed = {"$schema": SCHEMA_PATH, **{k: v for k, v in data.items() if k != "$schema"}}
    assert list(validator().iter_errors(typed)) == []


def test_an_article_being_typed_is_checked_field_by_field() -> None:
    """What the IDE shows while a file is half written: the missing required fields, a
    wrong type where it is, the correction's need for `updated`, the bounds."""
    typed: dict[str, Any] = {"$schema": SCHEMA_PATH, "section": "gulf", "breaking": "yes"}
    errors = list(validator().iter_errors(typed))
    missing = {e.message.split("'")[1] for e in errors if e.validator == "required"}
    assert missing == {"title", "published", "body"}
    assert [list(e.path) for e in errors if e.validator != "required"] == [["breaking"]]
    typed |= {"breaking": True, "title": "عنوان", "published": NOW_ISO, "body": "نص"}
    assert list(validator().iter_errors(typed)) == []
    typed["correction"] = "تصحيح" * 60
    rules = sorted(e.validator for e in validator().iter_errors(typed))
    assert rules == ["dependentRequired", "maxLength"]
    typed |= {"correction": "الرقم الصحيح 5", "updated": "2026-11-21T08:00:00+03:00"}
    assert list(validator().iter_errors(typed)) == []
    typed["$schema"] = 3
    assert [e.validator for e in validator().iter_errors(typed)] == ["anyOf"]


def test_schema_is_an_accepted_field_not_an_unknown_one(
    site: Site, sections: tuple[Section, ...], now: Any
) -> None:
    path = ARTICLES / "gold-price-record.json"
    data = {"$schema": SCHEMA_PATH, **json.loads(path.read_text("utf-8"))}
    raw = json.dumps(data, ensure_ascii=False).encode()
    result = parse_article(
        raw, key="articles/gold-price-record.json", site=site, sections=sections, now=now
    )
    assert result.article is not None
    assert [p for p in result.problems if p.rule == "unknown-field"] == []
    plain = parse_article(
        path.read_bytes(),
        key="articles/gold-price-record.json",
        site=site,
        sections=sections,
        now=now,
    )
    assert result.article == plain.article  # not published anywhere: the same article
    data["$schema"] = ["not", "a", "string"]
    raw = json.dumps(data, ensure_ascii=False).encode()
    result = parse_article(raw, key="articles/x.json", site=site, sections=sections, now=now)
    assert [(p.field, p.rule) for p in result.problems] == [("$schema", "string_type")]
