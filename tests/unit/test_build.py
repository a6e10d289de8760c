"""`nashra build` on every core, and again from its cache: always a clean build's output.

Every build here is compared with a clean build of the same folder at the same time (one
process, no cache, a fresh output folder): every output file byte for byte, and every
outcome the build reports.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import nashra.builder as build_module
from nashra.adapters.local import FolderSource, FolderStore, MemoryIndex, MemoryReports
from nashra.builder import Built, build, scan_articles
from nashra.builder import ahead as ahead_module
from nashra.builder import cache as cache_module
from nashra.builder.ahead import Recorder
from nashra.builder.cache import BuildCache, content_digest, dump_result
from nashra.core.intake import IntakeResult, parse_article
from nashra.core.keys import ARTICLE_SUFFIX, ARTICLES_PREFIX, CONFIG_KEYS, is_meant_as_article
from nashra.publish import Config, Publisher, read_config

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # after every date in content/


def article(**fields: object) -> bytes:
    data = {
        "section": "gulf",
        "title": "وزير الدفاع يلتقي نظيره",
        "published": "2026-11-20T08:00:00",
        "body": "<p>التقى وزير الدفاع نظيره في الرياض.</p>",
        **fields,
    }
    return json.dumps(data, ensure_ascii=False).encode()


# Some of content/'s articles: the newest (breaking), an old one, the draft, others.
KEPT = (
    "defence-minister-kuwait-meeting.json",
    "5g-year-in-review.json",
    "arab-film-festival-awards.json",
    "central-bank-holds-rates.json",
    "fifa-club-world-cup-draw.json",
    "gcc-railway-tenders.json",
)


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """content/ with a file of each kind a build reports: rejected, draft, warned, and
    two files claiming one id."""
    root = tmp_path / "content"
    articles = root / "articles"
    articles.mkdir(parents=True)
    for name in ("site.json", "sections.json"):
        shutil.copy(ROOT / "content" / name, root / name)
    for name in KEPT:
        shutil.copy(ROOT / "content" / "articles" / name, articles / name)
    (articles / "broken.json").write_bytes(b"{not json")
    (articles / "a-first.json").write_bytes(article(id="shared-id", title="الأول"))
    (articles / "z-second.json").write_bytes(article(id="shared-id", title="الثاني"))
    (articles / "warned.json").write_bytes(article(id="warned", extra="field"))
    (articles / "nested" / "deep").mkdir(parents=True)
    (articles / "nested" / "deep" / "inner.json").write_bytes(article(id="inner"))
    return root


@pytest.fixture(autouse=True)
def trusted_stats(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files changed just before a build are hashed again by the next one (their stat may
    not have moved yet: `signature`); here, where every file is minutes old at most, that
    would hide what each test looks at. `test_a_file_changed_just_before_...` keeps it."""
    monkeypatch.setattr(cache_module, "_FINE_WINDOW_NS", 0)
    monkeypatch.setattr(cache_module, "_COARSE_WINDOW_NS", 0)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def clean(content: Path, where: Path, now: datetime = NOW) -> Built:
    """A clean build: one process, no cache, an empty output folder."""
    shutil.rmtree(where, ignore_errors=True)
    return build(content, where, jobs=1, now=now)


def assert_clean(
    built: Built, out: Path, content: Path, tmp_path: Path, now: datetime = NOW
) -> None:
    """The build's output and report are a clean build's."""
    reference = clean(content, tmp_path / "clean", now)
    assert tree(out) == tree(tmp_path / "clean")
    assert built.outcomes == reference.outcomes
    assert (built.counts, built.problems) == (reference.counts, reference.problems)
    assert sorted(built.written + built.unchanged) == sorted(
        reference.written + reference.unchanged
    )


# -- every core ---------------------------------------------------------------------------


def test_a_build_on_every_core_is_the_one_core_build_byte_for_byte(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build_module, "POOL_MIN", 1)
    monkeypatch.setattr(ahead_module, "CHUNK", 4)  # several chunks, several workers
    pooled = build(content, tmp_path / "pooled", jobs=2, now=NOW)
    single = build(content, tmp_path / "single", jobs=1, now=NOW)
    files = len(scan_articles(content))
    assert (pooled.ahead, pooled.validated, single.ahead) == (files, files, 0)
    assert tree(tmp_path / "pooled") == tree(tmp_path / "single")
    assert pooled.outcomes == single.outcomes
    assert pooled.counts == single.counts
    assert single.counts["rejected"] == 2 and single.counts["draft"] == 1


def test_the_build_is_the_publisher_over_a_folder_and_a_memory_index(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `nashra build` was before intake moved ahead: `Publisher` over `FolderSource`,
    `MemoryIndex` and `FolderStore`, intake in line."""
    monkeypatch.setattr(build_module, "POOL_MIN", 1)
    publisher = Publisher(
        source=FolderSource(content),
        index=MemoryIndex(),
        store=FolderStore(tmp_path / "plain"),
        reports=MemoryReports(),
        clock=lambda: NOW,
    )
    keys = [*CONFIG_KEYS, *FolderSource(content).list_keys(ARTICLES_PREFIX)]
    outcomes, _ = publisher.publish([k for k in keys if k.endswith(ARTICLE_SUFFIX)])
    built = build(content, tmp_path / "built", jobs=2, now=NOW)
    assert built.ahead > 0
    assert tree(tmp_path / "built") == tree(tmp_path / "plain")
    assert built.outcomes == outcomes


def test_the_recorder_answers_what_parse_article_gives(content: Path) -> None:
    config = read_config(FolderSource(content))
    site, sections = config.site, config.sections
    good, other = article(id="good"), article(id="good", title="عنوان آخر")
    ahead = {"articles/good.json": (content_digest(good), dump_result(_intake(good, config)))}
    recorder = Recorder(config=config, now=NOW, computed=dict(ahead))
    for raw in (good, other, b"{", article(published="2030-01-01T00:00:00")):
        for now in (NOW, NOW + timedelta(days=1)):
            recorder = Recorder(config=config, now=NOW, computed=dict(ahead))
            answer = recorder(raw, key="articles/good.json", site=site, sections=sections, now=now)
            expected = parse_article(
                raw, key="articles/good.json", site=site, sections=sections, now=now
            )
            assert answer == expected


def _intake(raw: bytes, config: Config) -> IntakeResult:
    return parse_article(
        raw, key="articles/good.json", site=config.site, sections=config.sections, now=NOW
    )


def test_scan_lists_what_the_folder_source_lists(tmp_path: Path) -> None:
    root = tmp_path / "content"
    (root / "articles" / "a" / "b").mkdir(parents=True)
    (root / "elsewhere").mkdir()
    names = ("articles/x.json", "articles/.hidden.json", "articles/a/b/y.json", "articles/Z.JSON")
    for name in names:
        (root / name).write_bytes(b"{}")
    (root / "articles" / "notes.txt").write_bytes(b"")
    (root / "articles" / "folder.json").mkdir()
    (root / "elsewhere" / "z.json").write_bytes(b"{}")
    (root / "site.json").write_bytes(b"{}")
    (root / "articles" / "linked.json").symlink_to(root / "elsewhere" / "z.json")
    (root / "articles" / "broken.json").symlink_to(root / "nowhere.json")
    (root / "articles" / "linked-folder").symlink_to(root / "elsewhere")
    listed = [k for k in FolderSource(root).list_keys(ARTICLES_PREFIX) if is_meant_as_article(k)]
    assert [key for key, _ in scan_articles(root)] == listed
    assert "articles/linked.json" in listed and "articles/a/b/y.json" in listed
    assert "articles/Z.JSON" in listed  # read, so that the build reports its name
    assert "articles/notes.txt" not in listed


# -- from the cache -----------------------------------------------------------------------


def cached(content: Path, out: Path, cache: Path, now: datetime = NOW) -> Built:
    return build(content, out, cache=cache, jobs=1, now=now)


def edit(path: Path, **fields: object) -> None:
    data = json.loads(path.read_text("utf-8"))
    path.write_text(json.dumps({**data, **fields}, ensure_ascii=False), encoding="utf-8")


def newest(content: Path) -> Path:
    return content / "articles" / "defence-minister-kuwait-meeting.json"


def write(path: Path, raw: bytes) -> None:
    path.write_bytes(raw)


def first_section_removed(content: Path) -> None:
    sections = json.loads((content / "sections.json").read_text("utf-8"))
    (content / "sections.json").write_text(json.dumps(sections[:-1]), "utf-8")


def site_renamed(content: Path) -> None:
    site = (content / "site.json").read_text("utf-8")
    (content / "site.json").write_text(site.replace("نشرة", "النشرة", 1), "utf-8")


CHANGES: dict[str, tuple[Callable[[Path], object], str]] = {
    "nothing": (lambda c: None, "unchanged"),
    "an old article's title": (
        lambda c: edit(c / "articles" / "5g-year-in-review.json", title="عنوان جديد"),
        "incremental",
    ),
    "the newest article's body": (
        lambda c: edit(newest(c), body="<p>نص جديد كله.</p>"),
        "incremental",
    ),
    "an article deleted": (lambda c: newest(c).unlink(), "incremental"),
    "an article added": (
        lambda c: write(c / "articles" / "new.json", article(id="brand-new")),
        "incremental",
    ),
    "an article becomes invalid": (lambda c: edit(newest(c), section="weather"), "incremental"),
    "an article becomes a draft": (lambda c: edit(newest(c), status="draft"), "incremental"),
    "a draft is published": (
        lambda c: edit(c / "articles" / "arab-film-festival-awards.json", status="published"),
        "incremental",
    ),
    "an article moves section": (lambda c: edit(newest(c), section="sports"), "incremental"),
    "a rejected file is fixed": (
        lambda c: write(c / "articles" / "broken.json", article(id="fixed")),
        "incremental",
    ),
    "a file over 1 MiB": (
        lambda c: write(c / "articles" / "huge.json", b" " * (1024 * 1024 + 1)),
        "incremental",
    ),
    "an article renamed": (lambda c: newest(c).replace(c / "articles" / "m.json"), "incremental"),
    "an id claimed by an earlier file": (
        lambda c: edit(c / "articles" / "5g-year-in-review.json", id="warned"),
        "full",
    ),
    "an id claimed by a later file": (
        lambda c: write(c / "articles" / "zz.json", article(id="warned")),
        "full",
    ),
    "the holder of a contested id deleted": (
        lambda c: (c / "articles" / "a-first.json").unlink(),
        "full",
    ),
    "site.json": (site_renamed, "full"),
    "sections.json": (first_section_removed, "full"),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_build_after_a_change_is_a_clean_build(
    change: str, content: Path, tmp_path: Path
) -> None:
    mutate, mode = CHANGES[change]
    out, cache = tmp_path / "out", tmp_path / "cache"
    assert cached(content, out, cache).mode == "full"
    mutate(content)
    built = cached(content, out, cache)
    assert built.mode == mode
    assert_clean(built, out, content, tmp_path)
    again = cached(content, out, cache)  # and the cache it left is right too
    assert (again.mode, again.read, again.written) == ("unchanged", 0, [])
    assert_clean(again, out, content, tmp_path)


def test_only_the_changed_file_is_read_and_validated(content: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = cached(content, out, cache)
    assert first.validated == len(scan_articles(content))
    edit(newest(content), title="عنوان جديد")
    built = cached(content, out, cache)
    assert (built.read, built.validated) == (1, 1)
    key = "articles/" + newest(content).name
    feeds = next(o.feeds for o in first.outcomes if o.key == key)
    assert built.written and {p.split("/")[0] for p in built.written} == feeds
    assert_clean(built, out, content, tmp_path)


@pytest.mark.parametrize("enabled", [True, False])
def test_a_build_leaves_the_garbage_collector_as_it_found_it(
    enabled: bool, content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scan and an incremental build run without the cyclic collector (`_YoungOnly`),
    which is back on after them, and off after them only if it was off before."""
    import gc

    out, cache = tmp_path / "out", tmp_path / "cache"
    cached(content, out, cache)
    edit(newest(content), title="عنوان جديد")
    during: list[bool] = []
    changes = build_module._Job._changes

    def watched(job: build_module._Job, manifest: object) -> object:
        during.append(gc.isenabled())
        return changes(job, manifest)  # type: ignore[arg-type]

    monkeypatch.setattr(build_module._Job, "_changes", watched)
    (gc.enable if enabled else gc.disable)()
    try:
        assert cached(content, out, cache).mode == "incremental"
        assert (during, gc.isenabled()) == ([False], enabled)
    finally:
        gc.enable()


def test_a_full_build_collects_young_cycles_and_walks_the_index_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A full build's collector (`_YoungOnly`) collects the young generations every
    `every` keys: a cycle left by one key is gone by then, while automatic collection is
    off. Before the render it freezes what the index holds and collects as usual; after
    it, nothing is frozen and the collector is as it was (on, or off if it was off)."""
    import gc
    import weakref

    class Node:
        def __init__(self) -> None:
            self.me = self  # a cycle: only the cyclic collector frees it

    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            with build_module._YoungOnly(every=3) as collector:
                assert not gc.isenabled()
                left = weakref.ref(Node())
                collector.tick()
                collector.tick()
                assert left() is not None  # not yet: no collection between
                collector.tick()
                assert left() is None
                kept = Node()
                collector.settle()
                assert gc.get_freeze_count() > 0 and gc.isenabled() == enabled
            assert gc.get_freeze_count() == 0 and gc.isenabled() == enabled
            assert kept.me is kept
        finally:
            gc.enable()


def test_a_full_build_leaves_the_collector_as_it_found_it(content: Path, tmp_path: Path) -> None:
    import gc

    built = build(content, tmp_path / "out", jobs=1)
    assert built.written and gc.isenabled() and gc.get_freeze_count() == 0


def test_a_file_touched_but_not_changed_is_hashed_not_validated(
    content: Path, tmp_path: Path
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    cached(content, out, cache)
    path = newest(content)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - 10**10))
    built = cached(content, out, cache)
    assert (built.mode, built.read, built.validated) == ("unchanged", 1, 0)


def test_same_size_and_restored_mtime_is_still_seen(content: Path, tmp_path: Path) -> None:
    """A rewrite that keeps the size and puts the old mtime back still moves the ctime."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    path = newest(content)
    old = path.stat()
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns - 10**10))  # not racy
    cached(content, out, cache)
    raw = path.read_bytes()
    path.write_bytes(raw.replace("الدفاع".encode(), "الداخل".encode(), 1))
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns - 10**10))
    assert path.stat().st_size == len(raw)
    built = cached(content, out, cache)
    assert (built.mode, built.validated) == ("incremental", 1)
    assert_clean(built, out, content, tmp_path)


def test_a_file_changed_just_before_a_build_is_hashed_by_the_next(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.undo()  # the real windows
    out, cache = tmp_path / "out", tmp_path / "cache"
    now = datetime.now(UTC).timestamp()
    for path in content.rglob("*"):
        os.utime(path, (now - 3600, now - 3600))  # ctime stays now: changed just now
    cached(content, out, cache)
    again = cached(content, out, cache)
    assert (again.mode, again.read, again.validated) == ("unchanged", len(KEPT) + 5, 0)


def test_a_new_version_of_nashra_reads_everything_again(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    cached(content, out, cache)
    monkeypatch.setattr(build_module, "code_signature", lambda: b"files were touch")
    edit(newest(content), title="عنوان جديد")
    assert cached(content, out, cache).mode == "incremental"  # same source: same stamp
    monkeypatch.setattr(build_module, "code_stamp", lambda: b"another nashra..")
    monkeypatch.setattr(build_module, "code_signature", lambda: b"another nashra..")
    built = cached(content, out, cache)
    assert (built.mode, built.validated) == ("full", len(scan_articles(content)))
    assert_clean(built, out, content, tmp_path)


def test_the_stamp_covers_nashras_source(monkeypatch: pytest.MonkeyPatch) -> None:
    stamp = cache_module.code_stamp()
    assert cache_module.code_stamp() == stamp
    real = Path.read_bytes

    def edited(path: Path) -> bytes:
        data = real(path)
        return data + b"#" if path.name == "intake.py" else data

    monkeypatch.setattr(Path, "read_bytes", edited)
    assert cache_module.code_stamp() != stamp


def test_a_feed_file_edited_by_hand_is_rebuilt(content: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    cached(content, out, cache)
    (out / "gulf" / "rss.xml").write_bytes(b"<rss/>")
    (out / "old-section").mkdir()
    (out / "old-section" / "atom.xml").write_bytes(b"<feed/>")
    built = cached(content, out, cache)
    assert built.mode == "full"
    assert_clean(built, out, content, tmp_path)  # the stray feed is gone as well


def test_a_date_in_the_future_is_checked_again_as_time_passes(
    content: Path, tmp_path: Path
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    (content / "articles" / "soon.json").write_bytes(article(published="2027-01-20T08:00:00Z"))
    early = cached(content, out, cache)
    assert any(p.rule == "future" for key, ps in early.problems for p in ps)  # B-20
    later = NOW + timedelta(days=60)
    built = cached(content, out, cache, later)
    assert (built.mode, built.validated) == ("incremental", 1)
    assert not any(p.rule == "future" for key, ps in built.problems for p in ps)
    assert_clean(built, out, content, tmp_path, later)


def test_a_scheduled_article_is_published_by_the_first_build_after_its_time(
    content: Path, tmp_path: Path
) -> None:
    """B-20: a build before the article's time leaves it scheduled (in no feed); the next
    build reads the file again though its bytes did not change, and publishes it; each
    build's output is a clean build's at its own time."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    (content / "articles" / "soon.json").write_bytes(article(published="2026-11-29T12:30:00Z"))
    early = cached(content, out, cache)
    assert early.counts["scheduled"] == 1
    assert "soon" not in (out / "all" / "feed.json").read_text("utf-8")
    assert_clean(early, out, content, tmp_path)
    again = cached(content, out, cache, NOW + timedelta(minutes=10))
    assert (again.mode, again.validated, again.counts["scheduled"]) == ("incremental", 1, 1)
    later = NOW + timedelta(minutes=30)
    built = cached(content, out, cache, later)
    assert (built.mode, built.validated, built.counts["scheduled"]) == ("incremental", 1, 0)
    assert "soon" in (out / "all" / "feed.json").read_text("utf-8")
    assert_clean(built, out, content, tmp_path, later)


def test_a_clock_that_went_back_reads_everything(content: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    cached(content, out, cache)
    built = cached(content, out, cache, NOW - timedelta(days=1))
    assert built.mode == "full"
    assert_clean(built, out, content, tmp_path, NOW - timedelta(days=1))


def test_a_damaged_cache_is_rebuilt(content: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    cached(content, out, cache)
    for results in cache.glob("results-*"):
        results.write_bytes(results.read_bytes()[:100])
    edit(newest(content), title="عنوان جديد")
    built = cached(content, out, cache)
    assert built.mode == "full"
    assert_clean(built, out, content, tmp_path)
    assert cached(content, out, cache).mode == "unchanged"
    (cache / "manifest").write_bytes(b"garbage")
    assert cached(content, out, cache).mode == "full"


def test_a_second_build_at_once_goes_without_the_cache(content: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    cached(content, out, cache)
    edit(newest(content), title="عنوان جديد")
    with BuildCache.open(cache) as held:
        assert held is not None
        built = cached(content, out, cache)
    assert built.mode == "full"
    assert_clean(built, out, content, tmp_path)
    # The cache was left as it was, and the files written since are not its: read again.
    assert cached(content, out, cache).mode == "full"
    assert cached(content, out, cache).mode == "unchanged"


def test_many_changes_make_a_full_build_from_the_cache(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build_module, "INCREMENTAL_MAX", 1)
    out, cache = tmp_path / "out", tmp_path / "cache"
    cached(content, out, cache)
    edit(newest(content), title="عنوان جديد")
    edit(content / "articles" / "5g-year-in-review.json", title="عنوان آخر")
    built = cached(content, out, cache)
    assert (built.mode, built.validated) == ("full", 2)  # the others from the cache
    assert_clean(built, out, content, tmp_path)


def test_a_results_file_mostly_unused_is_compacted(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    cached(content, out, cache)
    (first,) = cache.glob("results-*")
    monkeypatch.setattr(BuildCache, "wasteful", lambda self, manifest: True)
    edit(newest(content), title="عنوان جديد")
    built = cached(content, out, cache)
    assert built.mode == "incremental"
    (second,) = cache.glob("results-*")
    assert second != first
    monkeypatch.undo()
    edit(newest(content), title="عنوان ثالث")
    built = cached(content, out, cache)
    assert built.mode == "incremental"
    assert_clean(built, out, content, tmp_path)


# -- RFC 5005 archives (nashra.history): sealed pages are never written again --------------


@pytest.fixture
def archived(tmp_path: Path) -> Path:
    """101 articles in one section and a live feed of one: `gulf` and `all` each seal two
    pages of 50 (their boundary is the 100th oldest article) and keep the newest live."""
    root = tmp_path / "archived"
    (root / "articles").mkdir(parents=True)
    site = json.loads((ROOT / "content" / "site.json").read_text("utf-8"))
    (root / "site.json").write_text(json.dumps({**site, "items_per_feed": 1}), "utf-8")
    shutil.copy(ROOT / "content" / "sections.json", root / "sections.json")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(101):
        when = (start + timedelta(days=n)).isoformat()
        raw = article(id=f"story-{n:03d}", title=f"خبر {n}", published=when)
        (root / "articles" / f"story-{n:03d}.json").write_bytes(raw)
    return root


def story(content: Path, n: int) -> Path:
    return content / "articles" / f"story-{n:03d}.json"


ARCHIVE_CHANGES: dict[str, tuple[Callable[[Path], object], str]] = {
    "the live article": (lambda c: edit(story(c, 100), title="عنوان جديد"), "incremental"),
    "a new article": (
        lambda c: write(c / "articles" / "story-101.json", article(id="story-101")),
        "incremental",
    ),
    "an article in a sealed page": (lambda c: edit(story(c, 30), title="تصحيح"), "incremental"),
    "the boundary article": (lambda c: edit(story(c, 99), title="تصحيح"), "incremental"),
    "two articles in two sealed pages": (
        lambda c: (edit(story(c, 3), body="<p>نص مصحح</p>"), edit(story(c, 70), title="تصحيح")),
        "incremental",
    ),
    "an article re-dated within its sealed page": (
        lambda c: edit(story(c, 30), published="2026-01-31T12:00:00Z"),
        "full",
    ),
    "an article moved out of a sealed page's section": (
        lambda c: edit(story(c, 30), section="sports"),
        "full",
    ),
    "an article deleted from a sealed page": (lambda c: story(c, 10).unlink(), "full"),
    "a backdated article": (
        lambda c: write(
            c / "articles" / "old.json", article(id="old", published="2025-06-01T00:00:00Z")
        ),
        "full",
    ),
    "the feed shrinks below its sealed pages": (lambda c: story(c, 100).unlink(), "full"),
}


@pytest.mark.parametrize("change", list(ARCHIVE_CHANGES))
def test_a_build_after_a_change_keeps_the_archive_of_a_clean_build(
    change: str, archived: Path, tmp_path: Path
) -> None:
    mutate, mode = ARCHIVE_CHANGES[change]
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = cached(archived, out, cache, NOW + timedelta(days=400))
    assert (out / "gulf" / "archive" / "2" / "rss.xml").is_file(), sorted(tree(out))[:20]
    assert first.mode == "full"
    mutate(archived)
    later = NOW + timedelta(days=400)
    built = cached(archived, out, cache, later)
    assert built.mode == mode
    assert_clean(built, out, archived, tmp_path, later)


def rebuilt_counting_reads(
    archived: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, n: int, title: str
) -> tuple[Built, list[object]]:
    """A cached build of `archived`, story `n` retitled, and the incremental build after
    it, with every read of a cached article counted."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    later = NOW + timedelta(days=400)
    cached(archived, out, cache, later)
    reads: list[object] = []
    real = BuildCache.read
    monkeypatch.setattr(BuildCache, "read", lambda *a: reads.append(a) or real(*a))
    edit(story(archived, n), title=title)
    built = cached(archived, out, cache, later)
    assert built.mode == "incremental"
    return built, reads


def test_an_article_edited_in_its_sealed_page_rewrites_that_page_alone(
    archived: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A correction to an old story, the commonest edit of an archive: the build writes the
    sealed page that holds it (in each of its feeds) and nothing else of the archive,
    reading only that page's articles back from the cache, and equals a clean build."""
    out, later = tmp_path / "out", NOW + timedelta(days=400)
    built, reads = rebuilt_counting_reads(archived, tmp_path, monkeypatch, 30, "تصحيح")
    archive = sorted(p for p in built.written if "/archive/" in p)
    pages = [f"{feed}/archive/1/{name}" for feed in ("all", "gulf") for name in NAMES]
    assert archive == pages
    assert len(reads) <= 2 * 50 + 3  # page 1 of each feed, and the live feed's
    assert "تصحيح".encode() in (out / "gulf" / "archive" / "1" / "rss.xml").read_bytes()
    assert_clean(built, out, archived, tmp_path, later)


NAMES = ("atom.xml", "rss.xml")


def test_the_articles_of_a_page_are_read_ahead_from_the_cache_together(
    archived: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache not read for a while is on the disk, not in memory: the sealed pages' and
    the live feed's articles are announced to the system before they are read
    (`BuildCache.advise`), so it reads them side by side instead of one at a time."""
    advised: set[tuple[int, int]] = set()
    ahead: list[bool] = []  # per read of a cached article: was it announced first?
    real_advise, real_read = BuildCache.advise, BuildCache.read

    def advise(store: BuildCache, manifest: object, refs: list[tuple[int, int]]) -> None:
        advised.update(refs)
        real_advise(store, manifest, refs)  # type: ignore[arg-type]

    def read(store: BuildCache, manifest: object, ref: tuple[int, int]) -> bytes:
        ahead.append(ref in advised)
        return real_read(store, manifest, ref)  # type: ignore[arg-type]

    out, cache = tmp_path / "out", tmp_path / "cache"
    later = NOW + timedelta(days=400)
    cached(archived, out, cache, later)
    monkeypatch.setattr(BuildCache, "advise", advise)
    monkeypatch.setattr(BuildCache, "read", read)
    edit(story(archived, 30), title="تصحيح")
    assert cached(archived, out, cache, later).mode == "incremental"
    assert len(ahead) >= 49  # page 1 (both feeds hold the same stories), the edited one aside
    assert ahead.count(False) <= 3  # single lookups: the changed key's, one by one
    assert_clean(cached(archived, out, cache, later), out, archived, tmp_path, later)


@pytest.mark.parametrize("cold", [True, False])
def test_a_chunk_found_on_the_disk_is_read_ahead(
    content: Path, monkeypatch: pytest.MonkeyPatch, cold: bool
) -> None:
    """A worker whose first read of a chunk was slow (the folder was on the disk, not in
    memory) asks for the chunk's other files side by side; after a fast one it does not.
    What it reads and validates is the same either way."""
    config = read_config(FolderSource(content))
    ahead_module._start(content, config.site, config.sections, NOW)
    asked: list[list[str]] = []
    monkeypatch.setattr(FolderSource, "advise", lambda _, keys: asked.append(list(keys)))
    monkeypatch.setattr(ahead_module, "COLD_READ", -1.0 if cold else 3600.0)
    keys = [key for key, _ in scan_articles(content)]
    reads = ahead_module.intake_chunk(keys)
    assert asked == ([keys[1:]] if cold else [])
    assert [read[0] for read in reads] == keys
    monkeypatch.setattr(ahead_module, "COLD_READ", 3600.0 if cold else -1.0)
    assert ahead_module.intake_chunk(keys) == reads


def test_advice_to_read_files_ahead_opens_each_and_reads_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`FolderSource.advise` asks the system to read each file whole; a file that is not
    there is left to its read; without `posix_fadvise` (not on Linux) nothing is done."""
    (tmp_path / "articles").mkdir()
    write(tmp_path / "articles" / "a.json", b"a" * 10)
    write(tmp_path / "articles" / "b.json", b"b" * 20)
    asked: list[tuple[int, int, int, int]] = []
    monkeypatch.setattr(
        os, "posix_fadvise", lambda fd, o, n, a: asked.append((os.fstat(fd).st_size, o, n, a))
    )
    keys = ["articles/a.json", "articles/gone.json", "articles/b.json"]
    FolderSource(tmp_path).advise(keys)
    assert asked == [(10, 0, 0, os.POSIX_FADV_WILLNEED), (20, 0, 0, os.POSIX_FADV_WILLNEED)]
    monkeypatch.delattr(os, "posix_fadvise")
    FolderSource(tmp_path).advise(keys)  # nothing to do, nothing raised


def test_advice_to_read_ahead_names_each_result_and_changes_no_read(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`advise` asks for exactly the results' byte ranges; without `posix_fadvise` (not on
    Linux) it does nothing; either way every read gives the bytes kept."""
    cached(content, tmp_path / "out", tmp_path / "cache")
    with BuildCache.open(tmp_path / "cache") as store:
        assert store is not None
        manifest, _ = store.load(cache_module.code_signature(), cache_module.code_stamp)
        assert manifest is not None
        refs = [r[cache_module.REF] for r in manifest.files.values() if r[cache_module.REF]]
        assert len(refs) >= 2
        kept = [store.read(manifest, ref) for ref in refs]
        asked: list[tuple[int, int, int]] = []
        monkeypatch.setattr(os, "posix_fadvise", lambda fd, o, n, a: asked.append((o, n, a)))
        store.advise(manifest, refs)
        assert asked == [(o, n, os.POSIX_FADV_WILLNEED) for o, n in refs]
        assert [store.read(manifest, ref) for ref in refs] == kept
        monkeypatch.delattr(os, "posix_fadvise")
        store.advise(manifest, refs)
        assert [store.read(manifest, ref) for ref in refs] == kept


def test_a_change_after_the_boundary_reads_no_sealed_page(
    archived: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cached index carries the archive states: the touched feeds' sealed pages are
    neither read back nor rendered again."""
    out, later = tmp_path / "out", NOW + timedelta(days=400)
    built, reads = rebuilt_counting_reads(archived, tmp_path, monkeypatch, 100, "عنوان جديد")
    assert len(reads) <= 3  # the changed article, and the live feed's
    assert not any("archive/1/" in p or "archive/2/" in p for p in built.written)
    assert_clean(built, out, archived, tmp_path, later)


def test_a_file_over_the_limit_is_hashed_not_held(tmp_path: Path) -> None:
    """The content folder answers as S3 does: the ETag of the whole file (its MD5) and its
    size, the bytes only within the limit; the rest is hashed a block at a time."""
    import hashlib

    from nashra.adapters.local import read_bounded, read_within

    (tmp_path / "articles").mkdir()
    data = random.Random(1).randbytes(3 * 1024 * 1024 + 7)
    (tmp_path / "articles" / "big.json").write_bytes(data)
    source = FolderSource(tmp_path)
    found = source.fetch("articles/big.json", 1024 * 1024)
    assert found is not None and found.body is None
    assert (found.etag, found.size) == (hashlib.md5(data).hexdigest(), len(data))
    stored = source.stat("articles/big.json")
    assert stored is not None and (stored.etag, stored.size) == (found.etag, found.size)
    assert source.list_page("articles/", "", 10) == [("articles/big.json", found.etag)]
    within = read_bounded(tmp_path / "articles" / "big.json", len(data))
    assert within.body == data and within.etag == found.etag
    assert read_within(tmp_path / "articles" / "big.json", 1024) == (None, len(data))


@pytest.mark.parametrize("stated", [0, 10, 4095])
def test_a_file_that_grew_since_its_stat_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stated: int
) -> None:
    """A file is read as large as its stat says, plus a byte to see its end: one that grew
    after the stat (an editor still saving it) is read on to the limit, never cut where the
    stat said it ended, and past the limit it is over the limit."""
    import os

    from nashra.adapters import local

    real_fstat = os.fstat

    class Shrunk:
        def __init__(self, st: os.stat_result) -> None:
            self._st = st

        def __getattr__(self, name: str) -> object:
            return stated if name == "st_size" else getattr(self._st, name)

    monkeypatch.setattr(local.os, "fstat", lambda fd: Shrunk(real_fstat(fd)))
    path = tmp_path / "grown.json"
    data = random.Random(stated).randbytes(4096)
    path.write_bytes(data)
    assert local.read_bounded(path, 1 << 20).body == data
    assert local.read_within(path, 1 << 20) == (data, len(data))
    over = local.read_bounded(path, 4000)
    assert over.body is None and over.size == len(data)
    held, size = local.read_within(path, 4000)  # its size as the (shrunk) stat says, past it
    assert held is None and size > 4000
