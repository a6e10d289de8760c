"""The article: what an editor uploads (`ArticleInput`) and what feeds are made of (`Article`).

`ArticleInput` is the contract editors write against (its JSON Schema is exported to
content/schema/article.schema.json); `Article` is the clean, validated, normalised value
that the index stores and the renderers read. See `nashra.core.intake` for the way from
bytes to an `Article`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
ID_EXAMPLE = "gulf-summit-2026"
# The input bounds (docs/decisions.md, B-1..B-12); those JSON Schema can say are in it too.
MAX_ARTICLE_BYTES = 1024 * 1024  # B-1
MAX_BODY_BYTES = 1024 * 1024  # B-4, UTF-8 after sanitising
MAX_TITLE_CHARS = 300  # B-5, after cleaning
MAX_SUMMARY_CHARS = 1000  # B-6
MAX_TAGS = 50  # B-7
MAX_TAG_CHARS = 100  # B-7
MAX_AUTHORS = 20  # B-8
MAX_AUTHOR_CHARS = 200  # B-8
MAX_IMAGE_BYTES = 100 * 1024 * 1024  # B-11, the enclosure length

ArticleId = Annotated[str, Field(pattern=ID_PATTERN, examples=[ID_EXAMPLE])]
# Bounds checked by nashra.core.intake after cleaning (so that removed invisible characters
# do not count); the schema states them for editors' tools.
AuthorName = Annotated[str, Field(json_schema_extra={"maxLength": MAX_AUTHOR_CHARS})]
Tag = Annotated[str, Field(json_schema_extra={"maxLength": MAX_TAG_CHARS})]


class AuthorInput(BaseModel):
    # Unknown keys are warnings, as at the top level (`image.credit` must not reject a story).
    model_config = ConfigDict(
        strict=True, extra="allow", frozen=True, json_schema_extra={"additionalProperties": True}
    )

    name: str = Field(
        min_length=1,
        description="Display name, e.g. «سارة الكندري».",
        json_schema_extra={"maxLength": MAX_AUTHOR_CHARS},
    )
    url: str | None = Field(default=None, description="Absolute http(s) URL of the author page.")
    email: str | None = Field(default=None, description="Public e-mail address.")


class ImageInput(BaseModel):
    # Unknown keys are warnings, as at the top level (`image.credit` must not reject a story).
    model_config = ConfigDict(
        strict=True, extra="allow", frozen=True, json_schema_extra={"additionalProperties": True}
    )

    url: str = Field(description="Absolute https URL of the image.")
    alt: str | None = Field(default=None, description="Plain text alternative.")
    caption: str | None = Field(default=None, description="Plain text caption.")
    type: str | None = Field(default=None, pattern=r"^image/[a-z0-9.+-]+$")
    width: int | None = Field(default=None, ge=1, le=20000)
    height: int | None = Field(default=None, ge=1, le=20000)
    length: int | None = Field(
        default=None, ge=0, le=MAX_IMAGE_BYTES, description="Size in bytes (at most 100 MiB)."
    )


class ArticleInput(BaseModel):
    """One article as an editor uploads it to `articles/<any path>.json`."""

    model_config = ConfigDict(
        strict=True,
        extra="allow",  # unknown fields become warnings, never silent drops
        frozen=True,
        title="nashra article",
        json_schema_extra={"additionalProperties": True},
    )

    id: ArticleId | None = Field(
        default=None,
        description="Stable id; defaults to the file name without .json. Never change it.",
    )
    section: str = Field(description="A slug listed in config/sections.json.")
    title: str = Field(
        description="Plain text headline. A leading «عاجل» sets `breaking`.",
        json_schema_extra={"maxLength": MAX_TITLE_CHARS},
    )
    breaking: bool = Field(default=False, description="Also publish in the breaking feed.")
    published: str = Field(
        description="ISO 8601 or an Arabic form («15 يناير 2024 10:30 ص»); naive = site zone."
    )
    updated: str | None = Field(default=None, description="Same forms; not before published.")
    summary: str | None = Field(
        default=None,
        description="Plain text; default: an excerpt.",
        json_schema_extra={"maxLength": MAX_SUMMARY_CHARS},
    )
    body: str = Field(
        description="HTML fragment (sanitised) or plain text (blank lines = paragraphs); "
        "at most 1 MiB once sanitised and 64 elements deep."
    )
    authors: list[AuthorName | AuthorInput] = Field(
        default_factory=list, json_schema_extra={"maxItems": MAX_AUTHORS}
    )
    tags: list[Tag] = Field(
        default_factory=list,
        description="Become feed categories.",
        json_schema_extra={"maxItems": MAX_TAGS},
    )
    image: ImageInput | None = None
    url: str | None = Field(default=None, description="Canonical absolute http(s) link.")
    status: Literal["published", "draft"] = Field(default="published")


class Author(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    url: str | None = None
    email: str | None = None


class Image(BaseModel):
    model_config = ConfigDict(frozen=True)

    url: str  # percent-encoded, https
    alt: str | None = None
    caption: str | None = None
    type: str = "image/jpeg"
    width: int | None = None
    height: int | None = None
    length: int = 0


class Article(BaseModel):
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
    status: Literal["published", "draft"] = "published"

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
