"""The article: what an editor uploads (`ArticleInput`) and what feeds are made of (`Article`).

`ArticleInput` is the contract editors write against (its JSON Schema is exported to
content/schema/article.schema.json); `Article` is the clean, validated, normalised value
that the index stores and the renderers read. See `nashra.core.intake` for the way from
bytes to an `Article`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Annotated, Any, Literal, SupportsIndex, get_args
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from nashra.core.decode import MAX_DOCUMENT_BYTES

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
ID_EXAMPLE = "gulf-summit-2026"
SCHEMA_PATH = "../schema/article.schema.json"  # from content/articles/, for `$schema`
# The input bounds (docs/decisions.md, B-1..B-19); those JSON Schema can say are in it too.
MAX_ARTICLE_BYTES = MAX_DOCUMENT_BYTES  # B-1
MAX_BODY_BYTES = 1024 * 1024  # B-4, UTF-8 after sanitising
MAX_TITLE_CHARS = 300  # B-5, after cleaning
MAX_SUMMARY_CHARS = 1000  # B-6
MAX_TAGS = 50  # B-7
MAX_TAG_CHARS = 100  # B-7
MAX_AUTHORS = 20  # B-8
MAX_AUTHOR_CHARS = 200  # B-8
MAX_IMAGE_BYTES = 100 * 1024 * 1024  # B-11, the enclosure length
MAX_CORRECTION_CHARS = 280  # B-19, after cleaning
# B-22: the article as the index stores it (`stored_form`), in one DynamoDB item of at most
# "400 KB" with its key and feed names beside it (at most 2 KB, the key bounded by B-21).
# Read as 400,000 bytes, the smaller of its two readings (AWS counts 409,600; moto refuses
# an item over 405,000), so the local stack stores whatever AWS would.
MAX_STORED_BYTES = 400_000 - 2048


def described(arabic: str, english: str) -> str:
    """A schema description as an editor's IDE shows it: Arabic first, then English.

    >>> described("العنوان", "The headline")
    'العنوان\\n\\nThe headline'
    """
    return f"{arabic}\n\n{english}"


ArticleId = Annotated[str, Field(pattern=ID_PATTERN, examples=[ID_EXAMPLE])]
# Bounds checked by nashra.core.intake after cleaning (so that removed invisible characters
# do not count); the schema states them for editors' tools.
AuthorName = Annotated[
    str,
    Field(
        description=described("اسم الكاتب كما يظهر.", "The author's name as shown."),
        json_schema_extra={"maxLength": MAX_AUTHOR_CHARS},
    ),
]
Tag = Annotated[
    str,
    Field(
        description=described("كلمة مفتاحية بنص عادي.", "One plain-text keyword."),
        json_schema_extra={"maxLength": MAX_TAG_CHARS},
    ),
]


class AuthorInput(BaseModel):
    # Unknown keys are warnings, as at the top level (`image.credit` must not reject a story).
    model_config = ConfigDict(
        strict=True, extra="allow", frozen=True, json_schema_extra={"additionalProperties": True}
    )

    name: str = Field(
        min_length=1,
        description=described(
            "اسم الكاتب كما يظهر، بنص عادي، 200 محرف على الأكثر، مثل «سارة الكندري».",
            "The author's name as shown, plain text, at most 200 characters, e.g. «سارة الكندري».",
        ),
        json_schema_extra={"maxLength": MAX_AUTHOR_CHARS},
    )
    url: str | None = Field(
        default=None,
        description=described(
            "رابط كامل لصفحة الكاتب يبدأ بـ https://", "Absolute http(s) URL of the author's page."
        ),
    )
    email: str | None = Field(
        default=None,
        description=described(
            "بريد إلكتروني علني مثل newsroom@nashra.example (يظهر في Atom وحده).",
            "A public e-mail address such as newsroom@nashra.example (Atom shows it).",
        ),
    )


class ImageInput(BaseModel):
    # Unknown keys are warnings, as at the top level (`image.credit` must not reject a story).
    model_config = ConfigDict(
        strict=True, extra="allow", frozen=True, json_schema_extra={"additionalProperties": True}
    )

    url: str = Field(
        description=described(
            "رابط الصورة الكامل، يبدأ بـ https://", "Absolute https URL of the image."
        )
    )
    alt: str | None = Field(
        default=None,
        description=described(
            "وصف الصورة لمن لا يراها، بنص عادي.", "Plain-text alternative for who cannot see it."
        ),
    )
    caption: str | None = Field(
        default=None,
        description=described(
            "التعليق تحت الصورة، بنص عادي (أي وسوم فيه تظهر نصًا).",
            "The caption under the image, plain text (any markup in it shows as text).",
        ),
    )
    type: str | None = Field(
        default=None,
        pattern=r"^image/[a-z0-9.+-]+$",
        description=described(
            "نوع الملف، مثل image/jpeg أو image/webp؛ إن غاب أُخذ من امتداد الملف "
            "(image/jpeg إن لم يكن له امتداد).",
            "The file type, e.g. image/jpeg or image/webp; when missing, from the file's "
            "extension (image/jpeg when it has none).",
        ),
    )
    width: int | None = Field(
        default=None,
        ge=1,
        le=20000,
        description=described("العرض بالبكسل.", "Width in pixels."),
    )
    height: int | None = Field(
        default=None,
        ge=1,
        le=20000,
        description=described("الارتفاع بالبكسل.", "Height in pixels."),
    )
    length: int | None = Field(
        default=None,
        ge=0,
        le=MAX_IMAGE_BYTES,
        description=described(
            "حجم الملف بالبايت (100 ميبيبايت على الأكثر).", "Size in bytes (at most 100 MiB)."
        ),
    )


class ArticleInput(BaseModel):
    """One article as an editor uploads it to `articles/<any path>.json`."""

    model_config = ConfigDict(
        strict=True,
        extra="allow",  # unknown fields become warnings, never silent drops
        frozen=True,
        title="nashra article",
        json_schema_extra={
            "additionalProperties": True,
            "description": described(
                "مقال واحد كما يرفعه المحرر إلى articles/؛ الدليل: content/README.md.",
                "One article as an editor uploads it to articles/; guide: content/README.md.",
            ),
            # A correction changes the item: readers see it as updated (B-19).
            "dependentRequired": {"correction": ["updated"]},
        },
    )

    schema_ref: str | None = Field(
        default=None,
        alias="$schema",
        description=described(
            f"مسار هذا المخطط ليشرح محررك كل حقل ويتحقق منه أثناء الكتابة: {SCHEMA_PATH}. لا يُنشر.",
            f"This schema, so that your editor explains and checks each field as you type: "
            f"{SCHEMA_PATH}. Not published.",
        ),
        examples=[SCHEMA_PATH],
    )
    id: ArticleId | None = Field(
        default=None,
        description=described(
            "معرّف ثابت بحروف لاتينية صغيرة وأرقام وشرطات، مثل gulf-summit-2026؛ "
            "الافتراضي اسم الملف دون .json. لا تغيّره بعد النشر.",
            "Stable id of lower-case latin letters, digits and hyphens, e.g. gulf-summit-2026; "
            "defaults to the file name without .json. Never change it once published.",
        ),
    )
    section: str = Field(
        description=described(
            "القسم: أحد الأسماء المختصرة في config/sections.json، مثل gulf أو economy.",
            "The section: a slug listed in config/sections.json, e.g. gulf or economy.",
        )
    )
    title: str = Field(
        description=described(
            "العنوان بنص عادي دون وسوم، 300 محرف على الأكثر. «عاجل» في أوله يجعله خبرًا عاجلًا.",
            "The headline, plain text without markup, at most 300 characters. "
            "A leading «عاجل» makes the article breaking.",
        ),
        json_schema_extra={"maxLength": MAX_TITLE_CHARS},
    )
    breaking: bool = Field(
        default=False,
        description=described(
            "true لنشره في موجز العاجل أيضًا (true أو false دون علامتي تنصيص).",
            "true to publish it in the breaking feed too (true or false, unquoted).",
        ),
    )
    published: str = Field(
        description=described(
            "وقت النشر: ISO 8601 أو صيغة عربية مثل «١٥ نوفمبر ٢٠٢٦ ١٠:٣٠ ص»؛ "
            "دون فرق توقيت يُقرأ بتوقيت الموقع. الوقت المقبل يجدول المقال (30 يومًا على الأكثر).",
            "When it is published: ISO 8601 or an Arabic form such as «١٥ نوفمبر ٢٠٢٦ ١٠:٣٠ ص»; "
            "without an offset it is read in the site's zone. A time ahead schedules the "
            "article (at most 30 days).",
        ),
        examples=["2026-11-15T10:30:00+03:00", "١٥ نوفمبر ٢٠٢٦ ١٠:٣٠ ص"],
    )
    updated: str | None = Field(
        default=None,
        description=described(
            "وقت آخر تحديث أو تصحيح، بالصيغ نفسها؛ لا يسبق وقت النشر.",
            "When it was last updated or corrected, same forms; not before published.",
        ),
    )
    summary: str | None = Field(
        default=None,
        description=described(
            "ملخص بنص عادي، 1000 محرف على الأكثر؛ الافتراضي مقتطف من أول النص.",
            "Plain-text summary, at most 1,000 characters; default: an excerpt of the body.",
        ),
        json_schema_extra={"maxLength": MAX_SUMMARY_CHARS},
    )
    body: str = Field(
        description=described(
            "نص المقال: HTML (يُنقّى) أو نص عادي تفصل بين فقراته سطور فارغة؛ "
            "1 ميبيبايت على الأكثر بعد التنقية و64 مستوى تداخل.",
            "The article's text: HTML (sanitised) or plain text with blank lines between "
            "paragraphs; at most 1 MiB once sanitised and 64 elements deep.",
        )
    )
    authors: list[AuthorName | AuthorInput] = Field(
        default_factory=list,
        description=described(
            "الكتّاب، 20 على الأكثر: أسماء، أو كائنات {name, url, email}.",
            "The authors, at most 20: names, or objects {name, url, email}.",
        ),
        json_schema_extra={"maxItems": MAX_AUTHORS},
    )
    tags: list[Tag] = Field(
        default_factory=list,
        description=described(
            "كلمات مفتاحية بنص عادي تصبح تصنيفات في الموجزات، 50 على الأكثر.",
            "Plain-text keywords that become feed categories, at most 50.",
        ),
        json_schema_extra={"maxItems": MAX_TAGS},
    )
    image: ImageInput | None = Field(
        default=None,
        description=described(
            "الصورة الرئيسية: {url, alt, caption, type, width, height, length}.",
            "The lead image: {url, alt, caption, type, width, height, length}.",
        ),
    )
    url: str | None = Field(
        default=None,
        description=described(
            "رابط صفحة المقال الكامل؛ الافتراضي {base_url}/{section}/{id}.",
            "The article page's absolute URL; default {base_url}/{section}/{id}.",
        ),
    )
    status: Literal["published", "draft"] = Field(
        default="published",
        description=described(
            "published (الافتراضي) أو draft لإبقائه خارج كل الموجزات.",
            "published (the default) or draft to keep it out of every feed.",
        ),
    )
    correction: str | None = Field(
        default=None,
        description=described(
            "تصحيح قصير بنص عادي يظهر أعلى نص المقال في كل الصيغ، 280 محرفًا على الأكثر؛ "
            "يتطلب updated بوقت التصحيح.",
            "A short plain-text correction shown above the article's text in every format, "
            "at most 280 characters; needs updated, the time of the correction.",
        ),
        json_schema_extra={"maxLength": MAX_CORRECTION_CHARS},
    )


# "scheduled": a published article whose `published` is still ahead (B-20).
ArticleStatus = Literal["published", "draft", "scheduled"]


class _Compact(BaseModel):
    """A model that pickles as its field values, in field order, and the fields set (a
    bit mask): a build hands every intake result from a worker to the main process, and
    pydantic's own state (a dict of dicts and a set of names) cost more to pickle and load
    than the article. A date in a zone of the zone database travels as its fields and the
    zone's name (the zone is one object per name: `ZoneInfo` caches them). Loading
    rebuilds the same state without validating again: what was pickled was validated when
    it was made. A model with anything else in its state (extra or private values, a
    field missing) pickles as pydantic pickles it."""

    def __reduce_ex__(self, protocol: SupportsIndex) -> str | tuple[Any, ...]:
        model = type(self)
        names, every, moments = _layout(model)
        values = self.__dict__
        given = self.__pydantic_fields_set__
        if (
            self.__pydantic_extra__ is not None
            or self.__pydantic_private__ is not None
            or len(values) != len(names)
            or tuple(values) != names
            or not given <= every
        ):
            return super().__reduce_ex__(protocol)
        mask = -1 if given == every else sum(1 << i for i, n in enumerate(names) if n in given)
        packed = _at(tuple(values.values()), moments, datetime, _pack)
        return _restore, (model, packed, mask)


@cache
def _layout(model: type[BaseModel]) -> tuple[tuple[str, ...], frozenset[str], tuple[int, ...]]:
    """A model's field names in order, as a set, and the positions of those that may hold
    a datetime."""
    fields = model.__pydantic_fields__
    moments = tuple(
        i
        for i, f in enumerate(fields.values())
        if datetime in (f.annotation, *get_args(f.annotation))
    )
    return tuple(fields), frozenset(fields), moments


@cache
def _fields_set(model: type[BaseModel], mask: int) -> frozenset[str]:
    names, every, _ = _layout(model)
    return every if mask == -1 else frozenset(n for i, n in enumerate(names) if mask >> i & 1)


Packed = tuple[int, int, int, int, int, int, int, int, str]


def _pack(moment: datetime) -> Packed | datetime:
    """A datetime as its fields and its zone's key, when `ZoneInfo(key)` gives its zone
    back; any other datetime as it is."""
    zone = moment.tzinfo
    if type(zone) is not ZoneInfo or not zone.key or ZoneInfo(zone.key) is not zone:
        return moment
    m = moment
    return (m.year, m.month, m.day, m.hour, m.minute, m.second, m.microsecond, m.fold, zone.key)


def _at(
    values: tuple[Any, ...], places: tuple[int, ...], kind: type, change: Callable[[Any], Any]
) -> tuple[Any, ...]:
    """`values` with each value at one of `places` that is exactly a `kind` changed."""
    if not places:
        return values
    listed = list(values)
    for i in places:
        if type(listed[i]) is kind:
            listed[i] = change(listed[i])
    return tuple(listed)


def _unpack(packed: Packed) -> datetime:
    year, month, day, hour, minute, second, microsecond, fold, key = packed
    return datetime(
        year, month, day, hour, minute, second, microsecond, tzinfo=ZoneInfo(key), fold=fold
    )


def _restore(model: type[_Compact], packed: tuple[Any, ...], mask: int) -> _Compact:
    """The model `_Compact.__reduce_ex__` pickled, with the state pydantic gave it."""
    names, _, moments = _layout(model)
    packed = _at(packed, moments, tuple, _unpack)
    rebuilt = model.__new__(model)
    set_attribute = object.__setattr__
    set_attribute(rebuilt, "__dict__", dict(zip(names, packed, strict=True)))
    set_attribute(rebuilt, "__pydantic_fields_set__", set(_fields_set(model, mask)))
    set_attribute(rebuilt, "__pydantic_extra__", None)
    set_attribute(rebuilt, "__pydantic_private__", None)
    return rebuilt


class Author(_Compact):
    model_config = ConfigDict(frozen=True)

    name: str
    url: str | None = None
    email: str | None = None


class Image(_Compact):
    model_config = ConfigDict(frozen=True)

    url: str  # percent-encoded, https
    alt: str | None = None
    caption: str | None = None
    type: str = "image/jpeg"
    width: int | None = None
    height: int | None = None
    length: int = 0


class Article(_Compact):
    """A validated article, ready for the index and the renderers.

    Text is NFC and free of controls (AR-TXT-1/2); `title` has no «عاجل» prefix (AR-BRK-1);
    `url` and image URLs are percent-encoded URIs (AR-URL-1); dates are aware.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    key: str = Field(description="The inbox object key this article came from.")
    section: str
    title: str
    breaking: bool = False
    published: datetime
    updated: datetime | None = None
    summary: str
    body_html: str
    authors: tuple[Author, ...] = ()
    tags: tuple[str, ...] = ()
    image: Image | None = None
    url: str
    # Intake decides "scheduled" from the time; editors write only the other two.
    status: ArticleStatus = "published"
    correction: str | None = None  # plain text, shown above the full text (B-19)

    @property
    def modified(self) -> datetime:
        """When the article last changed: `updated`, else `published`."""
        return self.updated or self.published


def article_json_schema() -> dict[str, object]:
    """The JSON Schema editors validate against (content/schema/article.schema.json)."""
    schema = ArticleInput.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://nashra.example/schema/article.schema.json"
    return schema


def stored_form(article: Article) -> bytes:
    """The article as the index stores it: its JSON, zlib-compressed (B-22)."""
    import zlib

    return zlib.compress(article.model_dump_json().encode("utf-8"))


def may_exceed_storage(article: Article, raw_size: int) -> bool:
    """False when the article surely fits `MAX_STORED_BYTES` without compressing it: its
    JSON is at most twice (each quote escaped) its body and the file it came from, plus
    what intake derives (the excerpt, the URL, the key), and zlib never grows it by more
    than a few bytes per 16 KB. So only articles of a hundred kilobytes and more are
    compressed to be measured."""
    body = article.body_html
    if 2 * (4 * len(body) + raw_size) + 16_384 <= MAX_STORED_BYTES:
        return False  # at most 4 UTF-8 bytes a character: no need to encode it
    return 2 * (len(body.encode("utf-8", "surrogatepass")) + raw_size) + 16_384 > MAX_STORED_BYTES
