"""Checks of single article fields, each adding bilingual problems to a list.

`nashra.core.intake` runs them over a whole article; they are kept apart so that each rule
reads on its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from nashra.core.article import (
    MAX_AUTHOR_CHARS,
    MAX_AUTHORS,
    MAX_CORRECTION_CHARS,
    MAX_TAG_CHARS,
    MAX_TAGS,
    ArticleInput,
    Author,
    Image,
    ImageInput,
)
from nashra.core.dates import (
    FUTURE_TOLERANCE,
    SCHEDULE_LIMIT,
    DateRuleError,
    parse_editor_date,
)
from nashra.core.messages import shown
from nashra.core.plaintext import reads_as_markup
from nashra.core.problems import DateParseError, Problem
from nashra.core.site import Section, Site
from nashra.core.text import clean_line, once_each
from nashra.core.urls import encode_uri, is_absolute_http, names_an_ipv6_host, plain_email


def error(field: str, rule: str, english: str, arabic: str) -> Problem:
    """An error-severity problem (the common case)."""
    return Problem(field, rule, english, arabic)


def check_date(
    field: str, value: str, site: Site, problems: list[Problem], *, now: datetime | None = None
) -> datetime | None:
    """The aware datetime of an editor's date string, or None after adding a problem.

    Rules: `date` (unreadable), `offset-range` (B-10), `date-range` and `future` (B-9,
    the future checked when `now` is given: `published` may be SCHEDULE_LIMIT ahead, a
    scheduled article (B-20); `updated` 6 hours, so callers pass the later of now and
    `published` as its `now`)."""
    horizon = SCHEDULE_LIMIT if field == "published" else FUTURE_TOLERANCE
    try:
        return parse_editor_date(value, site.zone, now=now, horizon=horizon)
    except DateRuleError as exc:
        problems.append(error(field, exc.rule, exc.message_en, exc.message_ar))
    except DateParseError as exc:  # its message names the value, where there is one
        problems.append(error(field, "date", exc.message_en, exc.message_ar))
    return None


def check_url(field: str, value: str, problems: list[Problem], *, https: bool = False) -> str:
    """The URL percent-encoded (AR-URL-1); a problem unless it is absolute http(s)."""
    if not is_absolute_http(value, https_only=https):
        scheme = "https" if https else "http(s)"
        problems.append(
            error(
                field,
                "absolute-url",
                f"must be an absolute {scheme} URL with a valid host, got {shown(value)}",
                f"يجب أن يكون رابطًا كاملًا يبدأ بـ {scheme}:// باسم نطاق صالح، "
                f"والقيمة {shown(value)}",
            )
        )
    elif names_an_ipv6_host(value):
        problems.append(
            error(
                field,
                "absolute-url",
                f"must name its host, not an IPv6 address in brackets, got {shown(value)}: "
                "feed validators refuse brackets in a feed's links; give the site's host name",
                f"يجب أن يسمّي الرابط نطاقه باسمه لا بعنوان IPv6 بين قوسين، والقيمة "
                f"{shown(value)}: ترفض مدققات الموجزات الأقواس في روابطها؛ اكتب اسم نطاق الموقع",
            )
        )
    return encode_uri(value)


def check_plain(field: str, text: str, problems: list[Problem]) -> None:
    """A `plain-text` error when `text` reads as markup (`reads_as_markup`): titles, tags
    and author names go into feed elements that cannot be declared HTML, where readers
    would show the tags or decode the entities, and the W3C validator warns."""
    if reads_as_markup(text):
        problems.append(
            error(
                field,
                "plain-text",
                f"{field} contains markup, or text that feed readers read as markup "
                "(<b>, </p>, &amp;, &nbsp, x<y); write plain text, with a space after "
                "a '<' and no '&' before a word",
                f"الحقل {field} يحتوي على وسوم HTML أو نص تقرؤه برامج الموجزات وسومًا "
                "(<b> و</p> و&amp; و&nbsp و x<y)؛ اكتبه نصًا عاديًا، بمسافة بعد '<' "
                "ودون '&' قبل كلمة",
            )
        )


def check_shown_as_text(field: str, text: str, problems: list[Problem]) -> None:
    """A `plain-text` warning when a field every format carries as text (the summary, the
    correction, an image's alt and caption) reads as markup: the feeds stay valid (it is
    escaped, and declared where a format can), but readers see the tags as written, so
    the editor is told."""
    if reads_as_markup(text):
        problems.append(
            Problem(
                field,
                "plain-text",
                f"{field} contains markup, or text that reads as markup (<b>, </p>, &amp;, "
                "x<y); readers see it as written, not formatted: write plain text",
                f"الحقل {field} يحتوي على وسوم HTML أو نص يُقرأ وسومًا (<b> و</p> و&amp; "
                "و x<y)؛ يراه القراء كما كُتب دون تنسيق: اكتبه نصًا عاديًا",
                "warning",
            )
        )


def check_correction(
    given: ArticleInput,
    published: datetime | None,
    updated: datetime | None,
    problems: list[Problem],
) -> str | None:
    """B-19: the correction as plain text of at most MAX_CORRECTION_CHARS, with an
    `updated` after `published`: the item changes in place (same id), and readers need
    its date to change to see it again. Markup in it is shown as text, never rendered."""
    if given.correction is None:
        return None
    text, _ = clean_line(given.correction)
    if not text:
        problems.append(
            error(
                "correction",
                "required",
                "the correction is empty: write the note, or remove the field",
                "التصحيح فارغ: اكتب نص التصحيح أو احذف الحقل",
            )
        )
    elif len(text) > MAX_CORRECTION_CHARS:
        problems.append(
            too_long("correction", "correction-length", len(text), MAX_CORRECTION_CHARS)
        )
    check_shown_as_text("correction", text, problems)  # readers would see its tags
    # An `updated` that did not parse has its own problem already.
    unreadable = given.updated is not None and updated is None
    if published is not None and not unreadable and (updated is None or updated <= published):
        problems.append(
            error(
                "updated",
                "correction-updated",
                "an article with a correction needs `updated`, the time of the correction, "
                "after `published`",
                "المقال الذي فيه تصحيح يحتاج إلى الحقل updated بوقت التصحيح، بعد وقت النشر",
            )
        )
    return text or None


def too_long(field: str, rule: str, length: int, limit: int, unit: str = "characters") -> Problem:
    """An over-the-bound problem: the field, its size and the bound, in both languages."""
    arabic_unit = {"characters": "محرفًا", "bytes": "بايت", "items": "عنصرًا"}[unit]
    return error(
        field,
        rule,
        f"{field} is too long: {length:,} {unit}, at most {limit:,}",
        f"الحقل {field} أطول من المسموح: {length:,} {arabic_unit}، والحد الأقصى {limit:,}",
    )


def check_count(field: str, rule: str, items: list[Any], limit: int) -> Problem | None:
    """B-7/B-8: a list with more items than `limit`, as one problem naming the field."""
    if len(items) <= limit:
        return None
    return error(
        field,
        rule,
        f"{field} has {len(items):,} entries; at most {limit} are allowed",
        f"الحقل {field} فيه {len(items):,} عنصرًا؛ والحد الأقصى {limit}",
    )


def check_tags(tags: list[str], problems: list[Problem]) -> tuple[str, ...]:
    """Cleaned tags within B-7 (count and length), each once: two spellings that differ
    only by tashkeel, tatweel or digits (`fold_for_key`) are one tag, as first written."""
    if count := check_count("tags", "max-tags", tags, MAX_TAGS):
        problems.append(count)
        return ()
    cleaned = [clean_line(tag)[0] for tag in tags]
    for i, tag in enumerate(cleaned):
        if len(tag) > MAX_TAG_CHARS:
            problems.append(too_long(f"tags[{i}]", "tag-length", len(tag), MAX_TAG_CHARS))
        check_plain(f"tags[{i}]", tag, problems)
        _check_one_item(f"tags[{i}]", tag, ("tags", "وسوم"), problems)
    return tuple(once_each([tag for tag in cleaned if tag]))


def _check_one_item(field: str, text: str, what: tuple[str, str], problems: list[Problem]) -> None:
    """A `one-item` warning when a list item holds a comma: the editor most likely wrote
    several in one string ("الذهب، النفط"), which readers would see as one."""
    if "," in text or "،" in text:
        problems.append(
            Problem(
                field,
                "one-item",
                f"{shown(text)} holds a comma: if it is several {what[0]}, write each as its "
                'own item: ["…", "…"]',
                f"{shown(text)} فيه فاصلة: إن كان عدة {what[1]} فاكتب كلًّا منها عنصرًا "
                'مستقلًا: ["…", "…"]',
                "warning",
            )
        )


def check_authors(given: ArticleInput, problems: list[Problem]) -> tuple[Author, ...]:
    """Authors as names or objects, cleaned, within B-8; empty names and bad URLs are
    problems."""
    if count := check_count("authors", "max-authors", list(given.authors), MAX_AUTHORS):
        problems.append(count)
        return ()
    authors = []
    for i, item in enumerate(given.authors):
        # A name given as a string may be empty (reported below); it has no URL or e-mail.
        given_name, given_url, given_email = (
            (item, None, None) if isinstance(item, str) else (item.name, item.url, item.email)
        )
        name, _ = clean_line(given_name)
        field = f"authors[{i}]" if isinstance(item, str) else f"authors[{i}].name"
        if not name:
            problems.append(
                error(f"authors[{i}]", "required", "the author's name is empty", "اسم الكاتب فارغ")
            )
        elif len(name) > MAX_AUTHOR_CHARS:
            problems.append(too_long(field, "author-length", len(name), MAX_AUTHOR_CHARS))
        check_plain(field, name, problems)
        _check_one_item(field, name, ("authors", "كتّاب"), problems)
        url = given_url and check_url(f"authors[{i}].url", given_url, problems)
        authors.append(Author(name=name, url=url or None, email=_email(i, given_email, problems)))
    # A name given twice (or again with other tashkeel) is one author, as first given.
    return tuple(once_each(authors, lambda author: author.name))


def _email(i: int, given: str | None, problems: list[Problem]) -> str | None:
    if given is None:
        return None
    email = plain_email(given)
    if email is None:
        problems.append(
            Problem(
                f"authors[{i}].email",
                "email",
                f"{given!r} is not a plain address (name@example.com); it is left out",
                f"{given!r} ليس عنوان بريد صالحًا (name@example.com)؛ لن يُنشر",
                "warning",
            )
        )
    return email


# An image's media type by its file's extension, for an image given without `type`: a
# fixed table, so the answer never depends on the machine's MIME database.
_IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".svg": "image/svg+xml",
}


def image_type(url: str) -> str:
    """The media type an image's URL names by its extension; JPEG when it names none.

    >>> image_type("https://cdn.example/a/b.PNG?w=600"), image_type("https://cdn.example/photo")
    ('image/png', 'image/jpeg')
    """
    path = urlsplit(url).path.lower()
    return _IMAGE_TYPES.get(path[path.rfind(".") :], "image/jpeg") if "." in path else "image/jpeg"


def check_image(given: ImageInput | None, problems: list[Problem]) -> Image | None:
    """The lead image with plain-text alt and caption and an https URL."""
    if given is None:
        return None
    url = check_url("image.url", given.url, problems, https=True)
    alt = given.alt and clean_line(given.alt)[0]
    caption = given.caption and clean_line(given.caption)[0]
    check_shown_as_text("image.alt", alt or "", problems)
    check_shown_as_text("image.caption", caption or "", problems)
    return Image(
        url=url,
        alt=alt or None,
        caption=caption or None,
        type=given.type or image_type(url),
        width=given.width,
        height=given.height,
        length=given.length or 0,
    )


def check_section(slug: str, sections: tuple[Section, ...], problems: list[Problem]) -> None:
    """A problem unless `slug` is listed in config/sections.json."""
    known = [s.slug for s in sections]
    if slug not in known:
        problems.append(
            error(
                "section",
                "unknown-section",
                f"unknown section {slug!r}; use one of {', '.join(known)}",
                f"القسم {slug!r} غير معروف؛ الأقسام المتاحة: {'، '.join(known)}",
            )
        )
