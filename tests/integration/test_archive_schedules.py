"""Randomized fault schedules against sealed archive pages: D12's guarantee in the pipeline.

The fault schedules (test_fault_schedules.py) run six articles, so no archive page is ever
sealed. Here archive pages hold 2 or 3 articles (nashra's hold 50) in the pipeline's
publisher and in the oracle's full build alike, live feeds 2 or 3 items, and 10 to 25
stories in two sections (and `all`, `breaking`), so pages fill and seal while events are
lost, repeated, held back and dead-lettered (the harness: tests/schedules.py).

Every schedule starts with a newsroom's morning: stories uploaded oldest first, each event
delivered, so pages seal as they fill. Then, two kinds of schedules (docs/decisions.md, D12):

- within the guarantee: rounds of work on the newest stories only (added, edited, moved,
  flagged breaking, drafted, deleted, re-uploaded), each round settled by the sweep (the
  dead-lettered events redriven before it, after it, or never). A round touches a story
  only while no page that could seal before the sweep can reach it, whatever view of the
  round the index has by then (`Round`), and removes one from a feed only while that
  feed keeps its sealed pages plus a live feed; so every story a page seals was settled
  before. Then the whole archive, sealed and open pages, live feeds and reports, is byte
  for byte a full build of the inbox.
- outside it: backdated stories, corrections, moves and deletes of sealed stories, events
  lost and healed late. Then D12 promises less than the full build's bytes: following
  `prev-archive` from each live feed (RSS and Atom) reaches every article the full build
  has in that feed in its current version, and no other (a sealed page is written again
  without a story that left it), once in the archive pages and once in the live feed and
  open page (a story in a sealed page is in the live feed too when deletes of newer stories
  shrank the feed back to it); the live feeds hold the full build's items.

In both, every page is well-formed XML, and a page once sealed (pages 1 to `sealed` of the
index's archive state, checked after every drain of the queue) is never deleted, and is
written again only to drop items (a retraction): what it still holds keeps its bytes.

`NASHRA_ARCHIVE_SCHEDULES=N` runs N more seeds of each kind (from
`NASHRA_ARCHIVE_SCHEDULE_SEED`, default 1000) when hunting; a failure prints the schedule.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import random
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import nashra.builder as build_module
from nashra.adapters.dynamodb import DynamoIndex
from nashra.core.keys import ARTICLES_PREFIX, CONFIG_PREFIX, is_reconciled_key
from nashra.publish import Publisher
from nashra.render.history import archive_paths
from oracle import expected_output, list_objects, published_feeds, published_reports
from schedules import (
    CONTENT,
    FATE_WEIGHTS,
    FATES,
    FEEDS,
    INBOX,
    TABLE,
    Delete,
    Ending,
    Pump,
    Put,
    Stack,
    Tick,
    assert_converged,
    stack_fixture,  # noqa: F401 (the `stack` fixture)
)

SECTIONS = ("gulf", "politics")
FEED_SLUGS = ("all", "breaking", *SECTIONS)
MORNING = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)  # story n is published 3n hours after
FEEDS_URL = "https://feeds.nashra.example/"  # content/site.json's feeds_url


@dataclasses.dataclass(frozen=True)
class Settle:
    """The round is over: the clock moves ten minutes on (past SQS's deduplication
    window), held-back events arrive, the sweep runs, the dead letters are redriven as
    `ending` says."""

    ending: Ending


Step = Put | Delete | Tick | Pump | Settle


@dataclasses.dataclass(frozen=True)
class Shape:
    """A schedule's site: archive pages of `page` articles, live feeds of `live` items."""

    page: int
    live: int


def key_of(n: int) -> str:
    return f"{ARTICLES_PREFIX}s{n:02d}.json"


def site_json(live: int) -> dict[str, Any]:
    site: dict[str, Any] = json.loads((CONTENT / "site.json").read_text(encoding="utf-8"))
    return {**site, "items_per_feed": live}


def sections_json() -> list[dict[str, str]]:
    every: list[dict[str, str]] = json.loads((CONTENT / "sections.json").read_bytes())
    return [s for s in every if s["slug"] in SECTIONS]


def story(n: int, version: int = 0, *, hours: float | None = None, **fields: Any) -> dict[str, Any]:
    """Story `n` in `version`, published `hours` after MORNING (3n by default: story n is
    placed after every story before it)."""
    when = MORNING + timedelta(hours=3 * n if hours is None else hours)
    body: dict[str, Any] = {
        "id": f"s{n:02d}",
        "section": "gulf",
        "title": f"وزير الدفاع يلتقي نظيره الكويتي {n} {version}",
        "published": when.isoformat(),
        "body": f"<p>في خطوة تعكس عمق العلاقات بين البلدين، النسخة {version}.</p>",
    }
    body.update(fields)
    return body


def feeds_of(body: dict[str, Any] | None) -> frozenset[str]:
    """The feeds the story is in (`core.site.feeds_for`)."""
    if body is None or body.get("status") == "draft":
        return frozenset()
    return frozenset({"all", body["section"], *(["breaking"] if body.get("breaking") else [])})


def changed(rng: random.Random, n: int, version: int, old: dict[str, Any]) -> dict[str, Any]:
    """A new version of story `n` at its place: new text, and maybe another section, the
    breaking flag set or cleared, a correction, or back to draft."""
    fields: dict[str, Any] = {k: old[k] for k in ("section", "published") if k in old}
    if rng.random() < 0.4:
        fields["section"] = rng.choice(SECTIONS)
    if rng.random() < 0.25:
        fields["breaking"] = not old.get("breaking", False)
    elif old.get("breaking"):
        fields["breaking"] = True
    if rng.random() < 0.25:
        fields["updated"] = "2026-11-20T10:00:00+03:00"
        fields["correction"] = "ذكرت نسخة سابقة رقمًا خاطئًا، والصحيح ما ورد أدناه."
    if rng.random() < 0.1:
        fields["status"] = "draft"
    return story(n, version, **fields)


def new_story(rng: random.Random, n: int, **fields: Any) -> dict[str, Any]:
    return story(n, section=rng.choice(SECTIONS), breaking=rng.random() < 0.3, **fields)


def fate(rng: random.Random) -> str:
    return rng.choices(FATES, FATE_WEIGHTS)[0]


def ending(rng: random.Random) -> Ending:
    return Ending(chunk=rng.choice((1, 3, 1000)), redrive=rng.choice(("before", "after", "never")))


def morning(rng: random.Random, shape: Shape, inbox: dict[int, dict[str, Any]]) -> list[Step]:
    """The config, then 6 to 12 stories uploaded oldest first, every event delivered, the
    queue drained in order now and then: pages seal as they fill."""
    steps: list[Step] = [
        Put("config/site.json", site_json(shape.live)),
        Put("config/sections.json", sections_json()),
        Pump(),
    ]
    for n in range(rng.randint(6, 12)):
        inbox[n] = new_story(rng, n)
        steps.append(Put(key_of(n), inbox[n]))
        if rng.random() < 0.4:
            steps.append(Pump(rng.randint(1, 10)))
    return [*steps, Pump()]


@dataclasses.dataclass
class Round:
    """One round of work within the guarantee, on the newest stories only, and what it
    may do. `history`: per feed, the stories it had when the round began that the round
    leaves alone, all placed before any story the round touches (the index holds them as
    they are, the last round settled). `touched`: per feed, every story the round touched
    that was ever in it, in any version. Whichever of the round's events the index has
    seen, a feed holds its history and some of `touched`, so its pages seal at most up to
    `ceiling`; a story of the round is never sealed while that stays within the history,
    and a feed a story left keeps its sealed pages plus a live feed while the ceiling
    leaves a live feed's worth of history above it."""

    shape: Shape
    history: dict[str, int]
    touched: dict[str, set[int]]
    shrunk: set[str] = dataclasses.field(default_factory=set)

    def ceiling(self, feed: str, extra: int = 0) -> int:
        """The articles of `feed` in sealed pages at most, with `extra` more touched."""
        page, live = self.shape.page, self.shape.live
        count = self.history[feed] + len(self.touched[feed]) + extra
        return page * max(0, (count - live) // page)

    def allows(self, n: int, before: frozenset[str], after: frozenset[str]) -> bool:
        """Whether story `n` may go from the feeds `before` to `after` in this round."""
        shrunk = self.shrunk | (before - after)
        for feed in FEED_SLUGS:
            extra = 1 if feed in after and n not in self.touched[feed] else 0
            top = self.ceiling(feed, extra)
            if top > self.history[feed]:
                return False
            if feed in shrunk and top + self.shape.live > self.history[feed]:
                return False
        return True

    def touch(self, n: int, before: frozenset[str], after: frozenset[str]) -> None:
        for feed in after:
            self.touched[feed].add(n)
        self.shrunk |= before - after


def open_round(rng: random.Random, shape: Shape, inbox: dict[int, dict[str, Any]]) -> Round:
    """A round on the newest 0 to 2 stories of the inbox (fewer, if a page that could seal
    in the round would reach them), and the stories it adds."""
    for count in range(rng.randint(0, 2), -1, -1):
        newest = sorted(inbox)[len(inbox) - count :]
        history = {f: 0 for f in FEED_SLUGS}
        touched: dict[str, set[int]] = {f: set() for f in FEED_SLUGS}
        for n, body in inbox.items():
            for feed in feeds_of(body):
                if n in newest:
                    touched[feed].add(n)
                else:
                    history[feed] += 1
        work = Round(shape, history, touched)
        if all(work.ceiling(f) <= history[f] for f in FEED_SLUGS):
            return work
    raise AssertionError("a round with no story touched always fits")


def within(rng: random.Random, shape: Shape) -> list[Step]:
    """A morning, then rounds of work on the newest stories until 10 to 25 are written."""
    inbox: dict[int, dict[str, Any]] = {}
    steps = morning(rng, shape, inbox)
    written, goal = len(inbox), rng.randint(10, 25)
    version = 0
    while written < goal:
        work = open_round(rng, shape, inbox)
        mine = {n for stories in work.touched.values() for n in stories}
        for _ in range(rng.randint(2, 6)):
            version += 1
            roll = rng.random()
            old: dict[str, Any] | None
            new: dict[str, Any] | None
            if roll < 0.45 or not mine & inbox.keys():
                n, old = written, None
                new = new_story(rng, n)
            else:
                n = rng.choice(sorted(mine & inbox.keys()))
                old = inbox[n]
                new = None if roll < 0.65 else old if roll < 0.75 else changed(rng, n, version, old)
            if not work.allows(n, feeds_of(old), feeds_of(new)):
                continue
            work.touch(n, feeds_of(old), feeds_of(new))
            mine.add(n)
            written = max(written, n + 1)
            if new is None:
                del inbox[n]
                steps.append(Delete(key_of(n), fate(rng)))
            else:
                inbox[n] = new
                steps.append(Put(key_of(n), new, fate(rng)))
            if rng.random() < 0.35:
                steps.append(Pump(rng.randint(1, 10), rng.random() < 0.5))
        steps.append(Settle(ending(rng)))
    return steps


def outside(rng: random.Random, shape: Shape) -> list[Step]:
    """A morning, then work on any story: new ones, backdated ones (placed before stories
    already sealed), corrections, moves, drafts and deletes of sealed stories, stories
    moved in time; with every fate for their events, settled now and then."""
    inbox: dict[int, dict[str, Any]] = {}
    steps = morning(rng, shape, inbox)
    written = len(inbox)
    for version in range(1, rng.randint(12, 20)):
        roll = rng.random()
        if roll < 0.45 and written < 25:
            n = written
            hours = None if roll < 0.25 else rng.uniform(-6, 3 * written)  # backdated
            inbox[n] = new_story(rng, n, hours=hours)
            written += 1
            steps.append(Put(key_of(n), inbox[n], fate(rng)))
        elif roll < 0.7 and inbox:
            n = rng.choice(sorted(inbox))
            inbox[n] = changed(rng, n, version, inbox[n])
            if rng.random() < 0.2:  # moved in time
                inbox[n]["published"] = (MORNING + timedelta(hours=rng.uniform(-6, 75))).isoformat()
            steps.append(Put(key_of(n), inbox[n], fate(rng)))
        elif roll < 0.82 and inbox:
            n = rng.choice(sorted(inbox))
            del inbox[n]
            steps.append(Delete(key_of(n), fate(rng)))
        elif roll < 0.95:
            steps.append(Pump(rng.randint(1, 10), rng.random() < 0.5))
        else:
            steps.append(Settle(ending(rng)))
    return [*steps, Settle(ending(rng))]


# -- running one -----------------------------------------------------------------------------


@dataclasses.dataclass
class SealWatch:
    """The sealed pages' files as last seen, by path."""

    seen: dict[str, bytes] = dataclasses.field(default_factory=dict)
    retractions: bool = True  # False: no sealed page may change at all

    def check(self, p: Any) -> None:
        """No sealed page seen before was deleted, or written again but to drop items (a
        retraction, D12): each item it still holds is byte for byte the one it held.
        Record the new ones."""
        pages = p.s3.get_paginator("list_objects_v2").paginate(Bucket=FEEDS)
        listing = {o["Key"] for page in pages for o in page.get("Contents", ())}

        def body(path: str) -> bytes:
            return bytes(p.s3.get_object(Bucket=FEEDS, Key=path)["Body"].read())

        for path, before in list(self.seen.items()):
            assert path in listing, f"sealed page {path} deleted"
            now = body(path)
            if now != before:
                assert self.retractions, f"sealed page {path} written again"
                fmt = "rss" if path.endswith("rss.xml") else "atom"
                kept, held = items(now, fmt), items(before, fmt)
                assert (kept and set(kept) < set(held)) or not kept, f"{path} changed, not shrunk"
                assert [it for it in held if it in kept] == kept, f"{path} reordered"
                self.seen[path] = now
        for feed, state in DynamoIndex(p.dynamodb, TABLE).archives().items():
            for number in range(1, state.sealed + 1):
                for path in archive_paths(feed, number):
                    assert path in listing, f"{path} sealed, not published"
                    if path not in self.seen:
                        self.seen[path] = body(path)


SHAPES = (Shape(2, 2), Shape(3, 2), Shape(2, 3), Shape(3, 3))


def small_pages(stack: Stack, shape: Shape, monkeypatch: pytest.MonkeyPatch) -> None:
    """Archive pages of `shape.page` articles in the pipeline's publisher and in the
    oracle's full build."""
    small = functools.partial(Publisher, archive_page=shape.page)
    monkeypatch.setattr(stack.pipeline.handler, "Publisher", small)
    monkeypatch.setattr(build_module, "Publisher", small)
    monkeypatch.setattr(build_module, "ARCHIVE_PAGE_SIZE", shape.page)


def play(
    stack: Stack,
    steps: Sequence[Step],
    monkeypatch: pytest.MonkeyPatch,
    *,
    retractions: bool = True,
) -> SealWatch:
    """Play `steps` on the publisher's clock, checking the sealed pages after every drain."""
    build_publisher = stack.pipeline.handler.new_publisher
    chunk = next((s.ending.chunk for s in steps if isinstance(s, Settle)), 1000)

    def new_publisher(services: Any) -> Any:
        publisher = build_publisher(services)
        publisher.clock = stack.clock
        publisher.sweep_chunk = chunk
        return publisher

    monkeypatch.setattr(stack.pipeline.handler, "new_publisher", new_publisher)
    watch = SealWatch(retractions=retractions)
    for step in steps:
        if isinstance(step, Settle):
            stack.advance(10)
            stack.settle(step.ending)
        else:
            stack.apply(step)
        if isinstance(step, (Pump, Settle)):
            watch.check(stack.pipeline)
    return watch


def assert_well_formed(files: dict[str, bytes]) -> None:
    for path, body in sorted(files.items()):
        if path.endswith(".xml"):
            ET.fromstring(body)  # raises on a page that is not XML


ITEM = {
    "rss": re.compile(rb"<item>.*?</item>", re.S),
    "atom": re.compile(rb"<entry>.*?</entry>", re.S),
}
ITEM_ID = {"rss": re.compile(rb"<guid[^>]*>(.*?)</guid>"), "atom": re.compile(rb"<id>(.*?)</id>")}


def items(doc: bytes, fmt: str) -> list[tuple[bytes, bytes]]:
    """A document's items as (id, the item's bytes), in document order."""
    found = []
    for item in ITEM[fmt].findall(doc):
        match = ITEM_ID[fmt].search(item)
        assert match is not None, item
        found.append((match.group(1), item))
    return found


def prev_archive(doc: bytes) -> str | None:
    """The path of the page a document names as `prev-archive`, if any."""
    for element in ET.fromstring(doc).iter():
        if element.tag.endswith("link") and element.get("rel") == "prev-archive":
            return element.get("href", "").removeprefix(FEEDS_URL)
    return None


def chain(files: dict[str, bytes], feed: str, fmt: str) -> list[tuple[str, bytes]]:
    """The live feed, then every page `prev-archive` leads to from it, newest first."""
    path: str | None = f"{feed}/{fmt}.xml"
    docs: list[tuple[str, bytes]] = []
    while path is not None:
        assert path in files, f"{path} named as prev-archive, not published"
        assert path not in dict(docs), f"{path}: prev-archive goes round in a loop"
        docs.append((path, files[path]))
        path = prev_archive(files[path])
    return docs


def assert_reachable(published: dict[str, bytes], built: dict[str, bytes]) -> None:
    """D12 whatever happens: from each live feed, every article of the full build's feed
    in its current version, and nothing else (a story deleted, corrected, re-dated or
    moved after its page was sealed has left that page); once in the live feed and the
    open page, once in the archive pages; the live feed holds the full build's items."""
    for feed in FEED_SLUGS:
        for fmt in ("rss", "atom"):
            if f"{feed}/{fmt}.xml" not in built:
                assert f"{feed}/{fmt}.xml" not in published
                continue
            current = dict(it for _, doc in chain(built, feed, fmt) for it in items(doc, fmt))
            docs = chain(published, feed, fmt)
            live = items(docs[0][1], fmt)
            assert live == items(built[f"{feed}/{fmt}.xml"], fmt), f"{feed}/{fmt}.xml items"
            reached = [it for _, doc in docs for it in items(doc, fmt)]
            # Once each in the live feed and the open page, and once in the archive; a story
            # may be in the live feed and a sealed page both, where the feed shrank back to it
            # (deletes of newer stories): it did not leave the page, the live feed came back.
            unsealed = live + (items(docs[1][1], fmt) if len(docs) > 1 else [])
            for part in (unsealed, reached[len(live) :]):
                ids = [i for i, _ in part]
                assert len(ids) == len(set(ids)), f"{feed} {fmt}: reached twice: {ids}"
            ids = [i for i, _ in reached]
            for article_id, item in reached:
                assert article_id in current, f"{feed} {fmt}: {article_id!r} left, still there"
                assert current[article_id] == item, f"{feed} {fmt}: {article_id!r} stale"
            missing = set(current) - set(ids)
            assert not missing, f"{feed} {fmt}: {sorted(missing)} not reached"


def assert_index_converged(p: Any, now: datetime) -> dict[str, bytes]:
    """Reports as a full build's, the index has seen the inbox's ETags; the build's files."""
    built, reports = expected_output(p.s3, INBOX, now)
    assert published_reports(p.s3, INBOX) == reports
    listed = {
        k: p.s3.head_object(Bucket=INBOX, Key=k)["ETag"].strip('"')
        for prefix in (ARTICLES_PREFIX, CONFIG_PREFIX)
        for k in list_objects(p.s3, INBOX, prefix)
        if is_reconciled_key(k)
    }
    seen = {s.key: s.etag for s in DynamoIndex(p.dynamodb, TABLE).seen_between("", None)}
    assert seen == listed
    return built


def schedule_text(steps: Sequence[Step]) -> str:
    return "\n".join(f"    {step!r}," for step in steps)


CI_SEEDS = list(range(3))  # about 4 s each; seed n has shape SHAPES[n % 4]
HUNT = int(os.environ.get("NASHRA_ARCHIVE_SCHEDULES", "0"))
HUNT_FROM = int(os.environ.get("NASHRA_ARCHIVE_SCHEDULE_SEED", "1000"))
SEEDS = [*CI_SEEDS, *range(HUNT_FROM, HUNT_FROM + HUNT)]


@pytest.mark.parametrize("seed", SEEDS)
def test_within_the_guarantee_the_whole_archive_is_a_full_builds(
    stack: Stack, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rounds of work on the newest stories only, whatever happens to their events, each
    settled by the sweep: every page sealed, open page, live feed and report is byte for
    byte what a full build of the inbox writes, and no sealed page was written twice."""
    rng, shape = random.Random(seed), SHAPES[seed % len(SHAPES)]
    stack.rng = random.Random(seed + 1)
    small_pages(stack, shape, monkeypatch)
    steps = within(rng, shape)
    try:
        play(stack, steps, monkeypatch, retractions=False)
        assert_converged(stack.pipeline, stack.clock.now)
        assert_well_formed(published_feeds(stack.pipeline.s3, FEEDS))
        sealed = DynamoIndex(stack.pipeline.dynamodb, TABLE).archives()["all"].sealed
        assert sealed >= 2, "the schedule sealed too little to test"
    except AssertionError:
        print(f"seed {seed}, {shape}:\n{schedule_text(steps)}")
        raise


@pytest.mark.parametrize("seed", SEEDS)
def test_outside_the_guarantee_prev_archive_reaches_every_article(
    stack: Stack, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Backdated stories, corrections and deletes of sealed stories, events lost and
    healed late: every page is XML, a sealed page only ever loses items, and `prev-archive`
    from each live feed reaches every article of the feed once, in its current version,
    and nothing else."""
    rng, shape = random.Random(seed), SHAPES[seed % len(SHAPES)]
    stack.rng = random.Random(seed + 1)
    small_pages(stack, shape, monkeypatch)
    steps = outside(rng, shape)
    try:
        play(stack, steps, monkeypatch)
        built = assert_index_converged(stack.pipeline, stack.clock.now)
        published = published_feeds(stack.pipeline.s3, FEEDS)
        assert_well_formed(published)
        assert_reachable(published, built)
    except AssertionError:
        print(f"seed {seed}, {shape}:\n{schedule_text(steps)}")
        raise
