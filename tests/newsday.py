"""A realistic Arabic news day, written as `Article` values directly: the renderers' input.

Shared by the render unit tests and the contract tests (feedparser, newsboat, npm), which
read the same feeds through real parsers; tests/conftest.py registers this module as a
pytest plugin, so its fixtures are available to every test.

Six published articles and one draft across four sections: images (with and without a
byte length), several authors (one with a public e-mail), tags, two breaking items, a
Latin-first title (AR-DIR-2), a digit-first title, a plain-text body turned into paragraphs,
an Arabic URL slug.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from nashra.core.article import Article, Author, Image
from nashra.core.site import FeedSpec, Section, Site, feed_catalog
from nashra.core.urls import encode_uri

KUWAIT = timezone(timedelta(hours=3))
BASE = "https://www.nashra.example"
SARA_EMAIL = "sara.alkandari@nashra.example"  # public, ASCII: Atom <email> only


def build_site(**changes: object) -> Site:
    values: dict[str, object] = {
        "title": "نشرة",
        "description": "أخبار الخليج والعالم العربي لحظة بلحظة",
        "base_url": BASE,
        "feeds_url": "https://feeds.nashra.example",
        "hub": "https://hub.nashra.example/",
        "icon": f"{BASE}/icon.png",
        "logo": f"{BASE}/logo.png",
        "copyright": "© 2026 نشرة. جميع الحقوق محفوظة",
        "tag_date": "2026",
    }
    values.update(changes)
    return Site.model_validate(values)


SECTIONS = (
    Section(slug="politics", title="سياسة", description="آخر الأخبار السياسية من نشرة"),
    Section(slug="economy", title="اقتصاد", description="أخبار الاقتصاد والأسواق والأعمال"),
    Section(slug="technology", title="تكنولوجيا", description="أخبار التكنولوجيا والعلوم"),
    Section(slug="sports", title="رياضة", description="آخر الأخبار الرياضية ونتائج المباريات"),
    Section(slug="health", title="صحة", description="أخبار الصحة والطب"),  # stays empty
)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=KUWAIT)


ARTICLES = (
    Article(
        id="defence-kuwait-meeting",
        key="articles/2026/03/defence-kuwait-meeting.json",
        section="politics",
        title="وزير الدفاع يبحث مع نظيره الكويتي تعزيز التعاون العسكري",
        breaking=True,
        published=at(15, 10, 30),
        updated=at(15, 12, 5),
        summary="التقى وزير الدفاع نظيره الكويتي في الكويت، وبحثا سبل تعزيز التعاون.",
        body_html=(
            "<p>التقى وزير الدفاع اليوم نظيره الكويتي في مدينة الكويت.</p>"
            "<h2>تعاون عسكري</h2><p>وبحث الجانبان «سبل تعزيز» التعاون، وفق بيان رسمي.</p>"
        ),
        authors=(
            Author(name="سارة الكندري", url=f"{BASE}/authors/sara", email=SARA_EMAIL),
            Author(name="أحمد العلي"),
        ),
        tags=("الكويت", "الدفاع"),
        image=Image(
            url=f"{BASE}/img/defence.jpg",
            alt="الوزيران في أثناء اللقاء",
            caption="وزير الدفاع ونظيره الكويتي في مدينة الكويت",
            type="image/jpeg",
            width=1200,
            height=675,
            length=183_204,
        ),
        url=f"{BASE}/politics/defence-kuwait-meeting",
    ),
    Article(
        id="iphone-gulf-launch",
        key="articles/2026/03/iphone-gulf-launch.json",
        section="technology",
        title="iPhone 16 يصل إلى الأسواق الخليجية",
        published=at(15, 9, 0),
        summary="بدأت متاجر الخليج بيع الهاتف الجديد وسط إقبال كبير.",
        body_html="<p>بدأت متاجر الخليج بيع هاتف iPhone 16 صباح اليوم.</p>",
        authors=(Author(name="Lina Haddad"),),
        tags=("تكنولوجيا", "Apple"),
        image=Image(url=f"{BASE}/img/iphone.webp", type="image/webp", alt="الهاتف الجديد"),
        url=f"{BASE}/technology/iphone-gulf-launch",
    ),
    Article(
        id="oil-prices-week",
        key="articles/2026/03/oil-prices-week.json",
        section="economy",
        title="أسعار النفط ترتفع للأسبوع الثالث على التوالي",
        published=at(14, 18, 45),
        updated=at(15, 8, 0),
        summary="ارتفع خام برنت 2% خلال الأسبوع.",
        # A plain-text body as intake turns it into paragraphs.
        body_html="<p>ارتفع خام برنت 2% خلال الأسبوع.</p><p>وقال محللون إن الطلب قوي.</p>",
        authors=(Author(name="مريم الصباح"), Author(name="خالد الرشيد")),
        tags=("النفط", "أسواق"),
        url=f"{BASE}/economy/oil-prices-week",
    ),
    Article(
        id="national-team-qualifies",
        key="articles/2026/03/national-team-qualifies.json",
        section="sports",
        title="2026: المنتخب يتأهل إلى النهائي",
        breaking=True,
        published=at(14, 22, 10),
        summary="تأهل المنتخب إلى النهائي بعد فوزه 2-1.",
        body_html="<p>تأهل المنتخب إلى النهائي بعد فوزه 2-1 في مباراة مثيرة.</p>",
        tags=("كرة القدم",),
        image=Image(
            url=f"{BASE}/img/team.jpg", caption="فرحة اللاعبين بعد المباراة", length=95_310
        ),
        url=f"{BASE}/sports/national-team-qualifies",
    ),
    Article(
        id="gcc-summit-agenda",
        key="articles/2026/03/gcc-summit-agenda.json",
        section="politics",
        title="جدول أعمال القمة الخليجية: الأمن والاقتصاد",
        published=at(13, 7, 15),
        summary="تناقش القمة الخليجية ملفات الأمن والاقتصاد والتكامل.",
        body_html="<p>تناقش القمة الخليجية المقبلة ملفات الأمن والاقتصاد.</p>",
        authors=(Author(name="سارة الكندري", url=f"{BASE}/authors/sara", email=SARA_EMAIL),),
        tags=("مجلس التعاون",),
        url=encode_uri(f"{BASE}/politics/gcc-summit-agenda-جدول-أعمال-القمة"),
    ),
    Article(
        id="dates-harvest",
        key="articles/2026/03/dates-harvest.json",
        section="economy",
        title="موسم التمور يبدأ مبكرًا هذا العام",
        published=at(12, 11, 0),
        summary="بدأ موسم حصاد التمور قبل موعده بأسبوعين.",
        body_html="<p>بدأ موسم حصاد التمور قبل موعده بأسبوعين.</p>",
        url=f"{BASE}/economy/dates-harvest",
    ),
    Article(
        id="draft-budget",
        key="articles/2026/03/draft-budget.json",
        section="economy",
        title="مسودة: الميزانية العامة",
        published=at(15, 13, 0),
        summary="مسودة لم تنشر بعد.",
        body_html="<p>مسودة.</p>",
        url=f"{BASE}/economy/draft-budget",
        status="draft",
    ),
)

SiteFactory = Callable[..., Site]
SpecLookup = Callable[[str], FeedSpec]


@pytest.fixture
def make_site() -> SiteFactory:
    """`make_site(items_per_feed=2)`: the fixture site with some settings changed."""
    return build_site


@pytest.fixture
def news_site() -> Site:
    return build_site()


@pytest.fixture
def news_specs(news_site: Site) -> tuple[FeedSpec, ...]:
    """all, breaking, then politics, economy, technology, sports and health (empty)."""
    return feed_catalog(news_site, SECTIONS)


@pytest.fixture
def feed_spec(news_specs: tuple[FeedSpec, ...]) -> SpecLookup:
    return lambda slug: next(s for s in news_specs if s.slug == slug)


@pytest.fixture
def news_articles() -> tuple[Article, ...]:
    """Six published articles (not in feed order) and one draft."""
    return ARTICLES
