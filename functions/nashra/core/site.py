"""The site and its sections (`config/site.json`, `config/sections.json`), and the feed catalog.

Every feed nashra publishes is a `FeedSpec`: one per section, plus `all` (every published
article) and `breaking` (articles flagged «عاجل», AR-BRK-1); `feeds_for` says which of
them an article is in.
"""

from __future__ import annotations

import json
import re
from functools import cached_property
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from nashra.core.article import Article
from nashra.core.keys import SECTIONS_KEY, SITE_KEY
from nashra.core.problems import ConfigError, Problem

ALL_FEED = "all"
BREAKING_FEED = "breaking"
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
ID_RE = re.compile(SLUG_PATTERN)

Slug = Annotated[str, Field(pattern=SLUG_PATTERN)]
HttpUrl = Annotated[str, Field(pattern=r"^https?://[^\s/]+(/\S*)?$")]


class Site(BaseModel):
    """`config/site.json`: what every feed says about the site it belongs to."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    title: str = Field(min_length=1, description="Site name, Arabic first (AR-DIR-3).")
    description: str = Field(default="", description="One line about the site.")
    base_url: HttpUrl = Field(description="Where articles live, e.g. https://example.com")
    feeds_url: HttpUrl = Field(
        description="Where the CDN serves feeds, e.g. https://feeds.example.com"
    )
    language: str = Field(default="ar", pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")
    timezone: str = Field(default="Asia/Kuwait", description="Zone for naive dates (AR-DATE-2).")
    items_per_feed: int = Field(default=50, ge=1, le=1000)
    max_feed_bytes: int = Field(default=1_000_000, ge=10_000)
    hub: HttpUrl | None = Field(default=None, description="WebSub hub to ping on change.")
    icon: HttpUrl | None = None
    logo: HttpUrl | None = None
    copyright: str | None = None
    tag_authority: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9.-]+$",
        description="Host name in the tag: URIs of item ids; defaults to base_url's host. "
        "Set it once and never change it, even when the site moves (readers would see "
        "every item again).",
    )
    tag_date: str = Field(
        default="2026",
        pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$",
        description="Date in the tag: URIs of item ids (RFC 4151); never change it.",
    )
    arabic_slugs: bool = Field(default=False, description="Append an Arabic slug to default URLs.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("base_url", "feeds_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def authority(self) -> str:
        """Host name used as the tagging authority of item ids (RFC 4151)."""
        return self.tag_authority or urlsplit(self.base_url).hostname or "localhost"


class Section(BaseModel):
    """One entry of `config/sections.json`."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    slug: Slug
    title: str = Field(min_length=1)
    description: str = Field(default="")


class FeedSpec(BaseModel):
    """One published feed: a section, `all` or `breaking`."""

    model_config = ConfigDict(frozen=True)

    slug: str
    title: str
    description: str


def feed_catalog(site: Site, sections: tuple[Section, ...]) -> tuple[FeedSpec, ...]:
    """Every feed of the site: `all`, `breaking`, then the sections in config order.

    Feed titles start with the Arabic part (AR-DIR-3): «سياسة | نشرة».
    """
    specs = [
        FeedSpec(
            slug=ALL_FEED,
            title=f"كل الأخبار | {site.title}",
            description=site.description or f"آخر الأخبار من {site.title}",
        ),
        FeedSpec(
            slug=BREAKING_FEED,
            title=f"عاجل | {site.title}",
            description=f"الأخبار العاجلة من {site.title}",
        ),
    ]
    specs += [
        FeedSpec(
            slug=s.slug,
            title=f"{s.title} | {site.title}",
            description=s.description or f"أخبار {s.title} من {site.title}",
        )
        for s in sections
    ]
    return tuple(specs)


def feeds_for(article: Article) -> frozenset[str]:
    """The feeds an article belongs to: its section, `all`, and `breaking` (AR-BRK-1).

    The one definition of feed membership: the publisher re-renders these feeds when the
    article changes, and the renderer puts it in exactly these. Drafts are in none.

    >>> from datetime import UTC, datetime
    >>> when = datetime(2026, 3, 1, tzinfo=UTC)
    >>> story = Article(id="a", key="articles/a.json", section="gulf", title="t", summary="s",
    ...                 body_html="<p>b</p>", url="https://e.example/a", published=when)
    >>> sorted(feeds_for(story)), sorted(feeds_for(story.model_copy(update={"breaking": True})))
    (['all', 'gulf'], ['all', 'breaking', 'gulf'])
    >>> feeds_for(story.model_copy(update={"status": "draft"}))
    frozenset()
    """
    if article.status == "draft":
        return frozenset()
    feeds = {article.section, ALL_FEED}
    if article.breaking:
        feeds.add(BREAKING_FEED)
    return frozenset(feeds)


def _load_json(raw: bytes, name: str) -> object:
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(
            (Problem(name, "json", f"not valid UTF-8 JSON: {exc}", f"ليس ملف JSON صالحًا: {exc}"),)
        ) from exc


def _config_error(name: str, exc: ValidationError) -> ConfigError:
    problems = tuple(
        Problem(
            f"{name}:{'.'.join(str(p) for p in err['loc'])}",
            err["type"],
            err["msg"],
            f"قيمة غير صالحة في إعدادات الموقع: {err['msg']}",
        )
        for err in exc.errors()
    )
    return ConfigError(problems)


def parse_site(raw: bytes) -> Site:
    """Read `config/site.json`; raises ConfigError naming every bad field."""
    data = _load_json(raw, SITE_KEY)
    try:
        return Site.model_validate(data)
    except ValidationError as exc:
        raise _config_error(SITE_KEY, exc) from exc


def parse_sections(raw: bytes) -> tuple[Section, ...]:
    """Read `config/sections.json` (a list); slugs must be unique and not reserved."""
    data = _load_json(raw, SECTIONS_KEY)
    try:
        sections = _SECTIONS.validate_python(data)
    except ValidationError as exc:
        raise _config_error(SECTIONS_KEY, exc) from exc
    slugs = [s.slug for s in sections]
    bad = sorted({s for s in slugs if slugs.count(s) > 1 or s in (ALL_FEED, BREAKING_FEED)})
    if bad:
        raise ConfigError(
            (
                Problem(
                    SECTIONS_KEY,
                    "section-slug",
                    f"duplicate or reserved section slugs: {', '.join(bad)}",
                    f"أسماء أقسام مكررة أو محجوزة: {', '.join(bad)}",
                ),
            )
        )
    return tuple(sections)


_SECTIONS = TypeAdapter(list[Section])
