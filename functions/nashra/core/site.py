"""The site and its sections (`config/site.json`, `config/sections.json`), and the feed catalog.

Every feed nashra publishes is a `FeedSpec`: one per section, plus `all` (every published
article) and `breaking` (articles flagged «عاجل», AR-BRK-1); `feeds_for` says which of
them an article is in.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from functools import cached_property
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from nashra.core.article import Article
from nashra.core.decode import decode_document
from nashra.core.keys import SECTIONS_KEY, SITE_KEY
from nashra.core.messages import schema_problems
from nashra.core.problems import BilingualValueError, ConfigError, Problem
from nashra.core.text import clean_line
from nashra.core.urls import names_an_ipv6_host

ALL_FEED = "all"
BREAKING_FEED = "breaking"
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
ID_RE = re.compile(SLUG_PATTERN)

MAX_SECTIONS = 100  # B-16: every section is three feeds rendered on a config change


def _clean(value: str) -> str:
    """Config text is cleaned like article text (AR-TXT-1/2): NFC, no bidi overrides, no
    invisible characters, one line; every feed title carries it."""
    return clean_line(value)[0]


def _clean_title(value: str) -> str:
    cleaned = _clean(value)
    if not cleaned:
        raise BilingualValueError(
            "the title is empty once invisible characters are removed",
            "العنوان فارغ بعد حذف المحارف الخفية",
        )
    return cleaned


Slug = Annotated[str, Field(pattern=SLUG_PATTERN)]


def _named_host(value: str) -> str:
    """A site URL names its host (B-12): not an IPv6 address in brackets."""
    if names_an_ipv6_host(value):
        raise BilingualValueError(
            f"{value!r} gives its host as an IPv6 address in brackets: feed validators "
            "refuse brackets in a feed's links; give the site's host name",
            f"«{value}» يكتب نطاقه عنوان IPv6 بين قوسين: ترفض مدققات الموجزات الأقواس في "
            "روابطها؛ اكتب اسم نطاق الموقع",
        )
    return value


HttpUrl = Annotated[
    str,
    Field(pattern=r"^https?://[^\s/]+(/\S*)?$", max_length=2000),
    AfterValidator(_named_host),
]
# One-line texts shown in every feed: cleaned, then bounded (B-15).
Title = Annotated[str, AfterValidator(_clean_title), Field(min_length=1, max_length=200)]
Line = Annotated[str, AfterValidator(_clean), Field(max_length=1000)]


def _real_date(value: str) -> str:
    """An RFC 4151 tag date (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) that is a real date (B-17)."""
    parts = [int(p) for p in value.split("-")]
    try:
        date(parts[0], *(parts[1:] or [1]), *([1] if len(parts) < 3 else []))
    except ValueError as exc:
        raise BilingualValueError(
            f"{value!r} is not a real date (YYYY, YYYY-MM or YYYY-MM-DD)",
            f"«{value}» ليس تاريخًا حقيقيًا (YYYY أو YYYY-MM أو YYYY-MM-DD)",
        ) from exc
    return value


class Site(BaseModel):
    """`config/site.json`: what every feed says about the site it belongs to."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    title: Title = Field(description="Site name, Arabic first (AR-DIR-3).")
    description: Line = Field(default="", description="One line about the site.")
    base_url: HttpUrl = Field(description="Where articles live, e.g. https://example.com")
    feeds_url: HttpUrl = Field(
        description="Where the CDN serves feeds, e.g. https://feeds.example.com"
    )
    language: str = Field(default="ar", pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")
    timezone: str = Field(default="Asia/Kuwait", description="Zone for naive dates (AR-DATE-2).")
    items_per_feed: int = Field(default=50, ge=1, le=1000)
    max_feed_bytes: int = Field(default=1_000_000, ge=10_000, le=10_000_000)
    hub: HttpUrl | None = Field(default=None, description="WebSub hub to ping on change.")
    icon: HttpUrl | None = None
    logo: HttpUrl | None = None
    copyright: Line | None = None
    tag_authority: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9.-]+$",
        max_length=253,
        description="Host name in the tag: URIs of item ids; defaults to base_url's host. "
        "Set it once and never change it, even when the site moves (readers would see "
        "every item again).",
    )
    tag_date: Annotated[str, AfterValidator(_real_date)] = Field(
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
            raise BilingualValueError(
                f"unknown time zone {value!r}; write a zone of the tz database, like "
                "Asia/Kuwait, Asia/Riyadh or Africa/Cairo",
                f"المنطقة الزمنية «{value}» غير معروفة؛ اكتب منطقة من قاعدة tz، مثل "
                "Asia/Kuwait أو Asia/Riyadh أو Africa/Cairo",
            ) from exc
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
    title: Title
    description: Line = ""


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
    article changes, and the renderer puts it in exactly these. Drafts are in none, and
    so are scheduled articles until their time (B-20).

    >>> from datetime import UTC, datetime
    >>> when = datetime(2026, 3, 1, tzinfo=UTC)
    >>> story = Article(id="a", key="articles/a.json", section="gulf", title="t", summary="s",
    ...                 body_html="<p>b</p>", url="https://e.example/a", published=when)
    >>> sorted(feeds_for(story)), sorted(feeds_for(story.model_copy(update={"breaking": True})))
    (['all', 'gulf'], ['all', 'breaking', 'gulf'])
    >>> feeds_for(story.model_copy(update={"status": "draft"}))
    frozenset()
    >>> feeds_for(story.model_copy(update={"status": "scheduled"}))
    frozenset()
    """
    if article.status != "published":
        return frozenset()
    feeds = {article.section, ALL_FEED}
    if article.breaking:
        feeds.add(BREAKING_FEED)
    return frozenset(feeds)


def _load_json(raw: bytes, name: str) -> Any:
    """The config file's JSON, as strictly as an article's (duplicate keys, depth, UTF-8)."""
    data, problems = decode_document(raw, name=name)
    if problems:
        raise ConfigError(tuple(_in_file(name, p) for p in problems))
    return data


def _in_file(name: str, problem: Problem) -> Problem:
    """`problem` with its field prefixed by the config file it is in."""
    where = name if problem.field in ("", "(file)", name) else f"{name}:{problem.field}"
    return Problem(where, problem.rule, problem.message_en, problem.message_ar)


def _config_error(name: str, exc: ValidationError) -> ConfigError:
    """One problem per bad value, in both languages (`config-value` names the rule)."""
    problems = [
        _in_file(name, Problem(p.field, "config-value", p.message_en, p.message_ar))
        for p in schema_problems(exc.errors())
    ]
    return ConfigError(tuple(problems))


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
        # Every problem of the file at once: the slugs given twice (or reserved) too.
        given = (
            [s.get("slug") for s in data if isinstance(s, dict)] if isinstance(data, list) else []
        )
        clash = _slug_clash([s for s in given if isinstance(s, str)])
        problems = _config_error(SECTIONS_KEY, exc).problems + ((clash,) if clash else ())
        raise ConfigError(problems) from exc
    if len(sections) > MAX_SECTIONS:
        raise ConfigError(
            (
                Problem(
                    SECTIONS_KEY,
                    "config-value",
                    f"{len(sections)} sections; at most {MAX_SECTIONS}: merge some",
                    f"عدد الأقسام {len(sections)}، والحد {MAX_SECTIONS}: ادمج بعضها",
                ),
            )
        )
    clash = _slug_clash([s.slug for s in sections])
    if clash:
        raise ConfigError((clash,))
    return tuple(sections)


def _slug_clash(slugs: list[str]) -> Problem | None:
    """The `section-slug` problem of slugs given twice or reserved, or None (in linear
    time: a broken file may list any number)."""
    counts = Counter(slugs)
    bad = sorted(s for s, n in counts.items() if n > 1 or s in (ALL_FEED, BREAKING_FEED))
    if not bad:
        return None
    return Problem(
        SECTIONS_KEY,
        "section-slug",
        f"duplicate or reserved section slugs: {', '.join(bad)}",
        f"أسماء أقسام مكررة أو محجوزة: {', '.join(bad)}",
    )


_SECTIONS = TypeAdapter(list[Section])
