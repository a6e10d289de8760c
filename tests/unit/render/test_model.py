"""Selection, ordering and cleaning shared by every format."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone

from nashra.core.article import Article
from nashra.core.site import FeedSpec, Site, feeds_for
from nashra.core.text import RLM
from nashra.core.urls import item_id
from nashra.render.markup import rtl_html, safe_uri, xml_safe
from nashra.render.model import (
    BREAKING_LABEL,
    Shared,
    epoch,
    select,
    to_channel,
    to_entries,
    to_entry,
    weight,
)

Spec = Callable[[str], FeedSpec]
ALL_ORDER = [
    "defence-kuwait-meeting",
    "iphone-gulf-launch",
    "national-team-qualifies",
    "oil-prices-week",
    "gcc-summit-agenda",
    "dates-harvest",
]


def _ids(articles: Sequence[Article]) -> list[str]:
    return [a.id for a in articles]


def test_all_feed_is_newest_first_and_has_no_draft(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    assert _ids(select(news_site, feed_spec("all"), news_articles)) == ALL_ORDER


def test_section_and_breaking_membership(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    politics = select(news_site, feed_spec("politics"), news_articles)
    assert _ids(politics) == ["defence-kuwait-meeting", "gcc-summit-agenda"]
    breaking = select(news_site, feed_spec("breaking"), news_articles)
    assert _ids(breaking) == ["defence-kuwait-meeting", "national-team-qualifies"]
    assert select(news_site, feed_spec("health"), news_articles) == []


def test_every_feed_holds_exactly_the_articles_feeds_for_names(
    news_site: Site, news_specs: tuple[FeedSpec, ...], news_articles: tuple[Article, ...]
) -> None:
    """The renderer and the publisher agree on membership: one definition, `feeds_for`."""
    assert any(a.status == "draft" for a in news_articles)
    for spec in news_specs:
        chosen = {a.id for a in select(news_site, spec, news_articles)}
        assert chosen == {a.id for a in news_articles if spec.slug in feeds_for(a)}, spec.slug


def test_same_published_time_orders_by_id_descending(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    moment = datetime(2026, 3, 1, 9, tzinfo=UTC)
    twins = [news_articles[5].model_copy(update={"id": i, "published": moment}) for i in "acb"]
    assert _ids(select(news_site, feed_spec("all"), twins)) == ["c", "b", "a"]


def test_item_cap_keeps_the_newest(
    make_site: Callable[..., Site], feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    chosen = select(make_site(items_per_feed=2), feed_spec("all"), news_articles)
    assert _ids(chosen) == ALL_ORDER[:2]


def test_duplicate_ids_collapse_to_one_item(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    copy = news_articles[0].model_copy(update={"title": "نسخة"})
    chosen = select(news_site, feed_spec("politics"), [news_articles[0], copy])
    assert _ids(chosen) == ["defence-kuwait-meeting"]


def test_entry_id_comes_from_the_article_id_alone_ar_url_2(
    news_site: Site, news_articles: tuple[Article, ...]
) -> None:
    moved = news_articles[0].model_copy(update={"title": "عنوان", "url": "https://x.example/y"})
    want = item_id(news_site.authority, news_site.tag_date, "defence-kuwait-meeting")
    assert (
        to_entry(news_site, moved).id
        == want
        == "tag:www.nashra.example,2026:defence-kuwait-meeting"
    )


def test_latin_first_title_gets_one_rlm_ar_dir_2(
    news_site: Site, news_articles: tuple[Article, ...]
) -> None:
    assert to_entry(news_site, news_articles[1]).title == RLM + "iPhone 16 يصل إلى الأسواق الخليجية"
    digits_first = news_articles[3]  # "2026: …": digits are not strong, nothing added
    assert to_entry(news_site, digits_first).title == digits_first.title


def test_breaking_adds_the_category_once_ar_brk_1(
    news_site: Site, news_articles: tuple[Article, ...]
) -> None:
    assert to_entry(news_site, news_articles[0]).tags == ("الكويت", "الدفاع", BREAKING_LABEL)
    tagged = news_articles[0].model_copy(update={"tags": (BREAKING_LABEL, "الكويت")})
    assert to_entry(news_site, tagged).tags == (BREAKING_LABEL, "الكويت")
    assert BREAKING_LABEL not in to_entry(news_site, news_articles[1]).tags


def test_content_is_wrapped_rtl_and_leads_with_the_image_ar_dir_1(
    news_site: Site, news_articles: tuple[Article, ...]
) -> None:
    html = to_entry(news_site, news_articles[0]).content_html
    assert html.startswith('<div dir="rtl" lang="ar"><figure><img src="https://www.nashra.example/')
    assert "<figcaption>وزير الدفاع ونظيره الكويتي في مدينة الكويت</figcaption>" in html
    assert html.endswith("</p></div>")
    assert rtl_html("<p>x</p>", "ar") == '<div dir="rtl" lang="ar"><p>x</p></div>'


def test_image_already_in_the_body_is_not_repeated(
    news_site: Site, news_articles: tuple[Article, ...]
) -> None:
    body = '<p><img src="https://www.nashra.example/img/defence.jpg" alt=""></p>'
    article = news_articles[0].model_copy(update={"body_html": body})
    assert to_entry(news_site, article).content_html == f'<div dir="rtl" lang="ar">{body}</div>'


def test_dates_are_utc_whole_seconds(news_site: Site, news_articles: tuple[Article, ...]) -> None:
    odd = datetime(2026, 3, 15, 10, 30, 0, 7, tzinfo=timezone(timedelta(hours=3)))
    entry = to_entry(news_site, news_articles[0].model_copy(update={"published": odd}))
    assert entry.published == datetime(2026, 3, 15, 7, 30, tzinfo=UTC)
    assert entry.published.microsecond == 0
    assert entry.modified == datetime(2026, 3, 15, 9, 5, tzinfo=UTC)


def test_channel_updated_is_newest_modified_or_the_tag_date(
    make_site: Callable[..., Site], feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    site = make_site()
    economy = to_entries(site, feed_spec("economy"), news_articles)
    # oil-prices-week was updated after dates-harvest was published: `updated` wins.
    assert to_channel(site, feed_spec("economy"), economy).updated == datetime(
        2026, 3, 15, 5, 0, tzinfo=UTC
    )
    empty = to_channel(site, feed_spec("health"), [])
    assert empty.updated == epoch(site) == datetime(2026, 1, 1, tzinfo=UTC)
    assert epoch(make_site(tag_date="2025-07-09")) == datetime(2025, 7, 9, tzinfo=UTC)


def test_channel_home_is_the_site_page(news_site: Site, feed_spec: Spec) -> None:
    assert to_channel(news_site, feed_spec("all"), []).home_url == "https://www.nashra.example"
    sports = to_channel(news_site, feed_spec("sports"), [])
    assert sports.home_url == "https://www.nashra.example/sports"


def test_xml_safe_strips_only_what_xml_forbids() -> None:
    assert xml_safe("a\x00b\x1fc\ud800d\ufffee\uffff") == "abcde"
    kept = "\t\n\r عاجل\u200f\u200c«»\U0001f600\x85"
    assert xml_safe(kept) == kept


def test_safe_uri_encodes_arabic_once_and_never_raises_ar_url_1() -> None:
    once = safe_uri("https://www.nashra.example/سياسة")
    assert once == "https://www.nashra.example/%D8%B3%D9%8A%D8%A7%D8%B3%D8%A9"
    assert safe_uri(once) == once
    # encode_uri percent-encodes what urlsplit rejects (since 5b95c40) instead of raising.
    assert safe_uri("https://[broken/\x00x") == "https://%5Bbroken/x"


def test_equal_copies_of_an_article_share_one_entry(
    news_site: Site, news_articles: tuple[Article, ...]
) -> None:
    """The index gives each feed its own copy of an article (DynamoDB decodes one per
    query): equal copies share one entry; a changed one is converted again."""
    shared = Shared(capacity=10, budget=1 << 20)
    article = news_articles[0]
    first = shared.entry(news_site, article)
    assert shared.entry(news_site, article.model_copy()) is first
    changed = shared.entry(news_site, article.model_copy(update={"title": "عنوان آخر"}))
    assert changed is not first and changed.title != first.title
    assert shared.entry(news_site, article) is not first  # the changed one replaced it


def test_shared_entries_hold_about_their_budget_whatever_the_articles_size(
    news_site: Site, news_articles: tuple[Article, ...]
) -> None:
    """Found by bench/memory.py: 2,048 kept entries of 1 MiB articles, with their items,
    held gigabytes in a Lambda batch. Kept entries stay within `budget` (by `weight`), the
    oldest forgotten first; the typical ones within the count."""
    base = news_articles[0]
    long = [
        base.model_copy(update={"id": f"long-{n}", "body_html": "<p>" + "نص " * 50_000 + "</p>"})
        for n in range(12)
    ]
    assert weight(to_entry(news_site, long[0])) > 8 * 150_000  # the body made it long
    budget = 4 * weight(to_entry(news_site, long[0]))
    shared = Shared(capacity=1000, budget=budget)
    for article in long:
        shared.entry(news_site, article)
        assert shared.held <= budget
    assert shared.held > budget // 2  # it keeps what fits: the newest three or four
    assert shared.entry(news_site, long[-1]) is shared.entry(news_site, long[-1])
    small = Shared(capacity=3, budget=1 << 30)
    for n in range(5):
        small.entry(news_site, base.model_copy(update={"id": f"s-{n}"}))
    assert small.held == sum(weight(to_entry(news_site, base)) for _ in range(3))
