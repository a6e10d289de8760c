"""From an uploaded file to a validated `Article`, or a list of problems.

Every rule that can be checked is checked, so an editor sees all the problems of a file
at once. Problems carry the field, the rule and a message in Arabic and English; warnings
never stop an article, errors always do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from pydantic import ValidationError

from nashra.core.article import (
    ID_EXAMPLE,
    MAX_AUTHORS,
    MAX_BODY_BYTES,
    MAX_STORED_BYTES,
    MAX_SUMMARY_CHARS,
    MAX_TAGS,
    MAX_TITLE_CHARS,
    Article,
    ArticleInput,
    ArticleStatus,
    AuthorInput,
    may_exceed_storage,
    stored_form,
)
from nashra.core.decode import MAX_DOCUMENT_BYTES, decode_json, size_problem
from nashra.core.excerpt import excerpt_of_collapsed
from nashra.core.fields import (
    check_authors,
    check_correction,
    check_count,
    check_date,
    check_image,
    check_plain,
    check_section,
    check_shown_as_text,
    check_tags,
    check_url,
    error,
    too_long,
)
from nashra.core.keys import (
    ARTICLE_SUFFIX,
    ARTICLES_PREFIX,
    MAX_INPUT_KEY_BYTES,
    MAX_NAME_BYTES,
    file_stem,
    has_folder_path,
    is_input_key,
    key_bytes,
)
from nashra.core.markup import (
    MAX_HTML_DEPTH,
    MAX_LINKS,
    count_links,
    html_depth,
    is_empty_html,
    looks_like_html,
    plain_text,
    sanitize_html,
    text_to_html,
    unclosed_inline,
)
from nashra.core.messages import schema_problems, shown
from nashra.core.problems import Problem, has_errors
from nashra.core.site import ID_RE, Section, Site
from nashra.core.text import clean_line, clean_text, is_untouched, split_breaking
from nashra.core.urls import canonical_url, slugify

SUMMARY_GRAPHEMES = 280
# As written in the file: `$schema` is the alias of `schema_ref`.
KNOWN_FIELDS = frozenset(f.alias or name for name, f in ArticleInput.model_fields.items())


@dataclass(frozen=True)
class IntakeResult:
    """An article (None when any problem is an error) and every problem found."""

    article: Article | None
    problems: tuple[Problem, ...]

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled by a build's workers for the main process: its fields, not its state.
        return IntakeResult, (self.article, self.problems)


def claimed_id(raw: bytes, key: str) -> str | None:
    """The id a file claims (its `id`, cleaned as `parse_article` cleans it, else its file
    name), or None if it is not an object. Never raises: any bytes, any depth (B-2)."""
    data, _ = decode_json(raw)
    if data is None:
        return None
    given = data.get("id")
    if isinstance(given, str):
        return clean_text(given)[0]
    return file_stem(key)


def key_problem(key: str) -> Problem | None:
    """Why an upload at `key` would never be published, or None: the inbox publishes
    `articles/…/*.json` alone (and its two config files), so «Story.JSON» or a file beside
    `articles/` would sit there unread, with no report; and a key too long for its report
    (`keys.MAX_INPUT_KEY_BYTES`) could be told nothing. `parse_article` reports it first,
    so editors' tools (`nashra upload`, `nashra validate`) refuse it before uploading."""
    size = key_bytes(key)
    if size > MAX_INPUT_KEY_BYTES:
        return error(
            "(file)",
            "file-name",
            f"the file's path is {size} bytes long, at most {MAX_INPUT_KEY_BYTES} (about "
            f"{MAX_INPUT_KEY_BYTES // 2} Arabic letters): shorten its name or folders, so "
            f"that its report fits beside it",
            f"مسار الملف {size} بايت، والحد {MAX_INPUT_KEY_BYTES} (نحو {MAX_INPUT_KEY_BYTES // 2} "
            f"حرفًا عربيًا): اختصر اسمه أو أسماء مجلداته ليتسع تقريره بجانبه",
        )
    if not has_folder_path(key):
        # S3 takes `articles//a.json`, `articles/../a.json` or a name of 300 bytes, but a
        # content folder cannot hold the file at that path, so `nashra build` (and `nashra
        # validate` of the folder) would never publish what the pipeline did: both refuse it.
        return error(
            "(file)",
            "file-name",
            f"{key!r} cannot be a file of a content folder: a folder or file name in it is "
            f"empty, '.' or '..', or longer than {MAX_NAME_BYTES} bytes; rename it",
            f"«{key}» لا يصلح مسارًا لملف في مجلد المحتوى: فيه اسم مجلد أو ملف فارغ أو «.» أو "
            f"«..» أو أطول من {MAX_NAME_BYTES} بايت؛ أعد تسميته",
        )
    if is_input_key(key):
        return None
    name = key.rsplit("/", 1)[-1]
    if name.lower().endswith(ARTICLE_SUFFIX) and key.startswith(ARTICLES_PREFIX):
        fixed = name[: -len(ARTICLE_SUFFIX)] + ARTICLE_SUFFIX
        return error(
            "(file)",
            "file-name",
            f"{name!r} would never be published: article files end in {ARTICLE_SUFFIX}, in "
            f"lower case; rename it {fixed!r}",
            f"«{name}» لن يُنشر أبدًا: ملفات المقالات تنتهي بـ {ARTICLE_SUFFIX} بحروف صغيرة؛ "
            f"أعد تسميته «{fixed}»",
        )
    return error(
        "(file)",
        "file-name",
        f"{key!r} would never be published: articles are uploaded as "
        f"{ARTICLES_PREFIX}<name>{ARTICLE_SUFFIX}",
        f"«{key}» لن يُنشر أبدًا: تُرفع المقالات باسم {ARTICLES_PREFIX}<الاسم>{ARTICLE_SUFFIX}",
    )


def oversize_problems(key: str, size: int) -> tuple[Problem, ...]:
    """The problems of a file over 1 MiB, which is never read (B-1): its size, and its
    name when that is wrong too, so one report says all there is to fix."""
    too_large = size_problem(max(size, MAX_DOCUMENT_BYTES + 1))
    return tuple(p for p in (key_problem(key), too_large) if p is not None)


def parse_article(
    raw: bytes, *, key: str, site: Site, sections: tuple[Section, ...], now: datetime
) -> IntakeResult:
    """Validate one uploaded file, at `key` (`key_problem`). `now` decides what "in the
    future" means."""
    data, problems = decode_json(raw)
    if (misnamed := key_problem(key)) is not None:
        problems.insert(0, misnamed)
    if data is None:
        return IntakeResult(None, tuple(problems))
    untouched: set[str] = set()
    data = _clean_strings(data, "", problems, untouched)
    problems += [_unknown(name) for name in sorted(set(data) - KNOWN_FIELDS)]
    try:
        given = ArticleInput.model_validate({k: v for k, v in data.items() if k in KNOWN_FIELDS})
    except ValidationError as exc:
        schema = schema_problems(exc.errors())
        problems += schema
        # Also check the fields that are well-typed, so the editor sees every problem of
        # the file in one report instead of one per upload.
        broken = {re.split(r"[.\[]", p.field)[0] for p in schema}
        _check_raw(
            {k: v for k, v in data.items() if k not in broken}, site, sections, now, problems
        )
        return IntakeResult(None, tuple(problems))
    problems += _nested_unknowns(given)
    article = _build(
        given,
        key=key,
        site=site,
        sections=sections,
        now=now,
        problems=problems,
        clean_body="body" in untouched,
    )
    if not has_errors(problems) and may_exceed_storage(article, len(raw)):
        stored = len(stored_form(article))
        if stored > MAX_STORED_BYTES:
            problems.append(_too_large_to_store(stored))
    return IntakeResult(None if has_errors(problems) else article, tuple(problems))


def _too_large_to_store(size: int) -> Problem:
    return error(
        "body",
        "index-size",
        f"the article takes {size:,} bytes once compressed for the index, at most "
        f"{MAX_STORED_BYTES:,}: shorten the body (text that repeats little, like a long "
        "list of numbers or names, compresses least)",
        f"يشغل المقال {size:,} بايت في الفهرس بعد الضغط، والحد {MAX_STORED_BYTES:,}: "
        "اختصر نص المقال (النص قليل التكرار، كقائمة طويلة من الأرقام أو الأسماء، أقلّه انضغاطًا)",
    )


def _unknown(name: str) -> Problem:
    return Problem(
        name,
        "unknown-field",
        f"unknown field {name!r} is ignored",
        f"الحقل {name!r} غير معروف وسيُتجاهل",
        "warning",
    )


def _nested_unknowns(given: ArticleInput) -> list[Problem]:
    """Unknown keys inside `image` and author objects: warnings, like top-level ones."""
    found = [f"image.{k}" for k in sorted((given.image and given.image.model_extra) or {})]
    for i, author in enumerate(given.authors):
        if isinstance(author, AuthorInput):
            found += [f"authors[{i}].{k}" for k in sorted(author.model_extra or {})]
    return [_unknown(name) for name in found]


def _check_raw(
    data: dict[str, Any],
    site: Site,
    sections: tuple[Section, ...],
    now: datetime,
    problems: list[Problem],
) -> None:
    """The semantic checks that need no other field, on an article that failed the schema."""
    if isinstance(data.get("section"), str):
        check_section(data["section"], sections, problems)
    published = None
    if isinstance(data.get("published"), str):
        published = check_date("published", data["published"], site, problems, now=now)
    if isinstance(data.get("updated"), str):
        check_date("updated", data["updated"], site, problems, now=_later(now, published))
    if isinstance(data.get("url"), str):
        check_url("url", data["url"], problems)
    image = data.get("image")
    if isinstance(image, dict) and isinstance(image.get("url"), str):
        check_url("image.url", image["url"], problems, https=True)
    for name, rule, limit in (
        ("tags", "max-tags", MAX_TAGS),
        ("authors", "max-authors", MAX_AUTHORS),
    ):
        if isinstance(data.get(name), list) and (
            count := check_count(name, rule, data[name], limit)
        ):
            problems.append(count)


def _clean_strings(
    value: Any, field: str, problems: list[Problem], untouched: set[str] | None = None
) -> Any:
    """Apply AR-TXT-1/2 to every string, warning where characters were removed. The names
    of the object's fields whose strings were left as they were (`is_untouched`) are added
    to `untouched`."""
    if isinstance(value, str):
        return _clean_string(value, field, problems)
    if isinstance(value, list):
        return [
            _clean_string(v, f"{field}[{i}]", problems)
            if isinstance(v, str)
            else _clean_strings(v, f"{field}[{i}]", problems)
            for i, v in enumerate(value)
        ]
    if isinstance(value, dict):
        cleaned = {}
        for k, v in value.items():
            if isinstance(v, str) and is_untouched(v):  # most fields: nothing to check
                cleaned[k] = v
                if untouched is not None:
                    untouched.add(k)
            else:
                cleaned[k] = _clean_strings(v, f"{field}.{k}" if field else k, problems)
        return cleaned
    return value


def _clean_string(value: str, field: str, problems: list[Problem]) -> str:
    text, removed = clean_text(value)
    if removed:
        problems.append(
            Problem(
                field or "(file)",
                "invisible-characters",
                f"{removed} control, bidi-override or invisible characters were removed",
                f"حُذف {removed} من المحارف الخفية أو محارف التحكم أو تجاوز الاتجاه",
                "warning",
            )
        )
    return text


def _article_id(given: ArticleInput, key: str, problems: list[Problem]) -> str:
    if given.id is not None:
        return given.id
    stem = file_stem(key)
    if not ID_RE.match(stem):
        problems.append(
            error(
                "id",
                "id-pattern",
                f"no id given and the file name {stem!r} is not a valid id "
                "(lower-case latin letters, digits and hyphens, at most 64): add one, like "
                f'"id": "{ID_EXAMPLE}", or give the file such a name',
                f"لا يوجد معرّف، واسم الملف {stem!r} لا يصلح معرّفًا "
                "(حروف لاتينية صغيرة وأرقام وشرطات، 64 حرفًا على الأكثر): أضف معرّفًا مثل "
                f'"id": "{ID_EXAMPLE}"، أو سمِّ الملف بمثله',
            )
        )
    return stem


def _title(given: ArticleInput, problems: list[Problem]) -> tuple[str, bool]:
    title, _ = clean_line(given.title)
    check_plain("title", title, problems)
    breaking, title = split_breaking(title)
    if not title:
        problems.append(error("title", "required", "the title is empty", "العنوان فارغ"))
    elif len(title) > MAX_TITLE_CHARS:
        problems.append(too_long("title", "title-length", len(title), MAX_TITLE_CHARS))
    return title, breaking or given.breaking


def _summary(given: ArticleInput, problems: list[Problem]) -> str:
    summary = clean_line(given.summary)[0] if given.summary else ""
    check_shown_as_text("summary", summary, problems)
    if len(summary) > MAX_SUMMARY_CHARS:
        problems.append(too_long("summary", "summary-length", len(summary), MAX_SUMMARY_CHARS))
    return summary


def _dates(
    given: ArticleInput, site: Site, now: datetime, problems: list[Problem]
) -> tuple[datetime, datetime | None]:
    """Both dates within B-9, B-10 and B-20 (`check_date`: `updated` at most 6 hours after
    now, or after a scheduled `published`), and `updated` not before `published`."""
    published = check_date("published", given.published, site, problems, now=now)
    updated = (
        None
        if given.updated is None
        else check_date("updated", given.updated, site, problems, now=_later(now, published))
    )
    if published and updated and updated < published:
        problems.append(
            error(
                "updated",
                "updated-before-published",
                "updated is earlier than published",
                "تاريخ التحديث أقدم من تاريخ النشر",
            )
        )
    return published or now, updated


def _later(now: datetime, published: datetime | None) -> datetime:
    return now if published is None or published <= now else published


def _status(given: ArticleInput, published: datetime, now: datetime) -> ArticleStatus:
    """A published article dated after `now` is scheduled (B-20): in no feed until then,
    when the publisher reconciles it again (`nashra.schedule`). A draft stays a draft."""
    if given.status == "published" and published > now:
        return "scheduled"
    return given.status


def _body(given: ArticleInput, url: str, problems: list[Problem], *, clean: bool) -> str:
    """The sanitised body within B-3 (depth) and B-13 (links), both checked before
    sanitising, and B-4 (size). `clean`: the body holds only `UNTOUCHED` characters."""
    body = given.body
    if not body.strip():
        problems.append(
            error(
                "body",
                "empty-body",
                "the body is empty: write the article's text",
                "نص المقال فارغ: اكتب نص الخبر",
            )
        )
        return ""
    if looks_like_html(body):
        # Nesting or leaving open more than MAX_HTML_DEPTH elements takes more tags than
        # that, and every link an "=": most bodies are under both bounds by a count alone.
        tags = body.count("<")
        depth = html_depth(body) if tags > MAX_HTML_DEPTH else 0
        if depth > MAX_HTML_DEPTH:
            problems.append(_too_deep(depth))
            return ""
        unclosed = unclosed_inline(body) if tags > MAX_HTML_DEPTH else 0
        if unclosed > MAX_HTML_DEPTH:
            problems.append(_left_open(unclosed))
            return ""
        links = count_links(body) if body.count("=") > MAX_LINKS else 0
        if links > MAX_LINKS:
            problems.append(_too_many_links(links))
            return ""
        html = sanitize_html(body, url, untouched=clean)
        if "www." in body:
            problems += _schemeless_links(body, url)
        if "data:" in body or "file:" in body:
            problems += _lost_sources(body)
    else:
        html = text_to_html(body)
    size = len(html.encode("utf-8"))
    if size > MAX_BODY_BYTES:
        problems.append(too_long("body", "body-size", size, MAX_BODY_BYTES, "bytes"))
    elif is_empty_html(html):
        problems.append(
            error(
                "body",
                "empty-body",
                "the body is empty once unsafe markup is removed",
                "نص المقال فارغ بعد إزالة الوسوم غير الآمنة",
            )
        )
    return html


def _excerpt(body_html: str) -> str:
    """The default summary: the body's first SUMMARY_GRAPHEMES, read from its first page
    (`make_excerpt(html_to_text(body_html), SUMMARY_GRAPHEMES)`, collapsed once)."""
    return excerpt_of_collapsed(plain_text(body_html, SUMMARY_GRAPHEMES + 2), SUMMARY_GRAPHEMES)


def _left_open(unclosed: int) -> Problem:
    return error(
        "body",
        "html-depth",
        f"the body leaves {unclosed:,} inline tags (<b>, <a>, <i> …) open; at most "
        f"{MAX_HTML_DEPTH} may be: close the tags you open",
        f"نص المقال يترك {unclosed:,} وسمًا (<b> و<a> و<i> …) مفتوحًا دون إغلاق، والحد "
        f"{MAX_HTML_DEPTH}: أغلق الوسوم التي تفتحها",
    )


# A link or image written from its host name on, without its scheme: a relative URL.
# Spaces are read one way only (none between two optional runs), so a hostile run of them
# costs linear time.
_SCHEMELESS = re.compile(r"""\b(?:href|src)\s*=\s*(?:["']\s*)?(www\.[^"'\s<>]+)""", re.IGNORECASE)
_SCHEMELESS_SHOWN = 5  # warnings for one body, at most


def _schemeless_links(body: str, base: str) -> list[Problem]:
    """A `link-scheme` warning for each link or image written as «www.…» with no https://
    (at most `_SCHEMELESS_SHOWN`): read as a path on the article's own site, as browsers read
    it, it sends readers to a page that does not exist."""
    found = dict.fromkeys(m.group(1) for m in _SCHEMELESS.finditer(body))
    return [
        Problem(
            "body",
            "link-scheme",
            f"the link {shown(link)} has no https://, so it leads to a page of this site "
            f"({shown(urljoin(base, link))}); write {shown('https://' + link)}",
            f"الرابط {shown(link)} بلا https://، فيقود إلى صفحة في هذا الموقع "
            f"({shown(urljoin(base, link))})؛ اكتبه {shown('https://' + link)}",
            "warning",
        )
        for link in list(found)[:_SCHEMELESS_SHOWN]
    ]


# An image or link whose source is the editor's own computer or pasted bytes: what a word
# processor puts in a page copied from it (`file:///C:/…/clip_image001.png`, `data:…`).
_LOST_SOURCE = re.compile(r"""\b(src|href)\s*=\s*(?:["']\s*)?(data|file):""", re.IGNORECASE)
# What each lost source is (attribute, scheme), and what to do, by attribute.
_LOST_WHAT = {
    ("src", "file"): ("an image on your computer (file:)", "صورة على جهازك (file:)"),
    ("src", "data"): ("an image pasted into the text (data:)", "صورة ملصقة في النص (data:)"),
    ("href", "file"): ("a link to a file on your computer (file:)", "رابط لملف على جهازك (file:)"),
    ("href", "data"): ("a link to pasted data (data:)", "رابط لبيانات ملصقة (data:)"),
}
_LOST_FIX = {
    "src": (
        "is left out: upload the image and use its https:// address",
        "لن تُنشر: ارفع الصورة واستعمل عنوانها الذي يبدأ بـ https://",
    ),
    "href": (
        "is left out: upload the file and link to its https:// address",
        "لن يُنشر: ارفع الملف واربط بعنوانه الذي يبدأ بـ https://",
    ),
}


def _lost_sources(body: str) -> list[Problem]:
    """A `lost-source` warning for each kind of image or link the sanitiser leaves out
    because its source cannot be published (`_LOST_SOURCE`): readers would never see it,
    and nothing else would tell the editor."""
    kinds = dict.fromkeys((m[1].lower(), m[2].lower()) for m in _LOST_SOURCE.finditer(body))
    return [
        Problem(
            "body",
            "lost-source",
            f"{_LOST_WHAT[kind][0]} {_LOST_FIX[kind[0]][0]}",
            f"{_LOST_WHAT[kind][1]} {_LOST_FIX[kind[0]][1]}",
            "warning",
        )
        for kind in kinds
    ]


def _too_many_links(links: int) -> Problem:
    return error(
        "body",
        "max-links",
        f"the body holds more than {MAX_LINKS:,} links and images (at least {links:,}); "
        "split the article, or link to one page that lists them",
        f"نص المقال يحتوي على أكثر من {MAX_LINKS:,} رابط وصورة (على الأقل {links:,})؛ "
        "قسّم المقال أو اربط بصفحة واحدة تجمعها",
    )


def _too_deep(depth: int) -> Problem:
    return error(
        "body",
        "html-depth",
        f"the body's HTML nests more than {MAX_HTML_DEPTH} elements deep (at least {depth}); "
        "close the tags you open",
        f"وسوم HTML في نص المقال متداخلة بعمق يتجاوز {MAX_HTML_DEPTH} مستوى؛ "
        "أغلق الوسوم التي تفتحها",
    )


def _build(
    given: ArticleInput,
    *,
    key: str,
    site: Site,
    sections: tuple[Section, ...],
    now: datetime,
    problems: list[Problem],
    clean_body: bool = False,
) -> Article:
    article_id = _article_id(given, key, problems)
    check_section(given.section, sections, problems)
    title, breaking = _title(given, problems)
    published, updated = _dates(given, site, now, problems)
    if given.url is not None:
        url = check_url("url", given.url, problems)
    else:
        slug = slugify(title) if site.arabic_slugs else None
        url = canonical_url(site.base_url, given.section, article_id, slug)
    body = _body(given, url, problems, clean=clean_body)
    summary = _summary(given, problems)
    tags = check_tags(list(given.tags), problems)
    dated = not any(p.field == "published" for p in problems)  # else `published` is `now`
    correction = check_correction(given, published if dated else None, updated, problems)
    return Article(
        id=article_id,
        key=key,
        section=given.section,
        title=title,
        breaking=breaking,
        published=published,
        updated=updated,
        summary=summary or ("" if has_errors(problems) else _excerpt(body)),
        body_html=body,
        authors=check_authors(given, problems),
        tags=tags,
        image=check_image(given.image, problems),
        url=url,
        status=_status(given, published, now),
        correction=correction,
    )
