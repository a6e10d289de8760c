"""What rendering tells an editor about one accepted article: bilingual `Problem`s.

An article that passed intake can still be shortened or left out of one feed by the byte
cap (rule "feed-size", a warning: the article is published), or fail to render at all
(rule "render", an error: a bug or an input intake should have refused). Either way the
feed publishes without it, and the note says which feed and what the editor can do.
"""

from __future__ import annotations

from datetime import UTC

from nashra.core.article import Article
from nashra.core.problems import Problem

FEED_SIZE = "feed-size"
RENDER = "render"


def shortened(feed: str, cap: int) -> Problem:
    """The article is in feed `feed` as its summary and link only."""
    return Problem(
        "body",
        FEED_SIZE,
        f"the article is too large for the feed «{feed}» (at most {cap} bytes), so it is "
        "published there as its summary and link only; shorten the body to publish it in full",
        f"المقال أكبر مما تتسع له نشرة «{feed}» (الحد {cap} بايت)، فنُشر فيها ملخصه ورابطه "
        "فقط؛ اختصر نص المقال لينشر كاملًا",
        "warning",
    )


def left_out(feed: str, cap: int) -> Problem:
    """Not even the article's summary fits in what the newer items left of feed `feed`."""
    return Problem(
        "body",
        FEED_SIZE,
        f"the article is too large for the feed «{feed}» (at most {cap} bytes) even as its "
        "summary, so it is left out of that feed; shorten the body and the summary",
        f"المقال أكبر مما تتسع له نشرة «{feed}» (الحد {cap} بايت) حتى بملخصه، فلم يُنشر "
        "فيها؛ اختصر نص المقال وملخصه",
        "warning",
    )


def failed(feed: str, article: Article, exc: Exception) -> Problem:
    """Rendering the article raised: it is left out of feed `feed`, which still publishes."""
    field = failing_field(article)
    what = f"{type(exc).__name__}"
    return Problem(
        field,
        RENDER,
        f"the article could not be written into the feed «{feed}» ({what}), so it is left out "
        f"of it; check the value of `{field}`, and if it looks right tell the site's developers",
        f"تعذّرت كتابة المقال في نشرة «{feed}» ({what})، فلم يُنشر فيها؛ راجع قيمة "
        f"`{field}`، وإن بدت صحيحة فأبلغ الفريق التقني",
    )


def failing_field(article: Article) -> str:
    """The field most likely to blame: a date outside what UTC can hold, else the body.

    >>> from datetime import datetime, timedelta, timezone
    >>> far = datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-12)))
    >>> failing_field(Article(id="x", key="k", section="s", title="t", published=far,
    ...                       summary="", body_html="", url="https://a.example/x"))
    'published'
    """
    for name, moment in (("published", article.published), ("updated", article.updated)):
        try:
            if moment is not None:
                moment.astimezone(UTC)
        except (OverflowError, ValueError):
            return name
    return "body"
